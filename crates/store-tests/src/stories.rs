//! The stories. Each takes a fresh [`TestDb`] and panics on a violation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tracefix_store::*;
use uuid::Uuid;

use crate::{MINUTE, TestDb, manual_clock};

const VISIBILITY: Duration = Duration::from_secs(30);

fn occurrence(fingerprint: &str, timestamp_ms: i64) -> Occurrence {
    Occurrence {
        fingerprint: fingerprint.into(),
        fingerprint_version: 1,
        language: "python".into(),
        exception_type: "KeyError".into(),
        exception_message: format!("'{fingerprint}'"),
        frames: json!([{ "file": "app/shop.py", "line": 8, "function": "price_of" }]),
        timestamp_ms,
        source: "logs/app.log".into(),
        sample: format!("Traceback … KeyError: '{fingerprint}' at {timestamp_ms}"),
    }
}

async fn group_of(store: &dyn Store, fingerprint: &str) -> ErrorGroup {
    store
        .group_by_fingerprint(fingerprint, 1)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("group {fingerprint} exists"))
}

async fn fix_jobs_of(store: &dyn Store, group: Uuid) -> Vec<Job> {
    let mut jobs = store
        .list_jobs(&JobFilter {
            group_id: Some(group),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    jobs.reverse(); // oldest first
    jobs
}

/// Leases the one visible job and acks it (the fixer, in short).
async fn run_one_job(store: &dyn Store) -> Job {
    let leased = store.lease("fixer", 1, VISIBILITY).await.unwrap();
    assert_eq!(leased.len(), 1, "one job to run");
    store.ack(&leased[0].lease).await.unwrap();
    leased[0].job.clone()
}

async fn transition(store: &dyn Store, id: Uuid, path: &[GroupStatus]) {
    for pair in path.windows(2) {
        let reason = (pair[1] == GroupStatus::Failed).then_some("the fix did not pass the tests");
        assert!(
            store
                .set_group_status(id, pair[0], pair[1], reason)
                .await
                .unwrap(),
            "{} -> {}",
            pair[0],
            pair[1]
        );
    }
}

// ---- groups -------------------------------------------------------------

pub async fn group_lifecycle(db: &TestDb) {
    use GroupStatus::*;
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let t0 = clock.now_ms();

    let report = store
        .record_occurrences(&[occurrence("fp-life", t0)], None)
        .await
        .unwrap();
    assert_eq!(report.events, 1);
    assert_eq!(report.groups, 1);
    assert_eq!(report.new_groups.len(), 1);
    let group = group_of(&*store, "fp-life").await;
    assert_eq!(group.id, report.new_groups[0]);
    assert_eq!(group.status, New);
    assert_eq!(group.count, 1);
    assert_eq!((group.first_seen, group.last_seen), (t0, t0));
    assert_eq!(group.language, "python");
    assert_eq!(group.exception_type, "KeyError");
    assert_eq!(group.exception_message, "'fp-life'");
    assert_eq!(group.frames[0]["function"], "price_of");
    assert_eq!(group.source, "logs/app.log");
    assert_eq!(group.failure_reason, None);
    assert_eq!(store.group(group.id).await.unwrap().as_ref(), Some(&group));

    // The fixer takes the job, proposes a fix, a human merges it.
    let job = run_one_job(&*store).await;
    assert_eq!(job.group_id, Some(group.id));
    transition(&*store, group.id, &[New, Fixing, Proposed, Resolved]).await;

    // Seen again: regressed, counted, and a new fix job.
    clock.advance(MINUTE);
    let report = store
        .record_occurrences(&[occurrence("fp-life", t0 + 60_000)], None)
        .await
        .unwrap();
    assert!(report.new_groups.is_empty());
    assert_eq!(report.regressed_groups, [group.id]);
    assert_eq!(report.jobs.len(), 1);
    let group = group_of(&*store, "fp-life").await;
    assert_eq!(group.status, Regressed);
    assert_eq!(group.count, 2);
    assert_eq!((group.first_seen, group.last_seen), (t0, t0 + 60_000));

    // This time fixing fails, with a reason; asking again clears it.
    run_one_job(&*store).await;
    transition(&*store, group.id, &[Regressed, Fixing, Failed]).await;
    let failed = store.group(group.id).await.unwrap().unwrap();
    assert_eq!(failed.status, Failed);
    assert_eq!(
        failed.failure_reason.as_deref(),
        Some("the fix did not pass the tests")
    );
    transition(&*store, group.id, &[Failed, Queued]).await;
    let queued = store.group(group.id).await.unwrap().unwrap();
    assert_eq!(queued.failure_reason, None);
    assert!(queued.updated_at >= group.updated_at);
}

pub async fn ignored_groups_only_count(db: &TestDb) {
    let store = db.open_with(StoreOptions::default()).await;
    store
        .record_occurrences(&[occurrence("fp-ign", 1_000)], None)
        .await
        .unwrap();
    let group = group_of(&*store, "fp-ign").await;
    transition(&*store, group.id, &[GroupStatus::New, GroupStatus::Ignored]).await;
    let report = store
        .record_occurrences(
            &[occurrence("fp-ign", 2_000), occurrence("fp-ign", 3_000)],
            None,
        )
        .await
        .unwrap();
    assert!(report.jobs.is_empty() && report.regressed_groups.is_empty());
    let group = group_of(&*store, "fp-ign").await;
    assert_eq!((group.status, group.count), (GroupStatus::Ignored, 3));
    // Only the job of the new group exists.
    assert_eq!(fix_jobs_of(&*store, group.id).await.len(), 1);
}

pub async fn outbox_enqueues_once_per_new_or_regressed_group(db: &TestDb) {
    use GroupStatus::*;
    let store = db.open_with(StoreOptions::default()).await;
    // One batch: two new groups, with repeats inside the batch.
    let report = store
        .record_occurrences(
            &[
                occurrence("fp-a", 1_000),
                occurrence("fp-b", 1_001),
                occurrence("fp-a", 1_002),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(report.new_groups.len(), 2);
    assert_eq!(report.jobs.len(), 2);
    let a = group_of(&*store, "fp-a").await;
    assert_eq!(a.count, 2);
    let jobs = fix_jobs_of(&*store, a.id).await;
    assert_eq!(jobs.len(), 1, "a new group has exactly one job");
    assert_eq!(jobs[0].kind, FIX_JOB_KIND);
    assert_eq!(jobs[0].status, JobStatus::Ready);
    assert_eq!(jobs[0].payload["reason"], "new");
    assert_eq!(jobs[0].payload["group_id"], a.id.to_string());
    assert_eq!(jobs[0].max_attempts, StoreOptions::default().max_attempts);

    // Repeats in later batches only count.
    for ts in [2_000, 3_000] {
        let report = store
            .record_occurrences(&[occurrence("fp-a", ts)], None)
            .await
            .unwrap();
        assert!(report.jobs.is_empty() && report.new_groups.is_empty());
    }
    assert_eq!(fix_jobs_of(&*store, a.id).await.len(), 1);
    assert_eq!(group_of(&*store, "fp-a").await.count, 4);

    // Resolve, then see it again: regressed and exactly one new job.
    let mut jobs_run = Vec::new();
    for _ in 0..2 {
        jobs_run.push(run_one_job(&*store).await.id);
    }
    transition(&*store, a.id, &[New, Fixing, Proposed, Resolved]).await;
    let report = store
        .record_occurrences(
            &[occurrence("fp-a", 4_000), occurrence("fp-a", 4_001)],
            None,
        )
        .await
        .unwrap();
    assert_eq!(report.regressed_groups, [a.id]);
    assert_eq!(report.jobs.len(), 1);
    let jobs = fix_jobs_of(&*store, a.id).await;
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[1].payload["reason"], "regressed");
    assert_eq!(jobs[1].status, JobStatus::Ready);
    // Still regressed on the next repeat: no third job.
    let report = store
        .record_occurrences(&[occurrence("fp-a", 5_000)], None)
        .await
        .unwrap();
    assert!(report.jobs.is_empty() && report.regressed_groups.is_empty());
    assert_eq!(fix_jobs_of(&*store, a.id).await.len(), 2);
}

pub async fn status_changes_are_compare_and_set(db: &TestDb) {
    use GroupStatus::*;
    let store = db.open_with(StoreOptions::default()).await;
    let other = db.open_with(StoreOptions::default()).await;
    store
        .record_occurrences(&[occurrence("fp-cas", 1_000)], None)
        .await
        .unwrap();
    let id = group_of(&*store, "fp-cas").await.id;

    // Two nodes saw `new`; the first write wins, the second is refused.
    assert!(store.set_group_status(id, New, Fixing, None).await.unwrap());
    assert!(
        !other
            .set_group_status(id, New, Ignored, None)
            .await
            .unwrap()
    );
    assert_eq!(store.group(id).await.unwrap().unwrap().status, Fixing);

    // Disallowed changes are typed errors, whatever the current status.
    let err = store
        .set_group_status(id, Resolved, Fixing, None)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::InvalidTransition {
            from: Resolved,
            to: Fixing
        }
    ));
    let err = store
        .set_group_status(id, Fixing, Failed, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput(_)), "{err:?}");
    assert_eq!(store.group(id).await.unwrap().unwrap().status, Fixing);

    // An unknown group is simply not changed.
    assert!(
        !store
            .set_group_status(Uuid::now_v7(), Fixing, Proposed, None)
            .await
            .unwrap()
    );

    // Many racers, one winner.
    let mut racers = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        racers.push(tokio::spawn(async move {
            store.set_group_status(id, Fixing, Proposed, None).await
        }));
    }
    let mut winners = 0;
    for racer in racers {
        winners += usize::from(racer.await.unwrap().unwrap());
    }
    assert_eq!(winners, 1);
    assert_eq!(store.group(id).await.unwrap().unwrap().status, Proposed);
}

pub async fn entering_queued_enqueues_one_live_fix_job(db: &TestDb) {
    use GroupStatus::*;
    let store = db.open_with(StoreOptions::default()).await;
    store
        .record_occurrences(&[occurrence("fp-q", 1_000)], None)
        .await
        .unwrap();
    let id = group_of(&*store, "fp-q").await.id;
    let first = run_one_job(&*store).await;
    transition(&*store, id, &[New, Fixing, Failed, Queued]).await;
    let jobs = fix_jobs_of(&*store, id).await;
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0].id, first.id);
    assert_eq!(jobs[1].payload["reason"], "queued");
    assert_eq!(jobs[1].status, JobStatus::Ready);

    // A second live fix job for the group is refused, quietly.
    let mut dup = NewJob::new(FIX_JOB_KIND, json!({ "group_id": id }));
    dup.group_id = Some(id);
    assert_eq!(store.enqueue(&dup).await.unwrap(), None);
    // Other kinds are not limited.
    let mut note = NewJob::new("notify", json!({}));
    note.group_id = Some(id);
    assert!(store.enqueue(&note).await.unwrap().is_some());

    // Requeueing a dead fix job while another is live is a conflict.
    let leased = store.lease("w", 5, VISIBILITY).await.unwrap();
    assert_eq!(leased.len(), 2, "the queued fix job and the note");
    assert!(leased.iter().any(|l| l.job.id == jobs[1].id));
    for job in &leased {
        store.ack(&job.lease).await.unwrap();
    }
    let mut old = NewJob::new(FIX_JOB_KIND, json!({}));
    old.group_id = Some(id);
    old.max_attempts = Some(1);
    let old = store
        .enqueue(&old)
        .await
        .unwrap()
        .expect("no live fix job now");
    let leased = store.lease("w", 5, VISIBILITY).await.unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(
        store
            .nack(&leased[0].lease, "boom", Duration::ZERO)
            .await
            .unwrap(),
        NackOutcome::Dead
    );
    transition(&*store, id, &[Queued, Fixing, Failed, Queued]).await;
    let err = store.requeue(old).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

pub async fn listing_and_counting_groups(db: &TestDb) {
    use GroupStatus::*;
    let store = db.open_with(StoreOptions::default()).await;
    store
        .record_occurrences(
            &[
                occurrence("fp-1", 3_000),
                occurrence("fp-2", 1_000),
                occurrence("fp-3", 2_000),
            ],
            None,
        )
        .await
        .unwrap();
    let all = store.list_groups(&GroupFilter::default()).await.unwrap();
    let order: Vec<_> = all.iter().map(|g| g.fingerprint.as_str()).collect();
    assert_eq!(order, ["fp-1", "fp-3", "fp-2"], "most recently seen first");
    let limited = store
        .list_groups(&GroupFilter {
            limit: Some(2),
            ..GroupFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(limited.len(), 2);

    let fp2 = group_of(&*store, "fp-2").await.id;
    transition(&*store, fp2, &[New, Ignored]).await;
    let ignored = store
        .list_groups(&GroupFilter {
            status: Some(Ignored),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0].id, fp2);

    let counts = store.group_counts().await.unwrap();
    assert_eq!(counts.len(), GroupStatus::ALL.len());
    assert_eq!(counts[&New], 2);
    assert_eq!(counts[&Ignored], 1);
    assert_eq!(counts.values().sum::<u64>(), 3);
    assert!(store.group(Uuid::now_v7()).await.unwrap().is_none());
    assert!(
        store
            .group_by_fingerprint("fp-1", 2)
            .await
            .unwrap()
            .is_none(),
        "another fingerprint version is another group"
    );
}

pub async fn querying_groups(db: &TestDb) {
    use GroupStatus::*;
    let store = db.open_with(StoreOptions::default()).await;
    let event = |fingerprint: &str, language: &str, ty: &str, message: &str, at: i64| Occurrence {
        language: language.into(),
        exception_type: ty.into(),
        exception_message: message.into(),
        ..occurrence(fingerprint, at)
    };
    // counts: a=3, b=1, c=2, d=1; first seen: a 1000, b 2000, c 500, d 4000;
    // last seen: a 3000, b 2000, c 5000, d 4000.
    store
        .record_occurrences(
            &[
                event("aa11", "python", "KeyError", "'sku'", 1_000),
                event("aa11", "python", "KeyError", "'sku'", 2_000),
                event("aa11", "python", "KeyError", "'sku'", 3_000),
                event(
                    "bb22",
                    "java",
                    "java.lang.NullPointerException",
                    "50% off_sale",
                    2_000,
                ),
                event("cc33", "python", "ValueError", "bad PRICE", 500),
                event("cc33", "python", "ValueError", "bad PRICE", 5_000),
                event("dd44", "go", "runtime error", "index out of range", 4_000),
            ],
            None,
        )
        .await
        .unwrap();
    let fingerprints = |page: &GroupPage| -> Vec<String> {
        page.groups.iter().map(|g| g.fingerprint.clone()).collect()
    };
    let run = |query: GroupQuery| {
        let store = store.clone();
        async move { store.query_groups(&query).await.unwrap() }
    };

    let all = run(GroupQuery::default()).await;
    assert_eq!(all.total, 4);
    assert_eq!(
        fingerprints(&all),
        ["cc33", "dd44", "aa11", "bb22"],
        "last seen first"
    );
    let sorted = |sort, order| GroupQuery {
        sort,
        order,
        ..GroupQuery::default()
    };
    use GroupSort::*;
    use SortOrder::*;
    assert_eq!(
        fingerprints(&run(sorted(LastSeen, Asc)).await),
        ["bb22", "aa11", "dd44", "cc33"]
    );
    assert_eq!(
        fingerprints(&run(sorted(FirstSeen, Asc)).await),
        ["cc33", "aa11", "bb22", "dd44"]
    );
    assert_eq!(
        fingerprints(&run(sorted(FirstSeen, Desc)).await),
        ["dd44", "bb22", "aa11", "cc33"]
    );
    let by_count = run(sorted(Count, Desc)).await;
    let counts: Vec<i64> = by_count.groups.iter().map(|g| g.count).collect();
    assert_eq!(counts, [3, 2, 1, 1]);
    assert_eq!(by_count.groups[0].fingerprint, "aa11");
    let by_count_asc = run(sorted(Count, Asc)).await;
    let counts: Vec<i64> = by_count_asc.groups.iter().map(|g| g.count).collect();
    assert_eq!(counts, [1, 1, 2, 3]);

    // Pages: consecutive, no overlap, the total of every match.
    let page = |limit, offset| GroupQuery {
        sort: Count,
        limit: Some(limit),
        offset,
        ..GroupQuery::default()
    };
    let first = run(page(2, 0)).await;
    let second = run(page(2, 2)).await;
    let beyond = run(page(2, 10)).await;
    assert_eq!((first.total, second.total, beyond.total), (4, 4, 4));
    let mut paged = fingerprints(&first);
    paged.extend(fingerprints(&second));
    assert_eq!(paged, fingerprints(&by_count));
    assert!(beyond.groups.is_empty());

    // Filters.
    let text = |text: &str| GroupQuery {
        text: Some(text.into()),
        ..GroupQuery::default()
    };
    assert_eq!(
        fingerprints(&run(text("keyerr")).await),
        ["aa11"],
        "type, any case"
    );
    assert_eq!(
        fingerprints(&run(text("price")).await),
        ["cc33"],
        "message, any case"
    );
    assert_eq!(
        fingerprints(&run(text("DD4")).await),
        ["dd44"],
        "fingerprint prefix"
    );
    assert!(
        run(text("d44")).await.groups.is_empty(),
        "not a fingerprint infix"
    );
    assert_eq!(fingerprints(&run(text("50%")).await), ["bb22"]);
    assert!(run(text("5%f")).await.groups.is_empty(), "% is literal");
    assert!(run(text("50_")).await.groups.is_empty(), "_ is literal");
    assert!(run(text("\\")).await.groups.is_empty(), "\\ is literal");
    assert_eq!(fingerprints(&run(text("off_")).await), ["bb22"]);
    assert_eq!(run(text("")).await.total, 4, "empty text filters nothing");
    let python = run(GroupQuery {
        language: Some("python".into()),
        ..GroupQuery::default()
    })
    .await;
    assert_eq!(fingerprints(&python), ["cc33", "aa11"]);
    assert_eq!(python.total, 2);

    let aa = group_of(&*store, "aa11").await.id;
    transition(&*store, aa, &[New, Ignored]).await;
    let combined = run(GroupQuery {
        status: Some(New),
        language: Some("python".into()),
        text: Some("e".into()),
        ..GroupQuery::default()
    })
    .await;
    assert_eq!(fingerprints(&combined), ["cc33"]);
    assert_eq!(combined.total, 1);
    let ignored = run(GroupQuery {
        status: Some(Ignored),
        ..GroupQuery::default()
    })
    .await;
    assert_eq!(
        (fingerprints(&ignored), ignored.total),
        (vec!["aa11".to_string()], 1)
    );
}

// ---- ingest -------------------------------------------------------------

pub async fn checkpoint_commits_with_its_events(db: &TestDb) {
    let store = db.open_with(StoreOptions::default()).await;
    assert_eq!(store.checkpoint("logs/app.log").await.unwrap(), None);
    assert_eq!(
        store.record_occurrences(&[], None).await.unwrap(),
        IngestReport::default()
    );
    let at = |offset: u64| Checkpoint {
        source_id: "logs/app.log".into(),
        position: json!({ "inode": 42, "offset": offset }),
    };
    store
        .record_occurrences(&[occurrence("fp-c", 1_000)], Some(&at(100)))
        .await
        .unwrap();
    assert_eq!(
        store.checkpoint("logs/app.log").await.unwrap(),
        Some(json!({ "inode": 42, "offset": 100 }))
    );
    // A batch with no events may still move the position (e.g. plain lines).
    store.record_occurrences(&[], Some(&at(250))).await.unwrap();
    assert_eq!(
        store.checkpoint("logs/app.log").await.unwrap().unwrap()["offset"],
        250
    );
    // Another handle (process) sees it.
    let other = db.open_with(StoreOptions::default()).await;
    assert_eq!(
        other.checkpoint("logs/app.log").await.unwrap().unwrap()["offset"],
        250
    );
    assert_eq!(other.checkpoint("other.log").await.unwrap(), None);
}

pub async fn failed_batch_stores_nothing(db: &TestDb) {
    let store = db.open_with(StoreOptions::default()).await;
    let at = |offset: u64| Checkpoint {
        source_id: "logs/app.log".into(),
        position: json!(offset),
    };
    store
        .record_occurrences(&[occurrence("fp-ok", 1_000)], Some(&at(100)))
        .await
        .unwrap();
    let before = store.queue_depth().await.unwrap();

    // The batch fails midway: "fp-new" and a repeat of "fp-ok" are written
    // first (groups go in fingerprint order), then "fp-zz-bad" breaks a
    // CHECK (a negative time).
    let batch = [
        occurrence("fp-ok", 2_000),
        occurrence("fp-new", 2_000),
        occurrence("fp-zz-bad", -5),
    ];
    let err = store
        .record_occurrences(&batch, Some(&at(200)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Constraint(_)), "{err:?}");
    assert_eq!(
        store.checkpoint("logs/app.log").await.unwrap(),
        Some(json!(100))
    );
    assert!(
        store
            .group_by_fingerprint("fp-new", 1)
            .await
            .unwrap()
            .is_none()
    );
    let ok = group_of(&*store, "fp-ok").await;
    assert_eq!((ok.count, ok.last_seen), (1, 1_000));
    assert_eq!(store.samples(ok.id).await.unwrap().len(), 1);
    assert_eq!(store.queue_depth().await.unwrap(), before, "no job either");

    // Good events with a checkpoint the store rejects (an empty source id):
    // the events are not kept either.
    let bad_checkpoint = Checkpoint {
        source_id: String::new(),
        position: json!(300),
    };
    let err = store
        .record_occurrences(&[occurrence("fp-ok", 3_000)], Some(&bad_checkpoint))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Constraint(_)), "{err:?}");
    assert_eq!(group_of(&*store, "fp-ok").await.count, 1);

    // The same batch without the bad event goes through.
    store
        .record_occurrences(&batch[..2], Some(&at(200)))
        .await
        .unwrap();
    assert_eq!(group_of(&*store, "fp-ok").await.count, 2);
    assert_eq!(
        store.checkpoint("logs/app.log").await.unwrap(),
        Some(json!(200))
    );
}

pub async fn samples_keep_the_first_and_latest(db: &TestDb) {
    let store = db
        .open_with(StoreOptions {
            samples_first: 2,
            samples_latest: 3,
            ..StoreOptions::default()
        })
        .await;
    let events: Vec<_> = (1..=10).map(|i| occurrence("fp-s", i * 1_000)).collect();
    for chunk in [&events[..4], &events[4..5], &events[5..]] {
        store.record_occurrences(chunk, None).await.unwrap();
    }
    let id = group_of(&*store, "fp-s").await.id;
    let samples = store.samples(id).await.unwrap();
    let ordinals: Vec<_> = samples.iter().map(|s| s.ordinal).collect();
    assert_eq!(ordinals, [1, 2, 8, 9, 10]);
    for sample in &samples {
        let event = &events[sample.ordinal as usize - 1];
        assert_eq!(sample.text, event.sample);
        assert_eq!(sample.occurred_at, event.timestamp_ms);
        assert_eq!(sample.source, event.source);
    }
    // One more: the window of the latest moves on.
    store
        .record_occurrences(&[occurrence("fp-s", 11_000)], None)
        .await
        .unwrap();
    let ordinals: Vec<_> = store
        .samples(id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.ordinal)
        .collect();
    assert_eq!(ordinals, [1, 2, 9, 10, 11]);
}

pub async fn minute_buckets_and_retention(db: &TestDb) {
    let day = 86_400_000;
    let base = 40 * day; // a minute boundary
    let clock = std::sync::Arc::new(ManualClock::new(base + 31 * day));
    let store = db.open_at(&clock).await;
    let batch = [
        occurrence("fp-m", base + 1_000),
        occurrence("fp-m", base + 59_999),
        occurrence("fp-m", base + 60_000),
        occurrence("fp-m", base + 31 * day),
    ];
    store.record_occurrences(&batch, None).await.unwrap();
    store
        .record_occurrences(&[occurrence("fp-m", base + 5_000)], None)
        .await
        .unwrap();
    let id = group_of(&*store, "fp-m").await.id;
    let all = store.occurrence_counts(id, 0, i64::MAX).await.unwrap();
    let expected = [
        MinuteCount {
            minute: base,
            count: 3,
        },
        MinuteCount {
            minute: base + 60_000,
            count: 1,
        },
        MinuteCount {
            minute: base + 31 * day,
            count: 1,
        },
    ];
    assert_eq!(all, expected);
    let window = store
        .occurrence_counts(id, base + 60_000, base + 120_000)
        .await
        .unwrap();
    assert_eq!(window, expected[1..2]);

    // Retention: keep 30 days back from the newest minute.
    let cutoff = base + 31 * day - duration_ms(DEFAULT_RETENTION);
    assert_eq!(store.purge_occurrences(cutoff).await.unwrap(), 2);
    assert_eq!(
        store.occurrence_counts(id, 0, i64::MAX).await.unwrap(),
        expected[2..]
    );
    assert_eq!(store.purge_occurrences(cutoff).await.unwrap(), 0);
    // The same by the store's clock: the newest bucket is kept while it
    // is at most 30 days old, and goes a minute later.
    clock.advance(DEFAULT_RETENTION);
    assert_eq!(
        store
            .purge_expired_occurrences(DEFAULT_RETENTION)
            .await
            .unwrap(),
        0
    );
    clock.advance(MINUTE);
    assert_eq!(
        store
            .purge_expired_occurrences(DEFAULT_RETENTION)
            .await
            .unwrap(),
        1
    );
    assert!(
        store
            .occurrence_counts(id, 0, i64::MAX)
            .await
            .unwrap()
            .is_empty()
    );
    // The group's total is not touched by the purge.
    assert_eq!(group_of(&*store, "fp-m").await.count, 5);
}

pub async fn concurrent_batches_of_one_group_add_up(db: &TestDb) {
    // Several processes ingesting the same new error at once: one group,
    // one job, every event counted.
    let handles = [
        db.open_with(StoreOptions::default()).await,
        db.open_with(StoreOptions::default()).await,
        db.open_with(StoreOptions::default()).await,
    ];
    let mut tasks = Vec::new();
    for (i, store) in handles.iter().cycle().take(12).enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let batch: Vec<_> = (0..25)
                .map(|j| occurrence("fp-race", 1_000 + (i * 25 + j) as i64))
                .collect();
            store.record_occurrences(&batch, None).await
        }));
    }
    let mut new_groups = 0;
    for task in tasks {
        new_groups += task.await.unwrap().unwrap().new_groups.len();
    }
    assert_eq!(new_groups, 1);
    let group = group_of(&*handles[0], "fp-race").await;
    assert_eq!(group.count, 300);
    assert_eq!(fix_jobs_of(&*handles[0], group.id).await.len(), 1);
    let minutes = handles[0]
        .occurrence_counts(group.id, 0, i64::MAX)
        .await
        .unwrap();
    assert_eq!(minutes.iter().map(|m| m.count).sum::<i64>(), 300);
}

// ---- queue --------------------------------------------------------------

async fn enqueue_plain(store: &dyn Store, max_attempts: i32) -> Uuid {
    let mut job = NewJob::new("test", json!({ "n": 1 }));
    job.max_attempts = Some(max_attempts);
    store.enqueue(&job).await.unwrap().unwrap()
}

fn lost(result: Result<impl std::fmt::Debug>, job: Uuid) {
    match result {
        Err(StoreError::LeaseLost { job_id }) => assert_eq!(job_id, job),
        other => panic!("expected LeaseLost, got {other:?}"),
    }
}

pub async fn lease_ack_and_fencing(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let id = enqueue_plain(&*store, 5).await;
    let now = clock.now_ms();

    let leased = store.lease("worker-1", 10, VISIBILITY).await.unwrap();
    assert_eq!(leased.len(), 1);
    let LeasedJob { job, lease } = &leased[0];
    assert_eq!(job.id, id);
    assert_eq!(job.status, JobStatus::Leased);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.leased_by.as_deref(), Some("worker-1"));
    assert_eq!(job.lease_token, Some(lease.token));
    assert_eq!(job.visible_at, now + 30_000);
    assert_eq!(job.payload, json!({ "n": 1 }));
    // Leased jobs are invisible.
    assert!(
        store
            .lease("worker-2", 10, VISIBILITY)
            .await
            .unwrap()
            .is_empty()
    );

    // A wrong token can do nothing.
    let forged = Lease {
        job_id: id,
        token: Uuid::now_v7(),
    };
    lost(store.ack(&forged).await, id);
    lost(store.nack(&forged, "x", Duration::ZERO).await, id);
    lost(store.extend(&forged, VISIBILITY).await, id);
    lost(store.release(&forged).await, id);

    // Heartbeat pushes the expiry.
    clock.advance(Duration::from_secs(20));
    let until = store.extend(lease, VISIBILITY).await.unwrap();
    assert_eq!(until, now + 50_000);
    clock.advance(Duration::from_secs(20));
    assert!(
        store
            .lease("worker-2", 10, VISIBILITY)
            .await
            .unwrap()
            .is_empty()
    );

    store.ack(lease).await.unwrap();
    let done = store.job(id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(done.lease_token, None);
    // Completed: the token is spent.
    lost(store.ack(lease).await, id);
    lost(store.extend(lease, VISIBILITY).await, id);
    assert!(
        store
            .lease("worker-2", 10, VISIBILITY)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.job(Uuid::now_v7()).await.unwrap().is_none());
}

pub async fn expired_lease_is_leased_again(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let id = enqueue_plain(&*store, 5).await;
    let first = store.lease("slow", 1, VISIBILITY).await.unwrap().remove(0);

    clock.advance(VISIBILITY + Duration::from_millis(1));
    let depth = store.queue_depth().await.unwrap();
    assert_eq!((depth.leased, depth.expired), (0, 1));
    let second = store.lease("fast", 1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(second.job.id, id);
    assert_eq!(second.job.attempts, 2);
    assert_eq!(second.job.leased_by.as_deref(), Some("fast"));
    assert_ne!(second.lease.token, first.lease.token);

    // The slow worker lost the job: all its calls fail.
    lost(store.ack(&first.lease).await, id);
    lost(store.extend(&first.lease, VISIBILITY).await, id);
    lost(store.nack(&first.lease, "late", Duration::ZERO).await, id);
    store.ack(&second.lease).await.unwrap();

    // A lease that expired but was not taken again can still finish.
    let other = enqueue_plain(&*store, 5).await;
    let lease = store.lease("slow", 1, VISIBILITY).await.unwrap().remove(0);
    clock.advance(VISIBILITY * 2);
    store.ack(&lease.lease).await.unwrap();
    assert_eq!(
        store.job(other).await.unwrap().unwrap().status,
        JobStatus::Done
    );
}

pub async fn nack_backs_off_then_retries(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let id = enqueue_plain(&*store, 3).await;
    let policy = BackoffPolicy {
        base: Duration::from_secs(10),
        max: Duration::from_secs(600),
    };

    let leased = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    let delay = policy.delay(leased.job.attempts as u32, 0.25);
    assert_eq!(delay, Duration::from_millis(6_250));
    let outcome = store
        .nack(&leased.lease, "connection reset", delay)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        NackOutcome::Retry {
            visible_at: clock.now_ms() + 6_250
        }
    );
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Ready);
    assert_eq!(job.last_error.as_deref(), Some("connection reset"));
    assert_eq!(job.lease_token, None);
    assert_eq!(store.queue_depth().await.unwrap().scheduled, 1);

    // Not before the backoff has passed.
    clock.advance(Duration::from_millis(6_249));
    assert!(store.lease("w", 1, VISIBILITY).await.unwrap().is_empty());
    clock.advance(Duration::from_millis(1));
    let again = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(again.job.attempts, 2);
    assert_eq!(again.job.last_error.as_deref(), Some("connection reset"));
    // The second delay is longer.
    let second = policy.delay(again.job.attempts as u32, 0.25);
    assert!(second > delay);
    store.nack(&again.lease, "again", second).await.unwrap();
    assert_eq!(
        store.job(id).await.unwrap().unwrap().visible_at,
        clock.now_ms() + duration_ms(second)
    );
}

pub async fn dead_letters_and_requeue(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let id = enqueue_plain(&*store, 2).await;

    let first = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    assert!(matches!(
        store
            .nack(&first.lease, "boom 1", Duration::ZERO)
            .await
            .unwrap(),
        NackOutcome::Retry { .. }
    ));
    let second = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(second.job.attempts, 2);
    let outcome = store
        .nack(&second.lease, "boom 2", Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(outcome, NackOutcome::Dead);
    let dead = store.job(id).await.unwrap().unwrap();
    assert_eq!(dead.status, JobStatus::Dead);
    assert_eq!(dead.last_error.as_deref(), Some("boom 2"));
    assert!(store.lease("w", 1, VISIBILITY).await.unwrap().is_empty());
    assert_eq!(store.queue_depth().await.unwrap().dead, 1);

    // Requeue: ready, attempts reset, error kept for the record.
    assert!(store.requeue(id).await.unwrap());
    let back = store.job(id).await.unwrap().unwrap();
    assert_eq!((back.status, back.attempts), (JobStatus::Ready, 0));
    assert_eq!(back.last_error.as_deref(), Some("boom 2"));
    assert!(!store.requeue(id).await.unwrap(), "only dead jobs requeue");
    let err = store.requeue(Uuid::now_v7()).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "job", .. }));
    let third = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(third.job.attempts, 1);
    store.ack(&third.lease).await.unwrap();

    // A worker that vanishes on the last attempt leaves a dead job behind,
    // not one that is leased forever.
    let once = enqueue_plain(&*store, 1).await;
    let lease = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    clock.advance(VISIBILITY * 2);
    assert!(store.lease("w", 1, VISIBILITY).await.unwrap().is_empty());
    let job = store.job(once).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Dead);
    assert!(
        job.last_error.as_deref().unwrap().contains("lease expired"),
        "{:?}",
        job.last_error
    );
    lost(store.ack(&lease.lease).await, once);
}

pub async fn release_gives_the_attempt_back(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let id = enqueue_plain(&*store, 1).await;
    let leased = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    store.release(&leased.lease).await.unwrap();
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Ready, 0));
    assert_eq!(job.visible_at, clock.now_ms());
    lost(store.release(&leased.lease).await, id);
    // With max_attempts 1, the job still gets its one real attempt.
    let again = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(again.job.attempts, 1);
    store.ack(&again.lease).await.unwrap();
}

pub async fn pause_switch(db: &TestDb) {
    let store = db.open_with(StoreOptions::default()).await;
    let other = db.open_with(StoreOptions::default()).await;
    assert!(!store.paused().await.unwrap());
    enqueue_plain(&*store, 3).await;
    store.set_paused(true).await.unwrap();
    assert!(other.paused().await.unwrap(), "the switch is global");
    assert!(other.lease("w", 10, VISIBILITY).await.unwrap().is_empty());
    assert!(store.lease("w", 10, VISIBILITY).await.unwrap().is_empty());
    assert_eq!(store.queue_depth().await.unwrap().ready, 1);
    other.set_paused(false).await.unwrap();
    assert_eq!(store.lease("w", 10, VISIBILITY).await.unwrap().len(), 1);
}

pub async fn concurrency_limit(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let other = db.open_at(&clock).await;
    assert_eq!(store.concurrency_limit().await.unwrap(), None);
    for _ in 0..5 {
        enqueue_plain(&*store, 5).await;
    }
    store.set_concurrency_limit(Some(2)).await.unwrap();
    assert_eq!(other.concurrency_limit().await.unwrap(), Some(2));

    let a = store.lease("a", 10, VISIBILITY).await.unwrap();
    assert_eq!(a.len(), 2);
    assert!(other.lease("b", 10, VISIBILITY).await.unwrap().is_empty());
    store.ack(&a[0].lease).await.unwrap();
    let b = other.lease("b", 10, VISIBILITY).await.unwrap();
    assert_eq!(b.len(), 1, "one slot came free");

    // Expired leases hold no slot.
    clock.advance(VISIBILITY * 2);
    let c = other.lease("c", 10, VISIBILITY).await.unwrap();
    assert_eq!(c.len(), 2);

    store.set_concurrency_limit(None).await.unwrap();
    assert_eq!(store.concurrency_limit().await.unwrap(), None);
    let d = store.lease("d", 10, VISIBILITY).await.unwrap();
    assert_eq!(d.len(), 2, "the rest: 4 live jobs minus the 2 just leased");
}

pub async fn job_listing_and_depth(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let ids: Vec<Uuid> = {
        let mut ids = Vec::new();
        for _ in 0..4 {
            ids.push(enqueue_plain(&*store, 1).await);
            clock.advance(Duration::from_millis(1));
        }
        ids
    };
    let mut later = NewJob::new("test", json!({}));
    later.visible_at = Some(clock.now_ms() + 60_000);
    let later = store.enqueue(&later).await.unwrap().unwrap();

    let leased = store.lease("w", 3, VISIBILITY).await.unwrap();
    let leased_ids: Vec<_> = leased.iter().map(|l| l.job.id).collect();
    assert_eq!(leased_ids, ids[..3], "oldest visible first");
    store.ack(&leased[0].lease).await.unwrap();
    store
        .nack(&leased[1].lease, "x", Duration::ZERO)
        .await
        .unwrap();
    let depth = store.queue_depth().await.unwrap();
    assert_eq!(
        depth,
        QueueDepth {
            ready: 1,
            scheduled: 1,
            leased: 1,
            expired: 0,
            done: 1,
            dead: 1,
        }
    );

    let all = store.list_jobs(&JobFilter::default()).await.unwrap();
    let order: Vec<_> = all.iter().map(|j| j.id).collect();
    assert_eq!(
        order,
        [later, ids[3], ids[2], ids[1], ids[0]],
        "newest first"
    );
    let dead = store
        .list_jobs(&JobFilter {
            status: Some(JobStatus::Dead),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, ids[1]);
    let two = store
        .list_jobs(&JobFilter {
            limit: Some(2),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(two.len(), 2);
    assert!(store.lease("w", 0, VISIBILITY).await.unwrap().is_empty());
}

pub async fn fix_attempts(db: &TestDb) {
    let store = db.open_with(StoreOptions::default()).await;
    store
        .record_occurrences(&[occurrence("fp-att", 1_000)], None)
        .await
        .unwrap();
    let group = group_of(&*store, "fp-att").await.id;
    let job = fix_jobs_of(&*store, group).await[0].id;
    assert!(
        store
            .list_attempts(&AttemptFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let first = store
        .insert_attempt(&NewAttempt {
            job_id: job,
            group_id: Some(group),
            started_at: 2_000,
            finished_at: Some(9_000),
            outcome: "tests_failed".into(),
            details: json!({ "model": "m", "failing": ["test_price"] }),
        })
        .await
        .unwrap();
    let second = store
        .insert_attempt(&NewAttempt {
            job_id: job,
            group_id: Some(group),
            started_at: 10_000,
            finished_at: None,
            outcome: "running".into(),
            details: json!(null),
        })
        .await
        .unwrap();
    let by_job = store
        .list_attempts(&AttemptFilter {
            job_id: Some(job),
            group_id: None,
        })
        .await
        .unwrap();
    assert_eq!(
        by_job.iter().map(|a| a.id).collect::<Vec<_>>(),
        [first, second]
    );
    assert_eq!(by_job[0].details["failing"][0], "test_price");
    assert_eq!(by_job[0].finished_at, Some(9_000));
    assert_eq!(by_job[1].finished_at, None);
    assert_eq!(by_job[1].outcome, "running");
    let by_group = store
        .list_attempts(&AttemptFilter {
            job_id: None,
            group_id: Some(group),
        })
        .await
        .unwrap();
    assert_eq!(by_group, by_job);
    // An attempt must belong to a job.
    let err = store
        .insert_attempt(&NewAttempt {
            job_id: Uuid::now_v7(),
            group_id: None,
            started_at: 0,
            finished_at: None,
            outcome: "x".into(),
            details: json!({}),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Constraint(_)), "{err:?}");
}

pub async fn concurrent_leasers_take_each_job_once(db: &TestDb) {
    const JOBS: usize = 200;
    const TASKS: usize = 8;
    // Four handles, each its own pool: as four processes would.
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(
            db.open_with(StoreOptions {
                max_connections: 3,
                ..StoreOptions::default()
            })
            .await,
        );
    }
    let mut expected = Vec::new();
    for _ in 0..JOBS {
        expected.push(enqueue_plain(&*handles[0], 3).await);
    }
    let acked: Arc<Mutex<HashMap<Uuid, usize>>> = Arc::default();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = handles[t % handles.len()].clone();
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("worker-{t}");
            let mut idle_rounds = 0;
            loop {
                let leased = store.lease(&worker, 5, Duration::from_secs(600)).await?;
                if leased.is_empty() {
                    let depth = store.queue_depth().await?;
                    if depth.ready + depth.leased + depth.expired == 0 || idle_rounds > 500 {
                        return Ok::<_, StoreError>(());
                    }
                    idle_rounds += 1;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    continue;
                }
                for job in leased {
                    // Count before acking: a second holder would show up
                    // here even if its ack were refused.
                    *acked.lock().unwrap().entry(job.job.id).or_default() += 1;
                    store.ack(&job.lease).await?;
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert_eq!(acked.len(), JOBS, "every job ran");
    let twice: Vec<_> = acked.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "jobs run more than once: {twice:?}");
    assert!(expected.iter().all(|id| acked.contains_key(id)));
    let depth = handles[0].queue_depth().await.unwrap();
    assert_eq!(depth.done, JOBS as u64);
}

pub async fn defer_waits_without_spending_an_attempt(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    let id = enqueue_plain(&*store, 2).await;
    let leased = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    let until = clock.now_ms() + 3_600_000;
    store
        .defer(
            &leased.lease,
            until,
            "waiting: daily token budget exhausted",
        )
        .await
        .unwrap();
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Ready, 0));
    assert_eq!(job.visible_at, until);
    assert_eq!(
        job.last_error.as_deref(),
        Some("waiting: daily token budget exhausted")
    );
    assert!(job.lease_token.is_none());
    // Not leasable before then; the old lease is dead.
    assert!(store.lease("w", 1, VISIBILITY).await.unwrap().is_empty());
    lost(store.defer(&leased.lease, until, "again").await, id);
    clock.advance(Duration::from_secs(3600));
    let again = store.lease("w", 1, VISIBILITY).await.unwrap().remove(0);
    assert_eq!(again.job.attempts, 1);
    store.ack(&again.lease).await.unwrap();
}

pub async fn one_proposal_per_group(db: &TestDb) {
    let clock = manual_clock();
    let store = db.open_at(&clock).await;
    store
        .record_occurrences(&[occurrence("fp-prop", 1_000)], None)
        .await
        .unwrap();
    let group = group_of(&*store, "fp-prop").await.id;
    assert_eq!(store.proposal(group).await.unwrap(), None);
    let mut proposal = Proposal {
        group_id: group,
        branch: "tracefix/0123456789ab-keyerror-in-shipping-cost".into(),
        head_commit: "1111111111111111111111111111111111111111".into(),
        forge: "github".into(),
        state: ProposalState::Pushed,
        number: None,
        url: None,
        merge_commit: None,
        created_at: 0,
        updated_at: 0,
    };
    let first = store.save_proposal(&proposal).await.unwrap();
    assert_eq!(first.created_at, clock.now_ms());
    assert_eq!(first.state, ProposalState::Pushed);
    // A retry after a crash saves again: still one row, now with the PR.
    clock.advance(Duration::from_secs(5));
    proposal.state = ProposalState::Open;
    proposal.number = Some(42);
    proposal.url = Some("https://forge.example/o/r/pull/42".into());
    let second = store.save_proposal(&proposal).await.unwrap();
    assert_eq!(second.created_at, first.created_at);
    assert_eq!(second.updated_at, clock.now_ms());
    assert_eq!(second.number, Some(42));
    assert_eq!(store.proposal(group).await.unwrap(), Some(second.clone()));
    assert_eq!(
        store.proposals_in(ProposalState::Open).await.unwrap(),
        vec![second]
    );
    assert!(
        store
            .proposals_in(ProposalState::Pushed)
            .await
            .unwrap()
            .is_empty()
    );
    proposal.state = ProposalState::Merged;
    proposal.merge_commit = Some("2222222222222222222222222222222222222222".into());
    let merged = store.save_proposal(&proposal).await.unwrap();
    assert_eq!(
        merged.merge_commit.as_deref(),
        Some("2222222222222222222222222222222222222222")
    );
    assert!(
        store
            .proposals_in(ProposalState::Open)
            .await
            .unwrap()
            .is_empty()
    );
}
