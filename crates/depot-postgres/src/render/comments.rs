//! Comments (`description`s): `COMMENT ON ... IS '<text>' | NULL`, a catalog-only step.
//!
//! Every comment is set in the phase that creates views, the last before the contraction: by
//! then every namespace, table, column, index, constraint and view it may describe exists (new
//! views included; the plan orders a comment after the change that creates its target).

use depot_core::comment::CommentTarget;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::phase;

use super::Renderer;
use crate::literal::quote;

impl Renderer<'_> {
    /// `COMMENT ON <kind> <name> IS <text or NULL>` of `target`.
    pub(crate) fn comment_sql(
        &self,
        target: &CommentTarget,
        comment: Option<&str>,
    ) -> Result<String, RenderError> {
        let on = match target {
            CommentTarget::Namespace { namespace } => format!("SCHEMA {}", self.id(namespace)?),
            CommentTarget::Table { object } => format!("TABLE {}", self.table(&object.physical)?),
            CommentTarget::View { view } => format!("VIEW {}", self.table(&view.physical)?),
            CommentTarget::MaterializedView { view } => {
                format!("MATERIALIZED VIEW {}", self.table(&view.physical)?)
            }
            CommentTarget::Column { object, column } => format!(
                "COLUMN {}.{}",
                self.table(&object.physical)?,
                self.id(&column.physical)?
            ),
            // An index lives in its table's namespace.
            CommentTarget::Index { index, .. } => {
                format!("INDEX {}", self.table(&index.physical)?)
            }
            CommentTarget::Constraint { object, constraint } => format!(
                "CONSTRAINT {} ON {}",
                self.id(&constraint.physical)?,
                self.table(&object.physical)?
            ),
        };
        let text = match comment {
            Some(text) => quote(text).map_err(|m| self.error(m))?,
            None => "NULL".to_string(),
        };
        Ok(format!("COMMENT ON {on} IS {text}"))
    }

    pub(super) fn set_comment(
        &self,
        target: &CommentTarget,
        comment: Option<&str>,
    ) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::CREATE_VIEWS,
            self.comment_sql(target, comment)?,
            match comment {
                Some(_) => format!(
                    "describe {} (its description changed; catalog only)",
                    target.logical()
                ),
                None => format!(
                    "remove the comment of {} (it no longer has a description)",
                    target.logical()
                ),
            },
        )])
    }
}
