#!/usr/bin/env bash
# End-to-end throughput of `tracefix scan` on one core (see docs/BENCHMARKS.md).
#
#   scripts/bench-scan.sh                 # 1 GiB logs in /tmp/tracefix-bench, 5 runs each
#   SIZE=256M RUNS=3 scripts/bench-scan.sh
#
# Environment: SIZE (genlog size, default 1G), RUNS (default 5), DIR (where the
# logs go, default /tmp/tracefix-bench; never inside the repository), CPU (the
# core to pin to, default 0), KEEP=1 keeps the logs afterwards, BASELINE_REV (a
# git revision, e.g. c572be8 for the Python-only engine: it is built in a
# worktree under DIR and its `scan` is timed on the same files in the same run,
# with the ratio printed).
#
# Builds the release binary and the genlog example, writes a clean and a mixed
# log, reads each once so it is in the page cache, then times (median of RUNS):
#   taskset -c CPU tracefix scan FILE            (table output)
#   taskset -c CPU tracefix scan --json FILE     (mixed only, to /dev/null)
#   taskset -c CPU wc -l FILE                    (the floor)
# with /usr/bin/time -v for the peak RSS. It checks that the number of events
# equals the number of traces genlog wrote, and prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE="${SIZE:-1G}"
RUNS="${RUNS:-5}"
DIR="${DIR:-/tmp/tracefix-bench}"
CPU="${CPU:-0}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/tracefix"
GENLOG="$TARGET/release/examples/genlog"

if [ ! -x /usr/bin/time ]; then
    echo "bench-scan: /usr/bin/time is missing (apt-get install time)" >&2
    exit 1
fi

cargo build --release -q -p tracefix
cargo build --release -q -p tracefix-core --example genlog
mkdir -p "$DIR"

BASE_BIN=""
if [ -n "${BASELINE_REV:-}" ]; then
    base_src="$DIR/baseline-src"
    rm -rf "$base_src"
    git worktree prune
    git worktree add -q --detach "$base_src" "$BASELINE_REV"
    (cd "$base_src" && CARGO_TARGET_DIR="$DIR/baseline-target" cargo build --release -q -p tracefix)
    git worktree remove --force "$base_src"
    BASE_BIN="$DIR/baseline-target/release/tracefix"
fi

# time_cmd OUT CMD...: runs CMD pinned to $CPU with stdout to OUT;
# prints "WALL_SECONDS CPU_SECONDS MAXRSS_KB" (CPU = user + system).
time_cmd() {
    local out="$1"
    shift
    local tv="$DIR/time.txt" t0 t1
    t0=$(date +%s%N)
    taskset -c "$CPU" /usr/bin/time -v -o "$tv" "$@" >"$out"
    t1=$(date +%s%N)
    awk -F': ' -v us="$(( (t1 - t0) / 1000 ))" '
        /User time \(seconds\)/ {cpu += $2}
        /System time \(seconds\)/ {cpu += $2}
        /Maximum resident set size/ {rss = $2}
        END {printf "%.4f %.2f %d\n", us / 1e6, cpu, rss}' "$tv"
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# measure LABEL FILE OUT CMD...: RUNS timed runs; prints a table row.
measure() {
    local label="$1" file="$2" out="$3"
    shift 3
    local bytes secs=() cpus=() rsss=() w c r
    bytes=$(stat -c %s "$file")
    for _ in $(seq "$RUNS"); do
        read -r w c r < <(time_cmd "$out" "$@")
        secs+=("$w")
        cpus+=("$c")
        rsss+=("$r")
    done
    local s cpu rss
    s=$(printf '%s\n' "${secs[@]}" | median)
    cpu=$(printf '%s\n' "${cpus[@]}" | median)
    rss=$(printf '%s\n' "${rsss[@]}" | sort -g | tail -n 1)
    awk -v l="$label" -v b="$bytes" -v s="$s" -v c="$cpu" -v r="$rss" -v all="${secs[*]}" 'BEGIN {
        printf "| %s | %.3f | %.0f | %.2f | %.2f | %.0f | %.1f | %s |\n",
            l, s, b / s / 1e6, b / s / 1e9, c, (c > 0 ? b / c / 1e6 : 0), r / 1024, all }'
}

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, pinned to CPU $CPU"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== tracefix $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- crates 2>/dev/null || echo ' + uncommitted changes')"
[ -n "$BASE_BIN" ] && echo "== baseline: $(git rev-parse --short "$BASELINE_REV")"

declare -A TRACES
for kind in clean mixed; do
    file="$DIR/$kind.log"
    summary=$("$GENLOG" --kind "$kind" --size "$SIZE" --out "$file" 2>&1)
    echo "$summary"
    TRACES[$kind]=$(sed -n 's/.* traces=\([0-9]*\) .*/\1/p' <<<"$summary")
    cat "$file" >/dev/null # into the page cache
done

echo
echo "| run | median wall s | MB/s | GB/s | median CPU s | MB/s per CPU s | max peak RSS MiB | wall of each run (s) |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
status=0
for kind in clean mixed; do
    file="$DIR/$kind.log"
    # Warm-up run (also checks the event count).
    taskset -c "$CPU" "$BIN" scan "$file" >"$DIR/$kind.table.txt"
    events=$(sed -n 's/^\([0-9]*\) events in .*/\1/p' "$DIR/$kind.table.txt")
    if [ "$events" != "${TRACES[$kind]}" ]; then
        echo "bench-scan: $kind: tracefix found $events events, genlog wrote ${TRACES[$kind]} traces" >&2
        status=1
    fi
    measure "\`wc -l\` $kind (floor)" "$file" /dev/null wc -l "$file"
    measure "\`tracefix scan\` $kind" "$file" /dev/null "$BIN" scan "$file"
    if [ -n "$BASE_BIN" ]; then
        measure "baseline \`tracefix scan\` $kind" "$file" /dev/null "$BASE_BIN" scan "$file"
    fi
    if [ "$kind" = mixed ]; then
        json_events=$(taskset -c "$CPU" "$BIN" scan --json "$file" | wc -l)
        if [ "$json_events" != "${TRACES[$kind]}" ]; then
            echo "bench-scan: $kind --json: $json_events events, genlog wrote ${TRACES[$kind]} traces" >&2
            status=1
        fi
        measure "\`tracefix scan --json\` $kind" "$file" /dev/null "$BIN" scan --json "$file"
    fi
done
echo
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in clean mixed; do
    echo "$kind: $(tail -n 1 "$DIR/$kind.table.txt") (genlog wrote ${TRACES[$kind]} traces)"
done
if [ "${KEEP:-0}" != 1 ]; then
    rm -f "$DIR"/clean.log "$DIR"/mixed.log
fi
exit "$status"
