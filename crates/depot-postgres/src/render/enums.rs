//! Enum types: created and renamed before the tables that use them, values added in place
//! (`ALTER TYPE ... ADD VALUE`, outside a transaction: PostgreSQL before 12 refuses it inside
//! one, and a value added in a transaction cannot be used before it commits), rebuilt when a
//! value goes or the values are reordered, dropped once no table uses them.

use depot_core::change::{EnumColumn, Name};
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::physical::PhysicalEnum;
use depot_core::{phase, FieldType, Hazard};

use super::defaults::default_sql;
use super::{fit_identifier, Renderer};
use crate::literal::quote;

impl Renderer<'_> {
    /// `CREATE TYPE ... AS ENUM (...)` of `e` under the physical name `physical`.
    pub(crate) fn create_enum_sql(
        &self,
        e: &PhysicalEnum,
        physical: &str,
    ) -> Result<String, RenderError> {
        let values = e
            .values
            .iter()
            .map(|v| quote(v))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| self.error(m))?;
        Ok(format!(
            "CREATE TYPE {} AS ENUM ({})",
            self.table(physical)?,
            values.join(", ")
        ))
    }

    pub(super) fn create_enum(&self, e: &PhysicalEnum) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::PREPARE,
            self.create_enum_sql(e, &e.physical)?,
            format!(
                "create enum type {} ({}) for enum {}",
                e.physical,
                e.values.join(", "),
                e.logical
            ),
        )])
    }

    pub(super) fn drop_enum(&self, e: &PhysicalEnum) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::CONTRACT,
            format!("DROP TYPE {}", self.table(&e.physical)?),
            format!(
                "drop enum type {}: {} is no longer in the package and no column uses it",
                e.physical, e.logical
            ),
        )])
    }

    pub(super) fn rename_enum(
        &self,
        from: &Name,
        to: &Name,
    ) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::PREPARE,
            format!(
                "ALTER TYPE {} RENAME TO {}",
                self.table(&from.physical)?,
                self.id(&to.physical)?
            ),
            format!(
                "rename enum type {} to {}: {}",
                from.physical,
                to.physical,
                depot_core::rename_reason::why_renamed(from, to)
            ),
        )])
    }

    /// `ADD VALUE IF NOT EXISTS`: in place, and a no-op when a resumed run already added it.
    pub(super) fn add_enum_value(
        &self,
        e: &Name,
        value: &str,
        before: Option<&str>,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let q = |s: &str| quote(s).map_err(|m| self.error(m));
        let position = match before {
            Some(b) => format!(" BEFORE {}", q(b)?),
            None => String::new(),
        };
        Ok(vec![StepDraft {
            transactional: false,
            ..self.step(
                phase::PREPARE,
                format!(
                    "ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{position}",
                    self.table(&e.physical)?,
                    q(value)?
                ),
                format!(
                    "add value {value} to enum type {} in place{}, outside a transaction \
                     (PostgreSQL cannot remove a value: an undo leaves it)",
                    e.physical,
                    before.map(|b| format!(" before {b}")).unwrap_or_default()
                ),
            )
        }])
    }

    /// Rebuilds enum `from` as `to` (same physical name): a new type, every column converted
    /// to it through its text (a row holding a removed value fails the statement, and the
    /// transaction with it), the old type dropped and the new one renamed, defaults set again.
    pub(crate) fn rebuild_enum(
        &self,
        from: &PhysicalEnum,
        to: &PhysicalEnum,
        columns: &[EnumColumn],
        hazards: &[Hazard],
        why: &str,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let building = rebuild_name(&to.physical);
        let new_type = self.table(&building)?;
        let old_type = self.table(&from.physical)?;
        let mut steps = vec![self.step_as(
            "createRebuiltEnum",
            phase::CONTRACT,
            self.create_enum_sql(to, &building)?,
            format!("build enum type {} again as {building}: {why}", to.physical),
        )];
        for c in columns {
            let table = self.table(&c.object.physical)?;
            let col = self.id(&c.column.physical)?;
            if c.default.is_some() {
                steps.push(self.step_as(
                    "dropDefaultBeforeRebuild",
                    phase::CONTRACT,
                    format!("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"),
                    format!(
                        "drop the default of {}.{} while its enum type is rebuilt (it names the old type)",
                        c.object.physical, c.column.physical
                    ),
                ));
            }
            steps.push(StepDraft {
                hazards: hazards.to_vec(),
                ..self.step_as(
                    "convertEnumColumn",
                    phase::CONTRACT,
                    format!(
                        "ALTER TABLE {table} ALTER COLUMN {col} TYPE {new_type} USING {col}::text::{new_type}"
                    ),
                    format!(
                        "convert {}.{} to the rebuilt enum type: PostgreSQL rewrites the table \
                         and fails, changing nothing, if a row holds a value the type no longer has",
                        c.object.physical, c.column.physical
                    ),
                )
            });
        }
        steps.push(self.step_as(
            "dropOldEnum",
            phase::CONTRACT,
            format!("DROP TYPE {old_type}"),
            format!("drop the old enum type {}", from.physical),
        ));
        steps.push(self.step_as(
            "renameRebuiltEnum",
            phase::CONTRACT,
            format!("ALTER TYPE {new_type} RENAME TO {}", self.id(&to.physical)?),
            format!("give the rebuilt enum type its name {}", to.physical),
        ));
        let field_type = FieldType::Enum {
            name: to.physical.clone(),
            namespace: Some(self.namespace.to_string()),
        };
        for c in columns {
            let Some(default) = &c.default else { continue };
            let value = default_sql(&field_type, default).map_err(|m| self.error(m))?;
            steps.push(self.step_as(
                "setDefaultAfterRebuild",
                phase::CONTRACT,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {value}",
                    self.table(&c.object.physical)?,
                    self.id(&c.column.physical)?
                ),
                format!(
                    "set the default of {}.{} again on the rebuilt enum type",
                    c.object.physical, c.column.physical
                ),
            ));
        }
        Ok(steps)
    }
}

/// The temporary name of an enum type being rebuilt, within PostgreSQL's 63 bytes.
fn rebuild_name(physical: &str) -> String {
    fit_identifier(&format!("{physical}__depot_rebuild"))
}

/// The values of `from` that `to` no longer has.
pub(crate) fn removed_values<'e>(from: &'e PhysicalEnum, to: &PhysicalEnum) -> Vec<&'e str> {
    from.values
        .iter()
        .filter(|v| !to.values.contains(v))
        .map(String::as_str)
        .collect()
}
