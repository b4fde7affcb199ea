//! The templates and static files, embedded in the binary.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::DashboardError;

const TEMPLATES: [(&str, &str); 4] = [
    ("base.html", include_str!("../templates/base.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("group.html", include_str!("../templates/group.html")),
    ("login.html", include_str!("../templates/login.html")),
];

pub const STYLESHEET: &str = include_str!("../static/app.css");
pub const SCRIPT: &str = include_str!("../static/app.js");

pub(crate) struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        // Everything shown comes from logs, models and forges: HTML is
        // escaped unless a template says otherwise (none does).
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        // A misspelt variable is a bug to see in tests, not an empty string.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and a test renders each:
            // a syntax error cannot reach a release.
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("embedded template {name}: {e:#}"));
        }
        Templates { env }
    }

    pub fn render(
        &self,
        name: &'static str,
        context: impl Serialize,
    ) -> Result<String, DashboardError> {
        let template_error = |source| DashboardError::Template {
            template: name,
            source,
        };
        self.env
            .get_template(name)
            .map_err(template_error)?
            .render(context)
            .map_err(template_error)
    }
}
