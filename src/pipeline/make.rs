//! Make targets that CI steps run (`make test`, `make -C backend lint`, `$(MAKE) build`): the
//! recipe lines of each target, after those of the targets it depends on, are part of the
//! step, so `make test` running `go test -cover ./...` counts as the command itself would.
//! The Makefile is read, never run.
//!
//! Read: rules whose targets are written out (`test lint: deps ## help`), their prerequisites
//! and their tab-indented recipes, with `@`, `-` and `+` prefixes removed and `\` continuations
//! joined; rules of the files it `include`s by name count as its own. Not read: pattern rules
//! (`%.o: %.c`), targets and included files named by variables, and conditionals; a recipe
//! inside `ifeq` counts whichever branch it is in.

use std::collections::{HashMap, HashSet};

use super::Command;
use crate::source::Location;

/// A rule of a Makefile: its prerequisites and recipe.
struct Rule<'t> {
    prerequisites: Vec<&'t str>,
    recipe: Vec<Command>,
}

/// The make invocations in a shell command: the folder (`-C`), the Makefile (`-f`) and the
/// targets of each; no target means the first rule.
pub(super) struct Call {
    pub directory: Option<String>,
    pub file: Option<String>,
    pub targets: Vec<String>,
}

/// Words that separate one shell command from the next.
fn ends_command(word: &str) -> bool {
    matches!(
        word,
        ";" | "&&" | "||" | "|" | "&" | "then" | "do" | "else" | "(" | ")"
    )
}

/// The make calls of `text`: `make`, `gmake`, `$(MAKE)` or `${MAKE}` at the start of a
/// command, after variable assignments or `sudo`/`env`/`time`.
pub(super) fn calls(text: &str) -> Vec<Call> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    let mut at_start = true;
    let mut i = 0;
    while i < words.len() {
        let word = words[i].trim_start_matches('(');
        let is_make = matches!(word, "make" | "gmake" | "$(MAKE)" | "${MAKE}");
        if at_start && is_make {
            let (call, next) = read_call(&words, i + 1);
            out.push(call);
            i = next;
            at_start = true;
            continue;
        }
        let assignment = word.contains('=') && !word.starts_with('-') && !word.starts_with('=');
        at_start = ends_command(word)
            || word.ends_with(';')
            || (at_start && (assignment || matches!(word, "sudo" | "env" | "time" | "exec")));
        i += 1;
    }
    out
}

/// Reads the options and targets of one make call starting at `words[from]`; returns the call
/// and where the next command starts.
fn read_call(words: &[&str], from: usize) -> (Call, usize) {
    let mut call = Call {
        directory: None,
        file: None,
        targets: Vec::new(),
    };
    let mut i = from;
    while i < words.len() {
        let word = words[i];
        if ends_command(word) {
            return (call, i + 1);
        }
        let last = word.ends_with(';');
        let word = word.trim_end_matches(';').trim_end_matches(')');
        let mut value = |short: &str, long: &str| -> Option<String> {
            if word == short {
                i += 1;
                return words.get(i).map(|w| w.trim_end_matches(';').to_string());
            }
            word.strip_prefix(long)
                .or_else(|| word.strip_prefix(short).filter(|v| !v.is_empty()))
                .map(str::to_string)
        };
        if let Some(directory) = value("-C", "--directory=") {
            call.directory = Some(directory);
        } else if let Some(file) = value("-f", "--file=") {
            call.file = Some(file);
        } else if !word.starts_with('-')
            && !word.contains('=')
            && !word.contains('$')
            && !word.is_empty()
        {
            call.targets
                .push(word.trim_matches(['"', '\'']).to_string());
        }
        i += 1;
        if last {
            break;
        }
    }
    (call, i)
}

/// The files a Makefile `include`s (`include a.mk`, `-include b.mk`, `sinclude c.mk`), as
/// written; names built from variables are left out.
pub(super) fn includes(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| {
            let line = line
                .strip_prefix('-')
                .or_else(|| line.strip_prefix('s'))
                .unwrap_or(line);
            line.strip_prefix("include ")
        })
        .flat_map(|names| names.split('#').next().unwrap_or("").split_whitespace())
        .filter(|name| !name.contains('$'))
        .collect()
}

/// The rules of a Makefile, by target, and the first rule's target (make's default goal).
fn rules<'t>(path: &str, text: &'t str) -> (Vec<(&'t str, Rule<'t>)>, Option<&'t str>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(&str, Rule)> = Vec::new();
    let mut default = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.starts_with('\t') || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((left, right)) = line.split_once(':') else {
            continue;
        };
        // `A := b`, `A ?= b`, `A = b:c` are assignments, not rules.
        if right.starts_with('=') || left.contains('=') || left.trim().is_empty() {
            continue;
        }
        let right = right.trim_start_matches(':');
        let right = right.split(['#', ';']).next().unwrap_or("");
        let targets: Vec<&str> = left
            .split_whitespace()
            .filter(|t| !t.contains('%') && !t.contains('$'))
            .collect();
        let prerequisites: Vec<&str> = right
            .split_whitespace()
            .filter(|p| *p != "|" && !p.contains('$') && !p.contains('%'))
            .collect();
        let mut recipe = Vec::new();
        while i < lines.len() && (lines[i].starts_with('\t') || lines[i].trim().is_empty()) {
            let raw = lines[i];
            let start = i;
            let mut body = raw.trim().to_string();
            while body.ends_with('\\') && i + 1 < lines.len() {
                body.pop();
                i += 1;
                body.push(' ');
                body.push_str(lines[i].trim());
            }
            i += 1;
            let body = body.trim_start_matches(['@', '-', '+']).trim();
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let column = raw.len() - raw.trim_start().len() + 1;
            let end = column + raw.trim().chars().count();
            recipe.push(Command {
                text: body.to_string(),
                location: Location::line(path, start + 1, column, end),
            });
        }
        for target in targets {
            if target.starts_with('.') {
                continue;
            }
            default.get_or_insert(target);
            out.push((
                target,
                Rule {
                    prerequisites: prerequisites.clone(),
                    recipe: recipe.clone(),
                },
            ));
        }
    }
    (out, default)
}

/// The recipe lines `targets` run in the Makefile at `path`, prerequisites first, each target
/// once, at most `limit` commands.
#[cfg(test)]
fn recipes(path: &str, text: &str, targets: &[String], limit: usize) -> Vec<Command> {
    recipes_in(&[(path.to_string(), text)], targets, limit)
}

/// [`recipes`] over a Makefile (first) and the files it includes, whose rules count as its
/// own; the default goal is the first rule of the Makefile itself.
pub(super) fn recipes_in(
    files: &[(String, &str)],
    targets: &[String],
    limit: usize,
) -> Vec<Command> {
    let mut rules = Vec::new();
    let mut default = None;
    for (index, (path, text)) in files.iter().enumerate() {
        let (more, first) = self::rules(path, text);
        if index == 0 {
            default = first;
        }
        rules.extend(more);
    }
    let mut wanted: Vec<&str> = targets.iter().map(String::as_str).collect();
    if wanted.is_empty() {
        wanted.extend(default);
    }
    // A target may have several rules (one with prerequisites, one with the recipe); they are
    // looked up by name, so a Makefile of many thousands of rules costs linear time.
    let mut by_target: HashMap<&str, Vec<&Rule>> = HashMap::new();
    for (target, rule) in &rules {
        by_target.entry(target).or_default().push(rule);
    }
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    for target in wanted {
        collect(&by_target, target, &mut visited, &mut out, limit, 0);
    }
    out
}

fn collect<'t>(
    rules: &HashMap<&'t str, Vec<&Rule<'t>>>,
    target: &str,
    visited: &mut HashSet<&'t str>,
    out: &mut Vec<Command>,
    limit: usize,
    depth: usize,
) {
    let Some((&name, matching)) = rules.get_key_value(target) else {
        return;
    };
    if depth > 16 || out.len() >= limit || !visited.insert(name) {
        return;
    }
    for rule in matching {
        for prerequisite in &rule.prerequisites {
            collect(rules, prerequisite, visited, out, limit, depth + 1);
        }
    }
    for rule in matching {
        let room = limit.saturating_sub(out.len());
        out.extend(rule.recipe.iter().take(room).cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(text: &str) -> Vec<(Option<String>, Vec<String>)> {
        calls(text)
            .into_iter()
            .map(|c| (c.directory, c.targets))
            .collect()
    }

    #[test]
    fn make_calls_in_shell_commands() {
        assert_eq!(
            targets("make controller plugin"),
            [(None, vec!["controller".to_string(), "plugin".to_string()])]
        );
        assert_eq!(
            targets("cd x && CGO_ENABLED=0 make -j4 -C backend lint V=1; make"),
            [
                (Some("backend".to_string()), vec!["lint".to_string()]),
                (None, vec![])
            ]
        );
        assert!(targets("echo make test").is_empty());
        assert!(targets("cmake --build .").is_empty());
        assert_eq!(targets("$(MAKE) test-unit").len(), 1);
    }

    #[test]
    fn recipes_follow_prerequisites_once() {
        let makefile = "GO := go\nLDFLAGS = -X a=b\n\n.PHONY: test\ntest: test-kustomize ## run all tests\n\t@make test-unit\n\ntest-kustomize:\n\t./hack/test-kustomize.sh\n\ntest-unit: test-kustomize\n\tgo test -cover \\\n\t  ./...\n%.o: %.c\n\tcc $<\n";
        let run: Vec<(String, usize)> = recipes("Makefile", makefile, &["test".into()], 50)
            .into_iter()
            .map(|c| (c.text, c.location.line))
            .collect();
        assert_eq!(
            run,
            [
                ("./hack/test-kustomize.sh".to_string(), 9),
                ("make test-unit".to_string(), 6),
            ]
        );
        let unit: Vec<String> = recipes("Makefile", makefile, &["test-unit".into()], 50)
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(unit, ["./hack/test-kustomize.sh", "go test -cover  ./..."]);
        let default: Vec<String> = recipes("Makefile", makefile, &[], 50)
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(default, ["./hack/test-kustomize.sh", "make test-unit"]);
    }

    #[test]
    fn included_files_add_rules() {
        let main = "all: build\nbuild:\n\tgo build ./...\n\ninclude release/release.mk test/ci.mk\n-include $(LOCAL).mk\n";
        assert_eq!(includes(main), ["release/release.mk", "test/ci.mk"]);
        let release = "release:\n\tgoreleaser release --clean\n";
        let files = [
            ("Makefile".to_string(), main),
            ("release/release.mk".to_string(), release),
        ];
        let found: Vec<(String, String)> = recipes_in(&files, &["release".into()], 50)
            .into_iter()
            .map(|c| (c.text, c.location.path))
            .collect();
        assert_eq!(
            found,
            [(
                "goreleaser release --clean".to_string(),
                "release/release.mk".to_string()
            )]
        );
        let default: Vec<String> = recipes_in(&files, &[], 50)
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(default, ["go build ./..."]);
    }

    #[test]
    fn hostile_makefiles_do_not_panic() {
        for text in [
            "\\",
            ":",
            "a:\\",
            "a:\n\t\\",
            "\t\t:",
            "a b c:: d | e\n\t@-+\n",
            "é:ü\n\té\\\nü",
            "a:\n\t\\\n\t\\\n",
        ] {
            let _ = recipes("Makefile", text, &[], 10);
            let _ = recipes("Makefile", text, &["a".into()], 10);
        }
        for text in [
            "make -C",
            "make -f",
            "make --directory=",
            "$(MAKE)",
            "make ;",
            "(make x)",
            "make -C;",
        ] {
            let _ = calls(text);
        }
    }

    #[test]
    fn cycles_and_limits_end() {
        let makefile = "a: b\n\techo a\nb: a\n\techo b\n";
        assert_eq!(recipes("Makefile", makefile, &["a".into()], 50).len(), 2);
        let many = format!("all:\n{}", "\techo x\n".repeat(1000));
        assert_eq!(recipes("Makefile", &many, &[], 500).len(), 500);
    }
}
