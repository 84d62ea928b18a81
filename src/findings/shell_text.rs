//! What a `run:` script writes to its step's outputs and to the job's environment, which
//! shell variables it sets, and what a piece of its text reads: the shell side of following
//! untrusted text through a step.
//!
//! Only the plain forms are read: `echo "name=value" >> "$GITHUB_OUTPUT"`, a multi-line value
//! written as `echo "name<<EOF"`, its lines and `echo EOF`, either line by line or in a
//! `{ ... } >> "$GITHUB_OUTPUT"` group, and the older `echo "::set-output name=x::value"`;
//! the same forms into `$GITHUB_ENV`. A script that writes its outputs any other way
//! (`printf`, `tee`, a helper script) may write anything to any of them.

use std::sync::LazyLock;

use regex::Regex;

/// The file a step writes name-value pairs to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Target {
    /// `$GITHUB_OUTPUT`: the step's outputs, whose names are read ignoring case.
    Outputs,
    /// `$GITHUB_ENV`: variables of every later step of the job, by their exact names.
    Environment,
}

impl Target {
    fn variable(self) -> &'static str {
        match self {
            Target::Outputs => "GITHUB_OUTPUT",
            Target::Environment => "GITHUB_ENV",
        }
    }

    fn name(self, name: &str) -> String {
        match self {
            Target::Outputs => name.to_ascii_lowercase(),
            Target::Environment => name.to_string(),
        }
    }
}

/// A value a script writes to one output or variable.
#[derive(Debug, PartialEq)]
pub(crate) struct Write<'s> {
    /// The output's name, lower-cased (outputs are read case-insensitively), or the
    /// variable's name as written.
    pub name: String,
    /// The text written, piece by piece: one for `name=value`, one per line for a
    /// multi-line value.
    pub pieces: Vec<Piece<'s>>,
}

/// Text a script writes, on line `line` (0-based) of the script.
#[derive(Debug, PartialEq)]
pub(crate) struct Piece<'s> {
    pub line: usize,
    pub text: &'s str,
    /// Whether the shell expands variables in it: not inside single quotes.
    pub expands: bool,
}

/// Which outputs or variables a script writes.
#[derive(Debug, PartialEq)]
pub(crate) enum Written<'s> {
    /// These values, and nothing else.
    Values(Vec<Write<'s>>),
    /// Anything to any of them: a write this module cannot read, or none visible at all.
    Any,
}

/// The argument of `echo`: double-quoted (to the last quote, since a `$(...)` inside may
/// quote again), single-quoted, or a bare word running to the redirection.
const ECHO: &str = r#"^\s*echo\s+(?:-[neE]+\s+)?(?:"(.*)"|'([^']*)'|([^\s"'>;|&][^>;|&]*?))\s*"#;

/// `>> "$GITHUB_OUTPUT"` (or `$GITHUB_ENV`), with or without quotes and braces.
fn to_file(target: Target) -> String {
    format!(r#">>\s*"?\$\{{?{}\}}?"?\s*(?:#.*)?$"#, target.variable())
}

/// The patterns that read one target's writes: an `echo` into it, and the end of a group
/// into it.
struct Patterns {
    echo: Regex,
    group: Regex,
}

impl Patterns {
    fn new(target: Target) -> Option<Patterns> {
        let to_file = to_file(target);
        Some(Patterns {
            echo: Regex::new(&format!("{ECHO}{to_file}")).ok()?,
            group: Regex::new(&format!(r"^\s*\}}\s*{to_file}")).ok()?,
        })
    }
}

static TO_OUTPUTS: LazyLock<Option<Patterns>> = LazyLock::new(|| Patterns::new(Target::Outputs));

static TO_ENVIRONMENT: LazyLock<Option<Patterns>> =
    LazyLock::new(|| Patterns::new(Target::Environment));

static ECHO_ALONE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(&format!(r"{ECHO}(?:#.*)?$")).ok());

static SET_OUTPUT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"^\s*echo\s+(?:-[neE]+\s+)?(["']?)::set-output\s+name=([A-Za-z0-9_-]+)::(.*?)["']?\s*(?:#.*)?$"#)
        .ok()
});

/// `NAME=value`, `export NAME="value"`, `local NAME=...`, and `for NAME in list`.
static ASSIGNMENT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(?:(?:export|local|readonly|declare|typeset)\s+(?:-[A-Za-z]+\s+)*)?",
        r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?\+?=(.*)$|",
        r"^\s*for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.*)$"
    ))
    .ok()
});

/// The values a `run:` script writes to `target`.
pub(crate) fn written(script: &str, target: Target) -> Written<'_> {
    let patterns = match target {
        Target::Outputs => TO_OUTPUTS.as_ref(),
        Target::Environment => TO_ENVIRONMENT.as_ref(),
    };
    let (Some(patterns), Some(echo_alone), Some(set_output)) =
        (patterns, ECHO_ALONE.as_ref(), SET_OUTPUT.as_ref())
    else {
        return Written::Any;
    };
    // `::set-output` writes an output; its `::set-env` counterpart no longer runs.
    let command = (target == Target::Outputs).then_some("::set-output");
    let lines: Vec<&str> = script.lines().collect();
    let mut writes = Writes::new(target);
    let mut seen = false;
    let mut group = None;
    for (index, &line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed == "{" {
            group = Some(index + 1);
            continue;
        }
        if !line.contains(target.variable()) && !command.is_some_and(|c| line.contains(c)) {
            continue;
        }
        // A line that only reads the file (`cat "$GITHUB_ENV"`) writes nothing.
        if !command.is_some_and(|c| line.contains(c))
            && !line.contains('>')
            && !line.contains("tee")
        {
            continue;
        }
        seen = true;
        let set = command.and_then(|_| set_output.captures(line));
        let read = if let Some(found) = set {
            let (Some(name), Some(value)) = (found.get(2), found.get(3)) else {
                return Written::Any;
            };
            let expands = found.get(1).is_none_or(|quote| quote.as_str() != "'");
            writes.single(name.as_str(), index, value.as_str(), expands);
            Some(())
        } else if let Some(found) = patterns.echo.captures(line) {
            writes.echo(index, &found)
        } else if let (true, Some(start)) = (patterns.group.is_match(line), group.take()) {
            // Each line of the group goes to the file as if written on its own.
            (start..index).try_for_each(|inner| {
                let text = lines[inner].trim();
                if text.is_empty() || text.starts_with('#') {
                    return Some(());
                }
                writes.echo(inner, &echo_alone.captures(lines[inner])?)
            })
        } else {
            None
        };
        if read.is_none() {
            return Written::Any;
        }
    }
    if seen {
        Written::Values(writes.done)
    } else {
        Written::Any
    }
}

/// The writes read so far, and the multi-line value still open with its closing word.
struct Writes<'s> {
    target: Target,
    done: Vec<Write<'s>>,
    open: Option<&'s str>,
}

impl<'s> Writes<'s> {
    fn new(target: Target) -> Self {
        Writes {
            target,
            done: Vec::new(),
            open: None,
        }
    }

    fn single(&mut self, name: &str, line: usize, text: &'s str, expands: bool) {
        let piece = Piece {
            line,
            text,
            expands,
        };
        self.done.push(Write {
            name: self.target.name(name),
            pieces: vec![piece],
        });
    }

    /// One `echo` into the outputs: a line of the open multi-line value, the word that
    /// closes it, `name=value`, or `name<<WORD`; `None` for anything else.
    fn echo(&mut self, line: usize, found: &regex::Captures<'s>) -> Option<()> {
        let (text, expands) = match (found.get(1), found.get(2), found.get(3)) {
            (Some(text), _, _) | (_, _, Some(text)) => (text.as_str(), true),
            (_, Some(text), _) => (text.as_str(), false),
            _ => return None,
        };
        if let Some(word) = self.open {
            if text.trim() == word {
                self.open = None;
            } else if let Some(write) = self.done.last_mut() {
                write.pieces.push(Piece {
                    line,
                    text,
                    expands,
                });
            }
            return Some(());
        }
        if let Some((name, value)) = text.split_once('=').filter(|(n, _)| is_output_name(n)) {
            self.single(name, line, value, expands);
            return Some(());
        }
        let (name, word) = text.split_once("<<")?;
        let word = word.trim();
        if !is_output_name(name) || word.is_empty() {
            return None;
        }
        self.done.push(Write {
            name: self.target.name(name),
            pieces: Vec::new(),
        });
        self.open = Some(word);
        Some(())
    }
}

fn is_output_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A shell variable a script sets, with the text it is set from, on line `line` (0-based).
#[derive(Debug, PartialEq)]
pub(crate) struct Assignment<'s> {
    pub line: usize,
    pub name: &'s str,
    pub value: &'s str,
}

/// Every variable a script sets, in script order.
pub(crate) fn assignments(script: &str) -> impl Iterator<Item = Assignment<'_>> {
    let pattern = ASSIGNMENT.as_ref();
    script.lines().enumerate().filter_map(move |(line, text)| {
        let found = pattern?.captures(text)?;
        let name = found.get(1).or_else(|| found.get(3))?.as_str();
        let value = found.get(2).or_else(|| found.get(4))?.as_str();
        Some(Assignment { line, name, value })
    })
}

/// Something a piece of script text reads.
#[derive(Debug, PartialEq)]
pub(crate) enum Read<'s> {
    /// A whole `${{ ... }}`, which GitHub replaces before the shell starts.
    Expression(&'s str),
    /// `$NAME` or `${NAME...}`.
    Variable(&'s str),
    /// Text the script makes at run time: `$(...)`, backquotes, `$1`, `$@`.
    Unknown,
}

/// What `text` reads, in order; with `expands` false (single quotes) only its expressions.
pub(crate) fn reads(text: &str, expands: bool) -> Vec<Read<'_>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'$' if bytes[at..].starts_with(b"${{") => {
                let Some(close) = text[at + 3..].find("}}") else {
                    break;
                };
                let end = at + 3 + close + 2;
                found.push(Read::Expression(&text[at..end]));
                at = end;
                continue;
            }
            b'\\' if expands => at += 1,
            b'`' if expands => {
                // A command substitution: what it prints is made at run time.
                found.push(Read::Unknown);
                at += text[at + 1..].find('`').map_or(bytes.len(), |end| end + 1);
            }
            b'$' if expands => {
                let mut start = at + 1;
                if bytes.get(start) == Some(&b'{') {
                    start += 1;
                    while bytes.get(start).is_some_and(|b| b"#!".contains(b)) {
                        start += 1;
                    }
                }
                let length = bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                let name = &text[start..start + length];
                if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    found.push(Read::Variable(name));
                    at = start + length;
                    continue;
                }
                if bytes
                    .get(start)
                    .is_some_and(|b| b.is_ascii_digit() || b"(@*#?$!-".contains(b))
                {
                    found.push(Read::Unknown);
                }
            }
            _ => {}
        }
        at += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written_outputs(script: &str) -> Written<'_> {
        written(script, Target::Outputs)
    }

    fn names<'w>(written: &'w Written) -> Option<Vec<&'w str>> {
        match written {
            Written::Values(writes) => Some(writes.iter().map(|w| w.name.as_str()).collect()),
            Written::Any => None,
        }
    }

    #[test]
    fn plain_writes_are_read_with_their_values() {
        let script = "if [[ x ]]; then\n  echo \"run-tests=false\" >> $GITHUB_OUTPUT\nfi\n\
                      echo 'go=$HOME' >> \"$GITHUB_OUTPUT\"\n\
                      echo \"Labels=$DATA\" >> ${GITHUB_OUTPUT} # all of them\n\
                      echo \"::set-output name=tag::${T}\"\n";
        let Written::Values(writes) = written_outputs(script) else {
            panic!("{script}");
        };
        let seen: Vec<(&str, usize, &str, bool)> = writes
            .iter()
            .flat_map(|w| {
                w.pieces
                    .iter()
                    .map(|p| (w.name.as_str(), p.line, p.text, p.expands))
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("run-tests", 1, "false", true),
                ("go", 3, "$HOME", false),
                ("labels", 4, "$DATA", true),
                ("tag", 5, "${T}", true),
            ]
        );
    }

    #[test]
    fn a_quoted_value_may_quote_again_inside_a_command() {
        let script = "echo \"target=$(echo \"$NUMBER\" | sed 's/^/pr-/')\" >> \"$GITHUB_OUTPUT\"\n";
        let Written::Values(writes) = written_outputs(script) else {
            panic!("{script}");
        };
        assert_eq!(
            writes[0].pieces[0].text,
            "$(echo \"$NUMBER\" | sed 's/^/pr-/')"
        );
        assert_eq!(
            reads(writes[0].pieces[0].text, true),
            [Read::Unknown, Read::Variable("NUMBER")]
        );
    }

    #[test]
    fn multi_line_values_are_read_line_by_line_or_as_a_group() {
        let lines = "echo \"notes<<EOF\" >> $GITHUB_OUTPUT\necho \"$NOTES\" >> $GITHUB_OUTPUT\n\
                     echo EOF >> $GITHUB_OUTPUT\necho \"ok=1\" >> $GITHUB_OUTPUT\n";
        let Written::Values(writes) = written_outputs(lines) else {
            panic!("{lines}");
        };
        assert_eq!(names(&Written::Values(writes)), Some(vec!["notes", "ok"]));
        let grouped =
            "{\n  echo \"notes<<EOF\"\n  echo \"$NOTES\"\n  echo EOF\n} >> \"$GITHUB_OUTPUT\"\n";
        let Written::Values(writes) = written_outputs(grouped) else {
            panic!("{grouped}");
        };
        assert_eq!(writes.len(), 1);
        assert_eq!(writes[0].pieces[0].text, "$NOTES");
        assert_eq!(writes[0].pieces[0].line, 2);
    }

    #[test]
    fn other_writes_may_write_anything() {
        for script in [
            "./scripts/meta.sh \"$TITLE\"\n",
            "echo \"v=$V\" | tee -a \"$GITHUB_OUTPUT\"\n",
            "printf 'v=%s\\n' \"$V\" >> \"$GITHUB_OUTPUT\"\n",
            "{\n  echo \"a=1\"\n  ./more.sh\n} >> \"$GITHUB_OUTPUT\"\n",
            "echo \"VERSION=$GH_REF\" | sed 's/release-//' >> $GITHUB_OUTPUT\n",
        ] {
            assert_eq!(written_outputs(script), Written::Any, "{script}");
        }
        // A commented-out write is not a write.
        let commented = "# echo \"a=$(date)\" >> $GITHUB_OUTPUT\necho \"b=1\" >> $GITHUB_OUTPUT\n";
        assert_eq!(names(&written_outputs(commented)), Some(vec!["b"]));
    }

    #[test]
    fn environment_writes_keep_the_case_of_their_names() {
        let script = "echo \"Pr_Title=$T\" >> $GITHUB_ENV\necho \"::set-output name=x::1\"\n\
                      echo \"out=1\" >> $GITHUB_OUTPUT\n";
        let Written::Values(writes) = written(script, Target::Environment) else {
            panic!("{script}");
        };
        let found: Vec<(&str, usize)> = writes
            .iter()
            .map(|w| (w.name.as_str(), w.pieces[0].line))
            .collect();
        assert_eq!(found, [("Pr_Title", 0)]);
        assert_eq!(names(&written_outputs(script)), Some(vec!["x", "out"]));
        assert_eq!(written("echo hi\n", Target::Environment), Written::Any);
        let debug = "echo \"A=$T\" >> \"$GITHUB_ENV\"\ncat \"$GITHUB_ENV\"\n";
        assert_eq!(names(&written(debug, Target::Environment)), Some(vec!["A"]));
    }

    #[test]
    fn assignments_and_reads() {
        let script =
            "NAME=\"${{ github.head_ref }}\"\n  export TAG=${NAME#v}\nfor L in $LIST; do\n";
        let found: Vec<(usize, &str, &str)> = assignments(script)
            .map(|a| (a.line, a.name, a.value))
            .collect();
        assert_eq!(
            found,
            [
                (0, "NAME", "\"${{ github.head_ref }}\""),
                (1, "TAG", "${NAME#v}"),
                (2, "L", "$LIST; do"),
            ]
        );
        assert_eq!(
            reads("a-${{ x.y }}-$B-${C:-d}-${#E}-$(date)-`id`-$1-\\$F-$", true),
            [
                Read::Expression("${{ x.y }}"),
                Read::Variable("B"),
                Read::Variable("C"),
                Read::Variable("E"),
                Read::Unknown,
                Read::Unknown,
                Read::Unknown,
            ]
        );
        assert_eq!(
            reads("$A ${{ github.head_ref }}", false),
            [Read::Expression("${{ github.head_ref }}")]
        );
    }
}
