//! A real server on 127.0.0.1:0 with a recording sink, and a bare HTTP/1
//! client (hyper) to drive it.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Request};
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tracefix_server::{
    Batch, IngestSink, MetricsRender, SecretString, ServerConfig, ServerError, SinkError,
    launch_with_listener,
};

pub const TOKEN: &str = "Tf-Test-Token-5f2C9a";

/// What the fake sink answers.
#[derive(Debug, Clone)]
pub enum Mode {
    Store,
    Busy(u64),
    Unavailable,
}

/// Records every batch it stores. With a gate, `submit` waits for a permit,
/// so a test can hold requests in flight.
pub struct FakeSink {
    pub batches: Mutex<Vec<Batch>>,
    pub mode: Mutex<Mode>,
    pub gate: Option<Arc<Semaphore>>,
}

impl FakeSink {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            batches: Mutex::new(Vec::new()),
            mode: Mutex::new(Mode::Store),
            gate: None,
        })
    }

    pub fn gated(gate: Arc<Semaphore>) -> Arc<Self> {
        Arc::new(Self {
            batches: Mutex::new(Vec::new()),
            mode: Mutex::new(Mode::Store),
            gate: Some(gate),
        })
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn batches(&self) -> Vec<Batch> {
        self.batches.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl IngestSink for FakeSink {
    async fn submit(&self, batch: Batch) -> Result<(), SinkError> {
        assert!(
            !batch.records.is_empty(),
            "the server submitted an empty batch"
        );
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        let mode = self.mode.lock().unwrap().clone();
        match mode {
            Mode::Store => {
                self.batches.lock().unwrap().push(batch);
                Ok(())
            }
            Mode::Busy(retry_after_secs) => Err(SinkError::Busy { retry_after_secs }),
            Mode::Unavailable => Err(SinkError::Unavailable("database connection refused".into())),
        }
    }
}

pub struct Server {
    pub addr: SocketAddr,
    pub sink: Arc<FakeSink>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
}

pub fn config() -> ServerConfig {
    ServerConfig::new("127.0.0.1:0".parse().unwrap())
}

pub fn with_token(mut config: ServerConfig) -> ServerConfig {
    config.token = Some(SecretString::from(TOKEN.to_owned()));
    config
}

pub async fn start(config: ServerConfig) -> Server {
    start_with(config, FakeSink::new(), None).await
}

pub async fn start_with(
    config: ServerConfig,
    sink: Arc<FakeSink>,
    metrics: Option<MetricsRender>,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(launch_with_listener(
        config,
        listener,
        sink.clone(),
        metrics,
        None,
        async move {
            let _ = stopped.await;
        },
    ));
    Server {
        addr,
        sink,
        stop: Some(stop),
        task,
    }
}

impl Server {
    /// Asks for a graceful shutdown and waits for the server to return.
    pub async fn stop(mut self) -> Result<(), ServerError> {
        self.stop.take().unwrap().send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the server did not stop within 10 s")
            .unwrap()
    }

    pub async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Reply {
        send(self.addr, "POST", path, headers, body.into()).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        send(self.addr, "GET", path, headers, Vec::new()).await
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(
            self.headers["content-type"],
            "application/json",
            "status {}: {}",
            self.status,
            self.text()
        );
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `error` field of an error reply.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {}", self.text()))
            .to_owned()
    }
}

pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Reply {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body))).unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// Writes `raw` as it is and reads the reply's status line: for requests a
/// well-behaved client cannot make (chunked overflow, stalled bodies).
pub async fn raw_status(addr: SocketAddr, raw: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut reply = Vec::new();
    let mut buf = [0; 4096];
    // Read until the headers and the JSON body have arrived or the server
    // closes; the server may close while we still send.
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if reply.ends_with(b"}") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&reply).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

pub fn bearer() -> (&'static str, String) {
    ("authorization", format!("Bearer {TOKEN}"))
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Small when compressed, `16 MiB × members` once inflated.
pub fn gzip_bomb(members: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![b'\n'; 16 << 20]).unwrap();
    encoder.finish().unwrap().repeat(members)
}

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A CloudWatch Logs subscription DATA_MESSAGE, as JSON text.
pub fn cloudwatch_data(group: &str, stream: &str, events: &[(i64, &str)]) -> String {
    let events: Vec<serde_json::Value> = events
        .iter()
        .enumerate()
        .map(|(i, (timestamp, message))| {
            serde_json::json!({"id": i.to_string(), "timestamp": timestamp, "message": message})
        })
        .collect();
    serde_json::json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["tracefix"],
        "logEvents": events,
    })
    .to_string()
}

pub const CONTROL_MESSAGE: &str = r#"{"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "", "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1763700000000, "message": "CWL CONTROL MESSAGE: Checking health of destination."}]}"#;

/// The payload as a subscription filter hands it to Lambda.
pub fn lambda_event(json: &str) -> String {
    serde_json::json!({"awslogs": {"data": b64(&gzip(json.as_bytes()))}}).to_string()
}

/// A Firehose HTTP endpoint delivery request holding `datas`.
pub fn firehose_request(request_id: &str, datas: &[Vec<u8>]) -> String {
    let records: Vec<serde_json::Value> = datas
        .iter()
        .map(|d| serde_json::json!({"data": b64(d)}))
        .collect();
    serde_json::json!({"requestId": request_id, "timestamp": 1578090901599_i64, "records": records})
        .to_string()
}

pub const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    main()\nKeyError: 'sku-9'\n";
