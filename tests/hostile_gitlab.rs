//! Hostile GitLab pipelines: templates extended many times over, files included hundreds
//! of times or past the include bounds, and long script lines that jobs take by `extends`,
//! `default:` or `!reference`. Each is read in bounded time and memory, and what a bound
//! leaves out is said.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;
use shipready::Assessment;
use shipready::assessment::model::PipelineReport;

/// The root `.gitlab-ci.yml` as the report shows it.
fn root_pipeline(assessment: &Assessment) -> &PipelineReport {
    (assessment.inventory.pipelines.iter())
        .find(|p| p.path == ".gitlab-ci.yml")
        .expect("the root pipeline is assessed")
}

/// Six levels of templates, each extending the next forty times over: followed naively that
/// is 40^6 merges for every job (the old reader never finished). Each template is merged once.
#[test]
fn gitlab_templates_extending_a_parent_many_times_over_are_merged_once() {
    let mut text = String::new();
    for level in 0..6 {
        let parents = vec![format!(".t{}", level + 1); 40].join(", ");
        text.push_str(&format!(
            ".t{level}:\n  extends: [{parents}]\n  variables:\n    V{level}: x\n"
        ));
    }
    text.push_str(".t6:\n  script:\n    - pytest -q tests\n");
    for job in 0..200 {
        text.push_str(&format!("unit-{job}:\n  extends: .t0\n  stage: test\n"));
    }
    let repo = repository();
    write(repo.path(), ".gitlab-ci.yml", &text);

    let assessment = assess_within(repo.path());

    let pipeline = root_pipeline(&assessment);
    assert_eq!(pipeline.jobs.len(), 200);
    // The test command comes from the last template, six merges away.
    assert!(
        pipeline.jobs.iter().all(|j| j.roles == ["test"]),
        "{:?}",
        pipeline.jobs[0]
    );
}

/// A `.gitlab-ci.yml` that includes the same 3,000-job file 400 times: each file is read
/// once (it was parsed and copied 400 times, 1.9 GB).
#[test]
fn a_gitlab_file_included_hundreds_of_times_is_read_once() {
    let mut included = String::new();
    for job in 0..3_000 {
        included.push_str(&format!(
            "unit-{job}:\n  stage: test\n  script:\n    - pytest -q tests/{job}\n"
        ));
    }
    let mut main = String::from("stages: [test]\ninclude:\n");
    for _ in 0..400 {
        main.push_str("  - local: /ci/jobs.yml\n");
    }
    let repo = repository();
    write(repo.path(), "ci/jobs.yml", &included);
    write(repo.path(), ".gitlab-ci.yml", &main);

    let assessment = assess_within(repo.path());

    let gitlab = root_pipeline(&assessment);
    assert_eq!(gitlab.jobs.len(), 3_000);
    let last = gitlab.jobs.last().unwrap();
    assert_eq!(
        (last.location.path.as_str(), last.location.line),
        ("ci/jobs.yml", 11_997)
    );
}

/// 2,000 jobs taking a 500-line `before_script:` from `default:`, and 2,000 more extending a
/// template with one (2 MB of commands if copied into every job, and each copy read again as
/// the job's own): the jobs in file order keep theirs until 100,000 lines are copied, the
/// rest are read without, and the report says so.
#[test]
fn thousands_of_jobs_inheriting_a_long_before_script_copy_it_within_a_bound() {
    let setup: String = (0..500)
        .map(|i| format!("    - ./ci/setup-{i}.sh\n"))
        .collect();
    let mut text =
        format!("default:\n  before_script:\n{setup}.template:\n  before_script:\n{setup}");
    for job in 0..2_000 {
        text.push_str(&format!(
            "unit-{job}:\n  script:\n    - pytest -q tests/{job}\n"
        ));
    }
    for job in 0..2_000 {
        text.push_str(&format!(
            "lint-{job}:\n  extends: .template\n  script:\n    - ruff check src/{job}\n"
        ));
    }
    let repo = repository();
    write(repo.path(), ".gitlab-ci.yml", &text);

    let assessment = assess_within(repo.path());

    let told = &assessment.inventory.read_in_part;
    assert!(
        told.iter().any(|t| t.path == ".gitlab-ci.yml"
            && t.reason
                .contains("more than 100000 script lines from `default:`")),
        "{told:?}"
    );
    let inventory = shipready::inventory::scan(repo.path()).unwrap();
    let model = shipready::pipeline::build(&inventory);
    let gitlab = (model.pipelines.iter())
        .find(|p| p.path == ".gitlab-ci.yml")
        .unwrap();
    assert_eq!(gitlab.jobs.len(), 4_000);
    let lines = |id: &str| -> Vec<usize> {
        let job = gitlab.jobs.iter().find(|j| j.id == id).unwrap();
        (job.steps.iter().flat_map(|s| &s.commands))
            .map(|c| c.location.line)
            .collect()
    };
    // The first job runs the default's lines, cited where `default:` writes them.
    let first = lines("unit-0");
    assert_eq!(first.len(), 501);
    assert_eq!((first[0], first[499]), (3, 502));
    // 100,000 lines are 200 jobs' worth; the next runs only its own script.
    assert_eq!(lines("unit-199").len(), 501);
    assert_eq!(lines("unit-200").len(), 1);
    assert_eq!(lines("lint-1999").len(), 1);
}

/// A `.gitlab-ci.yml` including 200 distinct local files of one job each: the first 150 are
/// read, as GitLab allows, and the report says the pipeline was read in part.
#[test]
fn local_includes_past_the_limit_are_told() {
    let repo = repository();
    let mut main = String::from("stages: [test]\ninclude:\n");
    for i in 0..200 {
        write(
            repo.path(),
            &format!("ci/part-{i:03}.yml"),
            format!("unit-{i}:\n  stage: test\n  script:\n    - pytest -q tests/{i}\n"),
        );
        main.push_str(&format!("  - local: /ci/part-{i:03}.yml\n"));
    }
    write(repo.path(), ".gitlab-ci.yml", &main);

    let assessment = assess_within(repo.path());

    let gitlab = (assessment.inventory.pipelines.iter())
        .find(|p| p.path == ".gitlab-ci.yml")
        .unwrap();
    assert_eq!(gitlab.jobs.len(), 150);
    assert_eq!(gitlab.jobs.last().unwrap().location.path, "ci/part-149.yml");
    let told = &assessment.inventory.read_in_part;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].path, ".gitlab-ci.yml");
    assert!(
        told[0]
            .reason
            .contains("only the first 150 local ones are read"),
        "{}",
        told[0].reason
    );
    let text = shipready::report::text::render(&assessment);
    assert!(text.contains("Read or listed in part"), "{text}");
}

/// Five local includes of 1.9 MB each: the first four are read, and the pipeline is said to
/// be read in part past 8 MiB of included text (150 includes at the read limit, each job
/// modelled in up to 150 times its text, came to gigabytes).
#[test]
fn local_includes_past_eight_mib_of_text_are_left_out() {
    let repo = repository();
    let padding = format!("# {}\n", "x".repeat(1_900_000));
    let mut main = String::from("include:\n");
    for i in 0..5 {
        main.push_str(&format!("  - local: ci/part{i}.yml\n"));
        let part = format!("{padding}unit-{i}:\n  stage: test\n  script:\n    - pytest -q\n");
        write(repo.path(), &format!("ci/part{i}.yml"), part);
    }
    main.push_str("lint:\n  stage: test\n  script:\n    - ruff check .\n");
    write(repo.path(), ".gitlab-ci.yml", main);

    let assessment = assess_within(repo.path());

    let pipeline = root_pipeline(&assessment);
    let jobs: Vec<&str> = pipeline.jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(jobs, ["lint", "unit-0", "unit-1", "unit-2", "unit-3"]);
    assert_eq!(
        read_in_part(&assessment),
        vec![(
            ".gitlab-ci.yml".to_string(),
            "local includes past the first 8 MiB of text are not read".to_string()
        )]
    );
}

/// A script line of a million bytes, one command.
fn long_line() -> String {
    format!("echo {}", "a".repeat(1_000_000))
}

/// How many commands each job of the `.gitlab-ci.yml` holds, in file order; with the bound
/// reached each check reads megabytes of copied text, too slow for an unoptimised build, so
/// the pipeline model is read without a whole assessment.
fn gitlab_commands(text: &str) -> (Vec<usize>, Vec<String>) {
    let repo = repository();
    write(repo.path(), ".gitlab-ci.yml", text);
    let inventory = shipready::inventory::scan(repo.path()).unwrap();
    let model = shipready::pipeline::build(&inventory);
    let gitlab = (model.pipelines.iter())
        .find(|p| p.path == ".gitlab-ci.yml")
        .unwrap();
    let counts = (gitlab.jobs.iter())
        .map(|j| j.steps.iter().map(|s| s.commands.len()).sum())
        .collect();
    let reasons = (model.read_in_part.iter())
        .filter(|u| u.path == ".gitlab-ci.yml")
        .map(|u| u.reason.clone())
        .collect();
    (counts, reasons)
}

/// The first eight of forty jobs take the long line beside their own command, the others
/// only their own, and `reason` says why.
fn assert_copied_into_eight_of_forty(text: &str, reason: &str) {
    let (counts, reasons) = gitlab_commands(text);
    let mut expected = vec![2; 8];
    expected.resize(40, 1);
    assert_eq!(counts, expected);
    assert_eq!(reasons, [reason]);
}

/// Forty jobs each taking a million-byte line through `!reference`: a few nodes each, far
/// below the bound in nodes, but 40 MB of copies. Jobs take it until its copies would pass
/// 8 MiB, and the cut is told.
#[test]
fn jobs_referencing_one_long_line_copy_it_within_a_byte_bound() {
    let mut text = format!(".big:\n  script:\n    - \"{}\"\n", long_line());
    for job in 0..40 {
        text.push_str(&format!(
            "j{job}:\n  script: [!reference [.big, script], make]\n"
        ));
    }
    assert_copied_into_eight_of_forty(
        &text,
        "`!reference` tags bring more than 100000 YAML nodes or 8 MiB of command text into \
          the job scripts; the references past that are left out",
    );
}

/// Forty jobs inheriting a `before_script:` of one million-byte line from `default:`: one
/// line each, far below the bound in lines, but 40 MB of copies.
#[test]
fn jobs_inheriting_one_long_line_copy_it_within_a_byte_bound() {
    let mut text = format!("default:\n  before_script:\n    - \"{}\"\n", long_line());
    for job in 0..40 {
        text.push_str(&format!("j{job}:\n  script: [make]\n"));
    }
    assert_copied_into_eight_of_forty(
        &text,
        "jobs take more than 100000 script lines from `default:` and the templates they \
          extend, or more than 8 MiB of command text; the jobs past that are read without \
          those scripts",
    );
}
