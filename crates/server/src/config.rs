//! Server settings and the rule that a server reachable from other hosts
//! must have a token.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::ServerError;

/// Settings of the HTTP ingest server. Build with [`ServerConfig::new`] and
/// set fields; more may be added, so it is `#[non_exhaustive]`.
///
/// `Debug` shows `[REDACTED]` for the token and the access key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Where [`launch`](crate::launch) binds.
    pub listen: SocketAddr,
    /// Bearer token required on every endpoint but `/healthz`. An empty
    /// token counts as none (the configuration file's default is `""`).
    pub token: Option<SecretString>,
    /// Largest request body as sent, i.e. before gzip is undone (`413`).
    pub max_body_bytes: usize,
    /// Largest total that gzip and base64 decoding may produce for one
    /// request, at every nesting level, plus each record's copy of its
    /// stream name (`413`).
    pub max_decoded_bytes: usize,
    /// Most records one request may yield (`413`): bounds the per-record
    /// overhead of bodies made of many tiny lines.
    pub max_records: usize,
    /// Requests decoded or stored at once; one more gets `429` with
    /// `Retry-After: 1`, so memory stays bounded under load.
    pub max_in_flight: usize,
    /// Time allowed to receive a request body (`408`), so a slow client
    /// cannot hold one of the `max_in_flight` slots.
    pub body_timeout: Duration,
    /// When set, `/v1/firehose` checks Firehose's `X-Amz-Firehose-Access-Key`
    /// header against it instead of the bearer token.
    pub firehose_access_key: Option<SecretString>,
}

impl ServerConfig {
    pub const DEFAULT_MAX_BODY_BYTES: usize = 10 << 20;
    pub const DEFAULT_MAX_DECODED_BYTES: usize = 64 << 20;
    pub const DEFAULT_MAX_RECORDS: usize = 1_000_000;
    pub const DEFAULT_MAX_IN_FLIGHT: usize = 8;
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);

    /// Defaults: no token, 10 MiB bodies, 64 MiB decoded, a million records,
    /// 8 requests in flight, 60 s to send a body, no Firehose access key.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            token: None,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            max_decoded_bytes: Self::DEFAULT_MAX_DECODED_BYTES,
            max_records: Self::DEFAULT_MAX_RECORDS,
            max_in_flight: Self::DEFAULT_MAX_IN_FLIGHT,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            firehose_access_key: None,
        }
    }

    /// Refuses a non-loopback `listen` without a token: the endpoints store
    /// whatever they are sent.
    pub fn validate(&self) -> Result<(), ServerError> {
        self.validate_for(self.listen)
    }

    pub(crate) fn validate_for(&self, addr: SocketAddr) -> Result<(), ServerError> {
        if self.token().is_none() && !is_loopback(addr.ip()) {
            return Err(ServerError::TokenRequired { listen: addr });
        }
        Ok(())
    }

    pub(crate) fn token(&self) -> Option<&[u8]> {
        non_empty(&self.token)
    }

    pub(crate) fn firehose_access_key(&self) -> Option<&[u8]> {
        non_empty(&self.firehose_access_key)
    }
}

fn non_empty(secret: &Option<SecretString>) -> Option<&[u8]> {
    let value = secret.as_ref()?.expose_secret().as_bytes();
    (!value.is_empty()).then_some(value)
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(listen: &str, token: Option<&str>) -> ServerConfig {
        let mut config = ServerConfig::new(listen.parse().unwrap());
        config.token = token.map(|t| SecretString::from(t.to_owned()));
        config
    }

    #[test]
    fn loopback_needs_no_token() {
        for listen in [
            "127.0.0.1:7070",
            "127.8.9.10:1",
            "[::1]:7070",
            "[::ffff:127.0.0.1]:80",
        ] {
            assert!(config(listen, None).validate().is_ok(), "{listen}");
        }
    }

    #[test]
    fn other_addresses_need_a_token() {
        for listen in [
            "0.0.0.0:7070",
            "[::]:7070",
            "10.0.0.1:7070",
            "[::ffff:10.0.0.1]:80",
        ] {
            let err = config(listen, None).validate().unwrap_err();
            assert!(
                err.to_string().starts_with(
                    "server.token is required when server.listen is not a loopback address"
                ),
                "{err}"
            );
            let err = config(listen, Some("")).validate().unwrap_err();
            assert!(matches!(err, ServerError::TokenRequired { .. }));
            assert!(config(listen, Some("s3cret")).validate().is_ok());
        }
    }

    #[test]
    fn debug_does_not_show_secrets() {
        let mut config = config("0.0.0.0:1", Some("tok-visible-123"));
        config.firehose_access_key = Some(SecretString::from("key-visible-456".to_owned()));
        let shown = format!("{config:?}");
        assert!(!shown.contains("visible"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}
