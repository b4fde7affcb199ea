//! Data-driven cases for the stream behaviours of the engine: each case is a
//! log text and the events it must give, rendered as one line per event.

use tracefix_core::{Config, Engine, ErrorEvent, SourceId};

fn render(events: &[ErrorEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let chain: Vec<&str> = e
                .chain
                .iter()
                .map(|c| {
                    if c.ty.is_empty() {
                        "(none)"
                    } else {
                        c.ty.as_str()
                    }
                })
                .collect();
            format!(
                "{}-{} {}{}",
                e.span.first_line,
                e.span.last_line,
                chain.join(">"),
                if e.truncated { " truncated" } else { "" }
            )
        })
        .collect()
}

#[track_caller]
fn check(input: &str, expect: &[&str]) {
    check_with(Config::default(), input, expect);
}

#[track_caller]
fn check_with(config: Config, input: &str, expect: &[&str]) {
    let mut events = Engine::scan_bytes(config, input.as_bytes());
    events.sort_by_key(|e| e.span.first_line);
    assert_eq!(render(&events), expect, "input:\n{input}");
}

const TB: &str =
    "Traceback (most recent call last):\n  File \"/app/a.py\", line 3, in f\n    g()\n";

#[test]
fn same_trace_twice_in_a_row_splits() {
    let input = format!("{TB}KeyError: 'a'\n{TB}KeyError: 'b'\n");
    check(&input, &["1-4 KeyError", "5-8 KeyError"]);
}

#[test]
fn json_record_is_never_joined_with_the_next() {
    let input = concat!(
        r#"{"message":"boom","exc_info":"Traceback (most recent call last):\n  File \"/app/a.py\", line 1, in f\n    g()\nValueError: x"}"#,
        "\n",
        "  continuation-looking line\n",
        r#"{"message":"ok"}"#,
        "\n"
    );
    check(input, &["1-1 ValueError"]);
}

#[test]
fn plain_text_mentions_are_not_traces() {
    check(
        concat!(
            "INFO docs: see \"Traceback (most recent call last):\" in the FAQ\n",
            "the tympanic: membrane\n",
            "ERROR payment failed: ValueError: bad card\n",
            "  File \"notes.txt\", line 3 is long\n",
            "Exception: not a trace either\n",
        ),
        &[],
    );
}

#[test]
fn lambda_text_format_takes_the_exception_from_its_error_line() {
    let input = "[ERROR] KeyError: 'order_id'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 5, in handler\n    return event['order_id']\nEND RequestId: 1\n";
    let events = Engine::scan_bytes(Config::default(), input.as_bytes());
    assert_eq!(render(&events), ["1-4 KeyError"]);
    assert_eq!(events[0].exception().message, "'order_id'");
}

#[test]
fn interleaved_writers_with_prefixes_come_out_whole() {
    let a = "2026-11-21 10:00:00.100 111 ERROR api [req-a] ";
    let b = "2026-11-21 10:00:00.200 222 ERROR api [req-b] ";
    let lines = [
        format!("{a}Traceback (most recent call last):"),
        format!("{b}Traceback (most recent call last):"),
        format!("{a}  File \"/app/a.py\", line 1, in f"),
        format!("{b}  File \"/app/b.py\", line 2, in g"),
        format!("{a}    f()"),
        format!("{b}    g()"),
        format!("{a}KeyError: 'a'"),
        format!("{b}ValueError: b"),
        "2026-11-21 10:00:01.000 333 INFO api [req-c] done".to_string(),
    ];
    check(
        &(lines.join("\n") + "\n"),
        &["1-7 KeyError", "2-8 ValueError"],
    );
}

#[test]
fn container_streams_are_separate_and_cri_pieces_join() {
    let lines = [
        "2026-11-21T10:00:00.1Z stderr F Traceback (most recent call last):",
        "2026-11-21T10:00:00.2Z stdout F 2026-11-21 10:00:00,200 INFO app: unrelated",
        "2026-11-21T10:00:00.3Z stderr F   File \"/app/a.py\", line 1, in f",
        "2026-11-21T10:00:00.4Z stderr P     return look",
        "2026-11-21T10:00:00.5Z stderr F up(key)",
        "2026-11-21T10:00:00.6Z stderr F KeyError: 'k'",
    ];
    let events = Engine::scan_bytes(Config::default(), (lines.join("\n") + "\n").as_bytes());
    assert_eq!(render(&events), ["1-6 KeyError"]);
    assert_eq!(
        events[0].exception().frames[0].source.as_deref(),
        Some("return lookup(key)")
    );
    assert_eq!(events[0].stream.as_deref(), Some("stderr"));
}

#[test]
fn caps_cut_a_trace_and_mark_it_truncated() {
    let mut input = String::from("Traceback (most recent call last):\n");
    for i in 0..50 {
        input.push_str(&format!(
            "  File \"/app/a.py\", line {i}, in f{i}\n    f()\n"
        ));
    }
    input.push_str("KeyError: 'x'\n");
    let config = Config {
        max_event_lines: 20,
        ..Config::default()
    };
    check_with(config, &input, &["1-20 (none) truncated"]);
    let config = Config {
        max_event_bytes: 300,
        ..Config::default()
    };
    let events = Engine::scan_bytes(config, input.as_bytes());
    assert!(events[0].truncated);
    assert!(events[0].text.len() <= 400);
}

#[test]
fn end_of_input_mid_trace_is_truncated() {
    check(
        "Traceback (most recent call last):\n  File \"/app/a.py\", line 1, in f\n    f()\n",
        &["1-3 (none) truncated"],
    );
}

#[test]
fn idle_timeout_closes_a_live_trace() {
    let mut engine = Engine::new(Config {
        idle_timeout_ms: 3_000,
        ..Config::default()
    });
    let mut out = Vec::new();
    engine.push(
        SourceId(1),
        format!("{TB}KeyError: 'a'\n").as_bytes(),
        1_000,
        &mut out,
    );
    assert!(
        out.is_empty(),
        "the exception line may still be followed by a chain"
    );
    engine.poll(3_999, &mut out);
    assert!(out.is_empty());
    engine.poll(4_000, &mut out);
    assert_eq!(render(&out), ["1-4 KeyError"]);
    // A short pause inside a trace does not split it.
    let mut out = Vec::new();
    engine.push(
        SourceId(2),
        b"Traceback (most recent call last):\n",
        0,
        &mut out,
    );
    engine.poll(1_000, &mut out);
    engine.push(
        SourceId(2),
        b"  File \"/app/a.py\", line 1, in f\n    f()\nValueError: v\n",
        1_500,
        &mut out,
    );
    engine.finish(SourceId(2), 1_600, &mut out);
    assert_eq!(render(&out), ["1-4 ValueError"]);
}

#[test]
fn sources_do_not_mix() {
    let mut engine = Engine::default();
    let mut out = Vec::new();
    engine.push(
        SourceId(1),
        b"Traceback (most recent call last):\n",
        0,
        &mut out,
    );
    engine.push(SourceId(2), b"ERROR other: x\n", 0, &mut out);
    engine.push(
        SourceId(1),
        b"  File \"/app/a.py\", line 1, in f\n    f()\nKeyError: 'k'\n",
        0,
        &mut out,
    );
    engine.finish(SourceId(1), 0, &mut out);
    engine.finish(SourceId(2), 0, &mut out);
    assert_eq!(render(&out), ["1-4 KeyError"]);
    assert_eq!(out[0].span.source, SourceId(1));
}

#[test]
fn overlong_lines_are_cut_and_counted() {
    let mut engine = Engine::new(Config {
        max_line_bytes: 64,
        ..Config::default()
    });
    let mut out = Vec::new();
    let long = vec![b'x'; 10_000];
    engine.push(SourceId(0), &long, 0, &mut out);
    engine.push(SourceId(0), &long, 0, &mut out);
    engine.push(
        SourceId(0),
        format!("\n{TB}KeyError: 'a'\n").as_bytes(),
        0,
        &mut out,
    );
    let stats = engine.finish(SourceId(0), 0, &mut out);
    assert_eq!(stats.cut_lines, 1);
    assert_eq!(stats.cut_bytes, 20_000 - 64);
    assert_eq!(render(&out), ["2-5 KeyError"]);
}

#[test]
fn intro_line_and_thread_header_belong_to_the_event() {
    check(
        &format!(
            "2026-11-21 10:00:00,123 INFO app: fine\n2026-11-21 10:00:00,124 ERROR app: failed to charge order 1234\n{TB}KeyError: 'a'\n"
        ),
        &["2-6 KeyError"],
    );
    check(
        &format!("Exception in thread Thread-1 (worker):\n{TB}IndexError: x\n"),
        &["1-5 IndexError"],
    );
    // An ordinary line before a bare traceback is not its intro.
    check(
        &format!("processing item 5\n{TB}IndexError: x\n"),
        &["2-5 IndexError"],
    );
}

/// Found by the chunking property: a CRI piece (`P`) whose continuation never
/// came was glued to a Docker record of the same stream 17 lines later when
/// the input came in one push, but not when it came in two.
#[test]
fn a_container_piece_without_continuation_does_not_join_a_later_line() {
    let mut input = String::from("2026-11-21T10:00:00.123456789Z stdout P \n");
    input.push_str("12345 ERROR app.x [req-1 - - -]   File \"/srv/app/x.py\", line 7, in run\n");
    for i in 0..15 {
        input.push_str(&format!(
            "2026-11-21 10:00:{i:02}.000 UTC [4907] LOG:  checkpoint {i}\n"
        ));
    }
    input.push_str(r#"{"log":"  File \"/app/a.py\", line 2, in \u003cmodule\u003e\n","stream":"stdout","time":"2026-11-21T14:44:49.4Z"}"#);
    input.push('\n');
    let whole = Engine::scan_bytes(Config::default(), input.as_bytes());
    let mut engine = Engine::default();
    let mut split = Vec::new();
    engine.push(SourceId(0), &input.as_bytes()[..42], 0, &mut split);
    engine.push(SourceId(0), &input.as_bytes()[42..], 0, &mut split);
    engine.finish(SourceId(0), 0, &mut split);
    assert_eq!(render(&whole), render(&split));
    assert!(
        whole.iter().all(|e| e.span.first_line > 1),
        "{:?}",
        render(&whole)
    );
}

const PY_TUPLE: &str = "Traceback (most recent call last):\n  File \"/srv/app/menu.py\", line 6, in lookup\n    raise Exception(\"spam\", \"eggs\")\nException: ('spam', 'eggs')\n";

#[test]
fn a_python_message_ends_where_another_runtime_reports() {
    // A JVM header the Python message took is given back when its frames come.
    let java = "java.net.ConnectException: Connection refused\n\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)\n\tat com.example.health.HealthProbe.main(HealthProbe.java:23)\n";
    check(
        &format!("{PY_TUPLE}{java}"),
        &["1-4 Exception", "5-7 java.net.ConnectException"],
    );
    // A line that starts another runtime's report ends the message at once.
    let ruby = "/srv/app/billing.rb:13:in 'charge': undefined method 'total' for nil (NoMethodError)\n\tfrom /srv/app/billing.rb:20:in '<main>'\n";
    check(
        &format!("{PY_TUPLE}{ruby}"),
        &["1-4 Exception", "5-6 NoMethodError"],
    );
    let go =
        "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/srv/shop/cmd/x/main.go:27 +0x45\n";
    check(&format!("{PY_TUPLE}{go}"), &["1-4 Exception", "5-9 panic"]);
    // Node's uncaught-error preamble.
    let node = "/srv/app/x.js:28\n    throw new CardError('declined');\n    ^\n\nCardError: declined\n    at charge (/srv/app/x.js:28:11)\n    at Object.<anonymous> (/srv/app/x.js:31:1)\n";
    check(
        &format!("{PY_TUPLE}{node}"),
        &["1-4 Exception", "5-11 CardError"],
    );
    // A genuine multi-line message stays whole.
    check(
        &format!("{PY_TUPLE}  second line of the message\nplain third line\n"),
        &["1-6 Exception"],
    );
}

#[test]
fn an_intro_is_never_taken_across_another_trace() {
    let lines = [
        "2026-11-21 10:00:00,000 INFO app: started",
        "Exception in thread \"main\" java.lang.IllegalStateException: boom",
        "\tat com.example.App.main(App.java:5)",
        "panic: boom",
        "",
        "goroutine 1 [running]:",
        "main.main()",
        "\t/srv/shop/cmd/x/main.go:27 +0x45",
    ];
    let plain: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let expect = ["2-3 java.lang.IllegalStateException", "4-8 panic"];
    check(&plain, &expect);
    let docker: String = lines
        .iter()
        .map(|l| {
            let log = format!("{l}\n").replace('\\', "\\\\").replace('"', "\\\"").replace('\t', "\\t").replace('\n', "\\n");
            format!("{{\"log\":\"{log}\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:00.000000000Z\"}}\n")
        })
        .collect();
    check(&docker, &expect);
}

#[test]
fn reports_after_a_journald_prefix() {
    let go = [
        "Nov 21 15:35:44 web-1 gw[4415]: 2026/11/21 16:10:24 http: panic serving 127.0.0.1:58898: runtime error: invalid memory address or nil pointer dereference",
        "Nov 21 15:35:44 web-1 gw[4415]: goroutine 9 [running]:",
        "Nov 21 15:35:44 web-1 gw[4415]: main.(*API).orderStatus(0xc000012030)",
        "Nov 21 15:35:44 web-1 gw[4415]: \t/srv/shop/cmd/api/main.go:32 +0xae",
    ];
    let text: String = go.iter().map(|l| format!("{l}\n")).collect();
    check(&text, &["1-4 panic"]);
    check(
        "Nov 21 13:54:08 web-1 ledger-svc[61847]: Error: ParseIntError { kind: InvalidDigit }\n",
        &["1-1 Error"],
    );
}

#[test]
fn asyncio_record_after_an_info_record_is_the_intro() {
    let input = "2026-11-21 10:00:00,000 INFO app.cache: warmed 12 keys\nTask exception was never retrieved\nfuture: <Task finished name='Task-2' coro=<warm() done, defined at /srv/app/cache.py:5> exception=ConnectionResetError('reset')>\nTraceback (most recent call last):\n  File \"/srv/app/cache.py\", line 7, in warm\n    raise ConnectionResetError(\"reset\")\nConnectionResetError: reset\n";
    check(input, &["2-7 ConnectionResetError"]);
}

#[test]
fn resuming_at_a_quiet_point_gives_the_same_events() {
    use tracefix_core::SourceId;
    let ok = "2026-11-21 10:00:00,000 INFO app: ok";
    let text = format!("{ok}\n{TB}KeyError: 'a'\n{ok}\n{ok}\n{TB}KeyError: 'b'\n{ok}\n");
    let whole = Engine::scan_bytes(Config::default(), text.as_bytes());
    // Read line by line, note the last quiet point before the second trace.
    let mut engine = Engine::new(Config::default());
    let mut out = Vec::new();
    let (mut offset, mut lines, mut quiet_at) = (0usize, 0u64, None);
    for line in text.split_inclusive('\n') {
        engine.push(SourceId(1), line.as_bytes(), 0, &mut out);
        offset += line.len();
        lines += 1;
        if engine.is_quiet(SourceId(1)) && lines == 7 {
            quiet_at = Some((offset, lines, out.len()));
        }
    }
    let (offset, lines, emitted) = quiet_at.expect("quiet at line 7");
    assert_eq!(
        emitted, 1,
        "the first trace was complete at the quiet point"
    );
    let mut resumed = Engine::new(Config::default());
    resumed.resume(SourceId(1), lines);
    let mut rest = Vec::new();
    resumed.push(SourceId(1), &text.as_bytes()[offset..], 0, &mut rest);
    resumed.finish(SourceId(1), 0, &mut rest);
    assert_eq!(render(&rest), render(&whole[1..]));
    assert!(!{
        let mut e = Engine::new(Config::default());
        e.push(SourceId(2), TB.as_bytes(), 0, &mut Vec::new());
        e.is_quiet(SourceId(2))
    });
}

#[test]
fn resuming_with_context_keeps_a_header_read_before_the_restart() {
    use tracefix_core::SourceId;
    let head = "2026-11-21 10:00:00,000 INFO app: ok\njava.lang.IllegalStateException: boom\n";
    let frames = "\tat com.example.App.main(App.java:5)\n2026-11-21 10:00:01,000 INFO app: ok\n";
    let whole = Engine::scan_bytes(Config::default(), format!("{head}{frames}").as_bytes());
    assert_eq!(render(&whole), ["2-3 java.lang.IllegalStateException"]);
    let mut engine = Engine::new(Config::default());
    engine.resume_with_context(SourceId(1), 2, head.as_bytes());
    let mut out = Vec::new();
    engine.push(SourceId(1), frames.as_bytes(), 0, &mut out);
    engine.finish(SourceId(1), 0, &mut out);
    assert_eq!(render(&out), render(&whole));
}
