#!/usr/bin/env python3
"""Generate the tracefix PHP stack-trace corpus.

The traces in cases/ come from running the PHP 8.2 CLI (/usr/bin/php) on the
programs in programs/. The exceptions are the files in handwritten/
(Laravel/Monolog log records), which are written by hand and marked
"handwritten": true in manifest.json. Each program runs twice. The first run
sends errors to stderr (`log_errors=1`, `display_errors=0`, so lines start
with `PHP Fatal error:  `). The second run writes them to an error_log file
(`[21-Nov-2026 10:00:00 UTC] PHP Fatal error:  ...`). That output is wrapped
into several log formats (bare stderr, error_log, JSON lines, docker
json-file, CRI), plus interleaved and noisy variants. The ground truth goes
into manifest.json.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only. It is deterministic: timestamps and ids come from random.Random
instances seeded from SEED and the file name. PHP runs with `-n` (no
php.ini) and explicit `-d` settings. Programs are copied to fixed paths
under /tmp/tfcorpus-php before they run. error_log timestamps are the only
part of PHP's output that changes between runs, so they are replaced by the
generator's clock.
"""

import json
import re
import shutil
import subprocess
import sys
import uuid
import random
from datetime import datetime, timedelta
from pathlib import Path

LANG = "php"
HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
HANDWRITTEN = HERE / "handwritten"
CASES = HERE / "cases"
MANIFEST = HERE / "manifest.json"
WORK = Path("/tmp/tfcorpus-php")
SEED = 20261121
PHP = "/usr/bin/php"

# Install roots. "deploy-*" roots model the same service deployed in
# different places; deploy-c also gets extra lines after `<?php` so that line
# numbers differ.
ROOTS = {
    "app": WORK / "srv" / "app",
    "deploy-a": WORK / "deploy-a" / "app",
    "deploy-b": WORK / "deploy-b" / "var" / "www" / "html",
    "deploy-c": WORK / "deploy-c" / "opt" / "shop" / "releases" / "2026.11.2",
}
DEPLOY_C_HEADER = [
    "/*",
    " * Copyright (c) 2026 Example Shop GmbH. All rights reserved.",
    " *",
    " * Licensed under the Example Shop internal license, version 3.",
    " * Release 2026.11.2 (build 8841), deployed by the release pipeline.",
    " */",
    "",
    "// Release marker read by the health endpoint.",
    "// RELEASE=2026.11.2",
    "",
]

ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": str(WORK / "home"),
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TERM": "dumb",
}
PHP_BASE = ["-n", "-d", "error_reporting=-1", "-d", "date.timezone=UTC", "-d", "html_errors=0"]


# --------------------------------------------------------------------------
# Program table
# --------------------------------------------------------------------------

class Prog:
    def __init__(self, name, group, logger, msg, args=(), runs=("app",), type=None, chain=None,
                 level="CRITICAL"):
        self.name = name
        self.group = group
        self.logger = logger          # Monolog channel / service name used in JSON records
        self.msg = msg                # the application's log message in JSON records
        self.args = list(args)
        self.runs = list(runs)        # root key, "+noargs" = zend.exception_ignore_args=1,
        self.type = type              # "+both" = display_errors=stderr as well as log_errors
        self.chain = chain or [type]
        self.level = level


P = Prog
PROGRAM_TABLE = [
    # -- same bug, different deploys (shared group label)
    P("orders_typeerror", "php_checkout_qty_string", "app", "Uncaught TypeError in checkout for order {order}",
      ["{order}", "{qty}x"], runs=["deploy-a", "deploy-b", "deploy-c+noargs"], type="TypeError"),
    P("billing_charge_chain", "php_billing_card_declined", "billing", "charge failed for invoice INV-{order}",
      ["{order}"], runs=["deploy-a", "deploy-b+noargs"], type="App\\Billing\\ChargeException",
      chain=["App\\Billing\\Gateway\\CardDeclinedException", "App\\Billing\\ChargeException"]),
    P("stats_divzero", "php_daily_report_divzero", "reports", "daily report for {day} failed", ["{day}"],
      runs=["app", "app+both"], type="DivisionByZeroError"),
    # -- plain errors
    P("undefined_method", "php_cart_totl_typo", "app", "GET /cart/{n4} failed", ["{n4}"], type="Error"),
    P("null_method", "php_receipt_customer_null", "mail", "receipt mail for order {order} failed",
      ["{order}", "{cust}"], type="Error"),
    P("argument_count", "php_shipping_quote_arity", "app", "shipping estimate failed for order {order}", ["{order}"],
      type="ArgumentCountError"),
    P("value_error", "php_csv_combine_mismatch", "export", "CSV export row {n3} failed", ["{n3}"], type="ValueError"),
    P("error_exception", "php_shipment_missing_sku", "app", "shipment for order {order} failed", ["{order}"],
      type="ErrorException"),
    P("static_not_found", "php_refund_order_not_found", "app", "refund of order {order} failed", ["{order}"],
      type="App\\Domain\\OrderNotFoundException"),
    P("generator_export", "php_export_row_without_price", "export", "order export failed", ["{order}"],
      type="UnexpectedValueException"),
    P("closure_array_map", "php_stock_import_bad_qty", "import", "stock import failed", ["{n3}"],
      type="InvalidArgumentException"),
    P("long_args", "php_order_note_invalid", "app", "order {order} rejected", ["{order}"], type="DomainException"),
    # -- chains (printed oldest first, then "Next ...")
    P("import_chain3", "php_import_bad_json_chain", "queue", "job App\\Jobs\\ImportJob failed for batch {n4}",
      ["{n4}"], type="App\\Jobs\\JobFailedException",
      chain=["JsonException", "App\\Import\\BadPayloadException", "App\\Jobs\\JobFailedException"]),
    # -- vendor/ frames
    P("vendor_client", "php_inventory_acme_timeout", "sync", "stock sync for {sku} failed", ["{sku}"],
      type="Acme\\Lib\\Exception\\TransportException"),
    P("vendor_wrapped", "php_payments_capture_502", "payments", "capture failed for charge ch_{hex}", ["ch_{hex}"],
      type="App\\Payments\\CaptureFailedException",
      chain=["Acme\\Lib\\Exception\\HttpException", "App\\Payments\\CaptureFailedException"]),
]


# --------------------------------------------------------------------------
# Running the programs
# --------------------------------------------------------------------------

def setup_work():
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "home").mkdir(parents=True)
    for root in ROOTS.values():
        root.mkdir(parents=True)
        shutil.copytree(PROGRAMS / "src", root / "src")
        shutil.copytree(PROGRAMS / "vendor", root / "vendor")


def install_program(prog, root_key):
    lines = (PROGRAMS / (prog.name + ".php")).read_text(encoding="utf-8").split("\n")
    if root_key == "deploy-c":
        assert lines[0] == "<?php"
        lines = lines[:1] + DEPLOY_C_HEADER + lines[1:]
    path = ROOTS[root_key] / (prog.name + ".php")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=str(cwd), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


FATAL_PREFIXES = ("PHP Fatal error:  Uncaught ", "Fatal error: Uncaught ")
IN_FILE_RE = re.compile(r" in (/\S*|\[internal function\]|Unknown):(\d+)$")
ERRLOG_TS_RE = re.compile(r"^\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d UTC\] ")


def to_string_text(report):
    """Throwable::__toString() text of a fatal 'Uncaught' report: PHP prints
    "PHP Fatal error:  Uncaught " + (string) $e + "\\n  thrown in ... on line N"."""
    first = report[0]
    for p in FATAL_PREFIXES:
        if first.startswith(p):
            first = first[len(p):]
            break
    else:
        raise ValueError(first)
    assert report[-1].startswith("  thrown in "), report[-1]
    return [first] + report[1:-1]


def analyse(text):
    """(type, message first line, chain oldest first) of a (string) $e text.

    PHP prints the innermost (previous) exception first, then one
    "Next Class: message in file:line" section per wrapping exception."""
    sections = []
    in_msg = False
    for i, ln in enumerate(text):
        if i == 0 or (ln.startswith("Next ") and text[i - 1] == ""):
            head = ln if i == 0 else ln[len("Next "):]
            cls, _, rest = head.partition(": ")
            sections.append([cls, [rest]])
            in_msg = True
        elif in_msg:
            if ln == "Stack trace:":
                in_msg = False
            else:
                sections[-1][1].append(ln)
    chain = []
    for cls, msg in sections:
        m = IN_FILE_RE.search(msg[-1])
        assert m, msg
        msg[-1] = msg[-1][:m.start()]
        chain.append(cls)
    return chain[-1], sections[-1][1][0], chain


def fatal_spans(lines):
    """(first, last) of every 'Uncaught' report in stderr or error_log lines."""
    spans = []
    start = None
    for i, ln in enumerate(lines):
        content = ERRLOG_TS_RE.sub("", ln)
        if content.startswith(FATAL_PREFIXES):
            start = i
        elif ln.startswith("  thrown in ") and start is not None:
            spans.append((start, i))
            start = None
    return spans


def finish_bare(case, meta):
    spans = fatal_spans(case.raw)
    assert spans, case.raw[:3]
    case.raw_events = []
    for a, b in spans:
        text = to_string_text(case.raw[a:b + 1])
        t, m, c = analyse(text)
        case.raw_events.append((a, b, {"type": t, "message": m, "chain": c}))
    a, b = spans[0]
    case.report = case.raw[a:b + 1]
    case.body = to_string_text(case.report)
    case.type, case.message, case.chain = analyse(case.body)


def capture(prog, spec, index):
    root_key, _, flags = spec.partition("+")
    case = Case()
    case.id = prog.name + ("" if root_key == "app" else "-" + root_key) + ("-" + flags if flags else "")
    case.index = index
    case.group = prog.group
    rng = rng_for("case", case.id)
    case.values = case_values(rng)
    args = [a.format(**case.values) for a in prog.args]
    path = install_program(prog, root_key)
    opts = list(PHP_BASE)
    if flags == "noargs":
        opts += ["-d", "zend.exception_ignore_args=1"]
    display = "stderr" if flags == "both" else "0"
    rc, out, err = run([PHP] + opts + ["-d", "display_errors=" + display, "-d", "log_errors=1", str(path)] + args,
                       path.parent)
    case.pre = lines_of(out)
    case.raw = lines_of(err)
    finish_bare(case, None)
    # the same program again, logging to an error_log file
    errlog = WORK / "php_errors.log"
    if errlog.exists():
        errlog.unlink()
    run([PHP] + opts + ["-d", "display_errors=0", "-d", "log_errors=1", "-d", "error_log=" + str(errlog),
         str(path)] + args, path.parent)
    case.errlog = lines_of(errlog.read_text(encoding="utf-8"))
    spans = fatal_spans(case.errlog)
    assert len(spans) == 1, case.errlog
    case.errlog_span = spans[0]
    assert [ERRLOG_TS_RE.sub("", l) for l in case.errlog[spans[0][0]:spans[0][1] + 1]] == \
        [l for l in case.report], case.id
    case.intro = prog.msg.format(**case.values)
    case.logger = prog.logger
    case.level = prog.level
    if (case.type, case.chain) != (prog.type, prog.chain):
        raise SystemExit("%s: got %s %s, expected %s %s" % (case.id, case.type, case.chain, prog.type, prog.chain))
    return case


def capture_all():
    setup_work()
    cases = []
    for prog in PROGRAM_TABLE:
        for spec in prog.runs:
            cases.append(capture(prog, spec, len(cases)))
    return cases


# --------------------------------------------------------------------------
# Log formats
# --------------------------------------------------------------------------

def ts_errlog(ns):
    return _dt(ns).strftime("[%d-%b-%Y %H:%M:%S UTC] ")


def logging_record(case, ns):
    """The run's real error_log entries (warnings, then the fatal error) with
    the timestamps replaced: only the first line of each entry has one."""
    stamp = ts_errlog(ns)
    lines = [ERRLOG_TS_RE.sub(lambda m: stamp, l) for l in case.errlog]
    a, b = case.errlog_span
    return lines, a, b


ERRLOG_ORDINARY = [
    "PHP Warning:  Undefined array key \"coupon\" in {root}/src/Cart/Coupons.php on line {n2}",
    "PHP Warning:  Undefined variable $discount in {root}/src/Cart/Totals.php on line {n2}",
    "PHP Notice:  Only variables should be passed by reference in {root}/src/Export/Csv.php on line {n2}",
    "PHP Deprecated:  strlen(): Passing null to parameter #1 ($string) of type string is deprecated in "
    "{root}/src/Mail/Subject.php on line {n2}",
    "PHP Warning:  file_get_contents(/var/cache/shop/rates.json): Failed to open stream: No such file or "
    "directory in {root}/src/Fx/RateCache.php on line {n2}",
    "order {order} paid via card ending {n4}",
    "stock sync finished: {n3} SKUs updated",
    "cron: nightly export wrote {n4} rows",
]
LARAVEL_ORDINARY = [
    ("INFO", "Order {order} shipped", '{{"order":{order},"carrier":"dhl"}}'),
    ("INFO", "Payment captured", '{{"order":{order},"amount":"{n2}.90"}}'),
    ("WARNING", "Slow query", '{{"ms":{ms},"sql":"select * from `orders` where `status` = ?"}}'),
    ("DEBUG", "Cache miss", '{{"key":"pricing:{n3}"}}'),
    ("NOTICE", "Coupon expires tomorrow", '{{"coupon":"XMAS{n2}"}}'),
]


def ordinary_lines(style, rng, ns):
    v = case_values(rng)
    v["n2"] = rng.randint(10, 99)
    v["root"] = str(ROOTS["app"])
    if style == "laravel":
        level, msg, ctx = rng.choice(LARAVEL_ORDINARY)
        return ["[%s] production.%s: %s %s " % (_dt(ns).strftime("%Y-%m-%d %H:%M:%S"), level, msg.format(**v),
                                                ctx.format(**v))]
    if style == "monolog":
        level, msg, ctx = rng.choice(LARAVEL_ORDINARY)
        return ["[%s+00:00] app.%s: %s %s []" % (_dt(ns).strftime("%Y-%m-%dT%H:%M:%S.%f"), level,
                                                msg.format(**v), ctx.format(**v))]
    return [ts_errlog(ns) + rng.choice(ERRLOG_ORDINARY).format(**v)]


# -- syslog (journald) interleaving: PHP's error_log=syslog writes one entry per line
SYSLOG_IDENT = "php"


def syslog_ordinary(rng, ns, pid):
    return ordinary_lines(None, rng, ns)[0][len(ts_errlog(ns)):]


def syslog_record(case, ns, pid):
    return list(case.report), 0, len(case.report) - 1


# -- JSON lines: the (string) $e text in one field
JSON_STYLES = ("monolog_json", "ecs", "nested")
LEVELS = {"DEBUG": 100, "INFO": 200, "NOTICE": 250, "WARNING": 300, "ERROR": 400, "CRITICAL": 500}


def json_ordinary(style, rng, ns, ctx):
    level, msg, c = rng.choice(LARAVEL_ORDINARY)
    v = case_values(rng)
    v["n2"] = rng.randint(10, 99)
    msg = msg.format(**v)
    if style == "monolog_json":
        return json.dumps({"message": msg, "context": json.loads(c.format(**v)), "level": LEVELS[level],
                           "level_name": level, "channel": "app",
                           "datetime": _dt(ns).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), "extra": {}},
                          separators=(",", ":"))
    if style == "ecs":
        return json.dumps({"@timestamp": ts_iso(ns, 6), "log.level": level.lower(), "message": msg,
                           "ecs.version": "8.11.0", "log.logger": "app"}, separators=(",", ":"))
    return json.dumps({"ts": ts_iso(ns, 3), "severity": level.lower(), "service": "shop-php", "msg": msg})


def json_record(case, style, ns, ctx):
    text = "\n".join(case.body)
    if style == "monolog_json":
        return json.dumps({"message": case.intro, "context": {"exception": text}, "level": LEVELS[case.level],
                           "level_name": case.level, "channel": case.logger,
                           "datetime": _dt(ns).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), "extra": {}},
                          separators=(",", ":"))
    if style == "ecs":
        return json.dumps({"@timestamp": ts_iso(ns, 6), "log.level": case.level.lower(), "message": case.intro,
                           "ecs.version": "8.11.0", "log.logger": case.logger, "error.type": case.type,
                           "error.message": case.message, "error.stack_trace": text}, separators=(",", ":"))
    return json.dumps({"ts": ts_iso(ns, 3), "severity": case.level.lower(), "service": "shop-php",
                       "msg": case.intro, "error": {"kind": case.type, "message": case.message,
                                                    "stack_trace": text}})


# -- noisy files: warnings and prose that are not traces
PROSE = [
    "PHP Warning:  Undefined variable $discount in {root}/src/Cart/Totals.php on line {n2}",
    "PHP Warning:  Undefined array key 3 in {root}/src/Export/Csv.php on line {n2}",
    "PHP Deprecated:  Creation of dynamic property App\\Cart\\Cart::$legacy is deprecated in "
    "{root}/src/Cart/Cart.php on line {n2}",
    "Warning: Undefined variable $total in {root}/src/Cart/Totals.php on line {n2}",
    "{errlog}PHP Warning:  Undefined variable $x in {root}/src/Reports/Daily.php on line {n2}",
    "{errlog}PHP Notice:  Undefined offset: 1 in {root}/src/Import/Rows.php on line {n2}",
    "Stack trace: none (error_log trimmed by logrotate)",
    "#0 step: warm opcache ({n3} scripts)",
    "#1 step: run migrations",
    "from here the queue worker takes over",
    "{errlog}Error: none in the last 5 minutes (0 errors / {n4} requests)",
    "{fpm} NOTICE: fpm is running, pid 1",
    "{fpm} NOTICE: ready to handle connections",
    "{fpm} WARNING: [pool www] server reached pm.max_children setting (5), consider raising it",
    "{fpm} NOTICE: [pool www] child {n3} exited with code 0 after 3600.{n3} seconds from start",
    "note: \"thrown in\" only counts right after a Stack trace",
]
ACCESS = '10.0.{a}.{b} - - [{hms}] "GET /index.php?route=orders/{order} HTTP/1.1" {status} {size}'


def noise_lines(rng, clock):
    r = rng.random()
    ns = clock.step()
    if r < 0.45:
        return ordinary_lines(None, rng, ns)
    v = case_values(rng)
    v["n2"] = rng.randint(10, 99)
    v["root"] = str(ROOTS["app"])
    v["errlog"] = ts_errlog(ns)
    v["fpm"] = _dt(ns).strftime("[%d-%b-%Y %H:%M:%S]")
    if r < 0.6:
        v["hms"] = ts_access(ns)
        return [ACCESS.format(**v)]
    if r < 0.92:
        return [rng.choice(PROSE).format(**v)]
    return [""]


NEW_RECORD_RE = re.compile(r"^(?:\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d|\[\d{4}-\d\d-\d\d[ T]|PHP [A-Z][a-z]+"
                           r"(?: [a-z]+)?: |(?:Fatal error|Warning|Notice|Deprecated): |\{|\d+\.\d+\.\d+\.\d+ - )")


def is_new_record(content):
    return bool(NEW_RECORD_RE.match(content))

# ==========================================================================
# Shared part. This section is identical in tests/corpus/ruby/generate.py,
# tests/corpus/php/generate.py and tests/corpus/dotnet/generate.py; keep the
# three copies in sync. It mirrors tests/corpus/python/generate.py: the same
# clock, rng, docker/CRI encoding, interleaving and noisy-file rules.
# ==========================================================================

SPLIT = 16384  # docker json-file and containerd CRI split lines at 16 KiB
FORMATS = ("stderr", "logging", "jsonl", "docker", "cri")
RECORD_FORMATS = ("logging", "docker", "cri")


def rng_for(*parts):
    return random.Random(":".join([str(SEED)] + [str(p) for p in parts]))


def rng_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def case_values(rng):
    return {
        "order": rng.randint(10000, 99999),
        "req": rng_uuid(rng),
        "uuid": rng_uuid(rng),
        "n3": rng.randint(100, 999),
        "n4": rng.randint(1000, 9999),
        "cust": rng.randint(100000, 999999),
        "qty": rng.randint(5, 9),
        "port": rng.choice([8000, 8080, 8443, 9090]),
        "ms": rng.randint(1500, 9000),
        "hex": "%012x" % rng.getrandbits(48),
        "day": "2026-11-%02d" % rng.randint(1, 20),
        "tenant": rng.choice(["acme", "globex", "initech", "umbrella"]),
        "queue": rng.choice(["emails", "invoices", "exports", "webhooks"]),
        "currency": rng.choice(["JPY", "CHF", "SEK"]),
        "env": rng.choice(["Staging", "Production", "Canary"]),
        "sku": "SKU-%d" % rng.randint(1000, 9999),
        "a": rng.randint(0, 9),
        "b": rng.randint(2, 254),
        "status": rng.choice([200, 200, 200, 201, 204, 302, 404]),
        "size": rng.randint(120, 9000),
    }


BASE_TIME = datetime(2026, 11, 21, 0, 0, 0)


class Clock:
    """Nanoseconds since BASE_TIME, advanced by random steps."""

    def __init__(self, rng, start_ns=None):
        self.rng = rng
        if start_ns is None:
            self.ns = rng.randint(8 * 3600, 17 * 3600) * 10**9 + rng.randint(0, 10**9 - 1)
        else:
            self.ns = start_ns

    def step(self, lo_ms=5, hi_ms=1500):
        self.ns += self.rng.randint(lo_ms * 10**6, hi_ms * 10**6)
        return self.ns

    def tiny(self):
        self.ns += self.rng.randint(15_000, 900_000)
        return self.ns


def _dt(ns):
    return BASE_TIME + timedelta(microseconds=ns // 1000)


def ns_of(dt):
    delta = dt - BASE_TIME
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def ts_iso(ns, digits):
    frac = "%09d" % (ns % 10**9)
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac[:digits] if digits else "") + "Z"


def ts_cri(ns):
    # Go's time.RFC3339Nano drops trailing zeros of the fraction
    frac = ("%09d" % (ns % 10**9)).rstrip("0")
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def ts_syslog(ns):
    d = _dt(ns)
    return d.strftime("%b ") + ("%2d" % d.day) + d.strftime(" %H:%M:%S")


def ts_access(ns):
    return _dt(ns).strftime("%d/%b/%Y:%H:%M:%S +0000")


def lines_of(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class Case:
    """One trace. Bare cases have `raw` (what the runtime printed on stderr,
    with `raw_events` spans in it) and `body` (the trace as a logger writes
    it). Record cases (hand-written framework log records) have `rec_lines`
    and `rec_events` instead."""

    def __init__(self):
        self.pre = []
        self.raw = []
        self.raw_events = []      # (first_idx, last_idx, info) into raw
        self.body = []
        self.intro = ""
        self.level = "ERROR"
        self.logger = ""
        self.handwritten = False
        self.record = False
        self.rec_lines = []
        self.rec_events = []      # (first_idx, last_idx, info) into rec_lines
        self.rec_style = None
        self.rec_stream = "stdout"
        self.rec_start_ns = None
        self.values = {}
        self.extra = {}

    def info(self):
        return {"type": self.type, "message": self.message, "chain": list(self.chain)}


def event_dict(case, info, first, last):
    return {"first_line": first, "last_line": last, "type": info["type"], "message": info["message"],
            "chain": list(info["chain"]), "group": case.group, "kind": "exception", "language": LANG,
            "handwritten": bool(case.handwritten)}


class Out:
    def __init__(self):
        self.lines = []
        self.events = []
        self.expect = []   # per event: (first content, last content) for the self-check

    def add(self, line):
        assert "\n" not in line, line[:80]
        self.lines.append(line)
        return len(self.lines)

    def event(self, case, info, first, last, first_content, last_content):
        self.events.append(event_dict(case, info, first, last))
        self.expect.append((first_content, last_content))

    def sort_events(self):
        order = sorted(range(len(self.events)),
                       key=lambda i: (self.events[i]["last_line"], self.events[i]["first_line"]))
        self.events = [self.events[i] for i in order]
        self.expect = [self.expect[i] for i in order]


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


# --------------------------------------------------------------------------
# Wrappers for one case
# --------------------------------------------------------------------------

def wrap_stderr(case, rng):
    o = Out()
    for l in case.pre[:2]:
        o.add(l)
    base = len(o.lines)
    for l in case.raw:
        o.add(l)
    for i0, i1, info in case.raw_events:
        o.event(case, info, base + i0 + 1, base + i1 + 1, case.raw[i0], case.raw[i1])
    if rng.random() < 0.5:
        o.add("")
    o.sort_events()
    return o


def record_for(case, ns):
    """(lines, spans) of the case's record in the logging variant, written at ns."""
    if case.record:
        return list(case.rec_lines), list(case.rec_events)
    lines, i0, i1 = logging_record(case, ns)
    return lines, [(i0, i1, case.info())]


def build_logging(case):
    """The logging variant of a case.

    Returns (seq, spans): seq is a list of (line, stream, ns) where ns is when
    the line was written; spans are (first_idx, last_idx, info) into seq.
    docker/cri wrap exactly these lines, so they are built from a fixed rng.
    """
    rng = rng_for("file", case.id, "logging")
    style = case.rec_style if case.record else None
    start = None
    if case.record:
        start = case.rec_start_ns - rng.randint(3, 20) * 10**9
    clock = Clock(rng, start)
    seq = []
    for _ in range(rng.randint(2, 4)):
        ns = clock.step()
        for l in ordinary_lines(style, rng, ns):
            seq.append((l, "stdout", ns))
    if case.record:
        clock.ns = max(clock.ns, case.rec_start_ns)
    ns = clock.step()
    lines, spans = record_for(case, ns)
    stream = case.rec_stream if case.record else "stderr"
    base = len(seq)
    for i, l in enumerate(lines):
        seq.append((l, stream, ns if i == 0 else clock.tiny()))
    spans = [(base + a, base + b, info) for a, b, info in spans]
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        for l in ordinary_lines(style, rng, ns):
            seq.append((l, "stdout", ns))
    return seq, spans


def wrap_logging(case, rng):
    seq, spans = build_logging(case)
    o = Out()
    for l, _s, _ns in seq:
        o.add(l)
    for a, b, info in spans:
        o.event(case, info, a + 1, b + 1, seq[a][0], seq[b][0])
    o.sort_events()
    return o


def wrap_container(case, rng, fmt):
    """Every line of the logging variant, as docker json-file or CRI records."""
    seq, spans = build_logging(case)
    latency = rng.randint(40_000, 900_000)
    o = Out()
    first_phys = []
    last_phys = []
    for line, stream, ns in seq:
        nums = [o.add(p) for p in container_physical(fmt, line, stream, ns + latency)]
        first_phys.append(nums[0])
        last_phys.append(nums[-1])
    for a, b, info in spans:
        o.event(case, info, first_phys[a], last_phys[b], seq[a][0], seq[b][0])
    o.sort_events()
    return o


def wrap_jsonl(case, rng):
    style = JSON_STYLES[case.index % len(JSON_STYLES)]
    clock = Clock(rng)
    ctx = {"req": rng_uuid(rng), "pid": rng.randint(7, 4000)}
    o = Out()
    for _ in range(rng.randint(2, 4)):
        o.add(json_ordinary(style, rng, clock.step(), ctx))
    rec = json_record(case, style, clock.step(), ctx)
    n = o.add(rec)
    o.event(case, case.info(), n, n, rec, rec)
    for _ in range(rng.randint(1, 3)):
        o.add(json_ordinary(style, rng, clock.step(), ctx))
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


def interleaved_syslog(a, b, rng, mode):
    """Two processes of the same service logging through journald/syslog: every
    line carries `<Mon DD HH:MM:SS> <host> <ident>[<pid>]: `; the pids differ."""
    clock = Clock(rng)
    host = rng.choice(["web-1", "web-2", "worker-3"])
    pids = rng.sample(range(1200, 65000), 3)
    o = Out()

    def prefix(pid, ns):
        return "%s %s %s[%d]: " % (ts_syslog(ns), host, SYSLOG_IDENT, pid)

    for _ in range(rng.randint(2, 3)):
        ns = clock.step()
        pid = rng.choice(pids)
        o.add(prefix(pid, ns) + syslog_ordinary(rng, ns, pid))
    recs = {}
    for k, case, pid in (("a", a, pids[0]), ("b", b, pids[1])):
        lines, i0, i1 = syslog_record(case, clock.ns, pid)
        recs[k] = (case, pid, lines, i0, i1)
    order = interleave_order(rng, len(recs["a"][2]), len(recs["b"][2]), mode)
    pos = {"a": 0, "b": 0}
    phys = {"a": [], "b": []}
    for k in order:
        case, pid, lines, _i0, _i1 = recs[k]
        ns = clock.step(1, 3)
        phys[k].append(o.add(prefix(pid, ns) + lines[pos[k]]))
        pos[k] += 1
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        o.add(prefix(pids[2], ns) + syslog_ordinary(rng, ns, pids[2]))
    for k in ("a", "b"):
        case, pid, lines, i0, i1 = recs[k]
        o.event(case, case.info(), phys[k][i0], phys[k][i1], lines[i0], lines[i1])
    o.sort_events()
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
        for l in ordinary_lines(None, rng, ns):
            emit(l, "stdout", ns)
    recs = {"a": [a, None, "stdout"], "b": [b, None, "stderr"]}
    sizes = {k: len(record_for(v[0], 0)[0]) for k, v in recs.items()}
    order = interleave_order(rng, sizes["a"], sizes["b"], mode)
    pos = {"a": 0, "b": 0}
    phys = {"a": [], "b": []}
    for k in order:
        rec = recs[k]
        if rec[1] is None:
            ns = clock.step(1, 20)
            rec[1] = record_for(rec[0], ns)
        else:
            ns = clock.tiny()
        lines = rec[1][0]
        phys[k].append(emit(lines[pos[k]], rec[2], ns))
        pos[k] += 1
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        for l in ordinary_lines(None, rng, ns):
            emit(l, "stdout", ns)
    for k in ("a", "b"):
        case, (lines, spans), _stream = recs[k]
        for i0, i1, info in spans:
            o.event(case, info, phys[k][i0][0], phys[k][i1][1], lines[i0], lines[i1])
    o.sort_events()
    return o


def noisy_file(picks, rng):
    """52-70 ordinary lines (log records, access lines, prose about errors, blanks) with traces."""
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
                    o.add("")  # a bare trace is never glued to the previous log record
                lines, spans = list(case.raw), list(case.raw_events)
            else:
                lines, spans = record_for(case, clock.step())
            nums = [o.add(l) for l in lines]
            for i0, i1, info in spans:
                o.event(case, info, nums[i0], nums[i1], lines[i0], lines[i1])
            after_trace = True
            continue
        if after_trace:
            # the line right after a trace is blank or starts a new log record
            line = "" if rng.random() < 0.3 else ordinary_lines(None, rng, clock.step())[0]
            o.add(line)
        else:
            for line in noise_lines(rng, clock):
                o.add(line)
        after_trace = False
        noise_done += 1
    assert pick_i == len(picks)
    o.sort_events()
    return o


# --------------------------------------------------------------------------
# Hand-written traces
# --------------------------------------------------------------------------

HEADER_END = "# --- end of header"


def read_handwritten(path):
    """Split a handwritten/ file into (meta dict, header comment lines, content lines)."""
    text = path.read_text(encoding="utf-8")
    lines = lines_of(text)
    header = []
    meta = None
    for i, l in enumerate(lines):
        if l.startswith(HEADER_END):
            content = lines[i + 1:]
            break
        assert l.startswith("#"), "%s: header line without #: %r" % (path.name, l)
        header.append(l)
        if l.startswith("# meta: "):
            meta = json.loads(l[len("# meta: "):])
    else:
        raise SystemExit("%s: no '%s' line" % (path.name, HEADER_END))
    assert meta is not None, "%s: no '# meta:' line" % path.name
    assert any("HANDWRITTEN" in h for h in header), "%s: header must say HANDWRITTEN" % path.name
    while content and content[-1] == "":
        content.pop()
    return meta, header, content


def load_handwritten(start_index):
    cases = []
    for path in sorted(HANDWRITTEN.glob("*.txt")):
        meta, _header, content = read_handwritten(path)
        case = Case()
        case.id = "hw-" + path.stem
        case.index = start_index + len(cases)
        case.group = meta["group"]
        case.handwritten = True
        case.extra = meta
        case.values = case_values(rng_for("case", case.id))
        case.level = meta.get("level", "ERROR")
        case.logger = meta.get("logger", "")
        case.intro = meta.get("intro", "")
        if meta["style"] == "bare":
            case.raw = content
            finish_bare(case, meta)
        else:
            case.record = True
            case.rec_style = meta["style"]
            case.rec_stream = meta.get("stream", "stdout")
            case.rec_start_ns = ns_of(datetime.strptime(meta["time"], "%Y-%m-%d %H:%M:%S"))
            case.rec_lines = content
            first, last = meta.get("event", [1, len(content)])
            case.type, case.message, case.chain = meta["type"], meta["message"], meta["chain"]
            case.rec_events = [(first - 1, last - 1, case.info())]
            text = "\n".join(content)
            assert meta["type"] in text or meta["type"].replace("\\", "\\\\") in text, \
                "%s: type %r not in content" % (path.name, meta["type"])
        for key in ("type", "chain"):
            assert getattr(case, key) == meta[key], "%s: analysed %s %r != meta %r" % (
                path.name, key, getattr(case, key), meta[key])
        if "message" in meta:
            assert case.message == meta["message"], "%s: message %r != meta %r" % (
                path.name, case.message, meta["message"])
        cases.append(case)
    return cases


# --------------------------------------------------------------------------
# Self-check of the written files
# --------------------------------------------------------------------------

CRI_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$")
SYSLOG_RE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ (\S+\[\d+\]): ")


def decode_file(name, lines):
    """Per physical line: (content or None for a partial piece, writer key)."""
    out = []
    if "docker" in name:
        buf = {}
        for l in lines:
            rec = json.loads(l)
            assert set(rec) == {"log", "stream", "time"}, l[:80]
            s, piece = rec["stream"], rec["log"]
            if not piece.endswith("\n"):
                assert len(piece.encode()) == SPLIT, "%s: partial docker piece of %d bytes" % (name, len(piece))
                buf[s] = buf.get(s, "") + piece
                out.append((None, s))
            else:
                out.append((buf.pop(s, "") + piece[:-1], s))
        return out
    if ".cri." in name or "-cri." in name:
        buf = {}
        for l in lines:
            m = CRI_RE.match(l)
            assert m, "%s: not a CRI line: %r" % (name, l[:80])
            s, tag, piece = m.group(2), m.group(3), m.group(4)
            if tag == "P":
                assert len(piece.encode()) == SPLIT, "%s: CRI P piece of %d bytes" % (name, len(piece))
                buf[s] = buf.get(s, "") + piece
                out.append((None, s))
            else:
                out.append((buf.pop(s, "") + piece, s))
        return out
    if "-syslog." in name:
        for l in lines:
            m = SYSLOG_RE.match(l)
            assert m, "%s: not a syslog line: %r" % (name, l[:80])
            out.append((l[m.end():], m.group(1)))
        return out
    return [(l, "-") for l in lines]


def selfcheck(name, o):
    where = "cases/" + name
    decoded = decode_file(name, o.lines)
    prev_last = 0
    for ev, (want_first, want_last) in zip(o.events, o.expect):
        f, l = ev["first_line"], ev["last_line"]
        assert 1 <= f <= l <= len(o.lines), (where, ev)
        assert l >= prev_last, (where, "events not ordered by last_line")
        prev_last = l
        first, writer = decoded[f - 1]
        last, writer2 = decoded[l - 1]
        assert writer == writer2, (where, f, l, "event spans two writers")
        assert first == want_first, (where, f, first, want_first)
        assert last == want_last, (where, l, last, want_last)
        assert ev["type"] and ev["chain"] and ev["chain"][-1] == ev["type"], (where, ev)
        assert "\n" not in ev["message"], (where, ev)
        if name.endswith(".jsonl.log"):
            json.loads(o.lines[f - 1])
            continue
        # what follows the event: EOF, a blank line, a new record, or another writer's line
        for nxt, w in decoded[l:]:
            if nxt is None:
                continue
            assert w != writer or nxt == "" or is_new_record(nxt), \
                (where, "line after event at %d does not start a record: %r" % (l, nxt[:100]))
            break


def check_size(path):
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024, "corpus is %d bytes, over 5 MB" % total
    return total


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def write(out, name, manifest):
    selfcheck(name, out)
    path = CASES / name
    text = "\n".join(out.lines) + "\n"
    path.write_text(text, encoding="utf-8")
    entry = {"events": out.events}
    if out.events and all(e["handwritten"] for e in out.events):
        entry["handwritten"] = True   # file-level mark too, as in the node corpus
    manifest["files"]["cases/" + name] = entry


def main():
    if CASES.exists():
        shutil.rmtree(CASES)
    CASES.mkdir()
    cases = capture_all()
    for c in cases:
        print("%-44s %-40s %s" % (c.id, c.type[:40], c.chain), file=sys.stderr)
    hw = load_handwritten(len(cases))
    for c in hw:
        print("%-44s %-40s %s (handwritten)" % (c.id, c.type[:40], c.chain), file=sys.stderr)
    cases += hw

    manifest = {"language": LANG, "files": {}}
    for case in cases:
        for fmt in (RECORD_FORMATS if case.record else FORMATS):
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

    # Cases suitable for mixing: bare, short lines, not too long
    mixable = [c for c in cases if not c.record and max(len(l) for l in c.raw) < 400 and len(c.raw) < 60]

    def pick_pair(rng):
        a = rng.choice(mixable)
        b = rng.choice([c for c in mixable if c.group != a.group])
        return a, b

    n = 0
    for fmt in ("syslog", "docker", "cri") * 3:
        n += 1
        rng = rng_for("interleaved", n)
        a, b = pick_pair(rng)
        mode = "strict" if n % 2 else "random"
        if fmt == "syslog":
            o = interleaved_syslog(a, b, rng, mode)
        else:
            o = interleaved_container(a, b, rng, fmt, mode)
        write(o, "pair%02d-%s.interleaved.log" % (n, fmt), manifest)

    for n in range(1, 9):
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
    size = check_size(HERE)
    n_events = sum(len(v["events"]) for v in manifest["files"].values())
    print("%d cases (%d handwritten), %d files, %d events, %.1f MB" % (
        len(cases), len(hw), len(manifest["files"]), n_events, size / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
