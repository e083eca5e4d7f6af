//! Constraints other than NOT NULL: primary keys, checks and foreign keys. On a table that may
//! hold rows a constraint is added NOT VALID (a brief lock, no scan) and validated in a step of
//! its own, which lets reads and writes go on.

use depot_core::change::Name;
use depot_core::constraint::{Deferrable, PhysicalCheck, PhysicalForeignKey, ReferentialAction};
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::physical::PhysicalKey;
use depot_core::{phase, Hazard};

use super::Renderer;

/// `ALTER TABLE table ALTER CONSTRAINT name [NOT] DEFERRABLE [INITIALLY ..]`, with `table`
/// qualified and `name` quoted: a foreign key's deferrability, set in place.
pub fn alter_deferrable_sql(
    table: &str,
    constraint: &str,
    deferrable: Option<Deferrable>,
) -> String {
    let when = match deferrable {
        None => "NOT DEFERRABLE",
        Some(Deferrable::InitiallyImmediate) => "DEFERRABLE INITIALLY IMMEDIATE",
        Some(Deferrable::InitiallyDeferred) => "DEFERRABLE INITIALLY DEFERRED",
    };
    format!("ALTER TABLE {table} ALTER CONSTRAINT {constraint} {when}")
}

/// The words of a referential action, None for the default (NO ACTION, left out).
fn action_sql(action: ReferentialAction) -> Option<&'static str> {
    match action {
        ReferentialAction::NoAction => None,
        ReferentialAction::Restrict => Some("RESTRICT"),
        ReferentialAction::Cascade => Some("CASCADE"),
        ReferentialAction::SetNull => Some("SET NULL"),
        ReferentialAction::SetDefault => Some("SET DEFAULT"),
    }
}

impl Renderer<'_> {
    /// `CONSTRAINT name CHECK (sql)`.
    pub(crate) fn check_definition(&self, check: &PhysicalCheck) -> Result<String, RenderError> {
        Ok(format!(
            "CONSTRAINT {} CHECK ({})",
            self.id(&check.physical)?,
            check.sql
        ))
    }

    /// `CONSTRAINT name FOREIGN KEY (cols) REFERENCES ns.table (cols) [ON DELETE ..] [ON UPDATE
    /// ..] [DEFERRABLE INITIALLY ..]`.
    pub(crate) fn foreign_key_definition(
        &self,
        key: &PhysicalForeignKey,
    ) -> Result<String, RenderError> {
        let mut sql = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}.{} ({})",
            self.id(&key.physical)?,
            self.column_list(&key.columns)?,
            self.id(&key.references_namespace)?,
            self.id(&key.references_table)?,
            self.column_list(&key.references_columns)?
        );
        if let Some(action) = action_sql(key.on_delete) {
            sql.push_str(" ON DELETE ");
            sql.push_str(action);
        }
        if let Some(action) = action_sql(key.on_update) {
            sql.push_str(" ON UPDATE ");
            sql.push_str(action);
        }
        match key.deferrable {
            Some(Deferrable::InitiallyImmediate) => {
                sql.push_str(" DEFERRABLE INITIALLY IMMEDIATE");
            }
            Some(Deferrable::InitiallyDeferred) => sql.push_str(" DEFERRABLE INITIALLY DEFERRED"),
            None => {}
        }
        Ok(sql)
    }

    /// A foreign key whose deferrability alone changes, altered in place: `ALTER CONSTRAINT`
    /// changes the catalog only (a brief lock, no scan).
    pub(super) fn alter_foreign_key(
        &self,
        object: &Name,
        key: &PhysicalForeignKey,
    ) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::ADD_CONSTRAINTS,
            alter_deferrable_sql(
                &self.table(&object.physical)?,
                &self.id(&key.physical)?,
                key.deferrable,
            ),
            format!(
                "make foreign key {} of {} {} in place (a brief lock, no scan)",
                key.physical,
                object.physical,
                match key.deferrable {
                    None => "checked at once",
                    Some(Deferrable::InitiallyImmediate) => "deferrable, initially immediate",
                    Some(Deferrable::InitiallyDeferred) => "deferrable, initially deferred",
                }
            ),
        )])
    }

    /// `ADD CONSTRAINT <definition>`: in one step on a new table (nothing to scan), else NOT
    /// VALID then VALIDATE.
    fn add_constraint(
        &self,
        object: &Name,
        constraint: &str,
        definition: String,
        existing: bool,
        what: &str,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        if !existing {
            return Ok(vec![self.step(
                phase::ADD_CONSTRAINTS,
                format!("ALTER TABLE {table} ADD {definition}"),
                format!(
                    "add {what} {constraint} to {}: the table is new, so the check of its rows \
                     is instant",
                    object.physical
                ),
            )]);
        }
        Ok(vec![
            self.step(
                phase::ADD_CONSTRAINTS,
                format!("ALTER TABLE {table} ADD {definition} NOT VALID"),
                format!(
                    "add {what} {constraint} to {} as NOT VALID (a brief lock, no scan): new \
                     rows are checked from now on",
                    object.physical
                ),
            ),
            StepDraft {
                hazards: vec![Hazard::ValidatesData],
                transactional: false,
                ..self.step_as(
                    "validateConstraint",
                    phase::VALIDATE,
                    format!(
                        "ALTER TABLE {table} VALIDATE CONSTRAINT {}",
                        self.id(constraint)?
                    ),
                    format!(
                        "check the existing rows of {} against {what} {constraint} while reads \
                         and writes go on (fails if one does not satisfy it)",
                        object.physical
                    ),
                )
            },
        ])
    }

    pub(super) fn add_check(
        &self,
        object: &Name,
        check: &PhysicalCheck,
        existing: bool,
    ) -> Result<Vec<StepDraft>, RenderError> {
        self.add_constraint(
            object,
            &check.physical,
            self.check_definition(check)?,
            existing,
            "check",
        )
    }

    pub(super) fn add_foreign_key(
        &self,
        object: &Name,
        key: &PhysicalForeignKey,
        existing: bool,
    ) -> Result<Vec<StepDraft>, RenderError> {
        self.add_constraint(
            object,
            &key.physical,
            self.foreign_key_definition(key)?,
            existing,
            "foreign key",
        )
    }

    /// `DROP CONSTRAINT IF EXISTS`: a check or foreign key no longer in the package (or about to
    /// be added again with another definition).
    pub(super) fn drop_constraint(
        &self,
        object: &Name,
        constraint: &Name,
        what: &str,
    ) -> Result<Vec<StepDraft>, RenderError> {
        Ok(vec![self.step(
            phase::RELAX,
            format!(
                "ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}",
                self.table(&object.physical)?,
                self.id(&constraint.physical)?
            ),
            format!(
                "drop {what} {} of {}: {}.{} is removed or changes",
                constraint.physical, object.physical, object.logical, constraint.logical
            ),
        )])
    }

    /// A primary key on a table that may hold rows: its unique index is built CONCURRENTLY
    /// first, then attached as the key (a brief lock, no second scan).
    pub(super) fn add_primary_key(
        &self,
        object: &Name,
        key: &PhysicalKey,
    ) -> Result<Vec<StepDraft>, RenderError> {
        let table = self.table(&object.physical)?;
        let name = self.id(&key.name)?;
        Ok(vec![
            StepDraft {
                hazards: vec![Hazard::IndexBuild, Hazard::ValidatesData],
                transactional: false,
                ..self.step_as(
                    "buildPrimaryKeyIndex",
                    phase::BUILD_INDEXES,
                    format!(
                        "CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({})",
                        self.column_list(&key.columns)?
                    ),
                    format!(
                        "build the unique index {} of the primary key of {} without blocking \
                         writes (fails if existing rows hold duplicates)",
                        key.name, object.logical
                    ),
                )
            },
            self.step(
                phase::ENFORCE,
                format!("ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}"),
                format!(
                    "make index {} the primary key of {} (a brief lock, no scan)",
                    key.name, object.physical
                ),
            ),
        ])
    }
}
