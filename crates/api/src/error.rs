//! Errors as HTTP answers: `{"error": "..."}` with a fitting status.

use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tracefix_store::StoreError;

use crate::actions::{ActionError, RequeueError};

/// What a request can fail with. The message is for the client: it says
/// what was wrong with the request, never a secret or a database detail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A malformed parameter, path or body.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed JSON of the wrong shape.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Missing or wrong bearer token.
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    NotFound(String),
    /// The state the request needs is not the state the thing is in.
    #[error("{0}")]
    Conflict(String),
    #[error("the store failed")]
    Store(#[source] StoreError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what, id } => {
                ApiError::NotFound(format!("there is no {what} {id}"))
            }
            StoreError::InvalidTransition { .. } | StoreError::Conflict(_) => {
                ApiError::Conflict(e.to_string())
            }
            StoreError::InvalidInput(message) => ApiError::Unprocessable(message),
            other => ApiError::Store(other),
        }
    }
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::NotFound(_) => ApiError::NotFound(e.to_string()),
            ActionError::Refused { .. } | ActionError::Contended(_) => {
                ApiError::Conflict(e.to_string())
            }
            ActionError::Store(inner) => inner.into(),
        }
    }
}

impl From<RequeueError> for ApiError {
    fn from(e: RequeueError) -> Self {
        match e {
            RequeueError::NotFound(_) => ApiError::NotFound(e.to_string()),
            RequeueError::NotDead { .. } => ApiError::Conflict(e.to_string()),
            RequeueError::Store(inner) => inner.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Store(e) => {
                // The cause goes to the log, not to the client.
                tracing::error!(error = %e, source = ?std::error::Error::source(e), "API request failed in the store");
                "the store failed; the server's log has the cause".to_string()
            }
            other => other.to_string(),
        };
        let body = json!({ "error": message }).to_string();
        let mut response = (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tracefix\""),
            );
        }
        response
    }
}
