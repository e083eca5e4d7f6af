//! Column attributes written as expressions or needing an engine feature: defaults (literal,
//! portable expression, or the engine's SQL), `autoIncrement`, arrays and computed fields.

use super::*;
use crate::identity::AutoIncrement;
use crate::package::Field;

impl<'p> Resolver<'_, 'p> {
    /// column_expressions fills each column's default and computed expression, in physical
    /// names, and reports the features the engine refuses.
    pub(super) fn column_expressions(
        &mut self,
        name: &'p str,
        object: &'p ObjectSchema,
        columns: &mut [PhysicalColumn],
        scope: &ExpressionScope<'_>,
    ) {
        for column in columns.iter_mut() {
            let Some((field_name, field)) = object.field_entry(&column.logical) else {
                continue;
            };
            let field_at = || Loc::Field(name, field_name).at();
            if field.auto_increment == Some(AutoIncrement::Always) {
                self.refuse_feature(Feature::AutoIncrementAlways, || {
                    field_at().key("autoIncrement")
                });
            }
            if matches!(field.field_type, FieldType::Array { .. }) {
                self.refuse_feature(Feature::Arrays, || field_at().key("type"));
            }
            if let Some(default) = &field.default {
                column.default = self.column_default(name, field_name, default, scope);
            }
            if let Some(sql) = &field.computed {
                column.computed = self.computed(name, field_name, sql, object, scope);
            }
        }
    }

    /// The column default of a field: a literal or portable expression as written, or the
    /// engine's SQL rewritten to physical names (which may read no field: a default is
    /// evaluated before the row exists).
    fn column_default(
        &mut self,
        name: &'p str,
        field_name: &'p str,
        default: &'p FieldDefault,
        scope: &ExpressionScope<'_>,
    ) -> Option<ColumnDefault> {
        let per_engine = match default {
            FieldDefault::Literal(v) => return Some(ColumnDefault::Literal(v.clone())),
            FieldDefault::Expression(e) => return Some(ColumnDefault::Expression(*e)),
            FieldDefault::Sql(per_engine) => per_engine,
        };
        let engine_id = self.dialect.engine();
        let engine = engine_id.as_str();
        let at = Loc::Field(name, field_name).at().key("default").key("sql");
        let Some(sql) = per_engine.get(engine) else {
            self.problems.push(at.problem(
                rules::MISSING_ENGINE_SQL,
                format!(
                    "the default of field `{name}.{field_name}` has no SQL for {engine}: add `default.sql.{engine}`"
                ),
            ));
            return None;
        };
        let at = at.key(engine);
        let what = format!("the default of field `{name}.{field_name}`");
        match rewrite_expression(sql, self.dialect, scope, &what, &at) {
            Ok(rewritten) if rewritten.reads.is_empty() => Some(ColumnDefault::Sql(rewritten.sql)),
            Ok(rewritten) => {
                self.problems.push(at.problem(
                    rules::EXPRESSION_READS,
                    format!(
                        "{what} reads {}: a default cannot read the row's fields; use a computed field instead",
                        list(&rewritten.reads)
                    ),
                ));
                None
            }
            Err(problem) => {
                self.problems.push(problem);
                None
            }
        }
    }

    /// The physical expression of a computed field, which may read the object's other fields
    /// but no computed one (engines do not chain generated columns).
    fn computed(
        &mut self,
        name: &'p str,
        field_name: &'p str,
        sql: &str,
        object: &'p ObjectSchema,
        scope: &ExpressionScope<'_>,
    ) -> Option<String> {
        let at = Loc::Field(name, field_name).at().key("computed");
        self.refuse_feature(Feature::ComputedColumns, || at.clone());
        let what = format!("the computed field `{name}.{field_name}`");
        let rewritten = match rewrite_expression(sql, self.dialect, scope, &what, &at) {
            Ok(rewritten) => rewritten,
            Err(problem) => {
                self.problems.push(problem);
                return None;
            }
        };
        let computed_reads: BTreeSet<String> = rewritten
            .reads
            .iter()
            .filter(|f| object.fields.get(*f).is_some_and(is_computed))
            .cloned()
            .collect();
        if computed_reads.is_empty() {
            Some(rewritten.sql)
        } else {
            self.problems.push(at.problem(
                rules::EXPRESSION_READS,
                format!(
                    "{what} reads the computed {}: a computed field reads only stored fields; write the expression out instead",
                    list(&computed_reads)
                ),
            ));
            None
        }
    }
}

fn is_computed(field: &Field) -> bool {
    field.computed.is_some()
}

/// `a`, `b` as messages list fields.
pub(super) fn list(fields: &BTreeSet<String>) -> String {
    let names: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    let noun = if names.len() == 1 { "field" } else { "fields" };
    format!("{noun} {}", names.join(", "))
}
