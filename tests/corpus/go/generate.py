#!/usr/bin/env python3
"""Generate the tracefix Go panic corpus.

Every trace in cases/ that is not marked "handwritten" comes from really
building the programs in programs/ with the installed Go toolchain (Debian's
Go 1.19) and running them.  The captured output is wrapped into several log
formats (bare stderr, std `log`, JSON lines, docker json-file, CRI) plus
interleaved and noisy variants; the ground truth goes into manifest.json.

Forms that only Go >= 1.21 prints (`created by … in goroutine N`,
`...N frames elided...`, `gp=… m=…` headers, tab-indented multi-line values,
`[recovered, repanicked]`) cannot be produced here.  They are written by hand
in handwritten/*.txt and marked `"handwritten": true` in the manifest.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only.  Deterministic on one machine: timestamps / ids come from
random.Random seeded from SEED and the file name; programs are built in fixed
directories under /tmp/tfcorpus-go and run with a fixed environment,
GOMAXPROCS=4 and ASLR disabled (setarch -R).
"""

import json
import os
import re
import shutil
import struct
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
WORK = Path("/tmp/tfcorpus-go")
GOCACHE = Path("/tmp/tfcorpus-go-cache")      # kept between runs: only a build cache
SEED = 20261121
LANGUAGE = "go"

GOPATH = WORK / "gopath"
LIB_DIR = GOPATH / "pkg" / "mod" / "github.com" / "acme" / "lib@v1.2.3"


def goroot():
    out = subprocess.run(["go", "env", "GOROOT"], stdout=subprocess.PIPE, check=True)
    return out.stdout.decode().strip()


# Install roots.  "deploy-*" model the same service built on different
# machines: the compiler's -trimpath rewrites make the recorded paths look like
# a CI checkout with GOPATH=/root/go (deploy-a), the official golang docker
# image (deploy-b: GOPATH=/go, GOROOT=/usr/local/go, WORKDIR /src) and a
# `go build -trimpath` release (deploy-c, which also has extra header lines so
# that line numbers and code offsets differ).
ROOTS = {
    "app": {"dir": WORK / "srv" / "shop"},
    "deploy-a": {"dir": WORK / "deploy-a" / "shop",
                 "rewrite": [(str(WORK / "deploy-a"), "/root/src"), (str(GOPATH), "/root/go")]},
    "deploy-b": {"dir": WORK / "deploy-b" / "src",
                 "rewrite": [(str(WORK / "deploy-b" / "src"), "/src"), (str(GOPATH), "/go"),
                             ("@GOROOT@", "/usr/local/go")]},
    "deploy-c": {"dir": WORK / "deploy-c" / "opt" / "shop" / "releases" / "2026.11.2" / "shop",
                 "trimpath": True, "header": True},
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
    "// release metadata, stamped by the pipeline",
    "var releaseTag = \"2026.11.2\"",
    "",
    "func releaseInfo() string { return \"shop \" + releaseTag }",
]

BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": str(WORK / "home"),
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TERM": "dumb",
}
BUILD_ENV = dict(BASE_ENV, GOPATH=str(GOPATH), GOCACHE=str(GOCACHE), GOFLAGS="-mod=mod", GOPROXY="off",
                 GOSUMDB="off", GO111MODULE="on", CGO_ENABLED="0", GOTOOLCHAIN="local")
RUN_ENV = dict(BASE_ENV, GOMAXPROCS="1")
RUNS_PER_CASE = 5   # the most common of 5 outputs is kept (addresses / goroutine ids vary a little)

FORMATS = ("stderr", "logging", "jsonl", "docker", "cri")
SPLIT = 16384  # docker json-file and containerd CRI split lines at 16 KiB


# --------------------------------------------------------------------------
# Program table
# --------------------------------------------------------------------------

class Prog:
    def __init__(self, name, group, logger, msg, args=(), runs=("app",), traceback=None, faketime=False,
                 raw_intro=0, intro_from_raw=False, level="ERROR", env=None, accept=None):
        self.name = name
        self.group = group
        self.logger = logger
        self.msg = msg
        self.args = list(args)
        self.runs = list(runs)
        self.traceback = traceback          # GOTRACEBACK
        self.faketime = faketime            # build with -tags=faketime (see README)
        self.raw_intro = raw_intro          # leading stderr lines that belong to the event (log line)
        self.intro_from_raw = intro_from_raw
        self.level = level
        self.env = env or {}
        self.accept = re.compile(accept, re.M) if accept else None   # retry until stderr matches


P = Prog
PROGRAM_TABLE = [
    # -- same bug, different deploys (shared group label)
    P("orders", "orders_discount_nil_map", "orders", "charging order {order} ({req})",
      ["{order}", "SKU-{n4}", "{coupon}"], runs=["app", "deploy-a", "deploy-b", "deploy-c"]),
    P("cart", "cart_recommended_slot", "cart", "rendering cart page for session {n4}",
      ["{qty}", "{slot}"], runs=["app+gorun", "deploy-a", "deploy-b"]),
    P("invoice", "invoice_missing_address", "billing", "rendering invoice INV-{order}",
      ["INV-{order}"], runs=["deploy-a", "deploy-c"]),
    P("dispatcher", "dispatcher_zero_batches", "dispatcher", "dispatching job 501 to the pool",
      ["{qty}"], runs=["deploy-a", "deploy-b"], traceback="all", faketime=True,
      env={"GOMAXPROCS": "1"}),   # faketime is made for GOMAXPROCS=1 (the playground); >1 can hang
    P("api", "api_order_status_nil", None, None, ["{order}"], runs=["app", "deploy-b"], intro_from_raw=True),
    P("notifier", "notifier_retries_type_assertion", "notifier", "consuming topic emails (message {order})",
      ["{order}"], runs=["app", "deploy-c"]),
    P("warmup", "cache_warm_retry_exhausted", "warmup", "warming cache for {region}",
      ["postgres://cache@10.0.0.7/{db}"], runs=["app", "deploy-a"]),
    # -- one run each
    P("payments", "payments_capture_declined", "payments", "capturing charge ch_{hex}", ["ch_{hex}"]),
    P("refunds", "refunds_unknown_step", "refunds", "advancing refund for order 88120", ["{step}"]),
    P("inventory", "inventory_unknown_sku", "inventory", "reserving stock for order {order}", ["SKU-{n4}"]),
    P("reconcile", "reconcile_results_deadlock", "reconcile", "reconciling accounts for {day}"),
    P("sessions", "sessions_concurrent_writes", "sessions", "expiring idle sessions",
      env={"GOMAXPROCS": "4"},
      # keep the common shape: main detects the race, the writer runs on another thread
      accept=r"\A\S.*\n\ngoroutine 1 \[running\]:\nmain\.\(\*tracker\)\.expire(?:.*\n)+?\n"
             r"goroutine \d+ \[running\]:\n\tgoroutine running on other thread; stack unavailable\n"
             r"created by main\.main\n\t\S+ \+0x[0-9a-f]+\n\Z"),
    P("catalog", "catalog_orphan_category", "catalog", "computing depth of category tree {cat}",
      ["150"], traceback="system"),
    P("pricing", "pricing_self_referencing_rule", "pricing", "pricing cart with rule {rule}", ["{rule}"]),
    P("jobs", "jobs_rows_per_batch_repanic", "jobs", "running export job {n3}", ["{n3}"]),
    P("exporter", "exporter_close_twice", "exporter", "exporting {db} to {db}.csv", ["{db}.csv"]),
    P("ledger", "ledger_page_bounds", "ledger", "paging ledger for account {cust}", ["{slot}"]),
    P("shipping", "shipping_missing_zone_rate", None, None, ["{carrier}"], raw_intro=1, intro_from_raw=True),
    P("config", "config_validation_multiline", "config", "loading /etc/shop/{env}.yaml",
      ["/etc/shop/tls/{env}.pem"]),
    P("mmapidx", "index_stale_pointer_fault", "index", "looking up slot {n2} in the mmap index", ["{n2}"]),
    P("ingest", "ingest_payload_rejected", "ingest", "ingesting batch {n4}", ["{n4}"]),
]

# Forms that Go 1.19 cannot print, written by hand (see handwritten/*.txt).
# They mirror real programs where noted, and then share their group label.
HANDWRITTEN_TABLE = [
    # name (file stem), group, logger, intro
    ("go121-dispatcher-goroutines", "dispatcher_zero_batches", "dispatcher", "dispatching job 501 to the pool"),
    ("go122-api-http-panic", "api_order_status_nil", None, None),
    ("go121-catalog-frames-elided", "catalog_orphan_category", "catalog", "computing depth of category tree shoes"),
    ("go123-config-multiline-indented", "config_validation_multiline", "config", "loading /etc/shop/prod-eu.yaml"),
    ("go125-worker-repanicked", "worker_repanic_same_value", "worker", "processing batch 7781"),
    ("go123-pricing-stack-overflow", "pricing_self_referencing_rule", "pricing", "pricing cart with rule tiered"),
    ("go121-sessions-map-writes", "sessions_concurrent_writes", "sessions", "expiring idle sessions"),
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
        "port": rng.choice([8000, 8080, 8443, 9090]),
        "ms": rng.randint(1500, 9000),
        "hex": "%012x" % rng.getrandbits(48),
        "day": "2026-11-%02d" % rng.randint(1, 20),
        "coupon": rng.choice(["XMAS25", "VIP50"]),
        "step": rng.choice(["paid", "cancelled", "disputed"]),
        "rule": rng.choice(["tiered", "member", "bulk"]),
        "carrier": rng.choice(["dhl", "ups", "gls"]),
        "tenant": rng.choice(["acme", "globex", "initech", "umbrella"]),
        "queue": rng.choice(["emails", "invoices", "exports", "webhooks"]),
        "region": rng.choice(["eu-west", "us-east", "ap-south"]),
        "env": rng.choice(["staging", "prod-eu", "prod-us"]),
        "cat": rng.choice(["shoes", "apparel"]),
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


def ts_golog(ns):
    """Go's log.LstdFlags: 2006/01/02 15:04:05"""
    return _dt(ns).strftime("%Y/%m/%d %H:%M:%S")


def ts_iso(ns, digits):
    frac = "%09d" % (ns % 10**9)
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:digits] + "Z"


def ts_cri(ns):
    # Go's time.RFC3339Nano drops trailing zeros of the fraction
    frac = ("%09d" % (ns % 10**9)).rstrip("0")
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def ts_syslog(ns):
    return _dt(ns).strftime("%b %d %H:%M:%S")


GOLOG_TS = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ")


# --------------------------------------------------------------------------
# Building and running the programs
# --------------------------------------------------------------------------

def setup_work():
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "home").mkdir(parents=True)
    GOCACHE.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROGRAMS / "acme-lib", LIB_DIR)


def install_tree(root_key):
    """Copy programs/shop to the root's directory (deploy-c gets extra lines)."""
    dest = ROOTS[root_key]["dir"]
    if dest.exists():
        return dest
    shutil.copytree(PROGRAMS / "shop", dest)
    gomod = dest / "go.mod"
    text = gomod.read_text()
    text = re.sub(r"(?m)^replace github.com/acme/lib => .*$", "replace github.com/acme/lib => " + str(LIB_DIR),
                  text)
    gomod.write_text(text)
    if ROOTS[root_key].get("header"):
        for src in sorted(dest.glob("cmd/*/main.go")):
            lines = src.read_text().split("\n")
            # header comment before the package clause, metadata after the imports
            end_imports = next(i for i, l in enumerate(lines) if l == ")")
            lines = DEPLOY_C_HEADER + lines[:end_imports + 1] + DEPLOY_C_EXTRA + lines[end_imports + 1:]
            src.write_text("\n".join(lines))
    return dest


def build_flags(root_key):
    spec = ROOTS[root_key]
    flags = []
    if spec.get("trimpath"):
        flags.append("-trimpath")
    if spec.get("rewrite"):
        rules = []
        asm_rules = []
        for old, new in spec["rewrite"]:
            if old == "@GOROOT@":
                old = goroot()
                asm_rules.append("%s=>%s" % (old, new))
            rules.append("%s=>%s" % (old, new))
        flags.append("-gcflags=all=-trimpath=" + ";".join(rules))
        if asm_rules:
            flags.append("-asmflags=all=-trimpath=" + ";".join(asm_rules))
    return flags


_built = {}


def build(prog, root_key):
    key = (prog.name, root_key, prog.faketime)
    if key in _built:
        return _built[key]
    dest = install_tree(root_key)
    out = dest / "bin" / (prog.name + ("-faketime" if prog.faketime else ""))
    cmd = ["go", "build"] + build_flags(root_key)
    if prog.faketime:
        cmd.append("-tags=faketime")
    cmd += ["-o", str(out), "./cmd/" + prog.name]
    subprocess.run(cmd, cwd=str(dest), env=BUILD_ENV, check=True)
    _built[key] = out
    return out


def unframe_playback(data):
    """-tags=faketime frames every write as \\0\\0PB <8-byte time> <4-byte length> <data>."""
    out = b""
    i = 0
    while i < len(data):
        if data[i:i + 4] != b"\0\0PB":
            raise ValueError("not a playback frame at %d" % i)
        n = struct.unpack(">I", data[i + 12:i + 16])[0]
        out += data[i + 16:i + 16 + n]
        i += 16 + n
    return out


def run(cmd, cwd, env, faketime=False):
    p = subprocess.run(["setarch", "-R"] + cmd, cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    out, err = p.stdout, p.stderr
    if faketime:
        out, err = unframe_playback(out), unframe_playback(err)
    return p.returncode, out.decode("utf-8"), err.decode("utf-8")


def lines_of(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# --------------------------------------------------------------------------
# Analysis: where the event is, its type / message / chain
# --------------------------------------------------------------------------

TRACE_START = re.compile(r"^(panic: |fatal error: |unexpected fault address |runtime: goroutine stack exceeds |"
                         r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?http: panic serving )")
PANIC_LINE = re.compile(r"^\t?panic: (.*)$")
FATAL_LINE = re.compile(r"^fatal error: (.*)$")
HTTP_LINE = re.compile(r"^(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?http: panic serving \S+: (.*)$")
GOROUTINE = re.compile(r"^goroutine \d+ (?:gp=\S+ m=\S+(?: mp=\S+)? )?\[[^\]]*\]:$")
RECOVERED = re.compile(r" \[recovered(?:, repanicked)?\]$")
EXIT_STATUS = re.compile(r"^exit status \d+$")


class Span:
    def __init__(self, start, end, type_, message, chain, group, kind="exception"):
        self.start, self.end = start, end
        self.type, self.message, self.chain = type_, message, chain
        self.group, self.kind = group, kind


def analyse(raw, raw_intro, group):
    """One Go crash per output: returns its Span (indexes into raw)."""
    start = next(i for i, l in enumerate(raw) if TRACE_START.match(l))
    first = start - raw_intro
    end = len(raw) - 1
    while end > start and (raw[end] == "" or EXIT_STATUS.match(raw[end])):
        end -= 1
    header = []
    for l in raw[start:end + 1]:
        if GOROUTINE.match(l):
            break
        header.append(l)
    if not any(GOROUTINE.match(l) for l in raw[start:end + 1]):
        raise ValueError("no goroutine header in %r" % raw[start:start + 5])
    m = HTTP_LINE.match(raw[start])
    fatal = [FATAL_LINE.match(l) for l in header if FATAL_LINE.match(l)]
    panics = [PANIC_LINE.match(l) for l in header if PANIC_LINE.match(l)]
    if m:
        return Span(first, end, "panic", m.group(1), ["panic"], group)
    if fatal:
        return Span(first, end, "fatal error", fatal[0].group(1), ["fatal error"], group)
    if not panics:
        raise ValueError("no panic line in %r" % header)
    message = RECOVERED.sub("", panics[-1].group(1))
    return Span(first, end, "panic", message, ["panic"] * len(panics), group)


class Case:
    handwritten = False


def restamp(line, ns):
    """Replace a leading Go log timestamp."""
    return GOLOG_TS.sub(ts_golog(ns) + " ", line, count=1)


def capture(prog, run_spec, index):
    root_key, _, mode = run_spec.partition("+")
    case = Case()
    case.prog = prog
    case.index = index
    case.id = prog.name + ("" if root_key == "app" else "-" + root_key)
    rng = rng_for("case", case.id)
    case.values = case_values(rng)
    args = [a.format(**case.values) for a in prog.args]
    env = dict(RUN_ENV)
    if prog.traceback:
        env["GOTRACEBACK"] = prog.traceback
    env.update(prog.env)
    if mode == "gorun":
        dest = install_tree(root_key)
        env = dict(BUILD_ENV, **env)
        cmd, cwd = ["go", "run"] + build_flags(root_key) + ["./cmd/" + prog.name] + args, dest
    else:
        binary = build(prog, root_key)
        cmd, cwd = [str(binary)] + args, binary.parent.parent
    results = []
    for _attempt in range(40):
        res = run(cmd, cwd, env, faketime=prog.faketime)
        if prog.accept and not prog.accept.search(res[2]):
            continue
        results.append(res)
        if len(results) == RUNS_PER_CASE or max(results.count(r) for r in results) >= 3:
            break
    if not results:
        raise SystemExit("%s: no run matched %s" % (case.id, prog.accept.pattern))
    rc, out, err = sorted(results, key=lambda r: (-results.count(r), r))[0]
    if rc == 0 and prog.name not in ("api",):
        raise SystemExit("%s: expected a crash, got rc=0" % case.id)
    case.rc = rc
    case.pre = lines_of(out)
    raw = lines_of(err)
    # Wall-clock values are the only nondeterministic text: log timestamps and
    # the client's ephemeral port in "http: panic serving 127.0.0.1:PORT".
    clock = Clock(rng)
    raw = [restamp(l, clock.step()) for l in raw]
    raw = [re.sub(r"(http: panic serving 127\.0\.0\.1:)\d+", r"\g<1>%d" % rng.randint(40000, 60999), l)
           for l in raw]
    case.raw = raw
    finish_case(case, prog.raw_intro, prog.intro_from_raw, prog.group, prog.logger, prog.msg, prog.level)
    return case


def finish_case(case, raw_intro, intro_from_raw, group, logger, msg, level="ERROR"):
    case.spans = [analyse(case.raw, raw_intro, group)]
    case.group = group
    case.level = level
    case.logger = logger or "app"
    case.intro_from_raw = intro_from_raw
    if intro_from_raw:
        case.intro = case.intro_msg = GOLOG_TS.sub("", case.raw[case.spans[0].start])
    else:
        case.intro_msg = msg.format(**case.values)
        case.intro = "%s: %s" % (logger, case.intro_msg)


def load_handwritten(name, group, logger, msg, index):
    text = (HANDWRITTEN / (name + ".txt")).read_text(encoding="utf-8")
    lines = lines_of(text)
    meta = {}
    while lines and lines[0].startswith("#"):
        l = lines.pop(0)
        m = re.match(r"^# ([a-z-]+): (.*)$", l)
        if m:
            meta[m.group(1)] = m.group(2)
    while lines and lines[0] == "":
        lines.pop(0)
    case = Case()
    case.handwritten = True
    case.index = index
    case.id = "hw-" + name
    case.values = case_values(rng_for("case", case.id))
    case.pre = [meta["stdout"]] if "stdout" in meta else []
    case.raw = lines
    case.rc = 2
    intro_from_raw = msg is None
    finish_case(case, 1 if intro_from_raw and not HTTP_LINE.match(lines[0]) else 0, intro_from_raw,
                group, logger, msg)
    return case


# --------------------------------------------------------------------------
# Ordinary log lines and noise
# --------------------------------------------------------------------------

ORDINARY = [
    "orders: order {order} created for customer {cust}",
    "orders: order {order} paid via card ending {n4}",
    "http: GET /api/orders/{order} 200 {ms}µs",
    "http: POST /api/cart/items 201 {n3}µs",
    "payments: gateway latency {ms}ms exceeds 1000ms budget",
    "inventory: reserved {qty} units of SKU-{n4}",
    "cache: hit ratio 0.{n3} over last 60s",
    "api: rate limit at 80% for client key ck_{hex}",
    "scheduler: job export-{n4} scheduled in {qty}s",
    "health: ok (db=2ms, cache=1ms)",
    "auth: token for user {cust} expires in {qty} minutes",
    "billing: invoice INV-{order} sent to billing+{n3}@example.com",
]

# Prose for noisy files: it looks a bit like a crash, but is not one.
PROSE = [
    '{ts} support: ticket {n4}: customer wrote "panic: no, the parcel arrived safely"',
    "tympanic: membrane rupture noted in ENT report {n4}",
    "{ts} scheduler: goroutine pool resized from {qty} to {n2} workers",
    "{ts} importer: thread 'x' started (legacy bridge, pid {n4})",
    "{ts} health: fatal error: none in the last 24h (0 of {n4} checks failed)",
    "{ts} debug: dumped {n2} goroutines to /var/tmp/goroutines-{n4}.txt",
    "created by release-bot in pipeline {n4}, approved by on-call",
    "{ts} docs: see runbook section 'panic: what to do' for on-call steps",
    "{ts} worker: goroutine 7 finished batch {n4} in {ms}ms",
    "\texport finished: {n4} rows written to s3://exports/2026/11/21/part-{n3}.csv",
]

ACCESS = '10.0.{a}.{b} - - [21/Nov/2026:{hms} +0000] "GET /api/orders/{order} HTTP/1.1" {status} {size} "-" "Go-http-client/1.1"'


def fill(template, rng):
    v = case_values(rng)
    v.update(a=rng.randint(0, 9), b=rng.randint(2, 254))
    return template.format(**v)


def ordinary_logging(rng, ns):
    return "%s %s" % (ts_golog(ns), fill(rng.choice(ORDINARY), rng))


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
    if case.intro_from_raw:
        lines = [restamp(body[0], ns)] + body[1:]
        shift = 0
    else:
        lines = ["%s %s" % (ts_golog(ns), case.intro)] + body
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


JSON_STYLES = ("zap", "logrus", "slog")


def json_ordinary(style, rng, clock):
    text = fill(rng.choice(ORDINARY), rng)
    name, _, msg = text.partition(": ")
    ns = clock.step()
    level = "info" if rng.random() < 0.8 else "warn"
    if style == "zap":
        return json.dumps({"level": level, "ts": round(1795219200 + ns / 1e9, 6), "logger": name,
                           "caller": "%s/%s.go:%d" % (name, name, rng.randint(20, 300)), "msg": msg},
                          ensure_ascii=False, separators=(",", ":"))
    if style == "logrus":
        return json.dumps({"level": "warning" if level == "warn" else level, "msg": msg, "component": name,
                           "time": _dt(ns).strftime("%Y-%m-%dT%H:%M:%SZ")}, ensure_ascii=False,
                          separators=(",", ":"))
    return json.dumps({"time": ts_iso(ns, 9), "level": level.upper(), "msg": msg, "logger": name},
                      ensure_ascii=False, separators=(",", ":"))


def json_record(case, sp, style, clock, rng):
    ns = clock.step()
    text = case.raw[sp.start:sp.end + 1]
    if case.intro_from_raw and sp is case.spans[0]:
        text = text[1:]          # the log line is the record's message
    trace = "\n".join(text)
    msg = case.intro_msg
    name = case.logger
    if style == "zap":
        return json.dumps({"level": "error", "ts": round(1795219200 + ns / 1e9, 6), "logger": name,
                           "caller": "%s/main.go:%d" % (name, rng.randint(20, 90)), "msg": msg,
                           "error": sp.message, "stacktrace": trace}, ensure_ascii=False, separators=(",", ":"))
    if style == "logrus":
        return json.dumps({"level": "error", "msg": msg, "panic": sp.message, "stack": trace,
                           "time": _dt(ns).strftime("%Y-%m-%dT%H:%M:%SZ")}, ensure_ascii=False,
                          separators=(",", ":"))
    return json.dumps({"time": ts_iso(ns, 9), "level": "ERROR", "msg": msg, "logger": name,
                       "trace": trace}, ensure_ascii=False, separators=(",", ":"))


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
    procs = {"a": (a.logger.split(":")[0] or "app", rng.randint(1000, 65000)),
             "b": (b.logger.split(":")[0] or "app", rng.randint(1000, 65000))}
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
                if case.intro_from_raw:
                    lines = [restamp(case.raw[first_raw], clock.step())] + case.raw[first_raw + 1:
                                                                                   case.spans[-1].end + 1]
                else:
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
            line = "" if r < 0.3 else ordinary_logging(rng, clock.step())
        elif r < 0.5:
            line = ordinary_logging(rng, clock.step())
        elif r < 0.65:
            t = _dt(clock.step())
            line = ACCESS.format(a=rng.randint(0, 9), b=rng.randint(2, 254), hms=t.strftime("%H:%M:%S"),
                                 order=rng.randint(10000, 99999), size=rng.randint(120, 9000),
                                 status=rng.choice([200, 200, 200, 404, 500, 302]))
        elif r < 0.92:
            v = case_values(rng)
            v["ts"] = ts_golog(clock.step())
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
            print("%-34s rc=%-3s %-12s %s" % (case.id, case.rc, sp.type, sp.message[:60]), file=sys.stderr)
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
