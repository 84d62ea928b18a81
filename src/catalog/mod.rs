//! The catalog of practices, gates and risks: data shipped inside the binary
//! (`catalog/*.toml`, format in `catalog/FORMAT.md`), checked once when loaded.

mod globs;
mod index;
pub mod literals;

use std::sync::OnceLock;

pub use globs::{GlobHits, PathGlobs};
pub use index::{Owner, REFERENCE_FOLDERS, SignalIndex};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Automation,
    Security,
    Testing,
    Deployment,
    Monitoring,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Automation,
        Category::Security,
        Category::Testing,
        Category::Deployment,
        Category::Monitoring,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Category::Automation => "Automation & Integration",
            Category::Security => "Security & Compliance",
            Category::Testing => "Testing & Quality Gates",
            Category::Deployment => "Deployment & Rollback",
            Category::Monitoring => "Monitoring & Observability",
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
pub enum Priority {
    P1,
    P2,
    P3,
}

/// Traits of a repository that make a practice applicable.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Trait {
    Containers,
    Database,
    Deployable,
    /// The repository runs as a service that others reach (a web application, an API, a
    /// worker): the runtime practices (health checks, rollback, observability) apply. A
    /// command-line tool or a library released as packages is deployable but no service.
    Service,
    WebUi,
    Iac,
    Kubernetes,
    Ci,
    /// The repository declares package dependencies (a manifest of any ecosystem).
    Dependencies,
}

/// What a CI step needs for full credit.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Blocking,
    OnChange,
    Production,
    /// Content evidence inside a CI job counts only if the job publishes what it builds, and
    /// a CI step counts in full only if the release it makes is not a draft.
    Published,
}

/// The credit a non-CI signal gives.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SignalState {
    Mentioned,
    Partial,
    Present,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSignal {
    pub glob: String,
    pub state: SignalState,
    /// Why this signal earns less than full credit, when the generic reason says too little.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentSignal {
    pub glob: String,
    pub pattern: String,
    pub state: SignalState,
    /// Why this signal earns less than full credit, when the generic reason says too little.
    #[serde(default)]
    pub note: Option<String>,
    /// What a hit shows, when "configured in FILE" says too little.
    #[serde(default)]
    pub summary: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependencySignal {
    pub names: Vec<String>,
    pub state: SignalState,
    /// Why this signal earns less than full credit, when the generic reason says too little.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSignal {
    pub pattern: String,
    pub state: SignalState,
    /// Why this signal earns less than full credit, when the generic reason says too little.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub level: u8,
    pub core: bool,
    pub weight: u8,
    pub priority: Priority,
    pub effort_days: f64,
    #[serde(default)]
    pub applies_to: Vec<Trait>,
    #[serde(default)]
    pub requires: Vec<Requirement>,
    #[serde(default)]
    pub detector: Option<String>,
    pub full_credit: String,
    #[serde(default)]
    pub partial_when: String,
    pub recommendation: String,
    /// The recommendation for a repository whose CI is GitLab CI and not GitHub Actions, where
    /// `recommendation` names GitHub-only files, actions or keys.
    #[serde(default)]
    pub gitlab_recommendation: Option<String>,
    /// The recommendation in the terms of one migration system (`django`, `laravel`,
    /// `ef-core`), for a repository whose migrations are written for that system alone.
    #[serde(default)]
    pub recommendation_by_migrations: std::collections::BTreeMap<String, String>,
    /// The recommendation in the terms of one language's tools (`go`, `java`), for a
    /// repository whose code is written in that language; see [`LANGUAGES`].
    #[serde(default)]
    pub recommendation_by_language: std::collections::BTreeMap<String, String>,
    /// The recommendation when the practice is partly in place: how to complete what the
    /// repository has (add the ecosystems its Dependabot file leaves out) rather than how to
    /// start from nothing. The report gives it beside the reason, which names what is missing.
    #[serde(default)]
    pub recommendation_when_partial: Option<String>,
    #[serde(default)]
    pub standards: Vec<String>,
    #[serde(default)]
    pub uses: Vec<String>,
    #[serde(default)]
    pub run: Vec<String>,
    #[serde(default)]
    pub gitlab_templates: Vec<String>,
    /// Words a remote reusable workflow's file name carries when it does this
    /// (`dependency-review` in `org/community/.github/workflows/reusable-dependency-review.yml`).
    #[serde(default)]
    pub reusable: Vec<String>,
    #[serde(default)]
    pub files: Vec<FileSignal>,
    #[serde(default)]
    pub content: Vec<ContentSignal>,
    #[serde(default)]
    pub dependencies: Vec<DependencySignal>,
    #[serde(default)]
    pub code: Vec<CodeSignal>,
}

/// The CI platform a recommendation is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// GitHub Actions: the catalog's own wording, which names GitLab where it has an
    /// equivalent. It stands for a repository with both platforms, or with neither.
    Github,
    /// GitLab CI, in a repository with no GitHub Actions workflow.
    Gitlab,
}

impl Practice {
    /// What to change, in the terms of the repository: its migration system when its
    /// migrations are written for one (its key, `django`, `ef-core`), else the languages its code is
    /// written in (keys of [`LANGUAGES`] with their names, most code first) when the catalog
    /// words the change for each of them, else its CI platform.
    pub fn recommendation_for(
        &self,
        platform: Platform,
        migrations: Option<&str>,
        languages: &[(&str, &str)],
    ) -> std::borrow::Cow<'_, str> {
        if let Some(text) = migrations.and_then(|m| self.recommendation_by_migrations.get(m)) {
            return text.into();
        }
        let worded: Option<Vec<(&str, &String)>> = (languages.iter())
            .map(|(key, name)| Some((*name, self.recommendation_by_language.get(*key)?)))
            .collect();
        match worded.as_deref() {
            Some([(_, only)]) => return only.as_str().into(),
            Some(several) if !several.is_empty() => {
                let parts: Vec<String> = (several.iter())
                    .map(|(name, text)| format!("{name}: {text}"))
                    .collect();
                return parts.join(" ").into();
            }
            _ => {}
        }
        match (platform, &self.gitlab_recommendation) {
            (Platform::Gitlab, Some(gitlab)) => gitlab.as_str().into(),
            _ => self.recommendation.as_str().into(),
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum GateSeverity {
    Blocking,
    Advisory,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GatePass {
    All,
    Any,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub id: String,
    pub title: String,
    pub severity: GateSeverity,
    pub practices: Vec<String>,
    pub pass: GatePass,
    #[serde(default)]
    pub unverified_when_partial: bool,
    pub criteria: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub triggers: Vec<String>,
    pub probability: u8,
    pub impact: u8,
    #[serde(default)]
    pub applies_to: Vec<Trait>,
    pub mitigation: String,
}

#[derive(Debug)]
pub struct Catalog {
    pub practices: Vec<Practice>,
    pub gates: Vec<Gate>,
    pub risks: Vec<Risk>,
    /// The practices' signals, compiled.
    pub index: SignalIndex,
}

#[derive(Deserialize)]
struct PracticeFile {
    practice: Vec<Practice>,
}
#[derive(Deserialize)]
struct GateFile {
    gate: Vec<Gate>,
}
#[derive(Deserialize)]
struct RiskFile {
    risk: Vec<Risk>,
}

/// Code detectors a practice may name.
pub const DETECTORS: &[&str] = &[
    "ci_pipeline",
    "change_triggers",
    "lockfiles",
    "pinned_actions",
    "workflow_permissions",
    "deploy_gated",
    "committed_secrets",
    "dependency_updates",
    "base_image_digest",
    "minimal_base_image",
    "non_root_container",
    "multi_stage_build",
    "test_suite",
    "coverage_threshold",
    "automated_deploy",
    "staging_promotion",
    "health_checks",
    "production_approval",
    "versioned_migrations",
    "repository_hygiene",
    "security_policy",
    "scheduled_rescan",
    "ephemeral_runners",
    "serialised_deploys",
    "deployment_records",
    "test_matrix",
    "load_test_gate",
    "preview_environments",
    "release_tool_outputs",
    "reversible_migrations",
    "migration_safety",
    "migration_round_trip",
    "sast_breadth",
    "post_deploy_checks",
    "pipeline_efficiency",
];

/// The languages `recommendation_by_language` may name, as the assessment tells them apart.
pub const LANGUAGES: &[&str] = &[
    "python",
    "javascript",
    "go",
    "rust",
    "java",
    "csharp",
    "ruby",
    "php",
    "cpp",
    "swift",
];

/// The migration systems `recommendation_by_migrations` may name: the keys of those the
/// inventory recognises ([`crate::inventory::MigrationSystem::key`]).
const MIGRATION_SYSTEMS: &[&str] = &[
    "alembic",
    "django",
    "rails",
    "flyway",
    "liquibase",
    "golang-migrate",
    "prisma",
    "sqlx",
    "knex",
    "laravel",
    "ef-core",
    "go-code",
];

impl Catalog {
    /// The built-in catalog. It is checked by the test suite, so failing here is a build defect.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            match Catalog::from_sources(
                include_str!("../../catalog/practices.toml"),
                include_str!("../../catalog/gates.toml"),
                include_str!("../../catalog/risks.toml"),
            ) {
                Ok(catalog) => catalog,
                Err(error) => panic!("the built-in catalog is invalid: {error}"),
            }
        })
    }

    pub fn from_sources(practices: &str, gates: &str, risks: &str) -> Result<Catalog, String> {
        let practices = toml::from_str::<PracticeFile>(practices)
            .map_err(|e| format!("practices.toml: {e}"))?
            .practice;
        let gates = toml::from_str::<GateFile>(gates)
            .map_err(|e| format!("gates.toml: {e}"))?
            .gate;
        let risks = toml::from_str::<RiskFile>(risks)
            .map_err(|e| format!("risks.toml: {e}"))?
            .risk;
        let index = SignalIndex::build(&practices)?;
        let catalog = Catalog {
            practices,
            gates,
            risks,
            index,
        };
        catalog.validate()?;
        Ok(catalog)
    }

    pub fn practice(&self, id: &str) -> Option<&Practice> {
        self.practices
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id))
    }

    pub fn gate(&self, id: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.id.eq_ignore_ascii_case(id))
    }

    pub fn risk(&self, id: &str) -> Option<&Risk> {
        self.risks.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    fn validate(&self) -> Result<(), String> {
        let mut ids = std::collections::BTreeSet::new();
        for p in &self.practices {
            if !ids.insert(p.id.as_str()) {
                return Err(format!("practice {} is listed twice", p.id));
            }
            if !(1..=4).contains(&p.level) || !(1..=4).contains(&p.weight) {
                return Err(format!("practice {}: level and weight must be 1-4", p.id));
            }
            if let Some(detector) = &p.detector
                && !DETECTORS.contains(&detector.as_str())
            {
                return Err(format!("practice {}: unknown detector {detector}", p.id));
            }
            if let Some(language) =
                (p.recommendation_by_language.keys()).find(|k| !LANGUAGES.contains(&k.as_str()))
            {
                return Err(format!("practice {}: unknown language {language}", p.id));
            }
            if let Some(system) = (p.recommendation_by_migrations.keys())
                .find(|k| !MIGRATION_SYSTEMS.contains(&k.as_str()))
            {
                return Err(format!(
                    "practice {}: unknown migration system {system}",
                    p.id
                ));
            }
        }
        for gate in &self.gates {
            for id in &gate.practices {
                if self.practice(id).is_none() {
                    return Err(format!("gate {} names unknown practice {id}", gate.id));
                }
            }
        }
        for risk in &self.risks {
            for id in &risk.triggers {
                if self.practice(id).is_none() {
                    return Err(format!("risk {} names unknown practice {id}", risk.id));
                }
            }
        }
        Ok(())
    }
}
