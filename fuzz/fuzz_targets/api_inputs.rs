//! Fuzzes what tracefix-api reads from a client before the store sees it:
//! query parameters (`group_query`, `job_filter`), path ids and the pause
//! body, plus the per-hour aggregation over arbitrary minute buckets.
//!
//! The input is `query string \n body \n path id`. Checked: no panic; every
//! refusal is a 4xx whose message stays short; an accepted group query has a
//! limit within bounds and a text of at most 200 characters whose LIKE
//! patterns unescape to the lower-cased text; the hourly buckets are 168
//! consecutive hours.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_api::params::{MAX_LIMIT, PauseBody, group_query, job_filter, json_body, path_id};
use tracefix_api::views::{HOUR_MS, hourly};
use tracefix_store::MinuteCount;

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn unescape(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().expect("an escape escapes something")),
            '%' | '_' => panic!("unescaped wildcard in {pattern:?}"),
            c => out.push(c),
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let query = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");
    let id = parts.next().unwrap_or("");
    let pairs = pairs(query);

    match group_query(&pairs) {
        Ok(q) => {
            assert!(q.limit.is_some_and(|l| (1..=MAX_LIMIT).contains(&l)));
            if let Some(text) = &q.text {
                assert!(text.chars().count() <= 200);
                if let Some((contains, prefix)) = q.text_patterns() {
                    let inner = contains.strip_prefix('%').and_then(|c| c.strip_suffix('%'));
                    let inner = inner.expect("a substring pattern");
                    assert_eq!(unescape(inner), text.to_lowercase());
                    assert_eq!(Some(inner), prefix.strip_suffix('%'));
                }
            }
        }
        Err(e) => {
            assert!(e.status().is_client_error());
            assert!(e.to_string().len() < 1024);
        }
    }
    if let Err(e) = job_filter(&pairs) {
        assert!(e.status().is_client_error());
        assert!(e.to_string().len() < 1024);
    }
    if let Err(e) = path_id(id, "group") {
        assert!(e.status().is_client_error());
        assert!(e.to_string().len() < 1024);
    }
    if let Err(e) = json_body::<PauseBody>(Some("application/json"), body.as_bytes()) {
        assert!(e.status().is_client_error());
    }

    let numbers: Vec<i64> = data
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    if let Some((&now, rest)) = numbers.split_first() {
        let minutes: Vec<MinuteCount> = rest
            .chunks_exact(2)
            .map(|p| MinuteCount {
                minute: p[0],
                count: p[1],
            })
            .collect();
        let buckets = hourly(&minutes, now);
        assert_eq!(buckets.len(), 168);
        for w in buckets.windows(2) {
            assert!(w[1].0 - w[0].0 == HOUR_MS || w[1].0 == i64::MAX);
        }
    }
});
