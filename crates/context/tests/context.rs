//! Whole traces through `build_context`: frame mapping and library frames,
//! window fallbacks, and the token budget.

mod support;

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use support::{frame, shop_repo};
use tracefix_context::{
    ContextOptions, Extent, FrameRef, RepoIndex, SnippetKind, build_context, estimate_tokens,
    render_snippet,
};

/// A Python trace, crash site first: the crash in `Cart.average`, its caller
/// `checkout` (once printed inside the virtualenv, where the application is
/// installed as a package), a Flask frame, and a frame of a file that is not
/// in the repository.
fn python_trace() -> Vec<FrameRef<'static>> {
    vec![
        frame("/app/shop/cart.py", 21, "average"),
        FrameRef {
            in_app: false,
            ..frame(
                "/venv/lib/python3.12/site-packages/shop/api.py",
                6,
                "checkout",
            )
        },
        FrameRef {
            in_app: false,
            ..frame(
                "/venv/lib/python3.12/site-packages/flask/app.py",
                880,
                "full_dispatch_request",
            )
        },
        frame("/app/shop/gone.py", 3, "handler"),
    ]
}

#[test]
fn python_trace_with_library_and_unresolved_frames() {
    let repo = shop_repo();
    let context =
        build_context(&repo.index, &python_trace(), &ContextOptions::default()).expect("context");
    let kinds: Vec<(SnippetKind, &str)> = context
        .snippets
        .iter()
        .map(|s| (s.kind, s.path.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (SnippetKind::CrashSite, "shop/cart.py"),
            (SnippetKind::CallerFrame, "shop/api.py"),
            (SnippetKind::Imports, "shop/cart.py"),
            (SnippetKind::Imports, "shop/api.py"),
            (SnippetKind::Definition, "shop/pricing.py"),
        ]
    );
    // The Flask frame is a library frame: left out, not "unresolved".
    assert_eq!(
        context.unresolved_frames,
        vec!["/app/shop/gone.py:3 in handler: no tracked file matches its path"]
    );
    assert!(context.omitted.is_empty());
    let total: usize = context
        .snippets
        .iter()
        .map(|s| estimate_tokens(&render_snippet(s)))
        .sum();
    assert_eq!(context.estimated_tokens, total);
    insta::assert_snapshot!(context.render());
}

#[test]
fn frames_in_one_function_make_one_snippet() {
    let repo = shop_repo();
    let frames = [
        frame("/app/shop/cart.py", 18, "price"),
        frame("/app/shop/cart.py", 20, "average"),
        frame("/app/shop/cart.py", 20, "average"),
    ];
    let context = build_context(&repo.index, &frames, &ContextOptions::default()).expect("context");
    // The nested `price` lies inside `average`: the caller's snippet absorbs it.
    let crash = &context.snippets[0];
    assert_eq!(crash.kind, SnippetKind::CrashSite);
    assert_eq!(crash.symbol.as_deref(), Some("Cart.average.price"));
    assert_eq!((crash.start_line, crash.end_line), (10, 21));
    assert_eq!(crash.marked_lines, vec![18, 20]);
    assert_eq!(
        context
            .snippets
            .iter()
            .filter(|s| s.path == "shop/cart.py" && s.kind != SnippetKind::Imports)
            .count(),
        1
    );
}

#[test]
fn unknown_extension_gets_a_window() {
    let repo = shop_repo();
    let options = ContextOptions {
        window_lines: 2,
        ..ContextOptions::default()
    };
    let frames = [frame("Cart.kt", 6, "com.acme.shop.Cart.average")];
    let context = build_context(&repo.index, &frames, &options).expect("context");
    assert_eq!(context.snippets.len(), 1);
    let crash = &context.snippets[0];
    assert_eq!(crash.path, "src/main/kotlin/Cart.kt");
    assert_eq!(crash.extent, Extent::Window);
    assert_eq!((crash.start_line, crash.end_line), (4, 8));
    insta::assert_snapshot!(render_snippet(crash), @r"
    --- src/main/kotlin/Cart.kt:4-8 (crash site: average; lines around the frame, no enclosing function found)
      4 |     fun average(): Int {
      5 |         val total = prices.sum()
    > 6 |         return total / prices.size
      7 |     }
      8 | }
    ");
}

#[test]
fn unparsable_function_and_module_code_get_a_window() {
    let repo = shop_repo();
    let options = ContextOptions {
        window_lines: 1,
        ..ContextOptions::default()
    };
    for line in [4, 7] {
        let frames = [frame("/app/legacy/report.py", line, "<module>")];
        let context = build_context(&repo.index, &frames, &options).expect("context");
        let crash = &context.snippets[0];
        assert_eq!(crash.extent, Extent::Window, "line {line}");
        assert_eq!(crash.start_line, line - 1);
        assert_eq!(crash.marked_lines, vec![line]);
    }
}

#[test]
fn frame_without_a_line_is_found_by_name() {
    let repo = shop_repo();
    let frames = [FrameRef {
        line: None,
        ..frame("shop/pricing.py", 0, "unit_price")
    }];
    let context = build_context(&repo.index, &frames, &ContextOptions::default()).expect("context");
    let crash = &context.snippets[0];
    assert_eq!(crash.symbol.as_deref(), Some("unit_price"));
    assert_eq!((crash.start_line, crash.end_line), (4, 5));
    assert!(crash.marked_lines.is_empty());
}

#[test]
fn frame_past_the_end_of_its_file_is_unresolved_and_the_next_is_the_crash_site() {
    let repo = shop_repo();
    let frames = [
        frame("/app/shop/pricing.py", 90, "unit_price"),
        frame("/app/shop/api.py", 6, "checkout"),
    ];
    let context = build_context(&repo.index, &frames, &ContextOptions::default()).expect("context");
    assert_eq!(context.snippets[0].kind, SnippetKind::CrashSite);
    assert_eq!(context.snippets[0].path, "shop/api.py");
    assert_eq!(
        context.unresolved_frames,
        vec![
            "/app/shop/pricing.py:90 in unit_price: line 90 is outside shop/pricing.py (5 lines): \
             the deployed code differs from the repository"
        ]
    );
}

#[test]
fn no_in_app_frame_gives_an_empty_context() {
    let repo = shop_repo();
    let frames = [FrameRef {
        in_app: false,
        ..frame("/usr/lib/python3.12/json/decoder.py", 355, "raw_decode")
    }];
    let context = build_context(&repo.index, &frames, &ContextOptions::default()).expect("context");
    assert!(context.snippets.is_empty());
    assert!(context.unresolved_frames.is_empty());
    assert_eq!(context.estimated_tokens, 0);
}

#[test]
fn ties_are_broken_by_the_function_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in [
        ("billing/util.py", "def charge(x):\n    return x\n"),
        ("shipping/util.py", "def ship(x):\n    return x\n"),
    ] {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    support::git(dir.path(), &["init", "-q"]);
    support::git(dir.path(), &["add", "-A"]);
    let index = RepoIndex::from_git(dir.path()).expect("index");
    for (function, expected) in [("ship", "shipping/util.py"), ("charge", "billing/util.py")] {
        let resolved = index
            .resolve(&frame("/srv/svc/util.py", 2, function), &[])
            .expect("resolved");
        assert_eq!(resolved.path, expected);
        assert!(resolved.defines_function);
        assert_eq!(resolved.ties, 0);
    }
    // Neither defines it: a tie, settled deterministically and reported.
    let resolved = index
        .resolve(&frame("/srv/svc/util.py", 2, "other"), &[])
        .expect("resolved");
    assert_eq!(resolved.path, "billing/util.py");
    assert_eq!(resolved.ties, 1);
}

#[test]
fn configured_prefixes_are_stripped_first() {
    let repo = shop_repo();
    let options = ContextOptions {
        path_prefixes: vec!["/opt/deploy/current".into()],
        ..ContextOptions::default()
    };
    let frames = [frame("/opt/deploy/current/shop/api.py", 5, "checkout")];
    let context = build_context(&repo.index, &frames, &options).expect("context");
    assert_eq!(context.snippets[0].path, "shop/api.py");
}

#[test]
fn not_a_git_repository() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(RepoIndex::from_git(dir.path()).is_err());
    assert!(RepoIndex::from_git(&dir.path().join("missing")).is_err());
}

#[test]
fn budget_keeps_priority_order_and_reports_what_did_not_fit() {
    let repo = shop_repo();
    let full =
        build_context(&repo.index, &python_trace(), &ContextOptions::default()).expect("context");
    let crash_cost = estimate_tokens(&render_snippet(&full.snippets[0]));
    let options = ContextOptions {
        context_tokens: crash_cost + 1,
        ..ContextOptions::default()
    };
    let context = build_context(&repo.index, &python_trace(), &options).expect("context");
    assert_eq!(context.snippets.len(), 1);
    assert_eq!(context.snippets[0], full.snippets[0]);
    assert_eq!(context.estimated_tokens, crash_cost);
    let omitted: Vec<&str> = context
        .omitted
        .iter()
        .map(|o| o.split(" (about").next().unwrap_or(o))
        .collect();
    assert_eq!(
        omitted,
        vec![
            "caller frame checkout (shop/api.py:6)",
            "imports of shop/cart.py",
            "imports of shop/api.py",
            "called definition unit_price (shop/pricing.py:4-5)",
        ]
    );
}

#[test]
fn crash_site_over_the_budget_is_cut_around_the_crash_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("def long_function(rows):\n    total = 0\n");
    for i in 0..300 {
        text.push_str(&format!("    total += rows[{i}] * {i}\n"));
    }
    text.push_str("    return total\n");
    std::fs::write(dir.path().join("job.py"), &text).expect("write");
    let index = RepoIndex::from_paths(dir.path(), vec!["job.py".into()]);
    let options = ContextOptions {
        context_tokens: 200,
        ..ContextOptions::default()
    };
    let frames = [frame("/app/job.py", 150, "long_function")];
    let context = build_context(&index, &frames, &options).expect("context");
    assert_eq!(context.snippets.len(), 1);
    let crash = &context.snippets[0];
    assert_eq!(crash.extent, Extent::Truncated);
    assert!(crash.start_line < 150 && 150 < crash.end_line);
    assert!(
        context.estimated_tokens <= 200,
        "{}",
        context.estimated_tokens
    );
    let note = crash.note.as_deref().expect("a note");
    assert!(
        note.starts_with("long_function spans lines 1-303; only lines "),
        "{note}"
    );
    assert!(
        context.omitted[0].starts_with("crash-site function long_function (job.py:1-303, about "),
        "{:?}",
        context.omitted
    );
    // A budget too small for anything still shows the crash line.
    let tiny = ContextOptions {
        context_tokens: 1,
        ..ContextOptions::default()
    };
    let context = build_context(&index, &frames, &tiny).expect("context");
    let crash = &context.snippets[0];
    assert_eq!((crash.start_line, crash.end_line), (150, 150));
    assert_eq!(crash.marked_lines, vec![150]);
}

#[test]
fn minified_lines_are_clipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = format!("var a={};", "1+".repeat(3000) + "1");
    std::fs::write(dir.path().join("bundle.js"), format!("{line}\n")).expect("write");
    let index = RepoIndex::from_paths(dir.path(), vec!["bundle.js".into()]);
    let frames = [frame("https://cdn.example/bundle.js", 1, "a")];
    let context = build_context(&index, &frames, &ContextOptions::default()).expect("context");
    let text = &context.snippets[0].lines[0].text;
    assert!(
        text.ends_with("[... 5008 more characters]"),
        "{}",
        &text[text.len() - 40..]
    );
}

/// Whatever the budget: the crash site comes first and shows the crash
/// line; the total stays within the budget unless the crash line alone
/// exceeds it; snippets come in priority order; the reported estimate is the
/// sum of the rendered snippets; what is not shown is listed as omitted.
#[test]
fn budget_invariants() {
    let repo = shop_repo();
    let mut runner = TestRunner::new(ProptestConfig::with_cases(96));
    runner
        .run(&(0usize..1500), |budget| {
            let options = ContextOptions {
                context_tokens: budget,
                ..ContextOptions::default()
            };
            let context = build_context(&repo.index, &python_trace(), &options).expect("context");
            let crash = &context.snippets[0];
            prop_assert_eq!(crash.kind, SnippetKind::CrashSite);
            prop_assert!(crash.lines.iter().any(|l| l.number == 21));
            prop_assert!(crash.marked_lines.contains(&21));
            let alone = crash.lines.len() == 1;
            prop_assert!(
                context.estimated_tokens <= budget || alone,
                "{} > {}",
                context.estimated_tokens,
                budget
            );
            let kinds: Vec<SnippetKind> = context.snippets.iter().map(|s| s.kind).collect();
            let mut sorted = kinds.clone();
            sorted.sort();
            prop_assert_eq!(kinds, sorted);
            let total: usize = context
                .snippets
                .iter()
                .map(|s| estimate_tokens(&render_snippet(s)))
                .sum();
            prop_assert_eq!(context.estimated_tokens, total);
            // No two pieces of this trace merge; a cut crash site adds one note.
            let cut = usize::from(crash.extent == Extent::Truncated);
            prop_assert_eq!(context.snippets.len() - 1 + context.omitted.len(), 4 + cut);
            Ok(())
        })
        .expect("invariants hold");
}
