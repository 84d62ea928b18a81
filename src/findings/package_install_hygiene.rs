//! `package-install-hygiene`: package installs in a Dockerfile that leave caches or extra
//! packages in the image.
//!
//! `apt-get install` without `--no-install-recommends` pulls in packages nobody asked for, and
//! without removing `/var/lib/apt/lists` in the same `RUN` keeps the index in the layer;
//! `apk add` without `--no-cache` keeps the index; `pip install` without `--no-cache-dir` keeps
//! wheels. Each adds size and attack surface to the image. Package lists are reported only in
//! stages that end up in the image; the other checks also apply to build stages, where they
//! cost build time and cache size. A `RUN --mount=type=cache` keeps
//! caches out of the layer and is accepted, as is `PIP_NO_CACHE_DIR` set in the stage.

use super::{Finding, Rule, Severity, Sources, line_location, locate_in_text};
use crate::evidence::Confidence;
use crate::parse::dockerfile::Dockerfile;

pub const RULE: Rule = Rule {
    id: "package-install-hygiene",
    severity: Severity::Note,
    confidence: Confidence::High,
    summary: "package install leaves caches or unrequested packages in the image",
    help: "use `apt-get install --no-install-recommends ... && rm -rf /var/lib/apt/lists/*`, \
           `apk add --no-cache`, `pip install --no-cache-dir`, or a `RUN --mount=type=cache`",
    practices: &["SEC-15"],
};

/// What is wrong with the installs in one `RUN` command line, each with the text to point at.
pub(crate) fn problems(run: &str, pip_cache_off: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if run.contains("--mount=type=cache") {
        return out;
    }
    for command in run.split("&&").flat_map(|c| c.split(';')) {
        let words: Vec<&str> = command.split_whitespace().collect();
        let has = |flag: &str| words.contains(&flag);
        let joined = words.join(" ");
        // `apt-get [options] install ...`: the needle is the command as written, options included.
        let apt = words.iter().position(|w| matches!(*w, "apt-get" | "apt"));
        let install = apt.and_then(|at| {
            let verb = at + 1 + words[at + 1..].iter().position(|w| !w.starts_with('-'))?;
            (words[verb] == "install").then(|| words[at..=verb].join(" "))
        });
        if let Some(needle) = install {
            if !has("--no-install-recommends") {
                out.push((
                    needle.clone(),
                    "`apt-get install` without `--no-install-recommends`".into(),
                ));
            }
            if !run.contains("/var/lib/apt/lists") {
                out.push((
                    needle,
                    "apt package lists are not removed in the same `RUN`".into(),
                ));
            }
        }
        // Removing the index in the same `RUN` (`rm -rf /var/cache/apk/*`) keeps it out of
        // the layer as `--no-cache` does.
        if joined.contains("apk add") && !has("--no-cache") && !run.contains("/var/cache/apk") {
            out.push((
                "apk add".to_string(),
                "`apk add` without `--no-cache`".into(),
            ));
        }
        let pip = words.iter().position(|w| {
            matches!(*w, "pip" | "pip3") || w.ends_with("/pip") || w.ends_with("/pip3")
        });
        if let Some(at) = pip
            && words.get(at + 1) == Some(&"install")
            && !has("--no-cache-dir")
            && !pip_cache_off
        {
            out.push((
                format!("{} install", words[at]),
                "`pip install` without `--no-cache-dir`".into(),
            ));
        }
    }
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

/// Which stages' layers end up in the shipped image, by index: the final stage and the stages
/// of the same file it is built `FROM`, transitively.
fn shipped_stages(file: &Dockerfile) -> Vec<bool> {
    let mut shipped = vec![false; file.stages.len()];
    for (index, _) in file.final_lineage() {
        shipped[index] = true;
    }
    shipped
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for docker in &sources.dockerfiles {
        let path = &docker.file.path;
        let shipped = shipped_stages(docker.file);
        for (stage, &in_image) in docker.file.stages.iter().zip(&shipped) {
            // Package lists left in a build stage never reach the image.
            let pip_cache_off = stage.instructions.iter().any(|i| {
                matches!(i.keyword.as_str(), "ENV" | "ARG") && i.args.contains("PIP_NO_CACHE_DIR")
            });
            for run in stage.all("RUN") {
                for (needle, message) in problems(&run.args, pip_cache_off) {
                    if !in_image && message.starts_with("apt package lists") {
                        continue;
                    }
                    let location =
                        locate_in_text(path, docker.text, run.line, run.line + 50, &needle)
                            .unwrap_or_else(|| line_location(path, docker.text, run.line));
                    out.push(Finding::new(&RULE, location, message, docker.text));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::problems;

    #[test]
    fn installs() {
        assert_eq!(
            problems("apt-get update && apt-get install -y curl", false).len(),
            2
        );
        assert!(problems(
            "apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
            false
        )
        .is_empty());
        assert_eq!(
            problems("apt-get -y install --no-install-recommends pg", false).len(),
            1
        );
        assert_eq!(
            problems("apt-get -y install pg", false)[0].0,
            "apt-get -y install"
        );
        assert!(problems("apt-get update", false).is_empty());
        assert_eq!(problems("apk add curl", false).len(), 1);
        assert!(problems("apk add --no-cache curl", false).is_empty());
        assert!(problems("apk update && apk add pq && rm -rf /var/cache/apk/*", false).is_empty());
        assert_eq!(problems("pip install -r requirements.txt", false).len(), 1);
        assert!(problems("pip install -r requirements.txt", true).is_empty());
        assert!(
            problems(
                "--mount=type=cache,target=/root/.cache pip install x",
                false
            )
            .is_empty()
        );
    }
}
