//! Whether the security policy tells a reporter how to reach the maintainers privately and
//! how soon they will answer. A policy that has neither is a file, not a process: reports then
//! arrive as public issues, and nobody knows when to expect a reply.

use std::sync::LazyLock;

use regex::Regex;

use super::{evidence, verdict};
use crate::evidence::{Facts, State, Verdict};
use crate::inventory::RepoFile;
use crate::source::Location;

/// A way to report privately: an address, GitHub private vulnerability reporting, or a
/// bug-bounty or disclosure platform. A link to the published advisories list is how fixes
/// are announced, not how they are reported, so only the link that opens a new report counts.
static CHANNEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}\b|\bmailto:|/security/advisories/new\b|\bprivate\s+vulnerability\s+report|\breport\s+(it\s+|them\s+|vulnerabilities\s+)?privately\b|\bprivately\s+report|\b(hackerone\.com|bugcrowd\.com|intigriti\.com|huntr\.(dev|com)|yeswehack\.com|bughunters\.google\.com|g\.co/vulnz|tidelift\.com/security|forms\.gle)\b",
    )
    .ok()
});

/// A response commitment: "within 48 hours", "3 business days", "two weeks".
static TIMEFRAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(\d+|one|two|three|four|five|seven|ten|fourteen|thirty)[\s-]+(business[\s-]+|working[\s-]+|calendar[\s-]+)?(hours?|days?|weeks?)\b|\bwithin\s+\d+\s*h\b",
    )
    .ok()
});

/// `SECURITY.md` (any extension, any case) at the top, in `.github/` or in `docs/`, where
/// GitHub shows it as the repository's policy.
fn is_policy(path: &str) -> bool {
    let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
    let folder_ok = ["", ".github", "docs"]
        .iter()
        .any(|f| folder.eq_ignore_ascii_case(f));
    folder_ok
        && name
            .get(..8)
            .is_some_and(|start| start.eq_ignore_ascii_case("security"))
}

/// Repository files a policy links to (`[Security Policy](docs/security/security.md)`): many
/// projects keep a one-line `SECURITY.md` that points to the real policy.
fn linked<'a>(facts: &'a Facts, policy: &RepoFile, text: &str) -> Vec<&'a RepoFile> {
    static LINK: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"\]\(\s*(\./)?([^)\s#:]+)").ok());
    let Some(link) = LINK.as_ref() else {
        return Vec::new();
    };
    let folder = policy.path.rsplit_once('/').map_or("", |(f, _)| f);
    link.captures_iter(text)
        .filter_map(|c| c.get(2))
        .filter_map(|target| {
            let target = target.as_str();
            let joined = match target.strip_prefix('/') {
                Some(from_root) => from_root.to_string(),
                None if folder.is_empty() => target.to_string(),
                None => format!("{folder}/{target}"),
            };
            facts.inventory.get(&joined)
        })
        .filter(|f| f.text.is_some() && f.path != policy.path)
        .collect()
}

/// The first line of `file` that `pattern` matches, as a location.
fn first_line(file: &RepoFile, pattern: &Regex) -> Option<Location> {
    let text = file.text.as_deref()?;
    let found = pattern.find(text)?;
    Some(crate::evidence::location_at(
        &file.path,
        text,
        found.start(),
        found.end(),
    ))
}

pub fn security_policy(facts: &Facts) -> Option<Verdict> {
    let (channel, timeframe) = (CHANNEL.as_ref()?, TIMEFRAME.as_ref()?);
    let policies: Vec<&RepoFile> = facts
        .inventory
        .files
        .iter()
        .filter(|f| is_policy(&f.path))
        .collect();
    let Some(&policy) = policies.first() else {
        return section_in_docs(facts, channel, timeframe).or_else(|| pointer_in_readme(facts));
    };
    let mut documents = policies.clone();
    for file in &policies {
        if let Some(text) = file.text.as_deref() {
            documents.extend(linked(facts, file, text));
        }
    }
    let route = documents.iter().find_map(|f| first_line(f, channel));
    let deadline = documents.iter().find_map(|f| first_line(f, timeframe));
    let mut found = Vec::new();
    if let Some(at) = &route {
        found.push(evidence(
            facts,
            State::Present,
            at.clone(),
            "a private way to report a vulnerability",
            None,
        ));
    }
    if let Some(at) = &deadline {
        found.push(evidence(
            facts,
            State::Present,
            at.clone(),
            "a response timeframe",
            None,
        ));
    }
    let named = |at: &Location| format!("{}:{}", at.path, at.line);
    let (state, reason) = match (&route, &deadline) {
        (Some(_), Some(_)) => (State::Present, None),
        (Some(at), None) => (
            State::Partial,
            Some(format!(
                "The security policy names a private way to report ({}), but no response timeframe (such as \"acknowledged within 3 business days\").",
                named(at)
            )),
        ),
        (None, Some(at)) => (
            State::Partial,
            Some(format!(
                "The security policy states a response timeframe ({}), but no private way to report: no address, GitHub private vulnerability reporting link or disclosure platform, so reports may arrive as public issues.",
                named(at)
            )),
        ),
        (None, None) => (
            State::Partial,
            Some(format!(
                "{} exists, but names neither a private way to report nor a response timeframe.",
                policy.path
            )),
        ),
    };
    if found.is_empty() {
        found.push(evidence(
            facts,
            State::Partial,
            Location::file(&policy.path),
            format!("{} exists", policy.path),
            None,
        ));
    }
    verdict(state, reason, found)
}

/// Without a policy file, a documentation page may still say how to report a vulnerability
/// (dispatch's `docs/docs/support.mdx`, "Reporting a Security Issue"): a heading about
/// reporting security issues with a private channel in the text below it. That is a process,
/// but GitHub does not show it where reporters look.
fn section_in_docs(facts: &Facts, channel: &Regex, timeframe: &Regex) -> Option<Verdict> {
    static HEADING: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"(?im)^#{1,4}\s+.*\b(report(ing)?\s+(a\s+)?(security|vulnerabilit)|security\s+(issues?|vulnerabilit\w*|disclosure|reports?|policy)\b)").ok()
    });
    /// How far below its heading a section's reporting channel may be.
    const SECTION: usize = 3000;
    let heading = HEADING.as_ref()?;
    facts.inventory.files.iter().find_map(|file| {
        let path = file.path.to_ascii_lowercase();
        let page = (path.starts_with("docs/") || path.starts_with("doc/"))
            && [".md", ".mdx", ".rst"].iter().any(|e| path.ends_with(e));
        let text = file.text.as_deref().filter(|_| page)?;
        let title = heading.find(text)?;
        let mut end = (title.start() + SECTION).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let section = &text[title.start()..end];
        let at = |found: regex::Match| {
            let start = title.start() + found.start();
            crate::evidence::location_at(&file.path, text, start, title.start() + found.end())
        };
        let route = at(channel.find(section)?);
        let deadline = timeframe.find(section).map(at);
        let titled = at(heading.find(section)?);
        let mut found = vec![evidence(
            facts,
            State::Partial,
            titled.clone(),
            "a documentation page on reporting security issues",
            None,
        )];
        found.push(evidence(
            facts,
            State::Present,
            route.clone(),
            "a private way to report a vulnerability",
            None,
        ));
        let promise = match &deadline {
            Some(when) => {
                found.push(evidence(
                    facts,
                    State::Present,
                    when.clone(),
                    "a response timeframe",
                    None,
                ));
                format!(" and a response timeframe ({}:{})", when.path, when.line)
            }
            None => String::new(),
        };
        let reason = format!(
            "{}:{} says how to report a vulnerability privately ({}:{}){promise}, but there is no SECURITY.md, so GitHub does not show it on the repository's Security tab",
            titled.path, titled.line, route.path, route.line
        );
        verdict(State::Partial, Some(reason), found)
    })
}

/// Without a policy file, a README that sends reporters to a policy kept elsewhere (an
/// organisation's `.github` repository, a website) is a mention: the policy may well exist,
/// but its content is not in the repository to check.
fn pointer_in_readme(facts: &Facts) -> Option<Verdict> {
    static POINTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"(?i)\]\(https?://[^)\s]*security(\.md|/policy|[-_]policy)[^)\s]*\)|\bsecurity (policy|process)\b.*\]\(https?://").ok()
    });
    let pointer = POINTER.as_ref()?;
    let readme = facts.inventory.files.iter().find(|f| {
        let name = f.path.to_ascii_lowercase();
        name == "readme.md" || name == "readme.rst" || name == "readme"
    })?;
    let at = first_line(readme, pointer)?;
    let reason = "the README points to a security policy kept outside this repository; its reporting channel and response time could not be checked here".to_string();
    let e = evidence(
        facts,
        State::Mentioned,
        at,
        "the README links to a security policy elsewhere",
        Some(reason.clone()),
    );
    verdict(State::Mentioned, Some(reason), vec![e])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_files_are_where_github_shows_them() {
        assert!(is_policy("SECURITY.md"));
        assert!(is_policy(".github/security.md"));
        assert!(is_policy("docs/SECURITY.rst"));
        assert!(!is_policy("docs/security/security.md"));
        assert!(!is_policy("src/security.py"));
        assert!(!is_policy("SECURE.md"));
    }

    fn matches(pattern: &LazyLock<Option<Regex>>, text: &str) -> bool {
        pattern.as_ref().is_some_and(|p| p.is_match(text))
    }

    #[test]
    fn private_channels_and_not_public_ones() {
        for text in [
            "Email security@example.org with the details.",
            "Use [this form](https://github.com/o/r/security/advisories/new).",
            "Please use GitHub's private vulnerability reporting.",
            "Report it privately on https://hackerone.com/acme.",
            "Contact us via the Tidelift security contact: https://tidelift.com/security",
        ] {
            assert!(matches(&CHANNEL, text), "{text}");
        }
        for text in [
            "Open an issue on GitHub.",
            "We publish [advisories](https://github.com/o/r/security/advisories).",
            "Security fixes land in the latest release.",
        ] {
            assert!(!matches(&CHANNEL, text), "{text}");
        }
    }

    #[test]
    fn response_timeframes() {
        for text in [
            "We acknowledge reports within 48 hours.",
            "You will hear back within 3 business days.",
            "expect a reply within two weeks",
            "a first response within 24h",
        ] {
            assert!(matches(&TIMEFRAME, text), "{text}");
        }
        for text in ["We respond promptly.", "Version 2 is supported."] {
            assert!(!matches(&TIMEFRAME, text), "{text}");
        }
    }
}
