//! Where the keys of a JSON manifest's sections are written: `"jest"` under
//! `"devDependencies"`, not the `"@nx/jest"` beside it nor a top-level `"jest": {...}`
//! configuration block. One pass over the bytes, no allocation per key.

use std::ops::Range;

/// A key of an object that is the value of one of the top-level `sections`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionKey<'t> {
    /// The top-level key whose object holds this key.
    pub section: &'t str,
    /// The key as written between its quotes (escapes left as they are).
    pub key: &'t str,
    /// The bytes of `key` in the text.
    pub at: Range<usize>,
}

/// The keys, in document order, of the objects that are the values of the top-level keys
/// named in `sections`. The text is expected to be valid JSON (parsed beforehand); on other
/// text the result is what the bytes suggest, never a panic.
pub fn section_keys<'t>(text: &'t str, sections: &[&str]) -> Vec<SectionKey<'t>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    // The last key read at the top level, and the section whose object is open.
    let mut top_key: Option<&'t str> = None;
    let mut open: Option<&'t str> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                let end = string_end(bytes, start);
                i = end + 1;
                let Some(raw) = text.get(start..end) else {
                    continue;
                };
                if !followed_by_colon(bytes, i) {
                    continue;
                }
                match (depth, open) {
                    (1, _) => top_key = Some(raw),
                    (2, Some(section)) => out.push(SectionKey {
                        section,
                        key: raw,
                        at: start..end,
                    }),
                    _ => {}
                }
                continue;
            }
            b'{' => {
                depth += 1;
                if depth == 2 {
                    open = top_key.filter(|key| sections.contains(key));
                }
            }
            b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth < 2 {
                    open = None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The offset of the quote that closes a string whose text begins at `start` (or the end
/// of the text when it is never closed).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether the next byte after `from` that is not white space is a colon: the string
/// before it is a key.
fn followed_by_colon(bytes: &[u8], from: usize) -> bool {
    bytes
        .get(from..)
        .unwrap_or_default()
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTIONS: &[&str] = &["dependencies", "devDependencies"];

    fn keys(text: &str) -> Vec<(&str, &str, &str)> {
        section_keys(text, SECTIONS)
            .into_iter()
            .map(|k| (k.section, k.key, &text[k.at]))
            .collect()
    }

    #[test]
    fn only_the_keys_of_the_named_sections() {
        let text = r#"{
  "name": "app",
  "jest": {"dependencies": {"not": "this"}},
  "scripts": {"test": "jest", "dependencies": "x"},
  "dependencies": {"express": "4", "nested": {"inner": 1}},
  "devDependencies" : { "@nx/jest": "17", "jest" : "^29", "a\"b": "1" },
  "peerDependencies": {"react": "18"}
}"#;
        assert_eq!(
            keys(text),
            [
                ("dependencies", "express", "express"),
                ("dependencies", "nested", "nested"),
                ("devDependencies", "@nx/jest", "@nx/jest"),
                ("devDependencies", "jest", "jest"),
                ("devDependencies", "a\\\"b", "a\\\"b"),
            ]
        );
        let jest = section_keys(text, SECTIONS)
            .into_iter()
            .find(|k| k.key == "jest")
            .map(|k| k.at.start);
        assert_eq!(jest, text.find("\"jest\" :").map(|at| at + 1));
    }

    #[test]
    fn a_section_that_is_not_an_object_has_no_keys() {
        let text = r#"{"dependencies": ["a", {"b": 1}], "devDependencies": "c", "x": {"d": 1}}"#;
        assert!(keys(text).is_empty());
    }

    #[test]
    fn broken_text_ends_without_panicking() {
        for text in [
            "{\"dependencies\": {\"a",
            "\"",
            "}}}]]{\"",
            "{\"dependencies\": {\"é\\",
        ] {
            let _ = section_keys(text, SECTIONS);
        }
    }
}
