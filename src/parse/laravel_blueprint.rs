//! The statements of a Laravel migration on a table's Blueprint: inside the closure of
//! `Schema::table('t', function (Blueprint $table) { ... })`, each statement on the closure's
//! parameter (`$table->string('code')->nullable();`) is read to its `;` as a chain of calls and
//! judged by its first method and the methods chained after it. See [`super::laravel_ops`].

use super::brace_statements::{find_in_code, semicolon_end};
use super::calls::{Syntax, call_end, floor_boundary, inner_end, literal_ranges, name_of};
use super::hazards::{Hazard, HazardKind, span};

const PHP: Syntax = Syntax::Php;

/// Blueprint methods that add a column (lower case: PHP method names ignore case). Those
/// that add nullable columns (`timestamps`, `softDeletes`, `nullableMorphs`...) and the
/// auto-incrementing ones, which fill themselves, are left out.
const COLUMN_TYPES: &[&str] = &[
    "biginteger",
    "binary",
    "boolean",
    "char",
    "date",
    "datetime",
    "datetimetz",
    "decimal",
    "double",
    "enum",
    "float",
    "foreignid",
    "foreignidfor",
    "foreignulid",
    "foreignuuid",
    "geography",
    "geometry",
    "integer",
    "ipaddress",
    "json",
    "jsonb",
    "longtext",
    "macaddress",
    "mediuminteger",
    "mediumtext",
    "morphs",
    "set",
    "smallinteger",
    "string",
    "text",
    "time",
    "timestamp",
    "timestamptz",
    "timetz",
    "tinyinteger",
    "tinytext",
    "ulid",
    "ulidmorphs",
    "unsignedbiginteger",
    "unsigneddecimal",
    "unsignedinteger",
    "unsignedmediuminteger",
    "unsignedsmallinteger",
    "unsignedtinyinteger",
    "uuid",
    "uuidmorphs",
    "vector",
    "year",
];

/// Blueprint methods, first or chained, that build an index.
const INDEXES: &[&str] = &[
    "index",
    "unique",
    "primary",
    "fulltext",
    "spatialindex",
    "rawindex",
];

/// Methods chained on a new column that give existing rows a value.
const FILLS_ROWS: &[&str] = &[
    "default",
    "usecurrent",
    "storedas",
    "virtualas",
    "generatedas",
    "autoincrement",
];

/// One call of a chain: its method name in lower case and the range inside its parentheses.
pub(super) struct Link {
    pub name: String,
    pub arguments: (usize, usize),
}

pub(super) fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The identifier starting at `at`.
pub(super) fn identifier_at(text: &str, at: usize) -> &str {
    let end = text.as_bytes()[at.min(text.len())..]
        .iter()
        .position(|&b| !is_identifier_byte(b))
        .map_or(text.len(), |n| at + n);
    &text[at.min(end)..end]
}

pub(super) fn skip_blank(text: &str, mut i: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    while i < to && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The calls chained with `->` from `at` (`->string('code')->nullable()`), up to `to`.
pub(super) fn chain(text: &str, mut at: usize, to: usize) -> Vec<Link> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    loop {
        at = skip_blank(text, at, to);
        if !text[at..to].starts_with("->") {
            return out;
        }
        let start = skip_blank(text, at + 2, to);
        let name = identifier_at(text, start);
        let after = skip_blank(text, start + name.len(), to);
        if name.is_empty() {
            return out;
        }
        let arguments = if bytes.get(after) == Some(&b'(') && after < to {
            let close = floor_boundary(text, call_end(bytes, after, PHP).min(to));
            at = close;
            (after + 1, inner_end(text, close).max(after + 1))
        } else {
            at = after;
            (after, after)
        };
        out.push(Link {
            name: name.to_ascii_lowercase(),
            arguments,
        });
    }
}

/// The name a table or column argument gives: its string literal, else the argument as
/// written (`$tableName`).
pub(super) fn name_in(argument: &str) -> String {
    let name = name_of(argument, PHP);
    if name.is_empty() {
        argument.trim().chars().take(60).collect()
    } else {
        name
    }
}

/// The string literals of the range `text[from..to]`.
pub(super) fn literals(text: &str, (from, to): (usize, usize)) -> Vec<&str> {
    let inside = &text[from..to];
    literal_ranges(inside, PHP)
        .into_iter()
        .map(|(s, e)| &inside[s..e])
        .collect()
}

/// `t.a` for one column, `t.a, t.b` for several.
pub(super) fn columns_of(table: &str, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("{table}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The hazards of one Blueprint statement on an existing table: `$table` starts at `at` and
/// the statement's chain at `from`.
fn blueprint_hazards(
    path: &str,
    text: &str,
    (at, from, end): (usize, usize, usize),
    table: &str,
    out: &mut Vec<Hazard>,
) {
    let links = chain(text, from, end);
    let Some(first) = links.first() else {
        return;
    };
    let chained = |name: &str| links[1..].iter().any(|l| l.name == name);
    let names = literals(text, first.arguments);
    let column = names.first().copied().unwrap_or("");
    let mut hazard = |kind, message: String| {
        out.push(Hazard {
            kind,
            location: span(path, text, at, end),
            message,
            reviewed: false,
        })
    };
    let method = first.name.as_str();
    let is_column = COLUMN_TYPES.contains(&method);
    match method {
        "dropcolumn" => {
            let s = if names.len() == 1 { "" } else { "s" };
            hazard(
                HazardKind::Destructive,
                format!("drops column{s} {}", columns_of(table, &names)),
            );
        }
        "droptimestamps" | "droptimestampstz" => hazard(
            HazardKind::Destructive,
            format!("drops columns {table}.created_at and {table}.updated_at"),
        ),
        "dropsoftdeletes" | "dropsoftdeletestz" => hazard(
            HazardKind::Destructive,
            format!(
                "drops column {table}.{}",
                names.first().copied().unwrap_or("deleted_at")
            ),
        ),
        "dropremembertoken" => hazard(
            HazardKind::Destructive,
            format!("drops column {table}.remember_token"),
        ),
        "dropmorphs" => hazard(
            HazardKind::Destructive,
            format!("drops columns {table}.{column}_type and {table}.{column}_id"),
        ),
        "dropconstrainedforeignid" => hazard(
            HazardKind::Destructive,
            format!("drops column {table}.{column}"),
        ),
        "renamecolumn" => hazard(
            HazardKind::Destructive,
            format!(
                "renames column {table}.{column} to {}",
                names.get(1).copied().unwrap_or("")
            ),
        ),
        "rename" => hazard(
            HazardKind::Destructive,
            format!("renames table {table} to {column}"),
        ),
        "drop" | "dropifexists" => {
            hazard(HazardKind::Destructive, format!("drops table {table}"));
        }
        _ if is_column && chained("change") => hazard(
            HazardKind::Destructive,
            format!(
                "changes column {table}.{column} to {}, which may rewrite the table",
                links[0].name
            ),
        ),
        _ => {}
    }
    if chained("change") {
        return;
    }
    let nullable = links[1..]
        .iter()
        .any(|l| l.name == "nullable" && text[l.arguments.0..l.arguments.1].trim() != "false");
    let fills_rows = FILLS_ROWS.iter().any(|f| chained(f));
    if is_column && !nullable && !fills_rows {
        let message = if method.ends_with("morphs") {
            format!(
                "adds NOT NULL columns {table}.{column}_type and {table}.{column}_id without a \
                 default"
            )
        } else {
            format!("adds NOT NULL column {table}.{column} without a default")
        };
        hazard(HazardKind::NotNullWithoutDefault, message);
    }
    let indexed = INDEXES.contains(&method)
        || links[1..]
            .iter()
            .any(|l| INDEXES.contains(&l.name.as_str()))
        || method.ends_with("morphs");
    if indexed {
        hazard(
            HazardKind::IndexLocksWrites,
            format!("builds an index on {table} without CONCURRENTLY, blocking writes"),
        );
    }
    if method == "foreign" || chained("constrained") {
        hazard(
            HazardKind::ValidatingConstraint,
            format!("adds a foreign key to {table}, validated under lock"),
        );
    }
}

/// The hazards of the Blueprint statements of a `Schema::table` closure, `text[from..to]`, on
/// the existing table `table`.
pub(super) fn closure_hazards(
    path: &str,
    text: &str,
    (from, to): (usize, usize),
    table: &str,
) -> Vec<Hazard> {
    let mut out = Vec::new();
    // The closure's parameter: `function (Blueprint $table)`, `fn ($t) =>`.
    let Some(dollar) = text[from..to].find('$').map(|d| from + d) else {
        return out;
    };
    let parameter = &text[dollar..dollar + 1 + identifier_at(text, dollar + 1).len()];
    if parameter.len() < 2 {
        return out;
    }
    let needle = format!("{parameter}->");
    let mut read_to = 0;
    for (at, _) in find_in_code(text, (from, to), &[&needle], PHP) {
        let preceded = at > 0 && is_identifier_byte(text.as_bytes()[at - 1]);
        if at < read_to || preceded {
            continue;
        }
        let end = semicolon_end(text, at, to, PHP);
        read_to = end.max(at + needle.len());
        blueprint_hazards(path, text, (at, at + parameter.len(), end), table, &mut out);
    }
    out
}
