'use strict';
// payments: parse a stored charge document.
// usage: node cause_json.js <charge-id>

class ChargeDecodeError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'ChargeDecodeError';
    this.code = 'ERR_CHARGE_DECODE';
    this.retryable = false;
  }
}

const store = new Map([['ch_default', '{"amount": 1999, "currency": "EUR"}']]);

function loadCharge(chargeId) {
  const raw = store.get(chargeId) || '{"amount": 19.99, "currency": EUR}';
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new ChargeDecodeError(`charge ${chargeId} is not valid JSON`, { cause: err });
  }
}

async function refund(chargeId) {
  await null;
  const charge = loadCharge(chargeId);
  return { chargeId, amount: charge.amount };
}

refund(process.argv[2]).then((r) => console.log(r));
