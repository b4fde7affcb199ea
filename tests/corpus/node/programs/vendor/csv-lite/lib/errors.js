'use strict';

class CsvError extends Error {
  constructor(code, message, context) {
    super(message);
    this.name = 'CsvError';
    this.code = code;
    this.line = context.line;
    this.column = context.column;
  }
}

module.exports = { CsvError };
