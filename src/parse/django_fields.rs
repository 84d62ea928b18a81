//! The fields of a Django app's models as its migrations build them up, so that an
//! `AlterField` can be compared with what the field was before it.
//!
//! Migrations of one app run in file order (`0001_...`, `0002_...`); each `CreateModel`,
//! `AddField`, `AlterField`, `RemoveField`, `RenameField` and `RenameModel` read brings the
//! record up to date. Models are keyed in lower case, as `model_name=` writes them.

use std::collections::BTreeMap;

use super::calls::{Syntax, keyword, name_of, top_level_split};

/// What a field is: the parts of its definition that decide the column and its index.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Field {
    /// The field class (`CharField`), which decides the column type.
    pub class: String,
    pub null: bool,
    /// `db_index=True`, `unique=True`, or a `ForeignKey` / `OneToOneField` (indexed unless
    /// `db_index=False`).
    pub indexed: bool,
    /// A `ForeignKey` or `OneToOneField` whose constraint Django creates (no
    /// `db_constraint=False`).
    pub foreign_key: bool,
    /// Whether Django has a value to fill existing rows with when it adds the column (see
    /// [`Field::fills_existing_rows`]); `None` when that depends on a class not known here.
    pub fills_existing_rows: Option<bool>,
}

impl Field {
    /// The field defined by an expression such as `models.CharField(max_length=20)`.
    pub fn of(expression: &str) -> Self {
        let value = |name| keyword(expression, name, Syntax::Python);
        let flag = |name| value(name).as_deref() == Some("True");
        let class = field_class(expression);
        let relation = matches!(class.as_str(), "ForeignKey" | "OneToOneField");
        let indexed = flag("db_index")
            || flag("unique")
            || (relation && value("db_index").as_deref() != Some("False"));
        let default = value("default");
        let has_default = default.is_some()
            || value("db_default").is_some()
            || flag("auto_now")
            || flag("auto_now_add");
        // `default=None` is a default whose value is None: it takes the place of the empty
        // string and the current time, and the column is added without a DEFAULT.
        let fills_existing_rows = if default.as_deref() == Some("None") {
            Some(value("db_default").is_some())
        } else if has_default {
            Some(true)
        } else if flag("blank") {
            column_type(&class).map(|_| allows_empty_strings(&class))
        } else {
            Some(false)
        };
        Self {
            null: flag("null"),
            indexed,
            foreign_key: relation && value("db_constraint").as_deref() != Some("False"),
            fills_existing_rows,
            class,
        }
    }
}

/// Whether Django stores an empty string for a blank value of `class`, a known class.
///
/// When it adds a column, Django's schema editor fills the existing rows with the field's
/// effective default: its `default` (or `db_default`), else, for a field that is neither
/// `null` nor required (`blank=True`) and whose class allows empty strings, the empty string
/// (empty bytes for `BinaryField`), else the current time for `auto_now` and
/// `auto_now_add`, else nothing. A string field without `blank=True` has no effective default.
/// An explicit `default=None` is checked first: the effective default is then None, and the
/// column is added with no DEFAULT whatever `blank` and `auto_now` say.
fn allows_empty_strings(class: &str) -> bool {
    matches!(column_type(class), Some("varchar" | "text" | "bytea"))
}

/// The PostgreSQL column type Django gives a field of `class`, for the classes Django ships;
/// `None` for any other class (a subclass, a third-party field, a relation whose type is that
/// of the key it points at).
pub(super) fn column_type(class: &str) -> Option<&'static str> {
    Some(match class {
        "CharField" | "SlugField" | "EmailField" | "URLField" | "FilePathField" | "FileField"
        | "ImageField" => "varchar",
        "TextField" => "text",
        "BinaryField" => "bytea",
        "SmallIntegerField" | "PositiveSmallIntegerField" | "SmallAutoField" => "smallint",
        "IntegerField" | "PositiveIntegerField" | "AutoField" => "integer",
        "BigIntegerField" | "PositiveBigIntegerField" | "BigAutoField" => "bigint",
        "BooleanField" | "NullBooleanField" => "boolean",
        "DateField" => "date",
        "DateTimeField" => "timestamp with time zone",
        "TimeField" => "time",
        "DurationField" => "interval",
        "DecimalField" => "numeric",
        "FloatField" => "double precision",
        "UUIDField" => "uuid",
        "JSONField" => "jsonb",
        "GenericIPAddressField" | "IPAddressField" => "inet",
        _ => return None,
    })
}

/// Whether changing a column from type `before` to type `after` makes PostgreSQL rewrite or
/// scan the table. `varchar` to `text` is binary-compatible and changes only the catalog.
pub(super) fn is_column_type_change(before: &str, after: &str) -> bool {
    before != after && !(before == "varchar" && after == "text")
}

/// Whether `class` keeps values non-negative with a CHECK constraint Django adds.
pub(super) fn is_positive_integer(class: &str) -> bool {
    class.starts_with("Positive")
}

/// The class named by a call expression: `models.CharField(...)` gives `CharField`.
pub(super) fn field_class(expression: &str) -> String {
    let callee = expression.split('(').next().unwrap_or("").trim();
    callee.rsplit('.').next().unwrap_or("").to_string()
}

/// The fields of one app's models, keyed by lower-case model name and field name, as the
/// migrations read so far leave them.
#[derive(Debug, Default)]
pub struct Fields(BTreeMap<(String, String), Field>);

impl Fields {
    pub(super) fn get(&self, model: &str, field: &str) -> Option<&Field> {
        self.0.get(&(model.to_string(), field.to_string()))
    }

    pub(super) fn insert(&mut self, model: &str, field: &str, definition: Field) {
        self.0
            .insert((model.to_string(), field.to_string()), definition);
    }

    pub(super) fn remove(&mut self, model: &str, field: &str) {
        self.0.remove(&(model.to_string(), field.to_string()));
    }

    /// Records the fields of `CreateModel(fields=[("name", models.X(...)), ...])`.
    pub(super) fn define_model(&mut self, model: &str, list: &str) {
        let inner = list.trim().trim_start_matches('[').trim_end_matches(']');
        for pair in top_level_split(inner, 0, inner.len(), Syntax::Python) {
            let Some(pair) = pair.strip_prefix('(').and_then(|p| p.strip_suffix(')')) else {
                continue;
            };
            let parts = top_level_split(pair, 0, pair.len(), Syntax::Python);
            if let (Some(name), Some(expression)) = (parts.first(), parts.get(1)) {
                self.insert(model, &name_of(name, Syntax::Python), Field::of(expression));
            }
        }
    }

    pub(super) fn rename_field(&mut self, model: &str, old: &str, new: &str) {
        if let Some(field) = self.0.remove(&(model.to_string(), old.to_string())) {
            self.insert(model, new, field);
        }
    }

    pub(super) fn rename_model(&mut self, old: &str, new: &str) {
        let moved: Vec<(String, String)> =
            self.0.keys().filter(|(m, _)| m == old).cloned().collect();
        for key in moved {
            if let Some(field) = self.0.remove(&key) {
                self.0.insert((new.to_string(), key.1), field);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_creates_and_renames() {
        let mut fields = Fields::default();
        fields.define_model(
            "order",
            "[('id', models.AutoField(primary_key=True)), ('customer', models.ForeignKey(on_delete=models.CASCADE, to='shop.customer'))]",
        );
        assert!(
            fields
                .get("order", "customer")
                .is_some_and(|f| f.indexed && !f.null)
        );
        fields.rename_field("order", "customer", "client");
        fields.rename_model("order", "purchase");
        assert_eq!(
            fields.get("purchase", "client").map(|f| f.class.as_str()),
            Some("ForeignKey")
        );
        assert!(fields.get("order", "id").is_none());
        let unindexed = Field::of("models.ForeignKey(to='x', db_index=False, null=True)");
        assert!(!unindexed.indexed && unindexed.null && unindexed.foreign_key);
    }

    #[test]
    fn blank_string_fields_fill_existing_rows_with_the_empty_string() {
        let fills = |e| Field::of(e).fills_existing_rows;
        assert_eq!(
            fills("models.CharField(max_length=9, blank=True)"),
            Some(true)
        );
        assert_eq!(fills("models.TextField(blank=True)"), Some(true));
        assert_eq!(fills("models.TextField()"), Some(false));
        assert_eq!(fills("models.IntegerField(blank=True)"), Some(false));
        assert_eq!(fills("models.DateTimeField(auto_now_add=True)"), Some(true));
        assert_eq!(fills("fields.CountryField(blank=True)"), None);
        assert_eq!(fills("fields.CountryField()"), Some(false));
    }

    #[test]
    fn default_none_fills_nothing() {
        let fills = |e| Field::of(e).fills_existing_rows;
        assert_eq!(fills("models.IntegerField(default=None)"), Some(false));
        assert_eq!(
            fills("models.CharField(max_length=9, blank=True, default=None)"),
            Some(false)
        );
        assert_eq!(
            fills("models.DateTimeField(auto_now_add=True, default=None)"),
            Some(false)
        );
        assert_eq!(
            fills("models.IntegerField(default=None, db_default=0)"),
            Some(true)
        );
        assert_eq!(fills("models.IntegerField(default=0)"), Some(true));
    }

    #[test]
    fn column_types_decide_a_type_change() {
        let change = |a, b| {
            is_column_type_change(column_type(a).unwrap_or(""), column_type(b).unwrap_or(""))
        };
        assert!(!change("CharField", "TextField"));
        assert!(!change("IntegerField", "PositiveIntegerField"));
        assert!(!change("IPAddressField", "GenericIPAddressField"));
        assert!(!change("URLField", "CharField"));
        assert!(change("TextField", "CharField"));
        assert!(change("IntegerField", "BigIntegerField"));
    }
}
