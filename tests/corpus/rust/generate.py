#!/usr/bin/env python3
"""Generate the tracefix Rust panic corpus.

Every trace in cases/ that is not marked "handwritten" comes from really
building the programs in programs/ with the installed Rust toolchain (1.95)
and running them.  anyhow, eyre and tokio come from crates.io (versions pinned
by each program's Cargo.lock).  The captured output is wrapped into several log
formats (bare stderr, tracing-style logging, JSON lines, docker json-file, CRI)
plus interleaved and noisy variants; the ground truth goes into manifest.json.

The one-line panic form of Rust < 1.73 (`thread 'main' panicked at 'msg',
src/main.rs:2:5`) and the form without a thread id cannot be produced with
1.95; they are written by hand in handwritten/*.txt and marked
`"handwritten": true` in the manifest.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only.  Deterministic on one machine: timestamps / ids come from
random.Random seeded from SEED and the file name; programs are built in fixed
directories under /tmp/tfcorpus-rust (each root with its own CARGO_TARGET_DIR)
and run with a fixed environment, ASLR disabled (setarch -R) and in a fresh
PID namespace (unshare) so thread ids are the same on every run.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
import random

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
HANDWRITTEN = HERE / "handwritten"
CASES = HERE / "cases"
MANIFEST = HERE / "manifest.json"
WORK = Path("/tmp/tfcorpus-rust")
SEED = 20261121
LANGUAGE = "rust"

REAL_HOME = Path(os.environ.get("HOME", "/root"))
CARGO_HOME = Path(os.environ.get("CARGO_HOME", str(REAL_HOME / ".cargo")))

# Install roots.  "deploy-*" model the same service built elsewhere: rustc's
# --remap-path-prefix makes the recorded paths look like a CI checkout
# (deploy-a) and the official rust docker image (deploy-b: WORKDIR /usr/src/<pkg>,
# CARGO_HOME=/usr/local/cargo).  deploy-c has extra header lines so that line
# numbers differ.  `cwd` is where the binary runs: short backtraces print
# paths below the current directory as ./src/main.rs.
ROOTS = {
    "app": {"dir": WORK / "srv"},
    "deploy-a": {"dir": WORK / "deploy-a" / "build",
                 "remap": [(str(WORK / "deploy-a" / "build"), "/home/runner/work/shop")], "cwd": WORK / "home"},
    "deploy-b": {"dir": WORK / "deploy-b" / "usr" / "src",
                 "remap": [(str(WORK / "deploy-b" / "usr" / "src"), "/usr/src"),
                           (str(CARGO_HOME), "/usr/local/cargo")], "cwd": WORK / "home"},
    "deploy-c": {"dir": WORK / "deploy-c" / "opt" / "shop" / "releases" / "2026.11.2", "header": True},
}
DEPLOY_C_HEADER = [
    "// Copyright (c) 2026 Example Shop GmbH. All rights reserved.",
    "//",
    "// Licensed under the Example Shop internal license, version 3.",
    "// Release 2026.11.2 (build 8841), deployed by the release pipeline.",
    "",
]
DEPLOY_C_EXTRA = [
    "",
    "/// Release metadata, stamped by the pipeline.",
    "#[allow(dead_code)]",
    "fn release_info() -> &'static str {",
    "    \"orders 2026.11.2\"",
    "}",
]

BUILD_ENV = {
    "PATH": "%s:/usr/local/bin:/usr/bin:/bin" % (CARGO_HOME / "bin"),
    "HOME": str(REAL_HOME),
    "CARGO_HOME": str(CARGO_HOME),
    "LANG": "C.UTF-8",
    "CARGO_TERM_COLOR": "never",
    "CARGO_INCREMENTAL": "0",
}
if "RUSTUP_HOME" in os.environ:
    BUILD_ENV["RUSTUP_HOME"] = os.environ["RUSTUP_HOME"]
RUN_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": str(WORK / "home"),
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TERM": "dumb",
    "NO_COLOR": "1",
}

FORMATS = ("stderr", "logging", "jsonl", "docker", "cri")
SPLIT = 16384  # docker json-file and containerd CRI split lines at 16 KiB


# --------------------------------------------------------------------------
# Program table
# --------------------------------------------------------------------------

class Prog:
    def __init__(self, name, group, target, msg, args=(), runs=("app@0",), release=False, level="ERROR"):
        self.name = name
        # one label per event of the output, in order (worker panic, then main's unwrap)
        self.groups = [group] if isinstance(group, str) else list(group)
        self.target = target                # tracing target of the intro line
        self.msg = msg
        self.args = list(args)
        self.runs = list(runs)              # "root@RUST_BACKTRACE"
        self.release = release
        self.level = level


P = Prog
PROGRAM_TABLE = [
    # -- same bug, different deploys (shared group label)
    P("orders-api", "orders_missing_sku_unwrap_none", "orders_api", "pricing order {order} ({req})",
      ["{order}", "SKU-{n4}"], runs=["app@0", "deploy-a@1", "deploy-b@1", "deploy-c@0"]),
    P("cart-service", "cart_recommended_slot_oob", "cart_service", "rendering cart page for session {n4}",
      ["{qty}", "{slot}"], runs=["deploy-a@0", "deploy-b@1"]),
    P("async-gateway", ["gateway_upstream_index_oob", "gateway_join_unwrap"], "async_gateway",
      "routing request {req}", ["{hash}"], runs=["app@1", "deploy-b@1"]),
    # -- one run each
    P("config-loader", "config_port_parse_unwrap", "config_loader", "loading /etc/shop/{env}.toml",
      ["{port}x"], runs=["app@1"]),
    P("ledger", "ledger_sum_overflow", "ledger", "summing balances for account {cust}", ["{bal}"],
      runs=["app@1"]),
    P("stats", "stats_average_divide_by_zero", "stats", "daily report for {day}", ["{day}"]),
    P("tls-loader", "tls_cert_expect", "tls_loader", "loading certificate for {tenant}",
      ["/etc/shop/tls/{tenant}.pem"], runs=["app@1"]),
    P("validator", "validator_invalid_config", "validator", "validating config of {env}", ["{region}"]),
    P("worker-pool", ["workerpool_parse_job", "workerpool_join_unwrap"], "worker_pool",
      "running batch {n4}", ["{n3}:2", "{n3}:x{qty}", "{n2}:4"], runs=["app@1"]),
    P("importer", "importer_short_row", "importer", "importing upload {uuid}", ["SKU-{n4},{qty},EUR"]),
    P("settings-cli", "settings_anyhow_context", "settings_cli", "starting with profile {env}",
      ["/etc/shop/{env}/settings.toml"]),
    P("migrate", "migrate_anyhow_missing_relation", "migrate", "applying migrations to {db}",
      ["0042_add_orders_index"], runs=["app@1"]),
    P("shard-planner", "shards_eyre_parse", "shard_planner", "planning shards for {db}", ["{n2}x"]),
    P("parse-cli", "cli_boxed_parse_error", "parse_cli", "parsing limits", ["{n3}k"]),
    P("slugger", "slug_char_boundary", "slugger", "building slug for product {order}", ["Café {cat}"],
      runs=["app@full"]),
    P("session-cache", "session_cache_refcell", "session_cache", "touching session {uuid}", ["{uuid}"],
      runs=["app@1"]),
    P("metrics", ["metrics_flush_endpoint", "metrics_mutex_poisoned"], "metrics", "flushing metrics",
      ["udp://10.0.0.{n2}:8125"]),
    P("refunds", "refunds_gift_card_todo", "refunds", "refunding order {order}", ["gift-card"]),
    P("reconcile", "reconcile_totals_differ", "reconcile", "reconciling account {cust}", ["ACC-{cust}"],
      runs=["app@1"]),
    P("search", "search_missing_query_param", "search", "handling search request {req}", ["page=2"],
      runs=["app@1"], release=True),
    P("plugins", "plugins_panic_any", "plugins", "loading plugins for {tenant}", ["/opt/shop/plugins/{tenant}.so"]),
    P("state-machine", "orders_unreachable_transition", "state_machine", "order {order}: applying event",
      ["refund"], runs=["app@full"]),
    P("payload-check", "ingest_payload_rejected", "payload_check", "ingesting batch {n4}", ["{n4}"]),
]

# Forms that Rust 1.95 cannot print, written by hand (see handwritten/*.txt).
# They mirror real programs and then share their group labels.
HANDWRITTEN_TABLE = [
    # name (file stem), groups, target, intro
    ("rust170-orders-oneline", ["orders_missing_sku_unwrap_none"], "orders_api", "pricing order 48213"),
    ("rust169-cart-oneline-backtrace", ["cart_recommended_slot_oob"], "cart_service",
     "rendering cart page for session 7310"),
    ("rust172-validator-oneline-multiline", ["validator_invalid_config"], "validator",
     "validating config of prod-eu"),
    ("rust180-gateway-no-thread-id", ["gateway_upstream_index_oob", "gateway_join_unwrap"], "async_gateway",
     "routing request req-5f0c2a71-93de-4c41-9d53-0e6e4f8a2b77"),
]


# --------------------------------------------------------------------------
# Helpers: rng, values, clock
# --------------------------------------------------------------------------

def rng_for(*parts):
    return random.Random(":".join([str(SEED)] + [str(p) for p in parts]))


def rng_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def case_values(rng):
    return {
        "order": rng.randint(10000, 99999),
        "req": "req-" + rng_uuid(rng),
        "uuid": rng_uuid(rng),
        "n2": rng.randint(10, 99),
        "n3": rng.randint(100, 999),
        "n4": rng.randint(1000, 9999),
        "cust": rng.randint(100000, 999999),
        "qty": rng.randint(2, 5),
        "slot": rng.randint(6, 30),
        "hash": rng.choice([2, 3]) + 4 * rng.randint(1000, 99999),
        "bal": rng.randint(50_000_000, 900_000_000),
        "port": rng.choice([8000, 8080, 8443, 9090]),
        "ms": rng.randint(1500, 9000),
        "hex": "%012x" % rng.getrandbits(48),
        "day": "2026-11-%02d" % rng.randint(1, 20),
        "tenant": rng.choice(["acme", "globex", "initech", "umbrella"]),
        "queue": rng.choice(["emails", "invoices", "exports", "webhooks"]),
        "region": rng.choice(["us-east-1", "ap-south-1", "sa-east-1"]),
        "env": rng.choice(["staging", "prod-eu", "prod-us"]),
        "cat": rng.choice(["crème", "noir", "brûlé"]),
        "db": rng.choice(["orders", "billing", "inventory"]),
    }


BASE_TIME = datetime(2026, 11, 21, 0, 0, 0)


class Clock:
    """Nanoseconds since BASE_TIME, advanced by random steps."""

    def __init__(self, rng):
        self.rng = rng
        self.ns = rng.randint(8 * 3600, 17 * 3600) * 10**9 + rng.randint(0, 10**9 - 1)

    def step(self, lo_ms=5, hi_ms=1500):
        self.ns += self.rng.randint(lo_ms * 10**6, hi_ms * 10**6)
        return self.ns

    def tiny(self):
        self.ns += self.rng.randint(15_000, 900_000)
        return self.ns


def _dt(ns):
    return BASE_TIME + timedelta(microseconds=ns // 1000)


def ts_iso(ns, digits):
    frac = "%09d" % (ns % 10**9)
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:digits] + "Z"


def ts_cri(ns):
    # Go's time.RFC3339Nano drops trailing zeros of the fraction
    frac = ("%09d" % (ns % 10**9)).rstrip("0")
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def ts_syslog(ns):
    return _dt(ns).strftime("%b %d %H:%M:%S")


def log_line(ns, level, target, msg):
    """tracing-subscriber's default fmt layer (no ANSI): `<RFC3339 µs> <LEVEL:5> <target>: <msg>`"""
    return "%s %5s %s: %s" % (ts_iso(ns, 6), level, target, msg)


# --------------------------------------------------------------------------
# Building and running the programs
# --------------------------------------------------------------------------

def setup_work():
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "home").mkdir(parents=True)


def install_program(prog, root_key):
    spec = ROOTS[root_key]
    dest = spec["dir"] / prog.name
    if dest.exists():
        return dest
    shutil.copytree(PROGRAMS / prog.name, dest)
    if spec.get("header"):
        main = dest / "src" / "main.rs"
        lines = main.read_text().rstrip("\n").split("\n")
        main.write_text("\n".join(DEPLOY_C_HEADER + lines + DEPLOY_C_EXTRA) + "\n")
    return dest


_built = {}


def build(prog, root_key):
    key = (prog.name, root_key)
    if key in _built:
        return _built[key]
    dest = install_program(prog, root_key)
    env = dict(BUILD_ENV, CARGO_TARGET_DIR=str(WORK / ("target-" + root_key)))
    flags = ["--remap-path-prefix=%s=%s" % (a, b) for a, b in ROOTS[root_key].get("remap", [])]
    env["RUSTFLAGS"] = " ".join(flags)
    cmd = ["cargo", "build", "--quiet", "--locked"] + (["--release"] if prog.release else [])
    subprocess.run(cmd, cwd=str(dest), env=env, check=True)
    binary = WORK / ("target-" + root_key) / ("release" if prog.release else "debug") / prog.name
    # keep a copy per root: another package could reuse the name in the same target dir
    out = dest / "bin" / prog.name
    out.parent.mkdir(exist_ok=True)
    shutil.copy2(binary, out)
    _built[key] = out
    return out


# The program runs as PID n+2 of a fresh PID namespace (after n throwaway
# /bin/true processes), so `thread 'main' (PID)` and the ids of threads it
# spawns are the same on every run.
PID_SCRIPT = 'n=$1; shift; while [ "$n" -gt 0 ]; do /bin/true; n=$((n-1)); done; "$@"'


def run(cmd, cwd, env, pids_before):
    full = ["unshare", "--pid", "--fork", "setarch", "-R", "sh", "-c", PID_SCRIPT, "sh", str(pids_before)] + cmd
    p = subprocess.run(full, cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def lines_of(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# --------------------------------------------------------------------------
# Analysis: where the events are, their type / message / chain
# --------------------------------------------------------------------------

PANIC_NEW = re.compile(r"^thread '([^']*)'(?: \(\d+\))? panicked at (\S+:\d+:\d+):$")
PANIC_OLD = re.compile(r"^thread '([^']*)' panicked at '(.*)$")
OLD_LOC = re.compile(r"', \S+:\d+:\d+$")
FRAME = re.compile(r"^ *\d+: |^ +at ")
NOTE_RUN = "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"
NOTE_DETAILS = "note: Some details are omitted"


class Span:
    def __init__(self, start, end, type_, message, chain, group, kind="exception"):
        self.start, self.end = start, end
        self.type, self.message, self.chain = type_, message, chain
        self.group, self.kind = group, kind


def panic_end(raw, j):
    """raw[j] is the first line after the message; return the event's last index."""
    n = len(raw)
    if j < n and raw[j] == "stack backtrace:":
        j += 1
        while j < n and FRAME.match(raw[j]):
            j += 1
        if j < n and raw[j].startswith(NOTE_DETAILS):
            return j
        return j - 1
    if j < n and raw[j] == NOTE_RUN:
        return j
    return j - 1


def analyse(raw, groups):
    """All panics / error reports of one output, as Spans (indexes into raw)."""
    spans = []
    n = len(raw)
    i = 0
    while i < n:
        line = raw[i]
        m_new, m_old = PANIC_NEW.match(line), PANIC_OLD.match(line)
        if m_new:
            message = raw[i + 1]
            j = i + 1
            while j < n and raw[j] not in ("", "stack backtrace:", NOTE_RUN) and not raw[j].startswith("thread '"):
                j += 1
            end = panic_end(raw, j)
            spans.append(Span(i, end, "panic", message, ["panic"], None))
            i = end + 1
        elif m_old:
            first = m_old.group(2)
            j = i
            while not OLD_LOC.search(raw[j]):
                j += 1
            message = OLD_LOC.sub("", first) if j == i else first
            end = panic_end(raw, j + 1)
            spans.append(Span(i, end, "panic", message, ["panic"], None))
            i = end + 1
        elif line.startswith("Error: "):
            end = n - 1
            while raw[end] == "":
                end -= 1
            causes = 0
            if "Caused by:" in raw[i:end + 1]:
                k = raw.index("Caused by:", i) + 1
                entries = []
                while k <= end and raw[k] != "":
                    entries.append(raw[k])
                    k += 1
                numbered = [e for e in entries if re.match(r"^ +\d+: ", e)]
                causes = len(numbered) if numbered else len(entries)
            spans.append(Span(i, end, "Error", line[len("Error: "):], ["Error"] * (1 + causes), None))
            i = end + 1
        else:
            i += 1
    if len(spans) != len(groups):
        raise ValueError("found %d events, expected %d:\n%s" % (len(spans), len(groups), "\n".join(raw[:12])))
    for sp, g in zip(spans, groups):
        sp.group = g
    return spans


class Case:
    handwritten = False


def capture(prog, run_spec, index):
    root_key, _, backtrace = run_spec.partition("@")
    case = Case()
    case.prog = prog
    case.index = index
    case.id = prog.name + ("" if root_key == "app" else "-" + root_key)
    rng = rng_for("case", case.id)
    case.values = case_values(rng)
    args = [a.format(**case.values) for a in prog.args]
    binary = build(prog, root_key)
    env = dict(RUN_ENV, RUST_BACKTRACE=backtrace)
    cwd = ROOTS[root_key].get("cwd") or binary.parent.parent
    rc, out, err = run([str(binary)] + args, cwd, env, rng.randint(3, 90))
    if rc == 0:
        raise SystemExit("%s: expected a failure, got rc=0" % case.id)
    case.rc = rc
    case.backtrace = backtrace
    case.pre = lines_of(out)
    case.raw = lines_of(err)
    finish_case(case, prog.groups, prog.target, prog.msg, prog.level)
    return case


def finish_case(case, groups, target, msg, level="ERROR"):
    case.spans = analyse(case.raw, groups)
    case.group = groups[0]
    case.level = level
    case.logger = target
    case.intro_from_raw = False
    case.intro_msg = msg.format(**case.values)
    case.intro = "%s: %s" % (target, case.intro_msg)


def load_handwritten(name, groups, target, msg, index):
    text = (HANDWRITTEN / (name + ".txt")).read_text(encoding="utf-8")
    lines = lines_of(text)
    meta = {}
    while lines and lines[0].startswith("#"):
        l = lines.pop(0)
        m = re.match(r"^# ([a-z-]+): (.*)$", l)
        if m:
            meta[m.group(1)] = m.group(2)
    case = Case()
    case.handwritten = True
    case.index = index
    case.id = "hw-" + name
    case.values = case_values(rng_for("case", case.id))
    case.pre = [meta["stdout"]] if "stdout" in meta else []
    case.raw = lines
    case.rc = 101
    finish_case(case, groups, target, msg)
    return case


# --------------------------------------------------------------------------
# Ordinary log lines and noise
# --------------------------------------------------------------------------

ORDINARY = [
    ("INFO", "orders_api::http", "GET /api/orders/{order} 200 {n2}ms"),
    ("INFO", "orders_api::http", "POST /api/cart/items 201 {n2}ms"),
    ("INFO", "orders_api", "order {order} created for customer {cust}"),
    ("WARN", "payments", "gateway latency {ms}ms exceeds 1000ms budget"),
    ("INFO", "inventory", "reserved {qty} units of SKU-{n4}"),
    ("INFO", "cache", "hit ratio 0.{n3} over last 60s"),
    ("WARN", "api::ratelimit", "rate limit at 80% for client key ck_{hex}"),
    ("INFO", "scheduler", "job export-{n4} scheduled in {qty}s"),
    ("INFO", "health", "ok (db=2ms, cache=1ms)"),
    ("DEBUG", "hyper::proto::h1::conn", "incoming body completed"),
    ("INFO", "billing", "invoice INV-{order} sent to billing+{n3}@example.com"),
]

# Prose for noisy files: it looks a bit like a crash, but is not one.
PROSE = [
    '{ts}  INFO survey: answer to question 4 was "panic: no, it arrived safely"',
    "tympanic: membrane rupture noted in ENT report {n4}",
    "{ts}  INFO bridge: goroutine pool resized from {qty} to {n2} workers (go sidecar)",
    "thread 'x' started",
    "{ts}  INFO indexer: thread 'indexer-{qty}' started, pinned to core {qty}",
    "{ts}  WARN retry: Error: upstream returned 503 Service Unavailable (attempt {qty})",
    "{ts}  INFO docs: see 'stack backtrace: reading it' in the on-call runbook",
    "{ts}  INFO chat: bob panicked at the demo, all good now",
    "{ts}  INFO incident: Caused by: expired certificate (resolved at {n2}:00)",
    "note: maintenance window tonight, run with care",
]

ACCESS = '10.0.{a}.{b} - - [21/Nov/2026:{hms} +0000] "GET /api/orders/{order} HTTP/1.1" {status} {size} "-" "reqwest/0.12"'


def fill(template, rng):
    v = case_values(rng)
    v.update(a=rng.randint(0, 9), b=rng.randint(2, 254))
    return template.format(**v)


def ordinary_logging(rng, ns):
    level, target, msg = rng.choice(ORDINARY)
    return log_line(ns, level, target, fill(msg, rng))


# --------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------

class Out:
    def __init__(self):
        self.lines = []
        self.events = []

    def add(self, line):
        assert "\n" not in line, line[:80]
        self.lines.append(line)
        return len(self.lines)

    def event(self, case, span, first, last):
        ev = {"first_line": first, "last_line": last, "type": span.type, "message": span.message,
              "chain": list(span.chain), "group": span.group, "kind": span.kind, "language": LANGUAGE}
        if case.handwritten:
            ev["handwritten"] = True
        self.events.append(ev)


def go_json_string(s):
    """Encode like Docker's json-file writer (Go, HTML-safe escaping)."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif c < 0x20 or ch in "<>&" or c in (0x2028, 0x2029):
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def byte_pieces(line):
    """Split a line into <=16 KiB pieces the way docker/containerd do (ASCII-only long lines)."""
    data = line.encode("utf-8")
    if len(data) <= SPLIT:
        return [line]
    assert line.isascii(), "long lines must be ASCII so byte splitting stays valid UTF-8"
    return [data[i:i + SPLIT].decode("ascii") for i in range(0, len(data), SPLIT)]


def record(case, ns, clock=None):
    """Lines of the crash as it appears in a log: intro line, then the trace.

    Returns (lines, positions) with positions = [(span, first_idx, last_idx)]."""
    first_span = case.spans[0]
    body = case.raw[first_span.start:case.spans[-1].end + 1]
    lines = [log_line(ns, case.level, case.logger, case.intro_msg)] + body
    shift = 1
    pos = []
    for k, sp in enumerate(case.spans):
        f = 0 if k == 0 else sp.start - first_span.start + shift
        pos.append((sp, f, sp.end - first_span.start + shift))
    return lines, pos


# --------------------------------------------------------------------------
# Wrappers
# --------------------------------------------------------------------------

def wrap_stderr(case, rng):
    o = Out()
    for l in case.pre[:2]:
        o.add(l)
    base = len(o.lines)
    for l in case.raw:
        o.add(l)
    for sp in case.spans:
        o.event(case, sp, base + sp.start + 1, base + sp.end + 1)
    if rng.random() < 0.5:
        o.add("")
    return o


def build_logging(case):
    """The logging variant: list of (line, stream, ns) and event positions (0-based)."""
    rng = rng_for("file", case.id, "logging")
    clock = Clock(rng)
    seq = []
    for _ in range(rng.randint(2, 4)):
        ns = clock.step()
        seq.append((ordinary_logging(rng, ns), "stdout", ns))
    ns = clock.step()
    lines, pos = record(case, ns)
    base = len(seq)
    for i, l in enumerate(lines):
        seq.append((l, "stderr", ns if i == 0 else clock.tiny()))
    pos = [(sp, base + f, base + l) for sp, f, l in pos]
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        seq.append((ordinary_logging(rng, ns), "stdout", ns))
    return seq, pos


def wrap_logging(case, rng):
    seq, pos = build_logging(case)
    o = Out()
    for l, _s, _ns in seq:
        o.add(l)
    for sp, f, l in pos:
        o.event(case, sp, f + 1, l + 1)
    return o


JSON_STYLES = ("tracing", "tracing-flat", "bunyan")


def json_ordinary(style, rng, clock):
    level, target, msg = rng.choice(ORDINARY)
    msg = fill(msg, rng)
    ns = clock.step()
    if style == "tracing":
        return json.dumps({"timestamp": ts_iso(ns, 6), "level": level, "fields": {"message": msg},
                           "target": target}, ensure_ascii=False, separators=(",", ":"))
    if style == "tracing-flat":
        return json.dumps({"timestamp": ts_iso(ns, 6), "level": level, "message": msg, "target": target,
                           "threadName": "tokio-rt-worker"}, ensure_ascii=False, separators=(",", ":"))
    return json.dumps({"name": target.split("::")[0], "hostname": "shop-web-1", "pid": 1,
                       "level": 30 if level in ("INFO", "DEBUG") else 40, "msg": msg, "time": ts_iso(ns, 3),
                       "v": 0}, ensure_ascii=False, separators=(",", ":"))


def json_record(case, sp, style, clock, rng):
    """One record per event; the whole panic / error report is in one field."""
    ns = clock.step()
    trace = "\n".join(case.raw[sp.start:sp.end + 1])
    msg = case.intro_msg
    if style == "tracing":
        return json.dumps({"timestamp": ts_iso(ns, 6), "level": "ERROR",
                           "fields": {"message": msg, "backtrace": trace}, "target": case.logger},
                          ensure_ascii=False, separators=(",", ":"))
    if style == "tracing-flat":
        return json.dumps({"timestamp": ts_iso(ns, 6), "level": "ERROR", "message": msg, "panic": trace,
                           "target": case.logger, "threadName": "main"}, ensure_ascii=False,
                          separators=(",", ":"))
    return json.dumps({"name": case.logger.split("::")[0], "hostname": "shop-web-1", "pid": 1, "level": 50,
                       "msg": msg, "err": {"message": sp.message, "name": sp.type, "stack": trace},
                       "time": ts_iso(ns, 3), "v": 0}, ensure_ascii=False, separators=(",", ":"))


def wrap_jsonl(case, rng):
    style = JSON_STYLES[case.index % len(JSON_STYLES)]
    clock = Clock(rng)
    o = Out()
    for _ in range(rng.randint(2, 4)):
        o.add(json_ordinary(style, rng, clock))
    for sp in case.spans:
        n = o.add(json_record(case, sp, style, clock, rng))
        o.event(case, sp, n, n)
    for _ in range(rng.randint(1, 3)):
        o.add(json_ordinary(style, rng, clock))
    return o


def container_physical(fmt, line, stream, ns):
    """Physical docker json-file / CRI lines for one logical line written at ns."""
    out = []
    pieces = byte_pieces(line)
    for i, piece in enumerate(pieces):
        t = ns + i * 3000
        last = i == len(pieces) - 1
        if fmt == "docker":
            out.append('{"log":%s,"stream":"%s","time":"%s"}' % (
                go_json_string(piece + ("\n" if last else "")), stream, ts_iso(t, 9)))
        else:
            out.append("%s %s %s %s" % (ts_cri(t), stream, "F" if last else "P", piece))
    return out


def wrap_container(case, rng, fmt):
    """Every line of the logging variant, as docker json-file or CRI records."""
    seq, pos = build_logging(case)
    latency = rng.randint(40_000, 900_000)
    o = Out()
    first_phys = {}
    last_phys = {}
    for i, (line, stream, ns) in enumerate(seq):
        nums = [o.add(p) for p in container_physical(fmt, line, stream, ns + latency)]
        first_phys[i], last_phys[i] = nums[0], nums[-1]
    for sp, f, l in pos:
        o.event(case, sp, first_phys[f], last_phys[l])
    return o


# --------------------------------------------------------------------------
# Interleaved and noisy
# --------------------------------------------------------------------------

def interleave_order(rng, na, nb, mode):
    """Return a list of 'a'/'b' labels; b starts after a short delay."""
    order = []
    ia = ib = 0
    delay = rng.randint(0, 2)
    while ia < na or ib < nb:
        if ia < na and (ia < delay or ib >= nb):
            order.append("a")
            ia += 1
            continue
        if mode == "strict":
            pick = "b" if (len(order) - delay) % 2 == 0 else "a"
        else:
            pick = rng.choice("ab")
        if pick == "a" and ia < na:
            order.append("a")
            ia += 1
        elif ib < nb:
            order.append("b")
            ib += 1
        else:
            order.append("a")
            ia += 1
    return order


def finish_events(o, spans):
    """spans: list of (case, span, first, last); add events ordered by last line."""
    for case, sp, first, last in sorted(spans, key=lambda s: (s[3], s[2])):
        o.event(case, sp, first, last)


HOSTS = ("shop-web-1", "shop-web-2", "shop-worker-3")


def interleaved_journald(a, b, rng, mode):
    """journalctl -o short: `Nov 21 10:00:00 host unit[pid]: line`, two processes."""
    clock = Clock(rng)
    host = rng.choice(HOSTS)
    procs = {"a": (a.logger.replace("_", "-"), rng.randint(1000, 65000)),
             "b": (b.logger.replace("_", "-"), rng.randint(1000, 65000))}
    if procs["a"][0] == procs["b"][0]:
        procs["b"] = (procs["b"][0] + "-canary", procs["b"][1])
    o = Out()

    def line(k, content, ns):
        name, pid = procs[k]
        return o.add("%s %s %s[%d]: %s" % (ts_syslog(ns), host, name, pid, content))

    for _ in range(rng.randint(2, 3)):
        k = rng.choice("ab")
        ns = clock.step()
        line(k, ordinary_logging(rng, ns), ns)
    recs = {}
    for k, case in (("a", a), ("b", b)):
        recs[k] = record(case, clock.step(1, 20))
    order = interleave_order(rng, len(recs["a"][0]), len(recs["b"][0]), mode)
    idx = {"a": 0, "b": 0}
    phys = {"a": [], "b": []}
    for k in order:
        ns = clock.tiny()
        phys[k].append(line(k, recs[k][0][idx[k]], ns))
        idx[k] += 1
    for _ in range(rng.randint(1, 3)):
        k = rng.choice("ab")
        ns = clock.step()
        line(k, ordinary_logging(rng, ns), ns)
    spans = []
    for k, case in (("a", a), ("b", b)):
        for sp, f, l in recs[k][1]:
            spans.append((case, sp, phys[k][f], phys[k][l]))
    finish_events(o, spans)
    return o


def interleaved_container(a, b, rng, fmt, mode):
    clock = Clock(rng)
    o = Out()
    latency = rng.randint(40_000, 300_000)   # logger write -> container runtime timestamp

    def emit(line, stream, ns):
        nums = [o.add(p) for p in container_physical(fmt, line, stream, ns + latency)]
        return nums[0], nums[-1]

    for _ in range(rng.randint(2, 3)):
        ns = clock.step()
        emit(ordinary_logging(rng, ns), "stdout", ns)
    recs = {"a": [a, None, "stdout"], "b": [b, None, "stderr"]}
    la = len(record(a, 0)[0])
    lb = len(record(b, 0)[0])
    order = interleave_order(rng, la, lb, mode)
    pos = {"a": 0, "b": 0}
    phys = {"a": [], "b": []}
    for k in order:
        rec = recs[k]
        if rec[1] is None:
            ns = clock.step(1, 20)
            rec[1] = record(rec[0], ns)
        else:
            ns = clock.tiny()
        phys[k].append(emit(rec[1][0][pos[k]], rec[2], ns))
        pos[k] += 1
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        emit(ordinary_logging(rng, ns), "stdout", ns)
    spans = []
    for k in "ab":
        case = recs[k][0]
        for sp, f, l in recs[k][1][1]:
            spans.append((case, sp, phys[k][f][0], phys[k][l][1]))
    finish_events(o, spans)
    return o


def noisy_file(picks, rng):
    """50+ ordinary lines (log records, access log lines, prose, blanks) with crashes among them."""
    clock = Clock(rng)
    o = Out()
    n_noise = rng.randint(52, 70)
    slots = sorted(rng.sample(range(4, n_noise - 3), len(picks)))
    pick_i = 0
    after_trace = False
    noise_done = 0
    while noise_done < n_noise:
        if pick_i < len(picks) and noise_done >= slots[pick_i] and not after_trace:
            case, bare = picks[pick_i]
            pick_i += 1
            if bare:
                if o.lines and o.lines[-1] != "":
                    o.add("")  # a bare trace is never glued to the previous log record
                base = len(o.lines)
                first_raw = case.spans[0].start
                lines = case.raw[first_raw:case.spans[-1].end + 1]
                for l in lines:
                    o.add(l)
                for sp in case.spans:
                    o.event(case, sp, base + sp.start - first_raw + 1, base + sp.end - first_raw + 1)
            else:
                lines, pos = record(case, clock.step())
                base = len(o.lines)
                for l in lines:
                    o.add(l)
                for sp, f, l in pos:
                    o.event(case, sp, base + f + 1, base + l + 1)
            after_trace = True
            continue
        r = rng.random()
        if after_trace:
            # an error report has blank lines between its sections, so it is always
            # followed directly by the next log record
            error_report = picks[pick_i - 1][0].spans[-1].type == "Error"
            line = "" if r < 0.3 and not error_report else ordinary_logging(rng, clock.step())
        elif r < 0.5:
            line = ordinary_logging(rng, clock.step())
        elif r < 0.65:
            t = _dt(clock.step())
            line = ACCESS.format(a=rng.randint(0, 9), b=rng.randint(2, 254), hms=t.strftime("%H:%M:%S"),
                                 order=rng.randint(10000, 99999), size=rng.randint(120, 9000),
                                 status=rng.choice([200, 200, 200, 404, 500, 302]))
        elif r < 0.92:
            v = case_values(rng)
            v["ts"] = ts_iso(clock.step(), 6)
            line = rng.choice(PROSE).format(**v)
        else:
            line = ""
        o.add(line)
        after_trace = False
        noise_done += 1
    assert pick_i == len(picks)
    return o


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def write(out, name, manifest):
    path = CASES / name
    text = "\n".join(out.lines) + "\n"
    path.write_text(text, encoding="utf-8")
    manifest["files"]["cases/" + name] = {"events": out.events}


def main():
    setup_work()
    if CASES.exists():
        shutil.rmtree(CASES)
    CASES.mkdir()
    cases = []
    for prog in PROGRAM_TABLE:
        for spec in prog.runs:
            case = capture(prog, spec, len(cases))
            cases.append(case)
            sp = case.spans[0]
            print("%-34s rc=%-3s %-6s %s" % (case.id, case.rc, [x.group for x in case.spans],
                                              sp.message[:50]), file=sys.stderr)
    for name, group, logger, msg in HANDWRITTEN_TABLE:
        if os.environ.get("TF_SKIP_HANDWRITTEN"):
            continue
        case = load_handwritten(name, group, logger, msg, len(cases))
        cases.append(case)
        sp = case.spans[0]
        print("%-34s hand   %-12s %s" % (case.id, sp.type, sp.message[:60]), file=sys.stderr)

    manifest = {"language": LANGUAGE, "files": {}}
    for case in cases:
        for fmt in FORMATS:
            rng = rng_for("file", case.id, fmt)
            if fmt == "stderr":
                o = wrap_stderr(case, rng)
            elif fmt == "logging":
                o = wrap_logging(case, rng)
            elif fmt == "jsonl":
                o = wrap_jsonl(case, rng)
            else:
                o = wrap_container(case, rng, fmt)
            write(o, "%s.%s.log" % (case.id, fmt), manifest)

    # Cases suitable for mixing: short lines, not too long
    mixable = [c for c in cases if max(len(l) for l in c.raw) < 400 and len(c.raw) < 60]

    def pick_pair(rng):
        a = rng.choice(mixable)
        b = rng.choice([c for c in mixable if c.group != a.group])
        return a, b

    n = 0
    for fmt in ("journald", "docker", "cri") * 3:
        n += 1
        rng = rng_for("interleaved", n)
        a, b = pick_pair(rng)
        mode = "strict" if n % 2 else "random"
        if fmt == "journald":
            o = interleaved_journald(a, b, rng, mode)
        else:
            o = interleaved_container(a, b, rng, fmt, mode)
        write(o, "pair%02d-%s.interleaved.log" % (n, fmt), manifest)

    for n in range(1, 11):
        rng = rng_for("noisy", n)
        k = rng.randint(3, 4)
        picks = []
        groups = set()
        while len(picks) < k:
            c = rng.choice(mixable)
            if c.group in groups:
                continue
            groups.add(c.group)
            picks.append((c, rng.random() < 0.3))
        write(noisy_file(picks, rng), "noisy%02d.noisy.log" % n, manifest)

    manifest["files"] = dict(sorted(manifest["files"].items()))
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("%d programs, %d handwritten, %d cases, %d files" % (
        len(PROGRAM_TABLE), len(HANDWRITTEN_TABLE), len(cases), len(manifest["files"])), file=sys.stderr)


if __name__ == "__main__":
    main()
