'use strict';
// billing: format invoice amounts in the customer's currency.
// usage: node invoice_constructor.js <order-id> <currency>

class Money {
  constructor(cents, currency) {
    this.cents = cents;
    this.format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  }
}

class Invoice {
  constructor(orderId, lines, currency) {
    this.number = `INV-${orderId}`;
    this.lines = lines.map((l) => ({ ...l, amount: new Money(l.cents, currency) }));
  }
}

const [orderId, currency] = process.argv.slice(2);
const invoice = new Invoice(orderId, [{ sku: 'SKU-1001', cents: 1999 }], currency);
console.log(invoice.number);
