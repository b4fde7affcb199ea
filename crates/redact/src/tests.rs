//! Rule-by-rule examples; the planted corpus, snapshots and property tests
//! are in `tests/`.

use super::*;

fn redactor() -> Redactor {
    Redactor::new(&RedactOptions::default()).unwrap()
}

fn r(text: &str) -> String {
    redactor().redact_string(text)
}

#[test]
fn nothing_to_redact_borrows() {
    let out = redactor().redact("ValueError: invalid literal for int() with base 10: 'abc'");
    assert!(matches!(out.text, Cow::Borrowed(_)));
    assert!(out.findings.is_empty());
}

#[test]
fn key_value_pairs_keep_key_and_separator() {
    assert_eq!(
        r("password=hunter2"),
        "password=[REDACTED:key-value-secret]"
    );
    assert_eq!(
        r("PASSWORD: hunter2 next"),
        "PASSWORD: [REDACTED:key-value-secret] next"
    );
    assert_eq!(
        r("DB_PASSWORD=s3cr3t!"),
        "DB_PASSWORD=[REDACTED:key-value-secret]"
    );
    assert_eq!(
        r(r#"{"user": "bob", "password": "hunter2", "n": 1}"#),
        r#"{"user": "bob", "password": "[REDACTED:key-value-secret]", "n": 1}"#
    );
    assert_eq!(
        r("GET /cb?code=1&access_token=abc123def&state=x"),
        "GET /cb?code=1&access_token=[REDACTED:key-value-secret]&state=x"
    );
    assert_eq!(
        r("User(name=bob, password=hunter2)"),
        "User(name=bob, password=[REDACTED:key-value-secret])"
    );
    assert_eq!(
        r("'client_secret' => 'abc def'"),
        "'client_secret' => '[REDACTED:key-value-secret]'"
    );
    assert_eq!(
        r(r#"{"msg": "{\"token\": \"abc123\"}"}"#),
        r#"{"msg": "{\"token\": \"[REDACTED:key-value-secret]\"}"}"#
    );
    assert_eq!(
        r("auth_token: Bearer abc123"),
        "auth_token: Bearer [REDACTED:key-value-secret]"
    );
}

#[test]
fn key_value_spares_absent_values_and_code() {
    for text in [
        "token=None",
        "password: null",
        r#""token": """#,
        "password = form.password",
        "    token = request.headers['Authorization']",
        "secret=****",
        "auth: token for user 42 expires",
        "WARNING:botocore.credentials:retrying in 2.0s",
        "INFO botocore.credentials: 127.0.0.1:51234 - \"GET /healthz HTTP/1.1\" 200",
        "INFO:botocore.credentials:https://api.example.com:443 \"GET / HTTP/1.1\"",
        r#"Parameters: {"authenticity_token"=>"[FILTERED]"}"#,
        "Connected to amqp://guest:**@rabbitmq:5672//",
        "PWD=/home/app",
        "OLDPWD=/srv",
        "File \"/app/auth.py\", line 12, in check_password",
        "KeyError: 'password'",
        "TypeError: login() missing 1 required positional argument: 'password'",
        "jwt.exceptions.InvalidTokenError: Signature verification failed",
        "max_tokens: 4096",
    ] {
        assert_eq!(r(text), text);
    }
}

#[test]
fn plain_calls_are_redacted_but_keep_parentheses() {
    assert_eq!(
        r("    api_key = get_api_key()"),
        "    api_key = [REDACTED:key-value-secret]()"
    );
}

#[test]
fn url_passwords_keep_scheme_user_and_host() {
    assert_eq!(
        r("postgres://app:hunter2@db:5432/x"),
        "postgres://app:[REDACTED:url-password]@db:5432/x"
    );
    assert_eq!(
        r("redis://:p4ss@cache.internal:6379/0"),
        "redis://:[REDACTED:url-password]@cache.internal:6379/0"
    );
    // a port is not a password
    assert_eq!(
        r("http://host:8080/users/@me"),
        "http://host:8080/users/@me"
    );
}

#[test]
fn authorization_keeps_header_and_scheme() {
    assert_eq!(
        r("Authorization: Bearer abc.def-123"),
        "Authorization: Bearer [REDACTED:authorization-header]"
    );
    assert_eq!(
        r(r#"{"Authorization": "Basic dXNlcjpwYXNz"}"#),
        r#"{"Authorization": "Basic [REDACTED:authorization-header]"}"#
    );
    assert_eq!(
        r("headers={'authorization': 'token abc123'}"),
        "headers={'authorization': 'token [REDACTED:authorization-header]'}"
    );
    assert_eq!(
        r(r#"Authorization: Digest username="admin", response="6629fae4939""#),
        "Authorization: Digest [REDACTED:authorization-header]"
    );
}

#[test]
fn provider_shape_wins_over_context() {
    let token = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    let text = format!("token={token}");
    let out = redactor().redact(&text);
    assert_eq!(out.text, "token=[REDACTED:github-token]");
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].kind, SecretKind::GitHubToken);
    assert_eq!(
        (out.findings[0].start, out.findings[0].end),
        (6, 6 + token.len())
    );
}

#[test]
fn findings_are_in_original_coordinates() {
    let text = "a password=xy b Authorization: Bearer zz c";
    let out = redactor().redact(text);
    let parts: Vec<&str> = out.findings.iter().map(|f| &text[f.start..f.end]).collect();
    assert_eq!(parts, ["xy", "zz"]);
}

#[test]
fn overlapping_matches_merge() {
    // JWT inside an Authorization header inside a key/value pair.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let text = format!("\"Authorization\": \"Bearer {jwt}\"");
    let out = redactor().redact(&text);
    assert_eq!(out.text, "\"Authorization\": \"Bearer [REDACTED:jwt]\"");
    assert_eq!(out.findings.len(), 1);
}

#[test]
fn pem_block_keeps_begin_and_end() {
    let text = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7yn3bRHQ5FHMQ\nU0ZrPtJEbQNZkT6sJvY=\n-----END RSA PRIVATE KEY-----\ndone";
    assert_eq!(
        r(text),
        "key:\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:private-key]\n-----END RSA PRIVATE KEY-----\ndone"
    );
}

#[test]
fn truncated_pem_is_redacted() {
    let text = r#"{"key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"#;
    let out = r(text);
    assert!(!out.contains("MIIEvQIBADANBgkq"), "{out}");
    assert!(!out.contains("BKcwggSjAgEAAoIB"), "{out}");
}

#[test]
fn emails_and_ips_are_optional() {
    let text = "user bob@example.com from 203.0.113.7 and 2001:db8::8a2e:370:7334";
    assert_eq!(r(text), text);
    let all = Redactor::new(&RedactOptions {
        emails: true,
        ip_addresses: true,
        ..RedactOptions::default()
    })
    .unwrap();
    assert_eq!(
        all.redact_string(text),
        "user [REDACTED:email] from [REDACTED:ip-address] and [REDACTED:ip-address]"
    );
    // not addresses
    for text in ["version 1.2.3.4.5", "std::io::Error", "at 12:30:45", "a::b"] {
        assert_eq!(all.redact_string(text), text);
    }
}

#[test]
fn custom_patterns_redact_first_group_or_whole_match() {
    let redactor = Redactor::new(&RedactOptions {
        extra_patterns: vec![r"internal-id: (\d{6})".into(), r"ACME-[0-9]{4}".into()],
        ..RedactOptions::default()
    })
    .unwrap();
    assert_eq!(
        redactor.redact_string("internal-id: 123456 ticket ACME-1234"),
        "internal-id: [REDACTED:custom] ticket [REDACTED:custom]"
    );
}

#[test]
fn bad_user_pattern_is_named() {
    let err = Redactor::new(&RedactOptions {
        extra_patterns: vec!["ok".into(), "(unclosed".into()],
        ..RedactOptions::default()
    })
    .unwrap_err();
    let RedactError::InvalidPattern { pattern, .. } = &err;
    assert_eq!(pattern, "(unclosed");
    assert!(err.to_string().contains("(unclosed"), "{err}");
}

#[test]
fn entropy_can_be_disabled() {
    let text = "blob Zk3q9Xv2Lr8Tn5Wm1Bc7Hd4Jf6Gs0Pa2Qe9Ry3Ui end";
    assert_eq!(r(text), "blob [REDACTED:high-entropy] end");
    let quiet = Redactor::new(&RedactOptions {
        entropy: false,
        ..RedactOptions::default()
    })
    .unwrap();
    assert_eq!(quiet.redact_string(text), text);
}

#[test]
fn placeholders_are_not_redacted_again() {
    for text in [
        "password=[REDACTED:key-value-secret]",
        "Authorization: Bearer [REDACTED:jwt]",
        "auth_token: Bearer [REDACTED:key-value-secret]",
        "postgres://app:[REDACTED:url-password]@db:5432/x",
        "-----BEGIN PRIVATE KEY-----\n[REDACTED:private-key]\n-----END PRIVATE KEY-----",
        r#"{"token": "[REDACTED:key-value-secret]"}"#,
    ] {
        let out = redactor().redact(text);
        assert_eq!(out.text, text);
        assert!(out.findings.is_empty(), "{text}: {:?}", out.findings);
    }
}

#[test]
fn redactor_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Redactor>();
}

#[test]
fn multibyte_text_around_secrets() {
    assert_eq!(
        r("Schlüssel ✓ password=pässwörd ü"),
        "Schlüssel ✓ password=[REDACTED:key-value-secret] ü"
    );
}

#[test]
fn redaction_reaches_a_fixpoint_when_context_changes() {
    // `xoxb-…` glued to a custom match has no word boundary before it until
    // the custom match is replaced; the second round finds it.
    let redactor = Redactor::new(&RedactOptions {
        extra_patterns: vec![r"ticket-(\d{4})".into()],
        ..RedactOptions::default()
    })
    .unwrap();
    let text = "ticket-1234xoxb-123456789012-abcdefghij end";
    let once = redactor.redact(text);
    assert_eq!(
        once.text,
        "ticket-[REDACTED:custom][REDACTED:slack-token] end"
    );
    let parts: Vec<&str> = once
        .findings
        .iter()
        .map(|f| &text[f.start..f.end])
        .collect();
    assert_eq!(parts, ["1234", "xoxb-123456789012-abcdefghij"]);
    assert_eq!(redactor.redact(&once.text).text, once.text);
}
