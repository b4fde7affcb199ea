//! GitHub App authentication: an RS256 JWT signed with the App's private key
//! is exchanged for an installation token, cached until a minute before it
//! expires.

use std::fmt;
use std::time::{Duration, SystemTime};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::ForgeError;
use crate::http::{Credential, Transport};

/// GitHub accepts JWTs valid for at most ten minutes; nine leaves room for
/// clock drift.
const JWT_LIFETIME: Duration = Duration::from_secs(9 * 60);
/// `iat` in the past tolerates a server clock slightly behind ours.
const JWT_BACKDATE: Duration = Duration::from_secs(60);
/// An installation token is replaced this long before it expires.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

#[derive(Serialize)]
struct Claims {
    iat: u64,
    exp: u64,
    iss: String,
}

/// The JWT that authenticates as the App itself: RS256 over
/// `{iat: now - 60 s, exp: now + 9 min, iss: app_id}`.
/// `private_key_pem` is the key GitHub issued (PKCS#1 or PKCS#8 PEM).
pub fn app_jwt(app_id: u64, private_key_pem: &[u8], now: SystemTime) -> Result<String, ForgeError> {
    let key = EncodingKey::from_rsa_pem(private_key_pem).map_err(|e| {
        ForgeError::Config(format!("forge.app_private_key is not an RSA PEM key: {e}"))
    })?;
    sign(app_id, &key, now)
}

fn sign(app_id: u64, key: &EncodingKey, now: SystemTime) -> Result<String, ForgeError> {
    install_crypto_provider();
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| ForgeError::Auth("the system clock is before 1970".into()))?;
    let claims = Claims {
        iat: now.saturating_sub(JWT_BACKDATE).as_secs(),
        exp: (now + JWT_LIFETIME).as_secs(),
        iss: app_id.to_string(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, key)
        .map_err(|e| ForgeError::Auth(format!("cannot sign the GitHub App JWT: {e}")))
}

/// jsonwebtoken picks its crypto backend from its cargo features and panics
/// when both are on; another crate enabling `rust_crypto` would unify them.
/// Installing aws-lc-rs explicitly keeps signing working either way (an
/// error means a provider is already installed, which is as good).
fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

/// The App's credentials and its cached installation token.
pub(crate) struct AppAuth {
    app_id: u64,
    key: EncodingKey,
    state: tokio::sync::Mutex<AppState>,
}

#[derive(Default)]
struct AppState {
    installation_id: Option<u64>,
    token: Option<CachedToken>,
}

struct CachedToken {
    credential: Credential,
    refresh_at: SystemTime,
}

impl fmt::Debug for AppAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppAuth")
            .field("app_id", &self.app_id)
            .field("key", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

#[derive(Deserialize)]
struct AccessToken {
    token: String,
    expires_at: Option<String>,
}

impl AppAuth {
    /// Checks the key by signing once, so a bad key fails at start-up
    /// rather than on the first pull request.
    pub fn new(
        app_id: u64,
        private_key: &SecretString,
        installation_id: Option<u64>,
    ) -> Result<Self, ForgeError> {
        let key =
            EncodingKey::from_rsa_pem(private_key.expose_secret().as_bytes()).map_err(|e| {
                ForgeError::Config(format!("forge.app_private_key is not an RSA PEM key: {e}"))
            })?;
        sign(app_id, &key, SystemTime::now()).map_err(|e| match e {
            ForgeError::Auth(message) => {
                ForgeError::Config(format!("forge.app_private_key: {message}"))
            }
            other => other,
        })?;
        Ok(AppAuth {
            app_id,
            key,
            state: tokio::sync::Mutex::new(AppState {
                installation_id,
                token: None,
            }),
        })
    }

    /// A valid installation token, exchanged when none is cached or the
    /// cached one is within a minute of expiring. The lock is held across the
    /// exchange so concurrent callers share one exchange.
    pub async fn installation_token(
        &self,
        transport: &Transport,
        owner: &str,
        name: &str,
    ) -> Result<Credential, ForgeError> {
        let mut state = self.state.lock().await;
        let now = SystemTime::now();
        if let Some(token) = &state.token
            && now < token.refresh_at
        {
            return Ok(token.credential.clone());
        }
        let jwt = Credential::bearer(&SecretString::from(sign(self.app_id, &self.key, now)?))?;
        let installation_id = match state.installation_id {
            Some(id) => id,
            None => {
                let url = transport.endpoint(&["repos", owner, name, "installation"]);
                let installation: Installation = transport
                    .json(Method::GET, url, Some(&jwt), None)
                    .await
                    .map_err(|e| {
                        auth_error(
                            e,
                            &format!("finding the App's installation on {owner}/{name}"),
                        )
                    })?;
                state.installation_id = Some(installation.id);
                installation.id
            }
        };
        let url = transport.endpoint(&[
            "app",
            "installations",
            &installation_id.to_string(),
            "access_tokens",
        ]);
        let access: AccessToken = transport
            .json(Method::POST, url, Some(&jwt), Some(&serde_json::json!({})))
            .await
            .map_err(|e| {
                auth_error(
                    e,
                    &format!("exchanging a token for installation {installation_id}"),
                )
            })?;
        let credential = Credential::bearer(&SecretString::from(access.token))?;
        // Without an expiry (not documented, but cheap to survive) the token
        // is used for a conservative ten minutes; GitHub's last an hour.
        let expires_at = access
            .expires_at
            .as_deref()
            .map(parse_timestamp)
            .transpose()?
            .unwrap_or(now + Duration::from_secs(11 * 60));
        let refresh_at = expires_at.checked_sub(TOKEN_REFRESH_MARGIN).unwrap_or(now);
        state.token = Some(CachedToken {
            credential: credential.clone(),
            refresh_at,
        });
        Ok(credential)
    }

    /// Drops the cached token (after a 401: revoked, or the clock lied).
    pub async fn invalidate(&self) {
        self.state.lock().await.token = None;
    }
}

fn parse_timestamp(raw: &str) -> Result<SystemTime, ForgeError> {
    let at: jiff::Timestamp = raw
        .parse()
        .map_err(|e| ForgeError::Decode(format!("installation token expires_at `{raw}`: {e}")))?;
    Ok(SystemTime::from(at))
}

/// Failures of the exchange itself are authentication problems (App not
/// installed, key revoked); rate limits and transport errors stay what
/// they are so the caller can wait or reschedule.
fn auth_error(err: ForgeError, doing: &str) -> ForgeError {
    match err {
        ForgeError::Http { status, message } => ForgeError::Auth(format!(
            "GitHub App: {doing} failed with HTTP {status}: {message}"
        )),
        ForgeError::Decode(message) => ForgeError::Auth(format!("GitHub App: {doing}: {message}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_keys_are_configuration_errors() {
        let err = app_jwt(1, b"not a key", SystemTime::now()).unwrap_err();
        assert!(matches!(err, ForgeError::Config(_)), "{err}");
        let err = AppAuth::new(
            1,
            &SecretString::from(
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            ),
            None,
        )
        .unwrap_err();
        assert!(matches!(err, ForgeError::Config(_)), "{err}");
        assert!(!err.to_string().contains("AAAA"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            parse_timestamp("2016-07-11T22:14:10Z").unwrap(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_468_275_250)
        );
        assert!(parse_timestamp("tomorrow").is_err());
    }
}
