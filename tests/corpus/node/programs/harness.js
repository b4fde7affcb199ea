'use strict';
// Preloaded by generate.py with `node -r harness.js program.js ...`. It does not
// change the program's own frames; it only catches the first error (or
// console.trace) the program produces and reports it instead of Node's default
// printing:
//
//   TF_MODE=stack  writes "\n@@TFNODE@@{json}\n" to stdout: the error's name,
//                  message, err.stack and its cause chain. generate.py builds the
//                  `logging`, `docker` and `cri` variants from that err.stack.
//   TF_MODE=json   logs the error with a real logger (pino, winston or bunyan,
//                  from TF_PLAN), with ordinary records before and after it.
//                  Only the timestamps, pid and hostname are fixed by the plan so
//                  the output is deterministic.
//
// Hooks: process 'uncaughtException' (also gets unhandled rejections),
// console.error(..., err, ...) and console.trace(...).

const fs = require('fs');
const util = require('util');

const mode = process.env.TF_MODE;
const plan = mode === 'json' ? JSON.parse(process.env.TF_PLAN) : null;
let reported = false;
let nowMs = 0;

function causeChain(err) {
  // oldest cause first, the error itself last
  const chain = [];
  const seen = new Set();
  let e = err;
  while (e instanceof Error && !seen.has(e)) {
    seen.add(e);
    chain.unshift(e.name);
    e = e.cause;
  }
  return chain;
}

// ---------------------------------------------------------------- json mode

const RealDate = Date;
function atTime(ms, fn) {
  // bunyan stamps records with `new Date()`: give it the planned time
  nowMs = ms;
  global.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(nowMs);
      else super(...args);
    }
    static now() { return nowMs; }
  };
  try {
    fn();
  } finally {
    global.Date = RealDate;
  }
}

let logger = null;

function makeLogger() {
  const lib = plan.lib;
  Object.defineProperty(process, 'pid', { value: plan.pid, configurable: true, enumerable: true });
  if (lib === 'pino') {
    const pino = require('pino');
    const l = pino({
      name: plan.name,
      base: { pid: plan.pid, hostname: plan.hostname },
      timestamp: () => `,"time":${nowMs}`,
    }, pino.destination({ dest: 1, sync: true }));
    return {
      line: (level, msg, fields) => l[level](fields || {}, msg),
      error: (err, msg) => l.error({ err }, msg),
      stack: (text, msg) => l.warn({ stack: text }, msg),
    };
  }
  if (lib === 'winston') {
    const winston = require('winston');
    const { combine, errors, timestamp, json } = winston.format;
    const l = winston.createLogger({
      level: 'info',
      format: combine(errors({ stack: true }), timestamp({ format: () => new RealDate(nowMs).toISOString() }), json()),
      defaultMeta: { service: plan.name },
      transports: [new winston.transports.Console()],
    });
    return {
      line: (level, msg, fields) => l.log(level, msg, fields || {}),
      error: (err, msg) => l.error(msg, err),
      stack: (text, msg) => l.warn(msg, { stack: text }),
    };
  }
  if (lib === 'bunyan') {
    const bunyan = require('bunyan');
    const l = bunyan.createLogger({
      name: plan.name,
      hostname: plan.hostname,
      serializers: bunyan.stdSerializers,
      streams: [{ level: 'info', stream: process.stdout }],
    });
    return {
      line: (level, msg, fields) => (fields ? l[level](fields, msg) : l[level](msg)),
      error: (err, msg) => l.error({ err }, msg),
      stack: (text, msg) => l.warn({ stack: text }, msg),
    };
  }
  throw new Error(`unknown logger ${lib}`);
}

function ordinaryLines(lines) {
  for (const o of lines) {
    atTime(o.ms, () => logger.line(o.level, o.msg, o.fields));
  }
}

// ---------------------------------------------------------------- reporting

function report(kind, err) {
  if (reported) return;
  reported = true;
  if (mode === 'stack') {
    const rec = kind === 'stack'
      ? { kind, stack: err.stack }
      : { kind, name: err.name, message: err.message, stack: err.stack, chain: causeChain(err) };
    fs.writeSync(1, `\n@@TFNODE@@${JSON.stringify(rec)}\n`);
    return;
  }
  atTime(plan.record.ms, () => {
    if (kind === 'stack') logger.stack(err.stack, plan.record.msg);
    else logger.error(err, plan.record.msg);
  });
  ordinaryLines(plan.after);
}

if (mode === 'json') {
  logger = makeLogger();
  console.log = () => {};
  process.stdout.write = ((write) => function guarded(chunk, ...rest) {
    // only the logger writes JSON lines; drop the program's own output
    if (typeof chunk === 'string' && !chunk.startsWith('{')) return true;
    return write.call(this, chunk, ...rest);
  })(process.stdout.write);
  ordinaryLines(plan.before);
}

process.on('uncaughtException', (err) => {
  report('exception', err);
  if (mode === 'stack') process.exit(1);
  setTimeout(() => process.exit(1), 200);
});

const origError = console.error;
console.error = function error(...args) {
  const err = args.find((a) => a instanceof Error);
  if (err) {
    report('exception', err);
    return;
  }
  origError.apply(console, args);
};

console.trace = function trace(...args) {
  // what Node's console.trace does: a plain object named Trace with the caller's frames
  const obj = { name: 'Trace', message: util.format(...args) };
  Error.captureStackTrace(obj, trace);
  report('stack', obj);
};
