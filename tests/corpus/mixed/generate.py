#!/usr/bin/env python3
"""Generate the tracefix mixed-language stream corpus.

Every trace here is a trace of one of the per-language corpora
(tests/corpus/<language>/cases/*.stderr.log, printed by a real runtime), and
its expected event is that corpus's manifest entry: nothing is re-run and no
trace is written by hand.  This script only puts them together: each stream
interleaves traces of all eight languages with ordinary log lines taken from
the negative corpus, with traces directly adjacent, separated by one blank
line, or separated by ordinary records, and writes the same stream in four
framings (plain, Docker json-file, CRI, journald) plus manifest.json.

Usage:  python3 generate.py            (regenerates cases/ and manifest.json)

Stdlib only.  Deterministic: every choice comes from random.Random seeded by
SEED and the stream name; inputs are read in sorted order.
"""

import importlib.util
import json
import random
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
CASES = HERE / "cases"
MANIFEST = HERE / "manifest.json"
CORPUS_TEST = CORPUS.parent.parent / "crates" / "core" / "tests" / "corpus.rs"
SEED = 20261121

LANGS = ("python", "jvm", "node", "go", "ruby", "php", "dotnet", "rust")
FRAMINGS = ("plain", "docker", "cri", "journald")
MIX_STREAMS = 8  # mix01..mix08: all languages, one same-bug pair each
DEPLOY_STREAMS = 2  # deploys01..02: a same-bug pair of every language
MAX_BLOCK_LINES = 300  # leave out the few huge dumps (1,025-line JVM recursion)


def _load_python_generator():
    """The Python corpus generator, for its container framing helpers
    (container_physical: Docker json-file / CRI records with Go-style escaping
    and 16 KiB splitting) and its clock.  Importing it runs nothing."""
    spec = importlib.util.spec_from_file_location("tf_python_generate", CORPUS / "python" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PYGEN = _load_python_generator()
container_physical = PYGEN.container_physical
Clock = PYGEN.Clock


def ts_syslog(ns):
    """journalctl -o short time stamp (`Nov 21 10:00:00`), as the Go, .NET,
    PHP and Ruby corpora write it."""
    d = PYGEN._dt(ns)
    return d.strftime("%b ") + ("%2d" % d.day) + d.strftime(" %H:%M:%S")


def rng_for(*parts):
    return random.Random(":".join([str(SEED)] + [str(p) for p in parts]))


# --------------------------------------------------------------------------
# Inputs: the per-language cases and the negative corpus
# --------------------------------------------------------------------------

def rust_string_list(const_name):
    """The first string of each entry of a `const NAME: [...]` in corpus.rs."""
    text = CORPUS_TEST.read_text(encoding="utf-8")
    m = re.search(r"const %s\b[^=]*=\s*\[(.*?)\n\];" % const_name, text, re.S)
    assert m, "%s not found in %s" % (const_name, CORPUS_TEST)
    body = m.group(1)
    if "(" in body:
        return re.findall(r'\(\s*"([^"]+)"', body)
    return re.findall(r'"([^"]+)"', body)


KNOWN_GAPS = rust_string_list("KNOWN_GAPS")
ALLOWED_SPLITS = rust_string_list("ALLOWED_SPLITS")


class Case:
    """One per-language `.stderr.log` case, cut to its traces.

    `block` is the lines from the first event's first line (with the blank
    lines right before it) to the last event's last line; `events` are the
    manifest events with line numbers made 0-based offsets into `block`;
    `tail` is what the runtime printed after the trace (blank lines,
    `Node.js v20…`, `exit status 2`)."""

    def __init__(self, lang, name, block, events, tail):
        self.lang = lang
        self.name = name
        self.block = block
        self.events = events
        self.tail = tail
        self.group = events[0]["group"]
        m = re.search(r"-deploy-([abc])", name)
        self.deploy = m.group(1) if m else "app"
        self.backtrace = any("stack backtrace:" in l for l in block)
        self.lead = next(i for i, l in enumerate(block) if l != "")  # leading blank lines

    def __repr__(self):
        return "%s/%s" % (self.lang, self.name)


def load_cases():
    cases = {}
    for lang in LANGS:
        manifest = json.loads((CORPUS / lang / "manifest.json").read_text(encoding="utf-8"))
        found = []
        for path, spec in sorted(manifest["files"].items()):
            if not path.endswith(".stderr.log"):
                continue
            name = path[len("cases/"):-len(".stderr.log")]
            events = spec["events"]
            if not events or any(e.get("handwritten") for e in events):
                continue  # runtime output only
            if any(gap in name for gap in KNOWN_GAPS):
                continue
            text = (CORPUS / lang / path).read_text(encoding="utf-8")
            assert "\r" not in text, path
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            first = min(e["first_line"] for e in events)
            last = max(e["last_line"] for e in events)
            # blank lines right before the trace are the runtime's own (Mono
            # prints "\nUnhandled Exception:\n…"): they stay with it
            start = first
            while start > 1 and lines[start - 2] == "":
                start -= 1
            if last - start + 1 > MAX_BLOCK_LINES:
                continue
            rel = []
            for e in events:
                ev = {
                    "first_line": e["first_line"] - start,
                    "last_line": e["last_line"] - start,
                    "type": e["type"],
                    "message": e["message"],
                    "chain": list(e["chain"]),
                    # labels repeat across languages (python and node both have
                    # ledger_not_balanced): qualify them by corpus
                    "group": "%s:%s" % (lang, e["group"]),
                    "kind": e["kind"],
                    "language": e.get("language", "python"),
                }
                rel.append(ev)
            found.append(Case(lang, name, lines[start - 1:last], rel, lines[last:]))
        assert found, lang
        cases[lang] = found
    return cases


# A line that starts a new log record: whatever trace is open ends before it.
RECORD_START = re.compile(r'^(?:\d{4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d|\{"|\[\d{4}-\d\d-\d\d[ T]|[DIWEF], \[\d{4}-)')
# Words that make a record an error report, which may introduce a trace.
ERRORISH = re.compile(r"(?i)err|fail|fatal|ftl|crit|exception|warn|wrn|severe|alert|emerg|panic|unhandled|"
                      r"uncaught|traceback|abort|refused|denied|stack|caused by")
SYSLOG_LINE = re.compile(r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:|<\d+>)")
NEGATIVE_FILES = ("access.log", "go.log", "java.log", "json.log", "k8s-events.log", "logfmt.log",
                  "postgres.log", "python-logging.log", "rails.log", "syslog.log", "tricky.log", "web-error.log")


class Fillers:
    """Ordinary lines from the negative corpus.

    - `any`: every usable line (one physical line, not indented, not a syslog
      line, since the journald framing adds its own prefix);
    - `after`: lines that start a new record (a time stamp or a JSON object),
      so they cannot continue the trace before them;
    - `before`: `after` lines with no error word and no trailing colon, so
      they cannot be the log record that introduces the trace after them.
    """

    def __init__(self):
        self.any, self.after, self.before = [], [], []
        for name in NEGATIVE_FILES:
            for raw in (CORPUS / "negative" / name).read_bytes().split(b"\n"):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if (not line.strip() or line[0] in " \t" or "\r" in line or len(line) > 300
                        or not line.isprintable() or SYSLOG_LINE.match(line)):
                    continue
                self.any.append(line)
                if RECORD_START.match(line):
                    self.after.append(line)
                    if not ERRORISH.search(line) and not line.rstrip().endswith(":"):
                        self.before.append(line)
        assert len(self.before) > 100, len(self.before)


# --------------------------------------------------------------------------
# Streams
# --------------------------------------------------------------------------

SERVICES = {  # journald identifiers of the services that print each language
    "python": "orders-worker", "jvm": "billing-api", "node": "storefront", "go": "shop-gateway",
    "ruby": "puma", "php": "php-fpm", "dotnet": "shop-api", "rust": "ledger-svc",
}
FILLER_SERVICES = ("nginx", "postgres", "kubelet", "vector")
HOSTS = ("shop-web-1", "shop-web-2", "shop-worker-3")


class Line:
    __slots__ = ("text", "stream", "writer", "ns")

    def __init__(self, text, stream, writer, ns):
        assert "\n" not in text
        self.text, self.stream, self.writer, self.ns = text, stream, writer, ns


class Stream:
    def __init__(self, name):
        self.name = name
        self.rng = rng_for("stream", name)
        self.clock = Clock(self.rng)
        self.lines = []
        self.events = []  # (first logical index, last logical index, event)
        self.traces = []  # the cases, in order
        self.plan = []  # what was put where, for --plan
        self.filler_writers = [(self.rng.choice(HOSTS), s, self.rng.randint(300, 65000)) for s in FILLER_SERVICES]

    def add(self, text, stream, writer, ns):
        self.lines.append(Line(text, stream, writer, ns))

    def filler(self, pool, stream):
        ns = self.clock.step()
        self.add(self.rng.choice(pool), stream, self.rng.choice(self.filler_writers), ns)

    def blank(self, writer):
        self.add("", "stderr", writer, self.clock.tiny())

    def writer_for(self, case):
        """The journald identity of the process that prints one trace."""
        return (self.rng.choice(HOSTS), SERVICES[case.lang], self.rng.randint(300, 65000))

    def trace(self, case, writer):
        start = len(self.lines)
        ns = self.clock.step(1, 50)
        for i, text in enumerate(case.block):
            self.add(text, "stderr", writer, ns if i == 0 else self.clock.tiny())
        for e in case.events:
            self.events.append((start + e["first_line"], start + e["last_line"], e))
        self.plan.append("lines %d-%d %r" % (start + 1, len(self.lines), case))
        self.traces.append(case)

    def tail(self, case, writer):
        for text in case.tail:
            self.add(text, "stderr", writer, self.clock.tiny())


def gap_kinds(rng, traces, forced):
    """How each pair of neighbouring traces is separated: `adjacent` (no line
    between), `blank` (one blank line) or `filler` (ordinary records).  Only
    traces of different languages are put next to each other."""
    kinds = []
    for i, (a, b) in enumerate(zip(traces, traces[1:])):
        if i in forced:
            kinds.append(forced[i])
        elif a.lang == b.lang:
            kinds.append("filler")
        else:
            kinds.append(rng.choices(("adjacent", "blank", "filler"), (3, 2, 5))[0])
    # every stream has at least two pairs with no line at all between them
    # (the second trace does not start with a blank line of its own) and one
    # pair separated by exactly one blank line
    def count(want):
        return sum(1 for i, k in enumerate(kinds) if k == want and traces[i + 1].lead == 0)

    for want, least in (("adjacent", 2), ("blank", 1)):
        free = [i for i, k in enumerate(kinds) if k == "filler" and i not in forced
                and traces[i].lang != traces[i + 1].lang and traces[i + 1].lead == 0]
        rng.shuffle(free)
        while count(want) < least and free:
            kinds[free.pop()] = want
    assert count("adjacent") >= 2 and count("blank") >= 1, kinds
    return kinds


def build_stream(name, traces, forced, fillers):
    """Lay out one stream: the traces in order with their gaps.

    What surrounds a trace never belongs to it, in every framing:
    - the line after a trace (and its tail) is the next trace's first line, a
      blank line, or an `after` record; the line before it is the previous
      trace's last line, a blank line, or a `before` record;
    - a Go panic claims the record printed right before it as its intro (the
      program's own log line, as in the Go corpus), so a Go trace always
      follows a blank line or another trace;
    - the lines right before and after a trace are on stderr like the trace,
      so each container channel sees the same neighbours as the plain file.
    """
    s = Stream(name)
    rng = s.rng
    kinds = gap_kinds(rng, traces, forced)
    s.plan.append("gaps: " + " ".join(kinds))

    def ordinary_run(count, then):
        """count >= 1 ordinary records; `then` is the trace that follows (or None)."""
        for j in range(count):
            if j == count - 1 and then is not None:
                pool = fillers.before
            elif j == 0:
                pool = fillers.after
            else:
                pool = fillers.any
            edge = j == 0 or j == count - 1
            s.filler(pool, "stderr" if edge else rng.choice(("stdout", "stderr")))

    # lines before the first trace: any records, then one that does not introduce it
    for _ in range(rng.randint(1, 3)):
        s.filler(fillers.any, rng.choice(("stdout", "stderr")))
    s.filler(fillers.before, "stderr")
    writer = s.writer_for(traces[0])
    if traces[0].lang == "go" and not traces[0].lead:
        s.blank(writer)
    s.trace(traces[0], writer)
    for kind, prev, case in zip(kinds, traces, traces[1:]):
        prev_writer, writer = writer, s.writer_for(case)
        if kind == "adjacent":
            pass
        elif kind == "blank":
            s.blank(prev_writer)
        else:
            if prev.tail and rng.random() < 0.5:
                s.tail(prev, prev_writer)
            ordinary_run(rng.randint(1, 4), case)
            if case.lang == "go" and not case.lead:
                s.blank(writer)
        s.trace(case, writer)
    if traces[-1].tail and rng.random() < 0.5:
        s.tail(traces[-1], writer)
    ordinary_run(rng.randint(1, 3), None)
    return s


def pick_pair(rng, cases, exclude=()):
    """Two cases of one bug from different deploys (same group, different
    deploy roots): they must get one fingerprint.  For the groups whose events
    may carry two fingerprints (a Rust panic with and without a backtrace) both
    runs are of the same form."""
    by_group = {}
    for c in cases:
        by_group.setdefault(c.group, []).append(c)
    options = []
    for group, members in sorted(by_group.items()):
        if group in exclude:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a.deploy == b.deploy:
                    continue
                if group.split(":", 1)[1] in ALLOWED_SPLITS and a.backtrace != b.backtrace:
                    continue
                options.append((a, b))
    assert options, cases[0].lang
    a, b = rng.choice(options)
    return [a, b] if rng.random() < 0.5 else [b, a]


class Picker:
    """Cycles through each language's cases in a shuffled order, so the
    streams together use as many different cases as possible."""

    def __init__(self, rng, cases):
        self.rng = rng
        self.cases = cases
        self.queues = {lang: [] for lang in LANGS}

    def next(self, lang, avoid=()):
        q = self.queues[lang]
        for _ in range(2):
            for i, c in enumerate(q):
                if c.group not in avoid:
                    return q.pop(i)
            refill = list(self.cases[lang])
            self.rng.shuffle(refill)
            q.extend(refill)
        raise AssertionError(lang)


def spread(rng, traces):
    """Shuffle so that two traces of one bug are never neighbours."""
    for _ in range(1000):
        rng.shuffle(traces)
        if all(a.group != b.group for a, b in zip(traces, traces[1:])):
            return traces
    raise AssertionError("cannot spread %r" % traces)


def mix_streams(cases, fillers):
    """mixNN: 10-16 traces, every language at least once, one same-bug pair of
    language NN (cycling through the eight).  mix01 and mix05 put a Python
    `Exception: ('spam', 'eggs')` right before a JVM trace."""
    picker = Picker(rng_for("picker"), cases)
    tuple_case = next(c for c in cases["python"] if c.name == "tuple_message-py312")
    jvm_bare = next(c for c in cases["jvm"] if c.name == "health_probe-jdk17")
    streams = []
    for n in range(1, MIX_STREAMS + 1):
        name = "mix%02d" % n
        rng = rng_for("plan", name)
        pair_lang = LANGS[(n - 1) % len(LANGS)]
        pair = pick_pair(rng, cases[pair_lang])
        total = rng.randint(10, 16)
        langs = [l for l in LANGS if l != pair_lang]
        langs += [rng.choice(LANGS) for _ in range(total - len(langs) - 2)]
        used = {pair[0].group}
        traces = list(pair)
        for lang in langs:
            c = picker.next(lang, avoid=used | {tuple_case.group})
            used.add(c.group)
            traces.append(c)
        traces = spread(rng, traces)
        forced = {}
        if n in (1, 5):
            # the tuple-message Python trace right before a JVM trace; in mix01
            # the JVM trace starts with a bare `java.net.ConnectException: …`
            # header (printStackTrace), in mix05 with `Exception in thread …`
            jvm = jvm_bare if n == 1 else next(c for c in traces if c.lang == "jvm" and c is not jvm_bare)
            if jvm in traces:
                traces.remove(jvm)
            at = rng.randint(2, len(traces) - 2)
            traces[at:at] = [tuple_case, jvm]
            forced[at] = "adjacent"
            assert all(a.group != b.group for a, b in zip(traces, traces[1:]))
        streams.append(build_stream(name, traces, forced, fillers))
    return streams


def deploy_streams(cases, fillers):
    """deploysNN: for every language one bug from two different deploys
    (different path prefixes, line numbers, pids, ids), 16 traces."""
    streams = []
    used = {lang: set() for lang in LANGS}
    for n in range(1, DEPLOY_STREAMS + 1):
        name = "deploys%02d" % n
        rng = rng_for("plan", name)
        traces = []
        for lang in LANGS:
            try:
                pair = pick_pair(rng, cases[lang], exclude=used[lang])
            except AssertionError:
                pair = pick_pair(rng, cases[lang])
            used[lang].add(pair[0].group)
            traces += pair
        traces = spread(rng, traces)
        streams.append(build_stream(name, traces, {}, fillers))
    return streams


# --------------------------------------------------------------------------
# Framings
# --------------------------------------------------------------------------

def render(stream, framing):
    """Physical lines of the stream in a framing, and for each logical line
    the (first, last) 1-based physical line numbers."""
    out = []
    where = []
    latency = stream.rng.randint(40_000, 900_000) if framing in ("docker", "cri") else 0
    for line in stream.lines:
        if framing == "plain":
            phys = [line.text]
        elif framing == "journald":
            host, ident, pid = line.writer
            phys = ["%s %s %s[%d]: %s" % (ts_syslog(line.ns), host, ident, pid, line.text)]
        else:
            phys = container_physical(framing, line.text, line.stream, line.ns + latency)
        where.append((len(out) + 1, len(out) + len(phys)))
        out.extend(phys)
    return out, where


def manifest_events(stream, where):
    events = []
    for first, last, e in stream.events:
        ev = dict(e)
        ev["first_line"] = where[first][0]
        ev["last_line"] = where[last][1]
        events.append(ev)
    events.sort(key=lambda e: (e["last_line"], e["first_line"]))
    return events


# --------------------------------------------------------------------------
# Self-check: decode every file again and compare with the stream
# --------------------------------------------------------------------------

JOURNALD = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+) (\S+)\[(\d+)\]: (.*)$")
CRI = re.compile(r"^(\S+) (stdout|stderr) ([PF]) (.*)$")


def decode(framing, physical):
    """Logical lines (text, stream) and their physical spans, from the file alone."""
    logical = []
    pending = None
    for n, p in enumerate(physical, 1):
        if framing == "plain":
            logical.append((p, None, n, n))
            continue
        if framing == "journald":
            m = JOURNALD.match(p)
            assert m, p[:80]
            logical.append((m.group(4), None, n, n))
            continue
        if framing == "docker":
            rec = json.loads(p)
            text, stream, done = rec["log"].rstrip("\n"), rec["stream"], rec["log"].endswith("\n")
        else:
            m = CRI.match(p)
            assert m, p[:80]
            text, stream, done = m.group(4), m.group(2), m.group(3) == "F"
        if pending is None:
            pending = [text, stream, n]
        else:
            assert pending[1] == stream
            pending[0] += text
        if done:
            logical.append((pending[0], pending[1], pending[2], n))
            pending = None
    assert pending is None
    return logical


def self_check(stream, framing, physical, events):
    logical = decode(framing, physical)
    assert [l[0] for l in logical] == [l.text for l in stream.lines], (stream.name, framing)
    if framing in ("docker", "cri"):
        assert [l[1] for l in logical] == [l.stream for l in stream.lines]
    spans = {(l[2], l[3]): i for i, l in enumerate(logical)}
    firsts = {l[2]: i for i, l in enumerate(logical)}
    lasts = {l[3]: i for i, l in enumerate(logical)}
    want = sorted(((f, l) for f, l, _ in stream.events), key=lambda fl: fl)
    got = sorted((firsts[e["first_line"]], lasts[e["last_line"]]) for e in events)
    assert got == want, (stream.name, framing)
    assert spans
    # events are ordered by last line, as the test compares them
    keys = [(e["last_line"], e["first_line"]) for e in events]
    assert keys == sorted(keys)


# --------------------------------------------------------------------------

def main():
    cases = load_cases()
    fillers = Fillers()
    streams = mix_streams(cases, fillers) + deploy_streams(cases, fillers)
    if CASES.exists():
        shutil.rmtree(CASES)
    CASES.mkdir()
    files = {}
    stats = {"events": 0, "traces": 0}
    for s in streams:
        for framing in FRAMINGS:
            physical, where = render(s, framing)
            events = manifest_events(s, where)
            self_check(s, framing, physical, events)
            rel = "cases/%s.%s.log" % (s.name, framing)
            (HERE / rel).write_text("\n".join(physical) + "\n", encoding="utf-8")
            files[rel] = {"events": events}
            stats["events"] += len(events)
        stats["traces"] += len(s.traces)
        assert 8 <= len(s.traces) <= 20, (s.name, len(s.traces))
        assert {c.lang for c in s.traces} == set(LANGS), s.name
        if "--plan" in sys.argv:
            print("== %s (%d lines)" % (s.name, len(s.lines)))
            for p in s.plan:
                print("   " + p)
    manifest = {"files": dict(sorted(files.items()))}
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("%d streams x %d framings = %d files, %d traces per framing, %d events in all"
          % (len(streams), len(FRAMINGS), len(files), stats["traces"], stats["events"]))


if __name__ == "__main__":
    main()
