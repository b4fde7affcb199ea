#!/usr/bin/env python3
"""Independent sanity checker for the Rust corpus (does not reuse generate.py code).

For every file and event it decodes the physical lines according to the file's
format (docker/CRI pieces joined, journald prefixes stripped, JSON parsed),
then re-derives where each panic / error report ends from its first line and
compares with the manifest, checks type / message / chain against the text,
the line that follows an event, that the trace text equals the bare stderr
capture, plus a few global properties (format counts, docker/CRI piece sizes,
group labels, corpus size).

Usage: python3 check.py        exits 1 and prints problems if anything is off.
"""
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
INTRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z +[A-Z]+ \S+: ")
CRI = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$")
JOURNALD = re.compile(r"^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ (\S+\[\d+\]): (.*)$")
HEAD_NEW = re.compile(r"^thread '[^']*'( \(\d+\))? panicked at [^ ]+:\d+:\d+:$")
HEAD_OLD = re.compile(r"^thread '[^']*' panicked at '")

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


def is_record_start(line):
    return (INTRO.match(line) is not None or line.startswith("{") or CRI.match(line) is not None
            or JOURNALD.match(line) is not None or re.match(r"^\d+\.\d+\.\d+\.\d+ - - \[", line) is not None)


def describe(lines):
    """(type, message, chain, number of lines) of the report starting at lines[0]."""
    head = lines[0]
    if head.startswith("Error: "):
        n = len(lines)
        for i in range(1, len(lines)):
            if is_record_start(lines[i]) or HEAD_NEW.match(lines[i]):
                n = i
                break
        while n > 1 and lines[n - 1] == "":
            n -= 1
        body = lines[:n]
        causes = 0
        if "Caused by:" in body:
            i = body.index("Caused by:") + 1
            entries = []
            while i < n and body[i] != "":
                entries.append(body[i])
                i += 1
            numbered = [x for x in entries if re.match(r"^ +\d+: ", x)]
            causes = len(numbered) or len(entries)
        return "Error", head[len("Error: "):], ["Error"] * (causes + 1), n
    if HEAD_OLD.match(head):
        rest = head[head.index("panicked at '") + len("panicked at '"):]
        i = 0
        while not re.search(r"', [^ ]+:\d+:\d+$", lines[i]):
            i += 1
        msg = re.sub(r"', [^ ]+:\d+:\d+$", "", rest) if i == 0 else rest
    elif HEAD_NEW.match(head):
        msg = lines[1]
        i = 1
        while (i + 1 < len(lines) and lines[i + 1] != "" and not is_record_start(lines[i + 1])
               and not lines[i + 1].startswith(("stack backtrace:", "note: ", "thread '"))):
            i += 1
    else:
        return None
    # i: last message line
    j = i + 1
    if j < len(lines) and lines[j] == "stack backtrace:":
        j += 1
        while j < len(lines) and (re.match(r"^ *\d+: ", lines[j]) or re.match(r"^ +at ", lines[j])):
            j += 1
        if j < len(lines) and lines[j].startswith("note: Some details are omitted"):
            j += 1
    elif j < len(lines) and lines[j].startswith("note: run with `RUST_BACKTRACE=1`"):
        j += 1
    return "panic", msg, ["panic"], j


def stderr_event_lines(name, manifest, k):
    case = name[len("cases/"):].rsplit(".", 2)[0]
    path = "cases/%s.stderr.log" % case
    lines = (HERE / path).read_text(encoding="utf-8").split("\n")
    e = manifest["files"][path]["events"][k]
    return lines[e["first_line"] - 1:e["last_line"]]


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
        if e.get("language") != "rust" or e.get("kind") != "exception":
            bad(where, "language/kind")
        f, l = e["first_line"], e["last_line"]
        if not 1 <= f <= l <= len(raw):
            bad(where, "bad span %d-%d" % (f, l))
            continue
        stream = dec[f - 1][1]
        if fmt == "jsonl":
            if f != l:
                bad(where, "JSON event spans several lines")
            rec = json.loads(raw[f - 1])
            trace = (rec.get("fields", {}).get("backtrace") or rec.get("panic")
                     or rec.get("err", {}).get("stack"))
            if not trace:
                bad(where, "no trace field")
                continue
            lines = trace.split("\n")
            got = describe(lines)
            if got is None or got[3] != len(lines):
                bad(where, "JSON trace is not exactly one report")
            if lines != stderr_event_lines(name, manifest, k):
                bad(where, "JSON trace differs from the stderr capture")
        else:
            # logical lines from the first line on, same stream / process
            idx = [i for i in range(f - 1, len(dec)) if dec[i][0] is not None and dec[i][1] == stream]
            lines = [dec[i][0] for i in idx]
            start = 0
            if INTRO.match(lines[0]):
                start = 1
            elif fmt in ("logging", "docker", "cri", "interleaved") and not any(
                    dec[p["first_line"] - 1][1] == stream for p in events[:k]):
                bad(where, "record does not start at its intro line: %r" % lines[0][:80])
            elif not (lines[0].startswith(("thread '", "Error: "))):
                bad(where, "first line is not an intro or a report start: %r" % lines[0][:80])
                continue
            got = describe(lines[start:])
            if got is None:
                bad(where, "no report after the intro: %r" % lines[start][:80])
                continue
            end_phys = idx[start + got[3] - 1] + 1
            if dec[end_phys - 1][0] is None:
                bad(where, "ends on a partial piece")
            # physical last line of the report: the last piece of that logical line
            if end_phys != l:
                bad(where, "report ends at line %d, manifest says %d" % (end_phys, l))
            if fmt != "stderr" and fmt not in ("interleaved", "noisy"):
                if lines[start:start + got[3]] != stderr_event_lines(name, manifest, k):
                    bad(where, "trace lines differ from the stderr capture")
            nxt = start + got[3]
            if nxt < len(lines) and not (lines[nxt] == "" or is_record_start(lines[nxt])
                                         or lines[nxt].startswith("thread '")):
                bad(where, "line after the event is %r" % lines[nxt][:80])
        if got and (got[0], got[1], got[2]) != (e["type"], e["message"], e["chain"]):
            bad(where, "type/message/chain %r != %r" % (got[:3], (e["type"], e["message"], e["chain"])))


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
