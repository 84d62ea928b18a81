//! Which carried name or untrusted context an expression reads, and the origin it carries:
//! names are matched as whole context paths, only in the parts of the expression that can
//! become its value, with an index by a fixed name read as a property.

use std::rc::Rc;

use super::{Carried, Origin};
use crate::findings::YamlFile;
use crate::findings::expression::reaching;
use crate::findings::template_injection::{expressions, expressions_in, untrusted_context};
use crate::parse::yaml::Node;

/// Where the first untrusted text expanded anywhere in `node` came from.
pub(crate) fn origin_in(node: &Node, file: &YamlFile, carried: &Carried) -> Option<Rc<Origin>> {
    // A scalar on one line is read from its own text rather than its whole line: a flow
    // mapping can put thousands of values on one line of megabytes.
    if let (Some(text), true) = (node.as_str(), node.span.line == node.span.end_line) {
        let line = node.span.line;
        return expressions_in(text)
            .find_map(|expression| origin_of(expression, || line, file.path, carried));
    }
    expressions(node, file)
        .find_map(|(line, _, expression)| origin_of(expression, || line, file.path, carried))
}

/// Where the untrusted text an expression can expand to came from: the expression itself, at
/// `line()` of the file at `path`, when it names an untrusted context, or the origin of the
/// carried name it reads.
pub(crate) fn origin_of(
    expression: &str,
    line: impl FnOnce() -> usize,
    path: &str,
    carried: &Carried,
) -> Option<Rc<Origin>> {
    if let Some(context) = untrusted_context(expression) {
        return Some(Rc::new(Origin {
            context: context.to_string(),
            path: path.to_string(),
            line: line(),
            through: None,
        }));
    }
    carried_in(expression, carried).map(|(_, _, origin)| origin.clone())
}

/// The carried name an expression reads, as written in it, with its entry. Only the parts of
/// the expression that can reach its value count ([`reaching`]), and an index by a fixed
/// name reads as a property (`outputs['tag']` as `outputs.tag`).
pub(crate) fn carried_in<'e, 'c>(
    expression: &'e str,
    carried: &'c [(String, Rc<Origin>)],
) -> Option<(&'e str, &'c str, &'c Rc<Origin>)> {
    if carried.is_empty() {
        return None;
    }
    reaching(expression).into_iter().find_map(|part| {
        let (path, from) = as_properties(part);
        carried.iter().find_map(|(name, origin)| {
            let start = mention(&path, name)?;
            let start = from.as_ref().map_or(start, |from| from[start]);
            let length = part[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || "._-*[]'\"".contains(c)))
                .unwrap_or(part.len() - start);
            Some((&part[start..start + length], name.as_str(), origin))
        })
    })
}

/// `part` lower-cased, with each index by a fixed name (`['tag']`, `["tag"]`) written as a
/// property (`.tag`); and when an index was rewritten, the byte of `part` each byte of the
/// result comes from.
fn as_properties(part: &str) -> (String, Option<Vec<usize>>) {
    if !part.contains('[') {
        return (part.to_ascii_lowercase(), None);
    }
    let bytes = part.as_bytes();
    let mut text = Vec::with_capacity(part.len());
    let mut from = Vec::with_capacity(part.len());
    let mut at = 0;
    while at < bytes.len() {
        if let Some(length) = fixed_index(&bytes[at..]) {
            text.push(b'.');
            from.push(at);
            for (i, b) in bytes.iter().enumerate().skip(at + 2).take(length) {
                text.push(b.to_ascii_lowercase());
                from.push(i);
            }
            at += length + 4;
        } else {
            text.push(bytes[at].to_ascii_lowercase());
            from.push(at);
            at += 1;
        }
    }
    // Only ASCII bytes were changed, so the text is still UTF-8.
    (String::from_utf8(text).unwrap_or_default(), Some(from))
}

/// The length of the name in an index by a fixed name at the start of `bytes` (`['tag']`).
fn fixed_index(bytes: &[u8]) -> Option<usize> {
    let [b'[', quote @ (b'\'' | b'"'), rest @ ..] = bytes else {
        return None;
    };
    let length = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
        .count();
    let closed = rest.get(length) == Some(quote) && rest.get(length + 1) == Some(&b']');
    (length > 0 && closed).then_some(length)
}

/// Where `name` occurs in `expression` as a whole context path: not inside a longer
/// identifier, and followed by a property access or nothing of its own.
fn mention(expression: &str, name: &str) -> Option<usize> {
    let identifier = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let bytes = expression.as_bytes();
    expression.match_indices(name).find_map(|(start, _)| {
        let end = start + name.len();
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(end).copied();
        let clean_start = !before.is_some_and(|b| identifier(b) || b == b'.');
        let clean_end = !after.is_some_and(identifier);
        (clean_start && clean_end).then_some(start)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Rc<Origin> {
        Rc::new(Origin {
            context: "github.event.label.name".into(),
            path: "a.yml".into(),
            line: 3,
            through: None,
        })
    }

    #[test]
    fn names_are_matched_as_whole_paths() {
        let carried = vec![("inputs.version".to_string(), origin())];
        let found = carried_in("${{ inputs.version }}", &carried).map(|(shown, _, _)| shown);
        assert_eq!(found, Some("inputs.version"));
        assert!(carried_in("${{ inputs.version_number }}", &carried).is_none());
        assert!(carried_in("${{ xinputs.version }}", &carried).is_none());
        assert!(carried_in("${{ inputs.version == '1' }}", &carried).is_none());
        let matrix = vec![("matrix".to_string(), origin())];
        let found = carried_in("${{ fromJSON(matrix.Version) }}", &matrix).map(|(s, _, _)| s);
        assert_eq!(found, Some("matrix.Version"));
    }

    #[test]
    fn an_index_by_a_fixed_name_reads_as_a_property() {
        let carried = vec![("steps.meta.outputs.tag-name".to_string(), origin())];
        for (expression, shown) in [
            (
                "${{ steps.meta.outputs['tag-name'] }}",
                "steps.meta.outputs['tag-name']",
            ),
            (
                "${{ steps.Meta.outputs[\"Tag-Name\"] }}",
                "steps.Meta.outputs[\"Tag-Name\"]",
            ),
            (
                "${{ steps['meta'].outputs['tag-name'] || 'x' }}",
                "steps['meta'].outputs['tag-name']",
            ),
        ] {
            let found = carried_in(expression, &carried).map(|(s, _, _)| s);
            assert_eq!(found, Some(shown), "{expression}");
        }
        assert!(carried_in("${{ steps.meta.outputs['tag'] }}", &carried).is_none());
        assert!(carried_in("${{ steps.meta.outputs['tag-name-2'] }}", &carried).is_none());
        let any = vec![("steps.meta.outputs".to_string(), origin())];
        let found = carried_in("${{ steps.meta.outputs[matrix.key] }}", &any).map(|(s, _, _)| s);
        assert_eq!(found, Some("steps.meta.outputs[matrix.key]"));
    }
}
