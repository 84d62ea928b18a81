//! The compact terminal summary: score, level, verdict, categories, failing gates and the
//! first recommendations. Styling is ANSI; the caller strips it when colour is off.

use std::collections::BTreeMap;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::assessment::model::{Assessment, GateStatus, Verdict};
use crate::catalog::GateSeverity;
use crate::findings::Severity;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn colour(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into())).bold()
}

fn verdict_style(verdict: Verdict) -> Style {
    match verdict {
        Verdict::Go => colour(AnsiColor::Green),
        Verdict::ConditionalGo => colour(AnsiColor::Yellow),
        Verdict::NoGo => colour(AnsiColor::Red),
    }
}

fn score_style(score: u32, target: u32) -> Style {
    if score >= target {
        colour(AnsiColor::Green)
    } else if score + 15 >= target {
        colour(AnsiColor::Yellow)
    } else {
        colour(AnsiColor::Red)
    }
}

pub fn render(a: &Assessment) -> String {
    let mut out = String::new();
    let s = &a.summary;
    let _ = writeln!(
        out,
        "{} {} — {}",
        paint(BOLD, "shipready"),
        a.tool.version,
        a.repository
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  Overall   {}   Level {} of 4: {}",
        paint(score_style(s.score, 90), &format!("{:>3}/100", s.score)),
        s.level,
        s.level_name
    );
    if !s.capped_by.is_empty() {
        let _ = writeln!(
            out,
            "            {}",
            paint(
                DIM,
                &format!(
                    "score alone gives level {}; capped by core practices not yet in place: {}",
                    s.score_level,
                    s.capped_by.join(", ")
                )
            )
        );
    }
    let blocking_fails = a
        .gates
        .iter()
        .filter(|g| g.severity == GateSeverity::Blocking && g.status == GateStatus::Fail)
        .count();
    let _ = writeln!(
        out,
        "  Verdict   {}   {}",
        paint(verdict_style(s.verdict), s.verdict.label()),
        paint(DIM, &format!("{blocking_fails} blocking gates fail"))
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<30} {:>5} {:>7} {:>5}",
        "Category", "Score", "Target", "Gap"
    );
    for c in &a.categories {
        let score = c
            .score
            .map(|v| format!("{v:>5}"))
            .unwrap_or_else(|| "  n/a".into());
        let styled = c
            .score
            .map(|v| paint(score_style(v, c.target), &score))
            .unwrap_or(score);
        let gap = if c.gap > 0 {
            format!("-{}", c.gap)
        } else {
            "0".into()
        };
        let _ = writeln!(
            out,
            "  {:<30} {} {:>7} {:>5}",
            c.title, styled, c.target, gap
        );
    }

    if !a.production_paths.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "  {}", paint(BOLD, "Production paths"));
        for path in &a.production_paths {
            let gaps: Vec<String> = path
                .controls
                .iter()
                .filter(|c| {
                    !matches!(
                        c.status,
                        crate::evidence::production::ControlStatus::Present
                            | crate::evidence::production::ControlStatus::NotApplicable
                    )
                })
                .map(|c| format!("{} {}", c.control, c.status.label()))
                .collect();
            let simulated = if path.simulated { " (simulated)" } else { "" };
            let summary = if gaps.is_empty() {
                vec!["every control present".to_string()]
            } else {
                gaps
            };
            let _ = writeln!(out, "    {} job {}{simulated}:", path.pipeline, path.job);
            for line in wrap(&summary, 96) {
                let _ = writeln!(out, "      {}", paint(DIM, &line));
            }
        }
    }

    file_reasons(
        &mut out,
        "Not assessed (no credit given)",
        &a.inventory.unparsed,
    );
    file_reasons(
        &mut out,
        "Read or listed in part (a bound was reached; each line says what was left out)",
        &a.inventory.read_in_part,
    );

    let failing: Vec<_> = a
        .gates
        .iter()
        .filter(|g| matches!(g.status, GateStatus::Fail | GateStatus::Unverified))
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "  {}", paint(BOLD, "Gates not passed"));
        for g in failing {
            let status = match g.status {
                GateStatus::Fail if g.severity == GateSeverity::Blocking => {
                    paint(colour(AnsiColor::Red), "FAIL")
                }
                GateStatus::Fail => paint(colour(AnsiColor::Yellow), "FAIL"),
                _ => paint(colour(AnsiColor::Yellow), "UNVERIFIED"),
            };
            let severity = match g.severity {
                GateSeverity::Blocking => "blocking",
                GateSeverity::Advisory => "advisory",
            };
            let _ = writeln!(out, "    {status} {} {} ({severity})", g.id, g.title);
        }
    }

    if !a.recommendations.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "  {}", paint(BOLD, "First recommendations"));
        for r in a.recommendations.iter().take(8) {
            let _ = writeln!(
                out,
                "    {:?}  {:<7} {} ({} d)",
                r.priority, r.practice, r.title, r.effort_days
            );
            if let Some(now) = &r.now {
                let _ = writeln!(out, "               {}", paint(DIM, &truncate(now, 100)));
            }
        }
    }

    findings(&mut out, a);

    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {} practices apply: {} present, {} partial or mentioned, {} missing. Evidence confidence {:.0}%.",
        s.practices_applicable,
        s.practices_present,
        s.practices_partial,
        s.practices_missing,
        s.confidence * 100.0
    );
    if let Some(last) = a.roadmap.phases.last() {
        let _ = writeln!(
            out,
            "  Roadmap: {} weeks to a projected {}/100, level {}, {}.",
            last.last_week,
            last.projected_score,
            last.projected_level,
            last.projected_verdict.label()
        );
    }
    if !a.inventory.skipped.is_empty() {
        let skipped = a.inventory.skipped.len();
        let noun = if skipped == 1 {
            "file or folder"
        } else {
            "files or folders"
        };
        let _ = writeln!(
            out,
            "  {skipped} {noun} not assessed (listed in the full report, or with -v)."
        );
    }
    let _ = writeln!(
        out,
        "  {}",
        paint(DIM, "Full report: shipready assess --format markdown")
    );
    out
}

/// Most findings listed in the terminal summary; the rest are counted.
const FINDINGS_SHOWN: usize = 20;
/// At most this many findings of one rule in the terminal summary.
const FINDINGS_PER_RULE: usize = 3;

/// Compiler-style lines: `path:line:col severity[id] message`, the source line below.
fn findings(out: &mut String, a: &Assessment) {
    let active: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let suppressed = a.findings.len() - active.len();
    if active.is_empty() && suppressed == 0 {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  {}", paint(BOLD, "Findings"));
    // Most serious and most certain first, at most a few per rule, so that one rule with
    // hundreds of findings does not hide the others.
    let mut ordered = active.clone();
    ordered.sort_by_key(|f| (f.severity, std::cmp::Reverse(f.confidence)));
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut shown = Vec::new();
    for f in ordered {
        let count = per_rule.entry(f.id.as_str()).or_default();
        if *count < FINDINGS_PER_RULE && shown.len() < FINDINGS_SHOWN {
            *count += 1;
            shown.push(f);
        }
    }
    for f in &shown {
        let severity = match f.severity {
            Severity::Error => paint(colour(AnsiColor::Red), "error"),
            Severity::Warning => paint(colour(AnsiColor::Yellow), "warning"),
            Severity::Note => paint(colour(AnsiColor::Cyan), "note"),
        };
        let _ = writeln!(
            out,
            "    {}: {severity}[{}] {}",
            f.location, f.id, f.message
        );
        let _ = writeln!(out, "        {}", paint(DIM, &format!("| {}", f.snippet)));
    }
    let mut hidden: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &active {
        *hidden.entry(f.id.as_str()).or_default() += 1;
    }
    for f in &shown {
        if let Some(count) = hidden.get_mut(f.id.as_str()) {
            *count -= 1;
        }
    }
    let mut hidden: Vec<(&str, usize)> = hidden.into_iter().filter(|(_, n)| *n > 0).collect();
    hidden.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let total: usize = hidden.iter().map(|(_, n)| n).sum();
    if total > 0 {
        // Wrapped rather than cut: every rule with hidden findings is named.
        let mut counts: Vec<String> = hidden.iter().map(|(id, n)| format!("{n} {id}")).collect();
        counts[0] = format!("{total} more: {}", counts[0]);
        for line in wrap(&counts, 96) {
            let _ = writeln!(out, "    {}", paint(DIM, &line));
        }
    }
    if suppressed > 0 {
        let _ = writeln!(
            out,
            "    {}",
            paint(DIM, &format!("{suppressed} suppressed"))
        );
    }
    if total > 0 || suppressed > 0 {
        let cut = (a.inventory.read_in_part.iter()).any(|p| p.reason.contains("are not listed"));
        let hint = match cut {
            true => {
                "every finding listed: --format markdown, json or sarif (some were left out, as said above)"
            }
            false => "every finding: --format markdown, json or sarif",
        };
        let _ = writeln!(out, "    {}", paint(DIM, hint));
    }
}

/// `items` joined by ", " in lines of at most about `width` characters; an item is never
/// split across lines.
fn wrap(items: &[String], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        let item = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        if !line.is_empty() && line.chars().count() + 1 + item.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&item);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// At most `max` characters, cut at the last space or comma that fits so that no word is
/// cut in half.
/// A titled list of files, each with why it was not assessed in full; nothing when empty.
fn file_reasons(out: &mut String, title: &str, files: &[crate::source::Unparsed]) {
    if files.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  {}", paint(BOLD, title));
    for u in files {
        let _ = writeln!(
            out,
            "    {}: {}",
            u.path,
            paint(DIM, &truncate(&u.reason, 110))
        );
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max - 3).collect();
    let cut = head
        .rfind([' ', ','])
        .filter(|at| *at > max / 2)
        .unwrap_or(head.len());
    head[..cut].trim_end_matches([' ', ',']).to_string() + "..."
}
