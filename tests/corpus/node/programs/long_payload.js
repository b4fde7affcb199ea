'use strict';
// ingest: reject a batch; the whole payload ends up in the message.
// usage: node long_payload.js <batch>

function makeBatch(batchId) {
  const events = [];
  for (let i = 0; i < 260; i++) {
    events.push({ id: `${batchId}-${i}`, type: 'page_view', path: `/products/${1000 + i}`, ms: 12 + (i % 7) });
  }
  return { batch: batchId, events };
}

function ingest(batch) {
  if (batch.events.length > 250) {
    throw new RangeError(`batch too large (${batch.events.length} events): ${JSON.stringify(batch)}`);
  }
  return batch.events.length;
}

ingest(makeBatch(process.argv[2]));
