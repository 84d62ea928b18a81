//! Positions in repository files: every claim the report makes points at one of these.

use schemars::JsonSchema;
use serde::Serialize;

/// A file that was read but could not be modelled (a CI file or a manifest), with the reason.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct Unparsed {
    pub path: String,
    pub reason: String,
}

/// A place in a repository file. Lines and columns are 1-based; columns count characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
pub struct Location {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Location {
    /// A location that covers a whole file, used when the evidence is the file's existence.
    pub fn file(path: &str) -> Self {
        Self {
            path: path.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        }
    }

    pub fn line(path: &str, line: usize, column: usize, end_column: usize) -> Self {
        Self {
            path: path.to_string(),
            line,
            column,
            end_line: line,
            end_column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// Cuts a line of source down to a one-line snippet fit for a report: trimmed, control
/// characters replaced (repository content must never drive the terminal) and at most 120
/// characters long.
pub fn snippet(line: &str) -> String {
    let line = line.trim();
    // Most lines are short printable ASCII, kept as they are.
    if line.len() <= 120 && line.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return line.to_string();
    }
    let mut out: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(121)
        .collect();
    if out.chars().count() > 120 {
        out = out.chars().take(117).collect::<String>() + "...";
    }
    out
}

/// How many line feeds `text` holds. Called once per reported location, sometimes tens of
/// thousands of times on one large file, so it is a plain byte count the compiler vectorises
/// rather than a pattern search.
pub fn count_lines(text: &str) -> usize {
    text.as_bytes().iter().filter(|&&b| b == b'\n').count()
}

/// Texts by address and length, each with the byte offset where each of its lines begins.
type ScopedLines = std::collections::HashMap<(usize, usize), std::rc::Rc<[usize]>>;

thread_local! {
    /// The line starts of the texts a [`LineScope`] is open for.
    static SCOPE: std::cell::RefCell<Option<ScopedLines>> =
        const { std::cell::RefCell::new(None) };
}

/// While alive, line numbers and lines of its texts are looked up in an index built once,
/// instead of by counting from the start of the text on every call: a migration or a workflow
/// with thousands of findings would otherwise cost time in the square of its size.
///
/// Each text is keyed by its address and length. The scope borrows the texts, so no other
/// string can occupy that memory while the scope lives: a `&str` with the same address and
/// length is that text. Scopes nest; the innermost one is used.
pub struct LineScope<'t> {
    previous: Option<ScopedLines>,
    _texts: std::marker::PhantomData<&'t str>,
}

impl<'t> LineScope<'t> {
    pub fn new(text: &'t str) -> Self {
        Self::all([text])
    }

    /// One scope over several texts, such as every file the audits report on.
    pub fn all(texts: impl IntoIterator<Item = &'t str>) -> Self {
        let index: ScopedLines = texts
            .into_iter()
            .map(|text| {
                let starts: std::rc::Rc<[usize]> = line_starts(text).into();
                ((text.as_ptr() as usize, text.len()), starts)
            })
            .collect();
        let previous = SCOPE.with(|scope| scope.replace(Some(index)));
        Self {
            previous,
            _texts: std::marker::PhantomData,
        }
    }
}

impl Drop for LineScope<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SCOPE.with(|scope| scope.replace(previous));
    }
}

/// The line starts of `text`, when a scope is open for exactly this text.
fn scoped_starts(text: &str) -> Option<std::rc::Rc<[usize]>> {
    SCOPE.with(|scope| {
        let scope = scope.borrow();
        scope
            .as_ref()?
            .get(&(text.as_ptr() as usize, text.len()))
            .cloned()
    })
}

/// The byte offset where each line of `text` begins.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1))
        .collect()
}

/// Line `n` (1-based) of `text`, found through its [`line_starts`].
pub fn line_at<'t>(text: &'t str, starts: &[usize], n: usize) -> &'t str {
    let Some(&start) = starts.get(n.max(1) - 1) else {
        return "";
    };
    let end = match starts.get(n.max(1)) {
        Some(&next) => next - 1,
        None => text.len(),
    };
    let line = text.get(start..end).unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

/// The byte offset where line `n` (1-based) of `text` begins, if the text has that line.
fn line_start(text: &str, n: usize) -> Option<usize> {
    match (n, scoped_starts(text)) {
        (0 | 1, _) => Some(0),
        (n, Some(starts)) => starts.get(n - 1).copied(),
        (n, None) => memchr::memchr_iter(b'\n', text.as_bytes())
            .nth(n - 2)
            .map(|at| at + 1),
    }
}

/// Lines `from..=to` (1-based) of `text`, each with its number, split as [`str::lines`]
/// splits them. Finding the first line costs one count (or nothing inside a [`LineScope`]),
/// so walking a node's lines does not count from the top of the file each time.
pub fn lines_between(text: &str, from: usize, to: usize) -> impl Iterator<Item = (usize, &str)> {
    let from = from.max(1);
    let rest = line_start(text, from).map_or("", |at| &text[at..]);
    rest.lines()
        .take((to + 1).saturating_sub(from))
        .enumerate()
        .map(move |(i, line)| (from + i, line))
}

/// How many line feeds come before byte `at` of `text` (`at` at most the text's length).
pub fn lines_before(text: &str, at: usize) -> usize {
    match scoped_starts(text) {
        // Line starts after each line feed; the count is the number of starts at or before
        // `at`, less the first.
        Some(starts) => starts.partition_point(|&start| start <= at) - 1,
        None => count_lines(&text[..at]),
    }
}

/// The location of bytes `start..end` of `text` (end exclusive), in 1-based lines and
/// character columns.
pub fn span(path: &str, text: &str, start: usize, end: usize) -> Location {
    let (line, column) = position(text, start);
    let (end_line, end_column) = position(text, end);
    Location {
        path: path.to_string(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// The 1-based line and character column of byte `at` of `text` (clamped to the text and to
/// a character boundary).
fn position(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    if let Some(starts) = scoped_starts(text) {
        let line = starts.partition_point(|&start| start <= at);
        let line_start = starts[line - 1];
        return (line, scoped_column(text, line_start, at));
    }
    let line = lines_before(text, at) + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

thread_local! {
    /// The last column counted in a scoped text: (text address, text length, line start,
    /// byte offset, 1-based character column). Positions asked in increasing order on one
    /// long line (the keys of a one-line JSON manifest) count from there instead of from the
    /// line's start.
    static LAST_COLUMN: std::cell::Cell<(usize, usize, usize, usize, usize)> =
        const { std::cell::Cell::new((0, 0, 0, 0, 1)) };
}

/// The 1-based character column of byte `at`, on the line starting at `line_start`, of a text
/// a [`LineScope`] is open for.
fn scoped_column(text: &str, line_start: usize, at: usize) -> usize {
    let key = (text.as_ptr() as usize, text.len());
    let (address, length, start, offset, column) = LAST_COLUMN.with(std::cell::Cell::get);
    let (from, counted) = if (address, length, start) == (key.0, key.1, line_start)
        && (line_start..=at).contains(&offset)
        && text.is_char_boundary(offset)
    {
        (offset, column)
    } else {
        (line_start, 1)
    };
    let column = counted + text[from..at].chars().count();
    LAST_COLUMN.with(|last| last.set((key.0, key.1, line_start, at, column)));
    column
}

/// The text of line `n` (1-based) of `text`, without its line end.
///
/// Every finding and every piece of evidence takes its snippet from here, so on a file with
/// thousands of findings this runs thousands of times: line ends are found with `memchr`.
pub fn line_of(text: &str, n: usize) -> &str {
    // Inside a scope the next line's start bounds this one, so a long line with many
    // findings is not scanned to its end for each.
    if let Some(starts) = scoped_starts(text) {
        return line_at(text, &starts, n.max(1));
    }
    let Some(start) = line_start(text, n) else {
        return "";
    };
    let rest = &text[start..];
    let line = memchr::memchr(b'\n', rest.as_bytes()).map_or(rest, |end| &rest[..end]);
    line.strip_suffix('\r').unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_strips_control_characters_and_caps_length() {
        assert_eq!(snippet("  run: echo \u{1b}[31mred  "), "run: echo  [31mred");
        let long = "x".repeat(300);
        assert_eq!(snippet(&long).chars().count(), 120);
        assert!(snippet(&long).ends_with("..."));
    }

    #[test]
    fn line_of_is_one_based() {
        assert_eq!(line_of("a\nb\nc", 2), "b");
        assert_eq!(line_of("a", 5), "");
    }

    /// The same lines as `str::lines`, CRLF and a missing final line end included.
    #[test]
    fn line_of_agrees_with_lines() {
        for text in ["", "a", "a\n", "a\r\nb\r\n\nc", "\n\n", "é\nü\r\n", "x\ny"] {
            for n in 0..6 {
                let expected = text.lines().nth(n.max(1) - 1).unwrap_or("");
                assert_eq!(line_of(text, n), expected, "{text:?} line {n}");
            }
        }
        assert_eq!(count_lines("a\nb\r\nc\n"), 3);
    }

    /// Inside a scope the index gives the same answers as counting; outside, or for another
    /// text, counting is used.
    #[test]
    fn scoped_lines_agree_with_counting() {
        let text = "one\ntwo\r\n\nfour\nlast";
        let expected: Vec<(usize, &str)> = (0..=text.len())
            .map(|at| {
                (
                    lines_before(text, at),
                    line_of(text, lines_before(text, at) + 1),
                )
            })
            .collect();
        {
            let _scope = LineScope::new(text);
            for (at, want) in expected.iter().enumerate() {
                let got = (
                    lines_before(text, at),
                    line_of(text, lines_before(text, at) + 1),
                );
                assert_eq!(&got, want, "at {at}");
            }
            assert_eq!(line_of(text, 7), "");
            let other = String::from(text);
            assert_eq!(lines_before(&other, 9), 2);
            assert_eq!(lines_before(&text[..9], 9), 2);
        }
        assert!(scoped_starts(text).is_none());
    }
}
