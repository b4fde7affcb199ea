#!/usr/bin/env python3
"""Independent sanity checker for the Go corpus (does not reuse generate.py code).

For every file and event it decodes the physical lines according to the file's
format (docker/CRI pieces joined, journald prefixes stripped, JSON parsed),
then checks that the first line is an intro or a crash start, that the last
line ends a goroutine block, that type / message / chain match what the text
says, that the line after an event is EOF / blank / a new record, that the
trace text equals the bare stderr capture, plus a few global properties
(format counts, docker/CRI piece sizes, group labels, corpus size).

Usage: python3 check.py        exits 1 and prints problems if anything is off.
"""
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLOG = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ")
CRI = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$")
JOURNALD = re.compile(r"^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ (\S+\[\d+\]): (.*)$")
STARTS = ("panic: ", "fatal error: ", "unexpected fault address ", "runtime: goroutine stack exceeds ")
GOROUTINE = re.compile(r"^goroutine \d+ (gp=0x[0-9a-f]+ m=(\d+|nil)( mp=0x[0-9a-f]+)? )?\[[^\]]+\]:$")
TRACE_KEYS = ("stacktrace", "stack", "trace")

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def decode(name, raw):
    """Per physical line: (logical content or None for a non-final piece, stream/process)."""
    out = []
    if name.endswith((".docker.log", "-docker.interleaved.log")):
        buf = {}
        for i, l in enumerate(raw):
            rec = json.loads(l)
            if set(rec) != {"log", "stream", "time"}:
                bad(name, "line %d: unexpected docker keys" % (i + 1))
            s, piece = rec["stream"], rec["log"]
            if not piece.endswith("\n"):
                if len(piece.encode()) != 16384:
                    bad(name, "line %d: docker partial piece of %d bytes" % (i + 1, len(piece.encode())))
                buf[s] = buf.get(s, "") + piece
                out.append((None, s))
            else:
                out.append((buf.pop(s, "") + piece[:-1], s))
        return out
    if name.endswith((".cri.log", "-cri.interleaved.log")):
        buf = {}
        for i, l in enumerate(raw):
            m = CRI.match(l)
            if not m:
                bad(name, "line %d: not a CRI line" % (i + 1))
                out.append(("", "?"))
                continue
            s, tag, piece = m.group(2), m.group(3), m.group(4)
            if tag == "P":
                if len(piece.encode()) != 16384:
                    bad(name, "line %d: CRI P piece of %d bytes" % (i + 1, len(piece.encode())))
                buf[s] = buf.get(s, "") + piece
                out.append((None, s))
            else:
                out.append((buf.pop(s, "") + piece, s))
        return out
    if name.endswith("-journald.interleaved.log"):
        for i, l in enumerate(raw):
            m = JOURNALD.match(l)
            if not m:
                bad(name, "line %d: not a journald line" % (i + 1))
                out.append(("", "?"))
            else:
                out.append((m.group(2), m.group(1)))
        return out
    return [(l, "-") for l in raw]


def analyse(lines, where):
    """Type, first message line and chain of a Go crash, from its text."""
    header = []
    for l in lines:
        if GOROUTINE.match(l):
            break
        header.append(GOLOG.sub("", l, count=1))
    else:
        bad(where, "no goroutine header")
        return None
    for l in header:
        m = re.match(r"^http: panic serving [0-9.]+:\d+: (.*)$", l)
        if m:
            return "panic", m.group(1), ["panic"]
    fatal = [l[len("fatal error: "):] for l in header if l.startswith("fatal error: ")]
    if fatal:
        return "fatal error", fatal[0], ["fatal error"]
    panics = [l.lstrip("\t")[len("panic: "):] for l in header if l.lstrip("\t").startswith("panic: ")]
    if not panics:
        bad(where, "no panic line")
        return None
    msg = panics[-1]
    for suffix in (" [recovered]", " [recovered, repanicked]"):
        if msg.endswith(suffix):
            msg = msg[:-len(suffix)]
    return "panic", msg, ["panic"] * len(panics)


def is_block_end(line):
    """Last line of a goroutine block: a file:line frame line or 'stack unavailable'."""
    return (re.match(r"^\t\S.*:\d+( \+0x[0-9a-f]+)?( fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+)?$", line)
            is not None) or line == "\tgoroutine running on other thread; stack unavailable"


def is_record_start(line):
    return (GOLOG.match(line) is not None or line.startswith("{") or JOURNALD.match(line) is not None
            or CRI.match(line) is not None or re.match(r"^\d+\.\d+\.\d+\.\d+ - - \[", line) is not None)


def stderr_events(name, manifest):
    """(trace lines of each event) of the bare stderr file for a case."""
    case = name[len("cases/"):].rsplit(".", 2)[0]
    path = "cases/%s.stderr.log" % case
    lines = (HERE / path).read_text(encoding="utf-8").split("\n")
    return [lines[e["first_line"] - 1:e["last_line"]] for e in manifest["files"][path]["events"]]


def check_file(name, spec, manifest):
    raw = (HERE / name).read_text(encoding="utf-8").split("\n")
    assert raw[-1] == "", name
    raw = raw[:-1]
    dec = decode(name, raw)
    events = spec["events"]
    fmt = name.rsplit(".", 2)[-2]
    if [e["last_line"] for e in events] != sorted(e["last_line"] for e in events):
        bad(name, "events not ordered by last_line")
    for k, e in enumerate(events):
        where = "%s event %d" % (name, k + 1)
        for key in ("first_line", "last_line", "type", "message", "chain", "group", "kind", "language"):
            if key not in e:
                bad(where, "missing " + key)
        if e.get("language") != "go" or e.get("kind") != "exception":
            bad(where, "language/kind")
        f, l = e["first_line"], e["last_line"]
        if not 1 <= f <= l <= len(raw):
            bad(where, "bad span %d-%d" % (f, l))
            continue
        stream = dec[f - 1][1]
        # logical lines of this event (same stream / process in interleaved files)
        lines = [c for (c, s) in dec[f - 1:l] if c is not None and s == stream]
        if fmt == "jsonl":
            if f != l:
                bad(where, "JSON event spans several lines")
            rec = json.loads(raw[f - 1])
            keys = [key for key in TRACE_KEYS if key in rec]
            if len(keys) != 1:
                bad(where, "no single trace field in %s" % sorted(rec))
                continue
            msg = rec["msg"]
            lines = ([msg] if msg.startswith("http: panic serving") else []) + rec[keys[0]].split("\n")
            got = analyse(lines, where)
            want_lines = stderr_events(name, manifest)[0]
            body = rec[keys[0]].split("\n")
            if GOLOG.sub("", want_lines[0]) == msg or want_lines[0] == msg:
                want_lines = want_lines[1:]
            if body != want_lines:
                bad(where, "JSON trace differs from the stderr capture")
        else:
            first = lines[0]
            if not (GOLOG.match(first) or first.startswith(STARTS)):
                bad(where, "first line is not an intro or a crash start: %r" % first[:80])
            if fmt in ("logging", "docker", "cri", "interleaved") and not GOLOG.match(first):
                bad(where, "record does not start at its intro line: %r" % first[:80])
            if not is_block_end(lines[-1]):
                bad(where, "last line does not end a goroutine block: %r" % lines[-1][:80])
            got = analyse(lines, where)
            if fmt != "stderr" and not name.endswith(".noisy.log"):
                want = stderr_events(name, manifest)[0] if fmt not in ("interleaved",) else None
                if want is not None:
                    body = lines[1:] if GOLOG.match(lines[0]) and not GOLOG.match(want[0]) else lines
                    if GOLOG.match(want[0]):
                        body, want = [GOLOG.sub("", x) for x in body[:1]] + body[1:], \
                                     [GOLOG.sub("", x) for x in want[:1]] + want[1:]
                    if body != want:
                        bad(where, "trace lines differ from the stderr capture")
            # what follows
            nxt = l
            while nxt < len(dec) and (dec[nxt][0] is None or dec[nxt][1] != stream):
                nxt += 1
            if nxt < len(dec):
                after = dec[nxt][0]
                ok = after == "" or is_record_start(after) or (fmt == "stderr" and re.match(r"^exit status \d+$", after))
                if not ok:
                    bad(where, "line after the event is %r" % after[:80])
        if got and (got[0], got[1], got[2]) != (e["type"], e["message"], e["chain"]):
            bad(where, "type/message/chain %r != %r" % (got, (e["type"], e["message"], e["chain"])))


def main():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    on_disk = {"cases/" + p.name for p in (HERE / "cases").glob("*.log")}
    if on_disk != set(files):
        bad("manifest", "files on disk and in the manifest differ: %s" % sorted(on_disk ^ set(files))[:5])
    groups_by_fmt = defaultdict(set)
    label_progs = defaultdict(set)
    for name, spec in files.items():
        check_file(name, spec, manifest)
        fmt = name.rsplit(".", 2)[-2]
        case = name[len("cases/"):].rsplit(".", 2)[0]
        for e in spec["events"]:
            if not e.get("handwritten"):
                groups_by_fmt[fmt].add(e["group"])
            if fmt not in ("interleaved", "noisy") and not case.startswith("hw-"):
                label_progs[e["group"]].add(case.split("-deploy-")[0])
    for fmt in ("stderr", "logging", "jsonl", "docker", "cri"):
        if len(groups_by_fmt[fmt]) < 15:
            bad("formats", "%s has only %d distinct real traces" % (fmt, len(groups_by_fmt[fmt])))
    for fmt, n in (("interleaved", 6), ("noisy", 6)):
        count = sum(1 for f in files if f.endswith(".%s.log" % fmt))
        if count < n:
            bad("formats", "only %d %s files" % (count, fmt))
    for label, progs in label_progs.items():
        if len(progs) != 1:
            bad("groups", "%s is used by %s" % (label, sorted(progs)))
    size = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    if size > 6 * 1024 * 1024:
        bad("size", "corpus is %d bytes" % size)
    if problems:
        print("\n".join(problems))
        print("%d problems" % len(problems))
        sys.exit(1)
    n_events = sum(len(s["events"]) for s in files.values())
    print("OK: %d files, %d events, %d bytes" % (len(files), n_events, size))


if __name__ == "__main__":
    main()
