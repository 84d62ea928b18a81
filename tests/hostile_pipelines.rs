//! Hostile pipelines: files under the size limit shaped to make work grow faster than their
//! size. Thousands of jobs chained by `needs:`, thousands of findings in one file, thousands of
//! expressions on one line, Cloud Build triggers naming one file. Each is assessed in bounded
//! time; the first hundred findings of a rule in a file are listed. GitLab's own shapes are in
//! `hostile_gitlab.rs`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;

/// 6,000 jobs (1.1 MB), each needing the next and passing on an output that started as an
/// issue title in the last one. Jobs are taken in `needs:` order, so one pass follows the
/// chain; and each of the 6,000 findings looks its line up in an index built once (the first
/// hundred are listed).
#[test]
fn a_chain_of_thousands_of_jobs_is_followed_in_one_pass() {
    let jobs = 6_000;
    let mut text = String::from("on: issues\njobs:\n");
    for i in 0..jobs {
        let source = if i + 1 == jobs {
            "github.event.issue.title".to_string()
        } else {
            format!("needs.j{}.outputs.o", i + 1)
        };
        let needs = if i + 1 == jobs {
            String::new()
        } else {
            format!("    needs: [j{}]\n", i + 1)
        };
        text.push_str(&format!(
            "  j{i}:\n{needs}    runs-on: ubuntu-latest\n    outputs:\n      o: ${{{{ steps.s.outputs.o }}}}\n    steps:\n      - id: s\n        run: echo \"o=${{{{ {source} }}}}\" >> \"$GITHUB_OUTPUT\"\n"
        ));
    }
    let repo = repository();
    write(repo.path(), ".github/workflows/chain.yml", &text);

    let assessment = assess_within(repo.path());

    let injections: Vec<_> = assessment
        .findings
        .iter()
        .filter(|f| f.id == "template-injection")
        .collect();
    assert_eq!(injections.len(), 100);
    assert_eq!(
        read_in_part(&assessment),
        vec![(
            ".github/workflows/chain.yml".to_string(),
            past_the_first_hundred("template-injection")
        )]
    );
    // The first job in the file is the far end of the chain.
    let first = injections.first().unwrap();
    assert_eq!(first.location.line, 10);
    assert!(
        first.message.starts_with("`needs.j1.outputs.o` is expanded into a `run:` script and carries `github.event.issue.title` from .github/workflows/chain.yml:"),
        "{}",
        first.message
    );
}

/// 30,000 `RUN curl ... | sh` lines in one Dockerfile and 8,000 GitLab jobs doing the same:
/// each finding's line is found without counting from the top of its file, and the first
/// hundred of each file are listed.
#[test]
fn tens_of_thousands_of_findings_in_pipeline_files_are_located_in_one_pass() {
    let mut dockerfile = String::from("FROM python:3.12-slim\n");
    let mut gitlab = String::from("stages: [test]\n");
    for i in 0..30_000 {
        dockerfile.push_str(&format!("RUN curl -s https://example.test/{i} | sh\n"));
    }
    for i in 0..8_000 {
        gitlab.push_str(&format!(
            "job-{i}:\n  stage: test\n  script:\n    - curl https://example.test/{i} | bash\n"
        ));
    }
    let repo = repository();
    write(repo.path(), "Dockerfile", &dockerfile);
    write(repo.path(), ".gitlab-ci.yml", &gitlab);

    let assessment = assess_within(repo.path());

    let pipes = |path: &str| {
        assessment
            .findings
            .iter()
            .filter(|f| f.id == "curl-pipe-shell" && f.location.path == path)
            .count()
    };
    assert_eq!(pipes("Dockerfile"), 100);
    assert_eq!(pipes(".gitlab-ci.yml"), 100);
    let last = assessment
        .findings
        .iter()
        .rfind(|f| f.location.path == "Dockerfile" && f.id == "curl-pipe-shell")
        .unwrap();
    assert_eq!(last.location.line, 101);
    assert_eq!(last.snippet, "RUN curl -s https://example.test/99 | sh");
    let cut: Vec<_> = (read_in_part(&assessment).into_iter())
        .filter(|(_, reason)| *reason == past_the_first_hundred("curl-pipe-shell"))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(cut, [".gitlab-ci.yml", "Dockerfile"]);
}

/// One `run:` line of 20,000 untrusted expressions (0.7 MB): columns are counted on from the
/// previous expression and each snippet ends where the line's index says, so the 20,000
/// findings cost one read of the line, not one each. The first hundred are listed.
#[test]
fn tens_of_thousands_of_expressions_on_one_line_are_each_reported() {
    let expression = "${{ github.event.issue.title }}";
    let line = format!("      - run: echo {}\n", [expression; 20_000].join(" é "));
    let text =
        format!("on: issues\njobs:\n  triage:\n    runs-on: ubuntu-latest\n    steps:\n{line}");
    let repo = repository();
    write(repo.path(), ".github/workflows/triage.yml", &text);

    let assessment = assess_within(repo.path());

    let found: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.id == "template-injection")
        .collect();
    assert_eq!(found.len(), 100);
    // "      - run: echo " is 18 characters; each expression and " é " add 31 + 3.
    let last = found.last().unwrap();
    assert_eq!(last.location.line, 6);
    assert_eq!(last.location.column, 19 + 99 * 34);
    assert_eq!(last.location.end_column, 19 + 99 * 34 + 31);
}

/// A job (1.1 MB) binding 4,000 variables to an issue title, and a step setting 8,000 shell
/// variables from them, writing each to an output and then a multi-line value of 8,000
/// lines, followed by expressions nested 50,000 deep or joined by 1,000 `||`: the step is
/// read once, line by line, and the nesting is not followed past a fixed depth.
#[test]
fn a_step_writing_thousands_of_outputs_is_read_once() {
    let mut text = String::from("on: issues\njobs:\n  j:\n    runs-on: ubuntu-latest\n");
    text.push_str("    env:\n");
    for i in 0..4_000 {
        text.push_str(&format!(
            "      V{i}: ${{{{ github.event.issue.title }}}}\n"
        ));
    }
    text.push_str("    steps:\n      - id: s\n        run: |\n");
    for i in 0..8_000 {
        text.push_str(&format!("          A{i}=\"x-$V{}\"\n", i % 4_000));
        text.push_str(&format!(
            "          echo \"o{i}=$A{i}\" >> \"$GITHUB_OUTPUT\"\n"
        ));
    }
    text.push_str("          {\n            echo \"notes<<EOF\"\n");
    for i in 0..8_000 {
        text.push_str(&format!("            echo \"$V{}\"\n", i % 4_000));
    }
    text.push_str("            echo EOF\n          } >> \"$GITHUB_OUTPUT\"\n");
    let deep = format!(
        "{}github.head_ref{}",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let wide = vec!["github.head_ref"; 1_000].join(" || ");
    text.push_str(&format!(
        "      - run: |\n          echo \"${{{{ steps.s.outputs.o1 }}}} ${{{{ steps.s.outputs.notes }}}}\"\n          echo \"${{{{ {deep} }}}}\"\n          echo \"${{{{ {wide} }}}}\"\n"
    ));
    assert!(
        text.len() > 1_100_000 && text.len() < 1_300_000,
        "{}",
        text.len()
    );
    let repo = repository();
    write(repo.path(), ".github/workflows/many.yml", &text);

    let assessment = assess_within(repo.path());

    let found: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.id == "template-injection")
        .collect();
    // The first write's output is carried; the multi-line one is past the most names a job
    // is followed under. The two long expressions are direct injections.
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].message.starts_with("`steps.s.outputs.o1` is expanded into a `run:` script and carries `github.event.issue.title` from .github/workflows/many.yml:7;"),
        "{}",
        found[0].message
    );
}

/// One `run:` line of 20,000 commands joined by `||` (390 KB): the command is split at its
/// separators in one pass (each part searched the rest of the line for every separator, 5.7 s
/// in a release build) and still read as running the tests.
#[test]
fn a_command_of_tens_of_thousands_of_parts_is_split_in_one_pass() {
    let line = (0..20_000)
        .map(|i| format!("pytest -q t{i}"))
        .collect::<Vec<_>>()
        .join(" || ");
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/ci.yml",
        format!(
            "on: pull_request\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {line}\n"
        ),
    );

    let assessment = assess_within(repo.path());

    let tests = (assessment.practices.iter())
        .find(|p| p.id == "TST-02")
        .unwrap();
    assert_eq!(tests.state, shipready::evidence::State::Present);
    assert_eq!(tests.evidence[0].location.line, 6);
}

/// Steps written as one flow sequence share a line. Each step is read for the expressions
/// and downloads in its own text only: 5,000 steps each expanding an issue title give 5,000
/// findings, not 5,000 for every step (25 million; 30,000 such steps filled 24 GB), and each
/// of the two downloads piped into a shell on the line is reported once. The first hundred
/// expressions are listed.
#[test]
fn steps_sharing_one_line_each_report_their_own_expressions() {
    let steps = (0..5_000)
        .map(|i| format!("{{run: \"echo ${{{{ github.event.issue.title }}}} {i}\"}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/triage.yml",
        format!(
            "on: issues\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps: [{steps}, {{run: \"curl -sSL https://x.example/i.sh | sh\"}}, {{run: \"wget -qO- https://y.example/j.sh | bash\"}}]\n"
        ),
    );

    let assessment = assess_within(repo.path());

    let count = |id: &str| assessment.findings.iter().filter(|f| f.id == id).count();
    assert_eq!(count("template-injection"), 100);
    assert_eq!(count("curl-pipe-shell"), 2);
    let mut columns: Vec<usize> = (assessment.findings.iter())
        .filter(|f| f.id == "template-injection")
        .map(|f| f.location.column)
        .collect();
    columns.dedup();
    assert_eq!(columns.len(), 100, "each finding at its own expression");
}

/// 4,000 Cloud Build triggers (0.3 MB) each naming a file that holds 4,000 more triggers, not
/// a build: the file is read once, not once for each trigger naming it (16 million triggers
/// read), and the trigger file is listed as not assessed, saying why once.
#[test]
fn thousands_of_cloud_build_triggers_naming_one_file_read_it_once() {
    let triggers = |file: &str| {
        (0..4_000)
            .map(|i| {
                format!("name: t{i}\ngithub:\n  push:\n    branch: ^b{i}$\nfilename: {file}\n")
            })
            .collect::<Vec<_>>()
            .join("---\n")
    };
    let repo = repository();
    write(
        repo.path(),
        "cloudbuild-triggers.yaml",
        triggers("deploy/triggers.yaml"),
    );
    write(
        repo.path(),
        "deploy/triggers.yaml",
        triggers("cloudbuild.yaml"),
    );

    let assessment = assess_within(repo.path());

    assert_eq!(
        reason_for(&assessment, "cloudbuild-triggers.yaml"),
        "`deploy/triggers.yaml`, the build of 4000 triggers (t0, t1, t2, ...), holds trigger definitions, not a build"
    );
    let paths: Vec<&str> = (assessment.inventory.pipelines.iter())
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(paths, [".github/workflows/ci.yml"]);
}

/// Cloud Build triggers naming a symbolic link to a file outside the repository, a binary
/// file, a file over the size limit, a folder and a path climbing out of the repository:
/// nothing outside it is read, no such file is taken for a build, and each trigger file says
/// why its trigger runs no build.
#[test]
fn cloud_build_triggers_naming_files_that_are_not_read_say_why() {
    let repo = repository();
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "cloudbuild.yaml",
        "steps:\n  - name: gcr.io/google.com/cloudsdktool/cloud-sdk\n    entrypoint: gcloud\n    args: [run, deploy, api]\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("cloudbuild.yaml"),
        repo.path().join("link.yaml"),
    )
    .unwrap();
    write(repo.path(), "binary.yaml", b"steps:\n\x00\x01\xff\n");
    write(
        repo.path(),
        "large.yaml",
        format!("steps:\n{}", "  - name: bash\n".repeat(160_000)),
    );
    write(repo.path(), "app/main.py", "print('hello')\n");
    let named = [
        ("link", "link.yaml"),
        ("binary", "binary.yaml"),
        ("large", "large.yaml"),
        ("folder", "app"),
        ("climbing", "app/../../cloudbuild.yaml"),
    ];
    for (name, file) in named {
        write(
            repo.path(),
            &format!("cloudbuild-{name}.yaml"),
            format!("name: {name}\ngithub:\n  push:\n    branch: ^main$\nfilename: {file}\n"),
        );
    }

    let assessment = assess_within(repo.path());

    let reasons: Vec<String> = named
        .iter()
        .map(|(name, _)| reason_for(&assessment, &format!("cloudbuild-{name}.yaml")))
        .collect();
    assert_eq!(
        reasons,
        [
            "`link.yaml`, the build of trigger link, is skipped: symbolic link, not followed",
            "`binary.yaml`, the build of trigger binary, is skipped: binary content under a text file name",
            "`large.yaml`, the build of trigger large, is skipped: larger than 2 MiB (2400007 bytes), not read",
            "`app`, the build of trigger folder, is not a file of the repository",
            "`app/../../cloudbuild.yaml`, the build of trigger climbing, is outside the repository",
        ]
    );
    let paths: Vec<&str> = (assessment.inventory.pipelines.iter())
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(paths, [".github/workflows/ci.yml"]);
    assert!(assessment.production_paths.is_empty());
}

/// One job of 5,000 signing steps, and one of 5,000 draft releases: whether a job only tests,
/// builds an image it never pushes, or publishes its drafts is worked out once per job and
/// pipeline, not again for the evidence of each step (20,000 signing steps took 242 s).
#[test]
fn thousands_of_publishing_steps_in_one_job_are_judged_once() {
    let steps = |run: &dyn Fn(usize) -> String| {
        (0..5_000)
            .map(|i| format!("      - run: {}\n", run(i)))
            .collect::<String>()
    };
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/e2e.yml",
        format!(
            "on: [pull_request]\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest -q\n{}",
            steps(&|i| format!("cosign sign-blob --yes f{i}"))
        ),
    );
    write(
        repo.path(),
        ".github/workflows/release.yml",
        format!(
            "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n{}",
            steps(&|i| format!("gh release create v{i} --draft"))
        ),
    );

    let assessment = assess_within(repo.path());

    let practice = |id: &str| (assessment.practices.iter()).find(|p| p.id == id).unwrap();
    assert_eq!(
        practice("SEC-23").state,
        shipready::evidence::State::Partial
    );
    assert!((practice("SEC-23").reason.as_deref().unwrap_or("")).contains("job e2e only tests"));
    assert_eq!(
        practice("AUT-16").state,
        shipready::evidence::State::Partial
    );
}

/// A github-script script of 1.9 MB repeating `context.payload.` with nothing between, and
/// one repeating `.replace(/[^a]/x` with no comma after: each payload path and each
/// replacement's flags are read once (each was read to its end again from every repetition,
/// more than two minutes and five seconds in a release build).
#[test]
fn a_github_script_repeating_a_payload_read_or_a_replacement_is_read_in_one_pass() {
    let workflow = |script: String| {
        format!(
            "on: issue_comment\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      \
             - id: s\n        uses: actions/github-script@v7\n        with:\n          \
             script: |\n            {script}\n      - run: echo \"${{{{ steps.s.outputs.result }}}}\"\n"
        )
    };
    let repo = repository();
    let payload = workflow("context.payload.".repeat(120_000));
    let replace = workflow(".replace(/[^a]/x".repeat(110_000));
    assert!(payload.len() < 2_000_000 && replace.len() < 2_000_000);
    write(repo.path(), ".github/workflows/payload.yml", &payload);
    write(repo.path(), ".github/workflows/replace.yml", &replace);

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    let injections = (assessment.findings.iter())
        .filter(|f| f.id == "template-injection")
        .count();
    assert_eq!(injections, 0);
}

/// 2,000 jobs calling one reusable workflow of 2,000 test jobs: each caller does what the
/// called jobs do, read once for the workflow rather than once per caller (four million
/// readings of a job's steps took 11 s in a release build for 3,000 of each).
#[test]
fn thousands_of_callers_of_one_reusable_workflow_read_it_once() {
    let repo = repository();
    let jobs = 2_000;
    let mut called = String::from("on:\n  workflow_call:\njobs:\n");
    for i in 0..jobs {
        called.push_str(&format!(
            "  t{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest tests/{i}\n"
        ));
    }
    let mut main = String::from("on: push\njobs:\n");
    for i in 0..jobs {
        main.push_str(&format!(
            "  c{i}:\n    uses: ./.github/workflows/called.yml\n"
        ));
    }
    write(repo.path(), ".github/workflows/called.yml", called);
    write(repo.path(), ".github/workflows/main.yml", main);
    write(repo.path(), "app.py", "print('hi')\n");

    let assessment = assess_within(repo.path());

    let callers = (assessment.inventory.pipelines.iter())
        .find(|p| p.path == ".github/workflows/main.yml")
        .expect("the calling workflow");
    assert_eq!(callers.jobs.len(), jobs);
    assert!(callers.jobs.iter().all(|j| j.roles == ["test"]));
}

/// A deploy command of 300,000 `${{ }}` expressions (1.8 MB): the words naming where it
/// deploys are read in one pass (taking each expression out by shifting the rest of the
/// command took 100 s).
#[test]
fn a_deploy_command_of_many_expressions() {
    let repo = repository();
    let workflow = format!(
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: kubectl apply -f k8s/ {}\n",
        "${{a}}".repeat(300_000)
    );
    write(repo.path(), ".github/workflows/deploy.yml", workflow);
    let assessment = assess_within(repo.path());
    assert!(
        (assessment.inventory.pipelines.iter()).any(|p| p.path == ".github/workflows/deploy.yml")
    );
}

/// One step running `mvn verify` on 400 lines over a POM that binds 100,000 goals holds at
/// most the goals one step keeps, not 40 million.
#[test]
fn maven_calls_over_a_pom_of_a_hundred_thousand_goals() {
    let repo = repository();
    let mut pom = String::from(
        "<project><build><plugins><plugin>\n<artifactId>many-maven-plugin</artifactId>\n<executions><execution><phase>validate</phase><goals>\n",
    );
    for i in 0..100_000 {
        pom.push_str(&format!("<goal>g{i}</goal>\n"));
    }
    pom.push_str("</goals></execution></executions></plugin></plugins></build></project>\n");
    write(repo.path(), "pom.xml", pom);
    let calls = "          mvn verify\n".repeat(400);
    let workflow = format!(
        "on: pull_request\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n{calls}"
    );
    write(repo.path(), ".github/workflows/build.yml", workflow);
    let assessment = assess_within(repo.path());
    assert!(
        (assessment.inventory.pipelines.iter()).any(|p| p.path == ".github/workflows/build.yml")
    );
}
