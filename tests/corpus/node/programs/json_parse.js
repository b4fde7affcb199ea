'use strict';
// webhooks: parse an incoming webhook body.
// usage: node json_parse.js <order-id>

function parseWebhook(body) {
  return JSON.parse(body);
}

function handleWebhook(orderId) {
  const body = `{"event": "order.paid", "order": ${orderId}, "amount": 19.99,}`;
  const event = parseWebhook(body);
  return event.order;
}

console.log(handleWebhook(process.argv[2]));
