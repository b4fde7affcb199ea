//! Login sessions and cross-site request forgery checks.
//!
//! With a token configured, `POST /login` compares the submitted token with
//! it in constant time and sets an `HttpOnly`, `SameSite=Strict` cookie
//! holding a random session id. Sessions are kept in memory with an expiry
//! ([`SESSION_TTL_MS`]), keyed by the SHA-256 of the id (so map lookups
//! reveal nothing about live ids); a restart logs everyone out. A request
//! with `Authorization: Bearer <token>` is let in without a session.
//!
//! Every POST must carry a form field `csrf` equal to the token of its
//! session (the synchronizer pattern); without a configured token there are
//! no sessions and the token is derived from a per-process random secret,
//! so a form on another site still cannot act. A POST whose `Origin` (or,
//! without one, `Referer`) names another host, or whose `Sec-Fetch-Site`
//! says `cross-site`/`same-site`, is refused before any of that. Bearer
//! requests skip the form token: browsers never attach that header on their
//! own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracefix_store::Clock;

use crate::error::DashboardError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tracefix_session";
/// The form field every POST carries.
pub const CSRF_FIELD: &str = "csrf";
/// How long a login lasts (absolute, not sliding).
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Live sessions kept at most; the oldest goes first beyond this.
const MAX_SESSIONS: usize = 10_000;

type Digest32 = [u8; 32];

struct Session {
    csrf: String,
    expires_at: i64,
}

/// Who is asking, as the access check found out.
#[derive(Debug, Clone)]
pub(crate) enum Access {
    /// No token is configured: everyone may look and act (with the
    /// per-process form token).
    Open,
    /// A logged-in browser.
    Session { id_digest: Digest32, csrf: String },
    /// A client that sent the token as a bearer token.
    Bearer,
}

impl Access {
    /// Whether a logout button makes sense.
    pub fn logged_in(&self) -> bool {
        matches!(self, Access::Session { .. })
    }
}

pub(crate) struct Auth {
    token_digest: Option<Digest32>,
    secure_cookies: bool,
    sessions: Mutex<HashMap<Digest32, Session>>,
    anonymous_csrf: String,
    clock: Arc<dyn Clock>,
}

impl Auth {
    pub fn new(token: Option<SecretString>, secure_cookies: bool, clock: Arc<dyn Clock>) -> Auth {
        // Without randomness there is no safe session or form token; the
        // OS generator failing at startup is not something to work around.
        let secret = random_hex().expect("the operating system's random generator is unavailable");
        Auth {
            token_digest: token.map(|t| sha256(t.expose_secret().as_bytes())),
            secure_cookies,
            sessions: Mutex::new(HashMap::new()),
            anonymous_csrf: hex(&sha256(
                format!("tracefix-dashboard csrf\0{secret}").as_bytes(),
            )),
            clock,
        }
    }

    /// Whether a token is configured (and so a login needed).
    pub fn login_required(&self) -> bool {
        self.token_digest.is_some()
    }

    /// Compares with the configured token in constant time (digests, so
    /// the length leaks nothing either). False when none is configured.
    pub fn token_matches(&self, candidate: &str) -> bool {
        match &self.token_digest {
            Some(expected) => bool::from(sha256(candidate.as_bytes()).ct_eq(expected)),
            None => false,
        }
    }

    /// Who the request comes from; `None` when a login is needed and the
    /// request has neither a live session nor the bearer token.
    pub fn access(&self, headers: &HeaderMap) -> Option<Access> {
        if !self.login_required() {
            return Some(Access::Open);
        }
        if let Some(token) = bearer_token(headers)
            && self.token_matches(token)
        {
            return Some(Access::Bearer);
        }
        let id = cookie_value(headers, SESSION_COOKIE)?;
        let id_digest = sha256(id.as_bytes());
        let now = self.clock.now_ms();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match sessions.get(&id_digest) {
            Some(session) if session.expires_at > now => Some(Access::Session {
                id_digest,
                csrf: session.csrf.clone(),
            }),
            Some(_) => {
                sessions.remove(&id_digest);
                None
            }
            None => None,
        }
    }

    /// The form token pages must embed for this visitor.
    pub fn csrf_token<'a>(&'a self, access: Option<&'a Access>) -> &'a str {
        match access {
            Some(Access::Session { csrf, .. }) => csrf,
            _ => &self.anonymous_csrf,
        }
    }

    /// Whether a submitted form token is the right one for `access`
    /// (`None`: a visitor without a session, i.e. the login form).
    pub fn csrf_matches(&self, access: Option<&Access>, submitted: &str) -> bool {
        if matches!(access, Some(Access::Bearer)) {
            return true;
        }
        let expected = self.csrf_token(access);
        bool::from(sha256(submitted.as_bytes()).ct_eq(&sha256(expected.as_bytes())))
    }

    /// Starts a session; returns the `Set-Cookie` value.
    pub fn start_session(&self) -> Result<String, DashboardError> {
        let id = random_hex()?;
        let csrf = random_hex()?;
        let now = self.clock.now_ms();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, s| s.expires_at > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.expires_at)
                .map(|(k, _)| *k)
        {
            sessions.remove(&oldest);
        }
        sessions.insert(
            sha256(id.as_bytes()),
            Session {
                csrf,
                expires_at: now + SESSION_TTL_MS,
            },
        );
        Ok(self.cookie(&id, SESSION_TTL_MS / 1000))
    }

    /// Ends the session of `access` (if it is one); returns the
    /// `Set-Cookie` value that clears the cookie.
    pub fn end_session(&self, access: &Access) -> String {
        if let Access::Session { id_digest, .. } = access {
            self.sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(id_digest);
        }
        self.cookie("", 0)
    }

    fn cookie(&self, value: &str, max_age_secs: i64) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
        )
    }

    #[cfg(test)]
    pub fn live_sessions(&self) -> usize {
        let now = self.clock.now_ms();
        self.sessions
            .lock()
            .unwrap()
            .values()
            .filter(|s| s.expires_at > now)
            .count()
    }
}

/// The middleware in front of every page but `/login` and `/static`: lets
/// a request through with its [`Access`] as an extension, sends a visitor
/// without one to the login form, and refuses a cross-origin POST.
pub(crate) async fn require_access(
    State(state): State<crate::State>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let Some(access) = state.auth.access(request.headers()) else {
        let wanted = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        // A POST (an action from an expired session) lands on the page it
        // came from after logging in, not on the action itself.
        let next = if request.method() == Method::GET {
            wanted
        } else {
            "/"
        };
        return Redirect::to(&login_location(next)).into_response();
    };
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    if !safe && !matches!(access, Access::Bearer) && !same_origin(request.headers()) {
        return DashboardError::Forbidden("cross-origin request refused").into_response();
    }
    request.extensions_mut().insert(access);
    next.run(request).await
}

/// `/login?next=<path>`, with the path percent-encoded.
pub(crate) fn login_location(next: &str) -> String {
    if next == "/" {
        return "/login".into();
    }
    let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/login?next={encoded}")
}

/// Where to go after logging in: only a path on this site (`/x`, never
/// `//host` or `/\host`, which browsers read as another host), else `/`.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n
        }
        _ => "/",
    }
}

/// Whether the request's browser-supplied provenance (if any) is this
/// host. Absent headers pass (non-browser clients, old browsers): the form
/// token still protects.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let host = text(header::HOST.as_str());
    let claimed = match (
        text(header::ORIGIN.as_str()),
        text(header::REFERER.as_str()),
    ) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return true,
    };
    match (authority_of(claimed), host) {
        (Some((scheme, authority)), Some(host)) => {
            normalize_authority(scheme, authority) == normalize_authority(scheme, host)
        }
        _ => false,
    }
}

/// `("https", "example.com:8443")` from `https://example.com:8443/path`;
/// `None` for `null` and anything not http(s).
fn authority_of(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Userinfo in an Origin or Referer is not something browsers send.
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((scheme, authority))
}

/// Lower-case, without the scheme's default port.
fn normalize_authority(scheme: &str, authority: &str) -> String {
    let lower = authority.to_ascii_lowercase();
    let default = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        ":80"
    };
    match lower.strip_suffix(default) {
        Some(bare) => bare.to_string(),
        None => lower,
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The value of cookie `name` from any `Cookie` header.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v)
}

fn sha256(bytes: &[u8]) -> Digest32 {
    Sha256::digest(bytes).into()
}

fn random_hex() -> Result<String, DashboardError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DashboardError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use tracefix_store::ManualClock;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn auth_with_token(clock: Arc<ManualClock>) -> Auth {
        Auth::new(Some(SecretString::from("s3cret")), false, clock)
    }

    #[test]
    fn same_origin_accepts_this_host_and_refuses_others() {
        let ok = [
            vec![("host", "dash.example:8080")],
            vec![
                ("host", "dash.example:8080"),
                ("origin", "http://dash.example:8080"),
            ],
            vec![
                ("host", "dash.example"),
                ("origin", "https://dash.example:443"),
            ],
            vec![
                ("host", "Dash.Example"),
                ("referer", "http://dash.example/groups/1?x=1"),
            ],
            vec![("host", "dash.example"), ("sec-fetch-site", "same-origin")],
        ];
        for h in ok {
            assert!(same_origin(&headers(&h)), "{h:?}");
        }
        let refused = [
            vec![("host", "dash.example"), ("origin", "http://evil.example")],
            vec![("host", "dash.example"), ("origin", "null")],
            vec![
                ("host", "dash.example"),
                ("origin", "http://dash.example.evil.example"),
            ],
            vec![
                ("host", "dash.example"),
                ("referer", "https://evil.example/x"),
            ],
            vec![("host", "dash.example"), ("sec-fetch-site", "cross-site")],
            vec![("host", "dash.example"), ("sec-fetch-site", "same-site")],
            vec![("origin", "http://dash.example")],
            vec![("host", "dash.example"), ("origin", "file:///etc")],
        ];
        for h in refused {
            assert!(!same_origin(&headers(&h)), "{h:?}");
        }
    }

    #[test]
    fn next_is_kept_on_this_site() {
        assert_eq!(safe_next(Some("/groups/1?x=2")), "/groups/1?x=2");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/a b")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(login_location("/"), "/login");
        assert_eq!(
            login_location("/groups/1?a=b"),
            "/login?next=%2Fgroups%2F1%3Fa%3Db"
        );
    }

    #[test]
    fn sessions_expire_and_end() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let auth = auth_with_token(clock.clone());
        assert!(auth.access(&HeaderMap::new()).is_none());
        let cookie = auth.start_session().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(!cookie.contains("Secure"));
        let id = cookie
            .strip_prefix("tracefix_session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; tracefix_session={id}")).unwrap(),
        );
        let access = auth.access(&h).expect("the session lets in");
        let Access::Session { csrf, .. } = &access else {
            panic!("a session: {access:?}")
        };
        assert!(auth.csrf_matches(Some(&access), csrf));
        assert!(!auth.csrf_matches(Some(&access), auth.csrf_token(None)));
        assert!(!auth.csrf_matches(None, csrf));

        clock.advance(std::time::Duration::from_millis(SESSION_TTL_MS as u64));
        assert!(auth.access(&h).is_none(), "expired");
        assert_eq!(auth.live_sessions(), 0);

        let cookie = auth.start_session().unwrap();
        let id = cookie.split(';').next().unwrap().to_string();
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(&id).unwrap());
        let access = auth.access(&h).unwrap();
        let cleared = auth.end_session(&access);
        assert!(cleared.starts_with("tracefix_session=;") && cleared.contains("Max-Age=0"));
        assert!(auth.access(&h).is_none(), "logged out");
    }

    #[test]
    fn bearer_token_and_open_access() {
        let clock = Arc::new(ManualClock::new(0));
        let auth = auth_with_token(clock.clone());
        assert!(matches!(
            auth.access(&headers(&[("authorization", "Bearer s3cret")])),
            Some(Access::Bearer)
        ));
        assert!(
            auth.access(&headers(&[("authorization", "Bearer nope")]))
                .is_none()
        );
        assert!(auth.token_matches("s3cret"));
        assert!(!auth.token_matches("s3cre"));
        assert!(!auth.token_matches(""));

        let open = Auth::new(None, true, clock);
        assert!(matches!(open.access(&HeaderMap::new()), Some(Access::Open)));
        assert!(!open.token_matches(""));
        let token = open.csrf_token(Some(&Access::Open)).to_string();
        assert_eq!(token.len(), 64);
        assert!(open.csrf_matches(Some(&Access::Open), &token));
        assert!(!open.csrf_matches(Some(&Access::Open), ""));
    }

    #[test]
    fn secure_cookies_are_marked() {
        let auth = Auth::new(
            Some(SecretString::from("t")),
            true,
            Arc::new(ManualClock::new(0)),
        );
        assert!(auth.start_session().unwrap().ends_with("; Secure"));
    }
}
