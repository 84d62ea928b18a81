//! The coverage threshold: a floor that fails the build (`--cov-fail-under`, `fail_under`,
//! Jest and Vitest thresholds, a hand-written check that exits non-zero), or a Codecov
//! ratchet.

use std::sync::LazyLock;

use regex::Regex;

use super::{evidence, verdict};
use crate::catalog::Practice;
use crate::evidence::{Facts, State, Verdict};
use crate::inventory::FileKind;
use crate::source::Location;

static THRESHOLDS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"--cov-fail-under[= ]+(\d+)",
        r"--fail-under(?:-lines)?[= ]+(\d+)",
        r"(?m)^\s*fail_under\s*=\s*(\d+)",
        r"(?m)^\s*--check-coverage.*--lines[= ](\d+)",
        r#"(?s)coverageThreshold.{0,200}?(?:lines|statements)["']?\s*:\s*(\d+)"#,
        r"(?s)thresholds\s*:\s*\{.{0,200}?(?:lines|statements)\s*:\s*(\d+)",
        r"(?m)^\s*target:\s*(\d+)",
        r"-coverage-threshold[= ](\d+)",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// JaCoCo's coverage rule: a `<minimum>` ratio (or Gradle `minimum = 0.80`) of a LINE,
/// INSTRUCTION or BRANCH counter, as a percentage.
static JACOCO_MINIMUM: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?s)(?:<counter>\s*(?:LINE|INSTRUCTION|BRANCH)\s*</counter>.{0,300}?<minimum>|(?:violationRules|jacocoTestCoverageVerification).{0,600}?\bminimum\s*=\s*(?:["']|BigDecimal\(\s*["']?)?)\s*(?:(\d{1,3}(?:\.\d+)?)\s*%|(0?\.\d+|1(?:\.0+)?)(?:[^\d.%]|$))"#).ok()
});

/// The percentage a JaCoCo rule in `text` requires (written as a ratio, `0.80`, or as a
/// percentage, `80%`), with the span of its number.
fn jacoco_minimum(text: &str) -> Option<(u32, usize, usize)> {
    let found = JACOCO_MINIMUM.as_ref()?.captures(text)?;
    if let Some(percent) = found.get(1) {
        let value: f64 = percent.as_str().parse().ok()?;
        return Some((value.round() as u32, percent.start(), percent.end()));
    }
    let ratio = found.get(2)?;
    let value: f64 = ratio.as_str().parse().ok()?;
    Some(((value * 100.0).round() as u32, ratio.start(), ratio.end()))
}

/// A threshold checked by hand in a step's script: a coverage variable compared against a
/// number or an `env` value (`if [[ $COVERAGE_TOTAL < ${{ env.COVERAGE_TOTAL }} ]]`), with an
/// `exit 1` in the same step.
static HAND_CHECK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)\$\{?\w*cov\w*\}?"?\s*(?:<|-lt|<=|-le)\s*(?:(?P<number>\d+)|\$\{\{\s*env\.(?P<env>\w+)\s*\}\})"#).ok()
});
static EXIT_FAILURE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*exit\s+[1-9]").ok());

/// The number a workflow's `env:` gives `name` (`COVERAGE_TOTAL: 50`).
fn env_number(facts: &Facts, path: &str, name: &str) -> Option<u32> {
    let text = facts.inventory.get(path)?.text.as_deref()?;
    let pattern = format!(r#"(?m)^\s*{}:\s*["']?(\d+)"#, regex::escape(name));
    Regex::new(&pattern)
        .ok()?
        .captures(text)?
        .get(1)?
        .as_str()
        .parse()
        .ok()
}

/// Thresholds that CI steps check by hand.
fn hand_checked(facts: &Facts) -> Vec<(u32, Location, bool)> {
    let (Some(check), Some(exit)) = (HAND_CHECK.as_ref(), EXIT_FAILURE.as_ref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (pipeline, _, step) in facts.pipelines.steps() {
        if step.non_blocking || !step.commands.iter().any(|c| exit.is_match(&c.text)) {
            continue;
        }
        for command in &step.commands {
            let Some(found) = check.captures(&command.text) else {
                continue;
            };
            let value = match (found.name("number"), found.name("env")) {
                (Some(number), _) => number.as_str().parse().ok(),
                (None, Some(env)) => env_number(facts, &pipeline.path, env.as_str()),
                _ => None,
            };
            if let Some(value) = value {
                out.push((value, command.location.clone(), false));
            }
        }
    }
    out
}

static MEASURED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)--cov\b|\bcoverage\s+run\b|--coverage\b|-coverprofile|\bllvm-cov\b|\btarpaulin\b|\bc8\b|\bnyc\b|\bjacoco\b|\bkover\b|\bsimplecov\b")
        .unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable()))
});

#[allow(clippy::expect_used)]
fn unreachable() -> Regex {
    Regex::new("a^").expect("a constant pattern compiles")
}

/// Whether a line is commented out (`//`, `#`, `/*`, `*`).
fn is_commented_line(line: &str) -> bool {
    let line = line.trim_start();
    ["//", "#", "/*", "* "].iter().any(|c| line.starts_with(c))
}

/// Answers whether the line holding a byte offset is commented out, for offsets given in
/// increasing order (the matches of one regex over one text).
///
/// A long line can hold tens of thousands of matches: each line start is searched for once,
/// from the previous offset on, and each line is judged once, instead of searching back
/// from every match to the start of its line.
struct CommentedLines<'t> {
    text: &'t str,
    /// Bytes before this offset have been searched for line feeds.
    searched_to: usize,
    /// Where the line holding the last offset starts.
    line_start: usize,
    /// The line start last judged, and whether that line is commented out.
    judged: Option<(usize, bool)>,
}

impl<'t> CommentedLines<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            searched_to: 0,
            line_start: 0,
            judged: None,
        }
    }

    /// Whether the line holding byte `at` is commented out; `at` is no smaller than the
    /// offset asked about before.
    fn is_commented(&mut self, at: usize) -> bool {
        let at = at.min(self.text.len());
        if at > self.searched_to {
            let bytes = &self.text.as_bytes()[self.searched_to..at];
            if let Some(feed) = memchr::memrchr(b'\n', bytes) {
                self.line_start = self.searched_to + feed + 1;
            }
            self.searched_to = at;
        }
        match self.judged {
            Some((start, commented)) if start == self.line_start => commented,
            _ => {
                let commented = is_commented_line(&self.text[self.line_start..]);
                self.judged = Some((self.line_start, commented));
                commented
            }
        }
    }
}

pub fn coverage_threshold(facts: &Facts, _practice: &Practice) -> Option<Verdict> {
    let mut thresholds: Vec<(u32, Location, bool)> = Vec::new();
    let ci_commands: Vec<&crate::pipeline::Command> = facts
        .pipelines
        .steps()
        .flat_map(|(_, _, s)| s.commands.iter())
        .collect();
    for command in &ci_commands {
        for regex in THRESHOLDS.iter().take(2) {
            if let Some(value) = regex
                .captures(&command.text)
                .and_then(|c| c.get(1))
                .and_then(|m| m.as_str().parse().ok())
            {
                thresholds.push((value, command.location.clone(), false));
            }
        }
    }
    for (file, text) in facts.inventory.texts() {
        let name = file
            .path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let relevant = matches!(
            file.kind,
            FileKind::CoverageConfig | FileKind::TestConfig | FileKind::Manifest(_)
        ) || matches!(
            name.as_str(),
            "setup.cfg" | "tox.ini" | ".coveragerc" | "package.json"
        ) || name.starts_with("jest.config")
            || name.starts_with("vitest.config")
            || name.ends_with(".sh")
            || name == "makefile";
        if !relevant {
            continue;
        }
        if let Some((value, start, end)) = (name == "pom.xml" || name.starts_with("build.gradle"))
            .then(|| jacoco_minimum(text))
            .flatten()
        {
            let location = crate::evidence::location_at(&file.path, text, start, end);
            thresholds.push((value, location, false));
        }
        let codecov = name.contains("codecov");
        for (index, regex) in THRESHOLDS.iter().enumerate() {
            let is_codecov_target = index == 6;
            if is_codecov_target != codecov {
                continue;
            }
            let mut commented = CommentedLines::new(text);
            let uncommented = regex
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .find(|m| !commented.is_commented(m.start()));
            if let Some(m) = uncommented
                && let Ok(value) = m.as_str().parse::<u32>()
            {
                let location = crate::evidence::location_at(&file.path, text, m.start(), m.end());
                let informational = codecov && text.contains("informational: true");
                thresholds.push((value, location, informational));
            }
        }
    }
    thresholds.extend(hand_checked(facts));
    // GitLab reads coverage from job logs (`coverage:`) or a `coverage_report` artifact.
    let gitlab_coverage = facts.inventory.texts().find_map(|(f, t)| {
        if f.kind != FileKind::GitlabCi {
            return None;
        }
        let at = t
            .find("\n  coverage:")
            .map(|i| i + 3)
            .or_else(|| t.find("coverage_report:"))?;
        Some(crate::evidence::location_at(&f.path, t, at, at + 9))
    });
    let measured = ci_commands
        .iter()
        .find(|c| MEASURED.is_match(&c.text))
        .map(|c| c.location.clone())
        .or(gitlab_coverage)
        .or_else(|| {
            facts
                .pipelines
                .steps()
                .find(|(_, _, s)| {
                    s.uses.as_deref().is_some_and(|u| {
                        u.starts_with("codecov/") || u.starts_with("coverallsapp/")
                    })
                })
                .map(|(_, _, s)| s.location.clone())
        });

    thresholds.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    if let Some((value, location, informational)) = thresholds
        .iter()
        .find(|t| !t.2)
        .or(thresholds.first())
        .cloned()
    {
        let summary = format!("coverage threshold {value}%");
        let ci_runs = measured.is_some()
            || thresholds
                .iter()
                .any(|t| ci_commands.iter().any(|c| c.location == t.1));
        let (state, reason) = if informational {
            (
                State::Partial,
                Some(
                    "the Codecov status is informational, so it never fails a pull request"
                        .to_string(),
                ),
            )
        } else if !ci_runs {
            (
                State::Partial,
                Some(format!(
                    "a {value}% threshold is set, but no CI job measures coverage"
                )),
            )
        } else if value >= 80 {
            (State::Present, None)
        } else {
            (
                State::Partial,
                Some(format!("the threshold is {value}%, below the 80% target")),
            )
        };
        let e = evidence(facts, state, location, summary, reason.clone());
        return verdict(state, reason, vec![e]);
    }
    if measured.is_some()
        && let Some(ratchet) = codecov_ratchet(facts)
    {
        return Some(ratchet);
    }
    if let Some(location) = measured {
        let reason =
            "coverage is measured without a threshold, so falling coverage never fails the build"
                .to_string();
        let e = evidence(
            facts,
            State::Mentioned,
            location,
            "coverage measured in CI",
            Some(reason.clone()),
        );
        return verdict(State::Mentioned, Some(reason), vec![e]);
    }
    verdict(
        State::Absent,
        Some("coverage is neither measured nor enforced".into()),
        Vec::new(),
    )
}

/// A Codecov status with only `threshold:` (the drop allowed) and no `target:` fails a pull
/// request that lowers coverage, but sets no minimum: a ratchet without a floor.
fn codecov_ratchet(facts: &Facts) -> Option<Verdict> {
    static ALLOWED_DROP: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"(?m)^\s*threshold:\s*([\d.]+)%?\s*(#.*)?$").ok());
    let (file, text) = facts.inventory.texts().find(|(f, t)| {
        let name = f.path.rsplit('/').next().unwrap_or("");
        name.trim_start_matches('.').starts_with("codecov")
            && t.contains("status:")
            && !t.contains("informational: true")
    })?;
    let found = ALLOWED_DROP.as_ref()?.captures(text)?;
    let value = found.get(1)?;
    let location = crate::evidence::location_at(&file.path, text, value.start(), value.end());
    let reason = format!(
        "Codecov fails a pull request that lowers coverage by more than {}%, but sets no minimum, so coverage that is already low passes",
        value.as_str()
    );
    let e = evidence(
        facts,
        State::Partial,
        location,
        "Codecov status checks on coverage changes",
        Some(reason.clone()),
    );
    verdict(State::Partial, Some(reason), vec![e])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacoco_rules_as_percentages() {
        let pom = "<rule>\n  <element>BUNDLE</element>\n  <limits>\n    <limit>\n      <counter>LINE</counter>\n      <value>COVEREDRATIO</value>\n      <minimum>0.80</minimum>\n    </limit>\n  </limits>\n</rule>\n";
        let (value, start, _) = jacoco_minimum(pom).unwrap_or_default();
        assert_eq!((value, &pom[start..start + 4]), (80, "0.80"));
        let gradle = "jacocoTestCoverageVerification {\n  violationRules {\n    rule {\n      limit {\n        minimum = 0.7\n      }\n    }\n  }\n}\n";
        assert_eq!(jacoco_minimum(gradle).map(|t| t.0), Some(70));
        assert_eq!(jacoco_minimum("<minimum>0.80</minimum>\n"), None);
        let percent = pom.replace("0.80", "15%");
        assert_eq!(jacoco_minimum(&percent).map(|t| t.0), Some(15));
        let one = pom.replace("0.80", "1.0");
        assert_eq!(jacoco_minimum(&one).map(|t| t.0), Some(100));
    }
}
