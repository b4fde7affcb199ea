'use strict';

const http = require('http');

class RequestError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'RequestError';
    this.type = 'system';
  }
}

function request(url, options = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method || 'GET', timeout: 2000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (err) => {
      reject(new RequestError(`request to ${url} failed, reason: ${err.message}`, { cause: err }));
    });
    req.end();
  });
}

module.exports = { request, RequestError };
