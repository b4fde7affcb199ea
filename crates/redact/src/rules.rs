//! The built-in pattern rules.
//!
//! Token shapes follow gitleaks' rules (`cmd/generate/config/rules/*.go`),
//! loosened where a redactor can afford it: a scanner must avoid false alarms
//! on fixed-length shapes, a redactor must above all not leak, so lengths are
//! open-ended where providers have changed them before.
//!
//! Each rule's regex names the part to replace with capture groups; the first
//! group that took part in a match is the secret (see [`secret_span`]). A
//! rule that runs over already-redacted text matches a placeholder at most,
//! which the redactor cuts out of every match; word boundaries are ASCII
//! (`(?-u:\b)`), which keeps the lazy DFA usable on non-ASCII text.

use std::sync::LazyLock;

use regex::{Captures, Match, Regex};

use crate::SecretKind;

/// When a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    Always,
    Emails,
    IpAddresses,
}

/// A further test of a match that a regex without look-around cannot make.
/// Gets the whole text, the captures and the secret part.
pub(crate) type Check = fn(&str, &Captures<'_>, Match<'_>) -> bool;

pub(crate) struct RuleSpec {
    pub kind: SecretKind,
    pub pattern: &'static str,
    pub gate: Gate,
    pub check: Option<Check>,
}

const fn rule(kind: SecretKind, pattern: &'static str) -> RuleSpec {
    RuleSpec {
        kind,
        pattern,
        gate: Gate::Always,
        check: None,
    }
}

const fn checked(kind: SecretKind, pattern: &'static str, check: Check) -> RuleSpec {
    RuleSpec {
        kind,
        pattern,
        gate: Gate::Always,
        check: Some(check),
    }
}

/// Authorization schemes written before the credential; the scheme is kept.
const SCHEMES: [&str; 11] = [
    "bearer",
    "basic",
    "token",
    "apikey",
    "sso-key",
    "digest",
    "negotiate",
    "ntlm",
    "aws4-hmac-sha256",
    "hoba",
    "mutual",
];

/// `password=`, `"token": "…"`, `?api_key=…&`, `DB_PASSWORD=…`, `'secret' =>
/// '…'`, `{"password": \"…\"}` (JSON inside a JSON string). The key may carry
/// a prefix (`db_password`, `x-auth-token`, `spring.datasource.password`) but
/// must end with one of the key words. Separators: `=`, `:`, `=>`, `:=`, on one
/// line. The value is a double-, single- or backslash-quoted string, or a bare
/// run up to whitespace, a quote or a delimiter (`,;&)}]<>`), which keeps
/// `User(name=bob, password=…)` and query strings intact.
const KEY_VALUE: &str = concat!(
    r#"(?i)(?:[a-z0-9_.-]*?(?:password|passwd|pwd|pass|passphrase|secret|client[_-]?secret|"#,
    r#"secret[_-]?(?:access[_-]?)?key|access[_-]?key|token|access[_-]?token|refresh[_-]?token|"#,
    r#"api[_-]?key|apikey|private[_-]?key|auth|credentials?|signature))"#,
    r#"(?:\\?["'])?[ \t]*(?:=>|:=|=|:)[ \t]*(?:(?:bearer|basic)[ \t]+)?"#,
    r#"(?:"(?P<dq>(?:[^"\\\r\n]|\\.)*)"|'(?P<sq>(?:[^'\\\r\n]|\\.)*)'|\\"(?P<edq>[^"\\\r\n]*)\\"|"#,
    r#"(?P<bare>[^\s"'`,;&()}\]<>{\[\\]+))"#,
);

/// `Authorization: Bearer xyz`, `"Authorization": "Basic …"`,
/// `'authorization': 'token …'`. The header name and the scheme stay.
const AUTHORIZATION: &str = concat!(
    r#"(?i)(?:proxy-)?authorization(?:\\?["'])?[ \t]*[:=][ \t]*"#,
    r#"(?:"(?:(?:bearer|basic|token|apikey|sso-key|digest|negotiate|ntlm|aws4-hmac-sha256)[ \t]+)?(?P<dq>[^"\\\r\n]+)"#,
    r#"|'(?:(?:bearer|basic|token|apikey|sso-key|digest|negotiate|ntlm|aws4-hmac-sha256)[ \t]+)?(?P<sq>[^'\\\r\n]+)"#,
    r#"|\\"(?:(?:bearer|basic|token|apikey|sso-key|digest|negotiate|ntlm|aws4-hmac-sha256)[ \t]+)?(?P<edq>[^"\\\r\n]+)"#,
    r#"|(?:(?:bearer|basic|token|apikey|sso-key|digest|negotiate|ntlm|aws4-hmac-sha256|hoba|mutual)[ \t]+)?"#,
    r#"(?P<bare>[^\s"',;\\]+))"#,
);

/// Unquoted multi-part credentials (`Digest username="…", response="…"`,
/// `AWS4-HMAC-SHA256 Credential=…, Signature=…`): the rest of the line.
const AUTHORIZATION_MULTIPART: &str = concat!(
    r#"(?i)(?:proxy-)?authorization[ \t]*[:=][ \t]*"#,
    r#"(?:digest|negotiate|ntlm|aws4-hmac-sha256|hoba|mutual)[ \t]+(?P<s>[^\r\n]+)"#,
);

/// `scheme://user:password@host`: only the password goes.
const URL_PASSWORD: &str = concat!(
    r#"(?i)(?-u:\b)[a-z][a-z0-9+.-]{1,30}://[^\s:/?#@"'<>\[\]]*:(?P<s>[^\s/?#@"'<>]+)@"#,
    r#"[a-z0-9\[_.-]"#,
);

/// PEM private keys with their END line; the BEGIN and END lines stay.
const PRIVATE_KEY_BLOCK: &str = concat!(
    r#"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*"#,
    r#"(?P<s>[\s\S]*?)(?:\s|\\[nr])*-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"#,
);

/// A PEM private key cut off before its END line (truncated log lines): the
/// base64 lines after the BEGIN line.
const PRIVATE_KEY_TRUNCATED: &str = concat!(
    r#"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*"#,
    r#"(?P<s>[A-Za-z0-9+/=]{16,}(?:[ \t]*(?:\r?\n|\\r\\n|\\n)(?:[A-Za-z0-9+/=]{16,}|[A-Za-z0-9+/]+={1,2}))*)"#,
);

pub(crate) const BUILTIN_RULES: &[RuleSpec] = &[
    // AWS
    rule(
        SecretKind::AwsAccessKey,
        r"(?-u:\b)(?P<s>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?-u:\b)",
    ),
    rule(
        SecretKind::AwsSecretKey,
        concat!(
            r#"(?i)(?:aws)?[_-]?secret[_-]?(?:access[_-]?)?key(?:\\?["'])?[ \t]*(?:=>|:=|=|:)[ \t]*(?:\\?["'])?"#,
            r#"(?P<s>[a-z0-9/+]{40})(?:[^a-z0-9/+=]|$)"#,
        ),
    ),
    // An access key id followed closely by a 40-character secret
    // (credentials CSV, `id:secret`, `id secret`).
    rule(
        SecretKind::AwsSecretKey,
        concat!(
            r#"(?-u:\b)(?:AKIA|ASIA)[A-Z0-9]{16}(?:\\?["'])?[\s:,;|=]{1,5}(?:\\?["'])?"#,
            r#"(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        ),
    ),
    // GitHub: classic and OAuth/app/refresh tokens, fine-grained PATs.
    rule(
        SecretKind::GitHubToken,
        r"(?-u:\b)(?P<s>(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255})(?-u:\b)",
    ),
    rule(
        SecretKind::GitHubToken,
        r"(?-u:\b)(?P<s>github_pat_[A-Za-z0-9_]{22,255})(?-u:\b)",
    ),
    // GitLab: every documented `gl…-` prefix, routable tokens with their
    // `.xx.yyyyyyy` suffix, runner registration tokens.
    rule(
        SecretKind::GitLabToken,
        r"(?-u:\b)(?P<s>gl(?:pat|dt|ptt|rt|cbt|ft|imt|oas|soat|ffct|agent)-[A-Za-z0-9_-]{20,300}(?:\.[A-Za-z0-9_-]{2,})*)",
    ),
    rule(
        SecretKind::GitLabToken,
        r"(?-u:\b)(?P<s>GR1348941[A-Za-z0-9_-]{20,})",
    ),
    // Slack: bot/user/app/legacy tokens, configuration tokens, webhooks.
    rule(
        SecretKind::SlackToken,
        r"(?-u:\b)(?P<s>xox[abeoprs]-[A-Za-z0-9-]{10,250})",
    ),
    rule(
        SecretKind::SlackToken,
        r"(?-u:\b)(?P<s>xoxe\.xox[bp]-\d-[A-Za-z0-9]{100,250})",
    ),
    rule(
        SecretKind::SlackToken,
        r"(?-u:\b)(?P<s>xapp-\d-[A-Za-z0-9-]{20,250})",
    ),
    rule(
        SecretKind::SlackWebhook,
        r"(?i)(?-u:\b)https?://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9+/_-]{20,})",
    ),
    // OpenAI: project/service-account/admin keys and legacy `sk-` keys (the
    // legacy form has no `-` after `sk-`, so `sk-ant-…` is not taken).
    rule(
        SecretKind::OpenAiKey,
        r"(?-u:\b)(?P<s>sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,})",
    ),
    rule(
        SecretKind::OpenAiKey,
        r"(?-u:\b)(?P<s>sk-[A-Za-z0-9]{32,})(?-u:\b)",
    ),
    // Anthropic: api03, admin01, oat01, ort01, and future `sk-ant-xxxNN-`.
    rule(
        SecretKind::AnthropicKey,
        r"(?-u:\b)(?P<s>sk-ant-[a-z]{2,10}\d{2}-[A-Za-z0-9_-]{20,})",
    ),
    rule(
        SecretKind::GoogleApiKey,
        r"(?-u:\b)(?P<s>AIza[A-Za-z0-9_-]{35})",
    ),
    rule(
        SecretKind::StripeKey,
        r"(?-u:\b)(?P<s>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})",
    ),
    rule(
        SecretKind::NpmToken,
        r"(?-u:\b)(?P<s>npm_[A-Za-z0-9]{36})(?-u:\b)",
    ),
    rule(
        SecretKind::PypiToken,
        r"(?-u:\b)(?P<s>pypi-AgE[A-Za-z0-9_-]{50,})",
    ),
    rule(
        SecretKind::HuggingFaceToken,
        r"(?-u:\b)(?P<s>hf_[A-Za-z]{34})(?-u:\b)",
    ),
    rule(
        SecretKind::SendGridKey,
        r"(?-u:\b)(?P<s>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
    ),
    // JWT: base64url JSON header `{"` (`eyJ`), payload, optional signature.
    rule(
        SecretKind::Jwt,
        r"(?-u:\b)(?P<s>eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
    ),
    rule(SecretKind::PrivateKey, PRIVATE_KEY_BLOCK),
    rule(SecretKind::PrivateKey, PRIVATE_KEY_TRUNCATED),
    checked(SecretKind::UrlPassword, URL_PASSWORD, not_masked),
    checked(SecretKind::AuthorizationHeader, AUTHORIZATION, not_a_scheme),
    rule(SecretKind::AuthorizationHeader, AUTHORIZATION_MULTIPART),
    checked(SecretKind::KeyValueSecret, KEY_VALUE, key_value_is_secret),
    RuleSpec {
        kind: SecretKind::Email,
        pattern: r"(?-u:\b)(?P<s>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?-u:\b)",
        gate: Gate::Emails,
        check: None,
    },
    RuleSpec {
        kind: SecretKind::IpAddress,
        pattern: r"(?-u:\b)(?P<s>(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))(?-u:\b)",
        gate: Gate::IpAddresses,
        check: Some(ipv4_standalone),
    },
    RuleSpec {
        kind: SecretKind::IpAddress,
        pattern: r"(?i)(?P<s>(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?|::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}))",
        gate: Gate::IpAddresses,
        check: Some(ipv6_plausible),
    },
];

/// The part of a match to replace: the first capture group that took part
/// (named or not), or the whole match when the regex has no groups.
pub(crate) fn secret_span<'h>(caps: &Captures<'h>) -> Option<Match<'h>> {
    if caps.len() == 1 {
        return caps.get(0);
    }
    (1..caps.len()).find_map(|i| caps.get(i))
}

/// `amqp://guest:**@rabbit` was masked by the application already.
fn not_masked(_text: &str, _caps: &Captures<'_>, secret: Match<'_>) -> bool {
    !is_absent_or_masked(secret.as_str())
}

fn is_scheme(value: &str) -> bool {
    SCHEMES.iter().any(|s| value.eq_ignore_ascii_case(s))
}

/// `Authorization: Bearer` followed by an already-redacted credential must not
/// lose its scheme word on a second pass.
fn not_a_scheme(_text: &str, _caps: &Captures<'_>, secret: Match<'_>) -> bool {
    !is_scheme(secret.as_str())
}

/// Values that carry no secret and that a reader needs: absent values
/// (`token=None` is often the bug itself), masks (`[FILTERED]`, `****`),
/// code in traceback source lines (`password = form.password`,
/// `token = get_token()`), URLs (the URL rule takes their passwords) and,
/// after a colon, plain words: `auth: token for user 42`,
/// `WARNING:botocore.credentials:retrying` are prose and logger names, while
/// `password: hunter2` (digit), `apikey: AbCd…` (inner capital) or a value of
/// 16+ characters are redacted. A weak one-word password after a colon
/// (`password: letmein`) is the accepted cost; after `=` or in quotes every
/// value goes.
fn key_value_is_secret(text: &str, caps: &Captures<'_>, secret: Match<'_>) -> bool {
    let value = secret.as_str();
    if value.is_empty() || is_scheme(value) || is_absent_or_masked(value) {
        return false;
    }
    let whole = caps.get(0).map_or("", |m| m.as_str());
    // `https://x-access-token:…@host` is a URL's user and password, which
    // the URL rule redacts without swallowing the host.
    let key_start = caps.get(0).map_or(0, |m| m.start());
    if text[..key_start].ends_with("://") {
        return false;
    }
    // `PWD`/`OLDPWD` in an environment dump are directories. The match
    // starts at the key (its prefix is the leftmost possible).
    if whole.starts_with("PWD=") || whole.starts_with("OLDPWD=") {
        return false;
    }
    if caps.name("bare").is_some() {
        if looks_like_code(value) || value.contains("://") {
            return false;
        }
        let colon_separated = whole[..secret.start() - key_start]
            .trim_end_matches([' ', '\t'])
            .ends_with(':');
        if colon_separated && (is_plain_word(value) || is_logger_name(whole)) {
            return false;
        }
    }
    true
}

/// Placeholders people write instead of a secret.
pub(crate) fn is_absent_or_masked(value: &str) -> bool {
    const ABSENT: [&str; 14] = [
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "<none>",
        "<nil>",
        "<redacted>",
        "<hidden>",
        "[filtered]",
        "[redacted]",
        "[hidden]",
        "[secure]",
    ];
    ABSENT.iter().any(|a| value.eq_ignore_ascii_case(a))
        || value
            .bytes()
            .all(|b| matches!(b, b'*' | b'x' | b'X' | b'.'))
}

/// `botocore.credentials: 127.0.0.1 - "GET /"`, `app.auth: …`: a Python
/// logger name (`%(name)s: %(message)s`), not a flattened configuration key
/// (those end in `password`, `secret`, `token`, …, which stay redacted).
fn is_logger_name(whole: &str) -> bool {
    let key = whole.split(':').next().unwrap_or("");
    let last = key.rsplit('.').next().unwrap_or("");
    key.contains('.')
        && (last.eq_ignore_ascii_case("credentials") || last.eq_ignore_ascii_case("auth"))
}

/// A lowercase or capitalised word of letters only, shorter than 16.
fn is_plain_word(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() < 16
        && bytes.iter().all(u8::is_ascii_alphabetic)
        && bytes[1..].iter().all(u8::is_ascii_lowercase)
}

/// An identifier chain with a dot (`self.password`, `os.environ`,
/// `request.form`): a source line, not a literal. A plain `name` or call
/// `get_token()` is not told apart from a password and is redacted (the
/// parentheses stay).
fn looks_like_code(value: &str) -> bool {
    let bytes = value.as_bytes();
    let ident_start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b'$';
    let ident_rest = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    if bytes.is_empty() || !ident_start(bytes[0]) {
        return false;
    }
    let mut i = 0;
    let mut dots = 0;
    loop {
        // one identifier
        if i >= bytes.len() || !ident_start(bytes[i]) {
            return false;
        }
        while i < bytes.len() && ident_rest(bytes[i]) {
            i += 1;
        }
        match bytes.get(i) {
            None => return dots > 0,
            Some(b'.') => {
                dots += 1;
                i += 1;
            }
            Some(_) => return false,
        }
    }
}

/// Not part of a longer dotted number (`1.2.3.4.5` is a version).
fn ipv4_standalone(text: &str, _caps: &Captures<'_>, secret: Match<'_>) -> bool {
    let bytes = text.as_bytes();
    let before = secret
        .start()
        .checked_sub(2)
        .map(|i| &bytes[i..secret.start()]);
    let after = bytes.get(secret.end()..(secret.end() + 2).min(bytes.len()));
    let dotted_digit = |pair: &[u8], dot_first: bool| {
        pair.len() == 2
            && if dot_first {
                pair[0] == b'.' && pair[1].is_ascii_digit()
            } else {
                pair[0].is_ascii_digit() && pair[1] == b'.'
            }
    };
    !(before.is_some_and(|p| dotted_digit(p, false))
        || after.is_some_and(|p| dotted_digit(p, true)))
}

/// Rejects `e::e` in `std::io::Error` and times like `12:30:45`: an address
/// has a digit, is not glued to identifier characters or colons, and is
/// either the full eight-group form or a `::` form.
fn ipv6_plausible(text: &str, _caps: &Captures<'_>, secret: Match<'_>) -> bool {
    let value = secret.as_str();
    let bytes = text.as_bytes();
    let glued = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b':' || b == b'.';
    // `]` too: a placeholder's end, where a glued token was redacted.
    if secret.start() > 0 && (glued(bytes[secret.start() - 1]) || bytes[secret.start() - 1] == b']')
    {
        return false;
    }
    if bytes.get(secret.end()).is_some_and(|&b| glued(b)) {
        return false;
    }
    if !value.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let groups = value.split(':').filter(|g| !g.is_empty()).count();
    if value.contains("::") {
        // `::1`, `fe80::1`, `2001:db8::8a2e:370:7334`; but not `a::b` words.
        groups >= 1 && value.bytes().filter(|&b| b == b':').count() >= 2
    } else {
        groups == 8
    }
}

/// `Cookie:` and `Set-Cookie:` headers: the values of the `name=value`
/// pairs (every pair of a `Cookie` header, the first of a `Set-Cookie`; the
/// rest of a `Set-Cookie` are attributes such as `Path=/`). Cookie names say
/// what a session was, so they stay.
pub(crate) fn cookie_values(text: &str, out: &mut Vec<(usize, usize)>) {
    static HEADER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)(?-u:\b)(?P<set>set-)?cookie(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?(?P<v>[^\r\n"'\\]+)"#)
            .expect("cookie header pattern")
    });
    static PAIR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|;)[ \t]*[^=;\s]+=(?P<v>[^;\s]+)").expect("cookie pair pattern")
    });
    for caps in HEADER.captures_iter(text) {
        let (Some(header), set) = (caps.name("v"), caps.name("set").is_some()) else {
            continue;
        };
        for pair in PAIR.captures_iter(header.as_str()) {
            if let Some(value) = pair.name("v") {
                out.push((header.start() + value.start(), header.start() + value.end()));
            }
            if set {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_pattern_compiles() {
        for spec in BUILTIN_RULES {
            Regex::new(spec.pattern).unwrap_or_else(|e| panic!("{}: {e}", spec.kind));
        }
    }

    #[test]
    fn code_values_are_recognised() {
        // Bare values stop before `[`, `(` and quotes, so this is what the
        // rule sees of `request.form['password']`.
        for code in [
            "form.password",
            "self.token",
            "request.form",
            "$this.secret",
        ] {
            assert!(looks_like_code(code), "{code}");
        }
        assert!(looks_like_code("settings.SECRET_KEY"));
        for literal in [
            "hunter2",
            "hunter2.0",
            "s3cr3t!",
            "abc.",
            ".abc",
            "a..b",
            "get_token",
        ] {
            assert!(!looks_like_code(literal), "{literal}");
        }
    }

    #[test]
    fn cookie_values_keep_names_and_attributes() {
        let text = "Cookie: sid=abc123; theme=dark\nSet-Cookie: token=xyz; Path=/; HttpOnly";
        let mut spans = Vec::new();
        cookie_values(text, &mut spans);
        let values: Vec<&str> = spans.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(values, ["abc123", "dark", "xyz"]);
    }
}
