//! SQL written as string literals in migration source, checked with the rules of
//! [`super::sql`] and reported at the lines and columns of the source file.
//!
//! Python joins string literals that stand next to each other (`"ALTER TABLE a " "RENAME TO
//! b"`, often across lines inside parentheses) into one string, so those are checked as one
//! text made of their pieces; each offset of that text is mapped back to the piece it came
//! from. Literals separated by anything else, such as the commas of a list of statements,
//! stay separate texts.

use super::calls::{Syntax, literal_ranges, skip_quoted_or_comment};
use super::hazards::{Hazard, span};
use super::sql;

/// The content ranges of the string literals of `text`, grouped into the strings they make:
/// adjacent literals, with only spaces, line breaks and comments between them, form one group.
pub(super) fn joined_literals(text: &str, syntax: Syntax) -> Vec<Vec<(usize, usize)>> {
    let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
    for range in literal_ranges(text, syntax) {
        match groups.last_mut() {
            Some(group)
                if syntax == Syntax::Python
                    && group
                        .last()
                        .is_some_and(|&(_, end)| is_adjacent(text, end, range.0, syntax)) =>
            {
                group.push(range);
            }
            _ => groups.push(vec![range]),
        }
    }
    groups
}

/// Whether only closing and opening quotes, whitespace and comments lie between one literal's
/// content ending at `end` and the next one's starting at `start`.
fn is_adjacent(text: &str, end: usize, start: usize, syntax: Syntax) -> bool {
    let bytes = text.as_bytes();
    let mut i = end;
    while i < start {
        match bytes[i] {
            b'"' | b'\'' => i += 1,
            c if c.is_ascii_whitespace() => i += 1,
            b'#' => match skip_quoted_or_comment(bytes, i, start, syntax) {
                Some(next) => i = next,
                None => return false,
            },
            _ => return false,
        }
    }
    true
}

/// The SQL rules run over the string made of the literal `pieces` (content ranges of `text`),
/// with each hazard's span mapped back into `text`.
pub(super) fn sql_hazards_joined(path: &str, text: &str, pieces: &[(usize, usize)]) -> Vec<Hazard> {
    let mut joined = String::new();
    // Where each piece starts in `joined`, beside its range in `text`.
    let mut starts = Vec::with_capacity(pieces.len());
    for &(start, end) in pieces {
        starts.push((joined.len(), start, end));
        joined.push_str(&text[start..end]);
    }
    let to_text = |offset: usize, is_end: bool| {
        let index = starts
            .iter()
            .rposition(|&(at, _, _)| at < offset || (!is_end && at == offset))
            .unwrap_or(0);
        let (at, start, end) = starts.get(index).copied().unwrap_or((0, 0, 0));
        (start + offset - at).min(end)
    };
    sql::check(&joined)
        .hazards
        .into_iter()
        .map(|h| Hazard {
            kind: h.kind,
            location: span(path, text, to_text(h.start, false), to_text(h.end, true)),
            message: h.message,
            reviewed: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_literals_join_and_listed_ones_do_not() {
        let text = "(\"a \"\n  # why\n  'b', \"c\" + \"d\")";
        let groups: Vec<Vec<&str>> = joined_literals(text, Syntax::Python)
            .into_iter()
            .map(|g| g.into_iter().map(|(s, e)| &text[s..e]).collect())
            .collect();
        assert_eq!(groups, [vec!["a ", "b"], vec!["c"], vec!["d"]]);
        assert_eq!(joined_literals("'a' 'b'", Syntax::Ruby).len(), 2);
    }

    #[test]
    fn spans_map_back_to_each_piece() {
        let text = "x = (\"ALTER TABLE t \"\n     \"RENAME TO u\")";
        let groups = joined_literals(text, Syntax::Python);
        let hazards = sql_hazards_joined("m.py", text, &groups[0]);
        assert_eq!(hazards.len(), 1);
        let l = &hazards[0].location;
        assert_eq!((l.line, l.column, l.end_line, l.end_column), (2, 7, 2, 18));
        assert_eq!(hazards[0].message, "renames table t");
    }
}
