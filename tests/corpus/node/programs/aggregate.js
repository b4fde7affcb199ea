'use strict';
// mirrors: upload an export to every mirror; fail if all of them fail.
// usage: node aggregate.js <export-id>

async function upload(mirror, exportId) {
  await null;
  throw new Error(`mirror ${mirror} refused export ${exportId}: quota exceeded`);
}

async function publish(exportId) {
  const mirrors = ['eu-1', 'us-2'];
  const results = await Promise.allSettled(mirrors.map((m) => upload(m, exportId)));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length === mirrors.length) {
    throw new AggregateError(failures, `all ${mirrors.length} mirrors failed for export ${exportId}`);
  }
}

publish(process.argv[2]);
