'use strict';
// config: validate settings; the message lists every problem on its own line.
// usage: node multiline_message.js <port>

function validate(settings) {
  const problems = [];
  if (!Number.isInteger(settings.port)) problems.push(`  - port: expected an integer, got ${JSON.stringify(settings.port)}`);
  if (!settings.database) problems.push('  - database: required');
  if (problems.length) {
    throw new TypeError(`invalid settings (${problems.length} problems):\n${problems.join('\n')}`);
  }
  return settings;
}

validate({ port: process.argv[2], database: '' });
