//! PostgresDialect: PostgreSQL identifier rules and the rendering of changes as SQL.

use depot_core::dialect::{Dialect, EngineId, RenderContext, RenderError, StepDraft};
use depot_core::naming::NamingStrategy;
use depot_core::undo::{Before, Undo};
use depot_core::{Change, FieldType};

/// PostgresDialect renders Depot changes as PostgreSQL statements.
#[derive(Debug, Default, Clone, Copy)]
pub struct PostgresDialect;

/// PostgreSQL's engine id: a location's `type`, a plan's `engine`.
pub const POSTGRES: EngineId = EngineId::new("postgres");

/// PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// The longest `varchar(n)` PostgreSQL declares (its "length for type varchar cannot exceed").
pub const MAX_VARCHAR_LENGTH: u64 = 10_485_760;

/// The most columns a PostgreSQL table can have (MaxHeapAttributeNumber).
pub const MAX_COLUMNS: usize = 1_600;

impl Dialect for PostgresDialect {
    fn engine(&self) -> EngineId {
        POSTGRES
    }

    fn default_naming(&self) -> NamingStrategy {
        NamingStrategy::SnakeCase
    }

    fn max_identifier_bytes(&self) -> usize {
        MAX_IDENTIFIER_BYTES
    }

    fn max_string_length(&self) -> Option<u64> {
        Some(MAX_VARCHAR_LENGTH)
    }

    fn max_columns(&self) -> Option<usize> {
        Some(MAX_COLUMNS)
    }

    /// ALTER COLUMN ... TYPE keeps the default expression as it was written, cast to the old
    /// type (`'x'::character varying` after a widening to text): it is set again, so it reads
    /// as a fresh deploy's does.
    fn keeps_default_through_type_change(&self, _from: &FieldType, _to: &FieldType) -> bool {
        false
    }

    fn reserved_namespace(&self, namespace: &str) -> Option<String> {
        if namespace.eq_ignore_ascii_case(crate::admin::ADMIN_SCHEMA) {
            Some(format!(
                "`{}` is Depot's own schema (its state table)",
                crate::admin::ADMIN_SCHEMA
            ))
        } else if namespace == "information_schema" || namespace == "pg_catalog" {
            Some(format!("`{namespace}` is a PostgreSQL system schema"))
        } else if namespace.starts_with("pg_") {
            Some("PostgreSQL reserves schema names starting with `pg_`".to_string())
        } else {
            None
        }
    }

    fn refuses_void_columns(&self) -> bool {
        true
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote_ident(ident)
    }

    fn quoted_ident(&self, ident: &str) -> String {
        let mut out = String::with_capacity(ident.len() + 2);
        push_always_quoted_ident(&mut out, ident);
        out
    }

    fn string_literal(&self, value: &str) -> Option<String> {
        crate::literal::quote(value).ok()
    }

    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::PostgreSqlDialect {}
    }

    fn render(&self, change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
        crate::render::render(change, ctx)
    }

    fn undo(
        &self,
        change: &Change,
        before: &Before<'_>,
        ctx: &RenderContext,
    ) -> Result<Undo, RenderError> {
        crate::undo::undo(change, before, ctx)
    }
}

/// Quotes `ident` when PostgreSQL would otherwise fold or misread it: anything but a lowercase
/// `[a-z_][a-z0-9_]*` word, and every keyword PostgreSQL does not accept bare as a name.
pub fn quote_ident(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 2);
    push_quoted_ident(&mut out, ident);
    out
}

/// Appends [`quote_ident`]`(ident)` to `out`.
pub fn push_quoted_ident(out: &mut String, ident: &str) {
    let bytes = ident.as_bytes();
    let plain = bytes
        .first()
        .is_some_and(|&c| c.is_ascii_lowercase() || c == b'_')
        && bytes
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    if plain && !crate::keywords::is_keyword(ident) {
        out.push_str(ident);
    } else {
        push_always_quoted_ident(out, ident);
    }
}

/// Appends `ident` inside double quotes, each `"` doubled: PostgreSQL's one escaping of a name.
/// Nothing else is special inside a quoted identifier (a backslash is an ordinary character).
pub fn push_always_quoted_ident(out: &mut String, ident: &str) {
    out.push('"');
    let mut parts = ident.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push_str("\"\"");
        out.push_str(part);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_and_admin_schemas_are_reserved_and_limits_are_postgres_own() {
        let d = PostgresDialect;
        for name in [
            "pg_catalog",
            "information_schema",
            "pg_toast",
            "pg_dogs",
            "__admin",
            "__ADMIN",
        ] {
            assert!(d.reserved_namespace(name).is_some(), "{name}");
        }
        for name in ["dogs", "pgdogs", "public", "admin", "Information_Schema2"] {
            assert_eq!(d.reserved_namespace(name), None, "{name}");
        }
        assert_eq!(d.max_string_length(), Some(10_485_760));
        assert_eq!(d.max_columns(), Some(1_600));
        assert!(d.refuses_void_columns());
    }

    #[test]
    fn view_sql_is_read_with_standard_conforming_strings() {
        let parser = PostgresDialect.parser_dialect();
        assert!(!parser.supports_string_literal_backslash_escape());
        // E'...' constants do read backslash escapes, as in PostgreSQL.
        assert!(parser.supports_string_escape_constant());
        assert_eq!(PostgresDialect.quoted_ident("dog"), "\"dog\"");
        assert_eq!(
            PostgresDialect.string_literal(r"\'"),
            Some(r"'\'''".to_string())
        );
        assert_eq!(PostgresDialect.string_literal("a\0"), None);
    }

    #[test]
    fn quoting_leaves_plain_names_bare_and_doubles_quotes() {
        let cases = [
            ("dog", "dog"),
            ("birth_date", "birth_date"),
            ("_x1", "_x1"),
            ("user", "\"user\""),
            ("Dog", "\"Dog\""),
            ("1dog", "\"1dog\""),
            ("", "\"\""),
            ("a\"b", "\"a\"\"b\""),
            ("\"", "\"\"\"\""),
            ("\"\"x\"", "\"\"\"\"\"x\"\"\""),
            ("café", "\"café\""),
            ("a\\\"b", "\"a\\\"\"b\""),
            (
                "ken\\\"; DROP TABLE public.victim; --",
                "\"ken\\\"\"; DROP TABLE public.victim; --\"",
            ),
        ];
        for (ident, quoted) in cases {
            assert_eq!(quote_ident(ident), quoted, "{ident}");
            let mut out = String::from("x.");
            push_quoted_ident(&mut out, ident);
            assert_eq!(out, format!("x.{quoted}"), "{ident}");
        }
    }
}
