//! Hazard: what a step can do to data or availability (SPEC §5).

use serde::{Deserialize, Serialize};

/// Hazard names a risk a step carries. A plan holding a hazard the dataset's `allowedHazards`
/// does not allow is refused before anything runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Hazard {
    /// Rows or columns are dropped: their data is gone.
    DeletesData,
    /// The engine rewrites the whole table (long, holds a strong lock on PostgreSQL).
    TableRewrite,
    /// Writers wait while the step runs.
    BlocksWrites,
    /// Readers wait while the step runs.
    BlocksReads,
    /// An index is built on a table that may hold rows (slow on large tables).
    IndexBuild,
    /// Existing rows are checked against a new rule; the step fails if one breaks it.
    ValidatesData,
    /// The step cannot be undone by a later migration without losing information.
    NotReversible,
    /// A column's type narrows in place (`string` -> `integer`): the step fails, changing
    /// nothing, when a row's value does not convert.
    NarrowsType,
}

impl Hazard {
    /// All hazards, in a stable order.
    pub const ALL: [Hazard; 8] = [
        Hazard::DeletesData,
        Hazard::TableRewrite,
        Hazard::BlocksWrites,
        Hazard::BlocksReads,
        Hazard::IndexBuild,
        Hazard::ValidatesData,
        Hazard::NotReversible,
        Hazard::NarrowsType,
    ];

    /// The SPEC name, e.g. `DELETES_DATA`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Hazard::DeletesData => "DELETES_DATA",
            Hazard::TableRewrite => "TABLE_REWRITE",
            Hazard::BlocksWrites => "BLOCKS_WRITES",
            Hazard::BlocksReads => "BLOCKS_READS",
            Hazard::IndexBuild => "INDEX_BUILD",
            Hazard::ValidatesData => "VALIDATES_DATA",
            Hazard::NotReversible => "NOT_REVERSIBLE",
            Hazard::NarrowsType => "NARROWS_TYPE",
        }
    }

    /// Parses a SPEC name; `None` for an unknown name.
    pub fn parse(name: &str) -> Option<Hazard> {
        Hazard::ALL.into_iter().find(|h| h.as_str() == name)
    }
}

impl std::fmt::Display for Hazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
