//! A dialect for tests: PostgreSQL-like or Snowflake-like identifier rules, no rendering; and
//! the engine plug-ins of the same two engines, with their locations' keys, for the dataset
//! reader's tests.

use crate::dialect::{Dialect, EngineId, Feature, RenderContext, RenderError, StepDraft};
use crate::engine::{
    EnginePlugin, Engines, ExecutorRules, LocationKey, LocationSchema, SettingKind,
};
use crate::location::{Location, LocationError};
use crate::naming::NamingStrategy;
use crate::view::materialized::single_table_broken_rule;
use crate::Change;

/// Words the test dialect treats as reserved (a few real ones of both engines).
const RESERVED: &[&str] = &[
    "all", "and", "as", "case", "check", "default", "else", "end", "from", "group", "join",
    "limit", "not", "on", "or", "order", "primary", "select", "table", "then", "union", "user",
    "when", "where",
];

/// Which engine's rules the test dialect follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Snowflake,
}

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
    fn engine(&self) -> EngineId {
        match self.engine {
            Engine::Postgres => EngineId::new("postgres"),
            Engine::Snowflake => EngineId::new("snowflake"),
        }
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
    fn refuses(&self, feature: Feature) -> Option<String> {
        match (self.engine, feature) {
            (Engine::Snowflake, Feature::MaterializedViewOverView) => {
                Some("a Snowflake materialized view reads one table, not a view".to_string())
            }
            _ => None,
        }
    }
    fn refuses_materialized_query(&self, query: &sqlparser::ast::Query) -> Option<String> {
        match self.engine {
            Engine::Postgres => None,
            Engine::Snowflake => single_table_broken_rule(query).map(|rule| {
                format!(
                    "a Snowflake materialized view needs {rule}; use a view, or give \
                     `queries.snowflake`"
                )
            }),
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

/// The engines the dataset reader's tests accept: the two test dialects as plug-ins, with the
/// keys of the real engines' locations.
pub const TEST_ENGINES: Engines<'static> = Engines::new(&[&POSTGRES, &SNOWFLAKE]);

const POSTGRES_LOCATION: LocationSchema = LocationSchema {
    what: "a postgres location",
    keys: &[
        LocationKey::required("name", SettingKind::Text, "the location's name (e.g. main)"),
        LocationKey::required("host", SettingKind::Text, "the database host"),
        LocationKey::required("port", SettingKind::Port, "the database port (e.g. 5432)"),
        LocationKey::required("database", SettingKind::Text, "the database name"),
        LocationKey::optional("user", SettingKind::Text),
        LocationKey::optional("secretArn", SettingKind::SecretArn),
    ],
};

const SNOWFLAKE_LOCATION: LocationSchema = LocationSchema {
    what: "a snowflake location",
    keys: &[
        LocationKey::required("name", SettingKind::Text, "the location's name"),
        LocationKey::required(
            "account",
            SettingKind::Text,
            "the Snowflake account identifier",
        ),
        LocationKey::required("database", SettingKind::Text, "the Snowflake database"),
        LocationKey::optional("warehouse", SettingKind::Text),
        LocationKey::optional("role", SettingKind::Text),
        LocationKey::optional("user", SettingKind::Text),
        LocationKey::optional("endpoint", SettingKind::Url),
        LocationKey::optional("secretArn", SettingKind::SecretArn),
    ],
};

impl EnginePlugin for TestDialect {
    fn location_schema(&self) -> &'static LocationSchema {
        match self.engine {
            Engine::Postgres => &POSTGRES_LOCATION,
            Engine::Snowflake => &SNOWFLAKE_LOCATION,
        }
    }
    fn place(&self, location: &Location) -> Result<String, LocationError> {
        Ok(format!("{}://{}", location.engine(), location.name()))
    }
    fn executor_rules(&self) -> ExecutorRules {
        match self.engine {
            Engine::Postgres => ExecutorRules {
                location_user_key: Some("user"),
                ..ExecutorRules::default()
            },
            Engine::Snowflake => ExecutorRules {
                refused_keys: &["endpoint", "readerEndpoint", "user", "iamAuth"],
                refusal: "applies to PostgreSQL locations only; a Snowflake executor is a \
                          `warehouse` and a `role`",
                location_user_key: None,
            },
        }
    }
}
