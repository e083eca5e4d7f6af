//! What the old version had, brought back: a column's default, a dropped check or foreign key
//! (validated when the rows allow it), a comment.

use depot_core::change::Name;
use depot_core::comment::CommentTarget;
use depot_core::dialect::RenderError;
use depot_core::undo::Before;

use crate::dialect::quote_ident;
use crate::render::{default_sql, Renderer};

/// `SET DEFAULT` to the old version's default of the column, or `DROP DEFAULT` when it had none.
pub(super) fn restore_default(
    before: &Before<'_>,
    object: &Name,
    column: &Name,
    table: &str,
) -> Result<String, String> {
    let col = quote_ident(&column.physical);
    match before.column(object, column) {
        Some(old_column) => match &old_column.default {
            Some(value) => {
                let value = default_sql(&old_column.field_type, value)
                    .map_err(|why| format!("the old default of {}: {why}", column.logical))?;
                Ok(format!(
                    "ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {value}"
                ))
            }
            None => Ok(format!(
                "ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"
            )),
        },
        None => Ok(format!(
            "ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"
        )),
    }
}

/// The statements that bring back a dropped check or foreign key: added NOT VALID, validated
/// when the rows allow it, its comment set again.
pub(super) fn restore_constraint(
    r: &Renderer<'_>,
    table: &str,
    constraint: &str,
    definition: &str,
    name: &Name,
    object: &Name,
    comment: Option<&str>,
) -> Result<Vec<String>, RenderError> {
    let qualified = r.table(table)?;
    let mut statements = vec![format!(
        "ALTER TABLE {qualified} ADD {definition} NOT VALID"
    )];
    statements.extend(validate_if_rows_allow(&qualified, &r.id(constraint)?));
    if comment.is_some() {
        statements.push(r.comment_sql(
            &CommentTarget::Constraint {
                object: object.clone(),
                constraint: name.clone(),
            },
            comment,
        )?);
    }
    Ok(statements)
}

/// `VALIDATE CONSTRAINT` that leaves the constraint NOT VALID, instead of failing the undo, when
/// a row written while it was dropped breaks it (an undo must not stop half way). None when a
/// name holds the block's quote tag (the constraint then stays NOT VALID).
fn validate_if_rows_allow(table: &str, constraint: &str) -> Option<String> {
    const TAG: &str = "$depot_undo$";
    let validate = format!("ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}");
    if validate.contains(TAG) {
        return None;
    }
    Some(format!(
        "DO {TAG} BEGIN {validate}; EXCEPTION WHEN foreign_key_violation OR check_violation THEN \
         RAISE NOTICE 'left NOT VALID: a row breaks it'; END {TAG}"
    ))
}

/// The comment `target` had in the old version (None: it had none, or did not exist).
pub(super) fn old_comment(before: &Before<'_>, target: &CommentTarget) -> Option<String> {
    match target {
        CommentTarget::Namespace { .. } => before.old?.comment.clone(),
        CommentTarget::Table { object } => before.object(object)?.comment.clone(),
        CommentTarget::View { view } | CommentTarget::MaterializedView { view } => {
            before.view(view)?.comment.clone()
        }
        CommentTarget::Column { object, column } => before.column(object, column)?.comment.clone(),
        CommentTarget::Index { object, index } => before
            .object(object)?
            .indexes
            .iter()
            .find(|i| i.logical == index.logical || i.physical == index.physical)?
            .comment
            .clone(),
        CommentTarget::Constraint { object, constraint } => {
            let old = before.object(object)?;
            let named = |logical: &str, physical: &str| {
                logical == constraint.logical || physical == constraint.physical
            };
            old.checks
                .iter()
                .find(|c| named(&c.logical, &c.physical))
                .map(|c| c.comment.clone())
                .or_else(|| {
                    old.foreign_keys
                        .iter()
                        .find(|k| named(&k.logical, &k.physical))
                        .map(|k| k.comment.clone())
                })?
        }
    }
}
