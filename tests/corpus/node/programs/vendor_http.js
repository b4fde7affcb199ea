'use strict';
// inventory: ask the stock service; nothing listens on the port.
// usage: node vendor_http.js <sku>

const { request } = require('minifetch');

async function stockLevel(sku) {
  const res = await request(`http://127.0.0.1:9/v1/stock/${sku}`);
  return JSON.parse(res.body).qty;
}

async function reserve(sku, qty) {
  const available = await stockLevel(sku);
  if (available < qty) throw new Error('not enough stock');
  return true;
}

reserve(process.argv[2], 2).then(() => console.log('reserved'));
