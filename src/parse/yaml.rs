//! A YAML reader for hostile input that keeps a source position on every node.
//!
//! The tree is built from `saphyr_parser` events with an explicit stack, so nesting depth is a
//! checked limit rather than a stack overflow, aliases are expanded against a node budget (an
//! alias bomb is an error, not an out-of-memory), and GitLab's `<<` merge keys are resolved here
//! because YAML 1.2 itself has none.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as ParserSpan};

/// Deepest nesting accepted; real pipeline files stay below 20.
pub const MAX_DEPTH: usize = 256;
/// Most nodes that alias expansion may create in one file.
pub const ALIAS_BUDGET: usize = 100_000;
/// Most bytes of text that aliases and anchors may copy in one file: four times the largest
/// file read. A node budget alone lets a thousand aliases of one 1 MB string through.
pub const ALIAS_BYTES: usize = 8 * 1024 * 1024;

/// Where a node sits in its file: 1-based lines and columns (characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Span {
    fn from_parser(span: &ParserSpan) -> Self {
        Self {
            line: span.start.line(),
            column: span.start.col() + 1,
            end_line: span.end.line(),
            end_column: span.end.col() + 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// A scalar; `quoted` tells `"true"` apart from `true`.
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// GitLab's `!reference [job, key, ...]`: the path to a value elsewhere in the pipeline,
    /// which GitLab puts in its place. Kept apart from a sequence so that a reader that does
    /// not resolve it never takes the path for the value.
    Reference(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Node {
    /// The value under `key` in a mapping; with duplicate keys the last one wins, as in GitLab.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node for `key`, used to point at `permissions:` itself rather than its value.
    pub fn key_node(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A scalar as a boolean, the YAML 1.2 core way (`true`, `True`, `TRUE`).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar {
                text,
                quoted: false,
            } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A scalar, or every scalar of a sequence: the shape of `needs:`, `branches:`, `stages:`.
    pub fn strings(&self) -> Vec<&str> {
        match &self.value {
            Value::Scalar { text, .. } => vec![text.as_str()],
            Value::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// How many nodes the tree holds, and how many bytes of text.
    fn size(&self) -> (usize, usize) {
        let add = |(n, b): (usize, usize), (m, c): (usize, usize)| (n + m, b + c);
        match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).fold((1, 0), add),
            Value::Reference(path) => (1 + path.len(), path.iter().map(String::len).sum()),
            Value::Map(entries) => (entries.iter())
                .map(|(k, v)| add(k.size(), v.size()))
                .fold((1, 0), add),
            Value::Scalar { text, .. } => (1, text.len()),
            Value::Null => (1, 0),
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        anchor: usize,
        start: Span,
        /// Tagged `!reference`.
        reference: bool,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        anchor: usize,
        start: Span,
    },
}

/// Parses every document in `text`. An empty file gives no documents.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    // Nodes and bytes that aliases and anchors copied.
    let (mut expanded, mut copied) = (0usize, 0usize);

    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let span = Span::from_parser(&span);
        let finished = match event {
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        line: span.line,
                        column: span.column,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        start: span,
                        reference: tag
                            .as_ref()
                            .is_some_and(|t| t.handle == "!" && t.suffix == "reference"),
                    }
                } else {
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        anchor,
                        start: span,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    anchor,
                    start,
                    reference,
                }) => (
                    Node {
                        value: if reference {
                            Value::Reference(
                                items
                                    .iter()
                                    .filter_map(Node::as_str)
                                    .map(String::from)
                                    .collect(),
                            )
                        } else {
                            Value::Seq(items)
                        },
                        span: joined(start, span),
                    },
                    anchor,
                ),
                Some(Frame::Map {
                    mut entries,
                    anchor,
                    start,
                    ..
                }) => {
                    resolve_merge_keys(&mut entries);
                    (
                        Node {
                            value: Value::Map(entries),
                            span: joined(start, span),
                        },
                        anchor,
                    )
                }
                None => continue,
            },
            Event::Scalar(text, style, anchor, _) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let value =
                    if !quoted && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                        Value::Null
                    } else {
                        Value::Scalar {
                            text: text.into_owned(),
                            quoted,
                        }
                    };
                (Node { value, span }, anchor)
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(YamlError {
                        line: span.line,
                        column: span.column,
                        message: "alias to an unknown anchor".to_string(),
                    });
                };
                let (nodes, bytes) = target.size();
                (expanded, copied) = (expanded + nodes, copied + bytes);
                if expanded > ALIAS_BUDGET {
                    return Err(YamlError {
                        line: span.line,
                        column: span.column,
                        message: format!("aliases expand to more than {ALIAS_BUDGET} nodes"),
                    });
                }
                if copied > ALIAS_BYTES {
                    return Err(too_many_bytes(span));
                }
                (target.clone(), 0)
            }
            Event::DocumentEnd => {
                stack.clear();
                continue;
            }
            _ => continue,
        };

        let (node, anchor) = finished;
        if anchor != 0 {
            // Anchors nested inside each other copy the text below them once each.
            copied += node.size().1;
            if copied > ALIAS_BYTES {
                return Err(too_many_bytes(span));
            }
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => documents.push(node),
        }
    }
    Ok(documents)
}

fn too_many_bytes(span: Span) -> YamlError {
    YamlError {
        line: span.line,
        column: span.column,
        message: format!(
            "anchors and aliases copy more than {} MiB of text",
            ALIAS_BYTES / 1024 / 1024
        ),
    }
}

fn joined(start: Span, end: Span) -> Span {
    Span {
        end_line: end.line,
        end_column: end.column,
        ..start
    }
}

/// A key set a second time in the same mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateKey {
    pub name: String,
    /// The repeated key.
    pub span: Span,
    /// The line of the first time it is set.
    pub first_line: usize,
}

/// Every key set twice in one mapping, in document order, each place once (an alias repeats
/// its anchor's nodes, spans included). Mappings deeper than `MAX_DEPTH` are not reached.
pub fn duplicate_keys(documents: &[Node]) -> Vec<DuplicateKey> {
    let mut found = Vec::new();
    let mut places = std::collections::BTreeSet::new();
    let mut pending: Vec<&Node> = documents.iter().rev().collect();
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::Map(entries) => {
                let mut first_line: HashMap<&str, usize> = HashMap::new();
                for (key, _) in entries {
                    let Some(name) = key.as_str() else {
                        continue;
                    };
                    match first_line.get(name) {
                        None => {
                            first_line.insert(name, key.span.line);
                        }
                        Some(&line) if places.insert((key.span.line, key.span.column)) => {
                            found.push(DuplicateKey {
                                name: name.to_string(),
                                span: key.span,
                                first_line: line,
                            });
                        }
                        Some(_) => {}
                    }
                }
                pending.extend(entries.iter().rev().map(|(_, v)| v));
            }
            Value::Seq(items) => pending.extend(items.iter().rev()),
            _ => {}
        }
    }
    found.sort_by_key(|d| (d.span.line, d.span.column));
    found
}

/// Applies `<<: *base` and `<<: [*a, *b]`: keys of the merged mappings that the mapping does
/// not set itself are added; the `<<` entry is removed.
fn resolve_merge_keys(entries: &mut Vec<(Node, Node)>) {
    let Some(position) = entries.iter().position(|(k, _)| k.as_str() == Some("<<")) else {
        return;
    };
    let (_, merged) = entries.remove(position);
    let sources: Vec<Node> = match merged.value {
        Value::Map(_) => vec![merged],
        Value::Seq(items) => items,
        _ => Vec::new(),
    };
    // The keys set so far, looked up rather than searched for: a mapping of thousands of
    // keys merging thousands more took seconds.
    let mut present: std::collections::HashSet<Option<String>> = (entries.iter())
        .map(|(k, _)| k.as_str().map(String::from))
        .collect();
    for source in sources {
        for (key, value) in source.entries() {
            if present.insert(key.as_str().map(String::from)) {
                entries.push((key.clone(), value.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() -> Result<(), YamlError> {
        let docs = parse("on:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n")?;
        let jobs = docs[0]
            .get("jobs")
            .and_then(|j| j.get("test"))
            .and_then(|t| t.get("runs-on"));
        let node = jobs.ok_or(YamlError {
            line: 0,
            column: 0,
            message: "missing".into(),
        })?;
        assert_eq!(node.as_str(), Some("ubuntu-latest"));
        assert_eq!((node.span.line, node.span.column), (5, 14));
        Ok(())
    }

    #[test]
    fn on_is_a_string_key_not_a_boolean() -> Result<(), YamlError> {
        let docs = parse("on: push\n")?;
        assert_eq!(docs[0].get("on").and_then(Node::as_str), Some("push"));
        Ok(())
    }

    #[test]
    fn merge_keys_fill_missing_entries_only() -> Result<(), YamlError> {
        let docs =
            parse(".base: &base\n  image: a\n  stage: test\njob:\n  <<: *base\n  stage: deploy\n")?;
        let job = &docs[0].get("job").cloned().unwrap_or(Node {
            value: Value::Null,
            span: Span::default(),
        });
        assert_eq!(job.get("image").and_then(Node::as_str), Some("a"));
        assert_eq!(job.get("stage").and_then(Node::as_str), Some("deploy"));
        assert!(job.get("<<").is_none());
        Ok(())
    }

    #[test]
    fn reference_tags_are_kept_apart_from_lists() -> Result<(), YamlError> {
        let docs =
            parse("job:\n  script:\n    - !reference [.setup, script]\n    - [make, test]\n")?;
        let script = docs[0]
            .get("job")
            .and_then(|j| j.get("script"))
            .map(Node::items)
            .unwrap_or_default();
        assert_eq!(
            script[0].value,
            Value::Reference(vec![".setup".into(), "script".into()])
        );
        assert!(matches!(script[1].value, Value::Seq(_)));
        Ok(())
    }

    #[test]
    fn alias_bomb_is_rejected() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text).err().map(|e| e.message);
        assert!(err.is_some_and(|m| m.contains("aliases expand")));
    }

    #[test]
    fn deep_block_nesting_is_an_error_not_a_crash() {
        let text = "- ".repeat(20_000) + "x\n";
        let err = parse(&text).err().map(|e| e.message);
        assert!(err.is_some_and(|m| m.contains("nesting deeper")));
    }

    #[test]
    fn multiple_documents_are_kept() -> Result<(), YamlError> {
        let docs = parse("kind: A\n---\nkind: B\n")?;
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("kind").and_then(Node::as_str), Some("B"));
        Ok(())
    }
}
