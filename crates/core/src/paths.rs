//! Path normalization: from the path a runtime printed to the path relative to
//! the application, with deploy prefixes, virtualenvs and library installs stripped.

use std::sync::LazyLock;

use regex::Regex;

static STDLIB_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|/)(?:lib|lib64)/(?:python|pypy)\d(?:\.\d+)?t?/|/Lib/|(?:^|/)python\d{2,3}\.zip/",
    )
    .expect("stdlib regex")
});

/// Prefixes that only say where the application was deployed. The longest match wins.
static DEPLOY_PREFIX_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            .*/(?:site|dist)-packages/             # an installed package: keep its import path
          | /var/task/                             # AWS Lambda
          | /usr/src/app/ | /usr/app/
          | /home/[^/]+/(?:(?:releases|deploys?)/[^/]+/)?(?:(?:app|src|code|current)/)?
          | /opt/[^/]+/(?:(?:releases|deploys?)/[^/]+/)?(?:(?:app|src|current)/)?
          | /srv/(?:www/)?(?:[^/]+/)?(?:(?:releases|deploys?)/[^/]+/)?(?:current/)?
          | /app/ | /code/ | /workspace/ | /src/
          | [A-Za-z]:/(?:[^/]+/)*(?:app|src|srv)/
        )",
    )
    .expect("deploy prefix regex")
});

/// Returns true for frames of the Python standard library (but not of
/// packages installed next to it).
pub(crate) fn is_python_stdlib(path: &str) -> bool {
    !path.contains("-packages/") && STDLIB_RE.is_match(path)
}

/// The path relative to the application: Windows separators turned into `/`,
/// then a known deploy prefix (or everything up to `site-packages/`) removed.
pub fn app_relative(path: &str) -> String {
    let unified = path.replace('\\', "/");
    if unified.starts_with('<') {
        return unified;
    }
    if let Some(m) = DEPLOY_PREFIX_RE.find(&unified) {
        return unified[m.end()..].to_string();
    }
    if let Some(m) = STDLIB_RE.find(&unified) {
        return unified[m.end()..].to_string();
    }
    unified
}

/// The last component of a normalized path, lowercased (Sentry groups on this).
pub(crate) fn basename_lower(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_deploy_prefixes() {
        assert_eq!(app_relative("/app/orders/service.py"), "orders/service.py");
        assert_eq!(app_relative("/var/task/app.py"), "app.py");
        assert_eq!(
            app_relative("/srv/www/shop/orders/service.py"),
            "orders/service.py"
        );
        assert_eq!(
            app_relative("/home/deploy/releases/20261121/app/orders.py"),
            "orders.py"
        );
        assert_eq!(
            app_relative("/venv/lib/python3.11/site-packages/requests/adapters.py"),
            "requests/adapters.py"
        );
        assert_eq!(
            app_relative("/usr/lib/python3.11/json/decoder.py"),
            "json/decoder.py"
        );
        assert_eq!(
            app_relative("<frozen importlib._bootstrap>"),
            "<frozen importlib._bootstrap>"
        );
        assert_eq!(app_relative(r"C:\srv\app\orders.py"), "orders.py");
    }

    #[test]
    fn stdlib() {
        assert!(is_python_stdlib("/usr/lib/python3.11/json/decoder.py"));
        assert!(is_python_stdlib(
            "/root/.pyenv/versions/3.11.7/lib/python3.11/asyncio/runners.py"
        ));
        assert!(!is_python_stdlib(
            "/usr/lib/python3/dist-packages/yaml/x.py"
        ));
        assert!(!is_python_stdlib("/app/lib/python_utils.py"));
    }
}
