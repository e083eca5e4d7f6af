//! Drift: differences between the objects a dataset's location holds and those its deployed
//! version describes (someone altered a table by hand, a column went missing). A plan is computed
//! from the deployed version's model; run over a drifted database it would fail half-way or,
//! worse, succeed and hide the difference. The runner checks before it changes anything.

use std::fmt;

/// Drift lists the differences found, one readable line each (`table dog: column name is
/// text, expected character varying(200)`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Drift {
    pub differences: Vec<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.differences.join("; "))
    }
}

/// DriftCheck is the answer of an engine asked to compare its live objects with a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftCheck {
    /// Compared: these are the differences (none when the objects match).
    Compared(Drift),
    /// This engine cannot compare yet; the run goes on, with a warning.
    Unsupported,
}
