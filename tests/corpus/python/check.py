#!/usr/bin/env python3
"""Independent sanity checker for manifest.json (does not reuse generate.py code).

For every file and event it decodes the physical lines according to the file's
format, then checks that the first line is an intro / trace start, that the last
line is the final exception line (or its message / note continuation, or the
closing +---- of a group, or a stack's code line), that the printed chain matches,
that the line after an event is EOF / blank / a new record, and a few global
properties (format counts, docker/CRI piece sizes, group labels).

Usage: python3 check.py        exits 1 and prints problems if anything is off.
"""
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEPS = ("During handling of the above exception, another exception occurred:",
        "The above exception was the direct cause of the following exception:")
OPENSTACK = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (?P<pid>\d+ [A-Z]+ \S+ \[[^\]]*\]) ")
MODWSGI = re.compile(r"^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[wsgi:error\] (?P<pid>\[pid \d+:tid \d+\] "
                     r"\[remote [\d.:]+\]) ")
REFERER = ", referer: https://shop.example.com/cart"
LOGGING_TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ")
CRI = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$")
BODY_STARTS = ("Traceback (most recent call last):", '  File "', "  + Exception Group Traceback",
               "Stack (most recent call last):", "concurrent.futures.process._RemoteTraceback:")
STARTS = ("Traceback (most recent call last):", "  File \"", "Exception in thread ",
          "  + Exception Group Traceback (most recent call last):", "Task exception was never retrieved",
          "Stack (most recent call last):", "concurrent.futures.process._RemoteTraceback:")

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def decode(name, raw):
    """Return per physical line: (content or None, stream, record_key). Content of P pieces is joined
    on the F piece; P-pieces get content None."""
    out = []
    if name.endswith((".docker.log", "-docker.interleaved.log")):
        buf = {}
        for i, l in enumerate(raw):
            rec = json.loads(l)
            assert set(rec) == {"log", "stream", "time"}, l[:80]
            s = rec["stream"]
            piece = rec["log"]
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
    if name.endswith((".prefixed.log", "-openstack.interleaved.log", "-modwsgi.interleaved.log")):
        for l in raw:
            m = OPENSTACK.match(l) or MODWSGI.match(l)
            if m:
                c = l[m.end():]
                if c.endswith(REFERER):
                    c = c[:-len(REFERER)]
                out.append((c, m.group("pid")))
            else:
                out.append((l, "other"))
        return out
    return [(l, "-") for l in raw]


def exc_lines(type_, message):
    if message == "":
        return {type_, type_ + ":", type_ + ": "}
    return {type_ + ": " + message}


def check_text_event(where, contents, ev, fmt):
    """contents: decoded lines of the event belonging to this event's record."""
    first, last = contents[0], contents[-1]
    raw_intro = re.match(r"^[A-Z]+:[\w.]+:", first)
    if fmt == "stderr":
        ok = first.startswith(STARTS) or raw_intro
    elif fmt in ("logging", "docker", "cri", "noisy"):
        ok = LOGGING_TS.match(first) or first.startswith(STARTS)
    elif fmt == "interleaved" and first.startswith("20"):   # docker / cri pairs
        ok = LOGGING_TS.match(first)
    else:   # prefixed: oslo puts the bare message after the prefix, mod_wsgi LEVEL:logger:msg
        ok = first.strip() != ""
    if fmt in ("logging", "docker", "cri") and not re.match(r"^\S+ \S+ (ERROR|WARNING) ", first):
        ok = False
    if not ok:
        bad(where, "first line is not an intro / trace start: %r" % first[:80])
    if ev["kind"] == "stack":
        if not last.startswith("    "):
            bad(where, "stack does not end with a code line: %r" % last[:80])
        if any(l in SEPS for l in contents):
            bad(where, "stack contains a chain separator")
        return
    if last == "" or last.isspace():
        bad(where, "event ends with a blank line")
    top = [l for l in contents]
    # chain: top-level separators
    nsep = sum(1 for l in top if l in SEPS)
    if nsep != len(ev["chain"]) - 1:
        bad(where, "chain has %d entries but %d separators" % (len(ev["chain"]), nsep))
    if not ev["chain"] or ev["chain"][-1] != ev["type"]:
        bad(where, "chain does not end with type")
    # the final segment must contain the final exception line
    seg = contents[max([i for i, l in enumerate(contents) if l in SEPS] or [-1]) + 1:]
    targets = exc_lines(ev["type"], ev["message"])
    if ev["type"].endswith("ExceptionGroup"):
        hits = [i for i, l in enumerate(seg) if l.startswith("  | ") and l[4:] in targets]
        if not hits:
            bad(where, "group line %r not found" % sorted(targets)[0])
        if not re.match(r"^ *\+-{36}$", last):
            bad(where, "group event does not end with the closing +---- line: %r" % last[:80])
    else:
        hits = [i for i, l in enumerate(seg) if l in targets]
        if not hits:
            bad(where, "exception line %r not found in final segment" % sorted(targets)[0][:100])
            return
        # everything after the exception line must be message continuation / notes, i.e. no frames
        after = seg[hits[-1] + 1:]
        if any(l.startswith('  File "') or l.startswith("Traceback (most recent") for l in after):
            bad(where, "frames after the final exception line")
    # previous segments: their exception types in order
    segs, cur = [], []
    for l in contents:
        if l in SEPS:
            segs.append(cur)
            cur = []
        else:
            cur.append(l)
    segs.append(cur)
    for s, t in zip(segs, ev["chain"]):
        if t.endswith("ExceptionGroup"):
            ok = any(l.startswith("  | " + t + ": ") for l in s)
        else:
            ok = any(l == t or l.startswith(t + ":") for l in s if not l.startswith(" "))
        if not ok:
            bad(where, "chain entry %s not printed in its segment" % t)


def check_json_event(where, line, ev):
    rec = json.loads(line)
    if "errorType" in rec:
        if rec["errorType"] != ev["type"] or ev["chain"] != [ev["type"]]:
            bad(where, "lambda errorType mismatch")
        if rec["errorMessage"].split("\n")[0] != ev["message"]:
            bad(where, "lambda errorMessage mismatch")
        if not rec["stackTrace"] or not all(s.startswith('  File "') for s in rec["stackTrace"]):
            bad(where, "lambda stackTrace malformed")
        return
    text = None
    for key in ("exc_info", "exception", "stack_info", "stack"):
        if key in rec:
            text = rec[key]
    if text is None and "error" in rec:
        text = rec["error"]["stack_trace"]
    if text is None:
        bad(where, "no trace field")
        return
    contents = [rec.get("message") or rec.get("event") or rec.get("msg")] + text.split("\n")
    check_text_event(where, contents, ev, "jsonl")
    return contents


def new_record_start(content_line, physical):
    if physical == "" or physical.startswith("{") or physical.startswith("["):
        return True
    if LOGGING_TS.match(physical) or OPENSTACK.match(physical) or CRI.match(physical):
        return True
    return False


def main():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    on_disk = {"cases/" + p.name for p in (HERE / "cases").glob("*.log")}
    if on_disk != set(files):
        bad("manifest", "files on disk and in manifest differ: %s" % sorted(on_disk ^ set(files))[:5])
    fmt_count = Counter()
    group_progs = defaultdict(set)
    splits = Counter()
    total_events = 0
    event_contents = {}
    for name, entry in files.items():
        fmt = name.rsplit(".", 2)[-2]
        fmt_count[fmt] += 1
        text = (HERE / name).read_text(encoding="utf-8")
        if not text.endswith("\n"):
            bad(name, "no final newline")
        raw = text[:-1].split("\n")
        dec = decode(name, raw)
        events = entry["events"]
        if not events:
            bad(name, "no events")
        lasts = [e["last_line"] for e in events]
        if lasts != sorted(lasts):
            bad(name, "events not ordered by last line")
        if any(c is None for c, _ in dec):
            splits[fmt] += 1
        event_contents[name] = []
        for k, ev in enumerate(events):
            total_events += 1
            event_contents[name].append(None)
            where = "%s#%d" % (name, k)
            f, l = ev["first_line"], ev["last_line"]
            if not (1 <= f <= l <= len(raw)):
                bad(where, "bad line range %d..%d of %d" % (f, l, len(raw)))
                continue
            if set(ev) != {"first_line", "last_line", "type", "message", "chain", "group", "kind"}:
                bad(where, "bad keys")
            if ev["kind"] == "stack" and (ev["type"] or ev["message"] or ev["chain"]):
                bad(where, "stack event with type/message/chain")
            if not name.split("/")[1].startswith(("pair", "noisy")):
                group_progs[ev["group"]].add(name.split("/")[1].split("-py")[0])
            if fmt == "jsonl":
                if f != l:
                    bad(where, "jsonl event spans several lines")
                event_contents[name][-1] = check_json_event(where, raw[f - 1], ev)
            else:
                # lines of this event's record: same stream/process as its first line
                key = dec[f - 1][1]
                contents = [c for c, s in dec[f - 1:l] if c is not None and (s == key or fmt in ("stderr", "logging", "noisy"))]
                if dec[l - 1][0] is None:
                    bad(where, "event ends on a partial piece")
                if dec[l - 1][1] != key and fmt == "interleaved":
                    bad(where, "last line belongs to another record")
                check_text_event(where, contents, ev, fmt)
                event_contents[name][-1] = contents
                if fmt in ("prefixed", "docker", "cri") and any(k2 != key for _c, k2 in dec[f - 1:l]):
                    bad(where, "event range contains lines of another record")
            # what precedes the event must not belong to it
            if f > 1 and fmt != "jsonl":
                prev_c, prev_k = dec[f - 2]
                if fmt in ("prefixed", "interleaved") and prev_k == dec[f - 1][1] and prev_k not in ("-", "other") \
                        and not prev_k.startswith("std"):
                    bad(where, "line before the event has the same prefix/record key")
                if fmt in ("stderr", "noisy") and prev_c is not None and (
                        prev_c.startswith(STARTS) or re.match(r"^[A-Z]+:[\w.]+:|^future: <Task", prev_c)
                        or (LOGGING_TS.match(prev_c) and " ERROR " in prev_c[:40])):
                    bad(where, "line before the event looks like part of it: %r" % prev_c[:80])
            if l < len(raw) and fmt in ("prefixed",) and dec[l][1] == dec[l - 1][1]:
                bad(where, "line after the event has the same prefix/record key")
            # what follows the event
            if l < len(raw):
                nxt = raw[l]
                if fmt == "stderr":
                    if nxt != "" or l + 1 < len(raw):
                        bad(where, "something follows the crash in bare stderr")
                elif not new_record_start(dec[l][0], nxt) and not (fmt == "noisy" and nxt == ""):
                    bad(where, "line after the event does not start a new record: %r" % nxt[:80])
    # Cross-format consistency: the trace body printed by the interpreter (taken from the bare
    # stderr file, where the event must run to the end of the file) must be reproduced exactly by
    # every other wrapping of the same case, preceded only by the 1-2 intro lines.
    bodies = {}
    for name, contents in event_contents.items():
        if name.endswith(".stderr.log") and contents and contents[0] is not None:
            case = name[len("cases/"):-len(".stderr.log")]
            raw = (HERE / name).read_text(encoding="utf-8").rstrip("\n").split("\n")
            ev = files[name]["events"][0]
            if ev["last_line"] != len(raw):
                bad(name, "bare stderr event does not run to the end of the file")
            start = next((i for i, l in enumerate(contents[0]) if l.startswith(BODY_STARTS)), None)
            if start is None or start > 2:
                bad(name + "#0", "bare stderr event does not start with an intro + trace start")
                continue
            bodies[case] = contents[0][start:]
    all_bodies = list(bodies.values())
    for name, per_event in event_contents.items():
        if name.endswith(".stderr.log"):
            continue
        case = name[len("cases/"):].rsplit(".", 2)[0]
        for k, contents in enumerate(per_event):
            if contents is None:
                continue
            cands = [bodies[case]] if case in bodies else all_bodies
            def intro_ok(intro):
                if len(intro) == 0:
                    return name.endswith(".noisy.log")       # bare crash output inside a noisy log
                if len(intro) == 2 and not intro[1].startswith("future: <Task"):
                    return False
                return len(intro) <= 2 and (".prefixed." in name or "-openstack." in name or "-modwsgi." in name
                                            or name.endswith(".jsonl.log")
                                            or re.match(r"^\S+ \S+ (ERROR|WARNING) ", intro[0]) is not None)
            if not any(len(contents) >= len(b) and contents[len(contents) - len(b):] == b
                       and intro_ok(contents[:len(contents) - len(b)]) for b in cands):
                bad("%s#%d" % (name, k), "event lines are not intro + the interpreter's trace text")
    for g, progs in group_progs.items():
        if len(progs) != 1:
            bad("groups", "label %s used by programs %s" % (g, sorted(progs)))
    # A Lambda JSON record of a chained or grouped error has its own label (it
    # loses the causes and sub-exceptions, see generate.py).
    labels = Counter(next(iter(p)) for g, p in group_progs.items() if not g.endswith("/lambda-record"))
    for prog, n in labels.items():
        if n != 1:
            bad("groups", "program %s has %d labels" % (prog, n))
    print("files per format:", dict(sorted(fmt_count.items())))
    print("files with split (P/partial) lines:", dict(splits))
    print("events:", total_events, " group labels:", len(group_progs))
    size = sum((HERE / n).stat().st_size for n in files)
    print("corpus size: %.2f MB" % (size / 1e6))
    if problems:
        print("\n".join(problems))
        print("%d problems" % len(problems))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
