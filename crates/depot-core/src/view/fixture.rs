//! The fixture of the view tests: a catalog of objects, views and dependencies, and helpers that
//! parse and rewrite a view against it.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use sqlparser::ast::{Query, Statement, Value, ValueWithSpan, Visit, Visitor};
use sqlparser::parser::Parser;

use crate::dialect::Dialect;
use crate::naming::NamingStrategy;
use crate::physical::{Metadata, SchemaMetadata};
use crate::problem::Problem;
use crate::reader::At;
use crate::view::parse::parse_view;
use crate::view::rewrite::{rewrite_view, RewrittenView};
use crate::view::scope::{Catalog, Column, Relation};
use crate::view::test_dialect::{TestDialect, POSTGRES};

pub(crate) fn relation(naming: NamingStrategy, physical: &str, fields: &[&str]) -> Relation {
    Relation {
        physical: physical.to_string(),
        columns: Some(
            fields
                .iter()
                .map(|f| Column {
                    logical: f.to_string(),
                    physical: naming.apply(f),
                })
                .collect(),
        ),
    }
}

pub(crate) struct Fixture {
    aliases: BTreeMap<String, String>,
    deps: BTreeMap<String, Metadata>,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let breeds = Metadata {
            namespace: "ws_breeds".into(),
            schemas: BTreeMap::from([
                (
                    "Breed".to_string(),
                    SchemaMetadata {
                        object: "breed".into(),
                        fields: BTreeMap::from([
                            ("id".to_string(), "id".to_string()),
                            ("breedName".to_string(), "breed_name".to_string()),
                        ]),
                    },
                ),
                (
                    "PopularBreed".to_string(),
                    SchemaMetadata {
                        object: "popular_breed".into(),
                        fields: BTreeMap::new(),
                    },
                ),
                (
                    "RareBreed".to_string(),
                    SchemaMetadata {
                        object: "rare_breed".into(),
                        fields: BTreeMap::from([(
                            "breedName".to_string(),
                            "breed_name".to_string(),
                        )]),
                    },
                ),
            ]),
        };
        Fixture {
            aliases: BTreeMap::from([
                ("Breeds".to_string(), "WsBreeds".to_string()),
                ("Vets".to_string(), "WsVets".to_string()),
            ]),
            deps: BTreeMap::from([("Breeds".to_string(), breeds)]),
        }
    }

    pub(crate) fn catalog(&self, naming: NamingStrategy, namespace: &'static str) -> Catalog<'_> {
        let n = |s: &str| naming.apply(s);
        Catalog {
            enum_types: BTreeMap::new(),
            native_enums: true,
            namespace,
            objects: BTreeMap::from([
                (
                    "Dog".to_string(),
                    relation(
                        naming,
                        &n("Dog"),
                        &[
                            "id",
                            "name",
                            "birthDate",
                            "vaccinated",
                            "ownerId",
                            "order",
                            "breedId",
                        ],
                    ),
                ),
                (
                    "Owner".to_string(),
                    relation(naming, &n("Owner"), &["id", "name", "fullName"]),
                ),
                ("User".to_string(), relation(naming, &n("User"), &["id"])),
            ]),
            views: BTreeMap::from([
                (
                    "Puppy".to_string(),
                    Relation {
                        physical: n("Puppy"),
                        columns: Some(vec![Column {
                            logical: "puppyName".into(),
                            physical: n("puppyName"),
                        }]),
                    },
                ),
                (
                    "Broken".to_string(),
                    Relation {
                        physical: n("Broken"),
                        columns: None,
                    },
                ),
            ]),
            dependency_aliases: &self.aliases,
            dependencies: &self.deps,
            naming,
        }
    }
}

pub(crate) fn run(dialect: TestDialect, sql: &str) -> Result<RewrittenView, Vec<Problem>> {
    let f = Fixture::new();
    let (naming, ns) = match dialect.engine {
        crate::view::test_dialect::Engine::Postgres => {
            (NamingStrategy::SnakeCase, "ws_dev_dog_src")
        }
        crate::view::test_dialect::Engine::Snowflake => {
            (NamingStrategy::UpperSnakeCase, "WS_DEV_DOG_SRC")
        }
    };
    let catalog = f.catalog(naming, ns);
    let at = At::root()
        .key("package")
        .key("schemas")
        .key("V")
        .in_schema("V")
        .key("query");
    let query = parse_view(sql, &dialect, "V", &at).map_err(|p| vec![p])?;
    rewrite_view("V", query, &catalog, &dialect, &at)
}

/// ok rewrites `sql` for PostgreSQL and gives the SQL; its failure message shows the problems.
pub(crate) fn ok(sql: &str) -> String {
    match run(POSTGRES, sql) {
        Ok(v) => v.sql,
        Err(ps) => panic!("expected `{sql}` to rewrite, got problems (see `errors`): {ps:#?}"),
    }
}

/// errors rewrites `sql`, expecting problems, and gives (rule, message) pairs.
pub(crate) fn errors(sql: &str) -> Vec<(&'static str, String)> {
    match run(POSTGRES, sql) {
        Ok(v) => panic!(
            "expected problems for `{sql}` (see `ok`), it rewrote to: {}",
            v.sql
        ),
        Err(ps) => ps.into_iter().map(|p| (p.rule, p.message)).collect(),
    }
}

pub(crate) fn reads(sql: &str) -> Vec<(String, Vec<String>)> {
    run(POSTGRES, sql)
        .unwrap()
        .reads
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

pub(crate) fn r(table: &str, fields: &[&str]) -> (String, Vec<String>) {
    let mut fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    fields.sort();
    (table.to_string(), fields)
}
/// reparsed parses printed view SQL the way the engine's parser does and gives its one query.
pub(crate) fn reparsed(dialect: TestDialect, sql: &str) -> Query {
    let statements = Parser::parse_sql(dialect.parser_dialect(), sql).unwrap();
    match statements.as_slice() {
        [Statement::Query(q)] => (**q).clone(),
        other => panic!("`{sql}` is {} statements: {other:?}", other.len()),
    }
}

/// literals are the string constants of a query, in order.
pub(crate) fn literals(query: &Query) -> Vec<String> {
    struct Collect(Vec<String>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_value(&mut self, value: &ValueWithSpan) -> ControlFlow<()> {
            if let Value::SingleQuotedString(s) = &value.value {
                self.0.push(s.clone());
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect(Vec::new());
    let _ = query.visit(&mut c);
    c.0
}
