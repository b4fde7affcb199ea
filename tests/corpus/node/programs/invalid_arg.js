'use strict';
// tls: load the certificate for a tenant.
// usage: node invalid_arg.js <tenant>

const fs = require('fs');

const CERTS = {
  acme: { cert: '/etc/shop/tls/acme.pem' },
  globex: { certificate: '/etc/shop/tls/globex.pem' },
};

function loadCertificate(tenant) {
  const entry = CERTS[tenant] || CERTS.globex;
  return fs.readFileSync(entry.cert);
}

console.log(loadCertificate(process.argv[2]).length);
