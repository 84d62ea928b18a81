//! Health checks that watch the application, not the database beside it.

use super::{Evidence, Facts, State, Verdict, evidence, examples, verdict};
use crate::source::Location;

/// Images of databases, caches, brokers and local stand-ins that a compose file runs beside
/// the application: their `healthcheck:` tells the application when they are up, and says
/// nothing of the application's own health. Matched against the image's last path segment.
const BACKING_IMAGES: &[&str] = &[
    "postgres",
    "postgresql",
    "postgis",
    "mysql",
    "mariadb",
    "redis",
    "valkey",
    "mongo",
    "mongodb",
    "memcached",
    "rabbitmq",
    "elasticsearch",
    "opensearch",
    "opensearch-dashboards",
    "kibana",
    "kafka",
    "cp-kafka",
    "zookeeper",
    "cp-zookeeper",
    "minio",
    "localstack",
    "mailhog",
    "mailpit",
    "pgadmin4",
    "adminer",
    "toxiproxy",
    "nats",
    "etcd",
    "cassandra",
    "clickhouse-server",
    "azurite",
    "dynamodb-local",
];

/// DEP-05: a compose `healthcheck:` counts only on a service that is not a backing service.
/// A compose file is matched once, at its first `healthcheck:`; when that one watches a
/// database, the file's first one on another service stands for it. Leaves the signals alone
/// when none of them is on a backing service.
pub fn health_checks(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let mut backing = Vec::new();
    let mut kept = Vec::new();
    let mut changed = false;
    for signal in signals {
        let path = &signal.location.path;
        let Some(lines) = compose_lines(facts, path) else {
            kept.push(signal.clone());
            continue;
        };
        let services = Services::of(&lines);
        let at = signal.location.line.saturating_sub(1);
        let Some(image) = services.backing_image(at) else {
            kept.push(signal.clone());
            continue;
        };
        changed = true;
        let own = (at + 1..lines.len()).find(|&i| {
            lines[i].trim_start().starts_with("healthcheck:") && services.backing_image(i).is_none()
        });
        if let Some(own) = own {
            let column = lines[own].len() - lines[own].trim_start().len() + 1;
            let location = Location::line(path, own + 1, column, column + "healthcheck".len());
            kept.push(Evidence {
                snippet: facts.snippet(&location),
                location,
                ..signal.clone()
            });
        } else {
            backing.push(format!("{image} at {path}:{}", signal.location.line));
        }
        kept.push(evidence(
            facts,
            State::Mentioned,
            signal.location.clone(),
            format!(
                "a healthcheck on the {image} service the application uses, not on the application"
            ),
            None,
        ));
    }
    if !changed {
        return None;
    }
    kept.sort_by_key(|e| std::cmp::Reverse(e.state));
    let best = kept.first().filter(|e| e.state > State::Mentioned);
    let state = best.map_or(State::Absent, |e| e.state);
    let reason = match best {
        None => Some(format!(
            "the only health checks are on backing services ({}), not on the application",
            examples(&backing, 2)
        )),
        Some(best) if best.state != State::Present => best.reason.clone(),
        Some(_) => None,
    };
    verdict(state, reason, kept)
}

/// The lines of a compose file, for a path that names one.
fn compose_lines<'f>(facts: &'f Facts, path: &str) -> Option<Vec<&'f str>> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if !(name.starts_with("compose") || name.starts_with("docker-compose")) {
        return None;
    }
    let text = facts.inventory.get(path)?.text.as_deref()?;
    Some(text.lines().collect())
}

/// The services of a compose file, read in one pass: where each one's block starts and ends
/// (0-based lines), its image and whether it builds its own.
struct Services {
    blocks: Vec<Service>,
}

struct Service {
    start: usize,
    end: usize,
    image: Option<String>,
    builds: bool,
}

impl Services {
    fn of(lines: &[&str]) -> Services {
        let indent = |line: &str| line.len() - line.trim_start().len();
        let meaningful =
            |line: &str| !line.trim().is_empty() && !line.trim_start().starts_with('#');
        let mut blocks: Vec<Service> = Vec::new();
        let mut depths: Option<(usize, Option<usize>)> = None;
        let mut inside = false;
        for (number, line) in lines.iter().enumerate() {
            if !meaningful(line) {
                continue;
            }
            let depth = indent(line);
            if depth == 0 {
                inside = line.trim_end() == "services:";
                depths = None;
                if let Some(last) = blocks.last_mut() {
                    last.end = last.end.min(number);
                }
                continue;
            }
            if !inside {
                continue;
            }
            let (service, property) = *depths.get_or_insert((depth, None));
            if depth <= service {
                if let Some(last) = blocks.last_mut() {
                    last.end = number;
                }
                blocks.push(Service {
                    start: number,
                    end: lines.len(),
                    image: None,
                    builds: false,
                });
                continue;
            }
            let property = property.unwrap_or(depth);
            depths = Some((service, Some(property)));
            let (Some(block), true) = (blocks.last_mut(), depth == property) else {
                continue;
            };
            let line = line.trim();
            if line.starts_with("build:") {
                block.builds = true;
            } else if let Some(value) = line.strip_prefix("image:") {
                block.image = Some(
                    value
                        .trim()
                        .trim_matches(|c| c == '"' || c == '\'')
                        .to_string(),
                );
            }
        }
        Services { blocks }
    }

    /// The image of the service that line `at` (0-based) belongs to, when that service runs
    /// a backing service's image and builds nothing of its own.
    fn backing_image(&self, at: usize) -> Option<&str> {
        let index = self
            .blocks
            .partition_point(|b| b.start <= at)
            .checked_sub(1)?;
        let block = &self.blocks[index];
        if at >= block.end || block.builds {
            return None;
        }
        let image = block.image.as_deref()?;
        let repository = image.split(['@', ':']).next().unwrap_or(image);
        let last = repository.rsplit('/').next().unwrap_or(repository);
        BACKING_IMAGES
            .contains(&last.to_ascii_lowercase().as_str())
            .then_some(image)
    }
}
