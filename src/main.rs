//! The `shipready` command line.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use shipready::assessment::model::Verdict;
use shipready::catalog::Catalog;
use shipready::report;

#[derive(Parser)]
#[command(
    name = "shipready",
    version,
    about = "CI/CD maturity and production-readiness assessment of a repository, from its files alone"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Assess a repository checkout (the main job).
    Assess(AssessArgs),
    /// List the practices, gates and risks in force.
    Catalog {
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// Explain a practice, gate, risk or finding by id (e.g. SEC-12, G-05, R03, unpinned-uses).
    Explain { id: String },
    /// Print the JSON Schema of `assess --format json`.
    Schema,
}

#[derive(clap::Args)]
struct AssessArgs {
    /// The repository to assess.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit with 1 when the overall score is below this (0-100).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100))]
    fail_under: Option<u32>,
    /// Exit with 1 on this verdict or worse.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Engineers available for the roadmap.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    team_size: u32,
    /// Working days each engineer gives the roadmap per week.
    #[arg(long, default_value_t = 4.0)]
    days_per_week: f64,
    /// Also list skipped files on standard error.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
    /// SARIF 2.1.0, the findings only, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow commands that annotate the findings' lines.
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogFormat {
    Text,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    /// Fail on NO-GO.
    NoGo,
    /// Fail on CONDITIONAL GO or NO-GO.
    Conditional,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Assess(args) => assess(args),
        Command::Catalog { format } => print(&catalog_listing(format)).map(|_| true),
        Command::Explain { id } => explain(&id).and_then(|text| print(&text)).map(|_| true),
        Command::Schema => print(&report::json::schema()).map(|_| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            let mut stderr = anstream::stderr();
            let _ = writeln!(stderr, "error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn print(text: &str) -> Result<()> {
    let mut stdout = anstream::stdout();
    stdout
        .write_all(text.as_bytes())
        .context("writing to standard output")?;
    Ok(())
}

/// Runs the assessment; `Ok(false)` when a requested policy failed.
fn assess(args: AssessArgs) -> Result<bool> {
    if !(0.5..=7.0).contains(&args.days_per_week) {
        bail!(
            "--days-per-week must be between 0.5 and 7, got {}",
            args.days_per_week
        );
    }
    let options = shipready::Options {
        team_size: args.team_size,
        days_per_week: args.days_per_week,
        today: Some(today()),
    };
    let assessment = shipready::assess(&args.path, &options)?;
    if args.verbose {
        let mut stderr = anstream::stderr();
        for skipped in &assessment.inventory.skipped {
            let _ = writeln!(stderr, "skipped {}: {}", skipped.path, skipped.reason);
        }
    }

    let rendered = match args.format {
        Format::Text => report::text::render(&assessment),
        Format::Markdown => report::markdown::render(&assessment),
        Format::Json => report::json::render(&assessment),
        Format::Sarif => report::sarif::render(&assessment),
        Format::Github => report::github::render(&assessment),
    };
    match &args.output {
        Some(path) => write_report(path, &rendered)?,
        // JSON escapes every control character, so there is nothing for a terminal to strip.
        None if matches!(args.format, Format::Json | Format::Sarif) => std::io::stdout()
            .lock()
            .write_all(rendered.as_bytes())
            .context("writing to standard output")?,
        None => print(&rendered)?,
    }

    let mut passed = true;
    let mut stderr = anstream::stderr();
    if let Some(minimum) = args.fail_under
        && assessment.summary.score < minimum
    {
        let _ = writeln!(
            stderr,
            "policy failed: overall score {} is below --fail-under {minimum}",
            assessment.summary.score
        );
        passed = false;
    }
    if let Some(fail_on) = args.fail_on {
        let verdict = assessment.summary.verdict;
        let failed = match fail_on {
            FailOn::NoGo => verdict == Verdict::NoGo,
            FailOn::Conditional => verdict != Verdict::Go,
        };
        if failed {
            let _ = writeln!(stderr, "policy failed: verdict is {}", verdict.label());
            passed = false;
        }
    }
    Ok(passed)
}

/// Today's date in UTC as `YYYY-MM-DD`, for suppression expiries.
fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Days since 1970-01-01 to a civil date (proleptic Gregorian calendar).
    let days = (seconds / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Writes the report. A regular file (or a link to one) is replaced through a temporary file
/// in the same folder, so an interrupted run never leaves half a report in place of a good
/// one. Anything else that exists — `/dev/null`, `/dev/stdout`, a FIFO — is written to in
/// place: renaming over it would replace a device with a file.
fn write_report(path: &std::path::Path, text: &str) -> Result<()> {
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        if existing.as_ref().is_some_and(|m| m.is_dir()) {
            bail!("{}: is a folder; give --output a file name", path.display());
        }
        return std::fs::write(path, text)
            .with_context(|| format!("{}: cannot write the report", path.display()));
    }
    // Replace what a link points at, not the link.
    let target = if existing.is_some() {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    let folder = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !folder.is_dir() {
        bail!(
            "{}: the folder for --output does not exist; create it or choose another path",
            folder.display()
        );
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.shipready-{}", std::process::id()));
    std::fs::write(&temporary, text)
        .with_context(|| format!("{}: cannot write the report", temporary.display()))?;
    std::fs::rename(&temporary, &target).with_context(|| {
        let _ = std::fs::remove_file(&temporary);
        format!("{}: cannot replace the report file", target.display())
    })?;
    Ok(())
}

fn catalog_listing(format: CatalogFormat) -> String {
    let catalog = Catalog::builtin();
    let mut out = String::new();
    let markdown = matches!(format, CatalogFormat::Markdown);
    if markdown {
        out.push_str("| Id | Practice | Category | Level | Weight | Priority | Effort |\n|---|---|---|---:|---:|---|---:|\n");
    }
    for p in &catalog.practices {
        let core = if p.core { "★" } else { " " };
        if markdown {
            out.push_str(&format!(
                "| {} | {} {} | {} | {} | {} | {:?} | {} |\n",
                p.id,
                p.title,
                core,
                p.category.title(),
                p.level,
                p.weight,
                p.priority,
                p.effort_days
            ));
        } else {
            out.push_str(&format!(
                "{:<7} L{}{} w{} {:?} {:>4}d  {:<28} {}\n",
                p.id,
                p.level,
                core,
                p.weight,
                p.priority,
                p.effort_days,
                p.category.title(),
                p.title
            ));
        }
    }
    out.push('\n');
    for g in &catalog.gates {
        out.push_str(&format!(
            "{:<5} {:<9} {} ({})\n",
            g.id,
            format!("{:?}", g.severity).to_lowercase(),
            g.title,
            g.practices.join(", ")
        ));
    }
    out.push('\n');
    for r in &catalog.risks {
        out.push_str(&format!(
            "{:<4} P{} I{}  {} ({})\n",
            r.id,
            r.probability,
            r.impact,
            r.title,
            r.triggers.join(", ")
        ));
    }
    out.push_str(&format!(
        "\n{} practices, {} gates, {} risks\n",
        catalog.practices.len(),
        catalog.gates.len(),
        catalog.risks.len()
    ));
    out
}

fn explain(id: &str) -> Result<String> {
    let catalog = Catalog::builtin();
    if let Some(p) = catalog.practice(id) {
        let mut out = format!("{} {}\n\n", p.id, p.title);
        out.push_str(&format!("Category: {}\nLevel: {}{}\nWeight: {}   Priority when missing: {:?}   Effort: {} days\n", p.category.title(), p.level, if p.core { " (core: decides the maturity level)" } else { "" }, p.weight, p.priority, p.effort_days));
        if !p.applies_to.is_empty() {
            let traits: Vec<String> = p
                .applies_to
                .iter()
                .map(|t| format!("{t:?}").to_lowercase())
                .collect();
            out.push_str(&format!(
                "Applies to repositories with: {}\n",
                traits.join(", ")
            ));
        }
        out.push_str(&format!("\nFull credit: {}\n", p.full_credit));
        if !p.partial_when.is_empty() {
            out.push_str(&format!("Partial credit: {}\n", p.partial_when));
        }
        out.push_str(&format!("\nRecommendation: {}\n", p.recommendation));
        if let Some(gitlab) = &p.gitlab_recommendation {
            out.push_str(&format!("In a GitLab CI repository: {gitlab}\n"));
        }
        for (system, text) in &p.recommendation_by_migrations {
            out.push_str(&format!("With {system} migrations: {text}\n"));
        }
        let signals: Vec<String> = p
            .uses
            .iter()
            .map(|u| format!("action {u}"))
            .chain(p.run.iter().map(|r| format!("command /{r}/")))
            .chain(p.files.iter().map(|f| format!("file {}", f.glob)))
            .collect();
        if !signals.is_empty() {
            out.push_str(&format!("\nSignals: {}\n", signals.join("; ")));
        }
        if let Some(detector) = &p.detector {
            out.push_str(&format!("Analysis: {detector}\n"));
        }
        let gates: Vec<&str> = catalog
            .gates
            .iter()
            .filter(|g| g.practices.contains(&p.id))
            .map(|g| g.id.as_str())
            .collect();
        let risks: Vec<&str> = catalog
            .risks
            .iter()
            .filter(|r| r.triggers.contains(&p.id))
            .map(|r| r.id.as_str())
            .collect();
        out.push_str(&format!(
            "Gates: {}\nRisks: {}\n",
            if gates.is_empty() {
                "none".into()
            } else {
                gates.join(", ")
            },
            if risks.is_empty() {
                "none".into()
            } else {
                risks.join(", ")
            }
        ));
        if !p.standards.is_empty() {
            out.push_str(&format!("Standards: {}\n", p.standards.join("; ")));
        }
        return Ok(out);
    }
    if let Some(g) = catalog.gate(id) {
        return Ok(format!(
            "{} {}\n\nSeverity: {:?}\nPasses when: {}\nPractices: {}\n",
            g.id,
            g.title,
            g.severity,
            g.criteria,
            g.practices.join(", ")
        ));
    }
    if let Some(r) = catalog.risk(id) {
        return Ok(format!(
            "{} {}\n\nBase probability {} of 5, impact {} of 5\nRaised by missing: {}\nMitigation: {}\n",
            r.id,
            r.title,
            r.probability,
            r.impact,
            r.triggers.join(", "),
            r.mitigation
        ));
    }
    if let Some(rule) = shipready::findings::rule(id) {
        return Ok(format!(
            "{} ({})\n\n{}.\nConfidence: {:?}\nFix: {}\nPractices: {}\n",
            rule.id,
            rule.severity.label(),
            rule.summary,
            rule.confidence,
            rule.help,
            if rule.practices.is_empty() {
                "none".to_string()
            } else {
                rule.practices.join(", ")
            }
        ));
    }
    bail!(
        "no practice, gate, risk or finding has the id {id:?}; `shipready catalog` lists the \
         practices, docs/findings.md the findings"
    )
}
