#!/usr/bin/env python3
"""Generate the tracefix Ruby backtrace corpus.

The traces in cases/ come from running Ruby 3.1 (/usr/bin/ruby) on the
programs in programs/. The exceptions are the files in handwritten/ (Ruby 3.4
format and Rails production.log blocks), which are written by hand and marked
"handwritten": true in manifest.json. The captured output is wrapped into
several log formats (bare stderr, Ruby Logger, JSON lines, docker json-file,
CRI), plus interleaved and noisy variants. The ground truth goes into
manifest.json.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only. It is deterministic: timestamps and ids come from random.Random
instances seeded from SEED and the file name. Ruby runs under `setarch -R`
(no ASLR, so object addresses such as #<Thread:0x00007ffff...> repeat) with a
fixed minimal environment. Programs are copied to fixed paths under
/tmp/tfcorpus-ruby, and the fake gem to /usr/local/bundle/gems/acme-1.2.3,
before they run.
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

LANG = "ruby"
HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
HANDWRITTEN = HERE / "handwritten"
CASES = HERE / "cases"
MANIFEST = HERE / "manifest.json"
WORK = Path("/tmp/tfcorpus-ruby")
GEM_DIR = Path("/usr/local/bundle/gems/acme-1.2.3")
SEED = 20261121
RUBY = "/usr/bin/ruby"

# Install roots. "deploy-*" roots model the same service deployed in
# different places; deploy-c also gets extra lines at the top of the file so
# that line numbers differ.
ROOTS = {
    "app": WORK / "srv" / "app",
    "deploy-a": WORK / "deploy-a" / "app",
    "deploy-b": WORK / "deploy-b" / "srv" / "www" / "app",
    "deploy-c": WORK / "deploy-c" / "opt" / "shop" / "releases" / "2026.11.2" / "app",
}
DEPLOY_C_HEADER = [
    "# Copyright (c) 2026 Example Shop GmbH. All rights reserved.",
    "#",
    "# Licensed under the Example Shop internal license, version 3.",
    "# Release 2026.11.2 (build 8841), deployed by the release pipeline.",
    "# frozen_string_literal: false",
    "",
    "require \"logger\"",
    "",
    "RELEASE = ENV.fetch(\"RELEASE\", \"2026.11.2\")",
    "",
]

ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": str(WORK / "home"),
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TERM": "dumb",
    "NO_COLOR": "1",
}


# --------------------------------------------------------------------------
# Program table
# --------------------------------------------------------------------------

class Prog:
    def __init__(self, name, group, logger, msg, args=(), runs=("app",), type=None, chain=None,
                 relative=False, level="ERROR"):
        self.name = name
        self.group = group
        self.logger = logger          # Logger progname ("" for none)
        self.msg = msg                # the application's log message (intro line)
        self.args = list(args)
        self.runs = list(runs)
        self.type = type              # expected, checked against the analysed output
        self.chain = chain or [type]
        self.relative = relative      # run as `ruby prog.rb` from its directory
        self.level = level


P = Prog
PROGRAM_TABLE = [
    # -- same bug, different deploys (shared group label)
    P("orders_nil", "rb_orders_nil_customer", "", "failed to charge order {order}", ["{order}", "{cust}"],
      runs=["deploy-a", "deploy-b", "deploy-c"], type="NoMethodError"),
    P("billing_charge_error", "rb_billing_card_declined", "", "charge failed for invoice INV-{order}", ["{order}"],
      runs=["deploy-a", "deploy-b"], type="Billing::ChargeError",
      chain=["Billing::Gateway::CardDeclined", "Billing::ChargeError"]),
    # -- plain errors
    P("stats_zerodivision", "rb_daily_report_zerodivision", "reports", "daily report for {day} failed", ["{day}"],
      type="ZeroDivisionError"),
    P("config_keyerror", "rb_settings_missing_database_url", "", "boot failed", ["{tenant}"], type="KeyError",
      level="FATAL"),
    P("frozen_error", "rb_fx_frozen_currency", "fx", "conversion failed for account {cust}", ["{cust}"],
      type="FrozenError"),
    P("name_error", "rb_cart_discont_typo", "", "cart total failed for cart {n4}", ["{n3}"], type="NameError"),
    P("type_error", "rb_invoice_string_price", "billing", "invoice INV-{order} could not be totalled", ["{n3}"],
      type="TypeError"),
    P("argument_error", "rb_shipping_quote_arity", "", "shipping estimate failed for order {order}", ["{order}"],
      type="ArgumentError"),
    P("errno_enoent", "rb_tls_cert_missing", "tls", "TLS setup failed for tenant {tenant}", ["{tenant}"],
      type="Errno::ENOENT"),
    P("timeout_error", "rb_export_timeout", "reports", "export of {n4} pages aborted", ["{n4}"], type="Timeout::Error"),
    # -- messages
    P("toplevel_multiline", "rb_release_config_rejected", "", "release check failed", ["{hex}"], type="RuntimeError",
      relative=True, level="FATAL"),
    P("custom_no_message", "rb_fraud_declined_nomsg", "", "payment blocked by fraud check", ["{score}"],
      type="Billing::Declined", relative=True),
    # -- causes
    P("import_cause_chain", "rb_import_bad_json_chain", "sidekiq", "Jobs::ImportJob failed for batch {n4}", ["{n4}"],
      type="Jobs::JobFailed", chain=["JSON::ParserError", "Importer::BadPayload", "Jobs::JobFailed"]),
    # -- blocks, threads, recursion
    P("block_levels", "rb_stock_import_bad_qty", "", "stock import failed", ["{n3}"], type="ArgumentError"),
    P("thread_worker", "rb_mailer_thread_missing_to", "", "mailer thread crashed", ["{n4}"], type="KeyError"),
    P("recursion", "rb_category_cycle_depth", "", "category depth failed for {cat}", ["{cat}"],
      type="SystemStackError"),
    # -- gem frames (/usr/local/bundle/gems/acme-1.2.3)
    P("gem_acme_timeout", "rb_inventory_acme_timeout", "sidekiq", "inventory sync for {sku} failed", ["{sku}"],
      type="Acme::TimeoutError"),
    P("gem_acme_wrapped", "rb_payments_capture_502", "", "capture failed for charge ch_{hex}", ["ch_{hex}"],
      type="Payments::CaptureFailed", chain=["Acme::HTTPError", "Payments::CaptureFailed"]),
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
        shutil.copytree(PROGRAMS / "lib", root / "lib")
    if GEM_DIR.exists():
        shutil.rmtree(GEM_DIR)
    shutil.copytree(PROGRAMS / "gems" / GEM_DIR.name, GEM_DIR)


def install_program(prog, root_key):
    src = (PROGRAMS / (prog.name + ".rb")).read_text(encoding="utf-8")
    if root_key == "deploy-c":
        src = "\n".join(DEPLOY_C_HEADER) + "\n" + src
    path = ROOTS[root_key] / (prog.name + ".rb")
    path.write_text(src, encoding="utf-8")
    return path


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=str(cwd), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


# `path:line:in `label': message (Class)`, Ruby <= 3.3 quotes with `…', 3.4 with '…'
HEADER_RE = re.compile(r"^(?P<loc>\S.*?:\d+:in [`'](?P<label>.*?)'): (?P<msg>.*) \((?P<cls>[A-Z][\w:]*)\)$")
THREAD_RE = re.compile(r"^#<Thread:0x[0-9a-f]+.* terminated with exception \(report_on_exception is true\):$")


def analyse(body):
    """(type, message first line, chain oldest first) of a Ruby error report as printed.

    The first header is the exception that was raised last; each cause follows
    with its own header line (`file:line:in `m': msg (Class)`)."""
    heads = []
    for ln in body:
        if ln.startswith("\t"):
            continue
        m = HEADER_RE.match(ln)
        if m:
            heads.append((m.group("cls"), m.group("msg")))
    if not heads:
        raise ValueError("no header in %r" % body[:3])
    return heads[0][0], heads[0][1], [h[0] for h in reversed(heads)]


def finish_bare(case, meta):
    """Fill type/message/chain, body and raw_events from case.raw."""
    raw_intro = 1 if case.raw and THREAD_RE.match(case.raw[0]) else 0
    case.body = case.raw[raw_intro:]
    case.type, case.message, case.chain = analyse(case.body)
    case.raw_events = [(0, len(case.raw) - 1, case.info())]
    case.pid = rng_for("pid", case.id).randint(7, 4000)


def capture(prog, root_key, index):
    case = Case()
    case.id = prog.name + ("" if root_key == "app" else "-" + root_key)
    case.index = index
    case.group = prog.group
    rng = rng_for("case", case.id)
    case.values = case_values(rng)
    case.values["cat"] = rng.choice(["shoes", "apparel", "garden"])
    case.values["score"] = rng.randint(81, 99)
    args = [a.format(**case.values) for a in prog.args]
    path = install_program(prog, root_key)
    script = path.name if prog.relative else str(path)
    # Object addresses (#<Thread:0x...>, #<Checkout::Cart:0x...>) repeat under
    # setarch -R, but not always (Ruby's hash seed is random). Run 5 times and
    # keep the most frequent output.
    outs = [run(["setarch", "-R", RUBY, script] + args, path.parent)[1:] for _ in range(5)]
    out, err = max(sorted(set(outs)), key=outs.count)
    case.pre = lines_of(out)
    case.raw = lines_of(err)
    while case.raw and case.raw[-1] == "":
        case.raw.pop()
    finish_bare(case, None)
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
        for root_key in prog.runs:
            cases.append(capture(prog, root_key, len(cases)))
    return cases


# --------------------------------------------------------------------------
# Log formats
# --------------------------------------------------------------------------

def ts_logger(ns):
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S.%f")


def logger_line(severity, ns, pid, progname, msg):
    """Ruby's Logger::Formatter: "%s, [%s #%d] %5s -- %s: %s"."""
    return "%s, [%s #%d] %5s -- %s: %s" % (severity[0], ts_logger(ns), pid, severity, progname, msg)


def logging_record(case, ns):
    """logger.error("#{intro}\\n#{e.full_message(highlight: false)}"): only the first line has the prefix."""
    lines = [logger_line(case.level, ns, case.pid, case.logger, case.intro)] + list(case.body)
    return lines, 0, len(lines) - 1


ORDINARY = [
    ("INFO", "", "Completed 200 OK in {ms}ms (Views: 12.4ms | ActiveRecord: 3.1ms | Allocations: 8812)"),
    ("INFO", "", "order {order} created for customer {cust}"),
    ("INFO", "", "order {order} paid via card ending {n4}"),
    ("INFO", "sidekiq", "Jobs::ExportJob JID-{hex} start"),
    ("INFO", "sidekiq", "Jobs::ExportJob JID-{hex} done: 1.{n3} sec"),
    ("WARN", "", "payment gateway latency {ms}ms exceeds 1000ms budget"),
    ("INFO", "", "reserved {qty} units of {sku}"),
    ("DEBUG", "", "cache hit ratio 0.{n3} over last 60s"),
    ("WARN", "", "rate limit at 80% for client key ck_{hex}"),
    ("INFO", "", "health check ok (db=2ms, redis=1ms)"),
    ("INFO", "", "invoice INV-{order} sent to billing+{n3}@example.com"),
]

RAILS_ORDINARY = [
    'Started GET "/orders/{order}" for 10.0.{a}.{b} at {rails_ts}',
    "Processing by OrdersController#show as HTML",
    '  Parameters: {{"id"=>"{order}"}}',
    '  Order Load (0.{n3}ms)  SELECT "orders".* FROM "orders" WHERE "orders"."id" = $1 LIMIT $2  [["id", {order}], ["LIMIT", 1]]',
    "Completed 200 OK in {qty}ms (Views: 4.1ms | ActiveRecord: 0.9ms | Allocations: 2211)",
    'Started POST "/cart/items" for 10.0.{a}.{b} at {rails_ts}',
    "Redirected to https://shop.example.com/cart",
    "Completed 302 Found in {qty}ms (ActiveRecord: 1.2ms | Allocations: 1980)",
]


def ordinary_lines(style, rng, ns):
    v = case_values(rng)
    pid = rng.choice([1, 7, 9])
    if style == "rails":
        v["rails_ts"] = _dt(ns).strftime("%Y-%m-%d %H:%M:%S +0000")
        msg = "[%s] %s" % (v["req"], rng.choice(RAILS_ORDINARY).format(**v))
        return [logger_line("DEBUG" if "Load (" in msg else "INFO", ns, pid, "", msg)]
    level, progname, msg = rng.choice(ORDINARY)
    return [logger_line(level, ns, pid, progname, msg.format(**v))]


# -- syslog (journald) interleaving: a Logger record inside the syslog prefix
SYSLOG_IDENT = "puma"


def syslog_ordinary(rng, ns, pid):
    level, progname, msg = rng.choice(ORDINARY)
    return logger_line(level, ns, pid, progname, msg.format(**case_values(rng)))


def syslog_record(case, ns, pid):
    lines = [logger_line(case.level, ns, pid, case.logger, case.intro)] + list(case.body)
    return lines, 0, len(lines) - 1


# -- JSON lines
JSON_STYLES = ("logger_json", "ecs", "nested")


def json_ordinary(style, rng, ns, ctx):
    level, progname, msg = rng.choice(ORDINARY)
    msg = msg.format(**case_values(rng))
    if style == "logger_json":
        return json.dumps({"severity": level, "time": ts_iso(ns, 6), "pid": ctx["pid"],
                           "progname": progname or None, "message": msg})
    if style == "ecs":
        return json.dumps({"@timestamp": ts_iso(ns, 3), "log.level": level.lower(), "message": msg,
                           "ecs.version": "1.6.0", "service.name": "shop-web"})
    return json.dumps({"ts": ts_iso(ns, 3), "severity": level.lower(), "service": "shop-web", "msg": msg})


def json_record(case, style, ns, ctx):
    text = "\n".join(case.body)
    if style == "logger_json":
        return json.dumps({"severity": case.level, "time": ts_iso(ns, 6), "pid": ctx["pid"],
                           "progname": case.logger or None, "message": case.intro, "exception": text})
    if style == "ecs":
        return json.dumps({"@timestamp": ts_iso(ns, 3), "log.level": case.level.lower(), "message": case.intro,
                           "ecs.version": "1.6.0", "service.name": "shop-web", "error.type": case.type,
                           "error.message": case.message, "error.stack_trace": text})
    return json.dumps({"ts": ts_iso(ns, 3), "severity": case.level.lower(), "service": "shop-web",
                       "msg": case.intro, "error": {"kind": case.type, "message": case.message,
                                                    "stack_trace": text}})


# -- noisy files: prose that mentions errors, frames and backtraces but is none
PROSE = [
    ("INFO", "Error: none in the last 5 minutes (0 errors / {n4} requests)"),
    ("WARN", "Exception budget at 12%, retrying POST /v1/charges in {qty}s"),
    ("INFO", "moved {qty} jobs from here to the retry queue"),
    (None, "from here on, requests are served by the canary pool"),
    (None, "#0 step: warm caches ({n3} keys)"),
    (None, "Stack trace: none (backtrace silencers removed {qty} lines)"),
    ("INFO", "NoMethodError count over the last hour: 0"),
    (None, "{path}:12: warning: already initialized constant Shop::WORKERS"),
    (None, "{path}:4: warning: previous definition of WORKERS was here"),
    (None, "Puma starting in single mode..."),
    (None, "* Listening on http://0.0.0.0:{port}"),
    (None, "Use Ctrl-C to stop"),
    (None, "note: a line like `app.rb:3:in `x'` only counts with (SomeError) at its end"),
]
ACCESS = '10.0.{a}.{b} - - [{hms}] "GET /api/orders/{order} HTTP/1.1" {status} {size} "-" "Mozilla/5.0"'


def noise_lines(rng, clock):
    r = rng.random()
    ns = clock.step()
    if r < 0.5:
        return ordinary_lines(None, rng, ns)
    v = case_values(rng)
    if r < 0.65:
        v["hms"] = ts_access(ns)
        return [ACCESS.format(**v)]
    if r < 0.92:
        v["path"] = str(ROOTS["app"] / "config" / "puma.rb")
        level, text = rng.choice(PROSE)
        text = text.format(**v)
        return [logger_line(level, ns, rng.choice([1, 7]), "", text) if level else text]
    return [""]


NEW_RECORD_RE = re.compile(r"^(?:[DIWEFAU], \[\d{4}-\d\d-\d\dT|\{|\d+\.\d+\.\d+\.\d+ - |#<Thread:0x)")


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
