//! Notes: steps that only inform (their statement is a SQL comment, shown in the plan and its
//! preview, never sent to Snowflake), for what Snowflake does not have: enum types, checks.

use depot_core::change::Name;
use depot_core::constraint::PhysicalCheck;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::{phase, Change};

use super::Renderer;

impl Renderer<'_> {
    /// A step that only informs: its statement is a SQL comment, shown in the plan and its
    /// preview, never sent to Snowflake.
    pub(super) fn note(&self, phase: u32, note: String, comment: String) -> StepDraft {
        self.step(phase, format!("-- {}", one_line(&note)), one_line(&comment))
    }

    /// Snowflake has no enum types: an enum change is recorded, its fields being VARCHAR.
    #[allow(clippy::wildcard_enum_match_arm)] // only enum changes are rendered here
    pub(super) fn enum_note(&self, change: &Change) -> StepDraft {
        let (phase, what) = match change {
            Change::CreateEnum { enum_type } => (
                phase::PREPARE,
                format!(
                    "enum {} ({}) is not created",
                    enum_type.logical,
                    enum_type.values.join(", ")
                ),
            ),
            Change::DropEnum { enum_type } => (
                phase::CONTRACT,
                format!("enum {} is no longer in the package", enum_type.logical),
            ),
            Change::RenameEnum { from, to } => (
                phase::PREPARE,
                format!("enum {} is renamed to {}", from.logical, to.logical),
            ),
            Change::AddEnumValue {
                enum_type, value, ..
            } => (
                phase::PREPARE,
                format!("enum {} gains value {value}", enum_type.logical),
            ),
            Change::RebuildEnum { to, .. } => (
                phase::CONTRACT,
                format!(
                    "enum {} now has values {}",
                    to.logical,
                    to.values.join(", ")
                ),
            ),
            other => (
                phase::PREPARE,
                format!("{} {}", other.action(), other.target()),
            ),
        };
        self.note(
            phase,
            what.clone(),
            format!(
                "{what}: Snowflake has no enum types, its fields are VARCHAR and their values are not enforced"
            ),
        )
    }

    /// The note of a check: Snowflake has none, so the check is recorded, not created.
    pub(super) fn check_note(
        &self,
        phase: u32,
        object: &Name,
        check: &PhysicalCheck,
    ) -> Result<StepDraft, RenderError> {
        Ok(self.note(
            phase,
            format!(
                "check {} on {} ({}) is recorded, not created: Snowflake has no CHECK \
                 constraints",
                check.physical,
                self.table(&object.physical)?,
                check.sql
            ),
            format!(
                "not created: {}.{} is not enforced on Snowflake (the dataset sets \
                 \"unenforcedChecks\": \"ignore\"); it stays in the package and the plan",
                object.logical, check.logical
            ),
        ))
    }
}

/// `text` on one line: a note is a `--` comment, which a line break would end (and what
/// follows would be sent as SQL).
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
