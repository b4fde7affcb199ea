#!/usr/bin/env python3
"""Generate the tracefix Python traceback corpus.

Every traceback in cases/ comes from really running CPython on a program in
programs/.  The captured output is then wrapped into several log formats
(bare stderr, logging, prefixed, JSON lines, docker json-file, CRI) plus
interleaved and noisy variants, and the ground truth goes into manifest.json.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only.  Deterministic: all timestamps / ids come from random.Random
instances seeded from SEED and the output file name; interpreters run with
PYTHONHASHSEED=0 and a fixed minimal environment; programs are copied to
fixed paths under /tmp/tfcorpus before running.
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
CASES = HERE / "cases"
MANIFEST = HERE / "manifest.json"
WORK = Path("/tmp/tfcorpus")
SEED = 20261121

INTERPRETERS = {
    "2.7": "/root/.pyenv/versions/2.7.18/bin/python",
    "3.10": "/root/.pyenv/versions/3.10.13/bin/python",
    "3.11": "/root/.pyenv/versions/3.11.7/bin/python",
    "3.12": "/root/.pyenv/versions/3.12.1/bin/python",
    "3.13": "/root/.pyenv/versions/3.13.0/bin/python",
}

# Install roots.  "deploy-*" roots model the same service deployed in
# different places; deploy-c also gets extra lines at the top of the file so
# that line numbers differ.
ROOTS = {
    "app": WORK / "srv" / "app",
    "deploy-a": WORK / "deploy-a" / "app",
    "deploy-b": WORK / "deploy-b" / "srv" / "www" / "app",
    "deploy-c": WORK / "deploy-c" / "opt" / "orders" / "releases" / "2026.11.2" / "app",
    "lambda": WORK / "lambda" / "var" / "task",
}
DEPLOY_C_HEADER = [
    "# Copyright (c) 2026 Example Shop GmbH. All rights reserved.",
    "#",
    "# Licensed under the Example Shop internal license, version 3.",
    "# Release 2026.11.2 (build 8841), deployed by the release pipeline.",
    "import logging",
    "import os",
    "",
    "LOG = logging.getLogger(__name__)",
    'RELEASE = os.environ.get("RELEASE", "2026.11.2")',
    "",
]

ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": str(WORK / "home"),
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHON_COLORS": "0",
    "NO_COLOR": "1",
    "TERM": "dumb",
}

FORMATS = ("stderr", "logging", "prefixed", "jsonl", "docker", "cri")
SPLIT = 16384  # docker json-file and containerd CRI split lines at 16 KiB


# --------------------------------------------------------------------------
# Program table
# --------------------------------------------------------------------------

class Prog:
    def __init__(self, name, group, logger, msg, args=(), runs=("3.11",), kind="exception",
                 level="ERROR", raw_intro=0, intro_from_raw=False, lambda_ok=True, venv=False):
        self.name = name
        self.group = group
        self.logger = logger
        self.msg = msg
        self.args = list(args)
        self.runs = list(runs)
        self.kind = kind
        self.level = level
        self.raw_intro = raw_intro          # leading stderr lines that are the record's own intro
        self.intro_from_raw = intro_from_raw  # wrappers reuse those lines as the log message
        self.lambda_ok = lambda_ok and kind == "exception"
        self.venv = venv


P = Prog
PROGRAM_TABLE = [
    # -- same bug, different deploys (shared group label)
    P("orders", "orders_missing_sku", "app.orders", "failed to charge order {order}",
      ["{order}", "{req}", "SKU-{n4}"],
      runs=["3.11@deploy-a", "3.11@deploy-b", "3.12@deploy-c", "3.10@deploy-a", "3.13@deploy-c"]),
    # same exception type (KeyError), different function -> different bug
    P("orders_shipping", "orders_shipping_rate", "app.orders", "failed to quote shipping for order {order}",
      ["{order}", "{country}"], runs=["3.11@deploy-b"]),
    # -- plain errors / carets
    P("billing_typeerror", "billing_decimal_plus_float", "app.billing", "failed to build invoice INV-{order}",
      ["{order}"], runs=["3.11"]),
    P("user_attributeerror", "notify_missing_profile", "app.notifications",
      "failed to send receipt for order {order}", ["{cust}", "{order}"], runs=["3.12"]),
    P("stats_zerodivision", "stats_empty_average", "jobs.reporting", "daily report for {day} failed",
      ["{day}"], runs=["3.10"]),
    P("pagination_indexerror", "api_page_out_of_range", "app.api",
      "GET /api/orders?page=2 failed (request {req})", ["2"], runs=["3.12"]),
    P("ids_valueerror", "webhook_rejected", "app.webhooks", "webhook delivery {uuid} failed permanently",
      ["{uuid}", "{cust}", "{ts}"], runs=["3.10"]),
    P("caret_subscript", "config_missing_replicas", "app.config", "failed to connect replicas in {env}",
      ["{env}"], runs=["3.11", "3.13"]),
    P("multiline_span_call", "checkout_unknown_coupon", "app.checkout", "checkout failed for cart {n4}",
      ["{coupon}"], runs=["3.13"]),
    P("multiline_span_binop", "invoice_none_shipping", "app.billing", "failed to total invoice {order}",
      ["{order}"], runs=["3.11", "3.13"]),
    # -- chains
    P("chained_context", "inventory_fallback_reserve", "app.inventory", "reservation failed for order {order}",
      ["{order}", "{qty}"], runs=["3.11"]),
    P("chained_from", "payments_parse_amount", "app.payments", "failed to load invoice INV-{order}",
      ["{order}"], runs=["3.12"]),
    P("chained_three", "startup_settings_unreadable", "app.main", "orders-api startup aborted",
      ["{port}"], runs=["3.11", "3.13"]),
    P("chained_from_none", "fx_unknown_currency", "app.fx", "conversion failed for account {cust}",
      ["{currency}", "{cust}"], runs=["3.10"]),
    P("chained_mixed_group", "import_batch_rejected", "jobs.importer", "import batch {uuid} failed",
      ["{uuid}"], runs=["3.13"]),
    # -- syntax errors
    P("syntax_direct", "report_syntax_unclosed_paren", "supervisor", "report worker exited with status 1",
      runs=["3.10", "3.11", "3.13", "2.7"], lambda_ok=False),
    P("syntax_missing_colon", "charge_syntax_missing_colon", "supervisor", "charge worker exited with status 1",
      runs=["3.12"], lambda_ok=False),
    P("syntax_via_import", "billing_rules_syntax", "app.billing",
      "failed to load billing rules for tenant {tenant}", ["{tenant}"], runs=["3.11", "3.13"]),
    P("indentation_via_import", "legacy_config_indentation", "app.main", "failed to import legacy settings",
      runs=["3.12"]),
    P("taberror_direct", "worker_taberror", "supervisor", "queue worker exited with status 1",
      runs=["3.11"], lambda_ok=False),
    # -- exception lines without a colon
    P("eos_custom_noargs", "stream_end_of_stream", "app.stream", "consumer for partition {n3} stopped",
      ["{n3}"], runs=["3.10", "3.11"]),
    P("keyboard_interrupt", "poller_interrupted", "app.poller", "poller for {queue} interrupted",
      ["{queue}"], runs=["3.11"], lambda_ok=False),
    P("pkg_qualified_noargs", "streamio_drain_eos", "app.stream", "drain of topic {topic} aborted",
      ["{topic}"], runs=["3.12"]),
    P("assert_bare", "ledger_not_balanced", "jobs.ledger", "reconciliation of batch {n4} failed",
      ["{n3}"], runs=["3.10"]),
    # -- messages
    P("multiline_message", "config_validation_multiline", "app.main", "configuration rejected",
      ["{n3}"], runs=["3.11"]),
    P("notes_pep678", "import_bad_qty_notes", "jobs.importer", "import of batch {n4} failed",
      ["{n4}"], runs=["3.13"]),
    P("traceback_word", "job_exit_status", "jobs.runner", "job {order} failed", ["{order}"], runs=["3.10"]),
    P("tuple_message", "menu_spam_eggs", "app.menu", "menu lookup failed", ["{n3}"], runs=["3.12"]),
    P("unicode_message", "register_bad_name", "app.customers",
      "Registrierung fehlgeschlagen für Bestellung {order}", ["{order}"], runs=["3.11"]),
    P("long_message", "auth_scopes_missing", "app.auth", "authorization failed for {svc}", ["{svc}"],
      runs=["3.13"]),
    P("long_payload", "ingest_payload_rejected", "app.ingest", "ingest batch {n4} rejected", ["{n4}"],
      runs=["3.11"]),
    P("long_source_line", "router_unknown_path", "app.router", "no route for request {req}",
      ["/v2/orders/{order}"], runs=["3.11"]),
    P("long_assert", "ledger_mismatch", "jobs.ledger", "ledger reconciliation failed", ["{cust}"],
      runs=["3.12"]),
    # -- exception groups
    P("group_flat", "batch_validation_group", "app.orders", "batch validation failed", ["{n4}"],
      runs=["3.11", "3.13"]),
    P("group_nested", "inventory_sync_group", "jobs.sync", "inventory sync failed", ["{n4}"], runs=["3.12"]),
    P("group_many", "broadcast_shards_group", "app.events", "event broadcast failed", ["{uuid}"],
      runs=["3.11"]),
    P("group_deep", "policy_deep_group", "app.policy", "policy evaluation failed", ["pol-{n4}"],
      runs=["3.13"]),
    P("base_group", "pool_shutdown_group", "app.pool", "worker pool shutdown failed", ["{n3}"],
      runs=["3.11"], lambda_ok=False),
    P("group_except_star", "jobs_except_star_group", "jobs.runner", "batch {n4} failed", ["{n4}"],
      runs=["3.12"]),
    P("asyncio_taskgroup", "price_refresh_taskgroup", "app.prices", "price refresh failed", ["{n3}"],
      runs=["3.11"], lambda_ok=False),
    # -- special frames
    P("recursion", "category_cycle_recursion", "app.catalog", "category depth failed for {cat}", ["{cat}"],
      runs=["3.11", "3.12"], lambda_ok=False),
    P("importlib_frozen", "plugin_exporter_import", "app.plugins", "failed to load plugin exporter",
      ["{tenant}"], runs=["3.11"]),
    P("exec_string", "rule_exec_zerodiv", "app.rules", "discount rule failed for order {order}",
      ["{order}"], runs=["3.13"]),
    P("lambda_comprehension", "parse_qty_lambda", "jobs.importer", "batch total failed", ["{n3}"],
      runs=["3.11", "3.12"]),
    # -- library / stdlib frames
    P("venv_fakehttp", "payments_capture_connect", "app.payments", "capture failed for charge ch_{hex}",
      ["ch_{hex}"], runs=["3.10", "3.11", "3.12", "3.13"], venv=True, lambda_ok=False),
    P("venv_fakedb", "orders_duplicate_key", "app.orders", "failed to save order {order}", ["{order}"],
      runs=["3.11"], venv=True, lambda_ok=False),
    P("stdlib_json", "webhook_bad_json", "app.webhooks", "failed to parse webhook {order}", ["{order}"],
      runs=["3.11"]),
    P("stdlib_strptime", "shipping_bad_date", "app.shipping", "failed to schedule order {order}",
      ["{order}"], runs=["3.12"]),
    P("subprocess_check", "backup_pg_dump", "jobs.backup", "backup of {db} failed", ["{db}"], runs=["3.11"]),
    P("filenotfound", "tls_cert_missing", "app.tls", "failed to load TLS certificate for {tenant}",
      ["{tenant}"], runs=["3.13"]),
    # -- concurrency
    P("asyncio_run", "discount_none_tier", "app.discounts", "discount lookup failed for customer {cust}",
      ["{cust}"], runs=["3.13"]),
    P("asyncio_never_retrieved", "cache_warm_never_retrieved", "asyncio", None, ["{region}"],
      runs=["3.11"], raw_intro=2, intro_from_raw=True, lambda_ok=False),
    P("thread_worker", "worker_empty_items", "app.worker",
      "unhandled exception in worker thread for queue {queue}", ["{queue}"], runs=["3.10"],
      raw_intro=1, lambda_ok=False),
    P("futures_process", "resize_zero_width", "app.images", "thumbnail job for image {n4} failed", ["{n4}"],
      runs=["3.11"], lambda_ok=False),
    P("futures_thread", "fx_rate_thread", "app.fx", "rate refresh failed", ["{currency}"], runs=["3.12"]),
    # -- stacks without exceptions
    P("logging_stack_info", "cache_stampede_stack", "app.cache",
      "cache stampede on key user:{cust}:profile: rebuilding synchronously", ["{cust}"], runs=["3.11"],
      kind="stack", raw_intro=1),
    P("print_stack", "slow_query_stack", "app.db",
      "slow query detected ({ms} ms): SELECT * FROM orders WHERE customer_id = 4242", ["{ms}"],
      runs=["3.13"], kind="stack", level="WARNING"),
    # -- python 2.7
    P("py2_legacy", "legacy_cron_keyerror", "cron.nightly", "nightly mailing failed", ["{n4}"],
      runs=["2.7"], lambda_ok=False),
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
        "n3": rng.randint(100, 999),
        "n4": rng.randint(1000, 9999),
        "cust": rng.randint(100000, 999999),
        "qty": rng.randint(5, 9),
        "port": rng.choice([8000, 8080, 8443, 9090]),
        "ms": rng.randint(1500, 9000),
        "hex": "%012x" % rng.getrandbits(48),
        "day": "2026-11-%02d" % rng.randint(1, 20),
        "ts": "2026-11-21T%02d:%02d:%02d.%03dZ" % (rng.randint(0, 9), rng.randint(0, 59),
                                                   rng.randint(0, 59), rng.randint(0, 999)),
        "country": rng.choice(["NZ", "JP", "BR", "AU"]),
        "coupon": rng.choice(["BLACKFRIDAY", "XMAS25", "VIP50"]),
        "tenant": rng.choice(["acme", "globex", "initech", "umbrella"]),
        "queue": rng.choice(["emails", "invoices", "exports", "webhooks"]),
        "topic": rng.choice(["orders.v1", "payments.v2", "audit"]),
        "region": rng.choice(["eu-west", "us-east", "ap-south"]),
        "currency": rng.choice(["JPY", "CHF", "SEK"]),
        "env": rng.choice(["staging", "prod-eu", "prod-us"]),
        "svc": rng.choice(["svc-reporting", "svc-exporter", "svc-billing"]),
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

    def few_ms(self):
        self.ns += self.rng.randint(1 * 10**6, 4 * 10**6)
        return self.ns


def _dt(ns):
    return BASE_TIME + timedelta(microseconds=ns // 1000)


def ts_logging(ns):
    return _dt(ns).strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % (ns // 10**6 % 1000)


def ts_openstack(ns):
    return _dt(ns).strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (ns // 10**6 % 1000)


def ts_apache(ns):
    d = _dt(ns)
    return d.strftime("%a %b %d %H:%M:%S") + ".%06d" % d.microsecond + d.strftime(" %Y")


def ts_iso(ns, digits):
    frac = "%09d" % (ns % 10**9)
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:digits] + "Z"


def ts_cri(ns):
    # Go's time.RFC3339Nano drops trailing zeros of the fraction
    frac = ("%09d" % (ns % 10**9)).rstrip("0")
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


# --------------------------------------------------------------------------
# Running the programs
# --------------------------------------------------------------------------

LAMBDA_HARNESS = r'''
import json, os, sys, traceback
path = sys.argv[1]
sys.argv = [path] + sys.argv[2:]
sys.path.insert(0, os.path.dirname(path))
with open(path) as fh:
    source = fh.read()
scope = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
try:
    exec(compile(source, path, "exec"), scope)
except Exception as e:
    frames = traceback.extract_tb(e.__traceback__)[1:]   # drop the harness frame
    out = {"errorType": type(e).__name__, "errorMessage": str(e),
           "stackTrace": traceback.format_list(frames)}
    sys.stdout.flush()
    sys.__stdout__.write("\n@@LAMBDA@@" + json.dumps(out) + "\n")
'''


def setup_work():
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "home").mkdir(parents=True)
    for key, root in ROOTS.items():
        root.mkdir(parents=True)
        shutil.copytree(PROGRAMS / "lib", root, dirs_exist_ok=True)
    (WORK / "lambda_harness.py").write_text(LAMBDA_HARNESS)


def venv_python(ver):
    venv = WORK / "venvs" / ("py" + ver.replace(".", ""))
    if not venv.exists():
        subprocess.run([INTERPRETERS[ver], "-m", "venv", "--without-pip", str(venv)], check=True,
                       env=ENV)
        site = venv / "lib" / ("python" + ver) / "site-packages"
        assert site.is_dir(), site
        shutil.copytree(PROGRAMS / "site", site, dirs_exist_ok=True)
    return str(venv / "bin" / "python")


def install_program(prog, root_key, dest_root=None):
    src = (PROGRAMS / (prog.name + ".py")).read_text(encoding="utf-8")
    if root_key == "deploy-c":
        src = "\n".join(DEPLOY_C_HEADER) + "\n" + src
    root = dest_root or ROOTS[root_key]
    path = root / (prog.name + ".py")
    path.write_text(src, encoding="utf-8")
    return path


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=str(cwd), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def lines_of(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


SEPARATORS = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::(?: (.*))?)?$")


def split_exc_line(line):
    m = EXC_LINE.match(line)
    if not m:
        raise ValueError("not an exception line: %r" % line)
    return m.group(1), m.group(2) or ""


def analyse(body, kind):
    """Return (type, message_first_line, chain) of a traceback body as printed."""
    if kind == "stack":
        return "", "", []
    segments = [[]]
    for ln in body:
        if ln in SEPARATORS:
            segments.append([])
        else:
            segments[-1].append(ln)
    chain = []
    final = None
    for seg in segments:
        seg = [l for l in seg]
        while seg and seg[0] == "":
            seg.pop(0)
        while seg and seg[-1] == "":
            seg.pop()
        found = None
        if seg[0].startswith("  + Exception Group Traceback") or seg[0].startswith("  | "):
            for l in seg:
                if l.startswith("  | ") and not l[4:].startswith(" "):
                    found = split_exc_line(l[4:])
                    break
        else:
            for l in seg:
                if l == "Traceback (most recent call last):" or l.startswith(" "):
                    continue
                found = split_exc_line(l)
                break
        if found is None:
            raise ValueError("no exception line in segment %r" % seg)
        chain.append(found[0])
        final = found
    return final[0], final[1], chain


class Case:
    pass


def capture(prog, run_spec, index):
    ver, _, root_key = run_spec.partition("@")
    root_key = root_key or "app"
    case = Case()
    case.prog = prog
    case.ver = ver
    case.index = index
    case.id = "%s-py%s" % (prog.name, ver.replace(".", "")) + ("" if root_key == "app" else "-" + root_key)
    rng = rng_for("case", case.id)
    case.values = case_values(rng)
    args = [a.format(**case.values) for a in prog.args]
    path = install_program(prog, root_key)
    python = venv_python(ver) if prog.venv else INTERPRETERS[ver]
    rc, out, err = run([python, str(path)] + args, path.parent)
    if rc == 0 and prog.kind == "exception" and prog.raw_intro == 0:
        raise SystemExit("%s: expected a crash, got rc=0" % case.id)
    case.rc = rc
    case.pre = lines_of(out)
    raw = lines_of(err)
    while raw and raw[-1] == "":
        raw.pop()
    case.raw = raw
    case.raw_intro_lines = raw[:prog.raw_intro]
    case.body = raw[prog.raw_intro:]
    if prog.intro_from_raw:
        case.intro = list(case.raw_intro_lines)
    else:
        case.intro = [prog.msg.format(**case.values)]
    case.type, case.message, case.chain = analyse(case.body, prog.kind)
    case.kind = prog.kind
    case.group = prog.group
    case.level = prog.level
    case.logger = prog.logger
    case.lambda_rec = None
    if prog.lambda_ok and ver != "2.7":
        lpath = install_program(prog, root_key, ROOTS["lambda"])
        rc2, out2, err2 = run([INTERPRETERS[ver], str(WORK / "lambda_harness.py"), str(lpath)] + args,
                              lpath.parent)
        if "@@LAMBDA@@" not in out2:
            raise SystemExit("%s: lambda harness produced no record: %s" % (case.id, err2))
        case.lambda_rec = json.loads(out2.split("@@LAMBDA@@", 1)[1])
    return case


# --------------------------------------------------------------------------
# Ordinary log lines
# --------------------------------------------------------------------------

ORDINARY = [
    ("INFO", "app.orders", "order {order} created for customer {cust}"),
    ("INFO", "app.orders", "order {order} paid via card ending {n4}"),
    ("INFO", "uvicorn.access", '10.0.{a}.{b}:{port} - "GET /api/orders/{order} HTTP/1.1" 200'),
    ("INFO", "uvicorn.access", '10.0.{a}.{b}:{port} - "POST /api/cart/items HTTP/1.1" 201'),
    ("WARNING", "app.payments", "payment gateway latency {ms}ms exceeds 1000ms budget"),
    ("INFO", "app.inventory", "reserved {qty} units of SKU-{n4}"),
    ("INFO", "app.cache", "cache hit ratio 0.{n3} over last 60s"),
    ("WARNING", "app.api", "rate limit at 80% for client key ck_{hex}"),
    ("INFO", "jobs.scheduler", "job export-{n4} scheduled in {qty}s"),
    ("INFO", "app.health", "health check ok (db=2ms, cache=1ms)"),
    ("WARNING", "app.auth", "token for user {cust} expires in {qty} minutes"),
    ("INFO", "app.billing", "invoice INV-{order} sent to billing+{n3}@example.com"),
]

# Prose lines for noisy files: they mention errors but are not tracebacks.
PROSE = [
    "{ts} INFO app.health: Error: none in the last 5 minutes (0 errors / {n4} requests)",
    "{ts} WARNING app.retry: Exception budget at 12%, retrying POST /v1/charges in {qty}s",
    "{ts} INFO app.docs: see runbook section 'Traceback triage' for on-call steps",
    "{ts} INFO tracefix.self: Traceback detector ready (0 open events)",
    "{ts} WARNING app.sync: upstream returned Error: 503 Service Unavailable (attempt {qty})",
    "Error: could not connect to statsd at 10.0.0.9:8125, metrics disabled",
    "WARNING: Exception handling middleware is disabled in debug mode",
    "note: a Traceback (most recent call last) line alone does not mean the job failed",
    "  File uploads are stored under /var/lib/shop/uploads",
    "{ts} INFO app.export: exported {n4} rows to s3://exports/2026/11/21/part-{n3}.csv",
]

ACCESS = '10.0.{a}.{b} - - [21/Nov/2026:{hms} +0000] "GET /api/orders/{order} HTTP/1.1" {status} {size} "-" "Mozilla/5.0"'


def fill(template, rng):
    v = case_values(rng)
    v.update(a=rng.randint(0, 9), b=rng.randint(2, 254))
    return template.format(**v)


def ordinary(rng):
    level, name, msg = rng.choice(ORDINARY)
    return level, name, fill(msg, rng)


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

    def event(self, case, first, last, lambda_rec=None):
        if lambda_rec is not None:
            ev = {"first_line": first, "last_line": last, "type": lambda_rec["errorType"],
                  "message": lambda_rec["errorMessage"].split("\n")[0], "chain": [lambda_rec["errorType"]],
                  "group": case.group, "kind": "exception"}
            # Lambda's JSON record keeps only the last exception's frames: the causes
            # of a chain and the sub-exceptions of a group are lost, so such a
            # record cannot (and must not) hash like the full traceback.
            if len(case.chain) > 1 or case.type.endswith("ExceptionGroup"):
                ev["group"] = case.group + "/lambda-record"
        else:
            ev = {"first_line": first, "last_line": last, "type": case.type, "message": case.message,
                  "chain": list(case.chain), "group": case.group, "kind": case.kind}
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


def record_lines(case):
    """Intro + trace lines of the record as a logger would print them (without timestamp)."""
    return list(case.intro), list(case.body)


# --------------------------------------------------------------------------
# Wrappers
# --------------------------------------------------------------------------

def wrap_stderr(case, rng):
    o = Out()
    for l in case.pre[:2]:
        o.add(l)
    first = None
    last = None
    for l in case.raw:
        n = o.add(l)
        first = first or n
        last = n
    o.event(case, first, last)
    if rng.random() < 0.5:
        o.add("")
    return o


def logging_record(case, ns):
    """The logging variant's record lines (intro with asctime, then the trace)."""
    intro, body = record_lines(case)
    return ["%s %s %s: %s" % (ts_logging(ns), case.level, case.logger, intro[0])] + intro[1:] + body


def ordinary_logging(rng, ns):
    level, name, msg = ordinary(rng)
    return "%s %s %s: %s" % (ts_logging(ns), level, name, msg)


def build_logging(case):
    """The logging variant of a case.

    Returns (seq, first, last): seq is a list of (line, stream, ns) where ns is
    when the line was written; first/last are 0-based indexes of the record.
    docker/cri wrap exactly these lines, so they are built from a fixed rng.
    """
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
    o.event(case, first + 1, last + 1)
    return o


class Prefixer:
    """OpenStack (oslo.log) or mod_wsgi style per-line prefix for one process / request."""

    def __init__(self, style, rng, referer=False):
        self.style = style
        self.rng = rng
        self.pid = rng.randint(1000, 65000)
        self.tid = rng.randint(139_900_000_000_000, 140_300_000_000_000)
        self.new_request()
        self.referer = referer

    def new_request(self):
        rng = self.rng
        self.req = "req-" + rng_uuid(rng)
        self.user = "%032x" % rng.getrandbits(128)
        self.project = "%032x" % rng.getrandbits(128)
        self.remote = "10.0.%d.%d:%d" % (rng.randint(0, 9), rng.randint(2, 254), rng.randint(32768, 60999))

    def line(self, ns, level, name, content, with_req=True):
        if self.style == "openstack":
            ctx = "%s %s %s - default default" % (self.req, self.user, self.project) if with_req else "-"
            return "%s %d %s %s [%s] %s" % (ts_openstack(ns), self.pid, level, name, ctx, content)
        s = "[%s] [wsgi:error] [pid %d:tid %d] [remote %s] %s" % (ts_apache(ns), self.pid, self.tid,
                                                                   self.remote, content)
        if self.referer:
            s += ", referer: https://shop.example.com/cart"
        return s

    def contents(self, case):
        intro, body = record_lines(case)
        if self.style == "openstack":
            return intro + body
        return ["%s:%s:%s" % (case.level, case.logger, intro[0])] + intro[1:] + body


class PrefixedLog:
    """A prefixed log file: a small pool of worker processes writing ordinary records."""

    def __init__(self, style, rng, referer=False):
        self.style = style
        self.rng = rng
        self.clock = Clock(rng)
        self.pool = [Prefixer(style, rng, referer=referer) for _ in range(3)]
        while len({p.pid for p in self.pool}) < 3:
            self.pool = [Prefixer(style, rng, referer=referer) for _ in range(3)]

    def ordinary(self):
        rng = self.rng
        ns = self.clock.step()
        if self.style == "modwsgi" and rng.random() < 0.15:
            return "[%s] [mpm_event:notice] [pid %d:tid %d] AH00489: Apache/2.4.62 (Debian) mod_wsgi/5.0.0 " \
                   "Python/3.11 configured -- resuming normal operations" % (ts_apache(ns), rng.randint(100, 999),
                                                                           rng.randint(139_900_000_000_000,
                                                                                       140_300_000_000_000))
        p = rng.choice(self.pool)
        p.new_request()
        level, name, msg = ordinary(rng)
        if self.style == "openstack":
            return p.line(ns, level, name, msg, with_req=rng.random() < 0.7)
        return p.line(ns, level, name, "%s:%s:%s" % (level, name, msg))


def wrap_prefixed(case, rng):
    style = "openstack" if case.index % 2 == 0 else "modwsgi"
    referer = style == "modwsgi" and case.index % 4 == 1
    log = PrefixedLog(style, rng, referer)
    o = Out()
    for _ in range(rng.randint(2, 4)):
        o.add(log.ordinary())
    p = log.pool[0]
    p.new_request()
    first = last = None
    for i, c in enumerate(p.contents(case)):
        ns = log.clock.step() if i == 0 else log.clock.few_ms()
        n = o.add(p.line(ns, case.level, case.logger, c))
        first = first or n
        last = n
    o.event(case, first, last)
    for _ in range(rng.randint(1, 3)):
        o.add(log.ordinary())
    return o


JSON_STYLES = ("pjl", "structlog", "lambda", "nested")


def json_style_for(case):
    style = JSON_STYLES[case.index % 4]
    if style == "lambda" and case.lambda_rec is None:
        style = "nested"
    return style


def trace_text(case):
    return "\n".join(case.body)


def json_ordinary(style, rng, clock, req):
    level, name, msg = ordinary(rng)
    ns = clock.step()
    if style == "pjl":
        return json.dumps({"asctime": ts_logging(ns), "levelname": level, "name": name, "message": msg})
    if style == "structlog":
        return json.dumps({"event": msg, "level": level.lower(), "logger": name, "timestamp": ts_iso(ns, 6)})
    if style == "lambda":
        if rng.random() < 0.3:
            return json.dumps({"time": ts_iso(ns, 3), "type": "platform.start",
                               "record": {"requestId": req, "version": "$LATEST"}}, separators=(",", ":"))
        return json.dumps({"timestamp": ts_iso(ns, 3), "level": level, "message": msg, "logger": "root",
                           "requestId": req}, separators=(",", ":"), ensure_ascii=False)
    return json.dumps({"ts": ts_iso(ns, 3), "severity": level.lower(), "service": name.split(".")[0] + "-svc",
                       "msg": msg}, ensure_ascii=False)


def json_record(case, style, clock, rng, req):
    ns = clock.step()
    msg = "\n".join(case.intro)
    text = trace_text(case)
    if style == "pjl":
        key = "stack_info" if case.kind == "stack" else "exc_info"
        return json.dumps({"asctime": ts_logging(ns), "levelname": case.level, "name": case.logger,
                           "message": msg, key: text})
    if style == "structlog":
        key = "stack" if case.kind == "stack" else "exception"
        return json.dumps({"event": msg, "level": case.level.lower(), "logger": case.logger,
                           "timestamp": ts_iso(ns, 6), key: text})
    if style == "lambda":
        lr = case.lambda_rec
        return json.dumps({"timestamp": ts_iso(ns, 3), "level": "ERROR", "message": msg,
                           "errorType": lr["errorType"], "errorMessage": lr["errorMessage"],
                           "stackTrace": lr["stackTrace"], "requestId": req},
                          separators=(",", ":"), ensure_ascii=False)
    err = {"kind": case.type or "stack", "message": case.message, "stack_trace": text}
    return json.dumps({"ts": ts_iso(ns, 3), "severity": case.level.lower(),
                       "service": case.logger.split(".")[0] + "-svc", "msg": msg, "error": err},
                      ensure_ascii=False)


def wrap_jsonl(case, rng):
    style = json_style_for(case)
    clock = Clock(rng)
    req = rng_uuid(rng)
    o = Out()
    for _ in range(rng.randint(2, 4)):
        o.add(json_ordinary(style, rng, clock, req))
    n = o.add(json_record(case, style, clock, rng, req))
    o.event(case, n, n, lambda_rec=case.lambda_rec if style == "lambda" else None)
    for _ in range(rng.randint(1, 3)):
        o.add(json_ordinary(style, rng, clock, req))
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
    o.event(case, ev_first, ev_last)
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
    """spans: list of (case, first, last); add events ordered by last line."""
    for case, first, last in sorted(spans, key=lambda s: s[2]):
        o.event(case, first, last)


def interleaved_prefixed(a, b, rng, style, mode):
    log = PrefixedLog(style, rng)
    o = Out()
    for _ in range(rng.randint(2, 3)):
        o.add(log.ordinary())
    pa, pb = log.pool[0], log.pool[1]
    pa.new_request()
    pb.new_request()
    contents = {"a": (a, pa, pa.contents(a)), "b": (b, pb, pb.contents(b))}
    order = interleave_order(rng, len(contents["a"][2]), len(contents["b"][2]), mode)
    pos = {"a": 0, "b": 0}
    span = {"a": [None, None], "b": [None, None]}
    for k in order:
        case, p, c = contents[k]
        ns = log.clock.step(1, 3)
        n = o.add(p.line(ns, case.level, case.logger, c[pos[k]]))
        pos[k] += 1
        span[k][0] = span[k][0] or n
        span[k][1] = n
    for _ in range(rng.randint(1, 3)):
        o.add(log.ordinary())
    finish_events(o, [(a, *span["a"]), (b, *span["b"])])
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
    finish_events(o, [(a, *span["a"]), (b, *span["b"])])
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
            if bare and o.lines and o.lines[-1] != "":
                o.add("")  # a bare trace is never glued to the previous log record
            lines = list(case.raw) if bare else logging_record(case, clock.step())
            nums = [o.add(l) for l in lines]
            o.event(case, nums[0], nums[-1])
            after_trace = True
            continue
        r = rng.random()
        if after_trace:
            # the line right after a trace is blank or starts a new log record
            line = "" if r < 0.3 else ordinary_logging(rng, clock.step())
        elif r < 0.55:
            line = ordinary_logging(rng, clock.step())
        elif r < 0.72:
            t = _dt(clock.step())
            line = ACCESS.format(a=rng.randint(0, 9), b=rng.randint(2, 254), hms=t.strftime("%H:%M:%S"),
                                 order=rng.randint(10000, 99999), size=rng.randint(120, 9000),
                                 status=rng.choice([200, 200, 200, 404, 500, 302]))
        elif r < 0.92:
            v = case_values(rng)
            v["ts"] = ts_logging(clock.step())
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
            print("%-42s rc=%-3s %-36s %s" % (case.id, case.rc, case.type[:36], case.chain), file=sys.stderr)

    manifest = {"files": {}}
    for case in cases:
        for fmt in FORMATS:
            rng = rng_for("file", case.id, fmt)
            if fmt == "stderr":
                o = wrap_stderr(case, rng)
            elif fmt == "logging":
                o = wrap_logging(case, rng)
            elif fmt == "prefixed":
                o = wrap_prefixed(case, rng)
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

    kinds = [("prefixed", "openstack"), ("prefixed", "modwsgi"), ("docker", None), ("cri", None)]
    n = 0
    for fmt, style in kinds * 3:
        n += 1
        rng = rng_for("interleaved", n)
        a, b = pick_pair(rng)
        mode = "strict" if n % 2 else "random"
        if fmt == "prefixed":
            o = interleaved_prefixed(a, b, rng, style, mode)
            name = "pair%02d-%s.interleaved.log" % (n, style)
        else:
            o = interleaved_container(a, b, rng, fmt, mode)
            name = "pair%02d-%s.interleaved.log" % (n, fmt)
        write(o, name, manifest)

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
    print("%d programs, %d cases, %d files" % (len(PROGRAM_TABLE), len(cases), len(manifest["files"])),
          file=sys.stderr)


if __name__ == "__main__":
    main()
