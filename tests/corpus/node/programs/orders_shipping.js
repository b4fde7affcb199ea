'use strict';
// orders-api: quote shipping for an order.
// usage: node orders_shipping.js <order-id> <country>

const ZONES = { DE: { zone: 'eu', base: 499 }, FR: { zone: 'eu', base: 599 }, US: { zone: 'us', base: 999 } };
const RATES = { eu: 1.0, us: 1.4 };

function quoteShipping(order) {
  const dest = ZONES[order.country];
  const rate = RATES[dest.zone];
  return Math.round(dest.base * rate * order.parcels);
}

function quoteOrder(orderId, country) {
  const order = { id: orderId, country, parcels: 2 };
  return { orderId, shipping: quoteShipping(order) };
}

const [orderId, country] = process.argv.slice(2);
console.log(JSON.stringify(quoteOrder(Number(orderId), country)));
