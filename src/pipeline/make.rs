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
use std::rc::Rc;

use super::Command;
use crate::source::Location;

/// A rule of a Makefile: its prerequisites and recipe, shared by every target the rule names.
#[derive(Clone)]
struct Rule<'t> {
    prerequisites: Rc<[&'t str]>,
    recipe: Rc<[Command]>,
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
        // A rule naming thousands of targets is shared, not copied for each.
        let rule = Rule {
            prerequisites: prerequisites.into(),
            recipe: recipe.into(),
        };
        for target in targets {
            if target.starts_with('.') {
                continue;
            }
            default.get_or_insert(target);
            out.push((target, rule.clone()));
        }
    }
    (out, default)
}

/// How many levels of prerequisites below the targets a call names are followed.
pub(super) const MAX_PREREQUISITE_DEPTH: usize = 16;

/// The recipe lines a make call runs, and what of them was left out.
#[derive(Default)]
pub(super) struct Recipes {
    pub commands: Vec<Command>,
    /// More commands would have run than the limit allows.
    pub past_limit: bool,
    /// A target with recipes lies more than [`MAX_PREREQUISITE_DEPTH`] levels down.
    pub too_deep: bool,
}

/// The recipe lines `targets` run in the Makefile at `path`, prerequisites first, each target
/// once, at most `limit` commands.
#[cfg(test)]
fn recipes(path: &str, text: &str, targets: &[String], limit: usize) -> Vec<Command> {
    recipes_in(&[(path.to_string(), text)], targets, limit).commands
}

/// [`recipes`] over a Makefile (first) and the files it includes, whose rules count as its
/// own; the default goal is the first rule of the Makefile itself. What is left out is said.
pub(super) fn recipes_in(files: &[(String, &str)], targets: &[String], limit: usize) -> Recipes {
    Makefile::read(files).recipes(targets, limit)
}

/// A Makefile read once, with the files it includes, for every make call that reads it.
pub(super) struct Makefile<'t> {
    /// The rules of each target: a target may have several (one with prerequisites, one
    /// with the recipe), looked up by name so that thousands of rules cost linear time.
    rules: HashMap<&'t str, Vec<Rule<'t>>>,
    /// The first rule's target in the Makefile itself, make's default goal.
    default: Option<&'t str>,
}

impl<'t> Makefile<'t> {
    /// Reads a Makefile (first) and the files it includes, whose rules count as its own.
    pub(super) fn read(files: &[(String, &'t str)]) -> Self {
        let mut rules: HashMap<&str, Vec<Rule>> = HashMap::new();
        let mut default = None;
        for (index, (path, text)) in files.iter().enumerate() {
            let (more, first) = self::rules(path, text);
            if index == 0 {
                default = first;
            }
            for (target, rule) in more {
                rules.entry(target).or_default().push(rule);
            }
        }
        Makefile { rules, default }
    }

    /// The recipe lines `targets` run (the default goal if none), prerequisites first, each
    /// target once, at most `limit` commands; what is left out is said.
    pub(super) fn recipes(&self, targets: &[String], limit: usize) -> Recipes {
        let mut wanted: Vec<&str> = targets.iter().map(String::as_str).collect();
        if wanted.is_empty() {
            wanted.extend(self.default);
        }
        let mut walk = Walk {
            rules: &self.rules,
            visited: HashSet::new(),
            too_deep: Vec::new(),
            limit,
            out: Recipes::default(),
        };
        for target in wanted {
            walk.collect(target, 0);
        }
        // A target cut off below the depth limit may have been reached by a shorter way.
        let Walk {
            visited,
            too_deep,
            mut out,
            ..
        } = walk;
        out.too_deep = too_deep.iter().any(|t| !visited.contains(t));
        out
    }
}

/// One walk of a Makefile's targets, prerequisites first.
struct Walk<'r, 't> {
    rules: &'r HashMap<&'t str, Vec<Rule<'t>>>,
    visited: HashSet<&'t str>,
    /// Targets with a recipe or prerequisites of their own reached only past the depth limit
    /// so far.
    too_deep: Vec<&'t str>,
    limit: usize,
    out: Recipes,
}

impl<'t> Walk<'_, 't> {
    /// Adds the recipes of `target`, `depth` levels below a target the call names. Past the
    /// limit the walk goes on without adding, to tell whether anything was left out.
    fn collect(&mut self, target: &str, depth: usize) {
        let rules = self.rules;
        let Some((&name, matching)) = rules.get_key_value(target) else {
            return;
        };
        if self.visited.contains(name) {
            return;
        }
        if depth > MAX_PREREQUISITE_DEPTH {
            if matching
                .iter()
                .any(|r| !r.recipe.is_empty() || !r.prerequisites.is_empty())
            {
                self.too_deep.push(name);
            }
            return;
        }
        self.visited.insert(name);
        for rule in matching {
            for prerequisite in rule.prerequisites.iter() {
                self.collect(prerequisite, depth + 1);
            }
        }
        for rule in matching {
            let room = self.limit.saturating_sub(self.out.commands.len());
            self.out.past_limit |= rule.recipe.len() > room;
            let taken = rule.recipe.iter().take(room).cloned();
            self.out.commands.extend(taken);
        }
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
        let found: Vec<(String, String)> = (recipes_in(&files, &["release".into()], 50).commands)
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
        let default: Vec<String> = (recipes_in(&files, &[], 50).commands)
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
        let files = [("Makefile".to_string(), many.as_str())];
        let found = recipes_in(&files, &[], 500);
        assert_eq!(found.commands.len(), 500);
        assert!(found.past_limit && !found.too_deep);
        let exact = format!("all:\n{}", "\techo x\n".repeat(500));
        let files = [("Makefile".to_string(), exact.as_str())];
        assert!(!recipes_in(&files, &[], 500).past_limit);
    }

    /// Prerequisites 20 levels deep: those past the limit are left out and said to be,
    /// unless a shorter way reaches them too.
    #[test]
    fn prerequisites_past_the_depth_limit_are_told() {
        let mut chain = String::new();
        for level in 0..20 {
            chain.push_str(&format!("t{level}: t{}\n\techo {level}\n", level + 1));
        }
        let files = [("Makefile".to_string(), chain.as_str())];
        let found = recipes_in(&files, &["t0".into()], 500);
        assert_eq!(found.commands.len(), MAX_PREREQUISITE_DEPTH + 1);
        assert!(found.too_deep && !found.past_limit);
        let targets = ["t0".to_string(), "t17".to_string()];
        let both = recipes_in(&files, &targets, 500);
        assert_eq!(both.commands.len(), 20);
        assert!(!both.too_deep);
    }
}
