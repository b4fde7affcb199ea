//! What tree-sitter tells about one source file: the function enclosing a
//! line, every function definition, the import lines, and the names a
//! function calls.
//!
//! Every walk is iterative (a `TreeCursor`, no recursion), so a deeply nested
//! input cannot overflow the stack; tree-sitter itself never fails on bad
//! input but marks `ERROR` nodes, which the walks step over like any other node.

use std::ops::Range;

use tree_sitter::{Node, Parser, Tree, TreeCursor};

use crate::lang::{SourceLanguage, Spec};

/// Files larger than this are not parsed (they get a window of lines):
/// generated or minified files, where a function span means little and
/// parsing would cost more than the context is worth.
pub const MAX_PARSE_BYTES: usize = 1 << 20;

/// At most this many distinct callee names are collected from one function.
pub const MAX_CALLEES: usize = 48;

/// A function, method or named closure found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpan {
    /// The name as written (`total`); `anonymous` for a function without one.
    pub name: String,
    /// The name with its enclosing classes (`Cart.total`).
    pub qualified_name: String,
    /// 1-based, inclusive; covers decorators, attributes and the doc comments
    /// attached above the function.
    pub start_line: u32,
    pub end_line: u32,
    /// The declaration lines of the enclosing classes (`class Cart:`,
    /// `impl Cart {`), outermost first, each before `start_line`.
    pub header_lines: Vec<u32>,
    /// The bytes of the function node itself (where its calls are looked for).
    pub(crate) byte_range: Range<usize>,
}

/// A source file, split into lines and (for a known language within the size
/// limit) parsed.
pub struct ParsedSource {
    language: Option<SourceLanguage>,
    text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    tree: Option<Tree>,
}

impl ParsedSource {
    pub fn new(language: Option<SourceLanguage>, text: String) -> ParsedSource {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(&text));
        // A final newline ends the last line rather than starting an empty one.
        if line_starts.len() > 1 && *line_starts.last().unwrap_or(&0) == text.len() {
            line_starts.pop();
        }
        let tree = match language {
            Some(language) if text.len() <= MAX_PARSE_BYTES => {
                let mut parser = Parser::new();
                // The grammars are checked to load in tests; a failure here
                // would only lose the syntax, not the context.
                parser
                    .set_language(&language.grammar())
                    .ok()
                    .and_then(|()| parser.parse(&text, None))
            }
            _ => None,
        };
        ParsedSource {
            language,
            text,
            line_starts,
            tree,
        }
    }

    pub fn language(&self) -> Option<SourceLanguage> {
        self.language
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether tree-sitter parsed the file (a known language within the size limit).
    pub fn is_parsed(&self) -> bool {
        self.tree.is_some()
    }

    /// Whether the parse found syntax errors (the tree is still used).
    pub fn has_syntax_errors(&self) -> bool {
        self.tree
            .as_ref()
            .is_some_and(|t| t.root_node().has_error())
    }

    pub fn line_count(&self) -> u32 {
        if self.text.is_empty() {
            0
        } else {
            u32::try_from(self.line_starts.len()).unwrap_or(u32::MAX)
        }
    }

    /// Line `number` (1-based) without its line ending; empty past the end.
    pub fn line(&self, number: u32) -> &str {
        let Some(index) = (number as usize).checked_sub(1) else {
            return "";
        };
        let Some(&start) = self.line_starts.get(index) else {
            return "";
        };
        let end = self
            .line_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        line.strip_suffix('\r').unwrap_or(line)
    }

    /// The smallest named function, method or closure containing `line` (1-based).
    pub fn enclosing_function(&self, line: u32) -> Option<FunctionSpan> {
        let tree = self.tree.as_ref()?;
        let spec = self.language?.spec();
        let row = (line as usize).checked_sub(1)?;
        let mut best = None;
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            if node.start_position().row <= row && row <= last_row(node) {
                if function_name(spec, node, self.text.as_bytes()).is_some() {
                    best = Some(node);
                }
                if cursor.goto_first_child() {
                    continue;
                }
            }
            if !advance(&mut cursor) {
                break;
            }
        }
        best.map(|node| self.describe(spec, node))
    }

    /// Every function, method and named closure of the file, in source order.
    pub fn functions(&self) -> Vec<FunctionSpan> {
        let (Some(tree), Some(language)) = (self.tree.as_ref(), self.language) else {
            return Vec::new();
        };
        let spec = language.spec();
        let mut found = Vec::new();
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            if function_name(spec, node, self.text.as_bytes()).is_some() {
                found.push(self.describe(spec, node));
            }
            if !cursor.goto_first_child() && !advance(&mut cursor) {
                break;
            }
        }
        found
    }

    /// The functions of the file called `name`, in source order.
    pub fn definitions_named(&self, name: &str) -> Vec<FunctionSpan> {
        if !self.text.contains(name) {
            return Vec::new();
        }
        self.functions()
            .into_iter()
            .filter(|f| f.name == name)
            .collect()
    }

    /// The lines holding the file's imports (`import`, `from … import`,
    /// `require`, `use`, `using`, `package`, a namespace's first line), in
    /// order; imports inside functions and classes are left out (the function
    /// itself shows them).
    pub fn import_lines(&self) -> Vec<u32> {
        let (Some(tree), Some(language)) = (self.tree.as_ref(), self.language) else {
            return Vec::new();
        };
        let spec = language.spec();
        let source = self.text.as_bytes();
        let mut rows: Vec<usize> = Vec::new();
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            let kind = node.kind();
            let mut descend = true;
            if spec.imports.contains(&kind) || is_extra_import(language, node, source) {
                rows.extend(node.start_position().row..=last_row(node));
                descend = false;
            } else if spec.import_headers.contains(&kind) {
                rows.push(node.start_position().row);
            } else if spec.functions.contains(&kind)
                || spec.named_closures.contains(&kind)
                || spec.containers.contains(&kind)
                // A Rust module with a body has imports of its own.
                || (language == SourceLanguage::Rust && kind == "mod_item")
            {
                descend = false;
            }
            let descended = descend && cursor.goto_first_child();
            if !descended && !advance(&mut cursor) {
                break;
            }
        }
        rows.sort_unstable();
        rows.dedup();
        rows.into_iter().map(row_to_line).collect()
    }

    /// The names `function` calls (the last identifier of each callee:
    /// `self.repo.load(…)` → `load`), in order of first appearance, without
    /// repeats, at most [`MAX_CALLEES`].
    pub fn callees(&self, function: &FunctionSpan) -> Vec<String> {
        let (Some(tree), Some(language)) = (self.tree.as_ref(), self.language) else {
            return Vec::new();
        };
        let spec = language.spec();
        let source = self.text.as_bytes();
        let range = &function.byte_range;
        let mut names: Vec<String> = Vec::new();
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            let inside = node.start_byte() < range.end && range.start < node.end_byte();
            if inside {
                if let Some(name) = callee(spec, node, source)
                    && !names.iter().any(|n| n == name)
                {
                    names.push(name.to_string());
                    if names.len() == MAX_CALLEES {
                        break;
                    }
                }
                if cursor.goto_first_child() {
                    continue;
                }
            }
            if !advance(&mut cursor) {
                break;
            }
        }
        names
    }

    fn describe(&self, spec: &Spec, function: Node<'_>) -> FunctionSpan {
        let source = self.text.as_bytes();
        let name = function_name(spec, function, source)
            .unwrap_or("anonymous")
            .to_string();
        let owner = owning_node(spec, function);
        let start_row = attached_start(spec, owner, source).start_position().row;
        let mut scopes = Vec::new();
        let mut header_rows = Vec::new();
        let mut ancestor = function.parent();
        while let Some(node) = ancestor {
            if let Some(outer) = function_name(spec, node, source) {
                scopes.push(outer.to_string());
            } else if spec.containers.contains(&node.kind()) {
                let declared = node
                    .child_by_field_name("name")
                    .or_else(|| node.child_by_field_name("type"))
                    .unwrap_or(node);
                if let Ok(class) = declared.utf8_text(source) {
                    scopes.push(class.to_string());
                }
                let row = declared.start_position().row;
                if row < start_row {
                    header_rows.push(row);
                }
            }
            ancestor = node.parent();
        }
        // A Go method belongs to its receiver's type: `func (c *Cart) Average()`.
        if let Some(receiver) = function.child_by_field_name("receiver")
            && let Ok(text) = receiver.utf8_text(source)
        {
            let text = text.trim_end_matches([')', ' ']);
            let text = text.split('[').next().unwrap_or(text);
            let receiver_type = trailing_identifier(text);
            if !receiver_type.is_empty() {
                scopes.push(receiver_type.to_string());
            }
        }
        scopes.reverse();
        header_rows.reverse();
        scopes.push(name.clone());
        FunctionSpan {
            qualified_name: scopes.join("."),
            name,
            start_line: row_to_line(start_row),
            end_line: row_to_line(last_row(owner).max(last_row(function))),
            header_lines: header_rows.into_iter().map(row_to_line).collect(),
            byte_range: function.byte_range(),
        }
    }
}

/// The enclosing function of `line` in `source` parsed as `language`: the
/// entry point the `context_spans` fuzz target drives.
pub fn enclosing_function(
    language: SourceLanguage,
    source: &str,
    line: u32,
) -> Option<FunctionSpan> {
    ParsedSource::new(Some(language), source.to_string()).enclosing_function(line)
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

fn row_to_line(row: usize) -> u32 {
    u32::try_from(row + 1).unwrap_or(u32::MAX)
}

/// The last row a node covers: a node that ends at the start of a line (its
/// trailing newline included) does not cover that line.
fn last_row(node: Node<'_>) -> usize {
    let end = node.end_position();
    let start = node.start_position();
    if end.column == 0 && end.row > start.row {
        end.row - 1
    } else {
        end.row
    }
}

/// Moves to the next node in pre-order after the current subtree; false at the end.
fn advance(cursor: &mut TreeCursor<'_>) -> bool {
    loop {
        if cursor.goto_next_sibling() {
            return true;
        }
        if !cursor.goto_parent() {
            return false;
        }
    }
}

/// The name of `node` when it is a function: its own name, or for an
/// anonymous function the name it is bound to (`const total = () => …`).
fn function_name<'s>(spec: &Spec, node: Node<'_>, source: &'s [u8]) -> Option<&'s str> {
    let kind = node.kind();
    if spec.functions.contains(&kind) {
        let name = node
            .child_by_field_name("name")
            .or_else(|| node.child_by_field_name("operator"))
            .and_then(|n| n.utf8_text(source).ok())
            .unwrap_or("anonymous");
        return Some(name);
    }
    if spec.named_closures.contains(&kind) {
        // `const total = function () {…}`, else `function total() {…}` passed as a value.
        let name = closure_binding(node)
            .map(|(_, name)| name)
            .or_else(|| node.child_by_field_name("name"))?;
        return name.utf8_text(source).ok().map(trailing_identifier);
    }
    None
}

/// For an anonymous function that is the value of a binding, the binding
/// node and the node holding the name.
fn closure_binding(node: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let parent = node.parent()?;
    let (value_field, name_field) = match parent.kind() {
        "variable_declarator" => ("value", "name"),
        "pair" => ("value", "key"),
        "assignment_expression" => ("right", "left"),
        "public_field_definition" => ("value", "name"),
        "field_definition" => ("value", "property"),
        _ => return None,
    };
    if parent.child_by_field_name(value_field)? != node {
        return None;
    }
    Some((parent, parent.child_by_field_name(name_field)?))
}

/// The node whose span a function's snippet covers: the function, its binding
/// statement for a named closure, and any wrapper (decorators, `export`).
fn owning_node<'t>(spec: &Spec, function: Node<'t>) -> Node<'t> {
    let mut node = function;
    if spec.named_closures.contains(&function.kind())
        && let Some((binding, _)) = closure_binding(function)
    {
        node = binding;
        if let Some(parent) = binding.parent()
            && matches!(
                parent.kind(),
                "lexical_declaration" | "variable_declaration" | "expression_statement"
            )
        {
            node = parent;
        }
    }
    while let Some(parent) = node.parent() {
        if spec.wrappers.contains(&parent.kind()) {
            node = parent;
        } else {
            break;
        }
    }
    node
}

/// The first node of a span extended upwards over the comments, decorators and
/// attributes right above it (no blank line between, each the first thing on
/// its line).
fn attached_start<'t>(spec: &Spec, node: Node<'t>, source: &[u8]) -> Node<'t> {
    let mut first = node;
    while let Some(previous) = previous_node(first) {
        let adjacent = last_row(previous) + 1 >= first.start_position().row;
        if !(spec.attached.contains(&previous.kind())
            && adjacent
            && first_on_its_line(previous, source))
        {
            break;
        }
        first = previous;
    }
    first
}

/// The node before `node` in the source at its level: its previous sibling,
/// or, when it opens its parent (a class body that starts at its first
/// method), the parent's previous sibling. Python's grammar puts a comment
/// between `class Cart:` and the body as a child of the class.
fn previous_node(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    loop {
        if let Some(previous) = current.prev_named_sibling() {
            return Some(previous);
        }
        let parent = current.parent()?;
        if parent.start_byte() != current.start_byte() {
            return None;
        }
        current = parent;
    }
}

fn first_on_its_line(node: Node<'_>, source: &[u8]) -> bool {
    let start = node.start_byte();
    source[..start]
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .all(|b| b.is_ascii_whitespace())
}

/// Imports that are not a node kind of their own: `require(…)` in
/// JavaScript, `require`/`require_relative` in Ruby, `require_once`/`include`
/// in PHP, `mod name;` in Rust.
fn is_extra_import(language: SourceLanguage, node: Node<'_>, source: &[u8]) -> bool {
    match language {
        SourceLanguage::JavaScript | SourceLanguage::TypeScript | SourceLanguage::Tsx => {
            matches!(
                node.kind(),
                "lexical_declaration" | "variable_declaration" | "expression_statement"
            ) && node.parent().is_some_and(|p| p.kind() == "program")
                && node.utf8_text(source).is_ok_and(|t| t.contains("require("))
        }
        SourceLanguage::Ruby => {
            node.kind() == "call"
                && node.child_by_field_name("receiver").is_none()
                && node
                    .child_by_field_name("method")
                    .and_then(|m| m.utf8_text(source).ok())
                    .is_some_and(|m| {
                        matches!(m, "require" | "require_relative" | "load" | "autoload")
                    })
        }
        SourceLanguage::Php => matches!(
            node.kind(),
            "require_expression"
                | "require_once_expression"
                | "include_expression"
                | "include_once_expression"
        ),
        SourceLanguage::Rust => {
            node.kind() == "mod_item" && node.child_by_field_name("body").is_none()
        }
        _ => false,
    }
}

/// The called name when `node` is a call.
fn callee<'s>(spec: &Spec, node: Node<'_>, source: &'s [u8]) -> Option<&'s str> {
    let kind = node.kind();
    let (_, field) = spec.calls.iter().find(|(call, _)| *call == kind)?;
    let text = node.child_by_field_name(field)?.utf8_text(source).ok()?;
    // Generic arguments and a call's own arguments are not part of the name
    // (`Foo.Bar<T>`, `make(x)(y)`).
    let text = text.split(['<', '(']).next().unwrap_or(text).trim_end();
    let name = trailing_identifier(text);
    let valid = !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit());
    valid.then_some(name)
}

/// The identifier at the end of a dotted or scoped name (`a.b::c` → `c`).
fn trailing_identifier(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '$' | '?' | '!')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &text[start..]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn span(language: SourceLanguage, source: &str, line: u32) -> Option<(String, u32, u32)> {
        enclosing_function(language, source, line)
            .map(|f| (f.qualified_name, f.start_line, f.end_line))
    }

    #[test]
    fn python_method_with_decorator_and_comment() {
        let source = "import os\n\nclass Cart:\n    # Sum of the items.\n    @cached\n    def total(self):\n        def inner(x):\n            return x + 1\n        return sum(inner(i) for i in self.items)\n\nx = 1\n";
        assert_eq!(
            span(SourceLanguage::Python, source, 9),
            Some(("Cart.total".into(), 4, 9))
        );
        assert_eq!(
            span(SourceLanguage::Python, source, 8),
            Some(("Cart.total.inner".into(), 7, 8))
        );
        assert_eq!(span(SourceLanguage::Python, source, 11), None);
        let parsed = ParsedSource::new(Some(SourceLanguage::Python), source.into());
        let total = parsed.enclosing_function(9).expect("total");
        assert_eq!(total.header_lines, vec![3]);
        assert_eq!(parsed.import_lines(), vec![1]);
        assert_eq!(parsed.callees(&total), vec!["sum", "inner"]);
    }

    #[test]
    fn javascript_named_arrow_function() {
        let source = "const fs = require('fs');\n\nexport const total = (items) => {\n  return items.reduce((a, b) => a + b.price, 0);\n};\n";
        assert_eq!(
            span(SourceLanguage::JavaScript, source, 4),
            Some(("total".into(), 3, 5))
        );
        let parsed = ParsedSource::new(Some(SourceLanguage::JavaScript), source.into());
        assert_eq!(parsed.import_lines(), vec![1]);
    }

    #[test]
    fn named_function_expression_and_go_receiver() {
        let source = "app.get('/', function show(req, res) {\n  res.send(req.x.y);\n});\n";
        assert_eq!(
            span(SourceLanguage::JavaScript, source, 2),
            Some(("show".into(), 1, 3))
        );
        let source = "package x\n\nfunc (s *Store[K]) Get(k K) V {\n\treturn s.m[k]\n}\n";
        assert_eq!(
            span(SourceLanguage::Go, source, 4),
            Some(("Store.Get".into(), 3, 5))
        );
    }

    #[test]
    fn lines_and_line_endings() {
        let parsed = ParsedSource::new(None, "a\r\nb\n\nc".into());
        assert_eq!(parsed.line_count(), 4);
        assert_eq!(parsed.line(1), "a");
        assert_eq!(parsed.line(3), "");
        assert_eq!(parsed.line(4), "c");
        assert_eq!(parsed.line(0), "");
        assert_eq!(parsed.line(5), "");
        assert_eq!(ParsedSource::new(None, "a\n".into()).line_count(), 1);
        assert_eq!(ParsedSource::new(None, String::new()).line_count(), 0);
    }

    proptest! {
        /// The `context_spans` fuzz target's checks, on stable: any text in
        /// Python or JavaScript, any line.
        #[test]
        fn spans_hold_their_line(
            text in r#"(def |class |function |  |\n|\(|\)|\{|\}|:|=>|x|=|import |"|#)*"#,
            javascript: bool,
            line in 0u32..40,
        ) {
            let language = if javascript { SourceLanguage::JavaScript } else { SourceLanguage::Python };
            let source = ParsedSource::new(Some(language), text);
            if let Some(function) = source.enclosing_function(line) {
                prop_assert!(function.start_line <= line && line <= function.end_line);
                prop_assert!(function.end_line <= source.line_count());
                prop_assert!(function.header_lines.iter().all(|&h| h < function.start_line));
                let _ = source.callees(&function);
            }
            for import in source.import_lines() {
                prop_assert!(import >= 1 && import <= source.line_count());
            }
        }
    }

    #[test]
    fn trailing_identifiers() {
        assert_eq!(trailing_identifier("self.repo.load"), "load");
        assert_eq!(trailing_identifier("Foo::bar"), "bar");
        assert_eq!(trailing_identifier("$this->save"), "save");
        assert_eq!(trailing_identifier("valid?"), "valid?");
        assert_eq!(trailing_identifier("a."), "");
    }
}
