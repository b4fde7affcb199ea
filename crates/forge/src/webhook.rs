//! GitHub webhook deliveries: signature check and `pull_request` events.
//!
//! The body is untrusted until [`verify_github_signature`] accepts it, and
//! stays untrusted input afterwards: parsing never panics and takes only the
//! few fields it needs.

use aws_lc_rs::hmac;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::error::{ForgeError, SignatureError};
use crate::{PrState, Resolution, resolution};

const SIGNATURE_PREFIX: &str = "sha256=";

/// Checks `X-Hub-Signature-256` (`sha256=<hex HMAC-SHA256 of the body>`)
/// against `secret`, comparing in constant time so the response time does
/// not reveal how much of a forged signature was right.
pub fn verify_github_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::EmptySecret);
    }
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex = header
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(SignatureError::Malformed)?;
    let claimed = decode_hex(hex).ok_or(SignatureError::Malformed)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let expected = hmac::sign(&key, body);
    if bool::from(expected.as_ref().ct_eq(&claimed[..])) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The signature header value for `body` (for tests and for forwarding).
pub fn github_signature(secret: &[u8], body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, body);
    let mut out = String::with_capacity(SIGNATURE_PREFIX.len() + 64);
    out.push_str(SIGNATURE_PREFIX);
    for byte in tag.as_ref() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Exactly 32 bytes of hex (either case).
fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

/// A pull request reaching an end (or coming back from one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub number: u64,
    /// The head branch: how the event finds its error group.
    pub branch: String,
    /// `owner/name` of the base repository, when the payload names it.
    pub repository: Option<String>,
    pub state: PrState,
    pub merge_commit: Option<String>,
}

impl WebhookEvent {
    pub fn resolution(&self) -> Resolution {
        resolution(self.state, self.merge_commit.as_deref())
    }
}

#[derive(Deserialize)]
struct PullRequestPayload {
    action: String,
    pull_request: PayloadPull,
    #[serde(default)]
    repository: Option<PayloadRepo>,
}

#[derive(Deserialize)]
struct PayloadPull {
    number: u64,
    #[serde(default)]
    merged: bool,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    head: PayloadRef,
}

#[derive(Deserialize)]
struct PayloadRef {
    #[serde(rename = "ref")]
    name: String,
}

#[derive(Deserialize)]
struct PayloadRepo {
    full_name: String,
}

/// Reads a verified delivery. `event` is the `X-GitHub-Event` header.
/// `pull_request` events with action `closed` (merged or not) or `reopened`
/// give an event; other events (`ping`, `push`, ...) and other actions give
/// `None`. A `pull_request` body that is not the documented JSON is a
/// `Decode` error.
pub fn parse_github_webhook(event: &str, body: &[u8]) -> Result<Option<WebhookEvent>, ForgeError> {
    if event.trim() != "pull_request" {
        return Ok(None);
    }
    let payload: PullRequestPayload = serde_json::from_slice(body)
        .map_err(|e| ForgeError::Decode(format!("pull_request webhook payload: {e}")))?;
    let state = match payload.action.as_str() {
        "closed" if payload.pull_request.merged => PrState::Merged,
        "closed" => PrState::Closed,
        "reopened" => PrState::Open,
        _ => return Ok(None),
    };
    let pull = payload.pull_request;
    Ok(Some(WebhookEvent {
        number: pull.number,
        branch: pull.head.name,
        repository: payload.repository.map(|r| r.full_name),
        state,
        merge_commit: if state == PrState::Merged {
            pull.merge_commit_sha
        } else {
            None
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"It's a Secret to Everybody";

    #[test]
    fn githubs_documented_example() {
        // From GitHub's "Validating webhook deliveries" documentation.
        let body = b"Hello, World!";
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(github_signature(SECRET, body), header);
        assert_eq!(verify_github_signature(SECRET, body, Some(header)), Ok(()));
        assert_eq!(
            verify_github_signature(
                SECRET,
                body,
                Some(&header.to_uppercase().replace("SHA256=", "sha256="))
            ),
            Ok(()),
            "hex digits in either case"
        );
    }

    #[test]
    fn refusals() {
        let body = b"{}";
        let good = github_signature(SECRET, body);
        assert_eq!(
            verify_github_signature(SECRET, body, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_github_signature(b"", body, Some(&good)),
            Err(SignatureError::EmptySecret)
        );
        for malformed in [
            "",
            "sha1=abc",
            "sha256=",
            "sha256=zz",
            &good[..good.len() - 1],
            &format!("{good}00"),
        ] {
            assert_eq!(
                verify_github_signature(SECRET, body, Some(malformed)),
                Err(SignatureError::Malformed),
                "{malformed}"
            );
        }
        assert_eq!(
            verify_github_signature(b"another secret", body, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_github_signature(SECRET, b"{ }", Some(&good)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn events() {
        let payload = |action: &str, merged: bool| {
            serde_json::json!({
                "action": action,
                "number": 12,
                "pull_request": {"number": 12, "merged": merged, "merge_commit_sha": "m12", "state": "closed",
                                 "head": {"ref": "tracefix/g-1"}, "base": {"ref": "main"}},
                "repository": {"full_name": "acme/shop"}
            })
            .to_string()
        };
        let merged = parse_github_webhook("pull_request", payload("closed", true).as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(
            merged,
            WebhookEvent {
                number: 12,
                branch: "tracefix/g-1".into(),
                repository: Some("acme/shop".into()),
                state: PrState::Merged,
                merge_commit: Some("m12".into()),
            }
        );
        assert_eq!(
            merged.resolution(),
            Resolution::Resolved {
                merge_commit: Some("m12".into())
            }
        );
        let closed = parse_github_webhook("pull_request", payload("closed", false).as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(
            (closed.state, closed.merge_commit.as_deref()),
            (PrState::Closed, None)
        );
        assert_eq!(closed.resolution(), Resolution::NeedsHuman);
        let reopened = parse_github_webhook("pull_request", payload("reopened", false).as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(reopened.state, PrState::Open);
        assert_eq!(
            parse_github_webhook("pull_request", payload("labeled", false).as_bytes()).unwrap(),
            None
        );
        assert_eq!(
            parse_github_webhook("ping", b"{\"zen\":\"x\"}").unwrap(),
            None
        );
        assert!(matches!(
            parse_github_webhook("pull_request", b"not json"),
            Err(ForgeError::Decode(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_headers_and_bodies_never_panic(header in proptest::option::of("\\PC{0,80}"), body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = verify_github_signature(SECRET, &body, header.as_deref());
            let _ = parse_github_webhook("pull_request", &body);
        }

        #[test]
        fn signatures_round_trip(body in proptest::collection::vec(any::<u8>(), 0..200), flip in 0usize..64) {
            let good = github_signature(SECRET, &body);
            prop_assert_eq!(verify_github_signature(SECRET, &body, Some(&good)), Ok(()));
            // Change one hex digit: always a mismatch.
            let mut bad = good.clone().into_bytes();
            let i = SIGNATURE_PREFIX.len() + flip;
            bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
            let bad = String::from_utf8(bad).unwrap();
            prop_assert_eq!(verify_github_signature(SECRET, &body, Some(&bad)), Err(SignatureError::Mismatch));
        }
    }
}
