//! The values a workflow's variables take in a step's commands, so that catalog signals see
//! the command a step runs: `bin/rails $TEST_COMMAND` with `TEST_COMMAND: ${{ matrix.tests.command }}`
//! runs `bin/rails test` and `bin/rails test:system`; `php${{ matrix.php }} vendor/bin/phpunit`
//! runs `php8.3 vendor/bin/phpunit`.
//!
//! A variable is filled in when its value is written in the workflow: a literal in `env:`
//! (the step's, then the job's, then the workflow's), or a matrix value listed in
//! `strategy.matrix`. A value computed at run time (`fromJSON(...)`, a secret, a step's output)
//! leaves the command as written. A command stands for at most [`MAX_VARIANTS`] commands, one
//! per combination of values, in the order the matrix lists them.

use std::collections::{HashMap, HashSet};

use crate::parse::yaml::Node;
use crate::pipeline::Command;

/// Most commands one written command stands for.
pub(super) const MAX_VARIANTS: usize = 8;
/// Most variables filled in one command; the rest of it is kept as written.
const MAX_REFERENCES: usize = 64;
/// Most commands added to one step; later commands are kept only as written.
const MAX_ADDED: usize = 256;
/// Longest variable name read in `${NAME}`.
const MAX_NAME: usize = 128;
/// Most distinct matrix paths looked up in one job; later ones are left as written.
const MAX_PATHS: usize = 64;
/// Most matrix entries (listed values and `include:` entries) read for one path.
const MAX_ENTRIES: usize = 256;

/// One `env:` map, by name; the first definition of a name wins.
pub(super) type Env<'a> = HashMap<&'a str, &'a str>;

/// The variables `variables` defines, by name.
pub(super) fn env_of(variables: &[(String, String)]) -> Env<'_> {
    let mut env = Env::with_capacity(variables.len());
    for (name, value) in variables {
        env.entry(name.as_str()).or_insert(value.as_str());
    }
    env
}

/// Where a step's variables are looked up.
pub(super) struct Scope<'a> {
    /// Variables by name, nearest first: the step's `env:`, the job's, the workflow's.
    pub env: [&'a Env<'a>; 3],
    /// The job's `strategy.matrix`, with the values of each path read once.
    pub matrix: &'a Matrix<'a>,
}

/// A job's `strategy.matrix` and the values read from it so far, by path: the steps of a job
/// share it, so each path is read once per job however many commands name it.
pub(super) struct Matrix<'a> {
    node: Option<&'a Node>,
    read: std::cell::RefCell<HashMap<String, std::rc::Rc<[String]>>>,
}

impl<'a> Matrix<'a> {
    pub fn new(node: Option<&'a Node>) -> Self {
        Self {
            node,
            read: std::cell::RefCell::new(HashMap::new()),
        }
    }
}

impl Scope<'_> {
    /// `commands`, each as written and followed by the commands it stands for with the
    /// variables filled in, so that evidence quotes the workflow's own text where that text
    /// is enough.
    pub fn fill(&self, commands: Vec<Command>) -> Vec<Command> {
        if !commands.iter().any(|c| c.text.contains('$')) {
            return commands;
        }
        let assigned = assigned_in(&commands);
        let mut out = Vec::with_capacity(commands.len());
        let mut added = 0;
        for command in commands {
            let variants = if added < MAX_ADDED {
                self.variants(&command.text, &assigned)
            } else {
                Vec::new()
            };
            added += variants.len();
            let location = command.location.clone();
            out.push(command);
            out.extend(variants.into_iter().map(|text| Command {
                text,
                location: location.clone(),
            }));
        }
        out
    }

    /// The texts `text` stands for, or none when it has no variable whose value is known.
    fn variants(&self, text: &str, assigned: &HashSet<String>) -> Vec<String> {
        let mut variants = vec![String::new()];
        let mut filled = false;
        let mut rest = text;
        let mut references = 0;
        while references < MAX_REFERENCES
            && let Some((before, reference, after)) = next_reference(rest)
        {
            references += 1;
            let values = match reference {
                Reference::Matrix(path) => self.matrix_values(path),
                Reference::Env(name) => self.env_values(name),
                // The script sets it: its value is the script's, not the `env:` one.
                Reference::Shell(name) if assigned.contains(name) => Vec::new(),
                Reference::Shell(name) => self.env_values(name),
            };
            let written = &rest[before.len()..rest.len() - after.len()];
            for variant in &mut variants {
                variant.push_str(before);
            }
            if values.is_empty() {
                for variant in &mut variants {
                    variant.push_str(written);
                }
            } else {
                filled = true;
                variants = (variants.iter())
                    .flat_map(|v| values.iter().map(move |value| format!("{v}{value}")))
                    .take(MAX_VARIANTS)
                    .collect();
            }
            rest = after;
        }
        if !filled {
            return Vec::new();
        }
        for variant in &mut variants {
            variant.push_str(rest);
        }
        variants
    }

    /// The values of the `env:` variable `name`, nearest definition first.
    fn env_values(&self, name: &str) -> Vec<String> {
        let Some(value) = self.env.iter().find_map(|layer| layer.get(name)) else {
            return Vec::new();
        };
        let value = value.trim();
        if !value.contains("${{") {
            return vec![value.to_string()];
        }
        // A value that is one matrix expression takes the matrix's values.
        match next_reference(value) {
            Some(("", Reference::Matrix(path), "")) => self.matrix_values(path),
            _ => Vec::new(),
        }
    }

    /// The values the matrix lists for `path` (`php`, `tests.command`), from its axis and its
    /// `include:` entries; none when any of them is computed at run time.
    fn matrix_values(&self, path: &str) -> Vec<String> {
        if let Some(values) = self.matrix.read.borrow().get(path) {
            return values.to_vec();
        }
        if self.matrix.read.borrow().len() >= MAX_PATHS {
            return Vec::new();
        }
        let values = self.read_matrix(path);
        (self.matrix.read.borrow_mut()).insert(path.to_string(), values.clone().into());
        values
    }

    /// [`Scope::matrix_values`], read from the matrix.
    fn read_matrix(&self, path: &str) -> Vec<String> {
        let Some(matrix) = self.matrix.node else {
            return Vec::new();
        };
        let (axis, inner) = match path.split_once('.') {
            Some((axis, inner)) => (axis, Some(inner)),
            None => (path, None),
        };
        if matches!(axis, "include" | "exclude") {
            return Vec::new();
        }
        let listed = matrix.get(axis).map(Node::items).unwrap_or_default();
        // Entries past the first few hundred are not looked at.
        let included = (matrix
            .get("include")
            .map(Node::items)
            .unwrap_or_default()
            .iter())
        .take(MAX_ENTRIES)
        .filter_map(|entry| entry.get(axis));
        let mut values: Vec<String> = Vec::new();
        for item in listed.iter().take(MAX_ENTRIES).chain(included) {
            let node = match inner {
                Some(inner) => inner.split('.').try_fold(item, |node, key| node.get(key)),
                None => Some(item),
            };
            let Some(value) = node.and_then(Node::as_str) else {
                return Vec::new();
            };
            if value.contains("${{") {
                return Vec::new();
            }
            if !values.iter().any(|v| v == value) {
                values.push(value.to_string());
            }
            if values.len() == MAX_VARIANTS {
                break;
            }
        }
        values
    }
}

/// A variable a command reads.
#[derive(Debug, PartialEq)]
enum Reference<'t> {
    /// `${{ matrix.PATH }}`.
    Matrix(&'t str),
    /// `${{ env.NAME }}`, filled in before the shell starts.
    Env(&'t str),
    /// `$NAME` or `${NAME}`, which the script may set itself.
    Shell(&'t str),
}

/// The shell variables a step's script sets (`NAME=…`, `export NAME=…`, `read NAME`,
/// `for NAME in …`), whose values are the script's.
fn assigned_in(commands: &[Command]) -> HashSet<String> {
    let mut names = HashSet::new();
    for command in commands {
        let mut words = command
            .text
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
            .filter(|w| !w.is_empty())
            .peekable();
        while let Some(word) = words.next() {
            if let Some((name, _)) = word.split_once('=')
                && is_name(name)
            {
                names.insert(name.to_string());
            } else if matches!(word, "read" | "for") {
                while let Some(next) = words.next_if(|w| w.starts_with('-') || is_name(w)) {
                    if is_name(next) {
                        names.insert(next.to_string());
                    }
                    if word == "for" {
                        break;
                    }
                }
            }
        }
    }
    names
}

/// The first variable in `text`: the text before it, the variable, the text after it.
fn next_reference(text: &str) -> Option<(&str, Reference<'_>, &str)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(offset) = text[at..].find('$') {
        let start = at + offset;
        let after_dollar = &text[start + 1..];
        if let Some(inside) = after_dollar.strip_prefix("{{") {
            let end = inside.find("}}")?;
            let expression = inside[..end].trim();
            let rest = &inside[end + 2..];
            let reference = if let Some(path) = expression.strip_prefix("matrix.") {
                is_path(path).then_some(Reference::Matrix(path))
            } else if let Some(name) = expression.strip_prefix("env.") {
                is_name(name).then_some(Reference::Env(name))
            } else {
                None
            };
            if let Some(reference) = reference {
                return Some((&text[..start], reference, rest));
            }
            at = text.len() - rest.len();
            continue;
        }
        // A shell variable, unless the dollar is escaped.
        let escaped = start > 0 && bytes[start - 1] == b'\\';
        let (name, rest) = match after_dollar.strip_prefix('{') {
            // A name is short: the closing brace is looked for in the next few bytes only,
            // so a line of unclosed `${` is read once.
            Some(braced) => match (braced.bytes().take(MAX_NAME + 1)).position(|b| b == b'}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", after_dollar),
            },
            None => {
                let end = (after_dollar.bytes())
                    .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
                    .unwrap_or(after_dollar.len());
                (&after_dollar[..end], &after_dollar[end..])
            }
        };
        if !escaped && is_name(name) {
            return Some((&text[..start], Reference::Shell(name), rest));
        }
        at = start + 1;
    }
    None
}

fn is_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;
    use crate::source::Location;

    fn fill(env: &[(&str, &str)], matrix: &str, text: &str) -> Vec<String> {
        let documents = yaml::parse(matrix).expect("matrix parses");
        let env: Vec<(String, String)> = (env.iter())
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let (env, none) = (env_of(&env), Env::new());
        let scope = Scope {
            env: [&env, &none, &none],
            matrix: &Matrix::new(documents.first()),
        };
        let command = Command {
            text: text.to_string(),
            location: Location::line("ci.yml", 3, 1, 1),
        };
        let out: Vec<String> = (scope.fill(vec![command]).into_iter())
            .map(|c| c.text)
            .collect();
        assert_eq!(out[0], text, "the written command comes first");
        out[1..].to_vec()
    }

    #[test]
    fn an_env_variable_bound_to_a_matrix_field_takes_each_value() {
        let matrix = "tests:\n  - {id: general, command: test}\n  - {id: system, command: \"test:system\"}\n";
        assert_eq!(
            fill(
                &[("TEST_COMMAND", "${{ matrix.tests.command }}")],
                matrix,
                "bin/rails $TEST_COMMAND"
            ),
            ["bin/rails test", "bin/rails test:system"]
        );
    }

    #[test]
    fn a_matrix_expression_in_the_command_takes_each_value_and_include_entries() {
        let matrix = "php: ['8.1', '8.2']\ninclude:\n  - php: '8.3'\n";
        assert_eq!(
            fill(&[], matrix, "php${{ matrix.php }} ./vendor/bin/phpunit"),
            [
                "php8.1 ./vendor/bin/phpunit",
                "php8.2 ./vendor/bin/phpunit",
                "php8.3 ./vendor/bin/phpunit"
            ]
        );
    }

    #[test]
    fn literal_env_values_fill_shell_and_expression_references() {
        assert_eq!(
            fill(
                &[("SUITE", "unit"), ("DIR", "api")],
                "{}",
                "make ${SUITE} -C ${{ env.DIR }} $SUITE"
            ),
            ["make unit -C api unit"]
        );
    }

    #[test]
    fn values_known_only_at_run_time_leave_the_command_as_written() {
        let matrix = "target: ${{ fromJSON(inputs.targets) }}\nos: [a, '${{ inputs.os }}']\n";
        let env = [
            ("TOKEN", "${{ secrets.TOKEN }}"),
            ("OUT", "${{ steps.x.outputs.dir }}"),
        ];
        for text in [
            "deploy --target ${{ matrix.target }}",
            "run-on ${{ matrix.os }}",
            "curl -H \"$TOKEN\" $OUT",
            "echo $HOME \\$SUITE ${{ github.ref }}",
        ] {
            assert!(fill(&env, matrix, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_variable_the_script_sets_keeps_the_scripts_value() {
        let env = [("COVERAGE_TOTAL", "50"), ("DIR", "api"), ("N", "3")];
        let documents = yaml::parse("{}").expect("parses");
        let variables: Vec<(String, String)> = (env.iter())
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let (env, none) = (env_of(&variables), Env::new());
        let scope = Scope {
            env: [&env, &none, &none],
            matrix: &Matrix::new(documents.first()),
        };
        let commands: Vec<Command> = [
            "export COVERAGE_TOTAL=$(python -c 'print(1)')",
            "if [[ $COVERAGE_TOTAL < ${{ env.COVERAGE_TOTAL }} ]]; then exit 1; fi",
            "read -r N",
            "cd $DIR && echo $N",
        ]
        .iter()
        .map(|text| Command {
            text: text.to_string(),
            location: Location::line("ci.yml", 3, 1, 1),
        })
        .collect();
        let out: Vec<String> = scope.fill(commands).into_iter().map(|c| c.text).collect();
        assert_eq!(
            out[1..],
            [
                "if [[ $COVERAGE_TOTAL < ${{ env.COVERAGE_TOTAL }} ]]; then exit 1; fi",
                "if [[ $COVERAGE_TOTAL < 50 ]]; then exit 1; fi",
                "read -r N",
                "cd $DIR && echo $N",
                "cd api && echo $N",
            ]
        );
    }

    #[test]
    fn combinations_are_bounded() {
        let matrix = "a: [1, 2, 3, 4]\nb: [1, 2, 3, 4]\nc: [1, 2, 3, 4]\n";
        let out = fill(
            &[],
            matrix,
            "t ${{ matrix.a }} ${{ matrix.b }} ${{ matrix.c }}",
        );
        assert_eq!(out.len(), MAX_VARIANTS);
        assert_eq!(out[0], "t 1 1 1");
        assert_eq!(out[1], "t 1 1 2");
    }

    #[test]
    fn at_most_a_bounded_number_of_variables_are_filled_per_command() {
        let text = "echo $A ".repeat(MAX_REFERENCES + 10);
        let out = fill(&[("A", "x")], "{}", &text);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].matches("echo x ").count(), MAX_REFERENCES);
        assert_eq!(out[0].matches("echo $A ").count(), 10);
    }

    #[test]
    fn a_step_gains_a_bounded_number_of_commands() {
        let documents = yaml::parse("v: [a, b, c, d, e, f, g, h]\n").expect("parses");
        let none = Env::new();
        let scope = Scope {
            env: [&none, &none, &none],
            matrix: &Matrix::new(documents.first()),
        };
        let commands: Vec<Command> = (0..1000)
            .map(|_| Command {
                text: "run ${{ matrix.v }}".to_string(),
                location: Location::line("ci.yml", 3, 1, 1),
            })
            .collect();
        // 32 commands gain 8 each; the other 968 are kept as written.
        assert_eq!(scope.fill(commands).len(), 1000 + MAX_ADDED);
    }

    #[test]
    fn unterminated_expressions_and_lone_dollars_are_kept() {
        assert!(fill(&[("A", "x")], "{}", "echo $ ${{ matrix.a").is_empty());
        assert!(fill(&[("A", "x")], "{}", "echo ${A").is_empty());
    }
}
