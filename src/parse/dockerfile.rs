//! Dockerfiles as stages of instructions, each with its line.
//!
//! A small hand-written reader: instructions are joined across `\` continuations, comments and
//! parser directives are skipped, and heredoc bodies (`RUN <<EOF`) are kept with their
//! instruction. That is all the assessment needs, and it cannot be driven into deep recursion.
//!
//! Each stage also records which earlier stage it is built `FROM`, resolved once while reading,
//! so that following a stage back to its image costs one step per stage and always ends.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    /// Upper-cased keyword: `FROM`, `RUN`, `USER`, ...
    pub keyword: String,
    pub args: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub image: String,
    pub alias: Option<String>,
    pub line: usize,
    pub instructions: Vec<Instruction>,
    /// Index of the earlier stage `image` names, as Docker resolves it: stage names are matched
    /// case-insensitively and only among the stages before this one, so a later or unknown name
    /// is an image. Always smaller than this stage's own index, which keeps chains acyclic.
    base_stage: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dockerfile {
    pub path: String,
    pub stages: Vec<Stage>,
}

/// Whether a Dockerfile builds what the project ships, rather than a development, test or
/// example image (`.devcontainer/`, `Dockerfile.playwright`, `examples/`, `Dockerfile.dev`).
pub fn is_shipped(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let folders: Vec<&str> = lower.split('/').collect();
    let dev_folder = folders[..folders.len().saturating_sub(1)].iter().any(|f| {
        matches!(
            *f,
            ".devcontainer"
                | "docs"
                | "doc"
                | "example"
                | "examples"
                | "test"
                | "tests"
                | "testdata"
                | "fixtures"
                | ".github"
                | "e2e"
                | "hack"
        )
    });
    let dev_name = [
        "playwright",
        "cypress",
        "e2e",
        ".dev",
        "-dev",
        ".test",
        "-test",
        ".ci",
        "devcontainer",
    ]
    .iter()
    .any(|w| name.contains(w));
    !dev_folder && !dev_name
}

impl Dockerfile {
    /// Whether this file builds an image the project ships: a shipped path, and more than a
    /// bare `FROM` (some repositories keep a Dockerfile only to pin a toolchain version).
    pub fn ships_an_image(&self) -> bool {
        is_shipped(&self.path)
            && self.stages.iter().flat_map(|s| &s.instructions).any(|i| {
                matches!(
                    i.keyword.as_str(),
                    "COPY" | "ADD" | "RUN" | "CMD" | "ENTRYPOINT"
                )
            })
    }

    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage at `index` followed by the earlier stages it is built on, nearest first, each
    /// with its index; the last one yielded is built from an image. Empty when `index` is out
    /// of range.
    pub fn lineage(&self, index: usize) -> impl Iterator<Item = (usize, &Stage)> {
        let mut next = Some(index);
        std::iter::from_fn(move || {
            let current = next?;
            let stage = self.stages.get(current)?;
            // Parsing only links a stage to an earlier one; refusing anything else here keeps
            // the walk finite even for stages edited after parsing.
            next = stage.base_stage.filter(|&parent| parent < current);
            Some((current, stage))
        })
    }

    /// The final stage followed by the stages it is built on; see [`Dockerfile::lineage`].
    pub fn final_lineage(&self) -> impl Iterator<Item = (usize, &Stage)> {
        self.lineage(self.stages.len().saturating_sub(1))
    }
}

impl Stage {
    /// Index of the earlier stage of the same file this stage is built `FROM`, or `None` when
    /// its base is an image (or `scratch`, or an unresolved build argument).
    pub fn base_stage(&self) -> Option<usize> {
        self.base_stage
    }

    pub fn all(&self, keyword: &str) -> impl Iterator<Item = &Instruction> {
        self.instructions
            .iter()
            .filter(move |i| i.keyword == keyword)
    }

    pub fn last(&self, keyword: &str) -> Option<&Instruction> {
        self.instructions
            .iter()
            .rev()
            .find(|i| i.keyword == keyword)
    }
}

pub fn parse(path: &str, text: &str) -> Dockerfile {
    let mut stages: Vec<Stage> = Vec::new();
    // Lower-cased stage name to the index of the first stage that took it.
    let mut stage_names: HashMap<String, usize> = HashMap::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((index, raw)) = lines.next() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line = index + 1;
        let mut logical = trimmed.trim_end_matches('\\').to_string();
        let mut continued = trimmed.ends_with('\\');
        while continued {
            let Some((_, next)) = lines.next() else { break };
            let next = next.trim();
            if next.starts_with('#') {
                continue;
            }
            continued = next.ends_with('\\');
            logical.push(' ');
            logical.push_str(next.trim_end_matches('\\'));
        }
        if let Some(marker) = heredoc_marker(&logical) {
            for (_, body) in lines.by_ref() {
                if body.trim() == marker {
                    break;
                }
                logical.push('\n');
                logical.push_str(body);
            }
        }
        let (keyword, args) = logical
            .split_once(char::is_whitespace)
            .unwrap_or((&logical, ""));
        let instruction = Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_string(),
            line,
        };
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let image = words.first().copied().unwrap_or("").to_string();
            let alias = match words.as_slice() {
                [_, as_word, alias, ..] if as_word.eq_ignore_ascii_case("as") => {
                    Some(alias.to_string())
                }
                _ => None,
            };
            // Resolved before this stage's own name is recorded: `FROM x AS x` builds on an image.
            let base_stage = stage_names.get(&image.to_ascii_lowercase()).copied();
            if let Some(alias) = &alias {
                stage_names
                    .entry(alias.to_ascii_lowercase())
                    .or_insert(stages.len());
            }
            stages.push(Stage {
                image,
                alias,
                line,
                instructions: vec![instruction],
                base_stage,
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(instruction);
        }
    }
    Dockerfile {
        path: path.to_string(),
        stages,
    }
}

fn heredoc_marker(logical: &str) -> Option<String> {
    let start = logical.find("<<")?;
    let rest = logical[start + 2..].trim_start_matches('-');
    let word: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
    .then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stages_aliases_and_continuations() {
        let text = "# syntax=docker/dockerfile:1\nFROM python:3.12 AS build\nRUN pip install \\\n    -r requirements.txt\nFROM gcr.io/distroless/python3\nCOPY --from=build /app /app\nUSER 1000\n";
        let file = parse("Dockerfile", text);
        assert_eq!(file.stages.len(), 2);
        assert_eq!(file.stages[0].alias.as_deref(), Some("build"));
        assert_eq!(
            file.stages[0].instructions[1].args,
            "pip install  -r requirements.txt"
        );
        assert_eq!(file.stages[1].line, 5);
        assert_eq!(
            file.final_stage()
                .and_then(|s| s.last("USER"))
                .map(|u| u.line),
            Some(7)
        );
    }

    fn lineage_lines(file: &Dockerfile) -> Vec<usize> {
        file.final_lineage().map(|(_, stage)| stage.line).collect()
    }

    #[test]
    fn stages_resolve_to_earlier_stage_names_case_insensitively() {
        let text = "FROM python:3.12 AS Build\nFROM build AS test\nFROM alpine\nFROM BUILD\n";
        let file = parse("Dockerfile", text);
        let bases: Vec<_> = file.stages.iter().map(Stage::base_stage).collect();
        assert_eq!(bases, [None, Some(0), None, Some(0)]);
        assert_eq!(lineage_lines(&file), [4, 1]);
    }

    #[test]
    fn later_and_own_names_are_images() {
        let text = "FROM b AS a\nFROM a AS b\nFROM c AS c\n";
        let file = parse("Dockerfile", text);
        let bases: Vec<_> = file.stages.iter().map(Stage::base_stage).collect();
        assert_eq!(bases, [None, Some(0), None]);
    }

    #[test]
    fn a_repeated_name_refers_to_its_first_stage() {
        let text = "FROM alpine AS base\nFROM debian AS base\nFROM base\n";
        let file = parse("Dockerfile", text);
        assert_eq!(file.stages[2].base_stage(), Some(0));
    }

    #[test]
    fn a_cycle_of_names_has_a_finite_lineage() {
        let text = "FROM c AS a\nFROM a AS b\nFROM b AS c\nFROM c AS d\n";
        let file = parse("Dockerfile", text);
        assert_eq!(lineage_lines(&file), [4, 3, 2, 1]);
        assert_eq!(
            file.final_lineage().last().map(|(_, s)| s.image.as_str()),
            Some("c")
        );
    }

    #[test]
    fn lineage_of_no_stage_is_empty() {
        let file = parse("Dockerfile", "# only a comment\n");
        assert_eq!(file.final_lineage().count(), 0);
        assert_eq!(file.lineage(7).count(), 0);
    }

    #[test]
    fn lineage_refuses_links_that_do_not_point_back() {
        let mut file = parse("Dockerfile", "FROM alpine AS a\nFROM a AS b\n");
        file.stages[0].base_stage = Some(1);
        assert_eq!(lineage_lines(&file), [2, 1]);
    }

    #[test]
    fn development_and_test_images_are_not_shipped() {
        assert!(is_shipped("backend/Dockerfile"));
        assert!(is_shipped("Dockerfile.prod"));
        assert!(!is_shipped("frontend/Dockerfile.playwright"));
        assert!(!is_shipped(".devcontainer/Dockerfile"));
        assert!(!is_shipped("examples/demo/Dockerfile"));
        assert!(!is_shipped("Dockerfile.dev"));
    }

    #[test]
    fn heredoc_body_stays_with_its_instruction() {
        let text = "FROM alpine\nRUN <<EOF\napk add curl\nUSER root\nEOF\nUSER app\n";
        let file = parse("Dockerfile", text);
        let users: Vec<_> = file.stages[0]
            .all("USER")
            .map(|u| u.args.as_str())
            .collect();
        assert_eq!(users, ["app"]);
    }
}
