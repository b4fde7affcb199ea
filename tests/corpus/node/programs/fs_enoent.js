'use strict';
// mailer: render an email template.
// usage: node fs_enoent.js <template>

const fs = require('fs');
const path = require('path');

const TEMPLATE_DIR = path.join(__dirname, 'templates');

function loadTemplate(name) {
  return fs.readFileSync(path.join(TEMPLATE_DIR, `${name}.html`), 'utf8');
}

function renderReceipt(order) {
  const html = loadTemplate(order.template);
  return html.replace('{{order}}', String(order.id));
}

console.log(renderReceipt({ id: 1, template: process.argv[2] }).length);
