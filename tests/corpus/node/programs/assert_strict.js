'use strict';
// ledger: reconcile a batch of ledger entries.
// usage: node assert_strict.js <batch>

const assert = require('node:assert/strict');

function reconcile(batch, entries) {
  const debit = entries.filter((e) => e.side === 'debit').reduce((s, e) => s + e.cents, 0);
  const credit = entries.filter((e) => e.side === 'credit').reduce((s, e) => s + e.cents, 0);
  assert.equal(debit, credit);
  return { batch, balanced: true };
}

const batch = process.argv[2];
console.log(reconcile(batch, [
  { side: 'debit', cents: 125000 },
  { side: 'credit', cents: 120000 },
  { side: 'credit', cents: 4000 },
]));
