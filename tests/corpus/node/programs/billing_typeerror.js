'use strict';
// billing: build an invoice from an order document.
// usage: node billing_typeerror.js <order-id>

function invoiceTotal(invoice) {
  const net = invoice.lines.reduce((sum, line) => sum + line.qty * line.unitPrice, 0);
  return Math.round(net * (1 + invoice.vatRate));
}

function buildInvoice(order) {
  const invoice = { number: `INV-${order.id}`, vatRate: 0.19, lines: order.items };
  invoice.total = invoiceTotal(invoice);
  return invoice;
}

const orderId = Number(process.argv[2]);
// the order came from the legacy API, which names the field "positions"
const order = { id: orderId, positions: [{ qty: 1, unitPrice: 1299 }] };
console.log(buildInvoice(order).total);
