'use strict';
// rules: evaluate a discount rule stored as an expression.
// usage: node eval_rule.js <order-id>

const RULE = 'order.total > 100 && customer.tier === "gold" ? 0.1 : 0';

function evaluateRule(order) {
  // eslint-disable-next-line no-eval
  return eval(RULE);
}

function discountFor(orderId) {
  const order = { id: orderId, total: 120 };
  return evaluateRule(order);
}

console.log(discountFor(Number(process.argv[2])));
