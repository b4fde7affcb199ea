'use strict';
// orders-api startup: load the config file, wrap each failure with its cause.
// usage: node cause_chain.js <port>

const fs = require('fs');
const path = require('path');

class StartupError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'StartupError';
  }
}

function readConfig(dir) {
  const file = path.join(dir, 'orders-api.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read config ${file}`, { cause: err });
  }
}

function start(port) {
  try {
    const config = readConfig(path.join(__dirname, 'config'));
    return { ...config, port };
  } catch (err) {
    throw new StartupError(`orders-api startup aborted (port ${port})`, { cause: err });
  }
}

start(Number(process.argv[2]));
