'use strict';
// importer: import a stock CSV with the csv-lite package.
// usage: node vendor_csv.js <batch>

const { parse } = require('csv-lite');

function importStock(batch) {
  const csv = [
    'sku,warehouse,qty,updated',
    'SKU-1001,ber-1,12,2026-11-20',
    'SKU-1002,ber-1,3,2026-11-20',
    `SKU-2040,ham-2,${batch}`,
  ].join('\n');
  const rows = parse(csv);
  return rows.length;
}

console.log(`imported ${importStock(process.argv[2])} rows`);
