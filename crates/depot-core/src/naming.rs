//! NamingStrategy: how logical names become physical names (SPEC §2).

use serde::{Deserialize, Serialize};

/// NamingStrategy turns a logical name into a physical one. `sqlName` in a package overrides it
/// per schema or field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NamingStrategy {
    /// `birthDate` -> `birth_date`, `Dog` -> `dog` (default for PostgreSQL).
    #[serde(rename = "snake_case")]
    SnakeCase,
    /// `birthDate` -> `BIRTH_DATE` (default for Snowflake).
    #[serde(rename = "UPPER_SNAKE_CASE")]
    UpperSnakeCase,
    /// The logical name, unchanged.
    #[serde(rename = "preserve")]
    Preserve,
}

impl NamingStrategy {
    /// The physical form of `logical` under this strategy.
    pub fn apply(&self, logical: &str) -> String {
        use heck::{ToShoutySnakeCase, ToSnakeCase};
        match self {
            NamingStrategy::SnakeCase => logical.to_snake_case(),
            NamingStrategy::UpperSnakeCase => logical.to_shouty_snake_case(),
            NamingStrategy::Preserve => logical.to_string(),
        }
    }

    /// Parses the SPEC spelling; `None` when unknown.
    pub fn parse(s: &str) -> Option<NamingStrategy> {
        match s {
            "snake_case" => Some(NamingStrategy::SnakeCase),
            "UPPER_SNAKE_CASE" => Some(NamingStrategy::UpperSnakeCase),
            "preserve" => Some(NamingStrategy::Preserve),
            _ => None,
        }
    }
}
