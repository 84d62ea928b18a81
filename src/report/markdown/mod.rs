//! The full Markdown report, structured like a consultant's assessment: executive summary,
//! key findings, inventory, one section per category, gap analysis, recommendations, roadmap,
//! gates and success criteria, risks, conclusion, and every practice in an appendix.

mod findings;
mod plan;
mod sections;

use crate::assessment::model::Assessment;

pub fn render(a: &Assessment) -> String {
    let mut out = String::new();
    sections::title(&mut out, a);
    sections::executive_summary(&mut out, a);
    sections::key_findings(&mut out, a);
    findings::findings(&mut out, a);
    sections::inventory(&mut out, a);
    sections::production_paths(&mut out, a);
    sections::categories(&mut out, a);
    sections::gap_analysis(&mut out, a);
    plan::recommendations(&mut out, a);
    plan::roadmap(&mut out, a);
    plan::gates(&mut out, a);
    plan::risks(&mut out, a);
    plan::conclusion(&mut out, a);
    sections::appendix(&mut out, a);
    out
}

/// Makes repository text safe inside a table cell: no pipes, no line breaks, no HTML.
/// Inside a code span (`` `…` ``) `<` and `>` are shown as written, so they are escaped only
/// outside one: an entity there would be shown literally.
pub(crate) fn cell(text: &str) -> String {
    let text = text
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ");
    let pieces: Vec<&str> = text.split('`').collect();
    let last = pieces.len() - 1;
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let in_code = i % 2 == 1 && i < last;
            if in_code {
                (*piece).to_string()
            } else {
                piece.replace('<', "&lt;").replace('>', "&gt;")
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Inline code that survives backticks and pipes in the content (inside a GitHub table a
/// `\|` renders as a pipe even within code).
pub(crate) fn code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let clean = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    if clean.contains('`') {
        format!("`` {clean} ``")
    } else {
        format!("`{clean}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_breaks() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(cell("<script>"), "&lt;script&gt;");
        assert_eq!(
            cell("use `USER <name>` not <b>"),
            "use `USER <name>` not &lt;b&gt;"
        );
        assert_eq!(cell("odd ` <x>"), "odd ` &lt;x&gt;");
    }

    #[test]
    fn code_spans() {
        assert_eq!(code("pytest -x"), "`pytest -x`");
        assert_eq!(code("echo `date`"), "`` echo `date` ``");
        assert_eq!(code("a | b"), "`a \\| b`");
    }
}
