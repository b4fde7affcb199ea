'use strict';

const { Parser } = require('./parser');
const { CsvError } = require('./errors');

function parse(input, options) {
  const parser = new Parser(options);
  const records = [];
  for (const line of input.split('\n')) {
    if (line === '') continue;
    const record = parser.parseRecord(line);
    if (record) records.push(record);
  }
  return records;
}

module.exports = { parse, Parser, CsvError };
