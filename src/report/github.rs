//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per unsuppressed
//! finding, which GitHub shows as an annotation on the finding's line, and a `::notice` for
//! each file whose findings were not all listed or that was read in part.
//!
//! Repository text reaches these lines (paths, messages), so it is escaped as GitHub's runner
//! unescapes it: `%`, CR and LF everywhere, and also `:` and `,` inside properties, so a path
//! cannot close the property list or inject a second command.

use std::fmt::Write;

use crate::assessment::model::Assessment;
use crate::findings::Severity;

/// Escapes the message part of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(a: &Assessment) -> String {
    let mut out = String::new();
    for finding in a.findings.iter().filter(|f| f.suppressed.is_none()) {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let l = &finding.location;
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&l.path),
            l.line,
            l.column,
            l.end_line,
            l.end_column,
            escape_property(&format!("shipready {}", finding.id)),
            escape_data(&format!("{} (fix: {})", finding.message, finding.help)),
        );
    }
    for part in &a.inventory.read_in_part {
        let _ = writeln!(
            out,
            "::notice file={},title={}::{}",
            escape_property(&part.path),
            escape_property("shipready: read or listed in part"),
            escape_data(&part.reason),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
