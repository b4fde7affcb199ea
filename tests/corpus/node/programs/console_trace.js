'use strict';
// db: report slow queries with a stack trace of the caller (no error).
// usage: node console_trace.js <ms>

function runQuery(sql, elapsedMs) {
  if (elapsedMs > 1000) {
    console.trace(`slow query (${elapsedMs} ms): ${sql}`);
  }
  return [];
}

function ordersForCustomer(customerId, elapsedMs) {
  return runQuery(`SELECT * FROM orders WHERE customer_id = ${customerId}`, elapsedMs);
}

ordersForCustomer(4242, Number(process.argv[2]));
console.log('done');
