//! Credentials committed in plain text: private keys and provider tokens whose shape is
//! specific enough to be found without false alarms.

use std::sync::LazyLock;

use regex::Regex;

use crate::catalog::literals::{Case, Prefilter};
use crate::source::Location;

const SECRET_KINDS: &[(&str, &str)] = &[
    (
        "private key",
        // The header must be followed by a base64 body: "(snip)" or "..." marks an example.
        // The key may also sit on one line with its line ends escaped (`\n`), as in a JSON
        // service-account key or a quoted `.env` value.
        concat!(
            r"-----BEGIN (RSA |EC |OPENSSH |DSA |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----",
            r"(?:[ \t]*\r?\n(?:[ \t]*[A-Za-z-]+: [^\n]*\r?\n)*[ \t]*\r?\n?[ \t]*",
            r"|(?:\\r)?\\n(?:[A-Za-z-]+: [^\\\n]*(?:\\r)?\\n)*(?:(?:\\r)?\\n)?)",
            r"[A-Za-z0-9+/=]{40,}"
        ),
    ),
    ("AWS access key id", r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    (
        "GitHub token",
        r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}",
    ),
    ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    ("Slack token", r"\bxox[abpors]-[A-Za-z0-9-]{10,}"),
    ("Stripe live key", r"\b[sr]k_live_[A-Za-z0-9]{20,}"),
    ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}"),
    (
        // Django and Flask sign sessions, password-reset links and tokens with it; a
        // settings file that reads it from the environment holds no literal.
        "framework secret key (SECRET_KEY)",
        r#"(?m)^[ \t]*SECRET_KEY[ \t]*=[ \t]*["'][^"'\s]{30,}["']"#,
    ),
    (
        // `process.env.JWT_SECRET || 'superSecret'`, `os.getenv("API_TOKEN", "...")`: the
        // literal signs or authenticates wherever the variable is unset. The variable's name
        // must end in the secret's word (`RESET_PASSWORD_LOCK_TIME` is no password).
        FALLBACK,
        concat!(
            r#"(?:process\.env\.[A-Z0-9_]*(?:SECRET|SECRET_KEY|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|SIGNING_KEY)\s*(?:\|\||\?\?)\s*"#,
            r#"|os\.(?:getenv|environ\.get)\(\s*["'][A-Z0-9_]*(?:SECRET|SECRET_KEY|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|SIGNING_KEY)["']\s*,\s*)"#,
            r#"["'`][^"'`\s]{8,}["'`]"#
        ),
    ),
];

/// The kind of a secret written as the fallback of an environment variable; only application
/// code counts (a test's fallback signs nothing in production).
const FALLBACK: &str = "secret with a literal fallback";

/// Every kind's required literals in one search, so each file is scanned once; the single
/// patterns run only where their literals occur. The patterns match case exactly, so their
/// literals are searched for as they are written.
static FILTER: LazyLock<Option<Prefilter>> =
    LazyLock::new(|| Prefilter::with_case(SECRET_KINDS.iter().map(|(_, p)| *p), Case::Exact).ok());
static PATTERNS: LazyLock<Vec<Option<Regex>>> = LazyLock::new(|| {
    SECRET_KINDS
        .iter()
        .map(|(_, p)| Regex::new(p).ok())
        .collect()
});

/// One credential-shaped value. The value itself is never kept.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretHit {
    pub kind: &'static str,
    pub location: Location,
}

/// Whether a literal fallback is a local default everyone knows (`postgres`, `changeme`)
/// rather than a secret: the quoted text the match ends with.
fn is_placeholder(found: &str) -> bool {
    const PLACEHOLDERS: &[&str] = &[
        "postgres",
        "password",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "example",
        "localhost",
        "development",
        "placeholder",
        "secret",
    ];
    let literal = found
        .trim_end_matches(['"', '\'', '`'])
        .rsplit(['"', '\'', '`'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    PLACEHOLDERS.contains(&literal.as_str())
        || literal.starts_with("your")
        || literal.starts_with("dev")
        || literal.starts_with("test")
}

/// The credentials in one file, at most one per kind.
pub fn find(path: &str, text: &str) -> Vec<SecretHit> {
    let Some(filter) = FILTER.as_ref() else {
        return Vec::new();
    };
    filter
        .candidates(text.as_bytes())
        .into_iter()
        .filter_map(|index| {
            // `django-insecure-` marks a key Django generated for development.
            if SECRET_KINDS[index].0 == FALLBACK
                && !crate::evidence::signals::is_application_code(path)
            {
                return None;
            }
            let found = (PATTERNS[index].as_ref()?.find_iter(text)).find(|m| {
                let example = m.as_str().contains("django-insecure-")
                    || (SECRET_KINDS[index].0 == FALLBACK && is_placeholder(m.as_str()));
                !example
            })?;
            Some(SecretHit {
                kind: SECRET_KINDS[index].0,
                location: crate::evidence::location_at(path, text, found.start(), found.end()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_filters() {
        assert!(PATTERNS.iter().all(Option::is_some));
        assert!(FILTER.is_some());
        // The credential literals are few enough for the automaton, which skips through text
        // that holds none of their first bytes several times faster than the window search.
        assert!(
            FILTER
                .as_ref()
                .is_some_and(Prefilter::searches_by_automaton)
        );
    }

    #[test]
    fn tokens_are_found_whatever_else_is_on_the_line() {
        let key = ["AKIA", "ABCDEFGHIJKLMNOP"].concat();
        let text = format!("x = 1\naws_key = \"{key}\"\n");
        let found = find("settings.py", &text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, "AWS access key id");
        assert_eq!((found[0].location.line, found[0].location.column), (2, 12));
        assert!(find("settings.py", "akia is not a key\n").is_empty());
    }

    /// A literal Django or Flask secret key is committed; one read from the environment or
    /// made at start-up is not.
    #[test]
    fn literal_secret_keys_are_found() {
        let key = "2^f+3@v7$v1f8yt0!s)3-1t$)tlp+xm17=*g))_xoi&&9m#2a&";
        let settings = format!("DEBUG = True\n\nSECRET_KEY = '{key}'\n");
        let found = find("conduit/settings.py", &settings);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, "framework secret key (SECRET_KEY)");
        assert_eq!(found[0].location.line, 3);
        for safe in [
            "SECRET_KEY = os.environ['SECRET_KEY']\n",
            "SECRET_KEY: str = secrets.token_urlsafe(32)\n",
            "SECRET_KEY = 'dev'\n",
            "DJANGO_SECRET_KEY = env('DJANGO_SECRET_KEY')\n",
            "SECRET_KEY = \"django-insecure-7x!k2m#q9v@r4t8w$z1p&n6b^c3f0h5j\"\n",
        ] {
            assert!(find("settings.py", safe).is_empty(), "{safe}");
        }
    }

    /// A secret read from the environment with a literal fallback is committed; a setting
    /// whose name only contains a secret's word, a short placeholder, or a test's fallback is
    /// not.
    #[test]
    fn literal_fallbacks_of_secrets_are_found() {
        let auth = "export const auth = {\n  required: jwt({\n    secret: process.env.JWT_SECRET || 'superSecret',\n  }),\n};\n";
        let found = find("src/app/routes/auth/auth.ts", auth);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, FALLBACK);
        assert_eq!((found[0].location.line, found[0].location.column), (3, 13));
        let python = "API_TOKEN = os.environ.get(\"API_TOKEN\", \"3f9a8c7d6e5b4a39\")\n";
        assert_eq!(find("app/settings.py", python).len(), 1);
        for safe in [
            "LOCK = os.environ.get(\"RESET_PASSWORD_LOCK_TIME\", \"15 minutes\")\n",
            "const s = process.env.SESSION_SECRET || 'dev';\n",
            "DB = os.getenv(\"POSTGRES_PASSWORD\", \"postgres\")\n",
            "const k = process.env.API_KEY || 'your-api-key-here';\n",
            "const s = process.env.SESSION_SECRET ?? required('SESSION_SECRET');\n",
        ] {
            assert!(find("src/app.ts", safe).is_empty(), "{safe}");
        }
        assert!(find("tests/conftest.py", python).is_empty());
    }

    /// A key on one line with escaped line ends: a quoted `.env` value and the `private_key`
    /// of a JSON service-account key. An elided body is an example, not a key.
    #[test]
    fn keys_with_escaped_line_ends_are_found() {
        let body = "MIIEpAIBAAKCAQEA1pt0ZoOuPEVPJJS+5r884zcjZLkZZ2GcPwr79XOLDbOi46on";
        let header = ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat();
        let env = format!("A=1\nclient_private_key='{header}\\n{body}\\nQ==\\n-----END'\n");
        let found = find(".env.sample", &env);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].location.line, found[0].location.column), (2, 21));
        let header = ["-----BEGIN ", "PRIVATE KEY-----"].concat();
        let json = format!("{{\n  \"private_key\": \"{header}\\r\\n{body}\\n\",\n}}\n");
        assert_eq!(find("sa.json", &json).len(), 1);
        let elided = format!("key: \"{header}\\n...\\n-----END PRIVATE KEY-----\"\n");
        assert!(find("README.md", &elided).is_empty());
    }
}
