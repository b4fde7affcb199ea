'use strict';
// mailer: send a receipt; failures are printed with console.error and retried later.
// usage: node console_error.js <order-id>

class SmtpError extends Error {
  constructor(message, reply) {
    super(message);
    this.name = 'SmtpError';
    this.code = 'EAUTH';
    this.responseCode = reply.code;
    this.command = 'AUTH PLAIN';
  }
}

function authenticate(user) {
  throw new SmtpError(`Invalid login: 535 5.7.8 authentication failed for ${user}`, { code: 535 });
}

function sendReceipt(orderId) {
  authenticate('receipts@shop.example.com');
  return `queued receipt for ${orderId}`;
}

const orderId = process.argv[2];
try {
  console.log(sendReceipt(orderId));
} catch (err) {
  console.error(err);
}
