//! Whether a CI step can stop the pipeline: the generic non-blocking markers and what
//! well-known scanner actions do when their inputs are left at the defaults.

use crate::pipeline::{CiSystem, Command, Job, Pipeline, Step};

/// Why a step cannot fail its pipeline, or `None` when it can.
pub fn non_blocking_reason(
    pipeline: &Pipeline,
    job: &Job,
    step: &Step,
    command: Option<&Command>,
) -> Option<String> {
    if step.non_blocking {
        return Some(match pipeline.system {
            CiSystem::GithubActions => {
                format!("the step sets continue-on-error: true ({})", step.location)
            }
            CiSystem::GitlabCi => format!(
                "it runs in after_script of job {}, whose failures never fail the job",
                job.id
            ),
            CiSystem::CloudBuild => {
                format!("the step sets allowFailure: true ({})", step.location)
            }
        });
    }
    if job.allow_failure {
        return Some(match pipeline.system {
            CiSystem::GithubActions => format!("job {} sets continue-on-error: true", job.id),
            CiSystem::GitlabCi | CiSystem::CloudBuild => {
                format!("job {} allows failure (allow_failure)", job.id)
            }
        });
    }
    if let Some(command) = command {
        if let Some(marker) = command_marker(&command.text) {
            return Some(format!(
                "the command ends in `{marker}` at {}, so its failure is ignored",
                command.location
            ));
        }
        let before = step
            .commands
            .iter()
            .take_while(|c| c.location != command.location);
        if before.clone().any(|c| c.text.trim() == "set +e") {
            return Some(
                "`set +e` earlier in the script ignores the command's exit code".to_string(),
            );
        }
    }
    step.uses
        .as_deref()
        .and_then(|action| action_default(action, step))
}

/// A marker in a command that swallows its exit code.
pub fn command_marker(command: &str) -> Option<&'static str> {
    let compact: String = command.split_whitespace().collect::<Vec<_>>().join(" ");
    const MARKERS: &[&str] = &[
        "|| true",
        "|| exit 0",
        "||true",
        "|| :",
        "|| echo",
        "; exit 0",
        "--exit-zero",
        "--no-fail",
        "--soft-fail",
        "--no-thresholds",
        "--exit-code 0",
        "--exit-code=0",
        "--severity-threshold=none",
    ];
    MARKERS.iter().copied().find(|m| compact.contains(m))
}

/// Scanner actions that report without failing unless told to, and inputs that turn failing off.
fn action_default(action: &str, step: &Step) -> Option<String> {
    let action = action.to_ascii_lowercase();
    let input = |name: &str| {
        step.input(name).map(|i| {
            i.value
                .trim()
                .trim_matches(['"', '\''])
                .to_ascii_lowercase()
        })
    };
    if action == "aquasecurity/trivy-action" {
        return match input("exit-code") {
            Some(code) if code != "0" && !code.is_empty() => None,
            Some(_) => Some(format!(
                "trivy-action sets exit-code: 0 ({})",
                step.location
            )),
            None => Some(format!(
                "trivy-action has no exit-code input, and Trivy then exits 0 whatever it finds ({})",
                step.location
            )),
        };
    }
    if action == "anchore/scan-action" && input("fail-build").as_deref() == Some("false") {
        return Some(format!(
            "anchore/scan-action sets fail-build: false ({})",
            step.location
        ));
    }
    if action.starts_with("zaproxy/action-") && input("fail_action").as_deref() != Some("true") {
        return Some(format!(
            "the ZAP action reports issues without failing unless fail_action: true ({})",
            step.location
        ));
    }
    if action == "bridgecrewio/checkov-action" && input("soft_fail").as_deref() == Some("true") {
        return Some(format!(
            "checkov-action sets soft_fail: true ({})",
            step.location
        ));
    }
    if action == "hadolint/hadolint-action" && input("no-fail").as_deref() == Some("true") {
        return Some(format!(
            "hadolint-action sets no-fail: true ({})",
            step.location
        ));
    }
    if action == "docker/scout-action" && input("exit-code").as_deref() != Some("true") {
        return Some(format!(
            "docker/scout-action fails only with exit-code: true ({})",
            step.location
        ));
    }
    if (action == "snyk/actions" || action.starts_with("snyk/actions/"))
        && input("args").is_some_and(|a| a.contains("--severity-threshold=none"))
    {
        return Some("snyk runs with --severity-threshold=none".to_string());
    }
    None
}

const SARIF_UPLOADED: &str =
    "results are uploaded as SARIF; merge protection on them is a repository setting";
const CODEQL_REPORTS: &str = "CodeQL reports to code scanning; whether its alerts block merges is a repository setting files cannot show";

/// Actions whose results only reach a platform dashboard: whether they block a merge is a
/// repository setting that files cannot show.
pub fn platform_gated(action: &str) -> Option<&'static str> {
    let action = action.to_ascii_lowercase();
    if action == "github/codeql-action/upload-sarif" {
        Some(SARIF_UPLOADED)
    } else if action.starts_with("github/codeql-action") {
        Some(CODEQL_REPORTS)
    } else {
        None
    }
}

/// Whether a practice's reason for falling short is only that [`platform_gated`] results
/// block as a repository setting says: files can neither confirm nor refute it.
pub fn only_platform_gated(reason: &str) -> bool {
    reason == SARIF_UPLOADED || reason == CODEQL_REPORTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_in_commands() {
        assert_eq!(command_marker("bandit -r app || true"), Some("|| true"));
        assert_eq!(
            command_marker("ruff check --exit-zero ."),
            Some("--exit-zero")
        );
        assert_eq!(command_marker("pip-audit -r requirements.txt"), None);
        assert_eq!(
            command_marker("trivy image --exit-code 0 app"),
            Some("--exit-code 0")
        );
        assert_eq!(command_marker("trivy image --exit-code 1 app"), None);
        assert_eq!(
            command_marker("k6 run --no-thresholds load.js"),
            Some("--no-thresholds")
        );
    }
}
