//! The operations of a Django migration, as [`super::django_list`] reads them from the
//! `operations` of its `Migration` class: the only part of the file Django runs forward.
//!
//! Arguments are taken by keyword, as `makemigrations` writes them, or by position. Whether
//! an `AlterField` changes a column's type or nullability depends on what the field was
//! before, so the fields of each app are followed through its migrations in file order
//! ([`Fields`]); an `AlterField` on a field not seen before is not judged.
//!
//! Django's `default=` is not a database default: Django fills existing rows with the field's
//! effective default while migrating and then drops it (see [`super::django_fields`]), so only
//! a field without one fails outright on a table with rows.

use std::collections::BTreeSet;

use super::calls::{Syntax, block_after, find_line_start, literal_ranges, name_of};
pub use super::django_fields::Fields;
use super::django_fields::{
    Field, column_type, field_class, is_column_type_change, is_positive_integer,
};
use super::django_list::{Operation, offset_in, operation_list};
use super::hazards::{Hazard, HazardKind, span};
use super::migrations::Reversibility;
use super::sql::MAX_HAZARDS;
use super::sql_literals::{joined_literals, sql_hazards_joined};
use crate::source::Location;

impl Operation<'_> {
    fn name_parameter(&self, name: &str, position: usize) -> String {
        name_of(self.parameter(name, position).unwrap_or(""), Syntax::Python)
    }

    /// The lower-case model an operation works on.
    fn model(&self) -> String {
        let model = match self.name.as_str() {
            "CreateModel" | "DeleteModel" | "AlterUniqueTogether" | "AlterIndexTogether" => {
                self.name_parameter("name", 0)
            }
            "RenameModel" => self.name_parameter("old_name", 0),
            _ => self.name_parameter("model_name", 0),
        };
        model.to_ascii_lowercase()
    }
}

/// The risky operations of one migration; `fields` holds the app's fields as its earlier
/// migrations left them and is brought up to date with this one.
pub fn operations(path: &str, text: &str, fields: &mut Fields) -> Vec<Hazard> {
    hazards_in(path, text, &operation_list(text), fields)
}

/// The operations list of a migration, read once for [`hazards_in`] and [`reversibility_in`].
pub(super) fn operation_list_of(text: &str) -> Vec<Operation<'_>> {
    operation_list(text)
}

/// [`operations`] over a list already read.
pub(super) fn hazards_in(
    path: &str,
    text: &str,
    operations: &[Operation<'_>],
    fields: &mut Fields,
) -> Vec<Hazard> {
    let created: BTreeSet<String> = operations
        .iter()
        .filter(|o| o.name == "CreateModel" && !o.state_only)
        .map(Operation::model)
        .collect();
    let mut out = Vec::new();
    for operation in operations {
        let model = operation.model();
        let is_new = created.contains(&model);
        let field_name = operation.name_parameter("name", 1);
        let mut hazard = |kind, message: String| {
            if operation.state_only || out.len() >= MAX_HAZARDS {
                return;
            }
            out.push(Hazard {
                kind,
                location: span(path, text, operation.start, operation.end),
                message,
                reviewed: false,
            })
        };
        match operation.name.as_str() {
            "CreateModel" => {
                fields.define_model(&model, operation.parameter("fields", 1).unwrap_or(""));
            }
            "RemoveField" => {
                fields.remove(&model, &field_name);
                hazard(
                    HazardKind::Destructive,
                    format!("removes field {model}.{field_name}, dropping its column"),
                );
            }
            "DeleteModel" if !is_new => hazard(
                HazardKind::Destructive,
                format!(
                    "deletes model {}, dropping its table",
                    operation.name_parameter("name", 0)
                ),
            ),
            "RenameField" => {
                let old = operation.name_parameter("old_name", 1);
                let new = operation.name_parameter("new_name", 2);
                fields.rename_field(&model, &old, &new);
                hazard(
                    HazardKind::Destructive,
                    format!("renames field {model}.{old} to {new}, renaming its column"),
                );
            }
            "RenameModel" => {
                let new = operation.name_parameter("new_name", 1).to_ascii_lowercase();
                fields.rename_model(&model, &new);
                hazard(
                    HazardKind::Destructive,
                    format!(
                        "renames model {} to {}, renaming its table",
                        operation.name_parameter("old_name", 0),
                        operation.name_parameter("new_name", 1)
                    ),
                );
            }
            "AddField" => {
                let field = Field::of(operation.parameter("field", 2).unwrap_or(""));
                if !is_new && field.class != "ManyToManyField" {
                    if !field.null && field.fills_existing_rows == Some(false) {
                        hazard(
                            HazardKind::NotNullWithoutDefault,
                            format!(
                                "adds NOT NULL field {model}.{field_name} without a default; \
                                 Django adds the column without one, which fails on a table \
                                 with rows"
                            ),
                        );
                    }
                    if field.indexed {
                        hazard(
                            HazardKind::IndexLocksWrites,
                            format!(
                                "adds indexed field {model}.{field_name}; Django builds its \
                                 index without CONCURRENTLY"
                            ),
                        );
                    }
                    if field.foreign_key {
                        hazard(
                            HazardKind::ValidatingConstraint,
                            foreign_key_message(&model, &field_name),
                        );
                    }
                }
                fields.insert(&model, &field_name, field);
            }
            "AlterField" => {
                let field = Field::of(operation.parameter("field", 2).unwrap_or(""));
                if let (false, Some(before)) = (is_new, fields.get(&model, &field_name)) {
                    let types = (column_type(&before.class), column_type(&field.class));
                    if let (Some(old), Some(new)) = types
                        && is_column_type_change(old, new)
                    {
                        hazard(
                            HazardKind::Destructive,
                            format!(
                                "changes {model}.{field_name} from {} ({old}) to {} ({new}), \
                                 rewriting the table",
                                before.class, field.class
                            ),
                        );
                    }
                    if !is_positive_integer(&before.class) && is_positive_integer(&field.class) {
                        hazard(
                            HazardKind::ValidatingConstraint,
                            format!(
                                "makes {model}.{field_name} a {}, whose CHECK constraint is \
                                 validated under lock",
                                field.class
                            ),
                        );
                    }
                    if before.null && !field.null {
                        hazard(
                            HazardKind::ValidatingConstraint,
                            format!(
                                "makes {model}.{field_name} NOT NULL, scanning the table \
                                 under lock"
                            ),
                        );
                    }
                    if !before.foreign_key && field.foreign_key {
                        hazard(
                            HazardKind::ValidatingConstraint,
                            foreign_key_message(&model, &field_name),
                        );
                    }
                    if !before.indexed && field.indexed {
                        hazard(
                            HazardKind::IndexLocksWrites,
                            format!(
                                "indexes {model}.{field_name}; Django builds the index \
                                 without CONCURRENTLY"
                            ),
                        );
                    }
                }
                fields.insert(&model, &field_name, field);
            }
            "AddIndex" if !is_new => hazard(
                HazardKind::IndexLocksWrites,
                format!(
                    "adds an index to {model} without CONCURRENTLY (use AddIndexConcurrently \
                     from django.contrib.postgres.operations)"
                ),
            ),
            "AlterIndexTogether" | "AlterUniqueTogether" if !is_new => {
                let value = operation.arguments.last().copied().unwrap_or("");
                if !literal_ranges(value, Syntax::Python).is_empty() {
                    hazard(
                        HazardKind::IndexLocksWrites,
                        format!(
                            "{} on {model} builds an index without CONCURRENTLY",
                            operation.name
                        ),
                    );
                }
            }
            "AddConstraint" if !is_new => {
                let constraint = operation.parameter("constraint", 1).unwrap_or("");
                match field_class(constraint).as_str() {
                    "CheckConstraint" => hazard(
                        HazardKind::ValidatingConstraint,
                        format!(
                            "adds a check constraint to {model}, validated under lock (use \
                             AddConstraintNotValid, then ValidateConstraint)"
                        ),
                    ),
                    _ => hazard(
                        HazardKind::IndexLocksWrites,
                        format!(
                            "adds a {} to {model}, building its index under lock",
                            field_class(constraint)
                        ),
                    ),
                }
            }
            "RunSQL" if !operation.state_only => {
                let sql = operation.parameter("sql", 0).unwrap_or("");
                let base = offset_in(text, sql);
                for pieces in joined_literals(sql, Syntax::Python) {
                    if out.len() >= MAX_HAZARDS {
                        break;
                    }
                    let pieces: Vec<(usize, usize)> =
                        pieces.iter().map(|&(s, e)| (base + s, base + e)).collect();
                    out.extend(sql_hazards_joined(path, text, &pieces));
                }
            }
            _ => {}
        }
    }
    out.truncate(MAX_HAZARDS);
    out
}

/// The message for a foreign key Django adds to an existing table.
fn foreign_key_message(model: &str, field: &str) -> String {
    format!(
        "adds a foreign key constraint for {model}.{field}, validated against every row under \
         lock"
    )
}

/// Whether Django can reverse the migration: every `RunPython` needs `reverse_code` and
/// every `RunSQL` needs `reverse_sql` (the other operations reverse themselves).
pub fn reversibility(path: &str, text: &str) -> (Reversibility, Location) {
    reversibility_in(path, text, &operation_list(text))
}

/// [`reversibility`] over a list already read.
pub(super) fn reversibility_in(
    path: &str,
    text: &str,
    operations: &[Operation<'_>],
) -> (Reversibility, Location) {
    for operation in operations.iter().filter(|o| !o.state_only) {
        let (missing, position) = match operation.name.as_str() {
            "RunPython" => ("reverse_code", 1),
            "RunSQL" => ("reverse_sql", 1),
            _ => continue,
        };
        if operation.parameter(missing, position).is_none() {
            return (
                Reversibility::Irreversible(format!("{} without {missing}", operation.name)),
                span(path, text, operation.start, operation.end),
            );
        }
    }
    (Reversibility::Reversible, Location::file(path))
}

/// Whether a migration file declares a Django `Migration` class.
pub fn is_migration(text: &str) -> bool {
    find_line_start(text, |l| l.starts_with("class Migration(")).is_some_and(|at| {
        let (start, end) = block_after(text, at);
        text[start..end].contains("operations")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, fields: &mut Fields) -> Vec<(HazardKind, String)> {
        operations("app/migrations/0002_x.py", text, fields)
            .into_iter()
            .map(|h| (h.kind, h.message))
            .collect()
    }

    fn migration(operations: &str) -> String {
        format!(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = []\n\n    operations = [\n{operations}\n    ]\n"
        )
    }

    #[test]
    fn alter_field_is_judged_against_the_earlier_field() {
        let mut fields = Fields::default();
        let first = migration(
            "        migrations.CreateModel(\n            name='Order',\n            fields=[\n                ('id', models.BigAutoField(primary_key=True)),\n                ('total', models.IntegerField(null=True)),\n            ],\n        ),",
        );
        assert!(kinds(&first, &mut fields).is_empty());
        let second = migration(
            "        migrations.AlterField(\n            model_name='order',\n            name='total',\n            field=models.DecimalField(max_digits=12, decimal_places=2),\n        ),",
        );
        let found = kinds(&second, &mut fields);
        assert_eq!(
            found.iter().map(|f| f.0).collect::<Vec<_>>(),
            [HazardKind::Destructive, HazardKind::ValidatingConstraint]
        );
        assert!(
            found[0]
                .1
                .contains("from IntegerField (integer) to DecimalField (numeric)")
        );
        // The same field altered again without a change is not a hazard.
        assert!(kinds(&second, &mut fields).is_empty());
        // A field never seen is not judged.
        assert!(kinds(&second.replace("'total'", "'other'"), &mut fields).is_empty());
        // A renamed model keeps its fields.
        let renamed = migration(
            "        migrations.RenameModel(old_name='Order', new_name='Purchase'),\n        migrations.AlterField('purchase', 'total', models.BigIntegerField()),",
        );
        let found = kinds(&renamed, &mut fields);
        assert_eq!(found.len(), 2);
        assert!(
            found[1]
                .1
                .contains("from DecimalField (numeric) to BigIntegerField")
        );
        // Classes with the same column type, or unknown ones, change no column type.
        for (class, kinds_found) in [
            (
                "models.PositiveBigIntegerField()",
                vec![HazardKind::ValidatingConstraint],
            ),
            ("models.BigIntegerField()", vec![]),
            ("SanitizedBigIntegerField()", vec![]),
            (
                "models.ForeignKey(on_delete=models.CASCADE, to='x')",
                vec![
                    HazardKind::ValidatingConstraint,
                    HazardKind::IndexLocksWrites,
                ],
            ),
        ] {
            let altered = migration(&format!(
                "        migrations.AlterField('purchase', 'total', {class}),"
            ));
            let found: Vec<_> = kinds(&altered, &mut fields)
                .into_iter()
                .map(|f| f.0)
                .collect();
            assert_eq!(found, kinds_found, "{class}");
        }
    }

    #[test]
    fn added_fields_need_null_or_a_default_and_models_created_here_are_exempt() {
        let mut fields = Fields::default();
        let text = migration(
            "        # a comment before an operation\n        migrations.AddField('order', 'status', models.CharField(max_length=20)),\n        migrations.AddField(model_name='order', name='note', field=models.TextField(default='')),\n        migrations.AddField(model_name='order', name='tags', field=models.ManyToManyField(to='tag')),",
        );
        let found = kinds(&text, &mut fields);
        assert_eq!(
            found.iter().map(|f| f.0).collect::<Vec<_>>(),
            [HazardKind::NotNullWithoutDefault]
        );
        let created = migration(
            "        migrations.CreateModel(name='Order', fields=[('id', models.AutoField(primary_key=True))]),\n        migrations.AddField('order', 'status', models.CharField(max_length=20, db_index=True)),\n        migrations.AddIndex(model_name='order', index=models.Index(fields=['status'], name='i')),",
        );
        assert!(kinds(&created, &mut fields).is_empty());
    }

    #[test]
    fn run_sql_spans_point_into_the_python_file() {
        let text = migration(
            "        migrations.RunSQL(\n            sql='DROP TABLE legacy;',\n            reverse_sql=migrations.RunSQL.noop,\n        ),",
        );
        let found = operations("m.py", &text, &mut Fields::default());
        assert_eq!(found.len(), 1);
        let l = &found[0].location;
        assert_eq!((l.line, l.column, l.end_line, l.end_column), (9, 18, 9, 35));
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "operations = [",
            "operations = [migrations.AddField(",
            "operations = [é(, 'x",
            "operations = [migrations.RunSQL(\"\"\"",
        ] {
            let _ = operations("m.py", text, &mut Fields::default());
        }
        let long = "é".repeat(10_000);
        let text = format!("operations = [migrations.RunSQL('{long}");
        let _ = operations("m.py", &text, &mut Fields::default());
        let _ = reversibility("m.py", &text);
    }
}
