//! The column copy: how a Snowflake column changes where Snowflake cannot alter it in place
//! (another type, or a default on an existing column), by filling a copy and swapping names.

use depot_core::change::Name;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::field_type::{FieldType, TypeChange};
use depot_core::Change;
use depot_core::{phase, Hazard};

use super::Renderer;
use crate::literal::quote;
use crate::sql_type::sql_type;

/// The suffix of the temporary column a column copy fills before the swap.
pub const COPY_SUFFIX: &str = "__DEPOT_COPY";
/// The suffix the original column carries between the swap and its drop.
pub const OLD_SUFFIX: &str = "__DEPOT_OLD";
/// The suffixes of the copy that gives a column a default. A change of type and of default
/// in one version copies the column twice in the same phase, and the first copy's original is
/// dropped only in the contract phase: the second copy needs names of its own.
pub const DEFAULT_COPY_SUFFIX: &str = "__DEPOT_DEFAULT_COPY";
pub const DEFAULT_OLD_SUFFIX: &str = "__DEPOT_DEFAULT_OLD";

/// The (copy, original) suffixes of the column copy of `change`.
pub fn copy_suffixes(change: &Change) -> (&'static str, &'static str) {
    if let Change::SetDefault { .. } = change {
        (DEFAULT_COPY_SUFFIX, DEFAULT_OLD_SUFFIX)
    } else {
        (COPY_SUFFIX, OLD_SUFFIX)
    }
}

impl Renderer<'_> {
    /// column_copy replaces a column by a copy of another type or with a default, in six steps
    /// of one group (they run in order): add the copy column, backfill it, carry NOT NULL over,
    /// swap the names, drop the original. Each step is safe to run twice: the add by
    /// `IF NOT EXISTS`, the backfill by rewriting the same values, NOT NULL by a catalog check
    /// inside its block, the renames by the executor's check, the drop by `IF EXISTS`.
    pub(super) fn column_copy(
        &self,
        object: &Name,
        column: &Name,
        from: &FieldType,
        to: &FieldType,
        default: Option<&str>,
        why: &str,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        let col = self.id(&column.physical)?;
        let (copy_suffix, old_suffix) = copy_suffixes(self.change);
        let copy_name = format!("{}{copy_suffix}", column.physical);
        let old_name = format!("{}{old_suffix}", column.physical);
        let copy = self.id(&copy_name)?;
        let old = self.id(&old_name)?;
        let new_type = sql_type(to);
        let default_sql = default.map(|d| format!(" DEFAULT {d}")).unwrap_or_default();
        let cast = if from == to {
            col.clone()
        } else {
            format!("CAST({col} AS {new_type})")
        };
        // A narrowing cast (`string` -> `integer`, a shorter VARCHAR, less NUMBER precision)
        // fails on a value that does not convert: the backfill is one UPDATE, so it fails whole
        // and changes no row (CAST, never TRY_CAST, which would write NULL instead).
        let narrowing = from.change_to(to) == TypeChange::Narrowing;
        let mut backfill_hazards = vec![Hazard::TableRewrite, Hazard::BlocksWrites];
        let mut backfill_why = String::new();
        if narrowing {
            backfill_hazards.push(Hazard::NarrowsType);
            backfill_why = format!(
                "; a value that does not convert to {new_type} fails this step, which then \
                 changes no row"
            );
        }
        let namespace = quote(self.namespace);
        let table_name = quote(&object.physical);
        let column_name = quote(&column.physical);
        let copy_step =
            |action: &str, sql: String, comment: String, hazards: Vec<Hazard>| StepDraft {
                hazards,
                ..self.step_as(action, phase::ALTER_COLUMNS, sql, comment)
            };
        Ok(vec![
            copy_step(
                "addCopyColumn",
                format!("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {copy} {new_type}{default_sql}"),
                format!("{why}: add the copy column {copy_name}"),
                Vec::new(),
            ),
            copy_step(
                "backfillCopyColumn",
                format!("UPDATE {table} SET {copy} = {cast}"),
                format!(
                    "copy every value of {} into {copy_name}: rewrites the table, and rows \
                     written from now until the swap keep only the default in the copy (stop \
                     writers to {} until this migration ends){backfill_why}",
                    column.physical, object.physical
                ),
                backfill_hazards,
            ),
            copy_step(
                "keepNotNull",
                format!(
                    "EXECUTE IMMEDIATE $$\nBEGIN\n  IF (EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.COLUMNS \
                     WHERE TABLE_SCHEMA = {namespace} AND TABLE_NAME = {table_name} \
                     AND COLUMN_NAME = {column_name} AND IS_NULLABLE = 'NO')) THEN\n    \
                     ALTER TABLE {table} ALTER COLUMN {copy} SET NOT NULL;\n  END IF;\nEND;\n$$"
                ),
                format!(
                    "make {copy_name} NOT NULL when {} is (the copy keeps the column's rules)",
                    column.physical
                ),
                vec![Hazard::ValidatesData],
            ),
            copy_step(
                "swapColumns",
                format!("ALTER TABLE {table} RENAME COLUMN {col} TO {old}"),
                format!(
                    "set the original {} aside as {old_name} (skipped when already done)",
                    column.physical
                ),
                Vec::new(),
            ),
            copy_step(
                "swapColumns",
                format!("ALTER TABLE {table} RENAME COLUMN {copy} TO {col}"),
                format!(
                    "give the copy the name {} (skipped when already done)",
                    column.physical
                ),
                Vec::new(),
            ),
            // In the contract phase, with the other steps that cannot be undone: until then a
            // failed migration can swap the original back (crate::undo).
            StepDraft {
                hazards: vec![Hazard::NotReversible],
                ..self.step_as(
                    "dropOriginalColumn",
                    phase::CONTRACT,
                    format!("ALTER TABLE {table} DROP COLUMN IF EXISTS {old}"),
                    format!(
                        "drop the original column, now {old_name}: its values live on in the \
                         copy, converted (the old form cannot be restored)"
                    ),
                )
            },
        ])
    }
}
