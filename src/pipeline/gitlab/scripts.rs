//! A GitLab job's `before_script:`, `script:` and `after_script:` as the lines GitLab runs:
//! nested lists flattened and `!reference [job, key]` tags followed, as GitLab does, each line
//! kept with the file it is written in.
//!
//! Nesting is how a list is shared between jobs: `- *setup` aliases an anchored list of
//! commands, and `- !reference [.setup, script]` names another job's list. Both leave a list
//! inside the script, whose commands run in its place.
//!
//! A script a job takes from `default:` or from a template it extends is a copy of lines
//! written once; the copies over a pipeline are bounded, in lines and in bytes, so that
//! thousands of jobs sharing a long `before_script:` cannot multiply it without end.

use std::cell::Cell;

use super::keys::{Definitions, Keyed, Origin};
use crate::parse::yaml::{Node, Value};
use crate::pipeline::MAX_COPIED_BYTES;

/// How many lists deep below its own GitLab flattens a script, and how many `!reference`
/// tags it follows one inside another; what lies deeper is left out, as GitLab rejects it.
const MAX_NESTING: usize = 10;

/// Most YAML nodes that `!reference` tags may bring into the scripts of one pipeline, so that
/// references to references that each name several others cannot multiply without end. The
/// text they bring in is bounded too ([`MAX_COPIED_BYTES`]): each job holds its own copy, so
/// thousands of jobs naming one long line would otherwise fill memory with a few nodes.
pub(super) const REFERENCE_BUDGET: usize = 100_000;

/// Most script lines that jobs may take from `default:` and from the jobs and templates they
/// extend, over one pipeline. Real pipelines copy a few thousand; each copy is read again as
/// the job's own commands, so copies past this, or past [`MAX_COPIED_BYTES`] of their text,
/// are left out.
pub(super) const COPIED_LINES: usize = 100_000;

/// The files of one pipeline (the main file, then its local includes), against which
/// `!reference` tags are resolved.
pub(super) struct ScriptSources<'s> {
    /// Each file's path, lines and top-level mapping.
    files: Vec<(&'s str, Vec<&'s str>, &'s Node)>,
    /// The jobs and templates `!reference` tags name, read through what they extend.
    definitions: &'s Definitions<'s>,
    /// Nodes `!reference` tags may still bring in.
    budget: Cell<usize>,
    /// Bytes of text `!reference` tags may still bring in.
    bytes: Cell<usize>,
    /// Whether a reference was left out because the budget ran out.
    exhausted: Cell<bool>,
    /// Script lines jobs may still take from defaults and templates.
    copies: Cell<usize>,
    /// Bytes of text jobs may still take from defaults and templates.
    copied_bytes: Cell<usize>,
    /// Whether a job was read without a script it inherits because `copies` or
    /// `copied_bytes` ran out.
    copies_cut: Cell<bool>,
}

/// One script line with the file it is written in.
pub(super) struct ScriptLine<'s> {
    pub path: &'s str,
    pub lines: &'s [&'s str],
    pub node: &'s Node,
}

impl<'s> ScriptSources<'s> {
    /// `files` are (path, text, top-level mapping), the main file first, and `definitions`
    /// the jobs and templates they define.
    pub(super) fn new(
        files: &'s [(String, String, Node)],
        definitions: &'s Definitions<'s>,
    ) -> Self {
        Self {
            files: files
                .iter()
                .map(|(path, text, root)| (path.as_str(), text.lines().collect(), root))
                .collect(),
            definitions,
            budget: Cell::new(REFERENCE_BUDGET),
            bytes: Cell::new(MAX_COPIED_BYTES),
            exhausted: Cell::new(false),
            copies: Cell::new(COPIED_LINES),
            copied_bytes: Cell::new(MAX_COPIED_BYTES),
            copies_cut: Cell::new(false),
        }
    }

    /// The path and lines of the file at `source`.
    pub(super) fn file(&self, source: usize) -> (&'s str, &[&'s str]) {
        self.files
            .get(source)
            .map_or(("", &[][..]), |(path, lines, _)| (*path, lines.as_slice()))
    }

    /// Whether some `!reference` was left out because [`REFERENCE_BUDGET`] or
    /// [`MAX_COPIED_BYTES`] ran out.
    pub(super) fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Whether a job was read without a script it inherits because [`COPIED_LINES`] or
    /// [`MAX_COPIED_BYTES`] ran out.
    pub(super) fn copies_cut(&self) -> bool {
        self.copies_cut.get()
    }

    /// The lines of a job's script value, in the order GitLab runs them. A script the job
    /// inherits counts against [`COPIED_LINES`] and [`MAX_COPIED_BYTES`]; once either is
    /// spent, inherited scripts are left out, small ones too, so which jobs keep theirs
    /// follows the order of the file.
    pub(super) fn lines<'n>(&'n self, value: Keyed<'n>) -> Vec<ScriptLine<'n>> {
        let copied = value.origin != Origin::Own;
        if copied && self.copies_cut.get() {
            return Vec::new();
        }
        let mut out = Vec::new();
        self.flatten(value.source, value.node, 0, 0, &mut out);
        if copied {
            // Lines as written, so that a long block scalar counts for all of its lines.
            let written = (out.iter())
                .map(|l| l.node.span.end_line.saturating_sub(l.node.span.line) + 1)
                .sum();
            let bytes = (out.iter())
                .filter_map(|l| l.node.as_str())
                .map(str::len)
                .sum();
            if !spend((&self.copies, written), (&self.copied_bytes, bytes)) {
                self.copies_cut.set(true);
                return Vec::new();
            }
        }
        out
    }

    /// Adds the lines of `node`, which sits inside `lists` lists of the script and is reached
    /// through `references` tags. A reference is replaced by what it names, which takes its
    /// place at the same depth, as in GitLab.
    fn flatten<'n>(
        &'n self,
        source: usize,
        node: &'n Node,
        lists: usize,
        references: usize,
        out: &mut Vec<ScriptLine<'n>>,
    ) {
        match &node.value {
            Value::Seq(items) => {
                if lists <= MAX_NESTING {
                    for item in items {
                        self.flatten(source, item, lists + 1, references, out);
                    }
                }
            }
            Value::Reference(path) => {
                // Once the budget is spent no reference is followed, not even a small one,
                // so that the sizes of many large targets are not counted in vain.
                if references >= MAX_NESTING || self.exhausted.get() {
                    return;
                }
                let Some((target_source, target)) = self.resolve(path) else {
                    return;
                };
                let (nodes, bytes) = size_of(target);
                if !spend((&self.budget, nodes), (&self.bytes, bytes)) {
                    self.exhausted.set(true);
                    return;
                }
                self.flatten(target_source, target, lists, references + 1, out);
            }
            _ => {
                let (path, lines) = self.file(source);
                out.push(ScriptLine { path, lines, node });
            }
        }
    }

    /// The value a `!reference [name, key, ...]` names: `name` at the top level of the first
    /// file that defines it, then each key below it. The key of a job or template may be one
    /// it extends ([`Definitions::value`]).
    fn resolve(&self, path: &[String]) -> Option<(usize, &'s Node)> {
        let (name, keys) = path.split_first()?;
        let (source, mut node, below) = match keys.split_first() {
            Some((key, below)) if self.definitions.defines(name) => {
                let value = self.definitions.value(name, key)?;
                (value.source, value.node, below)
            }
            _ => {
                let (source, node) = (self.files.iter().enumerate())
                    .find_map(|(index, (_, _, root))| root.get(name).map(|node| (index, node)))?;
                (source, node, keys)
            }
        };
        for key in below {
            node = node.get(key)?;
        }
        Some((source, node))
    }
}

/// Takes each amount from its budget when both budgets hold them; takes nothing and says so
/// when either does not.
fn spend((first, a): (&Cell<usize>, usize), (second, b): (&Cell<usize>, usize)) -> bool {
    let Some((left_a, left_b)) = (first.get().checked_sub(a)).zip(second.get().checked_sub(b))
    else {
        return false;
    };
    first.set(left_a);
    second.set(left_b);
    true
}

/// How many nodes a value holds, itself included, and the bytes of their text, without
/// following references.
fn size_of(node: &Node) -> (usize, usize) {
    let (mut count, mut bytes) = (0, 0);
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        count += 1;
        match &node.value {
            Value::Seq(items) => pending.extend(items),
            Value::Map(entries) => pending.extend(entries.iter().map(|(_, value)| value)),
            Value::Scalar { text, .. } => bytes += text.len(),
            _ => {}
        }
    }
    (count, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    fn texts(sources: &ScriptSources, job: &str, key: &str) -> Vec<(String, usize)> {
        let node = sources.files[0].2.get(job).and_then(|j| j.get(key));
        let Some(node) = node else {
            return Vec::new();
        };
        let origin = Origin::Own;
        sources
            .lines(Keyed {
                source: 0,
                node,
                origin,
            })
            .iter()
            .filter_map(|l| Some((l.node.as_str()?.to_string(), l.node.span.line)))
            .collect()
    }

    fn files(text: &str) -> Vec<(String, String, Node)> {
        let root = yaml::parse(text)
            .ok()
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Node {
                value: Value::Null,
                span: yaml::Span::default(),
            });
        vec![(".gitlab-ci.yml".to_string(), text.to_string(), root)]
    }

    #[test]
    fn anchored_lists_are_flattened_in_place() {
        let files = files(
            ".setup: &setup\n  - meson setup build\n  - ninja -C build\njob:\n  script:\n    - *setup\n    - meson test -C build\n",
        );
        let definitions = Definitions::new(&files);
        let sources = ScriptSources::new(&files, &definitions);
        assert_eq!(
            texts(&sources, "job", "script"),
            [
                ("meson setup build".to_string(), 2),
                ("ninja -C build".to_string(), 3),
                ("meson test -C build".to_string(), 7),
            ]
        );
    }

    #[test]
    fn references_name_another_jobs_script() {
        let files = files(
            ".setup:\n  script:\n    - make deps\njob:\n  script:\n    - !reference [.setup, script]\n    - make test\n",
        );
        let definitions = Definitions::new(&files);
        let sources = ScriptSources::new(&files, &definitions);
        assert_eq!(
            texts(&sources, "job", "script"),
            [("make deps".to_string(), 3), ("make test".to_string(), 7)]
        );
    }

    #[test]
    fn references_read_a_key_the_named_template_extends_into() {
        let files = files(
            ".base:\n  script:\n    - make deps\n.setup:\n  extends: .base\n  stage: build\njob:\n  script:\n    - !reference [.setup, script]\n    - make test\n",
        );
        let definitions = Definitions::new(&files);
        let sources = ScriptSources::new(&files, &definitions);
        assert_eq!(
            texts(&sources, "job", "script"),
            [("make deps".to_string(), 3), ("make test".to_string(), 10)]
        );
    }

    #[test]
    fn a_reference_to_itself_ends() {
        let files = files(
            ".loop:\n  script: !reference [.loop, script]\njob:\n  script:\n    - !reference [.loop, script]\n    - make test\n",
        );
        let definitions = Definitions::new(&files);
        let sources = ScriptSources::new(&files, &definitions);
        assert_eq!(
            texts(&sources, "job", "script"),
            [("make test".to_string(), 6)]
        );
        assert!(!sources.exhausted());
    }

    #[test]
    fn lists_deeper_than_gitlab_allows_are_left_out() {
        let deep = format!("{}make deep{}", "[".repeat(12), "]".repeat(12));
        let files = files(&format!("job:\n  script: [make shallow, {deep}]\n"));
        let definitions = Definitions::new(&files);
        let sources = ScriptSources::new(&files, &definitions);
        assert_eq!(
            texts(&sources, "job", "script"),
            [("make shallow".to_string(), 2)]
        );
    }

    #[test]
    fn references_that_multiply_stop_at_the_budget() {
        let mut text = String::from(".r0:\n  script: [make a, make b, make c, make d]\n");
        for level in 1..=9 {
            let previous = level - 1;
            let refs = vec![format!("!reference [.r{previous}, script]"); 8].join(", ");
            text.push_str(&format!(".r{level}:\n  script: [{refs}]\n"));
        }
        text.push_str("job:\n  script: [!reference [.r9, script]]\n");
        let files = files(&text);
        let definitions = Definitions::new(&files);
        let sources = ScriptSources::new(&files, &definitions);
        let lines = texts(&sources, "job", "script");
        assert!(sources.exhausted());
        assert!(lines.len() < REFERENCE_BUDGET, "{}", lines.len());
    }
}
