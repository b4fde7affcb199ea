//! The one table of routes. The router is built from it and the tests check
//! the OpenAPI document against it, so a route cannot be served without being
//! documented, nor documented without being served.

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
}

impl HttpMethod {
    /// The lower-case name, as OpenAPI's path items spell it.
    pub fn openapi_name(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
        }
    }

    pub fn as_http(self) -> axum::http::Method {
        match self {
            HttpMethod::Get => axum::http::Method::GET,
            HttpMethod::Post => axum::http::Method::POST,
            HttpMethod::Put => axum::http::Method::PUT,
        }
    }
}

/// What a route does; each has exactly one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    ListGroups,
    GetGroup,
    RetryGroup,
    IgnoreGroup,
    ResolveGroup,
    ReopenGroup,
    ListJobs,
    RequeueJob,
    GetQueue,
    SetPaused,
    OpenApi,
}

/// One route: method and path (axum's and OpenAPI's `{param}` syntax are
/// the same), and whether it needs the bearer token when one is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: HttpMethod,
    pub path: &'static str,
    pub endpoint: Endpoint,
    pub auth: bool,
}

const fn route(method: HttpMethod, path: &'static str, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        endpoint,
        auth: true,
    }
}

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    route(HttpMethod::Get, "/api/v1/groups", Endpoint::ListGroups),
    route(HttpMethod::Get, "/api/v1/groups/{id}", Endpoint::GetGroup),
    route(
        HttpMethod::Post,
        "/api/v1/groups/{id}/retry",
        Endpoint::RetryGroup,
    ),
    route(
        HttpMethod::Post,
        "/api/v1/groups/{id}/ignore",
        Endpoint::IgnoreGroup,
    ),
    route(
        HttpMethod::Post,
        "/api/v1/groups/{id}/resolve",
        Endpoint::ResolveGroup,
    ),
    route(
        HttpMethod::Post,
        "/api/v1/groups/{id}/reopen",
        Endpoint::ReopenGroup,
    ),
    route(HttpMethod::Get, "/api/v1/jobs", Endpoint::ListJobs),
    route(
        HttpMethod::Post,
        "/api/v1/jobs/{id}/requeue",
        Endpoint::RequeueJob,
    ),
    route(HttpMethod::Get, "/api/v1/queue", Endpoint::GetQueue),
    route(HttpMethod::Put, "/api/v1/queue/pause", Endpoint::SetPaused),
    // The document describes the API and holds no data, so tools may read
    // it without the token.
    Route {
        auth: false,
        ..route(HttpMethod::Get, "/api/v1/openapi.json", Endpoint::OpenApi)
    },
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn routes_are_unique_and_under_the_prefix() {
        let mut seen = HashSet::new();
        let mut endpoints = HashSet::new();
        for r in ROUTES {
            assert!(r.path.starts_with("/api/v1/"), "{}", r.path);
            assert!(seen.insert((r.method, r.path)), "{:?} {}", r.method, r.path);
            assert!(endpoints.insert(r.endpoint), "{:?} twice", r.endpoint);
        }
    }

    #[test]
    fn only_the_document_is_open() {
        let open: Vec<_> = ROUTES.iter().filter(|r| !r.auth).map(|r| r.path).collect();
        assert_eq!(open, ["/api/v1/openapi.json"]);
    }
}
