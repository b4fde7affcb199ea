#!/usr/bin/env python3
"""Generate the tracefix JVM stack trace corpus.

Every trace in cases/ that is not marked "handwritten" comes from really
running a program in programs/ on the JVM (Java 17, Groovy 2.4, Scala 2.11).
Each program runs three times:

  * plain: the JVM prints the uncaught exception on stderr
    ("Exception in thread "main" ..."), or the program calls
    e.printStackTrace() itself;
  * under logback 1.2 and under log4j2 2.19, through a small Java agent
    (programs/harness/) that installs a default uncaught-exception handler
    which does logger.error(message, throwable). logback writes the record
    twice (with and without packaging data), log4j2 twice (%throwable and
    its default %xEx).

The captured text is then wrapped into log formats (bare stderr, logback,
log4j2, JSON lines, docker json-file, CRI) plus interleaved and noisy files,
and the ground truth goes into manifest.json. Traces of runtimes that cannot
be installed here (Kotlin coroutines, Spring, Reactor) are in handwritten/;
events made from them carry "handwritten": true.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only. Deterministic on one machine: timestamps, ids and the choice
of ordinary lines come from random.Random seeded from SEED and the file name;
the JVM runs with a fixed minimal environment and TZ=UTC; programs are
built and run at fixed paths under /tmp/tfcorpus-jvm. The only text taken
from a logging framework and then changed is the record's timestamp, which
is replaced by the generator's clock.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
import random

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
HARNESS = PROGRAMS / "harness"
LIBSRC = PROGRAMS / "lib"
HANDWRITTEN = HERE / "handwritten"
CASES = HERE / "cases"
MANIFEST = HERE / "manifest.json"
WORK = Path("/tmp/tfcorpus-jvm")
SEED = 20261121

SHARE = Path("/usr/share/java")
LOGBACK_CP = [SHARE / "slf4j-api.jar", SHARE / "logback-classic.jar", SHARE / "logback-core.jar"]
LOG4J_CP = [SHARE / "log4j-api.jar", SHARE / "log4j-core.jar"]
GROOVY_LIB = Path("/usr/share/groovy/lib")
SCALA_LIB = Path("/usr/share/scala/lib/scala-library.jar")
LIB_ARTIFACT, LIB_VERSION = "shop-common", "2.3.1"

FORMATS = ("stderr", "logback", "log4j2", "jsonl", "docker", "cri")
SPLIT = 16384  # docker json-file and containerd CRI split lines at 16 KiB
WORKERS = 2


def find_java_home():
    javac = shutil.which("javac")
    if not javac:
        raise SystemExit("javac not found: install a JDK 17")
    return Path(os.path.realpath(javac)).parent.parent


JAVA_HOME = find_java_home()
JAVA = str(JAVA_HOME / "bin" / "java")
JAVAC = str(JAVA_HOME / "bin" / "javac")
JAR = str(JAVA_HOME / "bin" / "jar")

ENV = {
    "PATH": str(JAVA_HOME / "bin") + ":/usr/local/bin:/usr/bin:/bin",
    "JAVA_HOME": str(JAVA_HOME),
    "HOME": str(WORK / "home"),
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "dumb",
    "NO_COLOR": "1",
}

# Install roots. "deploy-*" roots model the same service deployed in
# different places: deploy-a is a versioned jar on the class path, deploy-b
# an unversioned jar (no Implementation-Version) somewhere else, deploy-c a
# named module with a version on the module path (frames then print
# "module@version/class...") whose sources get DEPLOY_C_HEADER on top, so
# every line number moves.
ROOTS = {
    "app": "srv/{artifact}/lib",
    "deploy-a": "deploy-a/app/lib",
    "deploy-b": "deploy-b/opt/shop/{artifact}",
    "deploy-c": "deploy-c/opt/{artifact}/releases/2026.11.2",
}
DEPLOY_C_VERSION = "2026.11.2"
DEPLOY_C_HEADER = [
    "/*",
    " * Copyright (c) 2026 Example Shop GmbH. All rights reserved.",
    " *",
    " * Licensed under the Example Shop internal license, version 3.",
    " * Release 2026.11.2 (build 8841), deployed by the release pipeline",
    " * as a named module on the module path.",
    " */",
    "",
    "// generated-by: release-pipeline 4.2",
    "",
]


# --------------------------------------------------------------------------
# Program table
# --------------------------------------------------------------------------

class Prog:
    def __init__(self, file, main, group, logger, msg, args=(), runs=("app",), flags=(), artifact=None,
                 version="1.0.0", lib=False, module=None):
        self.file = file
        self.stem = file.rsplit(".", 1)[0]
        self.lang = {"java": "java", "groovy": "groovy", "scala": "scala"}[file.rsplit(".", 1)[1]]
        self.main = main
        self.group = group
        self.logger = logger
        self.msg = msg
        self.args = list(args)
        self.runs = list(runs)
        self.flags = list(flags)
        self.artifact = artifact
        self.version = version
        self.lib = lib
        self.module = module            # module name when the program can run on the module path
        self.name = re.sub(r"(?<!^)(?=[A-Z])", "_", self.stem).lower()


P = Prog
HIDDEN_FRAMES = ["-Xshare:off", "-XX:+UnlockDiagnosticVMOptions", "-XX:+ShowHiddenFrames"]
PROGRAM_TABLE = [
    # -- same bug, different deploys (shared group label)
    P("OrderService.java", "com.example.orders.OrderService", "orders_missing_price",
      "com.example.orders.OrderService", "checkout failed for order {order}", ["{order}", "SKU-{n4}"],
      runs=["deploy-a", "deploy-b", "deploy-c"], artifact="orders-service", version="1.4.2",
      module="com.example.orders"),
    P("BillingWorker.java", "com.example.billing.BillingWorker", "billing_zero_units",
      "com.example.billing.BillingWorker", "billing worker died on invoice {order}", ["{order}"],
      runs=["deploy-a", "deploy-c"], artifact="billing-service", version="5.2.0", module="com.example.billing"),
    # same exception type and service as OrderService, different function -> different bug
    P("ShippingQuote.java", "com.example.orders.ShippingQuote", "orders_shipping_zone",
      "com.example.orders.ShippingQuote", "shipping quote failed for order {order}", ["{order}", "{country}"],
      runs=["deploy-b"], artifact="shipping-quote", version="1.4.2"),
    # -- NullPointerException with helpful messages
    P("CustomerImport.java", "com.example.customers.CustomerImport", "customers_name_missing",
      "com.example.customers.CustomerImport", "customer import {n4} aborted", ["c-{n4}"],
      artifact="customer-import", version="2.0.1"),
    P("LabelPrinter.java", "com.example.shipping.LabelPrinter", "labels_missing_address",
      "com.example.shipping.LabelPrinter", "label printing failed", ["{cust}"],
      artifact="label-printer", version="0.9.3"),
    # -- exception without a message
    P("Reconciler.java", "com.example.ledger.Reconciler", "ledger_unbalanced",
      "com.example.ledger.Reconciler", "reconciliation of batch {n4} failed", ["{n4}"],
      artifact="ledger-jobs", version="3.1.0"),
    P("CartSweeper.java", "com.example.cart.CartSweeper", "cart_concurrent_sweep",
      "com.example.cart.CartSweeper", "cart sweep failed", ["{n4}"], artifact="cart-service", version="1.7.0"),
    # -- chains and suppressed exceptions
    P("Bootstrap.java", "com.example.config.Bootstrap", "startup_settings_missing",
      "com.example.config.Bootstrap", "Application run failed", ["{port}", str(WORK / "etc" / "orders-api")],
      artifact="orders-api", version="1.4.2"),
    P("ExportJob.java", "com.example.export.ExportJob", "export_disk_quota",
      "com.example.export.ExportJob", "export of batch {n4} failed", ["{n4}"],
      artifact="export-jobs", version="1.2.0"),
    P("ArchiveUploader.java", "com.example.archive.ArchiveUploader", "archive_connection_reset",
      "com.example.archive.ArchiveUploader", "nightly archive upload failed", ["{day}"],
      artifact="report-archiver", version="1.0.4"),
    P("CaptureJob.java", "com.example.payments.CaptureJob", "payments_capture_503",
      "com.example.payments.CaptureJob", "capture failed for charge ch_{hex}", ["ch_{hex}"],
      artifact="payments-worker", version="2.8.0", lib=True),
    P("FeatureFlags.java", "com.example.flags.FeatureFlags", "flags_static_init",
      "com.example.flags.FeatureFlags", "feature flag evaluation failed for customer {cust}", ["{cust}"],
      artifact="feature-flags", version="0.3.0"),
    # -- lambdas, streams, reflection, inner classes
    P("CatalogImport.java", "com.example.catalog.CatalogImport", "catalog_bad_qty",
      "com.example.catalog.CatalogImport", "stock import failed", ["{n4}", "{qty}x"],
      artifact="catalog-import", version="1.1.0"),
    P("PriceStream.java", "com.example.pricing.PriceStream", "pricing_nonterminating_decimal",
      "com.example.pricing.PriceStream", "bundle price split failed", ["{n3}"], flags=HIDDEN_FRAMES,
      artifact="pricing", version="0.4.0"),
    P("PluginHooks.java", "com.example.plugins.PluginHooks", "plugins_audit_hook",
      "com.example.plugins.PluginHooks", "plugin hook failed for event {order}", ["{order}"],
      artifact="plugin-host", version="1.3.0"),
    P("RuleEngine.java", "com.example.rules.RuleEngine", "rules_unknown_tier",
      "com.example.rules.RuleEngine", "discount evaluation failed for cart {n4}", ["{tier}"],
      artifact="rule-engine", version="0.8.1"),
    P("Warehouse.java", "com.example.inventory.Warehouse", "inventory_out_of_stock",
      "com.example.inventory.Warehouse", "pick list {n4} failed", ["SKU-{n4}", "{qty}"],
      artifact="inventory", version="4.0.2"),
    # -- errors
    P("CategoryTree.java", "com.example.catalog.CategoryTree", "catalog_category_cycle",
      "com.example.catalog.CategoryTree", "category depth failed", ["{cat}"],
      artifact="catalog-tree", version="1.1.0"),
    P("ReportCache.java", "com.example.reports.ReportCache", "reports_heap_exhausted",
      "com.example.reports.ReportCache", "report {n4} could not be loaded", ["rep-{n4}"], flags=["-Xmx32m"],
      artifact="reports", version="2.2.0"),
    # -- messages
    P("ImportValidator.java", "com.example.imports.ImportValidator", "imports_invalid_row",
      "com.example.imports.ImportValidator", "import batch {n4} rejected", ["{n4}"],
      artifact="import-validator", version="1.0.0"),
    P("SessionStore.java", "com.example.sessions.SessionStore", "sessions_wrong_type",
      "com.example.sessions.SessionStore", "cart badge rendering failed for user {cust}", ["{cust}"],
      artifact="session-store", version="2.1.0"),
    P("CsvColumns.java", "com.example.imports.CsvColumns", "csv_missing_column",
      "com.example.imports.CsvColumns", "price import failed", ["{n4}"], artifact="csv-import", version="1.0.2"),
    P("WebhookParser.java", "com.example.webhooks.WebhookParser", "webhooks_payload_too_large",
      "com.example.webhooks.WebhookParser", "webhook delivery {uuid} rejected", ["{uuid}"],
      artifact="webhooks", version="1.6.0"),
    # -- threads and executors
    P("InvoiceAsync.java", "com.example.billing.InvoiceAsync", "invoice_tax_missing",
      "com.example.billing.InvoiceAsync", "invoice {order} could not be totalled", ["{order}", "{country}"],
      artifact="billing-async", version="5.2.0"),
    P("ThumbnailPool.java", "com.example.images.ThumbnailPool", "images_zero_width",
      "com.example.images.ThumbnailPool", "thumbnail job for image {n4} failed", ["{n4}"],
      artifact="image-service", version="3.3.0"),
    # -- bare e.printStackTrace()
    P("HealthProbe.java", "com.example.health.HealthProbe", "health_db_refused",
      "com.example.health.HealthProbe", "database probe failed", [], artifact="health-probe", version="1.0.0"),
    # -- Groovy and Scala
    P("CartTotals.groovy", "com.example.cart.CartTotals", "groovy_cart_typo",
      "com.example.cart.CartTotals", "cart total failed for cart {n4}", ["{n4}"],
      artifact="cart-scripts", version="1.0.0"),
    P("PriceRules.groovy", "com.example.pricing.PriceRules", "groovy_price_missing",
      "com.example.pricing.PriceRules", "gross price calculation failed", ["{n4}"],
      artifact="price-rules", version="1.0.0"),
    P("LedgerReplay.scala", "com.example.ledger.LedgerReplay", "scala_ledger_match",
      "com.example.ledger.LedgerReplay", "ledger replay failed", ["{n4}"],
      artifact="ledger-replay", version="0.2.0"),
    P("RateLimiter.scala", "com.example.gateway.RateLimiter", "scala_quota_missing",
      "com.example.gateway.RateLimiter", "rate limiter rejected tenant {tenant}", ["{tenant}"],
      artifact="api-gateway", version="0.5.0"),
]
LANG_TAG = {"java": "jdk17", "groovy": "groovy24", "scala": "scala211"}


# --------------------------------------------------------------------------
# Helpers: rng, values, clock, logback logger abbreviation
# --------------------------------------------------------------------------

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
        "country": rng.choice(["NZ", "JP", "BR", "AU"]),
        "tier": rng.choice(["platinum", "bronze", "diamond"]),
        "tenant": rng.choice(["initech", "umbrella", "hooli"]),
        "cat": rng.choice(["footwear", "outdoor", "kids"]),
        "env": rng.choice(["staging", "prod-eu", "prod-us"]),
        "a": rng.randint(0, 9),
        "b": rng.randint(2, 254),
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


def ts_logback(ns):
    """logback %d{ISO8601} and log4j2 %d: 2026-11-21 10:15:30,123"""
    return _dt(ns).strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % (ns // 10**6 % 1000)


def ts_iso(ns, digits):
    frac = "%09d" % (ns % 10**9)
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:digits] + "Z"


def ts_cri(ns):
    # Go's time.RFC3339Nano drops trailing zeros of the fraction
    frac = ("%09d" % (ns % 10**9)).rstrip("0")
    return _dt(ns).strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def ts_wildfly(ns):
    return _dt(ns).strftime("%H:%M:%S") + ",%03d" % (ns // 10**6 % 1000)


def ts_threads(ns):
    return _dt(ns).strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (ns // 10**6 % 1000)


def abbreviate(name, target=36):
    """logback 1.2 TargetLengthBasedClassNameAbbreviator (%logger{36})."""
    if len(name) < target:
        return name
    dots = [i for i, c in enumerate(name) if c == "."]
    if not dots:
        return name
    to_trim = len(name) - target
    lengths = []
    for i, dot in enumerate(dots):
        prev = dots[i - 1] if i > 0 else -1
        available = dot - prev - 1
        length = (available if available < 1 else 1) if to_trim > 0 else available
        to_trim -= available - length
        lengths.append(length + 1)
    lengths.append(len(name) - dots[-1])
    out = [name[:lengths[0] - 1]]
    for i in range(1, len(dots) + 1):
        out.append(name[dots[i - 1]:dots[i - 1] + lengths[i]])
    return "".join(out)


def logback_header(level, thread, logger, msg):
    return "%-5s [%s] %s - %s" % (level, thread, abbreviate(logger), msg)


def log4j2_header(level, logger, msg):
    return "%s %s - %s" % (level, logger, msg)


# --------------------------------------------------------------------------
# Trace text: analysis and the renderer conversions
# --------------------------------------------------------------------------

INTRO = re.compile(r'^Exception in thread "([^"]*)" (.*)$')
MORE = re.compile(r"^(\t+)\.\.\. (\d+) more$")
OMITTED = re.compile(r"^(\t+)\.\.\. (\d+) common frames omitted$")
PACKAGING = re.compile(r"^(\t+at \S.*\))( ~?\[[^\[\]]*\])$")
NESTED_HEAD = re.compile(r"^(\t*)(Caused by: |Suppressed: )(.*)$")


def split_exc(line):
    """'pkg.Type: message' -> (type, message first line); 'pkg.Type' -> (type, '')."""
    i = line.find(": ")
    if i < 0:
        t = line[:-1] if line.endswith(":") else line
        return t, ""
    return line[:i], line[i + 2:]


def analyse(body):
    """(type, message, chain) of a trace body as printed (first line = outermost exception).

    chain lists the outermost exception and every top-level "Caused by:" in
    reverse print order: oldest cause first, the outermost exception last.
    Suppressed exceptions (and causes nested inside them) are not in it."""
    typ, msg = split_exc(body[0])
    chain = [typ]
    for line in body[1:]:
        if line.startswith("Caused by: "):
            chain.append(split_exc(line[len("Caused by: "):])[0])
    chain.reverse()
    return typ, msg, chain


def jdk_to_logback(body):
    """Throwable.printStackTrace text -> logback %ex{full} text (checked on every real case)."""
    out = []
    for i, line in enumerate(body):
        m = MORE.match(line)
        if m:
            out.append("%s... %s common frames omitted" % (m.group(1), m.group(2)))
            continue
        if i == 0 and ": " not in line:
            line += ": null"     # logback prints getMessage(), "null" when there is none
        else:
            h = NESTED_HEAD.match(line)
            if h and ": " not in h.group(3):
                line += ": null"
        out.append(line)
    return out


def logback_to_jdk(body):
    out = []
    for line in body:
        m = OMITTED.match(line)
        out.append("%s... %s more" % (m.group(1), m.group(2)) if m else line)
    return out


def strip_packaging(body):
    return [PACKAGING.sub(r"\1", l) for l in body]


MODULE_PREFIX = re.compile(r"^(\t+at )(?:[\w.+@-]*/){1,2}")


HIDDEN = re.compile(r"\$\$Lambda\$\d+/0x[0-9a-f]+|/0x[0-9a-f]{16}")


def hidden(body):
    """Hidden-class names vary between JVM runs: $$Lambda$19/0x00000007c0080800 -> $$Lambda$N/0x..."""
    return [HIDDEN.sub(lambda m: "$$Lambda$N/0x..." if m.group(0).startswith("$") else "/0x...", l) for l in body]


def top_frames(body):
    """The outermost exception's own 'at' lines, without packaging data or module prefix
    (log4j2's %xEx drops "module@version/")."""
    out = []
    for line in strip_packaging(body[1:]):
        if not line.startswith("\tat "):
            if out:
                break
            continue
        out.append(MODULE_PREFIX.sub(r"\1", line))
    return out


# --------------------------------------------------------------------------
# Building and running the programs
# --------------------------------------------------------------------------

def run(cmd, cwd, timeout=300):
    p = subprocess.run([str(c) for c in cmd], cwd=str(cwd), env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def must(cmd, cwd):
    rc, out, err = run(cmd, cwd)
    if rc != 0:
        raise SystemExit("command failed (%d): %s\n%s%s" % (rc, " ".join(map(str, cmd)), out, err))
    return out


def lines_of(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def write_manifest_file(path, entries):
    path.write_text("".join("%s: %s\n" % kv for kv in entries))


def make_jar(jar, classes, build, version, title, module_version=None):
    entries = [("Manifest-Version", "1.0"), ("Created-By", "tracefix corpus generator")]
    if version:
        entries += [("Implementation-Title", title), ("Implementation-Version", version)]
    mf = build / "MANIFEST.MF"
    write_manifest_file(mf, entries)
    cmd = [JAR, "--create", "--file", jar, "--manifest", mf]
    if module_version:
        cmd += ["--module-version", module_version]
    must(cmd + ["-C", classes, "."], build)


def groovy_jar():
    jars = sorted(GROOVY_LIB.glob("groovy-[0-9]*.jar"))
    return jars[0] if jars else None


def check_tools():
    missing = []
    if not (shutil.which("groovyc") and groovy_jar()):
        missing.append("groovy")
    if not (shutil.which("scalac") and SCALA_LIB.exists()):
        missing.append("scala")
    for j in LOGBACK_CP + LOG4J_CP:
        if not j.exists():
            missing.append(str(j))
    if missing:
        raise SystemExit("missing: %s (apt-get install -y groovy scala liblogback-java liblog4j2-java)"
                         % ", ".join(missing))


def setup_work():
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "home").mkdir(parents=True)
    (WORK / "etc" / "orders-api").mkdir(parents=True)   # exists, but holds no prod.properties
    # the harness agent
    build = WORK / "build" / "harness"
    classes = build / "classes"
    classes.mkdir(parents=True)
    must([JAVAC, "-d", classes, "-cp", ":".join(map(str, [SHARE / "slf4j-api.jar", SHARE / "log4j-api.jar"]))]
         + sorted(HARNESS.glob("*.java")), build)
    write_manifest_file(build / "MANIFEST.MF", [("Manifest-Version", "1.0"),
                                                ("Premain-Class", "tf.harness.LogAgent")])
    (WORK / "harness").mkdir()
    must([JAR, "--create", "--file", WORK / "harness" / "tf-agent.jar", "--manifest", build / "MANIFEST.MF",
          "-C", classes, "."], build)
    for cfg in ("logback.xml", "log4j2.xml"):
        shutil.copy(HARNESS / cfg, WORK / "harness" / cfg)
    # shop-common, the shared library
    build = WORK / "build" / LIB_ARTIFACT
    classes = build / "classes"
    classes.mkdir(parents=True)
    must([JAVAC, "-encoding", "UTF-8", "-d", classes] + sorted(LIBSRC.rglob("*.java")), build)
    make_jar(WORK / "build" / ("%s-%s.jar" % (LIB_ARTIFACT, LIB_VERSION)), classes, build, LIB_VERSION,
             LIB_ARTIFACT)


class Case:
    handwritten = False
    lb_ext = None
    l4_xex = None


def build_program(prog, root_key, case_id):
    root = WORK / ROOTS[root_key].format(artifact=prog.artifact)
    root.mkdir(parents=True, exist_ok=True)
    build = WORK / "build" / case_id
    src = build / "src"
    classes = build / "classes"
    src.mkdir(parents=True)
    classes.mkdir()
    text = (PROGRAMS / prog.file).read_text(encoding="utf-8")
    modular = root_key == "deploy-c"
    if modular:
        assert prog.module and prog.lang == "java" and not prog.lib, prog.file
        text = "\n".join(DEPLOY_C_HEADER) + "\n" + text
    srcfile = src / prog.file
    srcfile.write_text(text, encoding="utf-8")
    deps = []
    if prog.lib:
        libjar = root / ("%s-%s.jar" % (LIB_ARTIFACT, LIB_VERSION))
        shutil.copy(WORK / "build" / libjar.name, libjar)
        deps.append(libjar)
    if prog.lang == "java":
        files = [srcfile]
        if modular:
            pkg = prog.main.rsplit(".", 1)[0]
            (src / "module-info.java").write_text("module %s {\n    exports %s;\n}\n" % (prog.module, pkg))
            files.append(src / "module-info.java")
        cmd = [JAVAC, "-encoding", "UTF-8", "-d", classes]
        if deps:
            cmd += ["-cp", ":".join(map(str, deps))]
        must(cmd + files, build)
    elif prog.lang == "groovy":
        must(["groovyc", "-d", classes, srcfile], build)
        deps.append(groovy_jar())
    else:
        must(["scalac", "-nowarn", "-d", classes, srcfile], build)
        deps.append(SCALA_LIB)
    if root_key == "deploy-b":
        jar = root / ("%s.jar" % prog.artifact)
        version = None
    elif modular:
        jar = root / ("%s-%s.jar" % (prog.artifact, DEPLOY_C_VERSION))
        version = DEPLOY_C_VERSION
    else:
        jar = root / ("%s-%s.jar" % (prog.artifact, prog.version))
        version = prog.version
    make_jar(jar, classes, build, version, prog.artifact, module_version=version if modular else None)
    return root, jar, deps, modular


def launch_args(prog, jar, deps, modular, extra_cp=()):
    cp = list(extra_cp)
    if modular:
        args = (["-cp", ":".join(map(str, cp))] if cp else []) + ["-p", jar, "-m", "%s/%s" % (prog.module, prog.main)]
    else:
        args = ["-cp", ":".join(map(str, [jar] + deps + cp)), prog.main]
    return args


def read_record(path, ts_len=23):
    """A single log record written by logback/log4j2: (header after the timestamp, trace lines)."""
    lines = lines_of(path.read_text(encoding="utf-8"))
    head = lines[0]
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", head), (path, head)
    body = lines[1:]
    assert body and not any(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", l) for l in body), path
    return head[ts_len + 1:], body


def capture(prog, root_key, index):
    case = Case()
    case.prog = prog
    case.index = index
    case.id = "%s-%s" % (prog.name, LANG_TAG[prog.lang]) + ("" if root_key == "app" else "-" + root_key)
    case.program = prog.name
    case.group = prog.group
    case.values = case_values(rng_for("case", case.id))
    args = [a.format(**case.values) for a in prog.args]
    msg = prog.msg.format(**case.values)
    root, jar, deps, modular = build_program(prog, root_key, case.id)

    # 1. plain run: the JVM's own output
    rc, out, err = run([JAVA] + prog.flags + launch_args(prog, jar, deps, modular) + args, root)
    case.rc = rc
    case.pre = lines_of(out)
    raw = lines_of(err)
    while raw and raw[-1] == "":
        raw.pop()
    assert raw, "%s: nothing on stderr (rc=%d)" % (case.id, rc)
    case.raw = raw
    m = INTRO.match(raw[0])
    case.thread = m.group(1) if m else None
    case.jdk = ([m.group(2)] if m else [raw[0]]) + raw[1:]

    # 2. logback and 3. log4j2, via the agent
    outbase = WORK / "out" / case.id
    outbase.parent.mkdir(exist_ok=True)
    agent = WORK / "harness" / "tf-agent.jar"
    common = ["-Dtf.out=%s" % outbase, "-Dtf.logger=%s" % prog.logger, "-Dtf.msg=%s" % msg]
    for mode, cp, cfg in (("logback", LOGBACK_CP, "-Dlogback.configurationFile=%s" % (WORK / "harness" / "logback.xml")),
                          ("log4j2", LOG4J_CP, "-Dlog4j.configurationFile=%s" % (WORK / "harness" / "log4j2.xml"))):
        rc2, out2, err2 = run([JAVA] + prog.flags + ["-javaagent:%s=%s" % (agent, mode), cfg] + common
                              + launch_args(prog, jar, deps, modular, cp) + args, root)
        if err2.strip():
            raise SystemExit("%s (%s): unexpected stderr:\n%s" % (case.id, mode, err2))
    case.lb_header, case.lb_ext = read_record(Path(str(outbase) + ".logback-ext"))
    lb_header2, case.lb_plain = read_record(Path(str(outbase) + ".logback-plain"))
    case.l4_header, case.l4_thr = read_record(Path(str(outbase) + ".log4j2-throwable"))
    l4_header2, case.l4_xex = read_record(Path(str(outbase) + ".log4j2-xex"))
    assert case.lb_header == lb_header2 and case.l4_header == l4_header2, case.id

    # the renderings must agree: this is what lets handwritten traces be converted
    expect_thread = case.thread or "main"
    assert case.lb_header == logback_header("ERROR", expect_thread, prog.logger, msg), (case.id, case.lb_header)
    assert case.l4_header == log4j2_header("ERROR", prog.logger, msg), (case.id, case.l4_header)
    # (the three runs are separate JVMs: hidden-class names such as $$Lambda$19/0x... may differ)
    assert hidden(case.l4_thr) == hidden(case.jdk), "%s: log4j2 %%throwable differs from printStackTrace" % case.id
    assert hidden(case.lb_plain) == hidden(jdk_to_logback(case.jdk)), \
        "%s: logback text is not the converted JDK text" % case.id
    assert strip_packaging(case.lb_ext) == case.lb_plain, "%s: packaging data is not a pure suffix" % case.id
    tops = {tuple(hidden(top_frames(b))) for b in (case.jdk, case.lb_ext, case.lb_plain, case.l4_xex)}
    assert len(tops) == 1, "%s: top frames differ between renderings" % case.id
    case.type, case.message, case.chain = analyse(case.jdk)
    case.logger = prog.logger
    case.msg = msg
    case.level = "ERROR"
    case.formats = FORMATS
    return case


# --------------------------------------------------------------------------
# Handwritten traces
# --------------------------------------------------------------------------

def load_handwritten(path, index):
    meta = {}
    body = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not body and line.startswith("#"):
            m = re.match(r"^# (\w+):(?: (.*))?$", line)
            if m:
                meta[m.group(1)] = (m.group(2) or "").strip()
            continue
        body.append(line)
    while body and body[-1] == "":
        body.pop()
    case = Case()
    case.handwritten = True
    case.index = index
    case.program = meta["name"]
    case.id = "%s-handwritten" % meta["name"]
    case.group = meta["group"]
    case.logger = meta["logger"]
    case.msg = meta["message"]
    case.level = "ERROR"
    case.formats = tuple(f for f in FORMATS if f in meta["formats"].split())
    case.thread = meta.get("thread") or None
    case.pre = []
    case.rc = None
    if meta["rendering"] == "jdk":
        case.jdk = body
        case.lb_plain = jdk_to_logback(body)
    else:
        assert meta["rendering"] == "logback"
        case.lb_ext = body
        case.lb_plain = strip_packaging(body)
        case.jdk = logback_to_jdk(case.lb_plain)
        assert not any(l.endswith(": null") for l in case.lb_plain), "ambiguous null message in " + path.name
    case.l4_thr = case.jdk
    case.raw = (['Exception in thread "%s" %s' % (case.thread, case.jdk[0])] + case.jdk[1:]) if case.thread \
        else list(case.jdk)
    case.lb_header = logback_header("ERROR", case.thread or "main", case.logger, case.msg)
    case.l4_header = log4j2_header("ERROR", case.logger, case.msg)
    case.type, case.message, case.chain = analyse(case.jdk)
    return case


# --------------------------------------------------------------------------
# Ordinary log lines
# --------------------------------------------------------------------------

ORDINARY = [
    ("INFO", "main", "org.springframework.boot.web.embedded.tomcat.TomcatWebServer",
     "Tomcat started on port(s): 8080 (http) with context path ''"),
    ("INFO", "main", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Start completed."),
    ("INFO", "http-nio-8080-exec-{a}", "com.example.orders.OrderController", "order {order} created for customer {cust}"),
    ("INFO", "http-nio-8080-exec-{a}", "com.example.orders.OrderController", "order {order} paid via card ending {n4}"),
    ("WARN", "http-nio-8080-exec-{a}", "com.example.payments.PaymentClient",
     "payment gateway latency {ms}ms exceeds 1000ms budget"),
    ("INFO", "scheduling-1", "com.example.inventory.StockSync", "reserved {qty} units of SKU-{n4}"),
    ("INFO", "scheduling-1", "com.example.cache.CacheStats", "cache hit ratio 0.{n3} over last 60s"),
    ("WARN", "http-nio-8080-exec-{a}", "com.example.api.RateLimitFilter", "rate limit at 80% for client key ck_{hex}"),
    ("INFO", "scheduling-1", "com.example.jobs.Scheduler", "job export-{n4} scheduled in {qty}s"),
    ("INFO", "http-nio-8080-exec-{a}", "com.example.health.HealthController", "health check ok (db=2ms, cache=1ms)"),
    ("WARN", "http-nio-8080-exec-{a}", "com.example.auth.TokenService", "token for user {cust} expires in {qty} minutes"),
    ("INFO", "kafka-consumer-orders-0", "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
     "[Consumer clientId=orders-1, groupId=orders] Setting offset for partition orders-{a} to {n4}"),
    ("DEBUG", "main", "org.hibernate.SQL", "select o1_0.id,o1_0.status from orders o1_0 where o1_0.id=?"),
]

# Lines for noisy files: they mention errors, exceptions, "at" and "Caused by"
# but are not traces ({ts} is a logback timestamp).
def _rec(level, thread, logger, msg):
    return "{ts} " + logback_header(level, thread, logger, msg)


PROSE = [
    _rec("ERROR", "http-nio-8080-exec-{a}", "com.example.orders.OrderController",
         "Exception occurred while processing order {order}"),
    "ERROR Exception occurred",
    "ERROR Exception occurred in batch {n4}, see the previous lines",
    "  at noon UTC the nightly export job starts",
    "\tat noon the cache warmer runs again",
    "Caused by config: spring.datasource.url is empty in profile {env}",
    _rec("WARN", "main", "com.example.config.SettingsLoader", "Caused by configuration drift: pool size 0 ignored"),
    _rec("WARN", "http-nio-8080-exec-{a}", "com.example.payments.PaymentClient",
         "retrying after java.net.SocketTimeoutException: Read timed out (attempt 2 of 3)"),
    "java.lang.IllegalStateException is thrown by OrderService when the price book is empty (see ADR-12)",
    "Exception in thread pool sizing: using 8 workers",
    _rec("INFO", "main", "com.example.health.HealthProbe", "probe ok at {hms} (0 errors, 0 exceptions)"),
    _rec("INFO", "main", "com.example.orders.OrdersApplication",
         "Started OrdersApplication in 6.41 seconds (process running for 7.03)"),
]

ACCESS = '10.0.{a}.{b} - - [21/Nov/2026:{hms} +0000] "GET /api/orders/{order} HTTP/1.1" {status} {size}'


def pick_ordinary(rng):
    level, thread, logger, msg = rng.choice(ORDINARY)
    v = case_values(rng)
    return level, thread.format(**v), logger, msg.format(**v)


def ordinary_logback(rng, ns):
    level, thread, logger, msg = pick_ordinary(rng)
    return "%s %s" % (ts_logback(ns), logback_header(level, thread, logger, msg))


def ordinary_log4j2(rng, ns):
    level, _thread, logger, msg = pick_ordinary(rng)
    return "%s %s" % (ts_logback(ns), log4j2_header(level, logger, msg))


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

    def event(self, case, first, last, body):
        typ, msg, chain = analyse(body)
        ev = {"first_line": first, "last_line": last, "type": typ, "message": msg, "chain": chain,
              "group": case.group, "kind": "exception", "language": "java"}
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
    data = line.encode("utf-8")
    if len(data) <= SPLIT:
        return [line]
    assert line.isascii(), "long lines must be ASCII so byte splitting stays valid UTF-8"
    return [data[i:i + SPLIT].decode("ascii") for i in range(0, len(data), SPLIT)]


def container_physical(fmt, line, stream, ns):
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
# Wrappers
# --------------------------------------------------------------------------

def logback_body(case):
    """Which logback rendering a case uses: packaging data on even indexes."""
    return case.lb_ext if (case.lb_ext is not None and case.index % 2 == 0) else case.lb_plain


def log4j2_body(case):
    """log4j2: its default %xEx on every third case, else %throwable."""
    return case.l4_xex if (case.l4_xex is not None and case.index % 3 == 2) else case.l4_thr


def wrap_stderr(case, rng):
    o = Out()
    for l in case.pre[:2]:
        o.add(l)
    nums = [o.add(l) for l in case.raw]
    o.event(case, nums[0], nums[-1], case.jdk)
    if rng.random() < 0.5:
        o.add("")
    return o


def build_logback(case):
    """Lines of the logback variant: (line, stream, ns); first/last are 0-based indexes of the record.
    docker/cri wrap exactly these lines, so they are built from a fixed rng."""
    rng = rng_for("file", case.id, "logback")
    clock = Clock(rng)
    seq = []
    for _ in range(rng.randint(2, 4)):
        ns = clock.step()
        seq.append((ordinary_logback(rng, ns), "stdout", ns))
    ns = clock.step()
    first = len(seq)
    seq.append(("%s %s" % (ts_logback(ns), case.lb_header), "stderr", ns))
    for l in logback_body(case):
        seq.append((l, "stderr", clock.tiny()))
    last = len(seq) - 1
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        seq.append((ordinary_logback(rng, ns), "stdout", ns))
    return seq, first, last


def wrap_logback(case, rng):
    seq, first, last = build_logback(case)
    o = Out()
    for l, _s, _ns in seq:
        o.add(l)
    o.event(case, first + 1, last + 1, logback_body(case))
    return o


def wrap_log4j2(case, rng):
    clock = Clock(rng)
    o = Out()
    for _ in range(rng.randint(2, 4)):
        o.add(ordinary_log4j2(rng, clock.step()))
    body = log4j2_body(case)
    first = o.add("%s %s" % (ts_logback(clock.step()), case.l4_header))
    nums = [o.add(l) for l in body]
    o.event(case, first, nums[-1], body)
    for _ in range(rng.randint(1, 3)):
        o.add(ordinary_log4j2(rng, clock.step()))
    return o


def json_style(case):
    """logstash-logback-encoder on most cases, ECS (ecs-logging-java) on every third."""
    if "logback" not in case.formats:
        return "ecs"
    if "stderr" not in case.formats and "log4j2" not in case.formats:
        return "logstash"
    return "ecs" if case.index % 3 == 1 else "logstash"


def json_ordinary(style, rng, clock, service):
    level, thread, logger, msg = pick_ordinary(rng)
    ns = clock.step()
    if style == "logstash":
        return json.dumps({"@timestamp": ts_iso(ns, 3), "@version": "1", "message": msg, "logger_name": logger,
                           "thread_name": thread, "level": level,
                           "level_value": {"DEBUG": 10000, "INFO": 20000, "WARN": 30000, "ERROR": 40000}[level]},
                          separators=(",", ":"), ensure_ascii=False)
    return json.dumps({"@timestamp": ts_iso(ns, 3), "log.level": level, "message": msg, "ecs.version": "1.2.0",
                       "service.name": service, "event.dataset": service, "process.thread.name": thread,
                       "log.logger": logger}, separators=(",", ":"), ensure_ascii=False)


def wrap_jsonl(case, rng):
    style = json_style(case)
    clock = Clock(rng)
    service = case.logger.split(".")[2] + "-svc"
    o = Out()
    for _ in range(rng.randint(2, 4)):
        o.add(json_ordinary(style, rng, clock, service))
    ns = clock.step()
    thread = case.thread or "main"
    if style == "logstash":
        # StackTraceJsonProvider: logback's throwable converter, every line ends with a newline
        body = case.lb_plain
        rec = {"@timestamp": ts_iso(ns, 3), "@version": "1", "message": case.msg, "logger_name": case.logger,
               "thread_name": thread, "level": "ERROR", "level_value": 40000,
               "stack_trace": "\n".join(body) + "\n"}
    else:
        # ecs-logging-java: error.type / error.message / printStackTrace() text
        body = case.jdk
        typ, msg, _chain = analyse(body)
        rec = {"@timestamp": ts_iso(ns, 3), "log.level": "ERROR", "message": case.msg, "ecs.version": "1.2.0",
               "service.name": service, "event.dataset": service, "process.thread.name": thread,
               "log.logger": case.logger, "error.type": typ}
        if msg:
            rec["error.message"] = msg
        rec["error.stack_trace"] = "\n".join(body)
    n = o.add(json.dumps(rec, separators=(",", ":"), ensure_ascii=False))
    o.event(case, n, n, body)
    for _ in range(rng.randint(1, 3)):
        o.add(json_ordinary(style, rng, clock, service))
    return o


def wrap_container(case, rng, fmt):
    seq, first, last = build_logback(case)
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
    o.event(case, ev_first, ev_last, logback_body(case))
    return o


# --------------------------------------------------------------------------
# Interleaved and noisy
# --------------------------------------------------------------------------

def interleave_order(rng, na, nb, mode):
    """A list of 'a'/'b' labels; b starts after a short delay."""
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
    """spans: (case, first, last, body); events ordered by last line."""
    for case, first, last, body in sorted(spans, key=lambda s: s[2]):
        o.event(case, first, last, body)


def interleaved_prefixed(a, b, rng, style, mode):
    """Every physical line carries a prefix naming its thread.

    wildfly: e.printStackTrace() captured line by line by WildFly's stdio
             handler: 'HH:MM:SS,mmm ERROR [stderr] (default task-N) <line>';
             the event starts at the exception line.
    threads: a line-oriented appender that repeats '<date time.mmm> [thread] '
             on every line; the first line of a record is 'LEVEL logger - msg'.
    """
    clock = Clock(rng)
    o = Out()
    if style == "wildfly":
        names = ["default task-%d" % n for n in rng.sample(range(1, 64), 2)]
    else:
        names = ["http-nio-8080-exec-%d" % n for n in rng.sample(range(1, 11), 2)]

    def prefix(ns, thread, level="INFO"):
        if style == "wildfly":
            return "%s %-5s [stderr] (%s) " % (ts_wildfly(ns), level, thread)
        return "%s [%s] " % (ts_threads(ns), thread)

    def ordinary_line():
        level, thread, logger, msg = pick_ordinary(rng)
        ns = clock.step()
        if style == "wildfly":
            return "%s %-5s [%s] (%s) %s" % (ts_wildfly(ns), level, logger, thread, msg)
        return "%s%s %s - %s" % (prefix(ns, thread), level, logger, msg)

    for _ in range(rng.randint(2, 3)):
        o.add(ordinary_line())
    contents = {}
    for k, case, name in (("a", a, names[0]), ("b", b, names[1])):
        if style == "wildfly":
            body = case.jdk
            lines = list(body)
        else:
            body = case.lb_plain
            lines = ["ERROR %s - %s" % (case.logger, case.msg)] + list(body)
        contents[k] = (case, name, lines, body)
    order = interleave_order(rng, len(contents["a"][2]), len(contents["b"][2]), mode)
    pos = {"a": 0, "b": 0}
    span = {"a": [None, None], "b": [None, None]}
    for k in order:
        case, name, lines, _body = contents[k]
        ns = clock.step(1, 3)
        n = o.add(prefix(ns, name, "ERROR") + lines[pos[k]])
        pos[k] += 1
        span[k][0] = span[k][0] or n
        span[k][1] = n
    for _ in range(rng.randint(1, 3)):
        o.add(ordinary_line())
    finish_events(o, [(contents[k][0], span[k][0], span[k][1], contents[k][3]) for k in "ab"])
    return o


def interleaved_container(a, b, rng, fmt, mode):
    """a: a logback record on stdout; b: the JVM's own crash output on stderr."""
    clock = Clock(rng)
    o = Out()
    latency = rng.randint(40_000, 300_000)

    def emit(line, stream, ns):
        nums = [o.add(p) for p in container_physical(fmt, line, stream, ns + latency)]
        return nums[0], nums[-1]

    for _ in range(rng.randint(2, 3)):
        ns = clock.step()
        emit(ordinary_logback(rng, ns), "stdout", ns)
    ns0 = clock.step(1, 20)
    recs = {"a": (["%s %s" % (ts_logback(ns0), a.lb_header)] + logback_body(a), "stdout", a, logback_body(a)),
            "b": (list(b.raw), "stderr", b, b.jdk)}
    order = interleave_order(rng, len(recs["a"][0]), len(recs["b"][0]), mode)
    pos = {"a": 0, "b": 0}
    span = {"a": [None, None], "b": [None, None]}
    for k in order:
        lines, stream, _case, _body = recs[k]
        ns = clock.tiny()
        first, last = emit(lines[pos[k]], stream, ns)
        pos[k] += 1
        span[k][0] = span[k][0] or first
        span[k][1] = last
    for _ in range(rng.randint(1, 3)):
        ns = clock.step()
        emit(ordinary_logback(rng, ns), "stdout", ns)
    finish_events(o, [(recs[k][2], span[k][0], span[k][1], recs[k][3]) for k in "ab"])
    return o


def noisy_file(picks, rng, packaging):
    """52-70 ordinary lines (logback records, access log lines, prose about errors, blanks) with traces.
    One logback configuration per file: packaging data on or off for every record."""
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
                    o.add("")   # the JVM's crash output is never glued to the previous record
                lines, body = list(case.raw), case.jdk
            else:
                body = case.lb_ext if packaging else case.lb_plain
                lines = ["%s %s" % (ts_logback(clock.step()), case.lb_header)] + body
            nums = [o.add(l) for l in lines]
            o.event(case, nums[0], nums[-1], body)
            after_trace = True
            continue
        r = rng.random()
        if after_trace:
            # the line right after a trace is blank or starts a new log record
            line = "" if r < 0.3 else ordinary_logback(rng, clock.step())
        elif r < 0.5:
            line = ordinary_logback(rng, clock.step())
        elif r < 0.65:
            t = _dt(clock.step())
            line = ACCESS.format(a=rng.randint(0, 9), b=rng.randint(2, 254), hms=t.strftime("%H:%M:%S"),
                                 order=rng.randint(10000, 99999), size=rng.randint(120, 9000),
                                 status=rng.choice([200, 200, 200, 404, 500, 302]))
        elif r < 0.93:
            v = case_values(rng)
            ns = clock.step()
            v["ts"] = ts_logback(ns)
            v["hms"] = _dt(ns).strftime("%H:%M:%S")
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
    path.write_text("\n".join(out.lines) + "\n", encoding="utf-8")
    manifest["files"]["cases/" + name] = {"events": out.events}


def main():
    check_tools()
    setup_work()
    if CASES.exists():
        shutil.rmtree(CASES)
    CASES.mkdir()

    specs = [(prog, root) for prog in PROGRAM_TABLE for root in prog.runs]
    only = os.environ.get("TF_ONLY")   # debugging aid: capture only matching programs, write nothing
    if only:
        specs = [s for s in specs if only in s[0].file]
    with ThreadPoolExecutor(WORKERS) as pool:
        cases = list(pool.map(lambda s: capture(s[0], s[1], specs.index(s)), specs))
    for path in sorted(HANDWRITTEN.glob("*.txt")):
        cases.append(load_handwritten(path, len(cases)))
    for case in cases:
        print("%-44s rc=%-4s %-46s %s" % (case.id, case.rc, case.type[:46], case.chain), file=sys.stderr)
    if only:
        return

    manifest = {"files": {}}
    for case in cases:
        for fmt in case.formats:
            rng = rng_for("file", case.id, fmt)
            if fmt == "stderr":
                o = wrap_stderr(case, rng)
            elif fmt == "logback":
                o = wrap_logback(case, rng)
            elif fmt == "log4j2":
                o = wrap_log4j2(case, rng)
            elif fmt == "jsonl":
                o = wrap_jsonl(case, rng)
            else:
                o = wrap_container(case, rng, fmt)
            write(o, "%s.%s.log" % (case.id, fmt), manifest)

    # Real traces that are short enough to mix into other files
    mixable = [c for c in cases if not c.handwritten and len(c.raw) < 60 and max(len(l) for l in c.raw) < 400]

    def pick_pair(rng):
        a = rng.choice(mixable)
        b = rng.choice([c for c in mixable if c.group != a.group])
        return a, b

    kinds = [("prefixed", "wildfly"), ("prefixed", "threads"), ("docker", None), ("cri", None)]
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
        write(noisy_file(picks, rng, packaging=n % 2 == 1), "noisy%02d.noisy.log" % n, manifest)

    manifest["files"] = dict(sorted(manifest["files"].items()))
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    real = [c for c in cases if not c.handwritten]
    print("%d programs, %d cases (%d real, %d handwritten), %d files"
          % (len(PROGRAM_TABLE), len(cases), len(real), len(cases) - len(real), len(manifest["files"])),
          file=sys.stderr)


if __name__ == "__main__":
    main()
