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
}

impl Field {
    /// The field defined by an expression such as `models.CharField(max_length=20)`.
    pub fn of(expression: &str) -> Self {
        let flag = |name| keyword(expression, name, Syntax::Python).as_deref() == Some("True");
        let class = field_class(expression);
        let indexed = flag("db_index")
            || flag("unique")
            || (matches!(class.as_str(), "ForeignKey" | "OneToOneField")
                && keyword(expression, "db_index", Syntax::Python).as_deref() != Some("False"));
        Self {
            null: flag("null"),
            indexed,
            class,
        }
    }
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
        assert!(!unindexed.indexed && unindexed.null);
    }
}
