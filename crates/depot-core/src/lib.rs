//! Depot's pure core.
//!
//! Everything here is a function of its inputs: no I/O, no async, no clock, no engine
//! connection, and no engine named. Engines plug in through one boundary,
//! [`engine::EnginePlugin`]: its [`Dialect`] gives identifier rules, limits and refusals and
//! renders the closed set of [`Change`]s as SQL steps; its location schema and executor rules
//! say the dataset properties that are its own. The edge (a binary) chooses the engines
//! ([`engine::Engines`]) it hands to the dataset reader.
//!
//! The flow: raw JSON (a `serde_json::Value`, or text read by [`borrowed_json::from_str`]) ->
//! [`validate::parse_package`] / [`properties::parse_dataset`] (every problem reported at once)
//! -> [`resolve::resolve`] (naming, identifier rules, view rewriting) -> [`diff::diff`] (closed
//! set of changes) -> [`assemble::plan_migration`] (numbered phases with hazards) ->
//! [`policy::check_hazards`].

pub mod assemble;
pub mod borrowed_json;
pub mod catalog;
pub mod change;
pub mod column_default;
pub mod comment;
pub mod constraint;
pub mod dataset;
pub mod dialect;
pub mod diff;
pub mod document;
pub mod dropped_table;
pub mod engine;
pub mod field_type;
pub mod hash;
pub mod hazard;
pub mod identity;
pub mod import;
pub mod index_options;
pub mod json;
pub mod lenient;
pub mod literal;
pub mod location;
pub mod naming;
pub mod nul;
pub mod package;
pub mod phase;
pub mod physical;
pub mod plan;
pub mod plan_transform;
pub mod policy;
pub mod preview;
pub mod problem;
pub mod properties;
pub mod reader;
pub mod reference_order;
pub mod rename_reason;
pub mod render_step;
pub mod resolve;
pub mod rules;
pub mod seed_rows;
pub mod sql_script;
pub mod step_comment;
pub mod undo;
pub mod undo_sql;
pub mod validate;
pub mod view;

pub use change::Change;
pub use dataset::{Dataset, DatasetConfig};
pub use dialect::{Dialect, EngineId, RenderContext, RenderError, StepDraft};
pub use document::EnvironmentDocument;
pub use field_type::FieldType;
pub use hazard::Hazard;
pub use package::Package;
pub use physical::PhysicalModel;
pub use plan::{Phase, Plan, Step};
pub use problem::{Problem, Problems};
