'use strict';
// prices: refresh cached prices from the pricing service.
// usage: node prices_promise_all.js <sku>...

async function fetchPrice(sku) {
  await new Promise((resolve) => setImmediate(resolve));
  if (!sku.startsWith('SKU-1')) {
    throw new Error(`pricing service returned 503 for ${sku}`);
  }
  return { sku, cents: 1000 };
}

async function refreshPrices(skus) {
  const prices = await Promise.all(skus.map((sku) => fetchPrice(sku)));
  return new Map(prices.map((p) => [p.sku, p.cents]));
}

async function main() {
  const cache = await refreshPrices(process.argv.slice(2));
  console.log(`refreshed ${cache.size} prices`);
}

main();
