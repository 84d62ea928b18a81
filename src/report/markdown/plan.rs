//! The planning sections of the Markdown report: recommendations, roadmap, gates with the
//! success criteria, risks and the conclusion.

use std::fmt::Write;

use super::cell;
use crate::assessment::model::{Assessment, GateStatus};
use crate::assessment::scoring::level_name;
use crate::catalog::GateSeverity;

pub fn recommendations(out: &mut String, a: &Assessment) {
    let _ = writeln!(out, "## Recommendations\n");
    if a.recommendations.is_empty() {
        let _ = writeln!(out, "Every applicable practice is in place.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Priority | Practice | Effort (days) | Clears gates | Lowers risks | Change to make | Now |\n|---|---|---|---|---|---|---|"
    );
    for r in &a.recommendations {
        let _ = writeln!(
            out,
            "| {:?}{} | {} {} | {} ({}–{}) | {} | {} | {} | {} |",
            r.priority,
            after(r),
            r.practice,
            cell(&r.title),
            r.effort_days,
            r.effort_range.0,
            r.effort_range.1,
            r.gates.join(", "),
            r.risks.join(", "),
            cell(&r.action),
            cell(r.now.as_deref().unwrap_or(r.state.label()))
        );
    }
    let _ = writeln!(out);
}

/// ", after DEP-17" for a recommendation planned after a lower-priority prerequisite.
fn after(r: &crate::assessment::model::Recommendation) -> String {
    if r.after.is_empty() {
        String::new()
    } else {
        format!(", after {}", r.after.join(", "))
    }
}

pub fn roadmap(out: &mut String, a: &Assessment) {
    let r = &a.roadmap;
    let _ = writeln!(out, "## Roadmap\n");
    let _ = writeln!(
        out,
        "Capacity: {} engineer(s) × {} days a week. Items are scheduled P1 first, prerequisites before the work that needs them, then by score gained per day.\n",
        r.team_size, r.days_per_week
    );
    for phase in &r.phases {
        let weeks = if phase.first_week == phase.last_week {
            format!("week {}", phase.first_week)
        } else {
            format!("weeks {}–{}", phase.first_week, phase.last_week)
        };
        let _ = writeln!(out, "### {} ({weeks})\n", phase.name);
        let _ = writeln!(
            out,
            "| Week | Day | Practice | Effort (days) |\n|---:|---:|---|---:|"
        );
        for item in &phase.items {
            let _ = writeln!(
                out,
                "| {} | {} | {} {} | {} |",
                item.week,
                item.start_day,
                item.practice,
                cell(&item.title),
                item.effort_days
            );
        }
        let _ = writeln!(
            out,
            "\nProjected after this phase: **{}/100, Level {} ({}), {}**.\n",
            phase.projected_score,
            phase.projected_level,
            level_name(phase.projected_level),
            phase.projected_verdict.label()
        );
    }
    if !r.milestones.is_empty() {
        let _ = writeln!(out, "### Milestones\n");
        for m in &r.milestones {
            let _ = writeln!(out, "- {m}");
        }
        let _ = writeln!(out);
    }
    if !r.backlog.is_empty() {
        let _ = writeln!(out, "Backlog beyond week 12: {}.\n", r.backlog.join(", "));
    }
    for note in &r.notes {
        let _ = writeln!(out, "> {note}\n");
    }
}

pub fn gates(out: &mut String, a: &Assessment) {
    let _ = writeln!(
        out,
        "## Production-readiness gates\n\nVerdict: **{}**\n",
        a.summary.verdict.label()
    );
    let _ = writeln!(
        out,
        "| Gate | Severity | Status | Criteria | Why |\n|---|---|---|---|---|"
    );
    for g in &a.gates {
        let severity = match g.severity {
            GateSeverity::Blocking => "Blocking",
            GateSeverity::Advisory => "Advisory",
        };
        let status = match g.status {
            GateStatus::Pass => "✅ PASS",
            GateStatus::Fail => "❌ FAIL",
            GateStatus::Unverified => "❔ UNVERIFIED",
            GateStatus::NotApplicable => "➖ N/A",
        };
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} |",
            g.id,
            cell(&g.title),
            severity,
            status,
            cell(&g.criteria),
            cell(g.reason.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(out, "\n### Success criteria\n");
    for c in &a.categories {
        if let Some(score) = c.score {
            let mark = if score >= c.target { "met" } else { "open" };
            let _ = writeln!(
                out,
                "- {} at or above {} (now {score}, {mark})",
                c.title, c.target
            );
        }
    }
    let _ = writeln!(
        out,
        "- Every blocking gate PASS, for a GO verdict (now {})\n",
        a.summary.verdict.label()
    );
}

pub fn risks(out: &mut String, a: &Assessment) {
    let _ = writeln!(
        out,
        "## Risk matrix\n\nProbability and impact on 1–5 scales; score = probability × impact.\n"
    );
    let _ = writeln!(
        out,
        "| Risk | Probability | Impact | Score | Severity | Driven by |\n|---|---:|---:|---:|---|---|"
    );
    for r in &a.risks {
        let drivers = if r.mitigated {
            "mitigated".to_string()
        } else {
            cell(&r.drivers.join("; "))
        };
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} |",
            r.id,
            cell(&r.title),
            r.probability,
            r.impact,
            r.score,
            r.severity,
            drivers
        );
    }
    let _ = writeln!(
        out,
        "\n| Impact ↓ / Probability → | 1 | 2 | 3 | 4 | 5 |\n|---|---|---|---|---|---|"
    );
    for impact in (1..=5u8).rev() {
        let row: Vec<String> = (1..=5u8)
            .map(|p| {
                a.risks
                    .iter()
                    .filter(|r| !r.mitigated && r.impact == impact && r.probability == p)
                    .map(|r| r.id.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let _ = writeln!(out, "| {impact} | {} |", row.join(" | "));
    }
    let _ = writeln!(out);
}

pub fn conclusion(out: &mut String, a: &Assessment) {
    let s = &a.summary;
    let _ = writeln!(out, "## Conclusion\n");
    match a.roadmap.phases.last() {
        Some(last) => {
            let _ = writeln!(
                out,
                "The repository scores {}/100 today, Level {} ({}), with a {} verdict. Carrying out the roadmap over {} weeks would bring it to a projected {}/100, Level {} ({}), {}.\n",
                s.score,
                s.level,
                s.level_name,
                s.verdict.label(),
                last.last_week,
                last.projected_score,
                last.projected_level,
                level_name(last.projected_level),
                last.projected_verdict.label()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "The repository scores {}/100, Level {} ({}), with a {} verdict, and no applicable practice is missing.\n",
                s.score,
                s.level,
                s.level_name,
                s.verdict.label()
            );
        }
    }
}
