//! SAST breadth: which of the languages the repository's code is written in a static analyser
//! covers, read from CodeQL's `languages:` (or its matrix) and from the SAST steps themselves.

use std::collections::BTreeMap;

use super::verdict;
use crate::catalog::Practice;
use crate::evidence::languages::Language;
use crate::evidence::{Evidence, Facts, State, Verdict, signals};
use crate::pipeline::{Job, Step};

/// The languages one analyser step covers.
#[derive(Clone, Debug, PartialEq)]
enum Covers {
    /// Every language it supports (semgrep, Sonar).
    Every,
    /// Every language CodeQL detects, when its `languages:` is left out.
    Detected,
    These(Vec<Language>),
}

impl Covers {
    fn includes(&self, language: Language) -> bool {
        match self {
            Self::Every => true,
            Self::Detected => language.codeql_detects(),
            Self::These(these) => these.contains(&language),
        }
    }
}

/// Tools that analyse one language, by a word of their command or action.
const ONE_LANGUAGE: &[(&str, Language)] = &[
    ("gosec", Language::Go),
    ("bandit", Language::Python),
    ("brakeman", Language::Ruby),
    ("spotbugs", Language::Java),
    ("findsecbugs", Language::Java),
    ("njsscan", Language::JavaScript),
    ("eslint-plugin-security", Language::JavaScript),
    ("security-code-scan", Language::CSharp),
    ("flawfinder", Language::Cpp),
    ("phpcs-security-audit", Language::Php),
];

/// Tools that analyse every language they support.
const MANY_LANGUAGES: &[&str] = &["semgrep", "sonar", "snyk", "bearer", "codeql"];

/// What a SAST step covers, from the words of its action or command.
fn covers_by_tool(text: &str) -> Option<Covers> {
    let text = text.to_ascii_lowercase();
    // semgrep's rule packs carry single-language tools' names (`--config p/gosec`): a
    // many-language tool is what runs.
    if MANY_LANGUAGES.iter().any(|word| text.contains(word)) {
        return Some(Covers::Every);
    }
    ONE_LANGUAGE
        .iter()
        .find(|(word, _)| text.contains(word))
        .map(|(_, language)| Covers::These(vec![*language]))
}

/// What a `github/codeql-action/init` step analyses: its `languages:` list, the values of the
/// matrix axis it names, or (left out) every language CodeQL detects.
fn codeql_covers(job: &Job, step: &Step) -> Option<Covers> {
    let Some(input) = step.input("languages") else {
        return Some(Covers::Detected);
    };
    let value = input.value.trim();
    let names: Vec<String> = match value
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .map(str::trim)
    {
        Some(expression) => {
            let axis = expression.strip_prefix("matrix.")?;
            let axis = job.matrix.iter().find(|a| a.name == axis)?;
            axis.labels.clone()
        }
        None => (value.split([',', '\n', ' ']))
            .filter(|name| !name.trim().is_empty())
            .map(str::to_string)
            .collect(),
    };
    let languages: Vec<Language> = names
        .iter()
        .filter_map(|n| Language::of_codeql(n))
        .collect();
    Some(Covers::These(languages))
}

pub fn sast_breadth(facts: &Facts, practice: &Practice) -> Option<Verdict> {
    let wanted = facts.languages();
    if wanted.is_empty() {
        return None;
    }
    let sast = facts
        .catalog
        .practices
        .iter()
        .position(|p| p.id == "SEC-04");
    let mut analysers: Vec<(Covers, Evidence)> = Vec::new();
    for (pipeline, job, step) in facts.pipelines.steps() {
        let uses = step.uses.as_deref().unwrap_or("");
        let (covers, command) = if uses.starts_with("github/codeql-action/init") {
            (codeql_covers(job, step), None)
        } else if uses.starts_with("github/codeql-action/") {
            // analyze and upload-sarif report what init chose.
            continue;
        } else {
            let Some(&(_, command)) =
                (facts.step_practices(step).iter()).find(|(index, _)| Some(*index) == sast)
            else {
                continue;
            };
            let command = command.and_then(|c| step.commands.get(c));
            let text = command.map_or(uses, |c| c.text.as_str());
            (covers_by_tool(text), command)
        };
        let Some(covers) = covers else { continue };
        let location = match (command, step.input("languages")) {
            (Some(c), _) => c.location.clone(),
            (None, Some(input)) => input.location.clone(),
            (None, None) => step.location.clone(),
        };
        let names = |these: &[Language]| match these {
            [] => "none of the code's languages".to_string(),
            _ => (these.iter().map(|l| l.label()))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let what = match &covers {
            Covers::Detected => "CodeQL, analysing every language it detects".to_string(),
            Covers::These(these) if uses.starts_with("github/codeql-action") => {
                format!("CodeQL analysing {}", names(these))
            }
            Covers::Every => "a static analyser of every language it supports".to_string(),
            Covers::These(these) => format!("a static analyser of {}", names(these)),
        };
        let summary = format!("{what} in job {} of {}", job.id, pipeline.path);
        let evidence = signals::step_evidence(
            practice,
            facts,
            (pipeline, job, step),
            command,
            summary,
            location,
        );
        analysers.push((covers, evidence));
    }
    if analysers.is_empty() {
        return None;
    }
    // The best state each language is analysed with, and the analysers that give it.
    let mut best: BTreeMap<Language, State> = BTreeMap::new();
    let mut used: Vec<usize> = Vec::new();
    for (language, _) in wanted {
        for (at, (covers, evidence)) in analysers.iter().enumerate() {
            if covers.includes(*language) {
                let state = best.entry(*language).or_insert(evidence.state);
                *state = (*state).max(evidence.state);
                if !used.contains(&at) {
                    used.push(at);
                }
            }
        }
    }
    used.sort_unstable();
    let evidence: Vec<Evidence> = used.iter().map(|&at| analysers[at].1.clone()).collect();
    let uncovered: Vec<String> = (wanted.iter())
        .filter(|(language, _)| !best.contains_key(language))
        .map(|(language, files)| format!("{} ({files} source files)", language.label()))
        .collect();
    if best.is_empty() {
        let evidence = analysers.into_iter().map(|(_, e)| e).collect();
        let reason = format!(
            "the static analysers in CI cover none of the repository's languages: {}",
            uncovered.join(", ")
        );
        return verdict(State::Absent, Some(reason), evidence);
    }
    if !uncovered.is_empty() {
        let reason = format!("no static analyser covers {}", uncovered.join(", "));
        return verdict(State::Partial, Some(reason), evidence);
    }
    if best.values().all(|s| *s == State::Present) {
        return verdict(State::Present, None, evidence);
    }
    // Every language is analysed, but some only by steps that fall short: their reasons.
    let mut reasons: Vec<String> = Vec::new();
    for e in &evidence {
        if e.state != State::Present
            && let Some(reason) = &e.reason
            && !reasons.contains(reason)
        {
            reasons.push(reason.clone());
        }
    }
    let reason = (!reasons.is_empty()).then(|| reasons.join("; "));
    verdict(State::Partial, reason, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_by_their_words() {
        assert_eq!(
            covers_by_tool("gosec -fmt sarif ./..."),
            Some(Covers::These(vec![Language::Go]))
        );
        assert_eq!(covers_by_tool("semgrep ci"), Some(Covers::Every));
        assert_eq!(
            covers_by_tool("PyCQA/bandit-action"),
            Some(Covers::These(vec![Language::Python]))
        );
        assert_eq!(covers_by_tool("make lint"), None);
        assert_eq!(
            covers_by_tool("semgrep scan --config p/default --config p/gosec --error"),
            Some(Covers::Every)
        );
    }
}
