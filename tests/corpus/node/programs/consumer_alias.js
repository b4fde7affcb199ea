'use strict';
// events: a queue consumer that upper-cases event names.
// usage: node consumer_alias.js <queue>

const { EventEmitter } = require('events');

class EventNormalizer {
  handle(message) {
    return { ...message, type: message.payload.type.toUpperCase() };
  }
}

class QueueConsumer extends EventEmitter {
  constructor(queue, handler) {
    super();
    this.queue = queue;
    this.handlers = { onMessage: handler.handle };
  }

  deliver(message) {
    return this.handlers.onMessage(message);
  }
}

const queue = process.argv[2];
const consumer = new QueueConsumer(queue, new EventNormalizer());
consumer.on('message', (m) => consumer.deliver(m));
consumer.emit('message', { id: 1, payload: { type: 'order.created' } });
consumer.emit('message', { id: 2, payload: { type: 42 } });
