//! The languages the localizer parses, chosen by file extension, and the
//! tree-sitter node kinds that mean "function", "class", "import" and "call"
//! in each grammar.

use tree_sitter::Language;

/// A source language with a tree-sitter grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceLanguage {
    Python,
    JavaScript,
    TypeScript,
    /// TypeScript with JSX (`.tsx`): a grammar of its own.
    Tsx,
    Java,
    Go,
    Ruby,
    Php,
    CSharp,
    Rust,
}

impl SourceLanguage {
    /// The language of a file by its extension (case-insensitive); `None` for
    /// files no grammar covers, which get a window of lines instead.
    pub fn from_path(path: &str) -> Option<SourceLanguage> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let (_, extension) = name.rsplit_once('.')?;
        let language = match extension.to_ascii_lowercase().as_str() {
            "py" | "pyi" | "pyw" => SourceLanguage::Python,
            "js" | "mjs" | "cjs" | "jsx" => SourceLanguage::JavaScript,
            "ts" | "mts" | "cts" => SourceLanguage::TypeScript,
            "tsx" => SourceLanguage::Tsx,
            "java" => SourceLanguage::Java,
            "go" => SourceLanguage::Go,
            "rb" | "rake" => SourceLanguage::Ruby,
            "php" | "phtml" => SourceLanguage::Php,
            "cs" => SourceLanguage::CSharp,
            "rs" => SourceLanguage::Rust,
            _ => return None,
        };
        Some(language)
    }

    /// Languages whose files call each other's functions: JavaScript and the
    /// TypeScript dialects import one another, so a definition is looked for
    /// across all three.
    pub fn family(self) -> SourceLanguage {
        match self {
            SourceLanguage::TypeScript | SourceLanguage::Tsx => SourceLanguage::JavaScript,
            other => other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceLanguage::Python => "python",
            SourceLanguage::JavaScript => "javascript",
            SourceLanguage::TypeScript => "typescript",
            SourceLanguage::Tsx => "tsx",
            SourceLanguage::Java => "java",
            SourceLanguage::Go => "go",
            SourceLanguage::Ruby => "ruby",
            SourceLanguage::Php => "php",
            SourceLanguage::CSharp => "csharp",
            SourceLanguage::Rust => "rust",
        }
    }

    pub(crate) fn grammar(self) -> Language {
        match self {
            SourceLanguage::Python => tree_sitter_python::LANGUAGE.into(),
            SourceLanguage::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            SourceLanguage::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            SourceLanguage::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            SourceLanguage::Java => tree_sitter_java::LANGUAGE.into(),
            SourceLanguage::Go => tree_sitter_go::LANGUAGE.into(),
            SourceLanguage::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            // The grammar with HTML text around `<?php`: real files start with the tag.
            SourceLanguage::Php => tree_sitter_php::LANGUAGE_PHP.into(),
            SourceLanguage::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
            SourceLanguage::Rust => tree_sitter_rust::LANGUAGE.into(),
        }
    }

    pub(crate) fn spec(self) -> &'static Spec {
        match self {
            SourceLanguage::Python => &PYTHON,
            SourceLanguage::JavaScript | SourceLanguage::TypeScript | SourceLanguage::Tsx => {
                &JAVASCRIPT
            }
            SourceLanguage::Java => &JAVA,
            SourceLanguage::Go => &GO,
            SourceLanguage::Ruby => &RUBY,
            SourceLanguage::Php => &PHP,
            SourceLanguage::CSharp => &CSHARP,
            SourceLanguage::Rust => &RUST,
        }
    }
}

/// The node kinds of one grammar (TypeScript's grammars extend JavaScript's
/// with the same names, so they share one table).
pub(crate) struct Spec {
    /// Named functions and methods: the units a snippet shows.
    pub functions: &'static [&'static str],
    /// Anonymous functions that count as functions when bound to a name
    /// (`const total = () => …`, `{ total: function () … }`).
    pub named_closures: &'static [&'static str],
    /// Parents that own a function's span (`@decorator` blocks, `export`).
    pub wrappers: &'static [&'static str],
    /// Class-like nodes whose first line is shown above a method.
    pub containers: &'static [&'static str],
    /// Leading siblings kept with a function: comments, decorators, attributes.
    pub attached: &'static [&'static str],
    /// Nodes that are imports, shown whole.
    pub imports: &'static [&'static str],
    /// Declarations shown by their first line only (a namespace with a body).
    pub import_headers: &'static [&'static str],
    /// Call nodes and the field that holds the callee.
    pub calls: &'static [(&'static str, &'static str)],
}

const COMMENTS: &[&str] = &["comment", "line_comment", "block_comment"];

static PYTHON: Spec = Spec {
    functions: &["function_definition"],
    named_closures: &[],
    wrappers: &["decorated_definition"],
    containers: &["class_definition"],
    attached: COMMENTS,
    imports: &[
        "import_statement",
        "import_from_statement",
        "future_import_statement",
    ],
    import_headers: &[],
    calls: &[("call", "function")],
};

static JAVASCRIPT: Spec = Spec {
    functions: &[
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
    ],
    named_closures: &["arrow_function", "function_expression", "function"],
    wrappers: &["export_statement"],
    containers: &["class_declaration", "class", "abstract_class_declaration"],
    attached: &["comment", "decorator"],
    imports: &["import_statement"],
    import_headers: &[],
    calls: &[("call_expression", "function")],
};

static JAVA: Spec = Spec {
    functions: &[
        "method_declaration",
        "constructor_declaration",
        "compact_constructor_declaration",
    ],
    named_closures: &[],
    wrappers: &[],
    containers: &[
        "class_declaration",
        "interface_declaration",
        "enum_declaration",
        "record_declaration",
    ],
    attached: COMMENTS,
    imports: &["package_declaration", "import_declaration"],
    import_headers: &[],
    calls: &[("method_invocation", "name")],
};

static GO: Spec = Spec {
    functions: &["function_declaration", "method_declaration"],
    named_closures: &[],
    wrappers: &[],
    containers: &[],
    attached: COMMENTS,
    imports: &["package_clause", "import_declaration"],
    import_headers: &[],
    calls: &[("call_expression", "function")],
};

static RUBY: Spec = Spec {
    functions: &["method", "singleton_method"],
    named_closures: &[],
    wrappers: &[],
    containers: &["class", "module", "singleton_class"],
    attached: COMMENTS,
    // `require` is an ordinary call in Ruby: see `syntax::ruby_require`.
    imports: &[],
    import_headers: &[],
    calls: &[("call", "method")],
};

static PHP: Spec = Spec {
    functions: &["function_definition", "method_declaration"],
    named_closures: &[],
    wrappers: &[],
    containers: &[
        "class_declaration",
        "interface_declaration",
        "trait_declaration",
        "enum_declaration",
    ],
    attached: COMMENTS,
    imports: &["namespace_use_declaration"],
    import_headers: &["namespace_definition"],
    calls: &[
        ("function_call_expression", "function"),
        ("member_call_expression", "name"),
        ("nullsafe_member_call_expression", "name"),
        ("scoped_call_expression", "name"),
    ],
};

static CSHARP: Spec = Spec {
    functions: &[
        "method_declaration",
        "constructor_declaration",
        "destructor_declaration",
        "local_function_statement",
        "operator_declaration",
        "property_declaration",
    ],
    named_closures: &[],
    wrappers: &[],
    containers: &[
        "class_declaration",
        "struct_declaration",
        "interface_declaration",
        "record_declaration",
    ],
    attached: COMMENTS,
    imports: &["using_directive"],
    import_headers: &["namespace_declaration", "file_scoped_namespace_declaration"],
    calls: &[("invocation_expression", "function")],
};

static RUST: Spec = Spec {
    functions: &["function_item"],
    named_closures: &[],
    wrappers: &[],
    containers: &["impl_item", "trait_item"],
    attached: &["line_comment", "block_comment", "attribute_item"],
    imports: &["use_declaration", "extern_crate_declaration"],
    import_headers: &[],
    calls: &[("call_expression", "function")],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_extension() {
        assert_eq!(
            SourceLanguage::from_path("a/b.py"),
            Some(SourceLanguage::Python)
        );
        assert_eq!(
            SourceLanguage::from_path("C:\\x\\Cart.CS"),
            Some(SourceLanguage::CSharp)
        );
        assert_eq!(
            SourceLanguage::from_path("web/App.tsx"),
            Some(SourceLanguage::Tsx)
        );
        assert_eq!(
            SourceLanguage::from_path("lib/tasks/x.rake"),
            Some(SourceLanguage::Ruby)
        );
        assert_eq!(SourceLanguage::from_path("Makefile"), None);
        assert_eq!(SourceLanguage::from_path("a.kt"), None);
        assert_eq!(
            SourceLanguage::from_path(".py"),
            Some(SourceLanguage::Python)
        );
    }

    /// Every grammar loads with the tree-sitter runtime's ABI.
    #[test]
    fn every_grammar_loads() {
        for language in [
            SourceLanguage::Python,
            SourceLanguage::JavaScript,
            SourceLanguage::TypeScript,
            SourceLanguage::Tsx,
            SourceLanguage::Java,
            SourceLanguage::Go,
            SourceLanguage::Ruby,
            SourceLanguage::Php,
            SourceLanguage::CSharp,
            SourceLanguage::Rust,
        ] {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&language.grammar())
                .unwrap_or_else(|e| panic!("{}: {e}", language.as_str()));
        }
    }
}
