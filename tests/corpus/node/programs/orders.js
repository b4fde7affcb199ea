'use strict';
// orders-api: charge an order against the price list.
// usage: node orders.js <order-id> <request-id> <sku>

const PRICES = new Map([
  ['SKU-1001', 1999],
  ['SKU-1002', 2499],
  ['SKU-2040', 899],
]);

function priceFor(sku, orderId) {
  const cents = PRICES.get(sku);
  if (cents === undefined) {
    throw new Error(`no price for ${sku} in order ${orderId}`);
  }
  return cents;
}

function chargeOrder(order) {
  let total = 0;
  for (const line of order.lines) {
    total += priceFor(line.sku, order.id) * line.qty;
  }
  return { orderId: order.id, total };
}

const [orderId, requestId, sku] = process.argv.slice(2);
console.log(`[${requestId}] charging order ${orderId}`);
const receipt = chargeOrder({ id: Number(orderId), lines: [{ sku: 'SKU-1001', qty: 1 }, { sku, qty: 2 }] });
console.log(`[${requestId}] charged ${receipt.total}`);
