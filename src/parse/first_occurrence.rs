//! Where many names first appear in one text, found in a single pass.
//!
//! A manifest locates each declared dependency at the first line that mentions its name,
//! compared case-insensitively. Searching the text once per name costs names × text, which a
//! manifest of tens of thousands of dependencies turns into minutes. Here every name goes into
//! one Aho-Corasick automaton and the text is read once. A name is reported the first time it
//! is seen and then dropped from the chain of names the automaton would report again, so a
//! set of names that are suffixes of one another (`a`, `aa`, `aaa`, ...) cannot make the scan
//! report the same name over and over: time and memory stay linear in the text plus the names.
//!
//! The automaton is written here rather than taken from the `aho-corasick` crate because the
//! crate copies every name a state ends with into that state, which for such suffix-heavy
//! name sets is quadratic in memory before the scan even starts.

use std::collections::HashMap;

/// The root of the trie: the empty prefix.
const ROOT: u32 = 0;

/// The 1-based line and column (in characters) of the first occurrence of each needle in
/// `text`, or `None` where a needle does not occur. Lines are those of [`str::lines`], a match
/// never spans two lines, and letters are compared ASCII case-insensitively.
pub fn first_occurrences(text: &str, needles: &[&str]) -> Vec<Option<(usize, usize)>> {
    let lines = LoweredLines::new(text);
    let mut trie = Trie::default();
    let ends: Vec<Option<u32>> = needles
        .iter()
        .map(|needle| {
            (!needle.is_empty() && !needle.contains('\n')).then(|| trie.insert(needle.as_bytes()))
        })
        .collect();
    let first_end = trie.first_ends(&lines.bytes);

    // Byte offsets become lines and columns in one sweep in text order, so columns on a long
    // line are counted once rather than once per needle found on it.
    let mut starts: Vec<(usize, usize)> = ends
        .iter()
        .enumerate()
        .filter_map(|(index, end)| {
            let node = (*end)?;
            let last = first_end[node as usize]?;
            Some((last + 1 - needles[index].len(), index))
        })
        .collect();
    starts.sort_unstable();
    let mut out: Vec<Option<(usize, usize)>> = needles
        .iter()
        .map(|needle| (needle.is_empty() && !lines.starts.is_empty()).then_some((1, 1)))
        .collect();
    let mut columns = ColumnCounter::default();
    for (start, index) in starts {
        out[index] = Some(columns.position(&lines, start));
    }
    out
}

/// The lines of a text, lower-cased and joined by `\n`, with the offset where each begins.
struct LoweredLines {
    bytes: Vec<u8>,
    starts: Vec<usize>,
}

impl LoweredLines {
    fn new(text: &str) -> Self {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        let mut starts = Vec::new();
        for line in text.lines() {
            starts.push(bytes.len());
            bytes.extend(line.bytes().map(|b| b.to_ascii_lowercase()));
            bytes.push(b'\n');
        }
        Self { bytes, starts }
    }
}

/// Turns byte offsets, given in increasing order, into 1-based lines and character columns.
#[derive(Default)]
struct ColumnCounter {
    line_start: usize,
    offset: usize,
    characters: usize,
}

impl ColumnCounter {
    fn position(&mut self, lines: &LoweredLines, offset: usize) -> (usize, usize) {
        let line = lines.starts.partition_point(|start| *start <= offset);
        let line_start = lines.starts[line.saturating_sub(1)];
        if line_start != self.line_start || offset < self.offset {
            *self = Self {
                line_start,
                offset: line_start,
                characters: 0,
            };
        }
        // Every byte that does not continue a UTF-8 sequence starts a character.
        self.characters += lines.bytes[self.offset..offset]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count();
        self.offset = offset;
        (line, self.characters + 1)
    }
}

/// One state of the automaton: a prefix of at least one needle.
#[derive(Default)]
struct Node {
    /// The prefix one byte shorter, and that byte.
    parent: u32,
    byte: u8,
    depth: u32,
    /// The longest proper suffix of this prefix that is also a prefix in the trie.
    fail: u32,
    /// Steps towards the nearest node, this one or one on its failure chain, that ends a
    /// needle not yet found; the root when there is none. Compressed as the scan goes.
    pending: u32,
    /// Whether a needle ends here.
    is_end: bool,
}

/// A trie of lower-cased needles that becomes an Aho-Corasick automaton.
struct Trie {
    nodes: Vec<Node>,
    children: HashMap<(u32, u8), u32>,
}

impl Default for Trie {
    fn default() -> Self {
        Self {
            nodes: vec![Node::default()],
            children: HashMap::new(),
        }
    }
}

impl Trie {
    /// Adds a needle and returns the node where it ends.
    fn insert(&mut self, needle: &[u8]) -> u32 {
        let mut node = ROOT;
        for (depth, byte) in needle.iter().map(u8::to_ascii_lowercase).enumerate() {
            let next = self.nodes.len() as u32;
            let nodes = &mut self.nodes;
            node = *self.children.entry((node, byte)).or_insert_with(|| {
                nodes.push(Node {
                    parent: node,
                    byte,
                    depth: depth as u32 + 1,
                    ..Node::default()
                });
                next
            });
        }
        self.nodes[node as usize].is_end = true;
        node
    }

    /// The state after reading `byte` in state `node`, following failure links.
    fn step(&self, mut node: u32, byte: u8) -> u32 {
        loop {
            if let Some(next) = self.children.get(&(node, byte)) {
                return *next;
            }
            if node == ROOT {
                return ROOT;
            }
            node = self.nodes[node as usize].fail;
        }
    }

    /// The offset of the last byte of the first occurrence of every needle ending at each
    /// node, indexed by node.
    fn first_ends(mut self, text: &[u8]) -> Vec<Option<usize>> {
        self.link_failures();
        let mut first_end = vec![None; self.nodes.len()];
        let mut state = ROOT;
        for (offset, byte) in text.iter().enumerate() {
            state = self.step(state, *byte);
            loop {
                let found = self.nearest_pending(state);
                if found == ROOT {
                    break;
                }
                first_end[found as usize] = Some(offset);
                let node = &mut self.nodes[found as usize];
                node.pending = node.fail;
            }
        }
        first_end
    }

    /// Sets the failure links, shallower nodes first as each link depends on its parent's,
    /// and points every node at the nearest needle end on its failure chain.
    fn link_failures(&mut self) {
        let mut order: Vec<u32> = (1..self.nodes.len() as u32).collect();
        order.sort_by_key(|node| self.nodes[*node as usize].depth);
        for node in order {
            let Node { parent, byte, .. } = self.nodes[node as usize];
            let fail = if parent == ROOT {
                ROOT
            } else {
                self.step(self.nodes[parent as usize].fail, byte)
            };
            let current = &mut self.nodes[node as usize];
            current.fail = fail;
            current.pending = if current.is_end { node } else { fail };
        }
    }

    /// The nearest node from `node` along its failure chain that ends a needle not yet found,
    /// or the root. The chain is shortened behind the search so it is not walked twice.
    fn nearest_pending(&mut self, node: u32) -> u32 {
        let mut found = node;
        while found != ROOT && self.nodes[found as usize].pending != found {
            found = self.nodes[found as usize].pending;
        }
        let mut current = node;
        while current != found {
            let next = self.nodes[current as usize].pending;
            self.nodes[current as usize].pending = found;
            current = next;
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition the automaton must agree with: a search from the top per needle.
    fn one_by_one(text: &str, needle: &str) -> Option<(usize, usize)> {
        let needle = needle.to_ascii_lowercase();
        text.lines().enumerate().find_map(|(i, line)| {
            let lower = line.to_ascii_lowercase();
            lower
                .find(&needle)
                .map(|byte| (i + 1, lower[..byte].chars().count() + 1))
        })
    }

    fn agrees(text: &str, needles: &[&str]) {
        let expected: Vec<_> = needles.iter().map(|n| one_by_one(text, n)).collect();
        assert_eq!(first_occurrences(text, needles), expected, "{text:?}");
    }

    #[test]
    fn names_are_found_where_they_first_appear() {
        let text = "# uses Requests\nrequests-oauthlib==1\nrequests==2\nflask\n";
        agrees(
            text,
            &["requests", "requests-oauthlib", "flask", "django", "oauth"],
        );
        assert_eq!(
            first_occurrences(text, &["flask", "requests"]),
            [Some((4, 1)), Some((1, 8))]
        );
    }

    #[test]
    fn suffixes_and_repeats_are_each_reported_once() {
        let text = "aaaa\nbaaa\nxaab\n";
        agrees(
            text,
            &[
                "a", "aa", "aaa", "aaaa", "aaaaa", "baa", "ab", "b", "aab", "a",
            ],
        );
        let many: String = (1..200).map(|n| "a".repeat(n) + "\n").collect();
        let needles: Vec<String> = (1..220).map(|n| "a".repeat(n)).collect();
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        agrees(&many, &needles);
    }

    #[test]
    fn columns_count_characters_and_lines_follow_str_lines() {
        let text = "é x ÉclaiR\r\nzz\r\n\tdé\rx\r";
        agrees(
            text,
            &["eclair", "éclair", "r", "z", "dé\rx", "x\r", "\n", "", "é"],
        );
        assert_eq!(first_occurrences(text, &["r"]), [Some((1, 10))]);
        assert_eq!(first_occurrences("", &["", "a"]), [None, None]);
    }

    #[test]
    fn many_needles_on_one_long_line() {
        let names: Vec<String> = (0..500).map(|i| format!("dep-{i}")).collect();
        let text = format!("{{{}}}", names.join(" é ").to_uppercase());
        let needles: Vec<&str> = names.iter().map(String::as_str).collect();
        agrees(&text, &needles);
    }

    #[test]
    fn agrees_with_the_search_one_by_one_on_varied_texts() {
        // A small alphabet makes overlaps, suffixes and repeats common.
        let alphabet = ['a', 'B', 'b', '\n', 'é', '\r'];
        let mut seed = 0x2545_f491_u64;
        let mut next = move |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % bound
        };
        for _ in 0..300 {
            let mut random = |length: usize| -> String {
                (0..length)
                    .map(|_| alphabet[next(alphabet.len())])
                    .collect()
            };
            let text = random(60);
            let needles: Vec<String> = (0..12).map(|i| random(1 + i % 5)).collect();
            let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
            agrees(&text, &needles);
        }
    }
}
