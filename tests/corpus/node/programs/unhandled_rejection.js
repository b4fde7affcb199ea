'use strict';
// reporting: fetch report rows; the promise chain has no .catch().
// usage: node unhandled_rejection.js <report-id>

function queryRows(reportId) {
  return Promise.resolve({ reportId, rows: null });
}

const reportId = process.argv[2];
queryRows(reportId)
  .then((res) => res.rows.map((row) => row.total))
  .then((totals) => console.log(totals.length));
