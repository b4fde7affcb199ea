'use strict';

const { CsvError } = require('./errors');

class Parser {
  constructor(options = {}) {
    this.delimiter = options.delimiter || ',';
    this.columns = null;
    this.line = 0;
  }

  parseRecord(text) {
    this.line += 1;
    const fields = text.split(this.delimiter);
    if (this.columns === null) {
      this.columns = fields;
      return null;
    }
    if (fields.length !== this.columns.length) {
      throw new CsvError('CSV_RECORD_INCONSISTENT_COLUMNS',
        `Invalid Record Length: expect ${this.columns.length}, got ${fields.length} on line ${this.line}`,
        { line: this.line, column: fields.length });
    }
    return Object.fromEntries(this.columns.map((c, i) => [c, fields[i]]));
  }
}

module.exports = { Parser };
