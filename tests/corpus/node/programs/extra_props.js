'use strict';
// checkout: validate a cart before payment.
// usage: node extra_props.js <cart-id> <qty>

class ValidationError extends Error {
  constructor(message, details) {
    super(message);
    this.name = 'ValidationError';
    this.code = 'ERR_VALIDATION';
    this.field = details.field;
    this.value = details.value;
    this.status = 422;
  }
}

function validateLine(line) {
  if (!Number.isInteger(line.qty) || line.qty < 1 || line.qty > 99) {
    throw new ValidationError(`quantity out of range for ${line.sku}`, { field: 'qty', value: line.qty });
  }
}

function validateCart(cart) {
  cart.lines.forEach(validateLine);
  return true;
}

const [cartId, qty] = process.argv.slice(2);
validateCart({ id: cartId, lines: [{ sku: 'SKU-1001', qty: 1 }, { sku: 'SKU-2040', qty: Number(qty) }] });
