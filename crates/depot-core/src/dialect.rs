//! Dialect: what an engine contributes to planning. The core stays engine-agnostic; an engine
//! crate implements this trait to give its identifier rules and to render changes as SQL.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::field_type::FieldType;
use crate::hazard::Hazard;
use crate::naming::NamingStrategy;
use crate::undo::{Before, Undo};

/// EngineId names an engine: the location's `type` (`postgres`), a plan's `engine`, the key of a
/// view's `queries`. The core knows no engine by name; each engine crate declares its own id as
/// a constant (`EngineId::new("postgres")`) and compares with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EngineId(Cow<'static, str>);

impl EngineId {
    /// The id an engine crate declares.
    pub const fn new(id: &'static str) -> EngineId {
        EngineId(Cow::Borrowed(id))
    }

    /// The SPEC spelling (`postgres`, `snowflake`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EngineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// StepDraft is one rendered statement before plan assembly numbers it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepDraft {
    /// Phase number (see [`crate::phase`]).
    pub phase: u32,
    /// Logical action (SPEC §5): the change's action, or a finer one for multi-step changes
    /// (`addNotNullCheck`, `validateNotNullCheck`, ...).
    pub action: String,
    /// Logical target (`Dog`, `Dog.name`).
    pub target: String,
    /// One SQL statement.
    pub sql: String,
    pub hazards: Vec<Hazard>,
    /// One line for people: what the step does and why.
    pub comment: String,
    /// False when the statement cannot run inside a transaction (CREATE INDEX CONCURRENTLY);
    /// a phase is transactional only when all its steps are.
    pub transactional: bool,
}

/// RenderContext is what a dialect needs beyond the change itself.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderContext {
    /// The namespace (schema) of the dataset.
    pub namespace: String,
}

/// RenderError: a change the engine cannot carry out safely (refused, with a reason for people).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{target}: {message}")]
pub struct RenderError {
    pub target: String,
    pub message: String,
}

/// Feature is a package feature (SPEC §1b) an engine may not be able to create. Resolution asks
/// [`Dialect::refuses`] before anything is planned, so a package the engine cannot hold is
/// refused at validation with the engine's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// `checks` (Snowflake has no CHECK; unless the dataset ignores unenforced checks).
    Checks,
    /// `computed` fields.
    ComputedColumns,
    /// `autoIncrement: "always"`.
    AutoIncrementAlways,
    /// Index `method`, `where`, `include`, per-key `order` / `nulls`.
    IndexOptions,
    /// Array fields.
    Arrays,
    /// A materialized view that reads a view of the package rather than a table.
    MaterializedViewOverView,
}

/// Dialect is an engine's contribution to planning. Its rules hold no state, so a dialect is
/// shared freely between threads and tasks (a plan renders its changes on every core).
pub trait Dialect: Sync {
    /// The engine's id (`postgres`): what a location's `type` and a plan's `engine` say.
    fn engine(&self) -> EngineId;

    /// The naming strategy used when the dataset names none.
    fn default_naming(&self) -> NamingStrategy;

    /// Whether package enums become enum types (PostgreSQL); else enum fields are strings whose
    /// values the engine does not check (Snowflake).
    fn native_enums(&self) -> bool {
        true
    }

    /// The longest identifier the engine keeps, in bytes (PostgreSQL: 63).
    fn max_identifier_bytes(&self) -> usize;

    /// The longest string column the engine can declare, in characters (`maxLength` above it
    /// would fail at execution); `None` when the engine has no such limit.
    fn max_string_length(&self) -> Option<u64> {
        None
    }

    /// The most columns a table can have; `None` when the engine has no such limit.
    fn max_columns(&self) -> Option<usize> {
        None
    }

    /// Why `namespace` cannot hold a dataset (the engine's own schemas, Depot's admin schema),
    /// or `None` when it can.
    fn reserved_namespace(&self, namespace: &str) -> Option<String> {
        let _ = namespace;
        None
    }

    /// Whether a view column of type `void` (a `NULL::void` cast, `pg_sleep(...)`) must be
    /// refused: the engine cannot create a view with one.
    fn refuses_void_columns(&self) -> bool {
        false
    }

    /// Whether a column's default survives, as written, when the engine changes the column's
    /// type from `from` to `to` (its rendering of `AlterColumnType`). When it does, the diff
    /// does not set an unchanged default again after the type change; when it does not (the
    /// default, so a new engine is safe), the default is set again so it reads as a fresh
    /// deploy's does.
    fn keeps_default_through_type_change(&self, from: &FieldType, to: &FieldType) -> bool {
        let _ = (from, to);
        false
    }

    /// Why the engine cannot create `feature`, naming the engine (`Snowflake has no CHECK
    /// constraints; ...`), or `None` when it can.
    fn refuses(&self, feature: Feature) -> Option<String> {
        let _ = feature;
        None
    }

    /// Why the engine cannot materialize `query` (the shape its materialized views allow),
    /// naming the engine and what to do instead, or `None` when it can.
    fn refuses_materialized_query(&self, query: &sqlparser::ast::Query) -> Option<String> {
        let _ = query;
        None
    }

    /// The identifier as it must appear in SQL: quoted when it is reserved or not in the engine's
    /// folded case, bare otherwise.
    fn quote_ident(&self, ident: &str) -> String;

    /// The identifier always quoted: the engine's one escaping of a name inside quotes. A name
    /// travels as a value (`Ident::with_quote`) and is escaped by this function exactly once,
    /// when SQL text is printed.
    fn quoted_ident(&self, ident: &str) -> String;

    /// The engine's string constant that holds exactly `value` (its one escaping function for
    /// literals), or `None` when the engine's text type cannot hold `value` (NUL in PostgreSQL).
    fn string_literal(&self, value: &str) -> Option<String>;

    /// The sqlparser dialect used to parse and print view queries. It must split text into
    /// tokens exactly as the engine does (PostgreSQL with `standard_conforming_strings = on`: a
    /// backslash is an ordinary character in '...'; Snowflake: a backslash escapes), or what was
    /// checked is not what runs.
    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect;

    /// Renders one change as one or more steps, each one statement.
    fn render(&self, change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError>;

    /// How to reverse `change` after a failed migration (see [`crate::undo`]). `before` finds
    /// in the model the plan starts from what a change alone does not say (a dropped view's
    /// definition, a dropped default). An engine that cannot reverse changes leaves every failed
    /// migration between versions, to be resumed.
    fn undo(
        &self,
        change: &Change,
        before: &Before<'_>,
        ctx: &RenderContext,
    ) -> Result<Undo, RenderError> {
        let _ = (change, before, ctx);
        Ok(Undo::Irreversible)
    }
}
