//! Every manifest parser on any text; the first byte picks the manifest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipready::inventory::Ecosystem;

const MANIFESTS: [(&str, Ecosystem); 11] = [
    ("pyproject.toml", Ecosystem::Python),
    ("requirements.txt", Ecosystem::Python),
    ("setup.py", Ecosystem::Python),
    ("package.json", Ecosystem::Npm),
    ("composer.json", Ecosystem::Php),
    ("Cargo.toml", Ecosystem::Cargo),
    ("go.mod", Ecosystem::Go),
    ("pom.xml", Ecosystem::Maven),
    ("build.gradle", Ecosystem::Gradle),
    ("Gemfile", Ecosystem::Ruby),
    ("src/Api/Api.csproj", Ecosystem::Dotnet),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (path, ecosystem) = MANIFESTS[pick as usize % MANIFESTS.len()];
    let _ = shipready::parse::manifests::parse(path, ecosystem, text);
});
