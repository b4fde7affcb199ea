'use strict';
// api: an HTTP handler that throws; the request comes from this process.
// usage: node http_handler.js <order-id>

const http = require('http');

function parsePage(query) {
  return Number(query.get('page').trim());
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const page = parsePage(url.searchParams);
  res.end(JSON.stringify({ page }));
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  http.get(`http://127.0.0.1:${port}/api/orders/${process.argv[2]}/events`, (res) => res.resume());
});
