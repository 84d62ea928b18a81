#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on the stable toolchain (no sanitizer) and
# prints executions and crashes per target. Crashes are kept in fuzz/artifacts/TARGET/.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(yaml workflow dockerfile manifests migrations git_index make build_plugins assess)

cargo fuzz build --sanitizer none --release
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    # Seed from the test fixtures so the fuzzer starts from real-looking files.
    case $target in
        yaml | workflow)
            find tests/fixtures -path '*/.github/workflows/*.yml' -o -name '.gitlab-ci.yml'
            # A Cloud Build file: a tool step, a shell step with a `-c` script, a `dir:`.
            printf 'steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, -t, "gcr.io/$PROJECT_ID/app:$SHORT_SHA", .]\n  - name: golang:1.22\n    entrypoint: bash\n    dir: cmd\n    args:\n      - -c\n      - |\n        go test ./... \\\n          && make release\ntimeout: 600s\n' >"fuzz/corpus/$target/seed-cloudbuild"
            # Cloud Build trigger definitions: one naming a build file, one with its build inline.
            printf 'name: deploy\ngithub:\n  push:\n    branch: ^main$\nfilename: cloudbuild.yaml\napprovalConfig:\n  approvalRequired: true\n---\nname: pr\ngithub:\n  pullRequest:\n    branch: .*\nbuild:\n  steps:\n    - id: test\n      name: golang\n      entrypoint: bash\n      args: [-eEuo, pipefail, -c, go test ./...]\n      waitFor: ["-"]\n    - name: gcr.io/cloud-builders/gcloud\n      args: [run, deploy, api]\n      waitFor: [test]\n' >"fuzz/corpus/$target/seed-cloudbuild-triggers"
            ;;
        dockerfile) find tests/fixtures -name 'Dockerfile*' ;;
        migrations) find tests/fixtures -path '*migrat*' -type f ;;
        git_index) find . -maxdepth 2 -path '*/.git/index' ;;
        # A POM binding goals to phases, and a Gradle build applying check plugins.
        build_plugins)
            printf '<?xml version="1.0"?>\n<project>\n  <parent><artifactId>spring-boot-starter-parent</artifactId></parent>\n  <build>\n    <plugins>\n      <plugin>\n        <artifactId>maven-checkstyle-plugin</artifactId>\n        <executions><execution><phase>validate</phase><goals><goal>check</goal></goals></execution></executions>\n      </plugin>\n      <plugin>\n        <groupId>org.jacoco</groupId><artifactId>jacoco-maven-plugin</artifactId>\n        <executions><execution><goals><goal>prepare-agent</goal><goal>report</goal></goals></execution></executions>\n      </plugin>\n    </plugins>\n  </build>\n</project>\n' >"fuzz/corpus/$target/seed-pom"
            printf 'plugins {\n    id "java"\n    id "checkstyle"\n    id "jacoco"\n    id "com.diffplug.spotless" version "6.25.0" apply false\n}\ntest {\n    finalizedBy jacocoTestReport\n}\njacocoTestCoverageVerification { violationRules { rule { limit { minimum = 0.7 } } } }\n' >"fuzz/corpus/$target/seed-gradle"
            ;;
        # A CI command on the first line, the Makefile after it.
        make) printf 'make -C . test lint\ninclude common.mk\n.PHONY: test\ntest: deps ## run\n\t@go test \\\n\t  ./...\ndeps:\n\t-go mod download\nlint: test\n\t+$(MAKE) vet\n%%.o: %%.c\n\tcc $<\n' >"fuzz/corpus/make/seed-basic" ;;
        *) true ;;
    esac | while read -r seed; do cp "$seed" "fuzz/corpus/$target/seed-$(echo "$seed" | tr / _)"; done
    log=$(mktemp)
    status=0
    cargo fuzz run --sanitizer none --release "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1 || status=$?
    execs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' || echo "?")
    crashes=$(find "fuzz/artifacts/$target" -type f 2>/dev/null | wc -l)
    echo "$target: exit $status, runs $execs, artifacts $crashes"
    [ "$status" -eq 0 ] || tail -30 "$log"
    rm -f "$log"
done
