//! Writes a deterministic synthetic monorepo for benchmarks: `N` files spread over services,
//! each with a Dockerfile, a manifest, source and test files, plus hundreds of GitHub Actions
//! workflows. The same arguments always give the same bytes.
//!
//!     cargo run --release --example gen_monorepo -- OUT N

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// Files in one service folder, workflows included in the count.
const FILES_PER_SERVICE: usize = 50;
/// One workflow per this many services.
const SERVICES_PER_WORKFLOW: usize = 4;

/// xorshift64*: tiny, deterministic and good enough to vary file contents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const LANGUAGES: [&str; 4] = ["python", "node", "go", "rust"];
const WORDS: [&str; 16] = [
    "order", "invoice", "customer", "payment", "shipment", "ledger", "account", "session",
    "catalog", "report", "quota", "tenant", "audit", "refund", "coupon", "profile",
];

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(total)) = (args.get(1), args.get(2).and_then(|n| n.parse().ok())) else {
        eprintln!("usage: gen_monorepo OUT NUMBER_OF_FILES");
        std::process::exit(2);
    };
    let out = Path::new(out);
    let total: usize = total;
    let mut rng = Rng(0x5EED_0000_0000_0001);
    let mut written = 0usize;

    write(
        out,
        "README.md",
        "# Monorepo\n\nSynthetic benchmark repository.\n",
        &mut written,
    )?;
    write(
        out,
        ".gitignore",
        "target/\nnode_modules/\n__pycache__/\n",
        &mut written,
    )?;
    write(
        out,
        ".github/dependabot.yml",
        "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n",
        &mut written,
    )?;

    let mut s = 0;
    while written < total {
        let language = LANGUAGES[s % LANGUAGES.len()];
        let name = format!("svc-{s:05}-{}", WORDS[s % WORDS.len()]);
        let base = format!("services/{name}");
        if s % SERVICES_PER_WORKFLOW == 0 {
            write(
                out,
                &format!(".github/workflows/{name}.yml"),
                &workflow(&name, &base, language, &mut rng),
                &mut written,
            )?;
        }
        write(
            out,
            &format!("{base}/Dockerfile"),
            &dockerfile(language, &mut rng),
            &mut written,
        )?;
        let (manifest, manifest_text) = manifest(&name, language, &mut rng);
        write(
            out,
            &format!("{base}/{manifest}"),
            &manifest_text,
            &mut written,
        )?;
        write(
            out,
            &format!("{base}/README.md"),
            &format!("# {name}\n\nOwns the {} domain.\n", WORDS[s % 16]),
            &mut written,
        )?;
        if language == "python" && s % 3 == 0 {
            write(
                out,
                &format!("{base}/alembic/versions/0001_init.py"),
                &migration(&mut rng),
                &mut written,
            )?;
        }
        let mut i = 0;
        while written < total && i < FILES_PER_SERVICE - 5 {
            let (path, text) = if i % 7 == 6 {
                test_file(language, i, &mut rng)
            } else {
                source_file(language, i, &mut rng)
            };
            write(out, &format!("{base}/{path}"), &text, &mut written)?;
            i += 1;
        }
        s += 1;
    }
    eprintln!("wrote {written} files under {}", out.display());
    Ok(())
}

fn write(root: &Path, path: &str, text: &str, written: &mut usize) -> std::io::Result<()> {
    let path = root.join(path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)?;
    *written += 1;
    Ok(())
}

fn workflow(name: &str, base: &str, language: &str, rng: &mut Rng) -> String {
    let (setup, test) = match language {
        "python" => (
            "actions/setup-python@v5",
            "pip install -e .[dev] && pytest --cov --cov-fail-under=80",
        ),
        "node" => ("actions/setup-node@v4", "npm ci && npm test -- --coverage"),
        "go" => ("actions/setup-go@v5", "go vet ./... && go test -race ./..."),
        _ => (
            "dtolnay/rust-toolchain@stable",
            "cargo clippy -- -D warnings && cargo test",
        ),
    };
    let mut text = format!(
        "name: {name}\non:\n  pull_request:\n    paths: ['{base}/**']\n  push:\n    branches: [main]\npermissions:\n  contents: read\nconcurrency:\n  group: {name}-${{{{ github.ref }}}}\n  cancel-in-progress: true\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: {}\n    defaults:\n      run:\n        working-directory: {base}\n    steps:\n      - uses: actions/checkout@v4\n      - uses: {setup}\n      - run: {test}\n",
        10 + rng.below(20)
    );
    if rng.below(2) == 0 {
        text.push_str("      - uses: aquasecurity/trivy-action@0.28.0\n        with:\n          scan-type: fs\n          exit-code: '1'\n");
    }
    let _ = write!(
        text,
        "  build:\n    needs: test\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      packages: write\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        with:\n          context: {base}\n          push: ${{{{ github.ref == 'refs/heads/main' }}}}\n          tags: ghcr.io/acme/{name}:${{{{ github.sha }}}}\n"
    );
    if rng.below(3) == 0 {
        let _ = write!(
            text,
            "  deploy:\n    needs: build\n    if: github.ref == 'refs/heads/main'\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: kubectl set image deployment/{name} app=ghcr.io/acme/{name}:${{{{ github.sha }}}}\n      - run: kubectl rollout status deployment/{name} --timeout=300s\n"
        );
    }
    text
}

fn dockerfile(language: &str, rng: &mut Rng) -> String {
    let (image, build, run) = match language {
        "python" => (
            "python:3.12-slim",
            "pip install --no-cache-dir -r requirements.txt",
            "python -m app",
        ),
        "node" => ("node:20-alpine", "npm ci --omit=dev", "node src/index.js"),
        "go" => ("golang:1.23", "go build -o /app ./...", "/app"),
        _ => ("rust:1.82", "cargo build --release", "/app"),
    };
    let user = if rng.below(2) == 0 {
        "USER 10001\n"
    } else {
        ""
    };
    format!(
        "FROM {image}\nWORKDIR /srv\nCOPY . .\nRUN {build}\n{user}EXPOSE 8080\nHEALTHCHECK CMD wget -qO- http://localhost:8080/health || exit 1\nCMD [\"sh\", \"-c\", \"{run}\"]\n"
    )
}

fn manifest(name: &str, language: &str, rng: &mut Rng) -> (&'static str, String) {
    let extra = [
        "sentry-sdk",
        "prometheus-client",
        "opentelemetry-api",
        "structlog",
    ][rng.below(4)];
    match language {
        "python" => (
            "pyproject.toml",
            format!(
                "[project]\nname = \"{name}\"\nversion = \"0.1.0\"\ndependencies = [\n  \"fastapi>=0.110\",\n  \"sqlalchemy>=2\",\n  \"alembic>=1.13\",\n  \"{extra}\",\n]\n\n[dependency-groups]\ndev = [\"pytest>=8\", \"pytest-cov>=5\"]\n"
            ),
        ),
        "node" => (
            "package.json",
            format!(
                "{{\n  \"name\": \"{name}\",\n  \"version\": \"1.0.0\",\n  \"scripts\": {{\"test\": \"jest\"}},\n  \"dependencies\": {{\n    \"express\": \"^4.19.0\",\n    \"@sentry/node\": \"^8.0.0\"\n  }},\n  \"devDependencies\": {{\n    \"jest\": \"^29.0.0\"\n  }}\n}}\n"
            ),
        ),
        "go" => (
            "go.mod",
            format!(
                "module github.com/acme/{name}\n\ngo 1.23\n\nrequire (\n\tgithub.com/prometheus/client_golang v1.20.0\n\tgo.opentelemetry.io/otel v1.30.0\n)\n"
            ),
        ),
        _ => (
            "Cargo.toml",
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = {{ version = \"1\", features = [\"full\"] }}\ntracing = \"0.1\"\n\n[dev-dependencies]\nproptest = \"1\"\n"
            ),
        ),
    }
}

fn migration(rng: &mut Rng) -> String {
    let table = WORDS[rng.below(16)];
    format!(
        "revision = '0001'\ndown_revision = None\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n    op.create_table('{table}', sa.Column('id', sa.Integer, primary_key=True))\n    op.create_index('ix_{table}_id', '{table}', ['id'])\n\n\ndef downgrade():\n    op.drop_table('{table}')\n"
    )
}

/// A source file of 40 to 120 lines.
fn source_file(language: &str, i: usize, rng: &mut Rng) -> (String, String) {
    let extension = match language {
        "python" => "py",
        "node" => "js",
        "go" => "go",
        _ => "rs",
    };
    let mut text = String::new();
    for f in 0..(4 + rng.below(8)) {
        let word = WORDS[rng.below(16)];
        let _ = match language {
            "python" => write!(
                text,
                "def handle_{word}_{f}(request, limit={}):\n    items = [x for x in request.items if x.kind == '{word}']\n    if len(items) > limit:\n        raise ValueError('too many {word} items')\n    return sorted(items, key=lambda x: x.id)\n\n\n",
                rng.below(1000)
            ),
            "node" => write!(
                text,
                "export function handle{f}{word}(request, limit = {}) {{\n  const items = request.items.filter((x) => x.kind === '{word}');\n  if (items.length > limit) throw new Error('too many {word} items');\n  return items.sort((a, b) => a.id - b.id);\n}}\n\n",
                rng.below(1000)
            ),
            "go" => write!(
                text,
                "func Handle{f}{word}(items []Item, limit int) ([]Item, error) {{\n\tout := items[:0]\n\tfor _, x := range items {{\n\t\tif x.Kind == \"{word}\" {{\n\t\t\tout = append(out, x)\n\t\t}}\n\t}}\n\tif len(out) > limit {{\n\t\treturn nil, errors.New(\"too many {word} items\")\n\t}}\n\treturn out, nil\n}}\n\n"
            ),
            _ => write!(
                text,
                "pub fn handle_{word}_{f}(items: &[Item], limit: usize) -> Result<Vec<&Item>, Error> {{\n    let out: Vec<_> = items.iter().filter(|x| x.kind == \"{word}\").collect();\n    if out.len() > limit {{\n        return Err(Error::TooMany(\"{word}\"));\n    }}\n    Ok(out)\n}}\n\n"
            ),
        };
    }
    (format!("src/module_{i:03}.{extension}"), text)
}

fn test_file(language: &str, i: usize, rng: &mut Rng) -> (String, String) {
    let word = WORDS[rng.below(16)];
    match language {
        "python" => (
            format!("tests/test_{word}_{i}.py"),
            format!(
                "from app import handle_{word}_0\n\n\ndef test_{word}_limit():\n    assert handle_{word}_0(Request([]), limit=1) == []\n"
            ),
        ),
        "node" => (
            format!("test/{word}_{i}.test.js"),
            format!(
                "import {{ handle0{word} }} from '../src/module_000.js';\n\ntest('{word}', () => {{\n  expect(handle0{word}({{ items: [] }})).toEqual([]);\n}});\n"
            ),
        ),
        "go" => (
            format!("src/{word}_{i}_test.go"),
            format!(
                "package app\n\nimport \"testing\"\n\nfunc Test{word}{i}(t *testing.T) {{\n\tif _, err := Handle0{word}(nil, 1); err != nil {{\n\t\tt.Fatal(err)\n\t}}\n}}\n"
            ),
        ),
        _ => (
            format!("tests/{word}_{i}.rs"),
            format!(
                "#[test]\nfn {word}_{i}() {{\n    assert!(app::handle_{word}_0(&[], 1).is_ok());\n}}\n"
            ),
        ),
    }
}
