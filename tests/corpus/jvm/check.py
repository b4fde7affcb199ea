#!/usr/bin/env python3
"""Independent checker for manifest.json of the JVM corpus (shares no code with generate.py).

For every file it decodes the physical lines according to the format
(docker/CRI pieces are joined, per-line prefixes are stripped, JSON is parsed),
then for every event checks:

  * the keys, "language": "java", "kind": "exception", and "handwritten"
    exactly on the events of handwritten cases;
  * the first line: a logback/log4j2 header, an 'Exception in thread "…"'
    line, or (bare traces) the exception line itself;
  * the trace structure: exception line, message continuation lines,
    frames, '... N more' / '... N common frames omitted', 'Caused by:' and
    'Suppressed:' blocks; the last line is a frame, an omitted-frames line
    or an exception line; no line of the record lies after last_line;
  * type and message against the first exception line, chain against the
    top-level 'Caused by:' lines (oldest cause first, outermost last);
  * the line before and after the event, the order of events;
  * globally: group labels vs programs, the outermost exception's frames are
    the same in every file of a case, docker/CRI piece sizes, counts, size.

Usage: python3 check.py        exits 1 and prints problems if anything is off.
"""
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LB_HEAD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (ERROR|WARN|INFO|DEBUG)\s* \[[^\]]+\] \S+ - ")
L4_HEAD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (ERROR|WARN|INFO|DEBUG) \S+ - ")
CRI = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$")
WILDFLY = re.compile(r"^\d\d:\d\d:\d\d,\d{3} (\w+)\s+\[([^\]]+)\] \(([^)]*)\) (.*)$")
THREADS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[([^\]]+)\] (.*)$")
INTRO = re.compile(r'^Exception in thread "([^"]*)" (.*)$')
EXC = re.compile(r"^([A-Za-z_$][\w$]*(?:\.[\w$]+)*)(?:: (.*)|:)?$")
FRAME = re.compile(r"^(\t+)at \S+\(.*\)( ~?\[[^\[\]]*\])?$")
OMIT = re.compile(r"^(\t+)\.\.\. \d+ (more|common frames omitted)$")
NESTED = re.compile(r"^(\t*)(Caused by|Suppressed): (.*)$")
PKG = re.compile(r" ~?\[[^\[\]]*\]$")
MOD = re.compile(r"^(\t+at )(?:[\w.+@-]*/){1,2}")
HID = re.compile(r"\$\$Lambda\$\d+/0x[0-9a-f]+|/0x[0-9a-f]{16}")

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def fmt_of(name):
    if name.endswith(".interleaved.log"):
        return name.rsplit("-", 1)[1].split(".")[0]        # wildfly, threads, docker, cri
    return name.rsplit(".", 2)[-2]


def decode(name, raw):
    """Per physical line: (content or None for a partial piece, key)."""
    f = fmt_of(name)
    out = []
    if f == "docker":
        buf = {}
        for i, l in enumerate(raw):
            rec = json.loads(l)
            if set(rec) != {"log", "stream", "time"}:
                bad(name, "line %d: bad docker keys" % (i + 1))
            s, piece = rec["stream"], rec["log"]
            if not piece.endswith("\n"):
                if len(piece.encode()) != 16384:
                    bad(name, "line %d: docker partial piece of %d bytes" % (i + 1, len(piece.encode())))
                buf[s] = buf.get(s, "") + piece
                out.append((None, s))
            else:
                out.append((buf.pop(s, "") + piece[:-1], s))
        return out
    if f == "cri":
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
    if f == "wildfly":
        for l in raw:
            m = WILDFLY.match(l)
            if m and m.group(2) == "stderr":
                out.append((m.group(4), m.group(3)))
            else:
                out.append((l, "other"))
        return out
    if f == "threads":
        for l in raw:
            m = THREADS.match(l)
            out.append((m.group(2), m.group(1)) if m else (l, "other"))
        return out
    return [(l, "-") for l in raw]


def parse_exc(line):
    m = EXC.match(line)
    if not m:
        return None
    return m.group(1), m.group(2) or ""


def check_trace(where, trace, ev):
    """trace: the lines from the outermost exception line to last_line."""
    first = parse_exc(trace[0])
    if first is None:
        bad(where, "first trace line is not an exception line: %r" % trace[0][:100])
        return None
    if (first[0], first[1].split("\n")[0]) != (ev["type"], ev["message"]):
        bad(where, "type/message %r != %r" % (first, (ev["type"], ev["message"])))
    chain = [first[0]]
    state = "head"            # after an exception line: continuation lines allowed
    for i, line in enumerate(trace[1:], 1):
        n = NESTED.match(line)
        if FRAME.match(line) or OMIT.match(line):
            state = "frames"
        elif n:
            if parse_exc(n.group(3)) is None and not n.group(3).startswith("The stacktrace has been enhanced"):
                bad(where, "bad nested exception line %r" % line[:100])
            if n.group(1) == "" and n.group(2) == "Caused by":
                chain.append(parse_exc(n.group(3))[0])
            state = "head"
        elif state == "head" or state == "cont":
            if re.match(r"^\t+at ", line):
                bad(where, "malformed frame %r" % line[:100])
            state = "cont"
        else:
            bad(where, "line %d of the trace is not part of a trace: %r" % (i + 1, line[:100]))
    chain.reverse()
    if chain != ev["chain"]:
        bad(where, "chain %s != %s" % (chain, ev["chain"]))
    last = trace[-1]
    if not (FRAME.match(last) or OMIT.match(last) or NESTED.match(last) or len(trace) == 1):
        bad(where, "last line is not a frame / omitted line / exception line: %r" % last[:100])
    return top_frames(trace)


def top_frames(trace):
    out = []
    for line in trace[1:]:
        if FRAME.match(line) and line.startswith("\tat "):
            out.append(HID.sub("#", MOD.sub(r"\1", PKG.sub("", line))))
        elif out or NESTED.match(line):
            break
    return tuple(out)


def continues_trace(content):
    return content is not None and (content.startswith("\t") or content.startswith("Caused by: ")
                                    or FRAME.match(content) is not None)


def main():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    on_disk = {"cases/" + p.name for p in (HERE / "cases").glob("*.log")}
    if on_disk != set(files):
        bad("manifest", "files on disk and in manifest differ: %s" % sorted(on_disk ^ set(files))[:5])
    fmt_count = Counter()
    cases_per_fmt = defaultdict(set)
    group_progs = defaultdict(set)
    prog_groups = defaultdict(set)
    case_tops = defaultdict(set)
    tops_groups = defaultdict(set)
    events_total = 0
    handwritten_events = 0
    for name, entry in files.items():
        fname = name.split("/", 1)[1]
        f = fmt_of(fname)
        kind_of_file = "interleaved" if fname.endswith(".interleaved.log") else \
            "noisy" if fname.endswith(".noisy.log") else "case"
        fmt_count[kind_of_file if kind_of_file != "case" else f] += 1
        case = fname.rsplit(".", 2)[0] if kind_of_file == "case" else None
        text = (HERE / name).read_text(encoding="utf-8")
        if not text.endswith("\n"):
            bad(name, "no final newline")
        raw = text[:-1].split("\n")
        dec = decode(fname, raw)
        events = entry["events"]
        if not events:
            bad(name, "no events")
        if [e["last_line"] for e in events] != sorted(e["last_line"] for e in events):
            bad(name, "events not ordered by last line")
        for k, ev in enumerate(events):
            events_total += 1
            where = "%s#%d" % (name, k)
            keys = {"first_line", "last_line", "type", "message", "chain", "group", "kind", "language"}
            hw = case is not None and case.endswith("-handwritten")
            if hw:
                keys.add("handwritten")
                handwritten_events += 1
                if ev.get("handwritten") is not True:
                    bad(where, "handwritten case without handwritten: true")
            if set(ev) != keys:
                bad(where, "keys %s" % sorted(ev))
            if ev.get("language") != "java" or ev.get("kind") != "exception":
                bad(where, "language/kind")
            fl, ll = ev["first_line"], ev["last_line"]
            if not 1 <= fl <= ll <= len(raw):
                bad(where, "bad range %d..%d" % (fl, ll))
                continue
            if case:
                prog = case.split("-")[0]
                group_progs[ev["group"]].add(prog)
                prog_groups[prog].add(ev["group"])
                cases_per_fmt[f].add(case)
            # --- the record's lines
            if f == "jsonl":
                if fl != ll:
                    bad(where, "jsonl event spans several lines")
                rec = json.loads(raw[fl - 1])
                stack = rec.get("stack_trace", rec.get("error.stack_trace"))
                if stack is None:
                    bad(where, "no stack field")
                    continue
                if "error.type" in rec and rec["error.type"] != ev["type"]:
                    bad(where, "error.type differs")
                lines = stack.split("\n")
                if lines[-1] == "":
                    lines.pop()
                trace = lines
                intro_ok = bool(rec.get("message"))
            else:
                key = dec[fl - 1][1]
                contents = [c for c, s in dec[fl - 1:ll] if c is not None and s == key]
                if dec[ll - 1][0] is None:
                    bad(where, "event ends on a partial piece")
                if dec[ll - 1][1] != key:
                    bad(where, "last line belongs to another stream/thread")
                head = contents[0]
                if LB_HEAD.match(head) or L4_HEAD.match(head) or re.match(r"^ERROR \S+ - ", head):
                    if not head.split(" - ")[0].count("ERROR"):
                        bad(where, "intro is not an ERROR record")
                    trace = contents[1:]
                    intro_ok = f in ("logback", "log4j2", "docker", "cri", "noisy", "threads")
                    if f == "log4j2" and not L4_HEAD.match(head):
                        intro_ok = False
                else:
                    m = INTRO.match(head)
                    trace = [m.group(2)] + contents[1:] if m else contents
                    intro_ok = f in ("stderr", "noisy", "docker", "cri", "wildfly")
                # nothing of the record after last_line, and nothing before first_line
                nxt = next((dec[j] for j in range(ll, len(dec)) if dec[j][1] == key), None)
                if nxt is not None and continues_trace(nxt[0]):
                    bad(where, "the record continues after last_line: %r" % nxt[0][:80])
                if ll < len(raw) and f in ("logback", "log4j2", "noisy") and raw[ll] != "" \
                        and not (LB_HEAD.match(raw[ll]) or L4_HEAD.match(raw[ll])):
                    bad(where, "line after the event is not blank or a new record: %r" % raw[ll][:80])
                if f == "stderr" and (raw[ll:] not in ([], [""])):
                    bad(where, "something follows the crash in bare stderr")
                prev = next((dec[j] for j in range(fl - 2, -1, -1) if dec[j][1] == key), None)
                if prev is not None and prev[0] is not None and (
                        continues_trace(prev[0]) or INTRO.match(prev[0]) or EXC.match(prev[0]) and f != "stderr"
                        or trace is contents and re.match(r"^(\S+ \S+ )?ERROR\s", prev[0])):
                    bad(where, "line before the event looks like part of it: %r" % prev[0][:80])
                if trace is contents and f == "noisy" and prev is not None and prev[0] != "":
                    bad(where, "bare trace in a noisy file not preceded by a blank line")
                if kind_of_file == "case" and f in ("docker", "cri", "logback", "log4j2") and trace is contents:
                    bad(where, "%s case without its logger intro line" % f)
            if not intro_ok:
                bad(where, "unexpected intro %r" % (trace[:1],))
            if not trace:
                bad(where, "empty trace")
                continue
            tops = check_trace(where, trace, ev)
            if tops is not None:
                tops_groups[tops].add(ev["group"])
                if case:
                    case_tops[case].add(tops)
    for case, tops in case_tops.items():
        if len(tops) != 1:
            bad(case, "the outermost exception's frames differ between formats")
    for tops, groups in tops_groups.items():
        if len(groups) != 1:
            bad("groups", "the same trace carries labels %s" % sorted(groups))
    for g, progs in group_progs.items():
        if len(progs) != 1:
            bad("groups", "label %s used by programs %s" % (g, sorted(progs)))
    for p, gs in prog_groups.items():
        if len(gs) != 1:
            bad("groups", "program %s has labels %s" % (p, sorted(gs)))
    for f in ("stderr", "logback", "log4j2", "jsonl", "docker", "cri"):
        real = {c for c in cases_per_fmt[f] if not c.endswith("-handwritten")}
        if len(real) < 15:
            bad("counts", "only %d real traces in format %s" % (len(real), f))
    if fmt_count["interleaved"] < 8 or fmt_count["noisy"] < 8:
        bad("counts", "too few interleaved/noisy files")
    size = sum((HERE / n).stat().st_size for n in files)
    if size >= 8e6:
        bad("size", "corpus is %.2f MB" % (size / 1e6))
    print("files per format:", dict(sorted(fmt_count.items())))
    print("events: %d (%d handwritten), group labels: %d, corpus size: %.2f MB"
          % (events_total, handwritten_events, len(group_progs), size / 1e6))
    if problems:
        print("\n".join(problems[:200]))
        print("%d problems" % len(problems))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
