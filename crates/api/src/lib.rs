//! tracefix's JSON HTTP API, under `/api/v1`: error groups (filtered,
//! sorted, paginated; one group with its chain, samples, hourly counts, fix
//! attempts and pull request), the group actions (retry, ignore, resolve,
//! reopen), jobs and requeue, the queue's pause switch, and the OpenAPI 3.1
//! document that describes all of it (`/api/v1/openapi.json`).
//!
//! [`router`] gives an [`axum::Router`] with no fallback, to be merged into
//! the main HTTP server. Every route is listed once in [`ROUTES`]; the
//! router is built from that table and the tests check the OpenAPI document
//! against it.
//!
//! Authentication: with a token configured, every route but the document
//! needs `Authorization: Bearer <token>` (compared in constant time); a
//! missing or wrong one is `401` with `WWW-Authenticate: Bearer`. Without a
//! token the API is open, for a server bound to loopback.

pub mod actions;
mod error;
mod handlers;
pub mod params;
mod routes;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracefix_store::Store;

pub use error::ApiError;
pub use routes::{Endpoint, HttpMethod, ROUTES, Route};

/// The OpenAPI 3.1 document, written by hand (see `ARCHITECTURE.md`).
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Request bodies are a few bytes of JSON; anything larger is refused.
const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ApiConfig {
    /// The bearer token every route but the OpenAPI document requires.
    /// `None`: the API is open (a server on loopback). An empty token
    /// admits no one rather than everyone.
    pub token: Option<SecretString>,
    /// Where clients reach the server (`https://tracefix.example.com`),
    /// announced as the document's `servers`.
    pub public_url: Option<String>,
}

pub(crate) struct ApiState {
    pub store: Arc<dyn Store>,
    /// SHA-256 of the token: comparing digests takes the same time
    /// whatever the length of the token a client sends.
    token_digest: Option<[u8; 32]>,
    token_empty: bool,
    pub openapi: String,
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The OpenAPI document as served for `config` (its `servers` set from
/// `public_url`).
pub fn openapi_document(config: &ApiConfig) -> Value {
    let mut document: Value =
        serde_json::from_str(OPENAPI_JSON).expect("openapi.json is valid JSON (tested)");
    if let Some(url) = &config.public_url {
        document["servers"] = json!([{ "url": url.trim_end_matches('/') }]);
    }
    document
}

/// The API's routes over `store`, all under `/api/v1`, without a fallback.
pub fn router(store: Arc<dyn Store>, config: ApiConfig) -> Router {
    let state = Arc::new(ApiState {
        store,
        token_digest: config
            .token
            .as_ref()
            .map(|t| digest(t.expose_secret().as_bytes())),
        token_empty: config
            .token
            .as_ref()
            .is_some_and(|t| t.expose_secret().trim().is_empty()),
        openapi: openapi_document(&config).to_string(),
    });
    let mut router = Router::new();
    for route in ROUTES {
        let mut method_router = handler(route);
        if route.auth {
            method_router = method_router
                .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
        }
        router = router.route(route.path, method_router);
    }
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

fn handler(route: &Route) -> MethodRouter<Arc<ApiState>> {
    use actions::GroupAction;
    let filter = match route.method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
    };
    match route.endpoint {
        Endpoint::ListGroups => on(filter, handlers::list_groups),
        Endpoint::GetGroup => on(filter, handlers::get_group),
        Endpoint::RetryGroup => on(filter, |s, p, q| {
            handlers::group_action(s, p, q, GroupAction::Retry)
        }),
        Endpoint::IgnoreGroup => on(filter, |s, p, q| {
            handlers::group_action(s, p, q, GroupAction::Ignore)
        }),
        Endpoint::ResolveGroup => on(filter, |s, p, q| {
            handlers::group_action(s, p, q, GroupAction::Resolve)
        }),
        Endpoint::ReopenGroup => on(filter, |s, p, q| {
            handlers::group_action(s, p, q, GroupAction::Reopen)
        }),
        Endpoint::ListJobs => on(filter, handlers::list_jobs),
        Endpoint::RequeueJob => on(filter, handlers::requeue_job),
        Endpoint::GetQueue => on(filter, handlers::get_queue),
        Endpoint::SetPaused => on(filter, handlers::set_paused),
        Endpoint::OpenApi => on(filter, handlers::openapi),
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is
/// case-insensitive (RFC 9110), the token is not.
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

async fn require_token(
    State(state): State<Arc<ApiState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = &state.token_digest else {
        return next.run(request).await;
    };
    let given = match request.headers().get(AUTHORIZATION) {
        None => {
            return ApiError::Unauthorized("missing Authorization: Bearer token").into_response();
        }
        Some(value) => bearer(value.as_bytes()),
    };
    match given {
        Some(token)
            if !state.token_empty && bool::from(digest(token).ct_eq(expected.as_slice())) =>
        {
            next.run(request).await
        }
        _ => ApiError::Unauthorized("invalid bearer token").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_parses_and_takes_the_public_url() {
        let plain = openapi_document(&ApiConfig::default());
        assert_eq!(plain["openapi"], "3.1.0");
        let with_url = openapi_document(&ApiConfig {
            public_url: Some("https://tracefix.example.com/".into()),
            ..ApiConfig::default()
        });
        assert_eq!(
            with_url["servers"],
            json!([{ "url": "https://tracefix.example.com" }])
        );
    }

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let config = ApiConfig {
            token: Some(SecretString::from("hunter2-token")),
            public_url: None,
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_token_exact() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bear"), None);
    }
}
