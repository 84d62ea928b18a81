//! SARIF 2.1.0 output of the findings, for code-scanning tools.
//!
//! Only the part of the format shipready emits is modelled. Rules are the whole registry, so a
//! rule index is stable across repositories; paths are relative to `%SRCROOT%`, the checkout.
//! Suppressed findings are kept with a `suppressions` entry, as the format intends.

use serde::Serialize;

use crate::assessment::model::Assessment;
use crate::findings::{AUDITS, Finding, SuppressionKind};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/shipready/shipready";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation<'a>>,
    column_kind: &'static str,
    original_uri_base_ids: OriginalUriBaseIds,
    results: Vec<SarifResult<'a>>,
}

/// How the run went: given only when a bound was reached, with a notification for each file
/// whose findings were not all listed or that was read in part.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Message,
    locations: Vec<NotificationLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation<'a> {
    physical_location: NotificationPlace<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationPlace<'a> {
    artifact_location: ArtifactLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct OriginalUriBaseIds {
    srcroot: ArtifactLocation<'static>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<ResultLocation<'a>>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    uri: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct Fingerprints {
    /// Rule, path and the trimmed source line: stable when lines move above the finding.
    #[serde(rename = "primaryLocationLineHash")]
    line_hash: String,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

/// A repository path as a relative URI reference: `/` kept, every byte outside RFC 3986's
/// unreserved set percent-encoded (a space or `#` in a file name would otherwise change the
/// meaning of the URI).
fn uri(path: &str) -> std::borrow::Cow<'_, str> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/');
    if path.bytes().all(plain) {
        return path.into();
    }
    let mut out = String::with_capacity(path.len() + 8);
    for byte in path.bytes() {
        if plain(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out.into()
}

/// FNV-1a, 64 bits: small, stable across platforms and releases, enough to tell lines apart.
fn fingerprint(finding: &Finding) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let key = format!(
        "{}\0{}\0{}",
        finding.id, finding.location.path, finding.snippet
    );
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn result(finding: &Finding) -> SarifResult<'_> {
    let rule_index = AUDITS
        .iter()
        .position(|a| a.rule.id == finding.id)
        .unwrap_or(0);
    let location = &finding.location;
    SarifResult {
        rule_id: &finding.id,
        rule_index,
        level: finding.severity.label(),
        message: Message {
            text: finding.message.clone(),
        },
        locations: vec![ResultLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri(&location.path),
                    uri_base_id: Some("%SRCROOT%"),
                },
                region: Region {
                    start_line: location.line.max(1),
                    start_column: location.column.max(1),
                    end_line: location.end_line.max(location.line).max(1),
                    end_column: location.end_column.max(1),
                },
            },
        }],
        partial_fingerprints: Fingerprints {
            line_hash: fingerprint(finding),
        },
        suppressions: finding
            .suppressed
            .iter()
            .map(|s| SarifSuppression {
                kind: match s.kind {
                    SuppressionKind::InSource => "inSource",
                    SuppressionKind::External => "external",
                },
                justification: &s.reason,
            })
            .collect(),
    }
}

fn invocations(a: &Assessment) -> Vec<Invocation<'_>> {
    if a.inventory.read_in_part.is_empty() {
        return Vec::new();
    }
    let notifications = (a.inventory.read_in_part.iter())
        .map(|part| Notification {
            level: "warning",
            message: Message {
                text: format!("{}: {}", part.path, part.reason),
            },
            locations: vec![NotificationLocation {
                physical_location: NotificationPlace {
                    artifact_location: ArtifactLocation {
                        uri: uri(&part.path),
                        uri_base_id: Some("%SRCROOT%"),
                    },
                },
            }],
        })
        .collect();
    vec![Invocation {
        execution_successful: true,
        tool_execution_notifications: notifications,
    }]
}

pub fn render(a: &Assessment) -> String {
    let rules = AUDITS
        .iter()
        .map(|audit| {
            let rule = audit.rule;
            ReportingDescriptor {
                id: rule.id,
                short_description: Message {
                    text: rule.summary.to_string(),
                },
                full_description: Message {
                    text: format!("{}. Fix: {}", rule.summary, rule.help),
                },
                help: Message {
                    text: rule.help.to_string(),
                },
                default_configuration: Configuration {
                    level: rule.severity.label(),
                },
                properties: RuleProperties {
                    tags: rule.practices.iter().map(|p| p.to_string()).collect(),
                },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "shipready",
                    version: &a.tool.version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: invocations(a),
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: OriginalUriBaseIds {
                srcroot: ArtifactLocation {
                    uri: "./".into(),
                    uri_base_id: None,
                },
            },
            results: a.findings.iter().map(result).collect(),
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri(".github/workflows/ci.yml"), ".github/workflows/ci.yml");
        assert_eq!(uri("docs/my file#1.yml"), "docs/my%20file%231.yml");
        assert_eq!(uri("é"), "%C3%A9");
    }
}
