//! Property tests of the view rewriter (issue 12): whatever the names and the SQL, it never
//! panics, and every view it accepts prints as exactly one query that parses back to itself
//! and whose re-print is the same text, for both engines' tokenization rules. Bounded case
//! counts: the whole file runs in seconds.

use std::collections::BTreeMap;

use depot_core::dialect::{Dialect, EngineId, RenderContext, RenderError, StepDraft};
use depot_core::naming::NamingStrategy;
use depot_core::physical::DependencyModel;
use depot_core::reader::At;
use depot_core::view::parse::parse_view;
use depot_core::view::print::print_view;
use depot_core::view::rewrite::rewrite_view;
use depot_core::view::scope::{Catalog, Column, Relation};
use depot_core::Change;
use proptest::prelude::*;
use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement};
use sqlparser::parser::Parser;

/// An engine's identifier and literal rules without the engine crate: PostgreSQL doubles `'`
/// only (standard_conforming_strings on), Snowflake also doubles `\`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    Snowflake,
}

struct Rules(Engine);

impl Dialect for Rules {
    fn engine(&self) -> EngineId {
        match self.0 {
            Engine::Postgres => EngineId::new("postgres"),
            Engine::Snowflake => EngineId::new("snowflake"),
        }
    }
    fn default_naming(&self) -> NamingStrategy {
        NamingStrategy::SnakeCase
    }
    fn max_identifier_bytes(&self) -> usize {
        255
    }
    fn quote_ident(&self, ident: &str) -> String {
        let plain = ident.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && ident
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !KEYWORDS.contains(&ident);
        if plain {
            ident.to_string()
        } else {
            self.quoted_ident(ident)
        }
    }
    fn quoted_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
    fn string_literal(&self, value: &str) -> Option<String> {
        match self.0 {
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
        match self.0 {
            Engine::Postgres => &sqlparser::dialect::PostgreSqlDialect {},
            Engine::Snowflake => &sqlparser::dialect::SnowflakeDialect {},
        }
    }
    fn render(&self, change: &Change, _: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
        Err(RenderError {
            target: change.target(),
            message: "not rendered here".into(),
        })
    }
}

/// Words that are keywords in both engines: quoted when they are names.
const KEYWORDS: &[&str] = &[
    "select", "from", "where", "order", "user", "table", "group", "and", "or", "not", "as",
    "union", "limit", "case", "end", "join", "on", "drop",
];

const ENGINES: [Rules; 2] = [Rules(Engine::Postgres), Rules(Engine::Snowflake)];

/// Names with what breaks naive quoting: quotes, backslashes, semicolons, comments, unicode,
/// keywords.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_\"'\\\\; \\-/*$é☃𝄞]{1,14}",
        prop::sample::select(KEYWORDS).prop_map(str::to_string),
        Just(r#"ken\"; DROP TABLE public.victim; --"#.to_string()),
        Just(r#"a""b"#.to_string()),
    ]
}

/// catalog: one object `T` with the given physical name and fields (logical -> physical).
fn catalog<'a>(
    physical: &str,
    fields: &[(String, String)],
    aliases: &'a BTreeMap<String, String>,
    deps: &'a BTreeMap<String, DependencyModel>,
) -> Catalog<'a> {
    Catalog {
        enum_types: BTreeMap::new(),
        native_enums: true,
        namespace: "ws",
        objects: BTreeMap::from([(
            "T".to_string(),
            Relation {
                physical: physical.to_string(),
                columns: Some(
                    fields
                        .iter()
                        .map(|(logical, physical)| Column {
                            logical: logical.clone(),
                            physical: physical.clone(),
                        })
                        .collect(),
                ),
            },
        )]),
        views: BTreeMap::new(),
        dependency_aliases: aliases,
        dependencies: deps,
        naming: NamingStrategy::SnakeCase,
    }
}

/// rewrite parses and rewrites `sql` for `dialect`: the accepted SQL, or `None` when refused.
fn rewrite(sql: &str, dialect: &Rules, catalog: &Catalog<'_>) -> Option<String> {
    let at = At::root();
    let query = parse_view(sql, dialect, "V", &at).ok()?;
    rewrite_view("V", query, catalog, dialect, &at)
        .ok()
        .map(|v| v.sql)
}

/// assert_stable: `sql` parses to exactly one query, and printing that query again gives `sql`.
fn assert_stable(sql: &str, dialect: &Rules) -> sqlparser::ast::Query {
    let statements = Parser::parse_sql(dialect.parser_dialect(), sql)
        .unwrap_or_else(|e| panic!("accepted SQL `{sql}` does not parse: {e}"));
    let [Statement::Query(query)] = statements.as_slice() else {
        panic!("accepted SQL `{sql}` is not one query: {statements:?}")
    };
    let again = print_view(query, dialect).unwrap_or_else(|e| panic!("`{sql}`: {e}"));
    assert_eq!(again, sql, "re-print is not stable");
    (**query).clone()
}

/// written is a name as a view author writes it: always quoted.
fn written(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Valid view queries over `T(a, b)`, the seeds of the mutations.
const SEEDS: &[&str] = &[
    "SELECT a, b FROM T WHERE a = 'x'",
    "SELECT a AS n, count(*) FROM T GROUP BY a HAVING count(*) > 1 ORDER BY n",
    "SELECT t.a FROM T t JOIN T u ON t.a = u.b WHERE t.b LIKE 'a%'",
    "WITH c AS (SELECT a FROM T) SELECT a FROM c UNION SELECT b FROM T",
    "SELECT CASE WHEN a IS NULL THEN 'none' ELSE a END AS v FROM T",
    "SELECT a FROM T WHERE b IN (SELECT b FROM T WHERE a <> 'it''s')",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn hostile_names_are_read_as_exactly_the_physical_names(
        table in name(),
        logical in name(),
        physical in name(),
    ) {
        let aliases = BTreeMap::new();
        let deps = BTreeMap::new();
        let fields = [(logical.clone(), physical.clone())];
        let catalog = catalog(&table, &fields, &aliases, &deps);
        for dialect in &ENGINES {
            let sql = format!("SELECT {} AS out FROM T", written(&logical));
            let Some(rewritten) = rewrite(&sql, dialect, &catalog) else {
                continue;
            };
            let query = assert_stable(&rewritten, dialect);
            let SetExpr::Select(select) = query.body.as_ref() else {
                panic!("{rewritten}")
            };
            let [SelectItem::ExprWithAlias { expr: Expr::Identifier(column), .. }] =
                select.projection.as_slice()
            else {
                panic!("{rewritten}")
            };
            prop_assert_eq!(&column.value, &physical);
            prop_assert_eq!(select.from.len(), 1);
        }
    }

    #[test]
    fn hostile_constants_are_one_constant_or_refused(raw in "[a-z'\\\\;\\- \n\t$é\u{0}]{0,16}") {
        let aliases = BTreeMap::new();
        let deps = BTreeMap::new();
        let fields = [("a".to_string(), "a".to_string())];
        let catalog = catalog("t", &fields, &aliases, &deps);
        for dialect in &ENGINES {
            let sql = format!("SELECT '{raw}' AS x FROM T");
            if let Some(rewritten) = rewrite(&sql, dialect, &catalog) {
                let query = assert_stable(&rewritten, dialect);
                let SetExpr::Select(select) = query.body.as_ref() else {
                    panic!("{rewritten}")
                };
                prop_assert_eq!(select.projection.len(), 1);
            }
        }
    }

    #[test]
    fn mutated_queries_never_panic_and_what_is_accepted_is_stable(
        seed in prop::sample::select(SEEDS),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0..3u8, prop::sample::select(&[
                "'", "\\", "\"", ";", "--", "/*", "$$", " ", "E'", "(", ")", "a", "T", "DROP TABLE x",
            ][..])),
            1..4,
        ),
    ) {
        let mut sql: Vec<char> = seed.chars().collect();
        for (at, kind, text) in edits {
            let i = at.index(sql.len() + 1);
            match kind {
                0 => { sql.splice(i..i, text.chars()); }
                1 if i < sql.len() => { sql.remove(i); }
                _ if i < sql.len() => { sql.splice(i..=i, text.chars()); }
                _ => sql.extend(text.chars()),
            }
        }
        let sql: String = sql.into_iter().collect();
        let aliases = BTreeMap::new();
        let deps = BTreeMap::new();
        let fields = [
            ("a".to_string(), "a".to_string()),
            ("b".to_string(), r#"b\"; DROP TABLE victim; --"#.to_string()),
        ];
        let catalog = catalog("t", &fields, &aliases, &deps);
        for dialect in &ENGINES {
            if let Some(rewritten) = rewrite(&sql, dialect, &catalog) {
                assert_stable(&rewritten, dialect);
            }
        }
    }
}
