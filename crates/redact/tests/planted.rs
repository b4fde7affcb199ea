//! The planted-secret corpus: `tests/fixtures/planted.txt` holds the secrets
//! listed below (fake values in realistic places: exception messages, log
//! lines, JSON logs, environment dumps, URLs, headers, PEM blocks). Each
//! entry names the secret and the text just before and after it in the
//! fixture; the test checks that the fixture holds them (so the table and the
//! fixture cannot drift), that no secret (nor any 12-character piece of one)
//! survives redaction, and that the surrounding text does.

use tracefix_redact::{RedactOptions, Redactor, SecretKind};

const FIXTURE: &str = include_str!("fixtures/planted.txt");

struct Planted {
    what: &'static str,
    /// The secret as written in the fixture; several lines for PEM bodies
    /// (a JSON-escaped PEM body uses a literal `\n`).
    secret: &'static str,
    /// Text on the secret's line, before and after it, that must survive
    /// (not always adjacent: a whole multi-part `Authorization` value or
    /// every cookie value goes).
    before: &'static str,
    after: &'static str,
}

const fn planted(
    what: &'static str,
    secret: &'static str,
    before: &'static str,
    after: &'static str,
) -> Planted {
    Planted {
        what,
        secret,
        before,
        after,
    }
}

#[rustfmt::skip]
const PLANTED: &[Planted] = &[
    planted("aws_ak1", "AKIAPUJXHESMQMJFHHJK", "ur records. AccessKeyId=", ""),
    planted("aws_ak2", "ASIAEG4L2ANRUFUCAZTT", "AWS_ACCESS_KEY_ID=", ""),
    planted("aws_sk1", "ymkeMSxq8BEOLRJqsX+DjUS49fn2g1W155dEv8Kn", "AWS_SECRET_ACCESS_KEY=", ""),
    planted("aws_session", "IQoJb3JpZ2luX2VjEdqf4Z7zMvSWSoN0MaS1CUZSRaorf93FFDUegKuOjK9wdXxmIERwzszrGUXIvR3ou88ikxAkubJU7o6/emvUzSm55NPgkIlXTIclOcwx3p/3cx4A7DcBZdwb0k3GrWFNqMUP6WDC0cf5q00mj7egkFiirxwdrMuIf+5Y9/+N4NT9eJ9baCroG", "AWS_SESSION_TOKEN=", ""),
    planted("ghp", "ghp_ssB3Umv1SMV4zEThusix2DEfYtP34fzKfxn7", "GITHUB_TOKEN=", ""),
    planted("xapp", "xapp-1-AFEA7VMPPA0-7811725832117-58131accbe28ad61ee5fcaca605989e9f1feac22a84536eb3d2cc1221ffa7ba5", "SLACK_APP_TOKEN=", ""),
    planted("sk_legacy", "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", "OPENAI_API_KEY=", ""),
    planted("kv1", "xlbHwMeaFWA3fVT", "DJANGO_SECRET_KEY=", ""),
    planted("hf", "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", "HF_TOKEN=", ""),
    planted("aws_ak3", "AKIA6NRNO5TIJFRULBO5", "aws_access_key_id = ", ""),
    planted("aws_sk2", "q+t4j+NypypQEYWYK8n6B8twbc5/NTDn2hfXjl0V", "aws_secret_access_key = ", ""),
    planted("aws_ak5", "AKIAGZE5ZDTHZLR63MY4", "deploy-bot,", ","),
    planted("aws_sk3", "IoUyI/LDTaBDwmecVTXxPSmVAK5x4GenC720oNWS", ",", ""),
    planted("aws_ak4", "ASIA7WGKFBESBKG5YMAP", r##"ntials":{"AccessKeyId":""##, r##"","SecretAccessK"##),
    planted("aws_sk4", "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", r##"","SecretAccessKey":""##, r##"","Expiration":""##),
    planted("ghp_url_user", "ghp_zymMlopiWfqUyHRSIf8NFmAUNLnY5Yx0y3Rn", "d not read from https://", "@github.com/acme"),
    planted("ghpat", "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", "tials (token github_pat=", ")"),
    planted("gho", "gho_Dsf7MHbuDL3aLaPYdAX5aayIbd0grTPyJtR2", r##"turned","access_token":""##, r##"","scope":"repo""##),
    planted("ghs", "ghs_W5ZdWHTq42YQlXQmlngKeYcZdLLZGGhbdM5U", " https://x-access-token:", "@github.com/acme"),
    planted("ghu", "ghu_uSI0HW5fZq04PhZMa8HJ6566gvh88TStPlF1", "user-to-server token ", " refreshed with "),
    planted("ghr", "ghr_7MjDTNC1rXuXqW5CV00SkjGHDiAFDc5meHbm", " refreshed with ", ""),
    planted("glpat", "glpat-FyE_I_xjSbEQNqPYxSkl", "ders={'PRIVATE-TOKEN': '", "', 'Accept': 'ap"),
    planted("glpat_r", "glpat-6GK3UmvsyIUj3KLOB4HhDkpp7VC.01.rivunckug", "nt using routable token ", " for project acm"),
    planted("gldt", "gldt-9N4bQVmHe1MYV1K8Jz5E", "//gitlab+deploy-token-7:", "@gitlab.example."),
    planted("glrt", "glrt-eqyr9b6tDAOX0Zs0nIBu", "runner: register: token ", " rejected"),
    planted("glrr", "GR1348941s97I6c0GALkF2EjONLIe", "nner registration token=", " expired"),
    planted("xoxb", "xoxb-986018494112-2180157737416-x6ngBq8YzzZv0dhP5wBezVam", "ror: invalid_auth token ", ""),
    planted("xoxp", "xoxp-243751659998-837507892415-9719919571264-d19f1da31dd16572447154334b54f0f2", r##"lback" slack_user_token="##, ""),
    planted("hook1", "TWZ6S5VK5/B68LWP1M05U/wfWwFkiG2q8VXENVYj52kyWd", "ooks.slack.com/services/", r##"","channel":"#al"##),
    planted("hook2", "TQIJOAQQ4HC/BTRKYB7HT8I/sh5R3g6Jgsle7xYHHqFKCH90", "ooks.slack.com/services/", " returned 404 no"),
    planted("sk_proj", "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", "Authorization: Bearer ", ""),
    planted("sk_svc", "sk-svcacct-mvX6aE5ZwVwAf97GAIpNwKJ7AYivWV72jWUdxURSRvRxL-vfGR13PpOytbsT", "rrect API key provided: ", "', 'type': 'inva"),
    planted("ant_api", "sk-ant-api03-Vx2X1HPz6MlI52qE2WmyysP2LfsN1aHI3IRhQd2dTuFAdHMDNmz-DRXbmPx-2pGr305yA2HKZjLsFRFjFyH1JUWOYfoSvAA", r##""headers":{"x-api-key":""##, r##"","anthropic-ver"##),
    planted("ant_admin", "sk-ant-admin01-EULTmF4XTtXYPqWLqPNDOI1qtiM4pcO5YKTDzqwMEz3nRP_SM4KyLMVtua4e5erKxgS0tztSK8Bkqzqap-kFM3pC7XkrkAA", "anthropic admin key ", " lacks scope"),
    planted("ant_oat", "sk-ant-oat01-v5nuqvbfYBRXgEPNSLMG23RKP7IDUc4duSS5FCtndNtA3_aEAvDU30lZgq_e-XlTa1uuPPgfKdL05y8UtgsDaqYX0T6CERfJAFol", "claude oauth token ", " expired at 2026"),
    planted("jwt1", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkYSIsImlhdCI6MTcxNjIzOTAyMn0.APCiP79-VeUK6ns2SImPx01SXulpGybKw-dczVfG_vA", "Authorization: Bearer ", ""),
    planted("jwt2", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1XzQyIiwicm9sZSI6ImFkbWluIiwiZXhwIjoxNzE2MjQyNjIyfQ.mkR1vJGQuuxcDWZPv45BduiPuYSNY8FxM41QQgkeAMY", "Cookie: session=", ""),
    planted("jwt3", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20iLCJhdWQiOiJvcmRlcnMiLCJleHAiOjE3MTYyMDAwMDB9.PXlULeWuz4PP8QkcV1TcV9jSPwjBdH2NA96K03UoVUA", "gnature has expired for ", ""),
    planted("jwt4", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsInNjb3BlIjoicmVhZCB3cml0ZSJ9.d2H6U7UFvKB-7CQYu20eb6QRukj52eCPKFzR2HYUVkw", r##"ser":"u_42","id_token":""##, r##"","ok":false}"##),
    planted("rsa", "cyMh6YfM5QYV5fmwNZxLKEw8VwfNxnx+IEVsOo6i0VQqr83bNch/mSEgwsk35nCe
fbq6KKbWgKM0vSv9OkO4gMAb+RpZcT3UOhQZLv6psQWRbemgF/L2dTdq9n6DNXHK
4EIPfC5uw59/9eCaPUKBNTotTxomQKyNHDu5IdJYaOGc97sFdcVCJdp4htr0aErf
b9BMx2mn5Fh1duMslJ2ZXf5SrL0EkenTEajZ+t4F7xi1nsGvfpyCSujwJaw1OOHv
47jLHBj7glHZKUj9pyhOORlckg3Pm80Hw7+UpTQag8Pw2dbrXdggHxA17O59VZg6
KuvyIb/7BMdj7ar/udDVlzE9HDb83lwwH9eVwLEhX9STvp0aglk9jl4Ms8abC+5l
Dlm15asJ3bdQAsEYbTju==", "-----BEGIN RSA PRIVATE KEY-----", ""),
    planted("openssh", "Raa+G2Woo1xwfFyNR0rzkAIPnlrcX5UdVU8LCjmkU2mfbNuXHI88pnVIVbB215cp
sylpFe5Y2le9gdfkOyfjD+JzGAonlg1AxzVxldIKWMvJyT5U6KxggVam0N/M4gQe
hJYCYOCOVy283I/0a/tEddzLf6Ci9TIzFhcwIlF6zpTUNvYJ52cx3bvExzUA4LoP
yyqfe9Cqs536V30mwo+H3H6MSUVfPgTyA9wzp7TkcF6uet2nr2wLGUlKW8xsg9yg
ob4ePsmdO2M6/8TOlL7fliWAvsrN4o==", "-----BEGIN OPENSSH PRIVATE KEY-----", ""),
    planted("ec_json", r##"Vx8nXNaWekRtWi/aZJJ4BG7OEuuuFm6KIsIEdp9PNMKpOwaO3TdYbfEK1KVzwyIZ\nFcKOynXsu6SQmgxM2lhstOayC4r8GLhkQShV//zpqz4p/yrTdxM3mKn9tj3tON/E\n0GRQ3Aniz2=="##, r##"IN EC PRIVATE KEY-----\n"##, r##"\n-----END EC PR"##),
    planted("pgp", "Qgg8qUORVC5ZjNZvNvJS6uGFJ2sNvAxc0qTug+KLlRpWbzt8O5kNExlHK3fgNyN4
Qy776OJW1tkdjPdOmArPO0aLGk0luGU2aRKDnfoJNQ+VHmORGL1zr5qumpAAe/CE
lAqahVinZ7Kd0AC1/Pt9Wh12FpB2O/PoxzO4yfuN7Hg5yk8dzk8u0+5Vu9DTFzK1
8OyeoLgYfh9S==", "", ""),
    planted("pem_trunc", "rbdf/FEEZFLwxEiYm0yZmAvDXvR4JYvyl7OBMliy7IGM1i13BiclzEc26dv0thxG
2wE2aSpdSF8tDgITbUBA9cIjOYVZnEv1NITX/dzmSvknPH2CPdAsvnljmMvppdpq
Appxw0NO==", "key dump truncated: -----BEGIN PRIVATE KEY-----", ""),
    planted("pw_pg", "nsWggUlZQvHSpf", "iled for postgres://app:", "@db.internal:543"),
    planted("pw_mysql", "L9L74XSb4Fpw3d", " (jdbc url mysql://root:", "@127.0.0.1:3306/"),
    planted("pw_redis", "OJkTFPiHKBAz9I", " connecting to redis://:", "@cache.internal:"),
    planted("pw_amqp", "AJrKznTjv9Kci4", "n refused (amqp://guest:", "@rabbit:5672//)"),
    planted("pw_mongo", "6IyFHRlbCocL12", "ED mongodb+srv://orders:", "@cluster0.ab1cd."),
    planted("pw_npmurl", "3VoSc8mXG7ohMI", "en - GET https://ci-bot:", "@registry.exampl"),
    planted("basic", "ZGVwbG95OjJvWEN2S1hKRllYTGxmVTFxTw==", "Authorization: Basic ", ""),
    planted("gh_api_hex", "e13d8739734248c61fce17d19cd2c9f6ab6256e9", "> authorization: token ", ""),
    planted("proxy_basic", "cHJveHl1c2VyOnBlTjRCZUE5U2lNZVA5UDY=", "xy-Authorization: Basic ", ""),
    planted("aws4_sig", "2f70c2f5c34cfa2706932c22976860483bd8ac2c53365ddfd056ef122ad95b84", "Authorization: AWS4-HMAC-SHA256 ", ""),
    planted("bearer_opaque", "KNnVgNIlS-AH59EGsZY3DnxBSv-GSW5hTYmZ", "Authorization': 'Bearer ", "', 'User-Agent':"),
    planted("digest_resp", "0e30480c5ec49f38bc9b45686985ba8b", "Authorization: Digest ", ""),
    planted("kv2", "8uEgKd0vtVD", "rders user=app password=", " host=db.interna"),
    planted("kv3", "Mp~*kRnP!diFbu4yJd76mN", r##"name":"ada","password":""##, r##""}"##),
    planted("kv4", "lOOUYGpXIsg^D*gKY", "  passwd: ", ""),
    planted("kv5", "XlolltWSvXCpqf8lG", "8};Server=db;Uid=sa;Pwd=", ";Encrypt=yes"),
    planted("kv6", "jpwe^9ksGork4RQ0", r##"s-web","client_secret":""##, r##"","grant_type":""##),
    planted("kv7", "c7KqQsptyVR40LylP8", " config: invalid secret=", " for tenant acme"),
    planted("kv8", "O^Ir~Yzbz8gXGZTm", "allback?state=abc&token=", "&next=%2Fhome HT"),
    planted("kv9", "RlUYCf!9yuk!dccwq", "de=4%2F0Ad&access_token=", "&expires_in=3599"),
    planted("kv10", "1pbMT~xm~ea8LY0DyrjCA", r##"fresh","refresh_token":""##, r##""}"##),
    planted("kv11", "94GP#k9moht#i7oduE", "ple.com failed: api_key=", " rejected"),
    planted("kv12", "oiO5k0N35pP5xtS1ylB*xE", "pstream refused apikey: ", ""),
    planted("kv13", "^z9xlqh!2eFn", "X-Api-Key: ", ""),
    planted("kv14", "u!dKMMBDkn41~KiIT6U", r##""signer","private_key":""##, r##""}"##),
    planted("kv15", "rT6jwdbFJDAc33rZe23~LN", "redis sentinel auth=", " failed"),
    planted("kv16", "f2AGqTBTaJ2NiG", "credentials: ", ""),
    planted("kv17", "*Dq7Jv21fxcLAoQYdSfK", " username=app, password=", "}"),
    planted("kv18", "gAbDruOp^VfX01", r##"ser=>"ada", :password=>""##, r##""}"##),
    planted("kv19", "Xt4cwCpUrww%cuILY8fC%", "] config ['db_pass' => '", "', 'db_user' => "),
    planted("kv20", "dHytty#8Z1*sye5bkzu", "ct(host='db', password='", "')"),
    planted("kv21", "5BvwjIzLIovqRqiD", "rs;User Id=app;Password=", ";"),
    planted("kv22", "j4073vVky8HwDT", "ing.datasource.password=", ""),
    planted("kv23", "O~PfCqX79G~~u0obAH", r##"":\"retry\",\"token\":\""##, r##"\"}\n","stream":"##),
    planted("kv24", "#ignL3uxecq9rUF*EtPVq", "ssh-keygen: passphrase=", " too short"),
    planted("kv25", "yCGnLR5M3FdT810cU", "Cookie: sessionid=", ""),
    planted("google", "AIzamHtRl2Atee8yDfTSWW5DlhOeHPcMZlFADF5", " 403 API key not valid: ", ""),
    planted("stripe", "sk_live_KxJmWsVTVvKgRakdf1rB3Yvb", "valid API Key provided: ", ""),
    planted("npm", "npm_rKfMJM7HpPs2ki5ZKEX8ZvBsY0biQRtmS6A1", "y.npmjs.org/:_authToken=", ""),
    planted("pypi", "pypi-AgEIcHlwaS5vcmcgYYVjvPYqm_34fiaqD_XYO_axAl1RSNM18wTe8fzCr7059YcIOSMHr49eC5m", "wine upload failed with ", ""),
    planted("sendgrid", "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", "rror 401: Unauthorized (", ")"),
    planted("ent1", "vsBwvY1FeUKgD/fgJOk5yI+UDVQaIwyEmNSc3tqo", "r: signing request with ", ""),
    planted("ent2", "U5oMdpe6uFMX5oHeOFT5t2R7U2VxVJiK9h8C9qFxyC2bCLsB", "Error: session ", " not found"),
    planted("ent3", "UkxeyQYcCrLdY7-e7OTyrGB2nKEAhowheM3hoky7LBH", r##"g="decrypt failed" blob "##, " trailing"),
    planted("ent4", "7pyCWOXl3gb3tZIz7LV1vPTeppPj6zoKHRHpxRjYkL7eJtFvNMmwYM9Znns9BZbM", "fallback key ", " loaded from cac"),
];

fn pieces(secret: &str) -> impl Iterator<Item = &str> {
    secret
        .split('\n')
        .flat_map(|line| line.split("\\n"))
        .filter(|piece| !piece.is_empty())
}

fn redacted() -> String {
    Redactor::new(&RedactOptions::default())
        .unwrap()
        .redact_string(FIXTURE)
}

#[test]
fn the_table_matches_the_fixture() {
    assert!(
        PLANTED.len() >= 70,
        "only {} planted secrets",
        PLANTED.len()
    );
    let mut distinct: Vec<&str> = PLANTED.iter().map(|p| p.secret).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), PLANTED.len(), "a secret is listed twice");
    for p in PLANTED {
        assert!(FIXTURE.contains(p.secret), "{}: not in the fixture", p.what);
        let first = p.secret.split('\n').next().unwrap();
        let at = FIXTURE.find(first).unwrap();
        let line_start = FIXTURE[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = FIXTURE[at..].find('\n').map_or(FIXTURE.len(), |i| at + i);
        if !p.secret.contains('\n') {
            assert!(
                FIXTURE[line_start..at].contains(p.before)
                    && FIXTURE[at..line_end].contains(p.after),
                "{}: context not on the secret's line",
                p.what
            );
        }
    }
}

#[test]
fn no_planted_secret_survives() {
    let out = redacted();
    let mut leaks = Vec::new();
    for p in PLANTED {
        for piece in pieces(p.secret) {
            if out.contains(piece) {
                leaks.push(format!("{}: {piece}", p.what));
                continue;
            }
            // No 12-character window either (a partly redacted secret).
            let bytes = piece.as_bytes();
            if let Some(window) = bytes
                .windows(12)
                .map(|w| std::str::from_utf8(w).unwrap())
                .find(|w| out.contains(w))
            {
                leaks.push(format!("{}: {window} (part of {piece})", p.what));
            }
        }
    }
    assert!(leaks.is_empty(), "leaked:\n{}", leaks.join("\n"));
}

#[test]
fn surrounding_text_survives() {
    let out = redacted();
    let mut lost = Vec::new();
    for p in PLANTED {
        for context in [p.before, p.after] {
            if !context.is_empty() && !out.contains(context) {
                lost.push(format!("{}: {context:?}", p.what));
            }
        }
    }
    assert!(lost.is_empty(), "lost context:\n{}", lost.join("\n"));
    // Lines without secrets are untouched.
    let out_lines: Vec<&str> = out.lines().collect();
    for line in FIXTURE.lines() {
        let has_secret = PLANTED
            .iter()
            .any(|p| pieces(p.secret).any(|piece| line.contains(piece)));
        if !has_secret && !line.starts_with("Version: ") {
            assert!(out_lines.contains(&line), "line changed: {line}");
        }
    }
}

#[test]
fn json_lines_stay_valid_json() {
    let redactor = Redactor::new(&RedactOptions::default()).unwrap();
    let mut checked = 0;
    for before in FIXTURE.lines() {
        if serde_json::from_str::<serde_json::Value>(before).is_ok() {
            let after = redactor.redact_string(before);
            assert_ne!(after, before, "nothing redacted in {before}");
            assert!(
                serde_json::from_str::<serde_json::Value>(&after).is_ok(),
                "no longer JSON: {after}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} JSON lines");
}

#[test]
fn every_provider_kind_is_found() {
    let redactor = Redactor::new(&RedactOptions::default()).unwrap();
    let found = redactor.redact(FIXTURE).findings;
    for kind in SecretKind::ALL {
        if matches!(
            kind,
            SecretKind::Email | SecretKind::IpAddress | SecretKind::Custom
        ) {
            continue;
        }
        assert!(
            found.iter().any(|f| f.kind == kind),
            "no {kind} finding in the planted corpus"
        );
    }
}

#[test]
fn redacted_fixture_snapshot() {
    insta::assert_snapshot!(redacted());
}

#[test]
fn findings_snapshot() {
    let redactor = Redactor::new(&RedactOptions::default()).unwrap();
    let out = redactor.redact(FIXTURE);
    let listing: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            let line = FIXTURE[..f.start].matches('\n').count() + 1;
            format!("line {line:>3}: {} ({} bytes)", f.kind, f.end - f.start)
        })
        .collect();
    insta::assert_snapshot!(listing.join("\n"));
}

#[test]
fn redacting_the_fixture_twice_changes_nothing() {
    let redactor = Redactor::new(&RedactOptions::default()).unwrap();
    let once = redactor.redact_string(FIXTURE);
    let twice = redactor.redact(&once);
    assert_eq!(twice.text, once);
    assert!(twice.findings.is_empty(), "{:?}", twice.findings);
}
