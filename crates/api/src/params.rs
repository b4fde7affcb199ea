//! Query parameters, path ids and bodies, checked strictly: an unknown,
//! repeated or malformed parameter is a 400 that names it, so a typo never
//! silently widens a query.

use std::collections::BTreeMap;

use serde::Deserialize;
use tracefix_store::{GroupQuery, GroupSort, GroupStatus, JobFilter, JobStatus, SortOrder};
use uuid::Uuid;

use crate::error::ApiError;

/// Page size when the client gives none.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 500;
/// The longest text filter accepted.
pub const MAX_TEXT_CHARS: usize = 200;

/// The parameters of one request, each at most once, all of them known.
struct Params<'a> {
    values: BTreeMap<&'a str, &'a str>,
}

impl<'a> Params<'a> {
    fn new(pairs: &'a [(String, String)], known: &[&str]) -> Result<Self, ApiError> {
        let mut values = BTreeMap::new();
        for (name, value) in pairs {
            if !known.contains(&name.as_str()) {
                return Err(ApiError::BadRequest(format!(
                    "unknown parameter {:?}; expected {}",
                    cut(name),
                    known.join(", ")
                )));
            }
            if values.insert(name.as_str(), value.as_str()).is_some() {
                return Err(ApiError::BadRequest(format!(
                    "parameter {name:?} is given more than once"
                )));
            }
        }
        Ok(Params { values })
    }

    /// The value, `None` when absent or empty (`?status=` means no filter).
    fn get(&self, name: &str) -> Option<&'a str> {
        self.values.get(name).copied().filter(|v| !v.is_empty())
    }

    fn parse<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => parse(value).map(Some).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "parameter {name:?} is {:?}; expected {expected}",
                    cut(value)
                ))
            }),
        }
    }

    fn limit(&self) -> Result<u32, ApiError> {
        let expected = format!("a whole number from 1 to {MAX_LIMIT}");
        Ok(self
            .parse(
                "limit",
                |v| {
                    v.parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                },
                &expected,
            )?
            .unwrap_or(DEFAULT_LIMIT))
    }
}

/// A value cut for an error message (clients may send anything).
fn cut(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", ")
}

/// `GET /api/v1/groups`: status, language, q, sort, order, limit, offset.
pub fn group_query(pairs: &[(String, String)]) -> Result<GroupQuery, ApiError> {
    let params = Params::new(
        pairs,
        &[
            "status", "language", "q", "sort", "order", "limit", "offset",
        ],
    )?;
    let status = params.parse(
        "status",
        |v| v.parse::<GroupStatus>().ok(),
        &names(&GroupStatus::ALL, GroupStatus::as_str),
    )?;
    let sort = params.parse(
        "sort",
        |v| v.parse::<GroupSort>().ok(),
        &names(&GroupSort::ALL, GroupSort::as_str),
    )?;
    let order = params.parse(
        "order",
        |v| v.parse::<SortOrder>().ok(),
        &names(&SortOrder::ALL, SortOrder::as_str),
    )?;
    let language = params.parse(
        "language",
        |v| {
            (v.len() <= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .then(|| v.to_string())
        },
        "a language name such as python, java, javascript, go, ruby, php, dotnet or rust",
    )?;
    let text = params.parse(
        "q",
        |v| (v.chars().count() <= MAX_TEXT_CHARS).then(|| v.to_string()),
        &format!("at most {MAX_TEXT_CHARS} characters"),
    )?;
    let offset = params
        .parse(
            "offset",
            |v| v.parse::<u64>().ok().filter(|n| *n <= i64::MAX as u64),
            "a whole number from 0",
        )?
        .unwrap_or(0);
    Ok(GroupQuery {
        status,
        language,
        text,
        sort: sort.unwrap_or_default(),
        order: order.unwrap_or_default(),
        limit: Some(params.limit()?),
        offset,
    })
}

/// `GET /api/v1/jobs`: status, group, limit.
pub fn job_filter(pairs: &[(String, String)]) -> Result<JobFilter, ApiError> {
    let params = Params::new(pairs, &["status", "group", "limit"])?;
    Ok(JobFilter {
        status: params.parse(
            "status",
            |v| v.parse::<JobStatus>().ok(),
            &names(&JobStatus::ALL, JobStatus::as_str),
        )?,
        group_id: params.parse("group", parse_uuid, "a group id (a UUID)")?,
        limit: Some(params.limit()?),
    })
}

/// Routes without parameters refuse any, so a client's mistake shows.
pub fn no_params(pairs: &[(String, String)]) -> Result<(), ApiError> {
    Params::new(pairs, &[]).map(|_| ())
}

fn parse_uuid(text: &str) -> Option<Uuid> {
    Uuid::try_parse(text.trim()).ok()
}

/// A path id: a UUID, else 400.
pub fn path_id(text: &str, what: &str) -> Result<Uuid, ApiError> {
    parse_uuid(text).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{:?} is not a {what} id; expected a UUID like 019a4f2e-8c1b-7d3e-9f00-1a2b3c4d5e6f",
            cut(text)
        ))
    })
}

/// The body of `PUT /api/v1/queue/pause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseBody {
    pub paused: bool,
}

/// A JSON body: the media type must be `application/json`; bad syntax is
/// 400, the wrong shape 422, each with serde's reason.
pub fn json_body<T: for<'de> Deserialize<'de>>(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<T, ApiError> {
    let media = content_type
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body must be JSON sent as Content-Type: application/json (got {})",
            if media.is_empty() {
                "none".to_string()
            } else {
                format!("{:?}", cut(media))
            }
        )));
    }
    // Syntax first (400), then shape (422); only an object is accepted,
    // though serde would also fill a struct from an array.
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::Unprocessable(
            "the body must be a JSON object".into(),
        ));
    }
    T::deserialize(value)
        .map_err(|e| ApiError::Unprocessable(format!("the body is not valid: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn message(e: ApiError) -> String {
        e.to_string()
    }

    #[test]
    fn group_query_defaults_and_values() {
        let q = group_query(&[]).unwrap();
        assert_eq!(
            q,
            GroupQuery {
                limit: Some(DEFAULT_LIMIT),
                ..GroupQuery::default()
            }
        );
        let q = group_query(&pairs(&[
            ("status", "failed"),
            ("language", "python"),
            ("q", "KeyError 'sku'"),
            ("sort", "count"),
            ("order", "asc"),
            ("limit", "10"),
            ("offset", "20"),
        ]))
        .unwrap();
        assert_eq!(q.status, Some(GroupStatus::Failed));
        assert_eq!(q.language.as_deref(), Some("python"));
        assert_eq!(q.text.as_deref(), Some("KeyError 'sku'"));
        assert_eq!((q.sort, q.order), (GroupSort::Count, SortOrder::Asc));
        assert_eq!((q.limit, q.offset), (Some(10), 20));
        // Empty values mean "no filter".
        let q = group_query(&pairs(&[("status", ""), ("q", "")])).unwrap();
        assert_eq!((q.status, q.text), (None, None));
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (name, value) in [
            ("status", "open"),
            ("sort", "size"),
            ("order", "up"),
            ("limit", "0"),
            ("limit", "501"),
            ("limit", "ten"),
            ("offset", "-1"),
            ("language", "c++"),
        ] {
            let e = group_query(&pairs(&[(name, value)])).unwrap_err();
            assert_eq!(e.status(), 400);
            assert!(message(e).contains(&format!("{name:?}")), "{name}={value}");
        }
        let e = group_query(&pairs(&[("q", &"x".repeat(201))])).unwrap_err();
        assert!(message(e).contains("\"q\""));
        let e = group_query(&pairs(&[("stauts", "new")])).unwrap_err();
        assert!(message(e).contains("unknown parameter \"stauts\""));
        let e = group_query(&pairs(&[("limit", "1"), ("limit", "2")])).unwrap_err();
        assert!(message(e).contains("more than once"));
    }

    #[test]
    fn job_filters() {
        let id = "019a4f2e-8c1b-7d3e-9f00-1a2b3c4d5e6f";
        let f = job_filter(&pairs(&[("status", "dead"), ("group", id), ("limit", "5")])).unwrap();
        assert_eq!(f.status, Some(JobStatus::Dead));
        assert_eq!(f.group_id, Some(id.parse().unwrap()));
        assert_eq!(f.limit, Some(5));
        assert!(message(job_filter(&pairs(&[("group", "42")])).unwrap_err()).contains("\"group\""));
        assert!(message(job_filter(&pairs(&[("status", "new")])).unwrap_err()).contains("dead"));
        assert!(no_params(&pairs(&[("x", "1")])).is_err());
        assert!(no_params(&[]).is_ok());
    }

    #[test]
    fn ids_and_long_values_in_messages() {
        assert!(path_id(" 019a4f2e-8c1b-7d3e-9f00-1a2b3c4d5e6f ", "group").is_ok());
        let e = path_id(&"z".repeat(1000), "group").unwrap_err();
        assert!(message(e).len() < 300, "cut");
    }

    #[test]
    fn bodies() {
        let json = Some("application/json; charset=utf-8");
        assert_eq!(
            json_body::<PauseBody>(json, br#"{"paused": true}"#).unwrap(),
            PauseBody { paused: true }
        );
        let status = |ct, body: &[u8]| json_body::<PauseBody>(ct, body).unwrap_err().status();
        assert_eq!(status(json, b"{"), 400);
        assert_eq!(status(json, b""), 400);
        assert_eq!(status(json, br#"{"paused": "yes"}"#), 422);
        assert_eq!(status(json, br#"{}"#), 422);
        assert_eq!(status(json, br#"{"paused": true, "until": 1}"#), 422);
        assert_eq!(status(json, br#"[true]"#), 422);
        assert_eq!(status(json, br#"true"#), 422);
        assert_eq!(status(Some("text/plain"), br#"{"paused": true}"#), 415);
        assert_eq!(status(None, br#"{"paused": true}"#), 415);
    }
}
