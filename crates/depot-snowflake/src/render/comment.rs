//! Comments (SPEC §1b: a `description` becomes the comment of what it describes): `COMMENT ON
//! SCHEMA | TABLE | VIEW ... IS '...'` sets one, Snowflake's `UNSET COMMENT` removes one; a
//! column's is set by `ALTER TABLE ... ALTER COLUMN ... COMMENT '...'` and removed by `...
//! UNSET COMMENT` of the same clause. Indexes and constraints
//! other than keys have no Snowflake object to carry a comment (Snowflake creates no index and
//! no CHECK), so their comments are recorded in a note.
//!
//! Every comment step runs in the create-views phase, once the table, column or view exists;
//! setting a comment twice leaves the same comment, so the step is safe to run again.

use depot_core::comment::CommentTarget;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::phase;

use super::Renderer;
use crate::literal::quote;

impl Renderer<'_> {
    /// The step that sets (`Some`) or removes (`None`) the comment of `target`.
    pub(super) fn comment(
        &self,
        target: &CommentTarget,
        comment: Option<&str>,
    ) -> Result<StepDraft, RenderError> {
        let (kind, name) = match target {
            CommentTarget::Namespace { namespace } => ("SCHEMA", self.id(namespace)?),
            CommentTarget::Table { object } => ("TABLE", self.table(&object.physical)?),
            CommentTarget::View { view } => ("VIEW", self.table(&view.physical)?),
            CommentTarget::MaterializedView { view } => {
                ("MATERIALIZED VIEW", self.table(&view.physical)?)
            }
            CommentTarget::Column { object, column } => (
                "COLUMN",
                format!(
                    "{} ALTER COLUMN {}",
                    self.table(&object.physical)?,
                    self.id(&column.physical)?
                ),
            ),
            CommentTarget::Index { object, index } => {
                return Ok(self.note(
                    phase::CREATE_VIEWS,
                    format!(
                        "the comment of index {} of {} is recorded only: Snowflake creates no \
                         secondary index to carry it",
                        index.physical,
                        self.table(&object.physical)?
                    ),
                    format!(
                        "record the description of {}.{} (not created on Snowflake)",
                        object.logical, index.logical
                    ),
                ));
            }
            CommentTarget::Constraint { object, constraint } => {
                return Ok(self.note(
                    phase::CREATE_VIEWS,
                    format!(
                        "the comment of constraint {} of {} is recorded only: Snowflake keeps \
                         no comment on a constraint",
                        constraint.physical,
                        self.table(&object.physical)?
                    ),
                    format!(
                        "record the description of {}.{} (not created on Snowflake)",
                        object.logical, constraint.logical
                    ),
                ));
            }
        };
        let described = target.logical();
        Ok(match comment {
            // A column's comment is set and removed by ALTER COLUMN, both forms Snowflake's
            // ALTER TABLE ... ALTER COLUMN documents.
            Some(text) if matches!(target, CommentTarget::Column { .. }) => self.step(
                phase::CREATE_VIEWS,
                format!("ALTER TABLE {name} COMMENT {}", quote(text)),
                format!("set the comment of {described} to its description"),
            ),
            Some(text) => self.step(
                phase::CREATE_VIEWS,
                format!("COMMENT ON {kind} {name} IS {}", quote(text)),
                format!("set the comment of {described} to its description"),
            ),
            None => {
                let sql = match target {
                    CommentTarget::Column { object, column } => format!(
                        "ALTER TABLE {} ALTER COLUMN {} UNSET COMMENT",
                        self.table(&object.physical)?,
                        self.id(&column.physical)?
                    ),
                    CommentTarget::Namespace { .. }
                    | CommentTarget::Table { .. }
                    | CommentTarget::View { .. }
                    | CommentTarget::MaterializedView { .. }
                    | CommentTarget::Index { .. }
                    | CommentTarget::Constraint { .. } => {
                        format!("ALTER {kind} {name} UNSET COMMENT")
                    }
                };
                self.step(
                    phase::CREATE_VIEWS,
                    sql,
                    format!("remove the comment of {described}: it no longer has a description"),
                )
            }
        })
    }
}
