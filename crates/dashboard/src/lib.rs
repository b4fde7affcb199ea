//! The server-rendered web dashboard of tracefix.
//!
//! Pages are minijinja templates embedded in the binary (autoescaped: log
//! text, exception messages and model output are attacker-controlled), one
//! small stylesheet and one small hand-written script; every action is a
//! plain form POST answered by a redirect, so the dashboard works without
//! JavaScript.
//!
//! Routes (merged into the main server by the caller; no fallback here):
//!
//! - `GET /`: the groups with status, counts and a 24-hour sparkline;
//! - `GET /groups/{id}`: one group: trace, 7-day chart, jobs, fix attempts,
//!   diff, test result, proposal, actions;
//! - `POST /groups/{id}/{action}`: `retry`, `ignore`, `resolve`, `reopen`;
//! - `GET|POST /login`, `POST /logout` (with a token configured);
//! - `GET /static/{file}`.
//!
//! With a token configured every page but `/login` and `/static` needs a
//! session cookie (or `Authorization: Bearer <token>`). Sessions live in
//! memory: a restart logs everyone out. Every POST is checked against
//! cross-site request forgery (see [`auth`]).

mod actions;
pub mod auth;
mod charts;
mod error;
pub mod highlight;
mod pages;
mod templates;
mod view;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use secrecy::SecretString;
use tracefix_store::{Clock, Store, SystemClock};

pub use actions::{Action, ActionError, ActionOutcome, apply};
pub use error::DashboardError;

/// How the dashboard authenticates.
#[derive(Debug, Clone, Default)]
pub struct DashboardConfig {
    /// The shared secret people log in with (also accepted as a bearer
    /// token). `None`: no login at all (for a dashboard on loopback only).
    pub token: Option<SecretString>,
    /// Mark the session cookie `Secure` (set it when served over HTTPS).
    pub secure_cookies: bool,
}

/// Everything a handler needs, shared by all requests.
pub(crate) struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: auth::Auth,
    pub templates: templates::Templates,
    pub clock: Arc<dyn Clock>,
}

pub(crate) type State = Arc<AppState>;

/// The dashboard's routes over `store`.
pub fn router(store: Arc<dyn Store>, config: DashboardConfig) -> Router {
    router_with_clock(store, config, Arc::new(SystemClock))
}

/// [`router`] with its own clock (tests pin "now" so charts are stable).
pub(crate) fn router_with_clock(
    store: Arc<dyn Store>,
    config: DashboardConfig,
    clock: Arc<dyn Clock>,
) -> Router {
    let state: State = Arc::new(AppState {
        store,
        auth: auth::Auth::new(config.token, config.secure_cookies, clock.clone()),
        templates: templates::Templates::new(),
        clock,
    });
    let protected = Router::new()
        .route("/", get(pages::list))
        .route("/groups/{id}", get(pages::group))
        .route("/groups/{id}/{action}", post(pages::action))
        .route("/logout", post(pages::logout))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_access,
        ));
    let open = Router::new()
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/static/{file}", get(pages::static_file));
    protected
        .merge(open)
        .layer(middleware::from_fn(pages::security_headers))
        .with_state(state)
}
