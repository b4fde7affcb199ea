#!/usr/bin/env bash
# Sustained ingest rate of `tracefix run` into SQLite and PostgreSQL, and the
# time `tracefix run` takes to ingest a file against `tracefix scan` on it.
#
#   scripts/bench-ingest.sh                  # 200,000 events (1,000,000 records)
#   RECORDS=500000 scripts/bench-ingest.sh
#
# Environment: RECORDS (log records, one in five a Python traceback of one of
# 10 types, default 1000000), DIR (default /tmp/tracefix-bench-ingest),
# PG_URL (a server to create a scratch database on, default
# postgres://postgres@127.0.0.1:5432/postgres; PG=0 skips PostgreSQL),
# BATCH (ingest.batch_size, default 5000).
#
# Each run times `tracefix run --once` (the file source read to its end,
# every event committed, then exit; workers and HTTP off) on a fresh store,
# from process start to exit, then checks that the stored counts add up to
# the number of tracebacks written. The same file is timed with `tracefix scan`.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS="${RECORDS:-1000000}"
DIR="${DIR:-/tmp/tracefix-bench-ingest}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
BATCH="${BATCH:-5000}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$(pwd)/$TARGET/release/tracefix"
[ -x "$BIN" ] || BIN="$TARGET/release/tracefix"

cargo build --release -q -p tracefix
rm -rf "$DIR"
mkdir -p "$DIR"
python3 - "$DIR/app.log" "$RECORDS" <<'PY'
import sys
path, records = sys.argv[1], int(sys.argv[2])
types = ["KeyError", "ValueError", "TimeoutError", "ZeroDivisionError", "PermissionError",
         "LookupError", "RuntimeError", "OSError", "IndexError", "TypeError"]
out, traces = [], 0
for i in range(records):
    ts = "2026-11-21 10:%02d:%02d,%03d" % ((i // 60) % 60, i % 60, i % 1000)
    if i % 5 == 3:
        k = (i // 5) % len(types)
        traces += 1
        out.append(f"{ts} ERROR app.jobs: job {i} failed\nTraceback (most recent call last):\n"
                   f"  File \"/srv/app/jobs.py\", line {20 + k}, in run_{k}\n    step_{k}(job)\n"
                   f"  File \"/srv/app/steps.py\", line 40, in step_{k}\n    raise {types[k]}(job.id)\n"
                   f"{types[k]}: job {i}\n")
    else:
        out.append(f"{ts} INFO app.jobs: job {i} done in {i % 97} ms\n")
open(path, "w").write("".join(out))
print(traces, file=open(path + ".traces", "w"))
PY
TRACES=$(cat "$DIR/app.log.traces")
LINES=$(wc -l <"$DIR/app.log")
BYTES=$(stat -c %s "$DIR/app.log")
cat "$DIR/app.log" >/dev/null

now() { date +%s%N; }

stored() { # stored event count, 0 if the store is not there yet
    (cd "$DIR" && "$BIN" --store-url "$1" groups --json --limit 0 2>/dev/null) \
        | python3 -c 'import json,sys; print(sum(json.loads(l)["count"] for l in sys.stdin))' 2>/dev/null || echo 0
}

ingest() { # ingest URL LABEL
    local url="$1" label="$2"
    cat >"$DIR/tracefix.toml" <<TOML
[store]
url = "$url"
[[source]]
type = "file"
path = "app.log"
[server]
enabled = false
[worker]
enabled = false
[ingest]
batch_size = $BATCH
batch_interval_ms = 100
TOML
    local t0 t1 n
    t0=$(now)
    (cd "$DIR" && "$BIN" run --once 2>"$DIR/run.err") || {
        echo "bench-ingest: tracefix run --once failed:" >&2
        cat "$DIR/run.err" >&2
        exit 1
    }
    t1=$(now)
    n=$(stored "$url")
    if [ "$n" != "$TRACES" ]; then
        echo "bench-ingest: $label holds $n events, expected $TRACES" >&2
        exit 1
    fi
    awk -v l="$label" -v s="$(( (t1 - t0) / 1000 ))" -v e="$TRACES" -v b="$BYTES" 'BEGIN {
        printf "| `tracefix run --once` into %s | %.2f | %.0f | %.0f |\n", l, s / 1e6, e / (s / 1e6), b / (s / 1e6) / 1e6 }'
    echo "$(( (t1 - t0) / 1000 ))" >"$DIR/$label.us"
}

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== tracefix $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' + uncommitted changes')"
echo "== log: $RECORDS records, $LINES lines, $BYTES bytes, $TRACES tracebacks (10 types), batch_size $BATCH"
echo
echo "| run | seconds | events/s | MB/s |"
echo "|---|---:|---:|---:|"
t0=$(now)
"$BIN" scan "$DIR/app.log" >"$DIR/scan.txt"
t1=$(now)
scan_us=$(( (t1 - t0) / 1000 ))
awk -v s="$scan_us" -v e="$TRACES" -v b="$BYTES" 'BEGIN {
    printf "| `tracefix scan` (no store) | %.2f | %.0f | %.0f |\n", s / 1e6, e / (s / 1e6), b / (s / 1e6) / 1e6 }'
ingest "sqlite://$DIR/bench.db" sqlite
if [ "${PG:-1}" != 0 ]; then
    db="tracefix_bench_$$"
    psql "$PG_URL" -q -c "CREATE DATABASE $db" >/dev/null
    trap 'psql "$PG_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
    ingest "${PG_URL%/*}/$db" postgresql
fi
echo
for label in sqlite postgresql; do
    [ -f "$DIR/$label.us" ] || continue
    awk -v l="$label" -v r="$(cat "$DIR/$label.us")" -v s="$scan_us" 'BEGIN {
        printf "%s: `tracefix run --once` took %.2f times as long as `tracefix scan`\n", l, r / s }'
done
