//! SnowflakeDialect: Snowflake's identifier rules and the rendering of changes as SQL.

use depot_core::dialect::{Dialect, EngineId, Feature, RenderContext, RenderError, StepDraft};
use depot_core::naming::NamingStrategy;
use depot_core::undo::{Before, Undo};
use depot_core::view::materialized::single_table_broken_rule;
use depot_core::{Change, FieldType};

/// SnowflakeDialect renders Depot changes as Snowflake statements.
#[derive(Debug, Default, Clone, Copy)]
pub struct SnowflakeDialect;

/// Snowflake identifiers hold at most 255 characters; Depot counts bytes, which is stricter for
/// names outside ASCII.
pub const MAX_IDENTIFIER_BYTES: usize = 255;

/// Snowflake's engine id: a location's `type`, a plan's `engine`.
pub const SNOWFLAKE: EngineId = EngineId::new("snowflake");

/// The longest VARCHAR Snowflake declares, in characters (16 MB).
pub const MAX_VARCHAR_LENGTH: u64 = 16_777_216;

impl Dialect for SnowflakeDialect {
    fn engine(&self) -> EngineId {
        SNOWFLAKE
    }

    fn default_naming(&self) -> NamingStrategy {
        NamingStrategy::UpperSnakeCase
    }

    fn max_identifier_bytes(&self) -> usize {
        MAX_IDENTIFIER_BYTES
    }

    /// Snowflake has no enum types: enum fields are VARCHAR (values not enforced).
    fn native_enums(&self) -> bool {
        false
    }

    fn max_string_length(&self) -> Option<u64> {
        Some(MAX_VARCHAR_LENGTH)
    }

    fn reserved_namespace(&self, namespace: &str) -> Option<String> {
        // Bare names fold to uppercase, and `__admin` reads Depot's schema (see admin.rs).
        if namespace.eq_ignore_ascii_case(crate::admin::ADMIN_SCHEMA) {
            Some(format!(
                "`{}` is Depot's own schema (its state table)",
                crate::admin::ADMIN_SCHEMA
            ))
        } else if namespace.eq_ignore_ascii_case("INFORMATION_SCHEMA") {
            Some("`INFORMATION_SCHEMA` is Snowflake's system schema".to_string())
        } else {
            None
        }
    }

    fn refuses(&self, feature: Feature) -> Option<String> {
        match feature {
            Feature::Checks => Some(
                "Snowflake has no CHECK constraints; set \"unenforcedChecks\": \"ignore\" on the \
                 dataset to record them without creating them"
                    .to_string(),
            ),
            Feature::ComputedColumns => Some(
                "Snowflake tables have no generated (computed) columns; compute the value in a \
                 view instead"
                    .to_string(),
            ),
            Feature::AutoIncrementAlways => Some(
                "Snowflake AUTOINCREMENT always accepts explicit values: write \
                 \"autoIncrement\": true"
                    .to_string(),
            ),
            // Indexes are recorded, not created: the plan's note says which options it kept.
            Feature::IndexOptions => None,
            // ARRAY, whose items are VARIANT.
            Feature::Arrays => None,
            Feature::MaterializedViewOverView => {
                Some("a Snowflake materialized view reads one table, not a view".to_string())
            }
        }
    }

    /// A Snowflake materialized view reads one table, without joins, subqueries, set
    /// operations, window functions, ORDER BY, LIMIT or HAVING.
    fn refuses_materialized_query(&self, query: &sqlparser::ast::Query) -> Option<String> {
        single_table_broken_rule(query).map(|rule| {
            format!(
                "a Snowflake materialized view needs {rule}; use a view, or give \
                 `queries.snowflake`"
            )
        })
    }

    /// A type change made in place (`ALTER COLUMN ... SET DATA TYPE`, or none for an enum that
    /// stays VARCHAR) leaves the column's default as it was; the column copy of any other type
    /// change builds a new column without it.
    fn keeps_default_through_type_change(&self, from: &FieldType, to: &FieldType) -> bool {
        crate::sql_type::stored(from) == crate::sql_type::stored(to)
            || crate::sql_type::alters_in_place(from, to)
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
        Some(crate::literal::quote(value))
    }

    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::SnowflakeDialect {}
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

/// Quotes `ident` unless Snowflake would read it bare as exactly this name. Snowflake stores an
/// unquoted identifier in uppercase, so only an uppercase `[A-Z_][A-Z0-9_$]*` word that is not a
/// keyword stays bare; anything else (`ws_dev_dog_src`, `Dog`, `ORDER`) is quoted, so the name
/// is kept as written (SPEC: `schemaName` is used as given).
pub fn quote_ident(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 2);
    push_quoted_ident(&mut out, ident);
    out
}

/// Appends [`quote_ident`]`(ident)` to `out`.
pub fn push_quoted_ident(out: &mut String, ident: &str) {
    if is_bare(ident) {
        out.push_str(ident);
    } else {
        push_always_quoted_ident(out, ident);
    }
}

/// Appends `ident` inside double quotes, each `"` doubled: Snowflake's one escaping of a name
/// (a backslash is an ordinary character inside a quoted identifier).
pub fn push_always_quoted_ident(out: &mut String, ident: &str) {
    out.push('"');
    out.push_str(&ident.replace('"', "\"\""));
    out.push('"');
}

/// True when `ident` can be written without quotes and still mean exactly `ident`.
pub fn is_bare(ident: &str) -> bool {
    let bytes = ident.as_bytes();
    bytes
        .first()
        .is_some_and(|&c| c.is_ascii_uppercase() || c == b'_')
        && bytes
            .iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_' || c == b'$')
        && !crate::keywords::is_keyword(ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn information_schema_and_the_admin_schema_are_reserved_in_any_case() {
        let d = SnowflakeDialect;
        for name in [
            "INFORMATION_SCHEMA",
            "information_schema",
            "__ADMIN",
            "__admin",
        ] {
            assert!(d.reserved_namespace(name).is_some(), "{name}");
        }
        for name in ["DOGS", "PG_CATALOG", "ADMIN"] {
            assert_eq!(d.reserved_namespace(name), None, "{name}");
        }
        assert_eq!(d.max_string_length(), Some(16_777_216));
        assert_eq!(d.max_columns(), None);
        assert!(!d.refuses_void_columns());
    }

    #[test]
    fn checks_computed_columns_and_always_identities_are_refused_with_the_way_out() {
        let d = SnowflakeDialect;
        let checks = d.refuses(Feature::Checks).unwrap();
        assert!(
            checks.contains("\"unenforcedChecks\": \"ignore\""),
            "{checks}"
        );
        assert!(d
            .refuses(Feature::ComputedColumns)
            .unwrap()
            .contains("Snowflake"));
        assert!(d
            .refuses(Feature::AutoIncrementAlways)
            .unwrap()
            .contains("\"autoIncrement\": true"));
        assert_eq!(d.refuses(Feature::IndexOptions), None);
        assert_eq!(d.refuses(Feature::Arrays), None);
    }

    #[test]
    fn view_sql_is_read_with_snowflake_backslash_escapes() {
        let parser = SnowflakeDialect.parser_dialect();
        assert!(parser.supports_string_literal_backslash_escape());
        assert_eq!(SnowflakeDialect.quoted_ident("DOG"), "\"DOG\"");
        assert_eq!(
            SnowflakeDialect.string_literal(r"\'"),
            Some(r"'\\'''".to_string())
        );
    }

    #[test]
    fn quoting_leaves_uppercase_names_bare_and_keeps_every_other_name_as_written() {
        let cases = [
            ("DOG", "DOG"),
            ("BIRTH_DATE", "BIRTH_DATE"),
            ("_X1", "_X1"),
            ("A$B", "A$B"),
            ("ORDER", "\"ORDER\""),
            ("ws_dev_dog_src", "\"ws_dev_dog_src\""),
            ("Dog", "\"Dog\""),
            ("1DOG", "\"1DOG\""),
            ("$A", "\"$A\""),
            ("", "\"\""),
            ("A\"B", "\"A\"\"B\""),
            ("CAFÉ", "\"CAFÉ\""),
            ("A\\\"B", "\"A\\\"\"B\""),
        ];
        for (ident, quoted) in cases {
            assert_eq!(quote_ident(ident), quoted, "{ident}");
        }
    }
}
