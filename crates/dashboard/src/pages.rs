//! The request handlers.

use std::collections::HashMap;
use std::time::Duration;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;
use tracefix_store::GroupStatus;
use uuid::Uuid;

use crate::actions::{self, Action, ActionError};
use crate::auth::{Access, CSRF_FIELD, safe_next, same_origin};
use crate::error::DashboardError;
use crate::templates::{SCRIPT, STYLESHEET};
use crate::view::{self, Chrome};

type Result<T, E = DashboardError> = std::result::Result<T, E>;

fn chrome(state: &crate::State, access: Option<&Access>) -> Chrome {
    Chrome {
        csrf: state.auth.csrf_token(access).to_string(),
        logged_in: access.is_some_and(Access::logged_in),
    }
}

/// The fields of an `application/x-www-form-urlencoded` body (the last
/// value of a repeated field wins).
fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn check_csrf(
    state: &crate::State,
    access: Option<&Access>,
    fields: &HashMap<String, String>,
) -> Result<()> {
    let submitted = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
    if state.auth.csrf_matches(access, submitted) {
        Ok(())
    } else {
        Err(DashboardError::Forbidden(
            "the form token is missing or wrong; reload the page",
        ))
    }
}

fn parse_id(text: &str) -> Result<Uuid> {
    text.parse().map_err(|_| DashboardError::NotFound)
}

pub(crate) async fn list(
    State(state): State<crate::State>,
    Extension(access): Extension<Access>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>> {
    // An unknown status filter shows everything rather than an error page.
    let filter = query
        .get("status")
        .and_then(|s| s.parse::<GroupStatus>().ok());
    let page = view::list_page(
        state.store.as_ref(),
        chrome(&state, Some(&access)),
        filter,
        state.clock.now_ms(),
    )
    .await?;
    Ok(Html(state.templates.render("list.html", page)?))
}

pub(crate) async fn group(
    State(state): State<crate::State>,
    Extension(access): Extension<Access>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let id = parse_id(&id)?;
    // The notice after an action is rebuilt from known names only: nothing
    // from the query string is shown as such.
    let notice = match (
        query.get("done").and_then(|a| Action::from_name(a)),
        query
            .get("from")
            .and_then(|s| s.parse::<GroupStatus>().ok()),
    ) {
        (Some(action), Some(from)) => Some(
            actions::ActionOutcome {
                action,
                from,
                to: action.target(),
            }
            .message(),
        ),
        _ => None,
    };
    render_group(&state, &access, id, notice, None, StatusCode::OK).await
}

async fn render_group(
    state: &crate::State,
    access: &Access,
    id: Uuid,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let mut page = view::group_page(
        state.store.as_ref(),
        chrome(state, Some(access)),
        id,
        state.clock.now_ms(),
    )
    .await?
    .ok_or(DashboardError::NotFound)?;
    page.notice = notice;
    page.error = error;
    let html = state.templates.render("group.html", page)?;
    Ok((status, Html(html)).into_response())
}

/// `POST /groups/{id}/{action}`: applies it and redirects back to the group
/// (303, so a reload does not post again); a refused action shows the page
/// with the reason and 409.
pub(crate) async fn action(
    State(state): State<crate::State>,
    Extension(access): Extension<Access>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let action = Action::from_name(&action).ok_or(DashboardError::NotFound)?;
    check_csrf(&state, Some(&access), &form(&body))?;
    match actions::apply(state.store.as_ref(), id, action).await {
        Ok(outcome) => {
            tracing::info!(group = %id, action = action.name(), from = %outcome.from, to = %outcome.to, "dashboard action");
            Ok(Redirect::to(&format!(
                "/groups/{id}?done={}&from={}",
                action.name(),
                outcome.from
            ))
            .into_response())
        }
        Err(ActionError::NoGroup(_)) => Err(DashboardError::NotFound),
        Err(ActionError::Store(e)) => Err(e.into()),
        Err(refused) => {
            render_group(
                &state,
                &access,
                id,
                None,
                Some(refused.to_string()),
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

#[derive(Serialize)]
struct LoginPage {
    chrome: Chrome,
    next: String,
    error: Option<&'static str>,
}

pub(crate) async fn login_form(
    State(state): State<crate::State>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let next = safe_next(query.get("next").map(String::as_str)).to_string();
    if !state.auth.login_required() || state.auth.access(&headers).is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = LoginPage {
        chrome: chrome(&state, None),
        next,
        error: None,
    };
    Ok(Html(state.templates.render("login.html", page)?).into_response())
}

/// A wrong token waits this long, to slow down guessing.
const WRONG_TOKEN_DELAY: Duration = Duration::from_millis(300);

pub(crate) async fn login(
    State(state): State<crate::State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    if !same_origin(&headers) {
        return Err(DashboardError::Forbidden("cross-origin request refused"));
    }
    let fields = form(&body);
    // The login form carries the per-process token: a login forced from
    // another site (login CSRF) is refused like any other forged POST.
    check_csrf(&state, None, &fields)?;
    let next = safe_next(fields.get("next").map(String::as_str)).to_string();
    if !state.auth.login_required() {
        return Ok(Redirect::to(&next).into_response());
    }
    let token = fields.get("token").map(String::as_str).unwrap_or("");
    if state.auth.token_matches(token) {
        let cookie = state.auth.start_session()?;
        tracing::info!("dashboard login");
        let mut response = Redirect::to(&next).into_response();
        response.headers_mut().insert(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("the cookie is hex and ASCII attributes"),
        );
        return Ok(response);
    }
    tracing::warn!("dashboard login with a wrong token");
    tokio::time::sleep(WRONG_TOKEN_DELAY).await;
    let page = LoginPage {
        chrome: chrome(&state, None),
        next,
        error: Some("That token is not right."),
    };
    Ok((
        StatusCode::UNAUTHORIZED,
        Html(state.templates.render("login.html", page)?),
    )
        .into_response())
}

pub(crate) async fn logout(
    State(state): State<crate::State>,
    Extension(access): Extension<Access>,
    body: Bytes,
) -> Result<Response> {
    check_csrf(&state, Some(&access), &form(&body))?;
    let target = if state.auth.login_required() {
        "/login"
    } else {
        "/"
    };
    let mut response = Redirect::to(target).into_response();
    if state.auth.login_required() {
        let cookie = state.auth.end_session(&access);
        response.headers_mut().insert(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("the cookie is ASCII"),
        );
    }
    Ok(response)
}

pub(crate) async fn static_file(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "app.css" => (STYLESHEET, "text/css; charset=utf-8"),
        "app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        _ => return DashboardError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// Headers on every dashboard answer: no inline script or style may run
/// (so an escaping mistake cannot become script), no framing, no sniffing,
/// and pages are not cached (they hold the form token).
pub(crate) async fn security_headers(request: Request<Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}
