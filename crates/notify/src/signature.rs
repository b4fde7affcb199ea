//! Webhook signatures, Stripe-style.
//!
//! Every webhook request carries
//!
//! ```text
//! X-Tracefix-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//! X-Tracefix-Event: <kind>            (new_group, pull_request_opened, ...)
//! X-Tracefix-Delivery: <uuid>         (the same across retries of one delivery)
//! ```
//!
//! The receiver recomputes the HMAC over the timestamp, a dot and the raw
//! body bytes, compares in constant time, and rejects timestamps further than
//! its tolerance (five minutes is usual) from its clock: a captured request
//! cannot be replayed later, and the timestamp cannot be changed without
//! breaking the MAC. A receiver dedupes retries on `X-Tracefix-Delivery`.
//! Several `v1=` entries may appear (secret rotation); one match suffices.
//!
//! HMAC (RFC 2104) is written here over `sha2` rather than pulling in the
//! `hmac` crate: it is a dozen lines, checked against RFC 4231's vectors.

use std::time::Duration;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Header names, as sent.
pub const SIGNATURE_HEADER: &str = "X-Tracefix-Signature";
pub const EVENT_HEADER: &str = "X-Tracefix-Event";
pub const DELIVERY_HEADER: &str = "X-Tracefix-Delivery";

const BLOCK: usize = 64;

/// HMAC-SHA256 of `parts` concatenated.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    // `from_str_radix` alone would accept a sign (`+f`).
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The `X-Tracefix-Signature` value for `body` sent at `timestamp` (unix
/// seconds): `t=<timestamp>,v1=<hex hmac-sha256 of "<timestamp>.<body>">`.
pub fn sign_webhook(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let mac = hmac_sha256(secret, &[t.as_bytes(), b".", body]);
    format!("t={t},v1={}", hex(&mac))
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature header is malformed")]
    Malformed,
    #[error("signature timestamp is {age_secs}s away from now, beyond the tolerance")]
    Stale { age_secs: i64 },
    #[error("no signature matches the body")]
    Mismatch,
}

/// Checks an `X-Tracefix-Signature` header value against the raw `body`:
/// the timestamp must be within `tolerance` of `now` (unix seconds) and one
/// `v1` entry must equal the HMAC, compared in constant time.
pub fn verify_webhook(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for item in header.split(',') {
        let (key, value) = item
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" => {
                let t: i64 = value.parse().map_err(|_| SignatureError::Malformed)?;
                if timestamp.replace(t).is_some() {
                    return Err(SignatureError::Malformed);
                }
            }
            "v1" => candidates.push(value),
            // Unknown schemes are skipped so that a later `v2` can be added
            // beside `v1` without breaking old receivers.
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let age = now.saturating_sub(t);
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if age.unsigned_abs() > tolerance.unsigned_abs() {
        return Err(SignatureError::Stale { age_secs: age });
    }
    let expected = hmac_sha256(secret, &[t.to_string().as_bytes(), b".", body]);
    let mut matched = subtle::Choice::from(0);
    for candidate in candidates {
        if let Some(bytes) = unhex(candidate)
            && bytes.len() == expected.len()
        {
            matched |= bytes.ct_eq(&expected);
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unhex_str(s: &str) -> Vec<u8> {
        unhex(s).unwrap()
    }

    #[test]
    fn rfc4231_vectors() {
        // Test case 1.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], &[b"Hi There"])),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2: a short key.
        assert_eq!(
            hex(&hmac_sha256(
                b"Jefe",
                &[b"what do ya want ", b"for nothing?"]
            )),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(unhex_str("00ff10"), vec![0, 255, 16]);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn signature_format_is_stable() {
        let sig = sign_webhook(b"whsec_test", 1_700_000_000, br#"{"a":1}"#);
        let expected = hex(&hmac_sha256(b"whsec_test", &[b"1700000000.{\"a\":1}"]));
        assert_eq!(sig, format!("t=1700000000,v1={expected}"));
    }

    #[test]
    fn verification_rejects_tampering_staleness_and_garbage() {
        let secret = b"s3cret";
        let body = b"{\"event\":\"new_group\"}";
        let header = sign_webhook(secret, 1000, body);
        let five_min = Duration::from_secs(300);
        assert_eq!(
            verify_webhook(secret, &header, body, 1100, five_min),
            Ok(())
        );
        assert_eq!(
            verify_webhook(
                secret,
                &header,
                b"{\"event\":\"regression\"}",
                1100,
                five_min
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_webhook(b"other", &header, body, 1100, five_min),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_webhook(secret, &header, body, 1000 + 301, five_min),
            Err(SignatureError::Stale { age_secs: 301 })
        );
        // A request from the future is as suspicious as one from the past.
        assert_eq!(
            verify_webhook(secret, &header, body, 1000 - 400, five_min),
            Err(SignatureError::Stale { age_secs: -400 })
        );
        // Moving the timestamp breaks the MAC.
        let moved = header.replacen("t=1000", "t=1090", 1);
        assert_eq!(
            verify_webhook(secret, &moved, body, 1100, five_min),
            Err(SignatureError::Mismatch)
        );
        for bad in [
            "",
            "t=1000",
            "v1=00",
            "t=x,v1=00",
            "t=1,t=1,v1=00",
            "nonsense",
        ] {
            assert_eq!(
                verify_webhook(secret, bad, body, 1000, five_min),
                Err(SignatureError::Malformed),
                "{bad:?}"
            );
        }
        // Rotation: an old secret's entry beside the current one.
        let rotated = format!(
            "{header},v1={},v2=ignored",
            hex(&hmac_sha256(b"old", &[b"1000.", body]))
        );
        assert_eq!(
            verify_webhook(secret, &rotated, body, 1000, five_min),
            Ok(())
        );
        assert_eq!(
            verify_webhook(b"old", &rotated, body, 1000, five_min),
            Ok(())
        );
    }

    proptest! {
        #[test]
        fn sign_then_verify_round_trips(secret in proptest::collection::vec(any::<u8>(), 0..100),
                                        body in proptest::collection::vec(any::<u8>(), 0..300),
                                        t in 0i64..4_000_000_000, flip in 0usize..300) {
            let header = sign_webhook(&secret, t, &body);
            prop_assert_eq!(verify_webhook(&secret, &header, &body, t, Duration::from_secs(300)), Ok(()));
            if !body.is_empty() {
                let mut tampered = body.clone();
                let i = flip % tampered.len();
                tampered[i] ^= 1;
                prop_assert_eq!(
                    verify_webhook(&secret, &header, &tampered, t, Duration::from_secs(300)),
                    Err(SignatureError::Mismatch)
                );
            }
        }

        #[test]
        fn arbitrary_headers_never_panic(header in ".{0,200}") {
            let _ = verify_webhook(b"k", &header, b"body", 0, Duration::from_secs(300));
        }
    }
}
