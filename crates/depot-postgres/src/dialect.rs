//! PostgresDialect: PostgreSQL identifier rules and the rendering of changes as SQL.

use depot_core::dialect::{Dialect, Engine, RenderContext, RenderError, StepDraft};
use depot_core::naming::NamingStrategy;
use depot_core::Change;

/// PostgresDialect renders Depot changes as PostgreSQL statements.
#[derive(Debug, Default, Clone, Copy)]
pub struct PostgresDialect;

/// PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

impl Dialect for PostgresDialect {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    fn default_naming(&self) -> NamingStrategy {
        NamingStrategy::SnakeCase
    }

    fn max_identifier_bytes(&self) -> usize {
        MAX_IDENTIFIER_BYTES
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_ident(ident)
    }

    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::PostgreSqlDialect {}
    }

    fn render(&self, change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
        crate::render::render(change, ctx)
    }
}

/// Quotes `ident` when PostgreSQL would otherwise fold or misread it: anything but a lowercase
/// `[a-z_][a-z0-9_]*` word, and every keyword PostgreSQL does not accept bare as a name.
pub fn quote_ident(ident: &str) -> String {
    let plain = ident
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && ident
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !crate::keywords::is_keyword(ident) {
        ident.to_string()
    } else {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
}
