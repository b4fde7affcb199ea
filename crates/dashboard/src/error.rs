//! What a dashboard request can fail with, and the plain page each answers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tracefix_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("not found")]
    NotFound,
    /// A refused POST (cross-site, or without the form token).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("rendering {template}: {source}")]
    Template {
        template: &'static str,
        #[source]
        source: minijinja::Error,
    },
    #[error("random generator: {0}")]
    Random(String),
}

impl DashboardError {
    pub fn status(&self) -> StatusCode {
        match self {
            DashboardError::NotFound => StatusCode::NOT_FOUND,
            DashboardError::Forbidden(_) => StatusCode::FORBIDDEN,
            DashboardError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for DashboardError {
    /// A short plain-text answer: internal details go to the log, not to
    /// the browser.
    fn into_response(self) -> Response {
        let status = self.status();
        let text = match &self {
            DashboardError::NotFound => "Not found.".to_string(),
            DashboardError::Forbidden(why) => format!("Forbidden: {why}."),
            DashboardError::Store(StoreError::NotFound { .. }) => "Not found.".to_string(),
            other => {
                tracing::error!(error = %other, "dashboard request failed");
                "Something went wrong; the server log says what.".to_string()
            }
        };
        let mut response = (status, text).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}
