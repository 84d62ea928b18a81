//! Detectors for the dependency supply chain: lockfiles with frozen installs, committed
//! secrets, and update automation covering every ecosystem in use.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::RegexSet;

use super::{evidence, examples, verdict};
use crate::evidence::{Facts, State, Verdict};
use crate::inventory::{Ecosystem, FileKind};
use crate::parse::yaml;
use crate::source::Location;

/// The ecosystems with a manifest, or with a lockfile (a requirements file pip-compile or
/// uv wrote is both).
fn ecosystems_with(facts: &Facts, want_lock: bool) -> BTreeSet<Ecosystem> {
    facts
        .inventory
        .files
        .iter()
        .filter_map(|f| match f.kind {
            _ if want_lock => f.locks(),
            FileKind::Manifest(e) => Some(e),
            _ => None,
        })
        .collect()
}

static FROZEN_INSTALLS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bnpm\s+ci\b",
        r"(?i)\bpnpm\s+(install|i)\b.*--frozen-lockfile",
        r"(?i)\byarn\b.*--(immutable|frozen-lockfile)",
        r"(?i)\buv\s+(sync|run|export)\b.*--(locked|frozen)",
        r"(?i)\bpip\s+install\b.*--require-hashes",
        r"(?i)\bcargo\s+\w+.*--(locked|frozen)",
        r"(?i)\bpoetry\s+install\b",
        r"(?i)\bpipenv\s+(install|sync)\b.*--deploy|\bpipenv\s+sync\b",
        r"(?i)\bbundle\s+(install|config).*--(frozen|deployment)|BUNDLE_FROZEN|BUNDLE_DEPLOYMENT",
        r"(?i)\bbundle\s+config\s+(set\s+)?(--(local|global)\s+)?(frozen|deployment)\s+['\x22]?(true|1)\b",
        r"(?i)\bcomposer\s+install\b",
        r"(?i)\bbun\s+install\b.*--frozen-lockfile",
        r"(?i)\bbun\s+ci\b",
        r"(?i)\bdotnet\s+restore\b.*--locked-mode",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

/// Go has no install step: `go build` and `go test` fetch modules themselves, check each
/// against go.sum and, read-only by default since Go 1.16, fail rather than change go.mod or
/// go.sum. So they, like `go mod download` and `go mod verify`, hold to what go.sum pins;
/// what they show is that, not an install.
static GO_MODULES: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\bgo\s+(build|test|mod\s+download|mod\s+verify)\b").ok()
});

/// `npm install` with no package named: it may rewrite `package-lock.json` where `npm ci`
/// would fail, so it does not install what the lockfile pins.
static NPM_INSTALL: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\bnpm\s+(install|i)(\s+--?[\w-]+(=\S+)?)*\s*($|[;&|)])").ok()
});

pub fn lockfiles(facts: &Facts) -> Option<Verdict> {
    let manifests = ecosystems_with(facts, false);
    if manifests.is_empty() {
        return verdict(
            State::NotApplicable,
            Some("no dependency manifests".into()),
            Vec::new(),
        );
    }
    let locks = ecosystems_with(facts, true);
    let mut found = Vec::new();
    for lock in facts
        .inventory
        .files
        .iter()
        .filter(|f| f.locks().is_some())
        .take(6)
    {
        let (location, summary) = match lock.compiled_requirements() {
            Some((tool, line)) => (
                Location::line(&lock.path, line, 1, 1),
                format!(
                    "lockfile {}: requirements compiled by {tool}, every version pinned",
                    lock.path
                ),
            ),
            None => (
                Location::file(&lock.path),
                format!("lockfile {}", lock.path),
            ),
        };
        found.push(evidence(facts, State::Present, location, summary, None));
    }
    // A local action's install line runs in every job that uses the action: cited once.
    let mut frozen: Vec<(Location, &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for command in facts
        .pipelines
        .steps()
        .flat_map(|(_, _, s)| s.commands.iter())
    {
        let summary = if FROZEN_INSTALLS.is_match(&command.text) {
            "CI installs exactly what the lockfile pins"
        } else if GO_MODULES
            .as_ref()
            .is_some_and(|r| r.is_match(&command.text))
        {
            "CI builds with the Go modules go.sum pins (the go command checks them and will not change go.mod or go.sum)"
        } else {
            continue;
        };
        if seen.insert(&command.location) {
            frozen.push((command.location.clone(), summary));
        }
    }
    // ruby/setup-ruby's `bundler-cache: true` installs in Bundler's deployment mode when
    // Gemfile.lock is committed, which refuses to change the lockfile.
    let gem_locked = (facts.inventory.files.iter())
        .any(|f| f.path == "Gemfile.lock" || f.path.ends_with("/Gemfile.lock"));
    for (_, _, step) in facts.pipelines.steps() {
        let cached = step.uses.as_deref() == Some("ruby/setup-ruby")
            && step
                .input("bundler-cache")
                .is_some_and(|i| i.value == "true");
        if let Some(input) = step.input("bundler-cache").filter(|_| gem_locked && cached)
            && seen.insert(&input.location)
        {
            frozen.push((
                input.location.clone(),
                "CI installs exactly what Gemfile.lock pins (ruby/setup-ruby's bundler-cache installs in Bundler's deployment mode)",
            ));
        }
    }
    for (location, summary) in frozen.iter().take(3) {
        found.push(evidence(
            facts,
            State::Present,
            location.clone(),
            *summary,
            None,
        ));
    }
    let unlocked: Vec<String> = manifests
        .difference(&locks)
        .map(|e| format!("{e:?}").to_lowercase())
        .collect();
    if locks.is_empty() {
        return verdict(
            State::Absent,
            Some(format!("no lockfile for {}", unlocked.join(", "))),
            found,
        );
    }
    let mut reasons = Vec::new();
    if !unlocked.is_empty() {
        reasons.push(format!("no lockfile for {}", unlocked.join(", ")));
    }
    if frozen.is_empty() {
        reasons.push("CI never installs in frozen mode (npm ci, uv sync --locked, pip --require-hashes, cargo --locked), so builds may resolve newer versions than the lockfile".into());
    }
    let npm_locked = facts
        .inventory
        .files
        .iter()
        .any(|f| f.path.ends_with("package-lock.json"));
    let loose = facts
        .pipelines
        .steps()
        .flat_map(|(_, _, s)| s.commands.iter())
        .find(|c| npm_locked && NPM_INSTALL.as_ref().is_some_and(|r| r.is_match(&c.text)));
    if let Some(command) = loose {
        let at = &command.location;
        reasons.push(format!(
            "CI runs `npm install` ({}:{}), which may rewrite package-lock.json instead of failing; `npm ci` installs exactly what it pins",
            at.path, at.line
        ));
        found.push(evidence(
            facts,
            State::Partial,
            at.clone(),
            "`npm install` in CI does not hold to the lockfile",
            None,
        ));
    }
    let state = if reasons.is_empty() {
        State::Present
    } else {
        State::Partial
    };
    verdict(
        state,
        (!reasons.is_empty()).then(|| reasons.join("; ")),
        found,
    )
}

/// Paths where a credential is most likely a fixture or an example, not a live secret.
fn is_sample_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        "test", "example", "sample", "fixture", "docs/", "mock", "fake", "dummy",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// Never prints the secret: the evidence names the kind and the place only.
pub fn committed_secrets(facts: &Facts) -> Option<Verdict> {
    let mut live = Vec::new();
    let mut samples = Vec::new();
    let scanned = facts.scans.scanned();
    for (file, found) in facts.scans.secrets(facts.inventory) {
        for hit in found {
            let mut item = evidence(
                facts,
                State::Absent,
                hit.location.clone(),
                format!("{} committed in {}", hit.kind, file.path),
                None,
            );
            item.snippet = String::new();
            if is_sample_path(&file.path) {
                samples.push(item);
            } else {
                live.push(item);
            }
        }
    }
    if !live.is_empty() {
        let places: Vec<String> = live.iter().map(|e| e.location.to_string()).collect();
        let reason = format!(
            "credentials committed to the repository at {}; rotate them and remove them from history",
            examples(&places, 3)
        );
        live.extend(samples);
        return verdict(State::Absent, Some(reason), live);
    }
    if !samples.is_empty() {
        let reason = "credential-shaped values only in test, example or documentation files; confirm they are not live".to_string();
        return verdict(State::Partial, Some(reason), samples);
    }
    verdict(
        State::Present,
        Some(format!(
            "the built-in scan of {scanned} text files found no private keys, provider tokens, literal SECRET_KEY settings or secrets with a literal fallback"
        )),
        Vec::new(),
    )
}

pub fn dependency_updates(facts: &Facts) -> Option<Verdict> {
    if let Some(renovate) = facts.inventory.of_kind(FileKind::Renovate).next() {
        let e = evidence(
            facts,
            State::Present,
            Location::file(&renovate.path),
            format!("Renovate configured in {}", renovate.path),
            None,
        );
        return verdict(State::Present, None, vec![e]);
    }
    let Some(config) = facts.inventory.of_kind(FileKind::Dependabot).next() else {
        return verdict(
            State::Absent,
            Some("no Dependabot or Renovate configuration".into()),
            Vec::new(),
        );
    };
    let text = config.text.as_deref().unwrap_or("");
    let mut configured: BTreeSet<String> = BTreeSet::new();
    let mut found = Vec::new();
    if let Ok(docs) = yaml::parse(text) {
        for update in docs
            .first()
            .and_then(|d| d.get("updates"))
            .map(|u| u.items().to_vec())
            .unwrap_or_default()
        {
            if let Some(node) = update.get("package-ecosystem") {
                let name = node.as_str().unwrap_or("").to_ascii_lowercase();
                let location = crate::pipeline::location_of_node(&config.path, node);
                found.push(evidence(
                    facts,
                    State::Present,
                    location,
                    format!("Dependabot updates {name}"),
                    None,
                ));
                configured.insert(name);
            }
        }
    }
    let mut wanted: BTreeSet<&str> = ecosystems_with(facts, false)
        .into_iter()
        .map(Ecosystem::dependabot_name)
        .collect();
    if facts
        .pipelines
        .pipelines
        .iter()
        .any(|p| p.system == crate::pipeline::CiSystem::GithubActions)
    {
        wanted.insert("github-actions");
    }
    if facts
        .inventory
        .of_kind(FileKind::Dockerfile)
        .next()
        .is_some()
    {
        wanted.insert("docker");
    }
    let covers = |want: &str| match want {
        "pip" => ["pip", "uv", "poetry", "pipenv"]
            .iter()
            .any(|c| configured.contains(*c)),
        "npm" => ["npm", "bun", "yarn", "pnpm"]
            .iter()
            .any(|c| configured.contains(*c)),
        "docker" => configured.contains("docker") || configured.contains("docker-compose"),
        other => configured.contains(other),
    };
    let missing: Vec<String> = wanted
        .iter()
        .filter(|w| !covers(w))
        .map(|w| w.to_string())
        .collect();
    if configured.is_empty() {
        let reason = format!("{} lists no package ecosystems", config.path);
        return verdict(State::Mentioned, Some(reason), found);
    }
    if missing.is_empty() {
        verdict(State::Present, None, found)
    } else {
        let reason = format!(
            "Dependabot does not cover {} (used in this repository)",
            missing.join(", ")
        );
        verdict(State::Partial, Some(reason), found)
    }
}
