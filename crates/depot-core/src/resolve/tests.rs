//! Resolving datasets: the shared fixtures, the SPEC example, engine limits, and independence
//! from input order.

use super::*;
use crate::physical::{Metadata, SchemaMetadata};
use crate::properties::parse_dataset;
use crate::view::test_dialect::{TestDialect, POSTGRES, SNOWFLAKE};
use serde_json::{json, Value};

fn dataset(location: Value, schemas: Value) -> Dataset {
    let raw = json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsDevDogSrc",
        "bootstrapBucket": "bkt",
        "location": location,
        "dependencies": {"Breeds": "WsDevBreeds"},
        "package": {"name": "dogs", "version": "1", "schemas": schemas},
    });
    parse_dataset(&raw).unwrap_or_else(|e| panic!("{e}"))
}

pub(super) fn pg(schemas: Value) -> Dataset {
    dataset(
        json!({"type": "postgres", "name": "main", "host": "h", "port": 5432, "database": "app"}),
        schemas,
    )
}

pub(super) fn sf(schemas: Value) -> Dataset {
    dataset(
        json!({"type": "snowflake", "name": "sf", "account": "acme", "database": "DB"}),
        schemas,
    )
}

pub(super) fn breeds() -> BTreeMap<String, DependencyModel> {
    BTreeMap::from([(
        "Breeds".to_string(),
        Metadata {
            namespace: "ws_dev_breeds".into(),
            schemas: BTreeMap::from([(
                "Breed".to_string(),
                SchemaMetadata {
                    object: "breed".into(),
                    fields: BTreeMap::from([
                        ("id".to_string(), "id".to_string()),
                        ("breedName".to_string(), "breed_name".to_string()),
                    ]),
                },
            )]),
        },
    )])
}

pub(super) fn dogs() -> Value {
    json!({
        "Dog": {
            "kind": "object",
            "fields": {
                "name": {"type": "string", "maxLength": 200},
                "id": {"type": "uuid"},
                "birthDate": {"type": "date", "nullable": true},
                "vaccinated": {"type": "boolean", "default": false},
                "breedId": {"type": "uuid", "nullable": true, "previousNames": ["breed"]}
            },
            "primaryKey": ["id"],
            "indexes": [{"name": "byName", "fields": ["name", "birthDate"], "unique": true}],
            "previousNames": ["Hound"]
        },
        "VaccinatedDog": {"kind": "view", "query": "SELECT id, name, birthDate FROM Dog WHERE vaccinated"}
    })
}

pub(super) fn resolved(d: &Dataset, dialect: TestDialect) -> PhysicalModel {
    resolve(d, &dialect, &breeds()).unwrap_or_else(|e| panic!("{e}"))
}

/// problems resolves, expecting failure, and gives (rule, path, message) triples.
pub(super) fn problems(d: &Dataset, dialect: TestDialect) -> Vec<(&'static str, String, String)> {
    match resolve(d, &dialect, &breeds()) {
        Ok(m) => panic!("expected problems, resolved: {m:#?}"),
        Err(ps) => {
            ps.0.into_iter()
                .map(|p| (p.rule, p.path, p.message))
                .collect()
        }
    }
}

/// Limited is [`POSTGRES`] with engine limits: strings up to 100 characters, 3 columns,
/// `sys` and `__admin` reserved, void view columns refused.
pub(super) struct Limited;

impl Dialect for Limited {
    fn engine(&self) -> Engine {
        POSTGRES.engine()
    }
    fn default_naming(&self) -> NamingStrategy {
        POSTGRES.default_naming()
    }
    fn max_identifier_bytes(&self) -> usize {
        POSTGRES.max_identifier_bytes()
    }
    fn max_string_length(&self) -> Option<u64> {
        Some(100)
    }
    fn max_columns(&self) -> Option<usize> {
        Some(3)
    }
    fn reserved_namespace(&self, namespace: &str) -> Option<String> {
        ["sys", "__admin"]
            .contains(&namespace)
            .then(|| "reserved here".to_string())
    }
    fn refuses_void_columns(&self) -> bool {
        true
    }
    fn refuses(&self, feature: Feature) -> Option<String> {
        (feature != Feature::Arrays).then(|| format!("postgres-limited cannot create {feature:?}"))
    }
    fn quote_ident(&self, ident: &str) -> String {
        POSTGRES.quote_ident(ident)
    }
    fn quoted_ident(&self, ident: &str) -> String {
        POSTGRES.quoted_ident(ident)
    }
    fn string_literal(&self, value: &str) -> Option<String> {
        POSTGRES.string_literal(value)
    }
    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        POSTGRES.parser_dialect()
    }
    fn render(
        &self,
        change: &crate::change::Change,
        ctx: &crate::dialect::RenderContext,
    ) -> Result<Vec<crate::dialect::StepDraft>, crate::dialect::RenderError> {
        POSTGRES.render(change, ctx)
    }
}

#[test]
fn engine_limits_reserved_namespaces_and_void_columns_are_problems_naming_the_engine() {
    let mut d = pg(json!({
        "Dog": {"kind": "object", "fields": {
            "id": {"type": "uuid"}, "a": {"type": "string", "maxLength": 101},
            "b": {"type": "string", "maxLength": 100}, "c": {"type": "string"}
        }},
        "Names": {"kind": "view", "query": "SELECT id, NULL::void AS v FROM Dog"}
    }));
    d.config.schema_name = "sys".into();
    let found: Vec<(&str, String)> = match resolve(&d, &Limited, &breeds()) {
        Ok(_) => panic!("resolved"),
        Err(ps) => ps.0.into_iter().map(|p| (p.rule, p.path)).collect(),
    };
    assert_eq!(
        found,
        [
            (rules::RESERVED_NAMESPACE, "schemaName".to_string()),
            (
                rules::ENGINE_LIMIT,
                "package.schemas.Dog.fields".to_string()
            ),
            (
                rules::ENGINE_LIMIT,
                "package.schemas.Dog.fields.a.maxLength".to_string()
            ),
            (
                rules::VIEW_VOID_COLUMN,
                "package.schemas.Names.query".to_string()
            ),
        ]
    );
    let Err(ps) = resolve(&d, &Limited, &breeds()) else {
        panic!("resolved")
    };
    assert!(ps.0.iter().all(|p| p.message.contains("postgres")), "{ps}");
    // Within the limits, on a free namespace, without the void column: resolved.
    let ok = pg(json!({"Dog": {"kind": "object", "fields": {
        "id": {"type": "uuid"}, "b": {"type": "string", "maxLength": 100}
    }}}));
    assert!(resolve(&ok, &Limited, &breeds()).is_ok());
    // The default dialect methods limit nothing.
    assert!(resolve(&d, &POSTGRES, &breeds()).is_ok());
}

#[test]
fn the_spec_example_resolves_for_postgres() {
    let m = resolved(&pg(dogs()), POSTGRES);
    assert_eq!(m.namespace, "ws_dev_dog_src");
    let dog = &m.objects["Dog"];
    assert_eq!(dog.physical, "dog");
    assert_eq!(dog.previous_names, ["Hound"]);
    let columns: Vec<(&str, &str)> = dog
        .columns
        .iter()
        .map(|c| (c.logical.as_str(), c.physical.as_str()))
        .collect();
    assert_eq!(
        columns,
        [
            ("id", "id"),
            ("birthDate", "birth_date"),
            ("breedId", "breed_id"),
            ("name", "name"),
            ("vaccinated", "vaccinated")
        ],
        "key first, then by logical name"
    );
    assert_eq!(dog.column("breedId").unwrap().previous_names, ["breed"]);
    assert_eq!(
        dog.column("vaccinated").unwrap().default,
        Some(ColumnDefault::Literal(json!(false)))
    );
    assert_eq!(
        dog.primary_key,
        Some(PhysicalKey {
            name: "dog_pkey".into(),
            columns: vec!["id".into()]
        })
    );
    assert_eq!(
        dog.indexes,
        [PhysicalIndex {
            logical: "byName".into(),
            physical: "dog_by_name_idx".into(),
            columns: vec!["name".into(), "birth_date".into()],
            unique: true,
            ..PhysicalIndex::default()
        }]
    );
    let v = &m.views["VaccinatedDog"];
    assert_eq!(v.physical, "vaccinated_dog");
    assert_eq!(
        v.sql,
        "SELECT id, name, birth_date FROM ws_dev_dog_src.dog WHERE vaccinated"
    );
    assert_eq!(
        v.reads,
        BTreeMap::from([(
            "Dog".to_string(),
            BTreeSet::from(["id", "name", "birthDate", "vaccinated"].map(String::from))
        )])
    );
    assert!(v.reads_dependencies.is_empty());
}

#[test]
fn the_location_must_match_the_dialect() {
    let got = problems(&pg(dogs()), SNOWFLAKE);
    assert_eq!(got[0].0, rules::ENGINE_MISMATCH);
    assert_eq!(got[0].1, "location.type");
}

#[test]
fn the_resolution_is_independent_of_input_order() {
    let a = pg(dogs());
    let mut reordered = dogs();
    reordered["Dog"]["indexes"] =
        json!([{"fields": ["name", "birthDate"], "unique": "true", "name": "byName"}]);
    let b = pg(reordered);
    assert_eq!(resolved(&a, POSTGRES), resolved(&b, POSTGRES));
}
