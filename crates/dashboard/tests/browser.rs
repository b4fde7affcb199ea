//! The dashboard in a real headless Chromium, driven over the W3C WebDriver
//! HTTP API by a small client (below) talking to `chromedriver` on
//! loopback. Needs Debian's `chromium` and `chromium-driver`; without them
//! the test fails when `CI` is set and is skipped (with a message) otherwise.
//!
//! Screenshots are kept under `<target dir>/browser-artifacts/`.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use secrecy::SecretString;
use serde_json::{Value, json};
use tracefix_core::{Config, Engine};
use tracefix_dashboard::{DashboardConfig, router};
use tracefix_store::{GroupStatus, NewAttempt, Occurrence, Store, StoreOptions};
use tracefix_store_sqlite::SqliteStore;
use uuid::Uuid;

const TRACE: &str = "Traceback (most recent call last):
  File \"/srv/app/shop/cart.py\", line 42, in total
    return sum(price_of(i) for i in items)
  File \"/srv/app/shop/prices.py\", line 8, in price_of
    return PRICES[item.sku]
KeyError: 'sku-<b>42</b>'
";

const OTHER_TRACE: &str = "Traceback (most recent call last):
  File \"/srv/app/shop/pay.py\", line 3, in charge
    raise TimeoutError(\"payment gateway did not answer\")
TimeoutError: payment gateway did not answer
";

const WAIT: Duration = Duration::from_secs(10);

/// `chromium` and `chromedriver` on `PATH`, or why not.
fn browser_tools() -> Result<(PathBuf, PathBuf), String> {
    let find = |names: &[&str]| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file())
    };
    let chromium = find(&["chromium", "chromium-browser"]);
    let driver = find(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Ok((c, d)),
        _ => Err(
            "chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
                .into(),
        ),
    }
}

fn artifacts_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target dir>/tmp`.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|target| target.join("browser-artifacts"))
        .unwrap_or_else(|| PathBuf::from("target/browser-artifacts"));
    std::fs::create_dir_all(&dir).expect("creating the artifacts directory");
    dir
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn occurrence(trace: &str, at: i64) -> Occurrence {
    let events = Engine::scan_bytes(Config::default(), trace.as_bytes());
    let event = &events[0];
    let exception = event.exception();
    Occurrence {
        fingerprint: event.fingerprint.clone(),
        fingerprint_version: event.fingerprint_version as i32,
        language: event.language.as_str().into(),
        exception_type: exception.ty.clone(),
        exception_message: exception.message_first_line().into(),
        frames: json!([]),
        timestamp_ms: at,
        source: "logs/app.log".into(),
        sample: event.text.clone(),
    }
}

/// Two groups: a `KeyError` whose fix failed (retry-able), and a new
/// `TimeoutError`.
async fn seeded_store(dir: &Path) -> Result<(Arc<dyn Store>, Uuid)> {
    let url = format!("sqlite://{}", dir.join("store.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url, StoreOptions::default()).await?);
    let now = jiff::Timestamp::now().as_millisecond();
    let mut batch: Vec<Occurrence> = (0..6)
        .map(|i| occurrence(TRACE, now - i * 47 * 60_000))
        .collect();
    batch.push(occurrence(OTHER_TRACE, now - 5 * 60_000));
    store.record_occurrences(&batch, None).await?;
    let failed = store
        .group_by_fingerprint(&batch[0].fingerprint, batch[0].fingerprint_version)
        .await?
        .context("the KeyError group")?
        .id;
    store
        .set_group_status(failed, GroupStatus::New, GroupStatus::Fixing, None)
        .await?;
    for leased in store.lease("fixer", 2, Duration::from_secs(60)).await? {
        if leased.job.group_id != Some(failed) {
            store.release(&leased.lease).await?;
            continue;
        }
        store
            .insert_attempt(&NewAttempt {
                job_id: leased.job.id,
                group_id: Some(failed),
                started_at: now - 60_000,
                finished_at: Some(now - 30_000),
                outcome: "tests_failed".into(),
                details: json!({
                    "detail": "test_total failed", "model": "test-model",
                    "input_tokens": 900, "output_tokens": 120, "cost_usd": 0.004,
                    "diff": "--- a/shop/prices.py\n+++ b/shop/prices.py\n@@ -8 +8 @@\n-    return PRICES[item.sku]\n+    return PRICES.get(item.sku, 0)",
                    "test_output": "FAILED tests/test_cart.py::test_total",
                }),
            })
            .await?;
        store.ack(&leased.lease).await?;
    }
    store
        .set_group_status(
            failed,
            GroupStatus::Fixing,
            GroupStatus::Failed,
            Some("the tests failed"),
        )
        .await?;
    Ok((store, failed))
}

/// Serves the dashboard on a loopback port; returns its base URL.
async fn serve(store: Arc<dyn Store>, token: Option<&str>) -> Result<String> {
    let app = router(
        store,
        DashboardConfig {
            token: token.map(SecretString::from),
            secure_cookies: false,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}

/// A W3C WebDriver session, just the commands the test uses.
struct Browser {
    http: reqwest::Client,
    session: String,
    name: &'static str,
    artifacts: PathBuf,
}

impl Browser {
    async fn start(
        driver: &str,
        chromium: &Path,
        name: &'static str,
        (width, height): (u32, u32),
        phone: bool,
    ) -> Result<Browser> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let mut options = json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                format!("--window-size={width},{height}"),
            ],
        });
        if phone {
            // A real phone viewport (the meta viewport applies, media
            // queries see 390 px).
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true },
            });
        }
        let answer: Value = http
            .post(format!("{driver}/session"))
            .json(&json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": options,
            }}}))
            .send()
            .await?
            .json()
            .await?;
        let session = answer["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session: {answer}"))?
            .to_string();
        Ok(Browser {
            http,
            session: format!("{driver}/session/{session}"),
            name,
            artifacts: artifacts_dir(),
        })
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await?.json().await?;
        if let Some(error) = answer["value"]["error"].as_str() {
            bail!("{path}: {error}: {}", answer["value"]["message"]);
        }
        Ok(answer["value"].clone())
    }

    async fn goto(&self, url: &str) -> Result<()> {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await?;
        Ok(())
    }

    async fn url(&self) -> Result<String> {
        let url = self.command(reqwest::Method::GET, "/url", None).await?;
        Ok(url.as_str().unwrap_or_default().to_string())
    }

    /// The first element matching `css`, waiting for it to appear.
    async fn find(&self, css: &str) -> Result<String> {
        let started = Instant::now();
        loop {
            let found = self
                .command(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .await;
            match found {
                Ok(element) => {
                    return element
                        .as_object()
                        .and_then(|o| o.values().next())
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| anyhow!("odd element reference {element}"));
                }
                Err(e) if started.elapsed() > WAIT => {
                    return Err(e.context(format!("waiting for {css}")));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn text(&self, css: &str) -> Result<String> {
        let element = self.find(css).await?;
        let text = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{element}/text"),
                None,
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }

    /// Waits until the text of `css` is `expected`.
    async fn wait_text(&self, css: &str, expected: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            let text = self.text(css).await.unwrap_or_default();
            if text == expected {
                return Ok(());
            }
            if started.elapsed() > WAIT {
                bail!("{css} says {text:?}, not {expected:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_url(&self, predicate: impl Fn(&str) -> bool, what: &str) -> Result<String> {
        let started = Instant::now();
        loop {
            let url = self.url().await?;
            if predicate(&url) {
                return Ok(url);
            }
            if started.elapsed() > WAIT {
                bail!("the browser is at {url}, waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) -> Result<()> {
        let element = self.find(css).await?;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let element = self.find(css).await?;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await?;
        Ok(())
    }

    async fn script(&self, script: &str) -> Result<Value> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Saves a screenshot as `<name>-<what>.png` and prints its path.
    async fn screenshot(&self, what: &str) -> Result<PathBuf> {
        let data = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .context("decoding the screenshot")?;
        let path = self.artifacts.join(format!("{}-{what}.png", self.name));
        std::fs::write(&path, png)?;
        println!("screenshot: {}", path.display());
        Ok(path)
    }

    async fn quit(&self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

/// Opens the list, opens the failed group, retries it and sees it queued.
async fn open_list_group_and_retry(b: &Browser, base: &str, failed: Uuid) -> Result<()> {
    b.goto(&format!("{base}/")).await?;
    b.find("a.group-link").await?;
    let rows = b
        .script("return document.querySelectorAll('tr.group-row').length")
        .await?;
    if rows != json!(2) {
        bail!("the list shows {rows} groups, not 2");
    }
    b.screenshot("list").await?;

    b.click("tr:has(.status-failed) a.group-link").await?;
    b.wait_url(
        |u| u.ends_with(&format!("/groups/{failed}")),
        "the group page",
    )
    .await?;
    b.wait_text("#status", "failed").await?;
    let in_app = b
        .script("return document.querySelectorAll('pre.trace .line.frame.in-app').length")
        .await?;
    if in_app != json!(2) {
        bail!("{in_app} in-app frames marked, not 2");
    }
    b.screenshot("group").await?;
    b.script("document.querySelector('pre.trace').scrollIntoView(); return null")
        .await?;
    b.screenshot("group-trace").await?;

    b.click("button[data-action=retry]").await?;
    b.wait_text("#status", "queued").await?;
    let notice = b.text(".flash.notice").await?;
    if !notice.contains("from failed to queued") {
        bail!("the notice says {notice:?}");
    }
    // The new fix job is listed, waiting for a worker.
    b.find("table.jobs .job-ready").await?;
    b.screenshot("retried").await?;
    Ok(())
}

/// Phone-sized: the list's table becomes cards, the group page reads.
async fn phone_layout(b: &Browser, base: &str) -> Result<()> {
    b.goto(&format!("{base}/")).await?;
    b.find("a.group-link").await?;
    let header = b
        .script("return getComputedStyle(document.querySelector('table.groups thead')).display")
        .await?;
    if header != json!("none") {
        bail!("on a phone the table header is {header}, not hidden");
    }
    let overflow = b
        .script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .await?;
    if overflow.as_i64().unwrap_or(1) > 0 {
        bail!("the list is {overflow} px wider than the phone");
    }
    b.screenshot("list").await?;
    b.click("a.group-link").await?;
    b.find("#status").await?;
    b.screenshot("group").await?;
    Ok(())
}

/// With a token: redirected to the login form, logged in, logged out.
async fn login_and_logout(b: &Browser, base: &str) -> Result<()> {
    b.goto(&format!("{base}/")).await?;
    b.wait_url(|u| u.contains("/login"), "the login form")
        .await?;
    b.screenshot("login").await?;
    b.type_into("#token", "browser-token").await?;
    b.click("form button[type=submit]").await?;
    b.find("a.group-link").await?;
    b.screenshot("logged-in").await?;
    b.click("#logout").await?;
    b.wait_url(
        |u| u.ends_with("/login"),
        "the login form after logging out",
    )
    .await?;
    b.find("#token").await?;
    b.screenshot("logged-out").await?;
    // The cookie is gone: the list wants a login again.
    b.goto(&format!("{base}/")).await?;
    b.wait_url(|u| u.contains("/login"), "the login form again")
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_headless_chromium() {
    let (chromium, chromedriver) = match browser_tools() {
        Ok(tools) => tools,
        Err(why) if std::env::var_os("CI").is_some() => panic!("CI is set: {why}"),
        Err(why) => {
            eprintln!("skipping the browser test: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let (store, failed) = seeded_store(dir.path()).await.unwrap();
    let open = serve(store.clone(), None).await.unwrap();
    let guarded = serve(store.clone(), Some("browser-token")).await.unwrap();

    let port = free_port();
    let mut driver_process = tokio::process::Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting chromedriver");
    let driver = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{driver}/status")).send().await.is_err() {
        assert!(started.elapsed() < WAIT, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Each run quits its browser before the verdict, so a failure leaves
    // no Chromium behind.
    let laptop = Browser::start(&driver, &chromium, "laptop", (1280, 900), false)
        .await
        .unwrap();
    let laptop_result = async {
        open_list_group_and_retry(&laptop, &open, failed).await?;
        login_and_logout(&laptop, &guarded).await
    }
    .await;
    laptop.quit().await;

    let phone = Browser::start(&driver, &chromium, "phone", (390, 844), true)
        .await
        .unwrap();
    let phone_result = phone_layout(&phone, &open).await;
    phone.quit().await;

    let _ = driver_process.kill().await;
    laptop_result.expect("the laptop run");
    phone_result.expect("the phone run");
    assert_eq!(
        store.group(failed).await.unwrap().unwrap().status,
        GroupStatus::Queued
    );
}
