'use strict';
// queue: a broker connection that reports failures through 'error' events.
// usage: node emitter_error.js <partition>

const { EventEmitter } = require('events');

class BrokerConnection extends EventEmitter {
  constructor(partition) {
    super();
    this.partition = partition;
  }

  poll() {
    setImmediate(() => {
      this.emit('error', new Error(`broker connection reset (partition ${this.partition})`));
    });
  }
}

const conn = new BrokerConnection(Number(process.argv[2]));
conn.on('message', (m) => console.log(m));
conn.poll();
