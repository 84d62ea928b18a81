//! The programming languages a repository's own code is written in, by the number of
//! application source files (tests, examples, vendored and generated folders left out).

use super::Facts;
use crate::inventory::FileKind;

/// A language as static analysers and advice tell them apart: TypeScript goes with
/// JavaScript, Kotlin with Java, C++ with C, as CodeQL groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    Python,
    JavaScript,
    Go,
    Rust,
    Java,
    CSharp,
    Ruby,
    Php,
    Cpp,
    Swift,
}

impl Language {
    pub fn of_path(path: &str) -> Option<Self> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (_, extension) = name.rsplit_once('.')?;
        Some(match extension.to_ascii_lowercase().as_str() {
            "py" => Self::Python,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "vue" | "svelte" => Self::JavaScript,
            "go" => Self::Go,
            "rs" => Self::Rust,
            "java" | "kt" => Self::Java,
            "cs" => Self::CSharp,
            "rb" => Self::Ruby,
            "php" => Self::Php,
            "c" | "cc" | "cpp" | "h" | "hpp" => Self::Cpp,
            "swift" => Self::Swift,
            _ => return None,
        })
    }

    /// The key of the language in the catalog's `recommendation_by_language`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::JavaScript => "javascript",
            Self::Go => "go",
            Self::Rust => "rust",
            Self::Java => "java",
            Self::CSharp => "csharp",
            Self::Ruby => "ruby",
            Self::Php => "php",
            Self::Cpp => "cpp",
            Self::Swift => "swift",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Python => "Python",
            Self::JavaScript => "JavaScript/TypeScript",
            Self::Go => "Go",
            Self::Rust => "Rust",
            Self::Java => "Java/Kotlin",
            Self::CSharp => "C#",
            Self::Ruby => "Ruby",
            Self::Php => "PHP",
            Self::Cpp => "C/C++",
            Self::Swift => "Swift",
        }
    }

    /// The language a CodeQL `languages:` entry names (`javascript-typescript`, `java-kotlin`,
    /// `c-cpp` and the older single names).
    pub fn of_codeql(name: &str) -> Option<Self> {
        let name = name.trim().trim_matches(['\'', '"']).to_ascii_lowercase();
        Some(match name.as_str() {
            "python" => Self::Python,
            "javascript" | "typescript" | "javascript-typescript" => Self::JavaScript,
            "go" => Self::Go,
            "rust" => Self::Rust,
            "java" | "kotlin" | "java-kotlin" => Self::Java,
            "csharp" => Self::CSharp,
            "ruby" => Self::Ruby,
            "cpp" | "c" | "c-cpp" => Self::Cpp,
            "swift" => Self::Swift,
            _ => return None,
        })
    }

    /// Whether CodeQL analyses the language when `languages:` is left out and it detects them.
    pub fn codeql_detects(self) -> bool {
        self != Self::Php
    }
}

/// Application source files per language, most first (ties in the enum's order). A language
/// counts when it has at least three files and a twentieth of the largest language's: a
/// handful of helper scripts beside a large code base is not a language the team works in.
/// Ask [`Facts::languages`], which counts once.
pub(super) fn languages(facts: &Facts) -> Vec<(Language, usize)> {
    let mut counts: std::collections::BTreeMap<Language, usize> = Default::default();
    for file in &facts.inventory.files {
        if file.kind != FileKind::Source {
            continue;
        }
        if let Some(language) = Language::of_path(&file.path)
            && super::signals::is_application_code(&file.path)
        {
            *counts.entry(language).or_default() += 1;
        }
    }
    let most = counts.values().copied().max().unwrap_or(0);
    let mut out: Vec<(Language, usize)> = counts
        .into_iter()
        .filter(|&(_, n)| n >= 3 && n * 20 >= most)
        .collect();
    out.sort_by_key(|&(language, n)| (std::cmp::Reverse(n), language));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_codeql_names() {
        assert_eq!(
            Language::of_path("ui/src/app.tsx"),
            Some(Language::JavaScript)
        );
        assert_eq!(Language::of_path("cmd/gh/main.go"), Some(Language::Go));
        assert_eq!(Language::of_path("src/Main.KT"), Some(Language::Java));
        assert_eq!(Language::of_path("Makefile"), None);
        // CodeQL's java-kotlin does not read Scala.
        assert_eq!(Language::of_path("src/main/scala/App.scala"), None);
        assert_eq!(Language::of_path("scripts/run.sh"), None);
        assert_eq!(
            Language::of_codeql(" 'javascript-typescript' "),
            Some(Language::JavaScript)
        );
        assert_eq!(Language::of_codeql("c-cpp"), Some(Language::Cpp));
        assert_eq!(Language::of_codeql("actions"), None);
    }
}
