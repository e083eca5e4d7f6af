//! ChangeRenderer: what every engine's rendering of one change shares, so that an engine's
//! renderer writes only its SQL. It builds the change's steps (its action and target unless a
//! step says otherwise), its errors, and the names that go into SQL, which it refuses when the
//! engine cannot hold them (an engine that truncates a long name would create another table).

use crate::change::Change;
use crate::dialect::{RenderError, StepDraft};

/// How an engine writes a name into SQL.
#[derive(Debug, Clone, Copy)]
pub struct IdentifierRules {
    /// The engine as people name it, for errors (`PostgreSQL`).
    pub engine: &'static str,
    /// The longest name the engine keeps, in bytes.
    pub max_bytes: usize,
    /// Appends the name as it must appear in SQL (the engine's one escaping of names).
    pub push_quoted: fn(&mut String, &str),
}

/// ChangeRenderer holds what every step of one change shares.
#[derive(Debug, Clone, Copy)]
pub struct ChangeRenderer<'a> {
    /// The namespace (schema) every table is qualified by.
    pub namespace: &'a str,
    /// The change rendered; its target is worked out per step (most changes have one).
    pub change: &'a Change,
    rules: IdentifierRules,
    /// Whether the engine runs a step inside its phase's transaction (PostgreSQL), or commits
    /// every statement on its own (Snowflake).
    transactional: bool,
}

impl<'a> ChangeRenderer<'a> {
    pub fn new(
        namespace: &'a str,
        change: &'a Change,
        rules: IdentifierRules,
        transactional: bool,
    ) -> Self {
        ChangeRenderer {
            namespace,
            change,
            rules,
            transactional,
        }
    }

    /// A step without hazards, with the change's action and target.
    pub fn step(&self, phase: u32, sql: String, comment: String) -> StepDraft {
        self.step_as(self.change.action(), phase, sql, comment)
    }

    /// A step without hazards, with its own action and the change's target (one of the several
    /// steps of a change).
    pub fn step_as(&self, action: &str, phase: u32, sql: String, comment: String) -> StepDraft {
        self.step_for(action, self.change.target(), phase, sql, comment)
    }

    /// A step without hazards, with its own action and target (a step for a part of the
    /// change's object, such as an index of a new table).
    pub fn step_for(
        &self,
        action: &str,
        target: String,
        phase: u32,
        sql: String,
        comment: String,
    ) -> StepDraft {
        StepDraft {
            phase,
            action: action.to_string(),
            target,
            sql,
            hazards: Vec::new(),
            comment,
            transactional: self.transactional,
        }
    }

    /// The change refused, with a reason for people.
    pub fn error(&self, message: impl Into<String>) -> RenderError {
        RenderError {
            target: self.change.target(),
            message: message.into(),
        }
    }

    /// `name` as it must appear in SQL; a name the engine cannot hold is refused.
    pub fn id(&self, name: &str) -> Result<String, RenderError> {
        let mut out = String::with_capacity(name.len() + 2);
        self.push_id(&mut out, name)?;
        Ok(out)
    }

    /// Appends [`ChangeRenderer::id`]`(name)` to `out`.
    pub fn push_id(&self, out: &mut String, name: &str) -> Result<(), RenderError> {
        if name.is_empty() || name.len() > self.rules.max_bytes {
            return Err(self.error(format!(
                "the name {name:?} does not fit {}'s identifiers (1 to {} bytes)",
                self.rules.engine, self.rules.max_bytes
            )));
        }
        (self.rules.push_quoted)(out, name);
        Ok(())
    }

    /// `name` qualified by the dataset's namespace.
    pub fn table(&self, name: &str) -> Result<String, RenderError> {
        let mut out = String::with_capacity(self.namespace.len() + name.len() + 5);
        self.push_id(&mut out, self.namespace)?;
        out.push('.');
        self.push_id(&mut out, name)?;
        Ok(out)
    }

    /// `a, b, c`: the columns as they must appear in SQL.
    pub fn column_list(&self, columns: &[String]) -> Result<String, RenderError> {
        let mut out = String::new();
        self.push_column_list(&mut out, columns)?;
        Ok(out)
    }

    /// Appends [`ChangeRenderer::column_list`]`(columns)` to `out`.
    pub fn push_column_list(
        &self,
        out: &mut String,
        columns: &[String],
    ) -> Result<(), RenderError> {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.push_id(out, c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Name;

    fn push_in_brackets(out: &mut String, name: &str) {
        out.push('[');
        out.push_str(name);
        out.push(']');
    }

    const RULES: IdentifierRules = IdentifierRules {
        engine: "TestDB",
        max_bytes: 5,
        push_quoted: push_in_brackets,
    };

    fn drop_column() -> Change {
        Change::DropColumn {
            object: Name {
                logical: "Dog".to_string(),
                physical: "dog".to_string(),
            },
            column: Name {
                logical: "name".to_string(),
                physical: "name".to_string(),
            },
        }
    }

    #[test]
    fn steps_carry_the_change_unless_told_otherwise() {
        let change = drop_column();
        let r = ChangeRenderer::new("ns", &change, RULES, false);
        let step = r.step(7, "SQL".to_string(), "why".to_string());
        assert_eq!(step.action, change.action());
        assert_eq!(step.target, change.target());
        assert_eq!((step.phase, step.transactional), (7, false));
        assert!(step.hazards.is_empty());
        let step = r.step_as("finer", 1, String::new(), String::new());
        assert_eq!(
            (step.action.as_str(), step.target),
            ("finer", change.target())
        );
        let step = r.step_for(
            "other",
            "Dog.idx".to_string(),
            1,
            String::new(),
            String::new(),
        );
        assert_eq!(
            (step.action.as_str(), step.target.as_str()),
            ("other", "Dog.idx")
        );
        let r = ChangeRenderer::new("ns", &change, RULES, true);
        assert!(r.step(1, String::new(), String::new()).transactional);
    }

    #[test]
    fn names_are_quoted_qualified_and_listed_by_the_engine_rules() {
        let change = drop_column();
        let r = ChangeRenderer::new("ns", &change, RULES, true);
        assert_eq!(r.table("dog").unwrap(), "[ns].[dog]");
        assert_eq!(
            r.column_list(&["a".to_string(), "b".to_string()]).unwrap(),
            "[a], [b]"
        );
        assert_eq!(r.column_list(&[]).unwrap(), "");
    }

    #[test]
    fn a_name_the_engine_cannot_hold_is_refused_naming_the_change() {
        let change = drop_column();
        let r = ChangeRenderer::new("ns", &change, RULES, true);
        let err = r.id("toolong").unwrap_err();
        assert_eq!(err.target, change.target());
        assert_eq!(
            err.message,
            "the name \"toolong\" does not fit TestDB's identifiers (1 to 5 bytes)"
        );
        assert!(r.id("").is_err());
        let long_namespace = ChangeRenderer::new("namespace", &change, RULES, true);
        assert!(long_namespace.table("dog").is_err());
    }
}
