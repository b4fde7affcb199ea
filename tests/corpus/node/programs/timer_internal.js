'use strict';
// scheduler: schedule the next export run.
// usage: node timer_internal.js <cron-date>

function nextRun(job) {
  const at = new Date(job.startsAt);
  return at.toISOString();
}

function tick(jobs) {
  for (const job of jobs) {
    console.log(`${job.name} next run ${nextRun(job)}`);
  }
}

setTimeout(() => tick([{ name: 'export-daily', startsAt: '2026-11-21T02:00:00Z' },
                       { name: 'export-weekly', startsAt: process.argv[2] }]), 5);
