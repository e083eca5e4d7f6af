//! A dialect for tests: PostgreSQL-like or Snowflake-like identifier rules, no rendering.

use crate::dialect::{Dialect, Engine, RenderContext, RenderError, StepDraft};
use crate::naming::NamingStrategy;
use crate::Change;

/// Words the test dialect treats as reserved (a few real ones of both engines).
const RESERVED: &[&str] = &[
    "all", "and", "as", "case", "check", "default", "else", "end", "from", "group", "join",
    "limit", "not", "on", "or", "order", "primary", "select", "table", "then", "union", "user",
    "when", "where",
];

#[derive(Debug, Clone, Copy)]
pub struct TestDialect {
    pub engine: Engine,
    pub max: usize,
}

pub const POSTGRES: TestDialect = TestDialect {
    engine: Engine::Postgres,
    max: 63,
};
pub const SNOWFLAKE: TestDialect = TestDialect {
    engine: Engine::Snowflake,
    max: 255,
};

impl Dialect for TestDialect {
    fn engine(&self) -> Engine {
        self.engine
    }
    fn default_naming(&self) -> NamingStrategy {
        match self.engine {
            Engine::Postgres => NamingStrategy::SnakeCase,
            Engine::Snowflake => NamingStrategy::UpperSnakeCase,
        }
    }
    fn max_identifier_bytes(&self) -> usize {
        self.max
    }
    fn quote_ident(&self, ident: &str) -> String {
        let folded = |c: char| match self.engine {
            Engine::Postgres => c.is_ascii_lowercase(),
            Engine::Snowflake => c.is_ascii_uppercase(),
        };
        let plain = ident.chars().next().is_some_and(|c| folded(c) || c == '_')
            && ident
                .chars()
                .all(|c| folded(c) || c.is_ascii_digit() || c == '_')
            && !RESERVED.contains(&ident.to_ascii_lowercase().as_str());
        if plain {
            ident.to_string()
        } else {
            format!("\"{}\"", ident.replace('"', "\"\""))
        }
    }
    fn quoted_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
    fn string_literal(&self, value: &str) -> Option<String> {
        // The engines' rules: PostgreSQL doubles `'` only (standard_conforming_strings),
        // Snowflake also reads backslash escapes, so doubles `\` too.
        match self.engine {
            Engine::Postgres => {
                (!value.contains('\0')).then(|| format!("'{}'", value.replace('\'', "''")))
            }
            Engine::Snowflake => Some(format!(
                "'{}'",
                value.replace('\\', "\\\\").replace('\'', "''")
            )),
        }
    }
    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        match self.engine {
            Engine::Postgres => &sqlparser::dialect::PostgreSqlDialect {},
            Engine::Snowflake => &sqlparser::dialect::SnowflakeDialect {},
        }
    }
    fn render(&self, change: &Change, _: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
        Err(RenderError {
            target: change.target(),
            message: "the test dialect renders nothing".to_string(),
        })
    }
}
