'use strict';
// payments: capture a payment for a checkout.
// usage: node payments_async.js <customer-id> <charge-id>

class CardError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CardError';
  }
}

const wallet = new Map([[100001, { token: 'tok_visa_4242' }]]);

async function defaultCard(customerId) {
  await new Promise((resolve) => setImmediate(resolve));
  const card = wallet.get(customerId);
  if (!card) {
    throw new CardError(`no default card for customer ${customerId}`);
  }
  return card;
}

async function capturePayment(customerId, chargeId) {
  const card = await defaultCard(customerId);
  return { chargeId, token: card.token, status: 'captured' };
}

async function handleCheckout(customerId, chargeId) {
  const result = await capturePayment(customerId, chargeId);
  console.log(`charge ${result.chargeId} ${result.status}`);
}

async function main() {
  const [customerId, chargeId] = process.argv.slice(2);
  await handleCheckout(Number(customerId), chargeId);
}

main();
