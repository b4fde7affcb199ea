#!/usr/bin/env python3
"""Generate the tracefix Node.js (JavaScript) stack trace corpus.

Every V8 trace in cases/ comes from really running Node on a program in
programs/.  Each program is run three ways:

  crash  plain `node program.js`: stdout and stderr on one pipe, exactly as a
         terminal or a container runtime sees them (the `stderr` format);
  stack  `node -r harness.js` with TF_MODE=stack: the harness catches the same
         error and hands back err.stack (the `logging`, `docker`, `cri`
         formats, and the log records of `interleaved` / `noisy`);
  json   `node -r harness.js` with TF_MODE=json: the harness logs the error
         with a real pino, winston or bunyan logger (the `jsonl` format).

The outputs are wrapped into log files, and the ground truth goes into
manifest.json.  Hand-written Firefox/Safari traces live in handwritten/; their
manifest entries come from the HANDWRITTEN table below.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only.  Deterministic: timestamps / ids come from random.Random
instances seeded from SEED and the output file name; programs are copied to
fixed paths under /tmp/tfnode; the loggers are installed with `npm ci` from
programs/npm/package-lock.json into /tmp/tfnode-npm (never into the repo).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
import random

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
CASES = HERE / "cases"
HANDWRITTEN_DIR = HERE / "handwritten"
MANIFEST = HERE / "manifest.json"
WORK = Path("/tmp/tfnode")
NPM_DIR = Path("/tmp/tfnode-npm")
SEED = 20261121
NODE = shutil.which("node") or "/usr/bin/node"

# Install roots.  deploy-* roots model the same service deployed in different
# places; deploy-b and deploy-c also get extra header lines so that line
# numbers differ.
ROOTS = {
    "app": WORK / "app",
    "deploy-a": WORK / "deploy-a" / "app",
    "deploy-b": WORK / "deploy-b" / "srv" / "orders-api",
    "deploy-c": WORK / "deploy-c" / "opt" / "orders" / "releases" / "2026.11.2" / "app",
}
HEADERS = {
    "deploy-b": [
        "// Copyright (c) 2026 Example Shop GmbH.",
        "// orders-api, deployed from the monorepo (services/orders-api).",
        "//",
        "// Release 2026.11.1 (build 8702).",
        "// Owner: team-checkout",
        "",
    ],
    "deploy-c": [
        "// Copyright (c) 2026 Example Shop GmbH. All rights reserved.",
        "//",
        "// Licensed under the Example Shop internal license, version 3.",
        "// Release 2026.11.2 (build 8841), deployed by the release pipeline.",
        "//",
        "// Runbook: https://wiki.example.com/orders-api/runbook",
        "// Dashboards: https://grafana.example.com/d/orders-api",
        "// Alerts: #orders-oncall",
        "//",
        "",
    ],
}

FORMATS = ("stderr", "logging", "jsonl", "docker", "cri")
JSON_LIBS = ("pino", "winston", "bunyan")
SPLIT = 16384  # docker json-file and containerd CRI split lines at 16 KiB
MARKER = "@@TFNODE@@"


def node_env(**extra):
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(WORK / "home"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "NODE_PATH": str(NPM_DIR / "node_modules"),
    }
    env.update(extra)
    return env


# --------------------------------------------------------------------------
# Program table
# --------------------------------------------------------------------------

class Prog:
    def __init__(self, name, group, logger, msg, args=(), runs=("app",), kind="exception", level="ERROR",
                 install=None, json_lib=None):
        self.name = name              # file in programs/ (without .js/.mjs)
        self.group = group
        self.logger = logger
        self.msg = msg
        self.args = list(args)
        self.runs = list(runs)
        self.kind = kind
        self.level = level
        src = PROGRAMS / (name + ".js")
        self.src = src if src.exists() else PROGRAMS / (name + ".mjs")
        self.install = install or self.src.name   # path under the root
        self.json_lib = json_lib


P = Prog
PROGRAM_TABLE = [
    # -- same bug, different deploys (shared group label, different ids)
    P("orders", "orders_missing_price", "orders", "failed to charge order {order}",
      ["{order}", "{req}", "SKU-9{n3}"], runs=["deploy-a", "deploy-b", "deploy-c"]),
    # another function of the same service, another bug
    P("orders_shipping", "orders_shipping_zone", "orders", "failed to quote shipping for order {order}",
      ["{order}", "{country}"], runs=["deploy-b"]),
    P("payments_async", "payments_no_default_card", "payments", "capture failed for charge {charge}",
      ["{cust}", "{charge}"], runs=["deploy-a", "deploy-c"]),
    # -- uncaught errors with the source preamble
    P("billing_typeerror", "billing_invoice_no_lines", "billing", "failed to build invoice INV-{order}",
      ["{order}"]),
    P("invoice_constructor", "invoice_bad_currency", "billing", "failed to render invoice INV-{order}",
      ["{order}", "{badcur}"]),
    P("consumer_alias", "consumer_event_type_not_string", "events", "message handler crashed on queue {queue}",
      ["{queue}"]),
    P("prices_promise_all", "prices_refresh_503", "prices", "price refresh failed",
      ["SKU-1{n3}", "SKU-2{n3}", "SKU-1{n3b}"]),
    P("timer_internal", "scheduler_invalid_date", "scheduler", "scheduler tick failed",
      ["2026-{badmonth}-01T02:00:00Z"]),
    P("emitter_error", "broker_connection_reset", "queue", "consumer for partition {n2} crashed", ["{n2}"]),
    P("unhandled_rejection", "report_rows_null", "reporting", "report {n4} failed", ["r-{n4}"]),
    P("esm_report", "report_unknown_region", "reporting", "daily report for {day} failed", ["{day}"]),
    P("json_parse", "webhook_bad_json", "webhooks", "failed to parse webhook for order {order}", ["{order}"]),
    P("eval_rule", "rule_eval_undefined", "rules", "discount rule failed for order {order}", ["{order}"]),
    P("recursion", "category_cycle_recursion", "catalog", "category depth failed for {cat}", ["{cat}"]),
    P("http_handler", "api_page_param_missing", "api", "GET /api/orders/{order}/events failed ({req})",
      ["{order}"]),
    P("bundle_min", "ssr_unknown_currency", "ssr", "render of cart c-{n4} failed", ["{n4}", "{badcur2}"],
      install="dist/storefront.min.js"),
    P("multiline_message", "config_invalid_settings", "config", "configuration rejected", ["{port}"]),
    P("long_payload", "ingest_batch_too_large", "ingest", "ingest batch {n4} rejected", ["b{n4}"]),
    # -- property dumps, system errors, node:internal frames
    P("extra_props", "checkout_qty_validation", "checkout", "checkout failed for cart {cart}",
      ["{cart}", "{bigqty}"]),
    P("invalid_arg", "tls_cert_path_undefined", "tls", "failed to load TLS certificate for {tenant}",
      ["{tenant}"]),
    P("fs_enoent", "mailer_template_missing", "mailer", "failed to render receipt for order {order}",
      ["receipt_{lang}"]),
    P("assert_strict", "ledger_not_balanced", "ledger", "reconciliation of batch {n4} failed", ["{n4}"]),
    P("aggregate", "export_mirrors_failed", "exports", "publishing export {n4} failed", ["exp-{n4}"]),
    # -- causes
    P("cause_chain", "startup_config_missing", "main", "orders-api startup aborted", ["{port}"],
      json_lib="pino"),
    P("cause_json", "charge_decode_json", "payments", "refund failed for charge {charge}", ["{charge}"],
      json_lib="winston"),
    # -- code in node_modules
    P("vendor_csv", "import_csv_columns", "importer", "stock import batch {n4} failed", ["{n2}"]),
    P("vendor_http", "inventory_stock_unreachable", "inventory", "reservation of SKU-{n4} failed",
      ["SKU-{n4}"], json_lib="pino"),
    # -- printed by the program itself
    P("console_error", "mailer_smtp_auth", "mailer", "failed to send receipt for order {order}", ["{order}"]),
    P("console_error_prefix", "inventory_negative_stock", "inventory", "inventory sync for {wh} failed",
      ["{wh}"]),
    P("console_trace", "slow_query_trace", "db", "slow query detected ({ms} ms)", ["{ms}"], kind="stack",
      level="WARN"),
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
        "n2": rng.randint(2, 31),
        "n3": rng.randint(100, 999),
        "n3b": rng.randint(100, 999),
        "n4": rng.randint(1000, 9999),
        "cust": rng.randint(200000, 999999),
        "charge": "ch_%012x" % rng.getrandbits(48),
        "cart": "cart_%08x" % rng.getrandbits(32),
        "qty": rng.randint(2, 9),
        "bigqty": rng.randint(100, 500),
        "port": rng.choice([8000, 8080, 8443, 9090]),
        "ms": rng.randint(1500, 9000),
        "ms2": rng.randint(3, 240),
        "cents": rng.randint(500, 25000),
        "hex": "%012x" % rng.getrandbits(48),
        "day": "2026-11-%02d" % rng.randint(1, 20),
        "country": rng.choice(["NZ", "JP", "BR", "AU"]),
        "badcur": rng.choice(["EURO", "DOLLAR", "SFR"]),
        "badcur2": rng.choice(["CHF", "SEK", "GBP"]),
        "badmonth": rng.randint(13, 19),
        "tenant": rng.choice(["globex", "initech", "umbrella"]),
        "queue": rng.choice(["emails", "invoices", "exports", "webhooks"]),
        "lang": rng.choice(["de", "fr", "nl", "pl"]),
        "cat": rng.choice(["shoes", "apparel", "fashion"]),
        "wh": rng.choice(["ber-1", "ham-2", "muc-1"]),
    }


BASE_TIME = datetime(2026, 11, 21, 0, 0, 0)
BASE_EPOCH_MS = int(datetime(2026, 11, 21, tzinfo=timezone.utc).timestamp()) * 1000


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


def ts_log(ns):
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ns // 10**6 % 1000)


def ts_iso(ns, digits):
    frac = "%09d" % (ns % 10**9)
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:digits] + "Z"


def ts_cri(ns):
    # Go's time.RFC3339Nano drops trailing zeros of the fraction
    frac = ("%09d" % (ns % 10**9)).rstrip("0")
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def epoch_ms(ns):
    return BASE_EPOCH_MS + ns // 10**6


# --------------------------------------------------------------------------
# Running the programs
# --------------------------------------------------------------------------

def ensure_npm():
    """Install pino/winston/bunyan from the committed lock file into /tmp/tfnode-npm."""
    lock = (PROGRAMS / "npm" / "package-lock.json").read_bytes()
    stamp = NPM_DIR / ".tfnode-lock"
    if stamp.exists() and stamp.read_bytes() == lock and (NPM_DIR / "node_modules" / "pino").is_dir():
        return
    if NPM_DIR.exists():
        shutil.rmtree(NPM_DIR)
    NPM_DIR.mkdir(parents=True)
    shutil.copy(PROGRAMS / "npm" / "package.json", NPM_DIR / "package.json")
    shutil.copy(PROGRAMS / "npm" / "package-lock.json", NPM_DIR / "package-lock.json")
    subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=str(NPM_DIR), check=True, stdout=sys.stderr)
    stamp.write_bytes(lock)


def setup_work():
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "home").mkdir(parents=True)
    for root in ROOTS.values():
        root.mkdir(parents=True)
        for pkg in sorted((PROGRAMS / "vendor").iterdir()):
            shutil.copytree(pkg, root / "node_modules" / pkg.name)
    shutil.copy(PROGRAMS / "harness.js", WORK / "harness.js")


def install_program(prog, root_key):
    src = prog.src.read_text(encoding="utf-8")
    if root_key in HEADERS:
        src = "\n".join(HEADERS[root_key]) + "\n" + src
    path = ROOTS[root_key] / prog.install
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(src, encoding="utf-8")
    return path


def run(cmd, cwd, env, merged=False):
    p = subprocess.run(cmd, cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT if merged else subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode("utf-8"), (p.stderr or b"").decode("utf-8")


def lines_of(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class Case:
    pass


def node_tag():
    v = subprocess.run([NODE, "--version"], stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    return v, "node" + v.lstrip("v").split(".")[0]


def capture(prog, root_key, index, tag):
    case = Case()
    case.prog = prog
    case.index = index
    case.root_key = root_key
    case.id = "%s-%s" % (prog.name, tag) + ("" if root_key == "app" else "-" + root_key)
    rng = rng_for("case", case.id)
    case.values = case_values(rng)
    case.args = [a.format(**case.values) for a in prog.args]
    path = install_program(prog, root_key)
    case.path = path
    env = node_env()

    # crash run: stderr alone (to know which lines are the trace) ...
    rc, out, err = run([NODE, str(path)] + case.args, path.parent, env)
    if rc == 0 and prog.name not in ("console_error", "console_error_prefix", "console_trace"):
        raise SystemExit("%s: expected a crash, got rc=0" % case.id)
    case.rc = rc
    raw = lines_of(err)
    # ... and both streams on one pipe, in the order they were written
    rc2, merged, _ = run([NODE, str(path)] + case.args, path.parent, env, merged=True)
    case.merged = lines_of(merged)
    pos = None
    for i in range(len(case.merged) - len(raw) + 1):
        if case.merged[i:i + len(raw)] == raw:
            pos = i
            break
    if pos is None:
        raise SystemExit("%s: stderr is not contiguous in the merged output" % case.id)
    case.trailer = []
    body = list(raw)
    if len(body) >= 2 and body[-1].startswith("Node.js v") and body[-2] == "":
        case.trailer = body[-2:]
        body = body[:-2]
    while body and body[-1] == "":
        body.pop()
    case.raw = raw                    # what the process printed on stderr
    case.body = body                  # the event's lines (no "Node.js v.." trailer)
    case.merged_first = pos           # 0-based index of the event in case.merged
    case.merged_last = pos + len(body) - 1

    # stack run: err.stack through the harness
    rc3, out3, err3 = run([NODE, "-r", str(WORK / "harness.js"), str(path)] + case.args, path.parent,
                          node_env(TF_MODE="stack"))
    if MARKER not in out3:
        raise SystemExit("%s: harness reported nothing: %s" % (case.id, err3))
    rec = json.loads(out3.split(MARKER, 1)[1].split("\n", 1)[0])
    case.kind = rec["kind"]
    assert case.kind == prog.kind, case.id
    case.stack = rec["stack"].split("\n")
    if case.kind == "stack":
        case.type, case.message, case.chain = "", "", []
    else:
        case.type = rec["name"]
        case.message = rec["message"].split("\n")[0]
        case.chain = rec["chain"]
        head = case.stack[0]
        if not (head.startswith(case.type + ": ") or head.startswith(case.type + " [")
                or head == case.type):
            raise SystemExit("%s: err.stack does not start with the name: %r" % (case.id, head))
    case.group = prog.group
    case.logger = prog.logger
    case.level = prog.level
    case.intro = prog.msg.format(**case.values)
    # err.stack has no [cause] blocks: a record built from it loses the causes, so
    # it cannot (and must not) fingerprint like the full output.
    case.group_stack = case.group + "/stack-only" if len(case.chain) > 1 else case.group
    case.json_lib = prog.json_lib or JSON_LIBS[index % 3]
    return case


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------

class Out:
    def __init__(self):
        self.lines = []
        self.events = []

    def add(self, line):
        assert "\n" not in line, line[:80]
        self.lines.append(line)
        return len(self.lines)

    def event(self, case, first, last, view):
        """view: 'full' (Node's own printing: [cause] blocks included), 'stack'
        (err.stack only) or 'pino' (pino's err.stack with `caused by:` sections)."""
        if view == "stack":
            chain = [case.type] if case.kind == "exception" else []
            group = case.group_stack
        else:
            chain = list(case.chain)
            group = case.group
        self.events.append({"first_line": first, "last_line": last, "type": case.type,
                            "message": case.message, "chain": chain, "group": group,
                            "kind": case.kind, "language": "javascript"})


# --------------------------------------------------------------------------
# Ordinary log lines
# --------------------------------------------------------------------------

ORDINARY = [
    ("INFO", "http", "GET /api/orders/{order} 200 {ms2}ms", {"status": 200}),
    ("INFO", "http", "POST /api/cart/items 201 {ms2}ms", {"status": 201}),
    ("INFO", "orders", "order {order} created for customer {cust}", {"order": "{order}"}),
    ("INFO", "payments", "charge ch_{hex} captured ({cents} cents)", None),
    ("WARN", "payments", "gateway latency {ms}ms exceeds 1000ms budget", {"latencyMs": "{ms}"}),
    ("INFO", "inventory", "reserved {qty} units of SKU-{n4}", None),
    ("INFO", "cache", "cache hit ratio 0.{n3} over last 60s", None),
    ("WARN", "api", "rate limit at 80% for client key ck_{hex}", None),
    ("INFO", "scheduler", "job export-{n4} scheduled in {qty}s", None),
    ("INFO", "health", "health check ok (db=2ms, redis=1ms)", None),
    ("DEBUG", "db", "pool stats: {qty} active, 6 idle, 0 waiting", None),
    ("INFO", "billing", "invoice INV-{order} sent to billing+{n3}@example.com", {"order": "{order}"}),
]

# Prose and near-misses for noisy files: they mention errors but are not traces.
PROSE = [
    "{ts} INFO health: Error: none in the last 5 minutes (0 errors / {n4} requests)",
    "{ts} WARN http: upstream said Error: connection refused, retrying in {qty}s",
    "Error: connection refused",
    "{ts} INFO deploy: maintenance window starts at 10:00 UTC",
    "    at 10:00 UTC the cache is warmed, at 10:05 traffic returns",
    "{ts} INFO docs: see the runbook section 'TypeError in checkout' for on-call steps",
    "note: a TypeError: x is not a function in the browser console is not a server crash",
    "Trace: sampling 1% of requests",
    "{ts} INFO main: starting orders-api on Node.js v20 (linux x64)",
    "{ts} INFO export: exported {n4} rows to s3://exports/2026/11/21/part-{n3}.csv",
    "  at least {qty} retries are configured for webhooks",
    "{ts} WARN deprecation: Buffer() is deprecated (DEP0005), see the migration notes",
]

ACCESS = '10.0.{a}.{b} - - [21/Nov/2026:{hms} +0000] "GET /api/orders/{order} HTTP/1.1" {status} {size} "-" ' \
         '"Mozilla/5.0"'


def fill(template, rng):
    v = case_values(rng)
    v.update(a=rng.randint(0, 9), b=rng.randint(2, 254))
    return template.format(**v)


def ordinary_logging(rng, ns):
    level, name, msg, _f = rng.choice(ORDINARY)
    return "%s %s %s: %s" % (ts_log(ns), level, name, fill(msg, rng))


def logging_record(case, ns):
    """The logging variant's record lines: intro with timestamp, then err.stack."""
    return ["%s %s %s: %s" % (ts_log(ns), case.level, case.logger, case.intro)] + list(case.stack)


# --------------------------------------------------------------------------
# Wrappers
# --------------------------------------------------------------------------

def wrap_stderr(case, rng):
    """Exactly what the process printed, stdout and stderr on one pipe."""
    o = Out()
    for l in case.merged:
        o.add(l)
    o.event(case, case.merged_first + 1, case.merged_last + 1, "full")
    return o


def build_logging(case):
    """The logging variant: (seq, first, last), seq = [(line, stream, ns)].
    docker/cri wrap exactly these lines, so they are built from a fixed rng."""
    rng = rng_for("file", case.id, "logging")
    clock = Clock(rng)
    seq = []
    for _ in range(rng.randint(2, 4)):
        ns = clock.step()
        seq.append((ordinary_logging(rng, ns), "stdout", ns))
    ns = clock.step()
    first = len(seq)
    for i, l in enumerate(logging_record(case, ns)):
        seq.append((l, "stderr", ns if i == 0 else clock.tiny()))
    last = len(seq) - 1
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        seq.append((ordinary_logging(rng, ns), "stdout", ns))
    return seq, first, last


def wrap_logging(case, rng):
    seq, first, last = build_logging(case)
    o = Out()
    for l, _s, _ns in seq:
        o.add(l)
    o.event(case, first + 1, last + 1, "stack")
    return o


def json_plan_line(rng, clock):
    level, _name, msg, fields = rng.choice(ORDINARY)
    v = case_values(rng)
    f = None
    if fields:
        f = {}
        for k, t in fields.items():
            val = t.format(**v) if isinstance(t, str) else t
            f[k] = int(val) if isinstance(val, str) and val.isdigit() else val
    lvl = {"INFO": "info", "WARN": "warn", "DEBUG": "info"}[level]
    return {"ms": epoch_ms(clock.step()), "level": lvl, "msg": msg.format(**v), "fields": f}


def wrap_jsonl(case, rng):
    lib = case.json_lib
    clock = Clock(rng)
    plan = {
        "lib": lib,
        "name": case.logger,
        "pid": rng.choice([1, 1, 7, 18, 23, 42]),
        "hostname": "%s-%07x-%s" % (case.logger, rng.getrandbits(28),
                                    "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))),
        "before": [json_plan_line(rng, clock) for _ in range(rng.randint(2, 4))],
        "record": {"ms": epoch_ms(clock.step()), "msg": case.intro},
    }
    plan["after"] = [json_plan_line(rng, clock) for _ in range(rng.randint(1, 3))]
    rc, out, err = run([NODE, "-r", str(WORK / "harness.js"), str(case.path)] + case.args, case.path.parent,
                       node_env(TF_MODE="json", TF_PLAN=json.dumps(plan)))
    lines = lines_of(out)
    want = len(plan["before"]) + 1 + len(plan["after"])
    if len(lines) != want or not all(l.startswith("{") for l in lines):
        raise SystemExit("%s: %s produced %d lines, expected %d:\n%s\n%s" % (case.id, lib, len(lines), want,
                                                                          out[:2000], err[:2000]))
    for l in lines:
        json.loads(l)
    o = Out()
    for l in lines:
        o.add(l)
    n = len(plan["before"]) + 1
    o.event(case, n, n, "pino" if lib == "pino" else "stack")
    return o


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
    seq, first, last = build_logging(case)
    latency = rng.randint(40_000, 900_000)
    o = Out()
    ev_first = ev_last = None
    for i, (line, stream, ns) in enumerate(seq):
        for phys in container_physical(fmt, line, stream, ns + latency):
            n = o.add(phys)
            if i == first and ev_first is None:
                ev_first = n
            if i == last:
                ev_last = n
    o.event(case, ev_first, ev_last, "stack")
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
    """spans: list of (case, first, last, view); add events ordered by last line."""
    for case, first, last, view in sorted(spans, key=lambda s: s[2]):
        o.event(case, first, last, view)


def pod_name(rng, service):
    return "%s-%09x-%s" % (service, rng.getrandbits(36), "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789")
                                                                  for _ in range(5)))


def interleaved_prefixed(a, b, rng, style, mode):
    """docker compose / kubectl --prefix output of two processes. a prints its
    crash output (Node's own printing, with the Node.js trailer), b a log record."""
    clock = Clock(rng)
    if style == "compose":
        names = [a.logger + "-api-1", b.logger + "-worker-1"]
        width = max(len(n) for n in names)
        prefixes = [n.ljust(width) + "  | " for n in names]
    else:
        prefixes = ["[pod/%s/%s] " % (pod_name(rng, a.logger + "-api"), a.logger + "-api"),
                    "[pod/%s/%s] " % (pod_name(rng, b.logger + "-worker"), "worker")]
    o = Out()
    for _ in range(rng.randint(2, 4)):
        p = rng.choice(prefixes)
        o.add(p + ordinary_logging(rng, clock.step()))
    la = list(a.body) + list(a.trailer)
    lb = logging_record(b, clock.step(1, 20))
    order = interleave_order(rng, len(la), len(lb), mode)
    pos = {"a": 0, "b": 0}
    span = {"a": [None, None], "b": [None, None]}
    ends = {"a": len(a.body), "b": len(lb)}
    for k in order:
        src, pre = (la, prefixes[0]) if k == "a" else (lb, prefixes[1])
        n = o.add(pre + src[pos[k]])
        if pos[k] < ends[k]:
            span[k][0] = span[k][0] or n
            span[k][1] = n
        pos[k] += 1
    for _ in range(rng.randint(1, 3)):
        o.add(prefixes[1] + ordinary_logging(rng, clock.step()))
    finish_events(o, [(a, span["a"][0], span["a"][1], "full"), (b, span["b"][0], span["b"][1], "stack")])
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
    la = len(logging_record(a, 0))
    lb = len(logging_record(b, 0))
    order = interleave_order(rng, la, lb, mode)
    pos = {"a": 0, "b": 0}
    span = {"a": [None, None], "b": [None, None]}
    for k in order:
        rec = recs[k]
        if rec[1] is None:
            ns = clock.step(1, 20)
            rec[1] = logging_record(rec[0], ns)
        else:
            ns = clock.tiny()
        first, last = emit(rec[1][pos[k]], rec[2], ns)
        pos[k] += 1
        span[k][0] = span[k][0] or first
        span[k][1] = last
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        emit(ordinary_logging(rng, ns), "stdout", ns)
    finish_events(o, [(a, span["a"][0], span["a"][1], "stack"), (b, span["b"][0], span["b"][1], "stack")])
    return o


def noisy_file(picks, rng):
    """50+ ordinary lines (log records, access log lines, prose about errors, blanks) with traces."""
    clock = Clock(rng)
    o = Out()
    n_noise = rng.randint(52, 70)
    slots = sorted(rng.sample(range(4, n_noise - 3), len(picks)))  # insert trace before noise line #slot
    pick_i = 0
    after_trace = False
    noise_done = 0
    while noise_done < n_noise:
        if pick_i < len(picks) and noise_done >= slots[pick_i] and not after_trace:
            case, bare = picks[pick_i]
            pick_i += 1
            if bare:
                if o.lines and o.lines[-1] != "":
                    o.add("")  # bare crash output is never glued to the previous log record
                nums = [o.add(l) for l in case.body]
                o.event(case, nums[0], nums[-1], "full")
                for l in case.trailer:
                    o.add(l)
            else:
                nums = [o.add(l) for l in logging_record(case, clock.step())]
                o.event(case, nums[0], nums[-1], "stack")
            after_trace = True
            continue
        r = rng.random()
        if after_trace:
            # the line right after a trace is blank or starts a new log record
            line = "" if r < 0.3 else ordinary_logging(rng, clock.step())
        elif r < 0.55:
            line = ordinary_logging(rng, clock.step())
        elif r < 0.70:
            t = _dt(clock.step())
            line = ACCESS.format(a=rng.randint(0, 9), b=rng.randint(2, 254), hms=t.strftime("%H:%M:%S"),
                                 order=rng.randint(10000, 99999), size=rng.randint(120, 9000),
                                 status=rng.choice([200, 200, 200, 404, 500, 302]))
        elif r < 0.92:
            v = case_values(rng)
            v["ts"] = ts_log(clock.step())
            line = rng.choice(PROSE).format(**v)
        else:
            line = ""
        o.add(line)
        after_trace = False
        noise_done += 1
    assert pick_i == len(picks)
    return o


# --------------------------------------------------------------------------
# Hand-written Firefox / Safari traces
# --------------------------------------------------------------------------

# (file, [(first_line, last_line, type, message, group)]): the files are written
# by hand from MDN's description of the `fn@url:line:col` format (see the
# header comment in each file); generate.py only checks and indexes them.
HANDWRITTEN = [
    ("firefox_cart.logging.log", [
        (5, 13, "TypeError", 'can\'t access property "price", item is undefined', "fx_cart_missing_item"),
        (16, 21, "ReferenceError", "trackEvent is not defined", "fx_analytics_undefined"),
    ]),
    ("firefox_cart.jsonl.log", [
        (4, 4, "TypeError", 'can\'t access property "price", item is undefined', "fx_cart_missing_item"),
        (6, 6, "Error", "eval rule failed: discount.tier is not a string", "fx_rule_eval"),
    ]),
    ("safari_cart.logging.log", [
        (5, 13, "TypeError", "undefined is not an object (evaluating 'item.price')", "safari_cart_missing_item"),
        (15, 20, "ReferenceError", "Can't find variable: trackEvent", "safari_analytics_undefined"),
    ]),
    ("safari_cart.jsonl.log", [
        (3, 3, "TypeError", "undefined is not an object (evaluating 'item.price')", "safari_cart_missing_item"),
        (5, 5, "ReferenceError", "Can't find variable: trackEvent", "safari_analytics_undefined"),
    ]),
    ("browsers_mixed.noisy.log", [
        (7, 15, "TypeError", 'can\'t access property "price", item is undefined', "fx_cart_missing_item"),
        (19, 27, "TypeError", "undefined is not an object (evaluating 'item.price')", "safari_cart_missing_item"),
        (31, 37, "Error", "eval rule failed: discount.tier is not a string", "fx_rule_eval"),
    ]),
]

BROWSER_FRAME = re.compile(r"^(?:[^\s@]*@)?(?:https?://|file:///|\[native code\])|^(?:eval code|global code|"
                           r"module code)$|^[\w.$<>/ ]*@")


def handwritten_entries():
    files = {}
    for name, events in HANDWRITTEN:
        lines = (HANDWRITTEN_DIR / name).read_text(encoding="utf-8").rstrip("\n").split("\n")
        evs = []
        for first, last, typ, msg, group in events:
            if name.endswith(".jsonl.log"):
                err = json.loads(lines[first - 1])["error"]
                assert (err["name"], err["message"]) == (typ, msg), (name, first)
                assert all(BROWSER_FRAME.match(l) for l in err["stack"].rstrip("\n").split("\n")), (name, first)
            else:
                head = lines[first]          # the line after the intro
                assert head == "%s: %s" % (typ, msg), (name, first, head)
                for l in lines[first + 1:last]:
                    assert BROWSER_FRAME.match(l), (name, l)
                assert last == len(lines) or not BROWSER_FRAME.match(lines[last]), (name, last)
            evs.append({"first_line": first, "last_line": last, "type": typ, "message": msg, "chain": [typ],
                        "group": group, "kind": "exception", "language": "javascript"})
        files["handwritten/" + name] = {"handwritten": True, "events": evs}
    return files


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def write(out, name, manifest):
    path = CASES / name
    text = "\n".join(out.lines) + "\n"
    path.write_text(text, encoding="utf-8")
    manifest["files"]["cases/" + name] = {"events": out.events}


def main():
    ensure_npm()
    setup_work()
    if CASES.exists():
        shutil.rmtree(CASES)
    CASES.mkdir()
    version, tag = node_tag()
    cases = []
    for prog in PROGRAM_TABLE:
        for root_key in prog.runs:
            case = capture(prog, root_key, len(cases), tag)
            cases.append(case)
            print("%-40s rc=%-3s %-22s %s" % (case.id, case.rc, case.type[:22], case.chain), file=sys.stderr)

    manifest = {"files": {}}
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
    mixable = [c for c in cases if max(len(l) for l in c.raw + c.stack) < 400 and len(c.raw) < 60]

    def pick_pair(rng):
        a = rng.choice(mixable)
        b = rng.choice([c for c in mixable if c.group != a.group])
        return a, b

    n = 0
    for style in ("compose", "kubectl", "docker", "cri") * 3:
        n += 1
        rng = rng_for("interleaved", n)
        a, b = pick_pair(rng)
        mode = "strict" if n % 2 else "random"
        if style in ("compose", "kubectl"):
            o = interleaved_prefixed(a, b, rng, style, mode)
        else:
            o = interleaved_container(a, b, rng, style, mode)
        write(o, "pair%02d-%s.interleaved.log" % (n, style), manifest)

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

    manifest["files"].update(handwritten_entries())
    manifest["files"] = dict(sorted(manifest["files"].items()))
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("%s: %d programs, %d cases, %d files" % (version, len(PROGRAM_TABLE), len(cases),
                                                  len(manifest["files"])), file=sys.stderr)


if __name__ == "__main__":
    main()
