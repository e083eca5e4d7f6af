//! Problem: one thing wrong with an input, located precisely enough for a person to fix it.

use serde::Serialize;

/// Problem is one finding of validation. `schema` and `field` are logical names when the problem
/// belongs to one; `rule` is a short stable identifier (`invalid-name`, `unknown-type`, ...);
/// `path` is the JSON path in the input (`schemas.Dog.fields.name.type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub rule: &'static str,
    pub message: String,
}

impl Problem {
    /// A problem at `path` that belongs to no schema.
    pub fn at(path: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            schema: None,
            field: None,
            rule,
            message: message.into(),
        }
    }

    /// Attaches the logical schema name.
    pub fn in_schema(mut self, schema: impl Into<String>) -> Problem {
        self.schema = Some(schema.into());
        self
    }

    /// Attaches the logical field name.
    pub fn in_field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.schema, &self.field) {
            (Some(s), Some(fl)) => write!(f, "schema {s}, field {fl}: ")?,
            (Some(s), None) => write!(f, "schema {s}: ")?,
            _ => {}
        }
        write!(f, "{} [{}] (at {})", self.message, self.rule, self.path)
    }
}

/// Problems is every problem found in one input, so users fix them all in one pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct Problems(pub Vec<Problem>);

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} problem(s):", self.0.len())?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl Problems {
    /// `Ok(value)` when no problem was found, else the problems.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
