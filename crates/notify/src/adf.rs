//! A small Atlassian Document Format builder: what Jira REST v3 requires
//! for issue descriptions and comments.
//!
//! Only the nodes tracefix needs: `heading`, `paragraph` (text, `hardBreak`,
//! text with a `link` mark) and `codeBlock`. The output always satisfies the
//! ADF rules Jira enforces: `{"version": 1, "type": "doc", "content": [...]}`
//! at the top, no empty text nodes (Jira rejects them), heading levels 1 to 6,
//! a code block's only content one plain text node, and link marks only on
//! text nodes with an absolute `http(s)` href.

use serde_json::{Value, json};

/// A block node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `heading` with `attrs.level` (clamped to 1..=6).
    Heading { level: u8, text: String },
    /// `paragraph` of inline nodes.
    Paragraph(Vec<Inline>),
    /// `codeBlock`, with `attrs.language` when known.
    CodeBlock {
        language: Option<String>,
        code: String,
    },
}

/// An inline node inside a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// Text with a `link` mark.
    Link {
        text: String,
        href: String,
    },
    HardBreak,
}

impl Block {
    /// A paragraph from plain text: newlines become hard breaks and
    /// `http(s)://` URLs become links.
    pub fn paragraph(text: &str) -> Block {
        let mut inlines = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                inlines.push(Inline::HardBreak);
            }
            inlines.extend(linkify(line));
        }
        Block::Paragraph(inlines)
    }

    pub fn heading(level: u8, text: impl Into<String>) -> Block {
        Block::Heading {
            level,
            text: text.into(),
        }
    }

    pub fn code(language: Option<&str>, code: impl Into<String>) -> Block {
        Block::CodeBlock {
            language: language.map(str::to_owned),
            code: code.into(),
        }
    }

    fn to_json(&self) -> Option<Value> {
        match self {
            Block::Heading { level, text } => {
                let text = single_line(text);
                (!text.is_empty()).then(|| {
                    json!({
                        "type": "heading",
                        "attrs": {"level": (*level).clamp(1, 6)},
                        "content": [{"type": "text", "text": text}],
                    })
                })
            }
            Block::Paragraph(inlines) => {
                let content: Vec<Value> = trim_breaks(inlines)
                    .iter()
                    .filter_map(Inline::to_json)
                    .collect();
                (!content.is_empty()).then(|| json!({"type": "paragraph", "content": content}))
            }
            Block::CodeBlock { language, code } => {
                let code = code.trim_end_matches(['\n', '\r']);
                if code.is_empty() {
                    return None;
                }
                let mut node = json!({
                    "type": "codeBlock",
                    "content": [{"type": "text", "text": code}],
                });
                if let Some(language) = language.as_deref().filter(|l| !l.trim().is_empty()) {
                    node["attrs"] = json!({"language": language.trim()});
                }
                Some(node)
            }
        }
    }
}

impl Inline {
    fn to_json(&self) -> Option<Value> {
        match self {
            Inline::Text(text) if text.is_empty() => None,
            Inline::Text(text) => Some(json!({"type": "text", "text": text})),
            Inline::Link { text, href } if is_web_url(href) => {
                let text = if text.is_empty() { href } else { text };
                Some(json!({
                    "type": "text",
                    "text": text,
                    "marks": [{"type": "link", "attrs": {"href": href}}],
                }))
            }
            // Not a web URL (`javascript:`, relative): shown, never linked.
            Inline::Link { text, href } => {
                let text = if text.is_empty() { href } else { text };
                (!text.is_empty()).then(|| json!({"type": "text", "text": text}))
            }
            Inline::HardBreak => Some(json!({"type": "hardBreak"})),
        }
    }
}

/// The document: `{"version": 1, "type": "doc", "content": [...]}`. Blocks
/// that would be empty are left out (Jira rejects empty text nodes).
pub fn document(blocks: &[Block]) -> Value {
    let content: Vec<Value> = blocks.iter().filter_map(Block::to_json).collect();
    json!({"version": 1, "type": "doc", "content": content})
}

/// Blocks from rendered template text: paragraphs separated by blank lines;
/// a paragraph's line starting with `#`..`######` and a space is a heading.
pub fn blocks_from_text(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::paragraph(&paragraph.join("\n")));
            paragraph.clear();
        }
    };
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.trim().is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else if let Some((level, title)) = heading_line(trimmed) {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::heading(level, title));
        } else {
            paragraph.push(trimmed);
        }
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

fn heading_line(line: &str) -> Option<(u8, &str)> {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let title = line[hashes..].strip_prefix(' ')?.trim();
    (!title.is_empty()).then_some((hashes as u8, title))
}

fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Drops leading and trailing hard breaks (blank lines at a paragraph's
/// edges would show as empty space).
fn trim_breaks(inlines: &[Inline]) -> &[Inline] {
    let is_content = |i: &Inline| match i {
        Inline::HardBreak => false,
        Inline::Text(t) => !t.is_empty(),
        Inline::Link { .. } => true,
    };
    let Some(start) = inlines.iter().position(is_content) else {
        return &[];
    };
    let end = inlines
        .iter()
        .rposition(is_content)
        .map_or(start, |e| e + 1);
    &inlines[start..end]
}

fn is_web_url(href: &str) -> bool {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    (lower.starts_with("https://") && href.len() > 8)
        || (lower.starts_with("http://") && href.len() > 7)
}

/// Splits a line at `http://` and `https://` URLs. A URL ends at whitespace
/// or at characters that cannot end one in prose (`)`, `.`, `,` ... trailing).
fn linkify(line: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = find_url_start(rest) {
        let (before, from) = rest.split_at(at);
        let len = from.find(char::is_whitespace).unwrap_or(from.len());
        let url =
            from[..len].trim_end_matches(['.', ',', ';', ':', ')', ']', '>', '"', '\'', '!', '?']);
        if !is_web_url(url) {
            // A bare scheme (`https://` then a space): plain text.
            out.push(Inline::Text(format!("{before}{}", &from[..len])));
            rest = &from[len..];
            continue;
        }
        if !before.is_empty() {
            out.push(Inline::Text(before.to_owned()));
        }
        out.push(Inline::Link {
            text: url.to_owned(),
            href: url.to_owned(),
        });
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_owned()));
    }
    merge_texts(out)
}

fn find_url_start(text: &str) -> Option<usize> {
    let http = text.find("http://");
    let https = text.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn merge_texts(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match (out.last_mut(), inline) {
            (Some(Inline::Text(prev)), Inline::Text(next)) => prev.push_str(&next),
            (_, inline) => out.push(inline),
        }
    }
    out
}

/// Checks the structural rules listed in the module documentation; returns
/// the first violation. Used by the tests and available to callers that
/// build documents by hand.
pub fn validate(doc: &Value) -> Result<(), String> {
    if doc["version"] != 1 || doc["type"] != "doc" {
        return Err("top level must be {version: 1, type: doc}".into());
    }
    let content = doc["content"]
        .as_array()
        .ok_or("doc.content must be an array")?;
    for block in content {
        match block["type"].as_str() {
            Some("paragraph") => {
                let inlines = block["content"]
                    .as_array()
                    .ok_or("paragraph without content")?;
                for inline in inlines {
                    validate_inline(inline)?;
                }
            }
            Some("heading") => {
                let level = block["attrs"]["level"]
                    .as_u64()
                    .ok_or("heading without level")?;
                if !(1..=6).contains(&level) {
                    return Err(format!("heading level {level}"));
                }
                for inline in block["content"]
                    .as_array()
                    .ok_or("heading without content")?
                {
                    validate_inline(inline)?;
                }
            }
            Some("codeBlock") => {
                let inner = block["content"]
                    .as_array()
                    .ok_or("codeBlock without content")?;
                if inner.len() != 1 || inner[0]["type"] != "text" || inner[0].get("marks").is_some()
                {
                    return Err("codeBlock must hold one unmarked text node".into());
                }
                validate_inline(&inner[0])?;
                if let Some(attrs) = block.get("attrs")
                    && !attrs["language"].is_string()
                {
                    return Err("codeBlock.attrs.language must be a string".into());
                }
            }
            other => return Err(format!("unexpected block {other:?}")),
        }
    }
    Ok(())
}

fn validate_inline(node: &Value) -> Result<(), String> {
    match node["type"].as_str() {
        Some("text") => {
            if node["text"].as_str().is_none_or(str::is_empty) {
                return Err("empty text node".into());
            }
            if let Some(marks) = node.get("marks") {
                for mark in marks.as_array().ok_or("marks must be an array")? {
                    if mark["type"] != "link"
                        || !mark["attrs"]["href"].as_str().is_some_and(is_web_url)
                    {
                        return Err(format!("unexpected mark {mark}"));
                    }
                }
            }
            Ok(())
        }
        Some("hardBreak") => Ok(()),
        other => Err(format!("unexpected inline {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn urls_become_links_and_punctuation_stays_text() {
        let Block::Paragraph(inlines) =
            Block::paragraph("PR (https://git.example/pr/7). See http://x.y/z, now")
        else {
            unreachable!()
        };
        assert_eq!(
            inlines,
            vec![
                Inline::Text("PR (".into()),
                Inline::Link {
                    text: "https://git.example/pr/7".into(),
                    href: "https://git.example/pr/7".into()
                },
                Inline::Text("). See ".into()),
                Inline::Link {
                    text: "http://x.y/z".into(),
                    href: "http://x.y/z".into()
                },
                Inline::Text(", now".into()),
            ]
        );
        assert_eq!(
            Block::paragraph("bare https:// here"),
            Block::Paragraph(vec![Inline::Text("bare https:// here".into())])
        );
    }

    #[test]
    fn empty_pieces_are_dropped() {
        let doc = document(&[
            Block::paragraph(""),
            Block::paragraph("\n\n"),
            Block::heading(9, "  Big \n title "),
            Block::code(Some(""), "\n"),
            Block::Paragraph(vec![
                Inline::HardBreak,
                Inline::Text(String::new()),
                Inline::Link {
                    text: String::new(),
                    href: "javascript:alert(1)".into(),
                },
                Inline::HardBreak,
            ]),
        ]);
        validate(&doc).unwrap();
        assert_eq!(
            doc,
            json!({"version": 1, "type": "doc", "content": [
                {"type": "heading", "attrs": {"level": 6}, "content": [{"type": "text", "text": "Big title"}]},
                {"type": "paragraph", "content": [{"type": "text", "text": "javascript:alert(1)"}]},
            ]})
        );
    }

    #[test]
    fn text_splits_into_headings_and_paragraphs() {
        let blocks =
            blocks_from_text("# Title\nline one\nline two\n\n\n##no heading\n####### seven\n");
        assert_eq!(
            blocks,
            vec![
                Block::heading(1, "Title"),
                Block::paragraph("line one\nline two"),
                Block::paragraph("##no heading\n####### seven"),
            ]
        );
    }

    proptest! {
        #[test]
        fn any_text_gives_a_valid_document(text in "(?s).{0,300}", code in "(?s).{0,100}", lang in proptest::option::of("[a-z]{0,8}")) {
            let mut blocks = blocks_from_text(&text);
            blocks.push(Block::code(lang.as_deref(), code));
            let doc = document(&blocks);
            prop_assert_eq!(validate(&doc), Ok(()));
        }
    }
}
