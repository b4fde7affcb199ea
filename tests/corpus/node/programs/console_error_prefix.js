'use strict';
// inventory sync: the error is printed after a short message on the same line.
// usage: node console_error_prefix.js <warehouse>

function applyDelta(stock, delta) {
  if (stock.qty + delta.change < 0) {
    throw new RangeError(`stock for ${delta.sku} would become negative (${stock.qty} + ${delta.change})`);
  }
  stock.qty += delta.change;
}

function syncWarehouse(warehouse) {
  const stock = { sku: 'SKU-1002', qty: 3 };
  applyDelta(stock, { sku: 'SKU-1002', change: -5 });
  return warehouse;
}

const warehouse = process.argv[2];
try {
  syncWarehouse(warehouse);
} catch (err) {
  console.error(`inventory sync for ${warehouse} failed:`, err);
}
