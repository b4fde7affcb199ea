#!/usr/bin/env python3
"""Independent sanity checker for manifest.json (does not reuse generate.py code).

For every file and event it decodes the physical lines according to the file's
format, then checks that the first line is an intro / preamble / trace start,
that the last line is a frame or the closing line of a property dump, that the
header line matches type and message, that the printed [cause] blocks (or
pino's `caused by:` sections) match the chain, that nothing of the trace
follows the event, and a few global properties (format counts, docker/CRI
piece sizes, group labels, the err.stack text being the one Node printed).

Usage: python3 check.py        exits 1 and prints problems if anything is off.
"""
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOG_INTRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (ERROR|WARN) [\w-]+: ")
LOG_ANY = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [A-Z]+ [\w-]+: ")
PREAMBLE = re.compile(r"^(/\S+|file:///\S+|node:[\w/]+|<anonymous_script>):\d+$")
CRI = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$")
COMPOSE = re.compile(r"^([a-z0-9-]+-\d+) +\| (.*)$")
KUBECTL = re.compile(r"^\[pod/([^\]]+)\] (.*)$")
V8_FRAME = re.compile(r"^ +at \S")
V8_REAL_FRAME = re.compile(r"^ +at (?:.*\(.*:\d+:\d+\)|\S+:\d+:\d+|.*\(<anonymous>\)|async .*\(index \d+\))(?: \{|,)?$")
BROWSER_FRAME = re.compile(r"^(?:[^\s@]*@)?(?:https?://|file:///|\[native code\])|^[\w.$<>/ ]*@")
CAUSE = re.compile(r"^ +\[cause\]: ([A-Za-z_$][\w$]*)(?: \[[A-Z0-9_]+\])?(?::|$)")
MATCHING = re.compile(r"^ +\.\.\. (\d+) lines matching cause stack trace \.\.\.$")
TRAILER = re.compile(r"^Node\.js v\d+\.\d+\.\d+$")
KEYS = {"first_line", "last_line", "type", "message", "chain", "group", "kind", "language"}

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def fmt_of(name):
    base = name.split("/")[-1]
    f = base.rsplit(".", 2)[-2]
    if f == "interleaved":
        return "interleaved-" + base.split("-", 1)[1].split(".")[0]
    return f


def decode(name, raw):
    """Per physical line: (content or None for a partial piece, record key)."""
    f = fmt_of(name)
    out = []
    if f in ("docker", "interleaved-docker"):
        buf = {}
        for i, l in enumerate(raw):
            rec = json.loads(l)
            if set(rec) != {"log", "stream", "time"}:
                bad(name, "line %d: not a json-file record" % (i + 1))
            s, piece = rec["stream"], rec["log"]
            if not piece.endswith("\n"):
                if len(piece.encode()) != 16384:
                    bad(name, "line %d: docker partial piece of %d bytes" % (i + 1, len(piece.encode())))
                buf[s] = buf.get(s, "") + piece
                out.append((None, s))
            else:
                out.append((buf.pop(s, "") + piece[:-1], s))
        return out
    if f in ("cri", "interleaved-cri"):
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
    if f in ("interleaved-compose", "interleaved-kubectl"):
        rx = COMPOSE if f.endswith("compose") else KUBECTL
        for i, l in enumerate(raw):
            m = rx.match(l)
            if not m:
                bad(name, "line %d: no %s prefix" % (i + 1, f))
                out.append((l, "?"))
            else:
                out.append((m.group(2), m.group(1)))
        return out
    return [(l, "-") for l in raw]


def header_ok(line, ev, allow_prefix):
    t, m = ev["type"], ev["message"]
    heads = [t + ": " + m, t + ":" if m == "" else None]
    heads = [h for h in heads if h]
    rx = re.compile(r"^%s(?: \[[A-Z0-9_]+\])?: %s$" % (re.escape(t), re.escape(m)))
    if rx.match(line) or line == t:
        return True
    if allow_prefix:
        rx2 = re.compile(r"^.*: %s(?: \[[A-Z0-9_]+\])?: %s$" % (re.escape(t), re.escape(m)))
        return bool(rx2.match(line))
    return False


def check_text_event(where, contents, ev, fmt):
    """contents: decoded lines of the event that belong to its record."""
    first, last = contents[0], contents[-1]
    # where is the header (the `Type: message` or `Trace: ...` line)?
    if LOG_INTRO.match(first):
        h = 1
        allow_prefix = False
    elif PREAMBLE.match(first):
        try:
            h = contents.index("") + 1
        except ValueError:
            bad(where, "preamble without the blank line")
            return
        allow_prefix = False
        if len(contents) < 4 or h > 4:
            bad(where, "preamble is not location, source, caret, blank")
    else:
        h = 0                      # console.error / console.trace output, or bare err.stack
        allow_prefix = True
    if h >= len(contents):
        bad(where, "no header line")
        return
    head = contents[h]
    if ev["kind"] == "stack":
        if not head.startswith("Trace: ") or ev["type"] or ev["message"] or ev["chain"]:
            bad(where, "stack event without Trace: header or with type/message/chain")
    elif not header_ok(head, ev, allow_prefix and h == 0):
        bad(where, "header %r does not match %s: %s" % (head[:100], ev["type"], ev["message"][:60]))
    if fmt == "handwritten":
        if not LOG_INTRO.match(first) or ev["chain"] != [ev["type"]]:
            bad(where, "handwritten event does not start at its intro or chain is not [type]")
        if not BROWSER_FRAME.match(last):
            bad(where, "handwritten event does not end with a frame: %r" % last[:80])
        return
    if not (V8_FRAME.match(last) or re.match(r"^ *\}$", last)):
        bad(where, "event does not end with a frame or a closing brace: %r" % last[:80])
    if any(TRAILER.match(l) for l in contents):
        bad(where, "the Node.js version trailer is inside the event")
    opened = sum(1 for l in contents if l.endswith("{") or l.endswith("["))
    closed = sum(1 for l in contents if re.match(r"^ *[\]}],?$", l))
    if opened != closed:
        bad(where, "property dump not closed (%d opened, %d closed)" % (opened, closed))
    causes = [CAUSE.match(l).group(1) for l in contents if CAUSE.match(l)]
    if ev["kind"] == "exception":
        want = list(reversed(causes)) + [ev["type"]]
        if ev["chain"] != want:
            bad(where, "chain %s but printed %s" % (ev["chain"], want))
    seen_frame = False
    for l in contents[h + 1:]:
        if V8_FRAME.match(l):
            seen_frame = True
        elif seen_frame and not (l.startswith(" ") or l.startswith("Emitted 'error' event")
                                 or re.match(r"^ *[\]}],?$", l)):
            # message continuation lines (multi-line messages) only come before the first frame
            bad(where, "unexpected line after the frames: %r" % l[:80])
            break


def stack_lines_of_record(rec):
    """The stack text of a JSON record and whether it is pino's (with `caused by:`)."""
    if "err" in rec and isinstance(rec["err"], dict) and "stack" in rec["err"]:
        return rec["err"]["stack"], "type" in rec["err"]
    if "stack" in rec:
        return rec["stack"], False
    if "error" in rec and isinstance(rec["error"], dict):
        return rec["error"].get("stack"), False
    return None, False


def check_json_event(where, line, ev, handwritten):
    rec = json.loads(line)
    if handwritten:
        err = rec.get("error") or {}
        if (err.get("name"), err.get("message")) != (ev["type"], ev["message"]) or ev["chain"] != [ev["type"]]:
            bad(where, "handwritten error name/message/chain mismatch")
        frames = (err.get("stack") or "").rstrip("\n").split("\n")
        if not all(BROWSER_FRAME.match(f) for f in frames):
            bad(where, "handwritten stack has a non-frame line")
        return None
    text, pino = stack_lines_of_record(rec)
    if text is None:
        bad(where, "no stack field")
        return None
    lines = text.split("\n")
    if ev["kind"] == "stack":
        if not lines[0].startswith("Trace: ") or ev["type"] or ev["message"] or ev["chain"]:
            bad(where, "stack record without Trace: header")
        return lines
    if not header_ok(lines[0], ev, False):
        bad(where, "stack header %r does not match" % lines[0][:100])
    sections = [i for i, l in enumerate(lines) if l.startswith("caused by: ")]
    if sections and not pino:
        bad(where, "caused by: sections outside a pino record")
    want = [l[len("caused by: "):].split(":")[0].split(" [")[0] for l in reversed([lines[i] for i in sections])]
    if ev["chain"] != want + [ev["type"]]:
        bad(where, "chain %s but record has %s" % (ev["chain"], want + [ev["type"]]))
    return lines


def is_new_record(content, physical):
    if physical == "" or content == "" or physical.startswith("{") or physical.startswith("#"):
        return True
    if LOG_ANY.match(physical) or CRI.match(physical) or LOG_ANY.match(content or ""):
        return True
    if TRAILER.match(content or ""):
        return True
    return False


def frames_match(stack, printed):
    """err.stack lines against Node's printing of the same error (the same error's
    block at the start of `printed`): " {" may follow the last frame, and a run
    of frames may be folded into `... N lines matching cause stack trace ...`."""
    i = j = 0
    while i < len(stack):
        if j >= len(printed):
            return False
        p = printed[j]
        m = MATCHING.match(p)
        if m:
            i += int(m.group(1))
            j += 1
            continue
        if p.endswith(" {"):
            p = p[:-2]
        if p != stack[i]:
            return False
        i += 1
        j += 1
    return True


def main():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    on_disk = {"cases/" + p.name for p in (HERE / "cases").glob("*.log")}
    on_disk |= {"handwritten/" + p.name for p in (HERE / "handwritten").glob("*.log")}
    if on_disk != set(files):
        bad("manifest", "files on disk and in manifest differ: %s" % sorted(on_disk ^ set(files))[:5])
    fmt_count = Counter()
    traces_per_fmt = defaultdict(set)
    group_progs = defaultdict(set)
    splits = Counter()
    total_events = 0
    by_case = defaultdict(dict)       # case -> fmt -> (event, contents)
    mixed = []                        # (where, contents, ev) of interleaved / noisy events
    for name, entry in files.items():
        handwritten = name.startswith("handwritten/")
        if handwritten != bool(entry.get("handwritten")):
            bad(name, "handwritten flag wrong")
        if set(entry) - {"events", "handwritten"}:
            bad(name, "unexpected file keys")
        fmt = fmt_of(name)
        fmt_count[fmt.split("-")[0] + ("/handwritten" if handwritten else "")] += 1
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
        base = name.split("/")[1]
        case = base.rsplit(".", 2)[0]
        for k, ev in enumerate(events):
            total_events += 1
            where = "%s#%d" % (name, k)
            if set(ev) != KEYS or ev["language"] != "javascript":
                bad(where, "bad keys or language")
                continue
            f, l = ev["first_line"], ev["last_line"]
            if not (1 <= f <= l <= len(raw)):
                bad(where, "bad line range %d..%d of %d" % (f, l, len(raw)))
                continue
            if ev["kind"] not in ("exception", "stack"):
                bad(where, "bad kind")
            if not handwritten and not base.startswith(("pair", "noisy")):
                group_progs[ev["group"]].add(case.split("-node")[0])
                traces_per_fmt[fmt].add(case)
            if fmt == "jsonl":
                if f != l:
                    bad(where, "jsonl event spans several lines")
                lines = check_json_event(where, raw[f - 1], ev, handwritten)
                if not handwritten:
                    by_case[case]["jsonl"] = (ev, lines, json.loads(raw[f - 1]))
                continue
            key = dec[f - 1][1]
            contents = [c for c, s in dec[f - 1:l] if c is not None and s == key]
            if dec[l - 1][0] is None:
                bad(where, "event ends on a partial piece")
            if dec[l - 1][1] != key:
                bad(where, "last line belongs to another record")
            check_text_event(where, contents, ev, "handwritten" if handwritten else fmt)
            if fmt in ("docker", "cri") and any(s != key for _c, s in dec[f - 1:l]):
                bad(where, "event range contains lines of another stream")
            # what follows the event (first following line of the same record key)
            nxt = next(((dec[i][0], raw[i]) for i in range(l, len(raw)) if dec[i][1] == key and dec[i][0] is not None),
                       None)
            if nxt is not None:
                c, phys = nxt
                if V8_FRAME.match(c) or c == "}" or c.startswith("Emitted 'error'") or MATCHING.match(c) \
                        or re.match(r"^  +\S", c):
                    bad(where, "the trace goes on after the event: %r" % c[:80])
                if fmt != "stderr" and not is_new_record(c, phys):
                    bad(where, "line after the event does not start a new record: %r" % phys[:80])
                if fmt == "stderr" and c != "" and case.split("-node")[0] != "console_trace":
                    bad(where, "something other than the trailer follows the crash: %r" % c[:80])
            # the line before must not look like part of the event
            if f > 1 and fmt in ("stderr", "noisy", "logging"):
                prev = dec[f - 2][0] or ""
                if V8_REAL_FRAME.match(prev) or PREAMBLE.match(prev):
                    bad(where, "line before the event looks like part of it: %r" % prev[:80])
            if handwritten:
                continue
            if base.startswith(("pair", "noisy")):
                mixed.append((where, contents, ev))
            else:
                by_case[case][fmt] = (ev, contents, raw)

    # Cross-format consistency.
    stacks = {}
    for case, per in sorted(by_case.items()):
        if "stderr" not in per or "logging" not in per:
            bad(case, "missing stderr or logging variant")
            continue
        sev, scont, _ = per["stderr"]
        lev, lcont, lraw = per["logging"]
        stack = lcont[1:]
        stacks[case] = (lev, lcont, sev, scont)
        # the logging record's err.stack is the same error Node printed on stderr
        starts = [i for i, c in enumerate(scont) if c == stack[0] or c.endswith(": " + stack[0])]
        if not starts or not frames_match(stack[1:], scont[starts[0] + 1:]):
            bad(case, "err.stack of the logging variant is not the error Node printed")
        if (sev["type"], sev["message"], sev["kind"]) != (lev["type"], lev["message"], lev["kind"]):
            bad(case, "type/message/kind differ between stderr and logging")
        want_group = sev["group"] + "/stack-only" if len(sev["chain"]) > 1 else sev["group"]
        if lev["group"] != want_group or lev["chain"] != ([sev["type"]] if sev["kind"] == "exception" else []):
            bad(case, "logging group/chain should be %s / [type]" % want_group)
        for fmt in ("docker", "cri"):
            if fmt in per:
                ev, cont, _ = per[fmt]
                if cont != lcont or (ev["first_line"], ev["last_line"]) == (None, None):
                    bad(case, "%s content differs from the logging variant" % fmt)
                if (ev["group"], ev["chain"]) != (lev["group"], lev["chain"]):
                    bad(case, "%s group/chain differ from logging" % fmt)
        if "jsonl" in per:
            jev, jlines, rec = per["jsonl"]
            if jlines is not None:
                if jlines[:len(stack)] != stack:
                    bad(case, "jsonl stack is not err.stack")
                pino = "caused by: " in "\n".join(jlines) or ("err" in rec and "type" in rec["err"])
                if pino:
                    if (jev["chain"], jev["group"]) != (sev["chain"], sev["group"]):
                        bad(case, "pino record must keep the full chain and group")
                elif (jev["chain"], jev["group"]) != (lev["chain"], lev["group"]):
                    bad(case, "winston/bunyan record must be like err.stack")
    # interleaved / noisy events are either a logging record or Node's printing of some case
    for where, contents, ev in mixed:
        ok = False
        for case, (lev, lcont, sev, scont) in stacks.items():
            if contents[1:] == lcont[1:] and (ev["group"], ev["chain"]) == (lev["group"], lev["chain"]):
                ok = True
            if contents == scont and (ev["group"], ev["chain"]) == (sev["group"], sev["chain"]):
                ok = True
            if ok:
                break
        if not ok:
            bad(where, "event is neither a logging record nor Node's output of any case")
    for g, progs in group_progs.items():
        if len(progs) != 1:
            bad("groups", "label %s used by programs %s" % (g, sorted(progs)))
    labels = Counter(next(iter(p)) for g, p in group_progs.items() if not g.endswith("/stack-only"))
    for prog, n in labels.items():
        if n != 1:
            bad("groups", "program %s has %d labels" % (prog, n))
    for fmt in ("stderr", "logging", "jsonl", "docker", "cri"):
        if len(traces_per_fmt[fmt]) < 15:
            bad("formats", "only %d traces in %s" % (len(traces_per_fmt[fmt]), fmt))
    if fmt_count["interleaved"] < 8 or fmt_count["noisy"] < 8:
        bad("formats", "need >= 8 interleaved and >= 8 noisy files")
    size = sum((HERE / n).stat().st_size for n in files)
    print("files per format:", dict(sorted(fmt_count.items())))
    print("files with split (P/partial) lines:", dict(splits))
    print("events:", total_events, " group labels:", len(group_progs))
    print("corpus size: %.2f MB" % (size / 1e6))
    if size >= 6e6:
        bad("size", "corpus is %.2f MB" % (size / 1e6))
    if problems:
        print("\n".join(problems))
        print("%d problems" % len(problems))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
