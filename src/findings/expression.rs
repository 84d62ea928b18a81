//! Which context paths of a `${{ }}` expression can reach the text it expands to.
//!
//! GitHub evaluates `a && b` to `a` only when `a` is falsy (`false`, `0`, `''`, `null`), and
//! `a || b` to `a` only when `a` is truthy; comparisons, `!` and the functions that test text
//! (`contains`, `startsWith`, `endsWith`) give `true` or `false`. So in
//! `${{ github.event.label.name == 'deploy' && 'yes' || 'no' }}` the label never reaches the
//! script, while in `${{ github.event.issue.title || 'untitled' }}` the title does. An
//! expression this reader cannot follow counts as reaching with all of its text.

use std::ops::Range;

/// Deepest nesting of parentheses, brackets, calls and `!` that is followed; a deeper
/// expression counts as unreadable rather than growing the stack.
const MAX_DEPTH: usize = 64;

/// Functions whose result never holds the text of their arguments: tests that give a
/// boolean, job status checks, and `hashFiles`, which gives a hexadecimal digest.
const FIXED_RESULTS: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "success",
    "failure",
    "always",
    "cancelled",
    "hashfiles",
];

/// The parts of `expression` (a whole `${{ ... }}`, or its inside) whose text can reach its
/// value: each context path that can, as written (`steps.meta.outputs['tag']`), or the whole
/// expression when it cannot be read.
pub(crate) fn reaching(expression: &str) -> Vec<&str> {
    let inside = expression
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .map_or(0..expression.len(), |inside| 3..3 + inside.len());
    let mut reader = Reader {
        text: expression.as_bytes(),
        at: inside.start,
        end: inside.end,
        depth: 0,
    };
    let paths = reader.either().filter(|_| {
        reader.skip_space();
        reader.at == reader.end
    });
    match paths {
        Some(paths) => paths.into_iter().map(|r| &expression[r]).collect(),
        None => vec![expression],
    }
}

/// Byte ranges of the context paths that can reach a sub-expression's value.
type Paths = Vec<Range<usize>>;

/// A recursive-descent reader over the bytes between `${{` and `}}`; every method reads one
/// grammar level and gives `None` for text it does not understand.
struct Reader<'t> {
    text: &'t [u8],
    at: usize,
    end: usize,
    depth: usize,
}

impl Reader<'_> {
    /// `a || b`: either side can be the value.
    fn either(&mut self) -> Option<Paths> {
        let mut paths = self.both()?;
        while self.eat("||") {
            paths.extend(self.both()?);
        }
        Some(paths)
    }

    /// `a && b`: the value is `b`, or `a` when `a` is falsy, and no falsy value holds text.
    fn both(&mut self) -> Option<Paths> {
        let mut paths = self.comparison()?;
        while self.eat("&&") {
            paths = self.comparison()?;
        }
        Some(paths)
    }

    /// `a == b`, `a < b` and the like give a boolean; equality and ordering bind at
    /// different strengths in GitHub's grammar, but both give a boolean, so one level reads
    /// them.
    fn comparison(&mut self) -> Option<Paths> {
        let paths = self.unary()?;
        let mut compared = false;
        while ["==", "!=", "<=", ">=", "<", ">"]
            .iter()
            .any(|operator| self.eat(operator))
        {
            self.unary()?;
            compared = true;
        }
        Some(if compared { Vec::new() } else { paths })
    }

    fn unary(&mut self) -> Option<Paths> {
        if self.eat("!") {
            self.nested(Self::unary)?;
            return Some(Vec::new());
        }
        self.primary()
    }

    /// A literal, a context path with its property accesses, a call or a parenthesised
    /// expression.
    fn primary(&mut self) -> Option<Paths> {
        self.skip_space();
        let first = *self.text.get(self.at).filter(|_| self.at < self.end)?;
        match first {
            b'(' => {
                self.at += 1;
                let paths = self.nested(Self::either)?;
                self.expect(b')')?;
                self.accessors()?;
                Some(paths)
            }
            b'\'' | b'"' => {
                self.string(first)?;
                Some(Vec::new())
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                self.number();
                Some(Vec::new())
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = self.at;
                self.identifier();
                let name = String::from_utf8_lossy(&self.text[start..self.at]).to_lowercase();
                if self.text.get(self.at) == Some(&b'(') && self.at < self.end {
                    self.at += 1;
                    let arguments = self.nested(Self::arguments)?;
                    self.accessors()?;
                    let fixed = FIXED_RESULTS.contains(&name.as_str());
                    return Some(if fixed { Vec::new() } else { arguments });
                }
                if matches!(
                    name.as_str(),
                    "true" | "false" | "null" | "nan" | "infinity"
                ) {
                    return Some(Vec::new());
                }
                self.accessors()?;
                Some(std::iter::once(start..self.at).collect())
            }
            _ => None,
        }
    }

    /// The arguments of a call after its `(`, through its `)`: each can reach the result.
    fn arguments(&mut self) -> Option<Paths> {
        let mut paths = Vec::new();
        if self.eat(")") {
            return Some(paths);
        }
        loop {
            paths.extend(self.either()?);
            if self.eat(",") {
                continue;
            }
            self.expect(b')')?;
            return Some(paths);
        }
    }

    /// `.name`, `.*` and `[index]` after a path, a call or parentheses. The index only
    /// chooses a property, so its own paths do not reach the value.
    fn accessors(&mut self) -> Option<()> {
        while self.at < self.end {
            match self.text[self.at] {
                b'.' => {
                    self.at += 1;
                    if self.text.get(self.at) == Some(&b'*') {
                        self.at += 1;
                    } else if !self.identifier() {
                        return None;
                    }
                }
                b'[' => {
                    self.at += 1;
                    self.nested(Self::either)?;
                    self.expect(b']')?;
                }
                _ => break,
            }
        }
        Some(())
    }

    /// Letters, digits, `_` and `-`; whether there was at least one.
    fn identifier(&mut self) -> bool {
        let start = self.at;
        while self.at < self.end
            && (self.text[self.at].is_ascii_alphanumeric() || b"_-".contains(&self.text[self.at]))
        {
            self.at += 1;
        }
        self.at > start
    }

    /// A string literal; a doubled quote stands for itself.
    fn string(&mut self, quote: u8) -> Option<()> {
        self.at += 1;
        loop {
            let offset = self.text[self.at..self.end]
                .iter()
                .position(|&b| b == quote)?;
            self.at += offset + 1;
            if self.text.get(self.at) != Some(&quote) || self.at >= self.end {
                return Some(());
            }
            self.at += 1;
        }
    }

    /// A number: sign, digits, `.`, hexadecimal letters and an exponent.
    fn number(&mut self) {
        self.at += 1;
        while self.at < self.end {
            let b = self.text[self.at];
            let exponent_sign = b"+-".contains(&b) && b"eE".contains(&self.text[self.at - 1]);
            if !(b.is_ascii_alphanumeric() || b == b'.' || exponent_sign) {
                break;
            }
            self.at += 1;
        }
    }

    /// Reads one level deeper, unless that passes [`MAX_DEPTH`].
    fn nested(&mut self, read: fn(&mut Self) -> Option<Paths>) -> Option<Paths> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let paths = read(self);
        self.depth -= 1;
        paths
    }

    fn skip_space(&mut self) {
        while self.at < self.end && self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    /// Consumes `token` after any space, if it comes next.
    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        let found = self.text[self.at..self.end].starts_with(token.as_bytes());
        // `!` alone is negation, not the start of `!=`.
        let negation_of_equality = token == "!" && self.text.get(self.at + 1) == Some(&b'=');
        if found && !negation_of_equality {
            self.at += token.len();
        }
        found && !negation_of_equality
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.at < self.end && self.text[self.at] == byte).then(|| self.at += 1)
    }
}

#[cfg(test)]
mod tests {
    use super::reaching;

    #[test]
    fn only_paths_that_can_become_the_value_reach_it() {
        let title = "github.event.issue.title";
        assert_eq!(reaching("${{ github.event.issue.title }}"), [title]);
        assert_eq!(
            reaching("${{ github.event.issue.title || 'untitled' }}"),
            [title]
        );
        assert_eq!(
            reaching("${{ inputs.tag || github.event.issue.title }}"),
            ["inputs.tag", title]
        );
        let none: [&str; 0] = [];
        assert_eq!(
            reaching("${{ github.event.label.name == 'x' && 'yes' || 'no' }}"),
            none
        );
        assert_eq!(
            reaching("${{ contains(github.event.pull_request.labels.*.name, 'ci') }}"),
            none
        );
        assert_eq!(reaching("${{ !startsWith(github.head_ref, 'x') }}"), none);
        assert_eq!(reaching("${{ github.event.issue.title != '' }}"), none);
        assert_eq!(
            reaching("${{ github.event.issue.title && 'has a title' }}"),
            none
        );
        assert_eq!(
            reaching("${{ github.event_name == 'issues' && github.event.issue.title }}"),
            [title]
        );
        assert_eq!(
            reaching("${{ toJSON(github.event.pull_request.labels) }}"),
            ["github.event.pull_request.labels"]
        );
        assert_eq!(
            reaching("${{ format('{0}-{1}', github.head_ref, 3) }}"),
            ["github.head_ref"]
        );
        assert_eq!(
            reaching("${{ fromJSON(needs.a.outputs['list'])[0].name }}"),
            ["needs.a.outputs['list']"]
        );
        assert_eq!(
            reaching("${{ steps.x.outputs[matrix.key] }}"),
            ["steps.x.outputs[matrix.key]"]
        );
        assert_eq!(reaching("${{ (1 > 2) && 'it''s' || -1.5e-3 }}"), none);
    }

    #[test]
    fn unreadable_expressions_reach_with_all_their_text() {
        for odd in [
            "${{ github.event.issue.title = 'x' }}",
            "${{ 'unterminated }}",
            "${{ format('{0}', github.head_ref }}",
            "${{ a & b }}",
            "${{ github.event.issue. }}",
        ] {
            assert_eq!(reaching(odd), [odd]);
        }
        let deep = format!("${{{{ {}x{} }}}}", "(".repeat(100), ")".repeat(100));
        assert_eq!(reaching(&deep), [deep.as_str()]);
    }
}
