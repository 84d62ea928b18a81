//! Which outputs of a step carry untrusted text, and from where.
//!
//! A `run:` script puts untrusted text into an output through an expression in the value it
//! writes (`echo "title=${{ github.event.issue.title }}"`), through a variable its `env:`
//! binds to such text (`TITLE: ${{ github.event.issue.title }}` and `echo "title=$TITLE"`), or
//! through a shell variable set from either. Each output gets the origin of the text in its
//! own write. A value made at run time (`$(git describe)`, a variable set in no visible way)
//! carries the step's first untrusted text when the step has any, and nothing otherwise; a
//! fixed value carries nothing. A script whose writes cannot be read, and every
//! `actions/github-script` step, may put the step's first untrusted text into any output.
//!
//! Expanding `"$TITLE"` inside the script is the safe way to use the text and is never
//! reported itself: only an output that carries it on into a later `${{ }}` is.
//!
//! Writes to `$GITHUB_ENV` are read the same way: each later step of the job has the variable,
//! in its environment and as `env.NAME` in its expressions. Only writes that can be read name
//! a variable: one this module cannot read leaves the job's variables as they were.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::YamlFile;
use super::carried::{Carried, Origin, origin_in, origin_of, script_of};
use super::shell_text::{Read, Target, Write, Written, assignments, reads, written};
use super::template_injection::{block_style, expressions, untrusted_context};
use crate::parse::yaml::Node;

/// The variables one `env:` map binds, each with where its untrusted text came from, if any.
pub(crate) type Bindings = HashMap<String, Option<Rc<Origin>>>;

/// The variables of a workflow's, a job's or a step's `env:` map.
pub(crate) fn bindings(env: Option<&Node>, file: &YamlFile, carried: &Carried) -> Bindings {
    let entries = env.map(Node::entries).unwrap_or(&[]);
    entries
        .iter()
        .filter_map(|(key, value)| {
            let name = key.as_str()?.to_string();
            Some((name, origin_in(value, file, carried)))
        })
        .collect()
}

/// The names a step's outputs carry untrusted text under, with its origin:
/// `steps.ID.outputs.NAME` for each output whose write is read, or `steps.ID.outputs` for all
/// of them. `outer` holds the variables earlier steps wrote to `$GITHUB_ENV`, and the job's
/// and the workflow's `env:` bindings, in that order.
pub(crate) fn carrying_outputs(
    step: &Node,
    id: &str,
    file: &YamlFile,
    carried: &Carried,
    outer: [&Bindings; 3],
) -> Vec<(String, Rc<Origin>)> {
    let Some(mut reader) = StepReader::new(step, file, carried, outer) else {
        return Vec::new();
    };
    match reader.writes(Target::Outputs) {
        Some(writes) => writes
            .into_iter()
            .filter_map(|(name, origin)| Some((format!("steps.{id}.outputs.{name}"), origin?)))
            .collect(),
        None => {
            let every_output = |origin| vec![(format!("steps.{id}.outputs"), origin)];
            reader.first.clone().map(every_output).unwrap_or_default()
        }
    }
}

/// The name [`environment_writes`] gives a write that cannot be read: it may set any
/// variable.
pub(crate) const ANY_VARIABLE: &str = "*";

/// The variables a step writes to `$GITHUB_ENV`, each with the origin of the untrusted text
/// it holds (`None` for fixed or trusted text), in the order written. Text made at run time
/// carries only the untrusted text it visibly reads. A script whose writes cannot be read
/// (`printf`, `tee`, a helper script) may set any variable to the step's first untrusted
/// text: that write is named [`ANY_VARIABLE`]. `outer` is as for [`carrying_outputs`].
pub(crate) fn environment_writes(
    step: &Node,
    file: &YamlFile,
    carried: &Carried,
    outer: [&Bindings; 3],
) -> Vec<(String, Option<Rc<Origin>>)> {
    let run = step.get("run").and_then(Node::as_str);
    let script = script_of(step).and_then(Node::as_str);
    let exports = script.is_some_and(|text| text.contains("exportVariable"));
    if !run.is_some_and(|text| text.contains("GITHUB_ENV")) && !exports {
        return Vec::new();
    }
    let Some(mut reader) = StepReader::new(step, file, carried, outer) else {
        return Vec::new();
    };
    if let (None, Some(script)) = (run, script) {
        return exported(script)
            .map(|(name, value)| {
                let origin = (!is_string_literal(value)).then(|| reader.first.clone());
                (name.unwrap_or(ANY_VARIABLE).to_string(), origin.flatten())
            })
            .collect();
    }
    match reader.writes(Target::Environment) {
        Some(writes) => writes,
        None => (reader.first.clone())
            .map(|origin| vec![(ANY_VARIABLE.to_string(), Some(origin))])
            .unwrap_or_default(),
    }
}

/// What a piece of written text carries.
enum Carries {
    /// Untrusted text from this origin.
    From(Rc<Origin>),
    /// Text made at run time, which may hold whatever untrusted text the step has.
    RunTime,
    /// Fixed or trusted text.
    Nothing,
}

/// One step's script with the variables it can read.
struct StepReader<'a, 'f> {
    file: &'a YamlFile<'f>,
    script: &'a Node,
    /// The `run:` script's text; `None` for a github-script step.
    run: Option<&'a str>,
    carried: &'a Carried,
    /// The step's own `env:`.
    own: Bindings,
    /// The variables earlier steps wrote to `$GITHUB_ENV`, the job's and the workflow's
    /// `env:`, nearest first.
    outer: [&'a Bindings; 3],
    /// Shell variables the script sets, with the origin of the first untrusted text one of
    /// their assignments holds; read on first use.
    shell: Option<HashMap<&'a str, Option<Rc<Origin>>>>,
    /// The step's first untrusted text, carried by anything it makes at run time.
    first: Option<Rc<Origin>>,
    layout: Layout,
    /// The first file line of each expression in the script, for the [`Layout::Other`] one.
    lines: OnceCell<HashMap<&'f str, usize>>,
}

impl<'a, 'f> StepReader<'a, 'f> {
    fn new(
        step: &'a Node,
        file: &'a YamlFile<'f>,
        carried: &'a Carried,
        outer: [&'a Bindings; 3],
    ) -> Option<Self> {
        let run = step.get("run");
        let script = run.or_else(|| script_of(step))?;
        let own = bindings(step.get("env"), file, carried);
        let mut reader = StepReader {
            file,
            script,
            run: run.and_then(Node::as_str),
            carried,
            own,
            outer,
            shell: None,
            first: None,
            layout: Layout::of(script, file),
            lines: OnceCell::new(),
        };
        reader.first = reader.first_origin(step.get("env"), run.is_some());
        Some(reader)
    }

    /// What each readable write to `target` carries, or `None` when the script writes to it
    /// in a way that cannot be read (or is a github-script step).
    fn writes(&mut self, target: Target) -> Option<Vec<(String, Option<Rc<Origin>>)>> {
        let text = self.run?;
        let Written::Values(writes) = written(text, target) else {
            return None;
        };
        if self.shell.is_none() {
            self.read_assignments(text);
        }
        let run_time = target == Target::Outputs;
        Some(
            writes
                .iter()
                .map(|w| (w.name.clone(), self.origin(w, run_time)))
                .collect(),
        )
    }

    /// The origin of the untrusted text one write holds: the first it reads, or, with
    /// `run_time_carries`, the step's first when it writes text made at run time.
    fn origin(&self, write: &Write, run_time_carries: bool) -> Option<Rc<Origin>> {
        let mut run_time = false;
        for piece in &write.pieces {
            match self.carries(piece.line, piece.text, piece.expands) {
                Carries::From(found) => return Some(found),
                Carries::RunTime => run_time = true,
                Carries::Nothing => {}
            }
        }
        self.first.clone().filter(|_| run_time && run_time_carries)
    }

    /// Where the step's first untrusted text came from: an expression in its script, a
    /// variable bound to such text that the script reads, or one its own `env:` binds (a
    /// helper script it runs may read that).
    fn first_origin(&self, env: Option<&Node>, shell: bool) -> Option<Rc<Origin>> {
        if let Some(origin) = origin_in(self.script, self.file, self.carried) {
            return Some(origin);
        }
        let text = self.script.as_str().unwrap_or("");
        let from_environment = |name: &str| self.environment_binding(name).cloned().flatten();
        let read = if shell {
            reads(text, true).into_iter().find_map(|read| match read {
                Read::Variable(name) => from_environment(name),
                _ => None,
            })
        } else {
            (environment_reads(text).find_map(from_environment))
                .or_else(|| self.script_read_origin(text))
        };
        read.or_else(|| {
            let own = env.map(Node::entries).unwrap_or(&[]);
            own.iter()
                .find_map(|(key, _)| self.own.get(key.as_str()?).cloned()?)
        })
    }

    /// The first untrusted value a github-script script reads from the event payload
    /// (`context.payload.issue.title`) or from a pull request it looked up
    /// (`pr.data.head.ref`).
    fn script_read_origin(&self, text: &str) -> Option<Rc<Origin>> {
        if slugifies(text) {
            return None;
        }
        let (at, context) = untrusted_script_read(text)?;
        let line = text[..at].matches('\n').count();
        let line = match self.layout {
            Layout::Literal => self.script.span.line + line,
            Layout::OneLine | Layout::Other => self.script.span.line,
        };
        Some(Rc::new(Origin {
            context: context.to_string(),
            path: self.file.path.to_string(),
            line,
            through: None,
        }))
    }

    /// Records the shell variables `script` sets.
    fn read_assignments(&mut self, script: &'a str) {
        self.shell = Some(HashMap::new());
        for assignment in assignments(script) {
            let carries = self.carries(assignment.line, assignment.value, true);
            let Some(shell) = self.shell.as_mut() else {
                return;
            };
            let known = shell.entry(assignment.name).or_insert(None);
            if let (true, Carries::From(origin)) = (known.is_none(), carries) {
                *known = Some(origin);
            }
        }
    }

    /// What text on line `line` (0-based) of the script carries.
    fn carries(&self, line: usize, text: &str, expands: bool) -> Carries {
        let mut run_time = false;
        for read in reads(text, expands) {
            match read {
                Read::Expression(expression) => {
                    if let Some(origin) = self.expression_origin(line, expression) {
                        return Carries::From(origin);
                    }
                }
                Read::Variable(name) => match self.variable(name) {
                    Some(Some(origin)) => return Carries::From(origin),
                    Some(None) => {}
                    None => run_time = true,
                },
                Read::Unknown => run_time = true,
            }
        }
        if run_time {
            Carries::RunTime
        } else {
            Carries::Nothing
        }
    }

    /// A variable's origin: `Some(None)` for one bound to trusted text, `None` for one set at
    /// run time or in no visible way.
    fn variable(&self, name: &str) -> Option<Option<Rc<Origin>>> {
        match self.shell.as_ref().and_then(|shell| shell.get(name)) {
            Some(Some(origin)) => Some(Some(origin.clone())),
            Some(None) => None,
            None => self.environment_binding(name).cloned(),
        }
    }

    fn environment_binding(&self, name: &str) -> Option<&Option<Rc<Origin>>> {
        (self.own.get(name)).or_else(|| self.outer.iter().find_map(|layer| layer.get(name)))
    }

    fn expression_origin(&self, line: usize, expression: &str) -> Option<Rc<Origin>> {
        let file_line = || self.file_line(line, expression);
        origin_of(expression, file_line, self.file.path, self.carried)
    }

    /// The file line of `expression` on script line `line`: counted from the first line of a
    /// literal block (`run: |`) or a one-line script, otherwise the expression's first line
    /// in the script.
    fn file_line(&self, line: usize, expression: &str) -> usize {
        let start = self.script.span.line;
        match self.layout {
            Layout::Literal => start + line,
            Layout::OneLine => start,
            Layout::Other => {
                let lines = self.lines.get_or_init(|| {
                    let mut first = HashMap::new();
                    for (number, _, found) in expressions(self.script, self.file) {
                        first.entry(found).or_insert(number);
                    }
                    first
                });
                lines.get(expression).copied().unwrap_or(start)
            }
        }
    }
}

/// How a script's lines sit in its file.
#[derive(Clone, Copy)]
enum Layout {
    /// A literal block (`run: |`): script line `n` is the block's first line plus `n`.
    Literal,
    /// All on the line where the script starts.
    OneLine,
    /// Folded or quoted over several lines: lines are found by their expressions.
    Other,
}

impl Layout {
    fn of(script: &Node, file: &YamlFile) -> Self {
        if block_style(script, file) == Some('|') {
            Layout::Literal
        } else if script.span.line == script.span.end_line {
            Layout::OneLine
        } else {
            Layout::Other
        }
    }
}

/// Where a github-script script first reads untrusted text, and the read as written: an
/// event payload field an outsider sets (`context.payload.pull_request.title`, the script's
/// name for `github.event.pull_request.title`), or the branch of a pull request it looked up
/// (`pr.data.head.ref`, `pull.head.label`).
fn untrusted_script_read(script: &str) -> Option<(usize, &str)> {
    let in_path = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let path_end = |from: usize| {
        script[from..]
            .find(|c: char| !in_path(c))
            .map_or(script.len(), |length| from + length)
    };
    let payload = script
        .match_indices("context.payload.")
        // Only where a path starts (not `x.context.payload.`): paths then never overlap, and
        // each is read once however many times the name repeats inside one.
        .filter(|(at, _)| !script[..*at].ends_with(in_path))
        .find_map(|(at, found)| {
            let rest = &script[at + found.len()..path_end(at + found.len())];
            let event = format!("github.event.{rest}");
            untrusted_context(&format!("${{{{ {event} }}}}"))?;
            Some((at, &script[at..path_end(at)]))
        });
    let branch = [".head.ref", ".head.label"].iter().find_map(|field| {
        script.match_indices(field).find_map(|(at, found)| {
            let end = at + found.len();
            // A whole property: not `.head.refs` or `.head.ref_name`.
            let next = script[end..].chars().next();
            if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            // The path starts after the last character outside one, which may be wider than
            // a byte (`é.head.ref`).
            let start = (script[..at].char_indices().rev())
                .find(|(_, c)| !in_path(*c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            (start < at).then(|| (start, &script[start..end]))
        })
    });
    match (payload, branch) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// Whether a script replaces every character outside a set of letters, digits, `.`, `_` and
/// `-` (`.replace(/[^a-z0-9._]/g, '-')`), as a branch name is made into a preview
/// environment's name: what it returns then holds none of a shell's special characters.
fn slugifies(script: &str) -> bool {
    script.match_indices(".replace(/[^").any(|(at, found)| {
        let rest = &script[at + found.len()..];
        // A character class is short; looking further would read the script again at each
        // `.replace(`.
        let Some(end) = rest.bytes().take(256).position(|b| b == b']') else {
            return false;
        };
        let Some(after) = rest[end + 1..].strip_prefix('/') else {
            return false;
        };
        // The flags are the letters right after the pattern; reading on to the next comma
        // would read the rest of the script again at each `.replace(`.
        let flags = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .map_or(after, |length| &after[..length]);
        let class = &rest[..end];
        !class.is_empty()
            && class
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && flags.contains('g')
    })
}

/// The `core.exportVariable(NAME, VALUE)` calls of a github-script script: the name when it
/// is a string literal (`None` when it is computed), and the value's text as written.
fn exported(script: &str) -> impl Iterator<Item = (Option<&str>, &str)> {
    script
        .match_indices("core.exportVariable(")
        .map(|(at, found)| {
            let arguments = &script[at + found.len()..];
            // Arguments that cannot be told apart may name any variable with any value.
            let (name, value) = split_arguments(arguments).unwrap_or(("", ""));
            let name = name.trim();
            let literal = ['\'', '"', '`']
                .iter()
                .find_map(|q| name.strip_prefix(*q)?.strip_suffix(*q))
                .filter(|n| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            (literal, value.trim())
        })
}

/// The first two arguments of a call whose text starts after its `(`: split at the first
/// comma outside brackets and strings, the second ending at the call's `)`, within
/// [`MAX_ARGUMENTS`] bytes.
fn split_arguments(arguments: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut comma = None;
    for (at, c) in arguments
        .char_indices()
        .take_while(|(at, _)| *at < MAX_ARGUMENTS)
    {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ',') if depth == 0 && comma.is_none() => comma = Some(at),
            (None, ')' | ']' | '}') if depth == 0 => {
                let comma = comma?;
                return Some((&arguments[..comma], &arguments[comma + 1..at]));
            }
            (None, ')' | ']' | '}') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// How far the arguments of one call are read: a call that does not end within them is read
/// as one whose arguments cannot be told apart, so a script of unclosed calls is read once.
const MAX_ARGUMENTS: usize = 4096;

/// Whether a JavaScript value is a plain string literal, which holds only the text written.
fn is_string_literal(value: &str) -> bool {
    let value = value.trim();
    ['\'', '"'].iter().any(|q| {
        value.len() >= 2
            && value.starts_with(*q)
            && value.ends_with(*q)
            && !value[1..value.len() - 1].contains(*q)
    }) && !value.contains("${{")
}

/// The environment variables a github-script script reads: `process.env.NAME` and
/// `process.env['NAME']`.
fn environment_reads(script: &str) -> impl Iterator<Item = &str> {
    script
        .match_indices("process.env")
        .filter_map(|(at, found)| {
            let rest = &script[at + found.len()..];
            let name = rest
                .strip_prefix('.')
                .or_else(|| rest.strip_prefix("['"))
                .or_else(|| rest.strip_prefix("[\""))?;
            let length = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(name.len());
            (length > 0).then(|| &name[..length])
        })
}
