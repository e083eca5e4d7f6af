//! Profile: what an engine (or its emulator) can hold and migrate, so that the generator draws
//! only pairs that engine must migrate like a fresh deploy. A pair outside the profile is not a
//! pair the engine fails: it is one the engine refuses at validation (with a reason) or one the
//! emulator cannot run, and drawing it would only fail the property for a known reason.

use depot_core::FieldType;

/// Profile says which features and edits the generator may draw.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Checks (`positiveId`), added with an object or by an edit.
    pub checks: bool,
    /// Computed fields (`g`).
    pub computed: bool,
    /// Turning `autoIncrement` on for an existing key.
    pub add_identity: bool,
    /// New fields of an existing table that are NOT NULL (with a default).
    pub not_null_new_fields: bool,
    /// A default given to an existing column, or changed. Dropping a default, and keeping one
    /// through a type change, are always drawn.
    pub set_default: bool,
    /// A description removed (from an object or a field); adding one is always drawn.
    pub drop_descriptions: bool,
    /// A unique index on an object of the old version (in either version: it may be dropped or
    /// rebuilt by the edits, and columns are dropped around it); the new object's may be unique.
    pub unique_on_old_objects: bool,
    /// Which type changes (widenings and narrowings, old type -> new) the generator draws; the
    /// others fall back to keeping the type.
    pub type_change: fn(&FieldType, &FieldType) -> bool,
}

impl Profile {
    /// PostgreSQL: everything the generator knows.
    pub const POSTGRES: Profile = Profile {
        checks: true,
        computed: true,
        add_identity: true,
        not_null_new_fields: true,
        set_default: true,
        drop_descriptions: true,
        unique_on_old_objects: true,
        type_change: |_, _| true,
    };

    /// Snowflake as the fakesnow emulator runs it. `in_place` says which type changes the
    /// engine makes without its column copy (depot-snowflake's `sql_type::alters_in_place`, or
    /// both types stored alike).
    pub fn snowflake_emulator(in_place: fn(&FieldType, &FieldType) -> bool) -> Profile {
        Profile {
            // Snowflake refuses checks at validation (Feature::Checks in its dialect).
            checks: false,
            // Snowflake refuses computed fields at validation (Feature::ComputedColumns).
            computed: false,
            // Snowflake cannot add AUTOINCREMENT to an existing column (its renderer refuses).
            add_identity: false,
            // fakesnow: DuckDB cannot ADD COLUMN ... NOT NULL (EMULATOR_CANNOT_RUN).
            not_null_new_fields: false,
            // A default on an existing column is the column copy's EXECUTE IMMEDIATE block,
            // which fakesnow cannot run (EMULATOR_CANNOT_RUN). A default kept through an
            // in-place type change is not set again (the dialect says Snowflake keeps it).
            set_default: false,
            // fakesnow has no UNSET COMMENT: the shim answers it without running it
            // (depot-snowflake's emulator.rs), so the comment stays.
            drop_descriptions: false,
            // Dropping a UNIQUE constraint: fakesnow (DuckDB) keeps the key, so declaring it
            // again fails (EMULATOR_CANNOT_RUN); and DuckDB cannot drop a column that comes
            // before a UNIQUE one ("an index depends on a column after it").
            unique_on_old_objects: false,
            // Any other type change is the column copy's EXECUTE IMMEDIATE block (as above).
            type_change: in_place,
        }
    }
}
