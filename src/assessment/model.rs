//! The assessment as the reports read it. Renderers see only this, never the files; the JSON
//! output is this structure, described by `schema/assessment.schema.json`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalog::{Category, GateSeverity, Priority};
use crate::evidence::{Evidence, State};
use crate::inventory::Skipped;
use crate::pipeline::Unparsed;
use crate::source::Location;

/// Bumped when a field changes meaning or is removed.
pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Assessment {
    pub schema_version: String,
    pub tool: Tool,
    pub repository: String,
    pub summary: Summary,
    pub categories: Vec<CategoryResult>,
    pub inventory: InventoryReport,
    /// Every production deploy and the controls in front of and behind it.
    pub production_paths: Vec<crate::evidence::production::ProductionPath>,
    pub practices: Vec<PracticeResult>,
    pub key_findings: KeyFindings,
    pub recommendations: Vec<Recommendation>,
    pub roadmap: Roadmap,
    pub risks: Vec<RiskResult>,
    pub gates: Vec<GateResult>,
    /// Defects at exact locations, sorted by file and position; suppressed ones included.
    pub findings: Vec<crate::findings::Finding>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Go,
    ConditionalGo,
    NoGo,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Go => "GO",
            Verdict::ConditionalGo => "CONDITIONAL GO",
            Verdict::NoGo => "NO-GO",
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Summary {
    /// Overall score 0-100, rounded.
    pub score: u32,
    pub level: u8,
    pub level_name: String,
    /// The level the score's band alone would give.
    pub score_level: u8,
    /// Core practices that keep the level below the band.
    pub capped_by: Vec<String>,
    pub verdict: Verdict,
    /// Weighted share of credited practices whose evidence is high-confidence, 0-1.
    pub confidence: f64,
    pub practices_applicable: usize,
    pub practices_present: usize,
    pub practices_partial: usize,
    pub practices_missing: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CategoryResult {
    pub category: Category,
    pub title: String,
    /// `None` when no practice of the category applies.
    pub score: Option<u32>,
    pub target: u32,
    /// Points below target (0 when at or above).
    pub gap: u32,
    pub level: u8,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PipelineReport {
    pub path: String,
    pub system: crate::pipeline::CiSystem,
    pub name: String,
    pub purpose: Vec<String>,
    pub triggers: Vec<String>,
    pub jobs: Vec<JobReport>,
}

/// A job and what it does for the release.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JobReport {
    pub id: String,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    pub roles: Vec<String>,
    /// The job only prints or sleeps.
    pub simulated: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FileGroup {
    pub kind: String,
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InventoryReport {
    pub files_scanned: usize,
    pub ci_systems: Vec<String>,
    pub pipelines: Vec<PipelineReport>,
    pub groups: Vec<FileGroup>,
    pub migration_systems: Vec<String>,
    pub deploy_targets: Vec<String>,
    pub traits: Vec<String>,
    pub skipped: Vec<Skipped>,
    pub unparsed: Vec<Unparsed>,
    /// Files assessed only in part: a bound on what is followed from them (commands of the
    /// scripts steps call, local actions inlined, GitLab includes) or on the findings listed
    /// for them was reached; the reason says what was left out.
    pub read_in_part: Vec<Unparsed>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PracticeResult {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub level: u8,
    pub core: bool,
    pub weight: u8,
    pub state: State,
    pub credit: f64,
    /// Why the practice is short of Present, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyFinding {
    pub practice: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyFindings {
    pub strengths: Vec<KeyFinding>,
    pub gaps: Vec<KeyFinding>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Recommendation {
    pub practice: String,
    pub title: String,
    pub category: Category,
    pub priority: Priority,
    pub state: State,
    pub effort_days: f64,
    pub effort_range: (f64, f64),
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    pub gates: Vec<String>,
    pub risks: Vec<String>,
    /// Recommended practices of a lower priority that this one is planned after, because it
    /// builds on them (a backup before migrations needs the pipeline to run the migrations).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RoadmapItem {
    pub practice: String,
    pub title: String,
    pub priority: Priority,
    pub week: u32,
    /// Day the work starts, counted from 0 at the start of week 1 (working days).
    pub start_day: f64,
    pub effort_days: f64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Phase {
    pub name: String,
    pub first_week: u32,
    pub last_week: u32,
    pub items: Vec<RoadmapItem>,
    pub projected_score: u32,
    pub projected_level: u8,
    pub projected_verdict: Verdict,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Roadmap {
    pub team_size: u32,
    pub days_per_week: f64,
    pub phases: Vec<Phase>,
    /// When the projected level or verdict changes, in the order the plan reaches them.
    pub milestones: Vec<String>,
    /// Practices left after the planning horizon.
    pub backlog: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RiskResult {
    pub id: String,
    pub title: String,
    pub probability: u8,
    pub impact: u8,
    pub score: u8,
    pub severity: String,
    pub mitigated: bool,
    /// Missing or partial practices that raise the risk.
    pub drivers: Vec<String>,
    pub mitigation: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GateStatus {
    Pass,
    Fail,
    Unverified,
    #[serde(rename = "N/A")]
    NotApplicable,
}

impl GateStatus {
    pub fn label(self) -> &'static str {
        match self {
            GateStatus::Pass => "PASS",
            GateStatus::Fail => "FAIL",
            GateStatus::Unverified => "UNVERIFIED",
            GateStatus::NotApplicable => "N/A",
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GateResult {
    pub id: String,
    pub title: String,
    pub severity: GateSeverity,
    pub status: GateStatus,
    pub criteria: String,
    pub practices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
