use super::*;
use crate::package::ObjectSchema;
use crate::physical::{Metadata, SchemaMetadata};
use crate::properties::parse_dataset;
use crate::view::test_dialect::{TestDialect, POSTGRES, SNOWFLAKE, TEST_ENGINES};
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
    parse_dataset(&raw, &TEST_ENGINES).unwrap_or_else(|e| panic!("{e}"))
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

fn breeds() -> BTreeMap<String, DependencyModel> {
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
struct Limited;

impl Dialect for Limited {
    fn engine(&self) -> crate::dialect::EngineId {
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
fn snowflake_names_are_upper_snake_case() {
    let m = resolved(&sf(dogs()), SNOWFLAKE);
    assert_eq!(m.namespace, "WS_DEV_DOG_SRC");
    let dog = &m.objects["Dog"];
    assert_eq!(dog.physical, "DOG");
    assert_eq!(dog.primary_key.as_ref().unwrap().name, "DOG_PKEY");
    assert_eq!(dog.indexes[0].physical, "DOG_BY_NAME_IDX");
    assert_eq!(
        m.views["VaccinatedDog"].sql,
        "SELECT ID, NAME, BIRTH_DATE FROM WS_DEV_DOG_SRC.DOG WHERE VACCINATED"
    );
}

#[test]
fn sql_names_override_the_strategy() {
    let mut schemas = dogs();
    schemas["Dog"]["sqlName"] = json!("dogs_v2");
    schemas["Dog"]["fields"]["birthDate"]["sqlName"] = json!("born");
    schemas["VaccinatedDog"]["sqlName"] = json!("good_dogs");
    let m = resolved(&pg(schemas), POSTGRES);
    assert_eq!(m.objects["Dog"].physical, "dogs_v2");
    assert_eq!(
        m.objects["Dog"].primary_key.as_ref().unwrap().name,
        "dogs_v2_pkey"
    );
    assert_eq!(m.objects["Dog"].indexes[0].columns, ["name", "born"]);
    assert_eq!(m.views["VaccinatedDog"].physical, "good_dogs");
    assert_eq!(
        m.views["VaccinatedDog"].sql,
        "SELECT id, name, born FROM ws_dev_dog_src.dogs_v2 WHERE vaccinated"
    );
    let meta = m.metadata();
    assert_eq!(meta.schemas["Dog"].fields["birthDate"], "born");
}

#[test]
fn generated_names_are_shortened_deterministically() {
    let long = "a".repeat(50);
    let a = generated_name(
        &format!("{long}_by_owner_and_name_idx"),
        63,
        NamingStrategy::SnakeCase,
    );
    let b = generated_name(
        &format!("{long}_by_owner_and_birth_idx"),
        63,
        NamingStrategy::SnakeCase,
    );
    assert_eq!(a.len(), 63);
    assert!(a.starts_with(&format!("{long}_by_")), "{a}");
    assert_ne!(a, b, "same prefix, different hashes");
    assert_eq!(
        a,
        generated_name(
            &format!("{long}_by_owner_and_name_idx"),
            63,
            NamingStrategy::SnakeCase
        )
    );
    let digest = hex::encode(Sha256::digest(
        format!("{long}_by_owner_and_name_idx").as_bytes(),
    ));
    assert!(a.ends_with(&format!("_{}", &digest[..8])), "{a}");
    assert_eq!(
        generated_name("dog_pkey", 63, NamingStrategy::SnakeCase),
        "dog_pkey"
    );
    let upper = generated_name(&"X".repeat(70), 63, NamingStrategy::UpperSnakeCase);
    assert!(
        upper.chars().skip(55).all(|c| !c.is_ascii_lowercase()),
        "{upper}"
    );
    // Never cut inside a character.
    let wide = generated_name(&"é".repeat(40), 63, NamingStrategy::Preserve);
    assert!(wide.len() <= 63, "{wide}");
}

#[test]
fn long_generated_names_fit_the_engine() {
    let table = "dogs_with_a_very_long_descriptive_name_for_testing_x";
    let mut schemas = dogs();
    schemas["Dog"]["sqlName"] = json!(table);
    let m = resolved(&pg(schemas), POSTGRES);
    let index = &m.objects["Dog"].indexes[0].physical;
    assert!(index.len() <= 63, "{index}");
    assert!(index.starts_with(table), "{index}");
    assert_eq!(
        m.objects["Dog"].primary_key.as_ref().unwrap().name,
        format!("{table}_pkey")
    );
}

#[test]
fn user_facing_names_over_the_limit_are_problems() {
    let long_field = format!("f{}", "x".repeat(63));
    let schemas = json!({
        "Dog": {"kind": "object", "fields": {"id": {"type": "uuid"}, (long_field.clone()): {"type": "date"}}}
    });
    let d = pg(schemas);
    let got = problems(&d, POSTGRES);
    assert_eq!(got.len(), 1, "{got:?}");
    let (rule, path, message) = &got[0];
    assert_eq!(*rule, rules::IDENTIFIER_TOO_LONG);
    assert_eq!(path, &format!("package.schemas.Dog.fields.{long_field}"));
    assert!(message.contains("64 bytes"), "{message}");
    assert!(message.contains("at most 63"), "{message}");
    assert!(message.contains("sqlName"), "{message}");

    let mut d = pg(dogs());
    d.config.schema_name = "n".repeat(64);
    let got = problems(&d, POSTGRES);
    assert_eq!(
        (got[0].0, got[0].1.as_str()),
        (rules::IDENTIFIER_TOO_LONG, "schemaName")
    );
}

#[test]
fn collisions_name_both_logical_names_and_the_physical_name() {
    let schemas = json!({
        "Dog": {"kind": "object", "fields": {"dogName": {"type": "string"}, "DogName": {"type": "string"}}},
        "DogByNameIdx": {"kind": "object", "fields": {"id": {"type": "uuid"}}},
        "Cat": {"kind": "object", "fields": {"id": {"type": "uuid"}}, "indexes": [{"name": "x", "fields": ["id"]}], "sqlName": "dog"},
        "Puppy": {"kind": "view", "query": "SELECT id FROM Cat", "sqlName": "dog_by_name_idx"},
    });
    let mut d = pg(schemas);
    if let crate::package::Schema::Object(o) = d.package.schemas.get_mut("Dog").unwrap() {
        o.indexes.push(crate::package::Index {
            name: "byName".into(),
            fields: vec!["dogName".into()],
            unique: false,
            ..Default::default()
        });
    }
    let got = problems(&d, POSTGRES);
    let summary: Vec<(&str, &str)> = got.iter().map(|(r, p, _)| (*r, p.as_str())).collect();
    assert_eq!(
        summary,
        [
            (rules::NAME_COLLISION, "package.schemas.Dog"),
            (rules::NAME_COLLISION, "package.schemas.Dog.fields.dogName"),
            (rules::NAME_COLLISION, "package.schemas.DogByNameIdx"),
            (rules::NAME_COLLISION, "package.schemas.Puppy"),
        ]
    );
    assert!(
        got[0].2.contains("object `Dog` and object `Cat`") && got[0].2.contains("`dog`"),
        "{}",
        got[0].2
    );
    assert!(
        got[1].2.contains("`DogName` and `dogName`") && got[1].2.contains("`dog_name`"),
        "{}",
        got[1].2
    );
    assert!(got[2].2.contains("index `byName` of `Dog`"), "{}", got[2].2);
    assert!(got[3].2.contains("view `Puppy`"), "{}", got[3].2);
}

#[test]
fn collisions_among_many_fields_are_found_too() {
    // More fields than the pairwise comparison takes: the sorted search finds the pair.
    let mut fields = serde_json::Map::new();
    for i in 0..30 {
        fields.insert(format!("f{i:02}"), json!({"type": "uuid"}));
    }
    fields.insert("dogName".into(), json!({"type": "string"}));
    fields.insert("DogName".into(), json!({"type": "string"}));
    let got = problems(
        &pg(json!({"Dog": {"kind": "object", "fields": fields}})),
        POSTGRES,
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].0, got[0].1.as_str()),
        (rules::NAME_COLLISION, "package.schemas.Dog.fields.dogName")
    );
    assert!(
        got[0].2.contains("`DogName` and `dogName`") && got[0].2.contains("`dog_name`"),
        "{}",
        got[0].2
    );
}

#[test]
fn views_read_views_in_dependency_order() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "AOldVaccinated": {"kind": "view", "query": "SELECT bornOn FROM BVaccinated WHERE bornOn < '2015-01-01'"},
        "BVaccinated": {"kind": "view", "query": "SELECT d.name, d.birthDate AS bornOn, b.breedName FROM Dog d JOIN Breeds.Breed b ON b.id = d.breedId WHERE d.vaccinated"},
    });
    let m = resolved(&pg(schemas), POSTGRES);
    let a = &m.views["AOldVaccinated"];
    assert_eq!(
        a.sql,
        "SELECT born_on FROM ws_dev_dog_src.b_vaccinated WHERE born_on < '2015-01-01'"
    );
    assert_eq!(
        a.reads,
        BTreeMap::from([(
            "BVaccinated".to_string(),
            BTreeSet::from(["bornOn".to_string()])
        )])
    );
    let b = &m.views["BVaccinated"];
    assert_eq!(
        b.sql,
        "SELECT d.name, d.birth_date AS born_on, b.breed_name FROM ws_dev_dog_src.dog d JOIN ws_dev_breeds.breed b ON b.id = d.breed_id WHERE d.vaccinated"
    );
    assert_eq!(b.reads_dependencies, BTreeSet::from(["Breeds".to_string()]));
}

#[test]
fn view_cycles_are_reported_for_every_member() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "A": {"kind": "view", "query": "SELECT id FROM B"},
        "B": {"kind": "view", "query": "SELECT id FROM A"},
        "C": {"kind": "view", "query": "SELECT id FROM C"},
        "D": {"kind": "view", "query": "SELECT id, nope FROM A"},
    });
    let got = problems(&pg(schemas), POSTGRES);
    let summary: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(r, p, m)| (*r, p.as_str(), m.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                rules::VIEW_CYCLE,
                "package.schemas.A.query",
                "view `A` is part of a cycle of views reading each other: A -> B -> A"
            ),
            (
                rules::VIEW_CYCLE,
                "package.schemas.B.query",
                "view `B` is part of a cycle of views reading each other: B -> A -> B"
            ),
            (
                rules::VIEW_CYCLE,
                "package.schemas.C.query",
                "view `C` is part of a cycle of views reading each other: C -> C"
            ),
        ],
        "D reads a view of the cycle: its columns are unknown, so nothing more is reported"
    );
}

#[test]
fn view_problems_are_located_and_all_reported() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "Bad": {"kind": "view", "query": "SELECT colour FROM Dog"},
        "Worse": {"kind": "view", "queries": {"postgres": "SELECT id FROM Cat"}, "query": "SELECT 1"},
        "OnlySnowflake": {"kind": "view", "queries": {"snowflake": "SELECT 1"}},
    });
    let got = problems(&pg(schemas), POSTGRES);
    let summary: Vec<(&str, &str)> = got.iter().map(|(r, p, _)| (*r, p.as_str())).collect();
    assert_eq!(
        summary,
        [
            (rules::MISSING_QUERY, "package.schemas.OnlySnowflake.query"),
            (rules::UNKNOWN_FIELD, "package.schemas.Bad.query"),
            (
                rules::UNKNOWN_SCHEMA,
                "package.schemas.Worse.queries.postgres"
            ),
        ]
    );
    assert!(
        got[1].2.contains("view `Bad`") && got[1].2.contains("Dog") && got[1].2.contains("colour"),
        "{}",
        got[1].2
    );
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

/// The object schema `name` of the dataset, to add the keys validation does not parse yet.
fn object_mut<'d>(d: &'d mut Dataset, name: &str) -> &'d mut ObjectSchema {
    match d.package.schemas.get_mut(name) {
        Some(crate::package::Schema::Object(o)) => o,
        _ => panic!("no object {name}"),
    }
}

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
}

/// Dog with every key of SPEC §1b, and an Owner it references.
fn featured() -> Dataset {
    let mut schemas = dogs();
    schemas["Owner"] = json!({"kind": "object", "fields": {"id": {"type": "uuid"}, "ownerName": {"type": "string"}}, "primaryKey": ["id"], "sqlName": "people"});
    schemas["Dog"]["fields"]["ownerId"] = json!({"type": "uuid", "nullable": true});
    let mut d = pg(schemas);
    d.package.description = Some("Dogs".into());
    let dog = object_mut(&mut d, "Dog");
    dog.description = Some("A dog".into());
    let f = &mut dog.fields;
    f.insert(
        "serialNo".into(),
        from(json!({"type": "bigint", "autoIncrement": true, "description": "numbered"})),
    );
    f.insert("label".into(), from(json!({"type": "string", "default": {"sql": {"postgres": "'n/a' || 'x'", "snowflake": "'n/a'"}}})));
    f.insert(
        "bornAt".into(),
        from(json!({"type": "timestamptz", "default": {"expression": "now"}})),
    );
    f.insert(
        "nameLength".into(),
        from(json!({"type": "integer", "computed": "length(name) + 0"})),
    );
    dog.checks = vec![from(
        json!({"name": "nameNotEmpty", "expression": "name <> '' AND birthDate > '2000-01-01'", "description": "named"}),
    )];
    dog.indexes.push(from(json!({"name": "recent", "fields": [{"field": "birthDate", "order": "desc", "nulls": "last"}, "name"], "where": "vaccinated", "include": ["breedId"], "method": "btree", "description": "recent dogs"})));
    dog.foreign_keys = vec![
        from(
            json!({"name": "byOwner", "fields": ["ownerId"], "references": {"schema": "Owner", "fields": ["id"]}, "onDelete": "cascade", "deferrable": "initiallyDeferred", "description": "owned"}),
        ),
        from(
            json!({"name": "byBreed", "fields": ["breedId"], "references": {"schema": "Breeds.Breed", "fields": ["id"]}}),
        ),
    ];
    d
}

#[test]
fn every_key_of_a_real_schema_resolves_to_physical_names() {
    use crate::constraint::{Deferrable, ReferentialAction};
    use crate::identity::AutoIncrement;
    use crate::index_options::{IndexMethod, KeySort, NullsOrder, SortOrder};
    let m = resolved(&featured(), POSTGRES);
    assert_eq!(m.comment.as_deref(), Some("Dogs"));
    let dog = &m.objects["Dog"];
    assert_eq!(dog.comment.as_deref(), Some("A dog"));
    let serial = dog.column("serialNo").unwrap();
    assert_eq!(serial.identity, Some(AutoIncrement::ByDefault));
    assert_eq!(serial.comment.as_deref(), Some("numbered"));
    assert_eq!(
        dog.column("label").unwrap().default,
        Some(ColumnDefault::Sql("'n/a' || 'x'".into()))
    );
    assert_eq!(
        dog.column("bornAt").unwrap().default,
        Some(ColumnDefault::Expression(
            crate::column_default::PortableExpression::Now
        ))
    );
    assert_eq!(
        dog.column("nameLength").unwrap().computed.as_deref(),
        Some("length(\"name\") + 0")
    );
    assert_eq!(
        dog.checks,
        [PhysicalCheck {
            logical: "nameNotEmpty".into(),
            physical: "dog_name_not_empty_check".into(),
            sql: "\"name\" <> '' AND \"birth_date\" > '2000-01-01'".into(),
            comment: Some("named".into()),
        }]
    );
    assert_eq!(
        dog.indexes[1],
        PhysicalIndex {
            logical: "recent".into(),
            physical: "dog_recent_idx".into(),
            columns: vec!["birth_date".into(), "name".into()],
            unique: false,
            sort: vec![
                KeySort {
                    order: Some(SortOrder::Desc),
                    nulls: Some(NullsOrder::Last)
                },
                KeySort::default()
            ],
            where_sql: Some("\"vaccinated\"".into()),
            include: vec!["breed_id".into()],
            method: Some(IndexMethod::Btree),
            comment: Some("recent dogs".into()),
            ..PhysicalIndex::default()
        }
    );
    assert!(
        dog.indexes[0].sort.is_empty(),
        "default sorts leave sort empty"
    );
    assert_eq!(
        dog.foreign_keys,
        [
            PhysicalForeignKey {
                logical: "byOwner".into(),
                physical: "dog_by_owner_fkey".into(),
                columns: vec!["owner_id".into()],
                references_namespace: "ws_dev_dog_src".into(),
                references_logical: "Owner".into(),
                references_table: "people".into(),
                references_columns: vec!["id".into()],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
                deferrable: Some(Deferrable::InitiallyDeferred),
                comment: Some("owned".into()),
            },
            PhysicalForeignKey {
                logical: "byBreed".into(),
                physical: "dog_by_breed_fkey".into(),
                columns: vec!["breed_id".into()],
                references_namespace: "ws_dev_breeds".into(),
                references_logical: "Breeds.Breed".into(),
                references_table: "breed".into(),
                references_columns: vec!["id".into()],
                on_delete: ReferentialAction::NoAction,
                on_update: ReferentialAction::NoAction,
                deferrable: None,
                comment: None,
            },
        ]
    );
    // Snowflake: its own default SQL, upper-case generated names.
    let mut d = featured();
    d.config.location = sf(dogs()).config.location;
    d.config.naming_strategy = NamingStrategy::UpperSnakeCase;
    d.config.schema_name = "WS".into();
    let m = resolved(&d, SNOWFLAKE);
    let dog = &m.objects["Dog"];
    assert_eq!(
        dog.column("label").unwrap().default,
        Some(ColumnDefault::Sql("'n/a'".into()))
    );
    assert_eq!(dog.checks[0].physical, "DOG_NAME_NOT_EMPTY_CHECK");
    assert_eq!(dog.foreign_keys[0].physical, "DOG_BY_OWNER_FKEY");
    assert_eq!(dog.foreign_keys[0].references_namespace, "WS");
}

#[test]
fn bad_expressions_and_references_are_located_problems() {
    let mut d = featured();
    let dog = object_mut(&mut d, "Dog");
    dog.fields.insert(
        "noSql".into(),
        from(json!({"type": "string", "default": {"sql": {"snowflake": "'x'"}}})),
    );
    dog.fields.insert(
        "readsRow".into(),
        from(json!({"type": "string", "default": {"sql": {"postgres": "name"}}})),
    );
    dog.fields.insert(
        "twice".into(),
        from(json!({"type": "integer", "computed": "nameLength * 2"})),
    );
    dog.checks
        .push(from(json!({"name": "bad", "expression": "colour = 'red'"})));
    dog.foreign_keys.push(from(json!({"name": "toCat", "fields": ["ownerId"], "references": {"schema": "Cat", "fields": ["id"]}})));
    dog.foreign_keys.push(from(json!({"name": "toCats", "fields": ["ownerId"], "references": {"schema": "Cats.Cat", "fields": ["id"]}})));
    dog.foreign_keys.push(from(json!({"name": "toBreedName", "fields": ["nope"], "references": {"schema": "Breeds.Breed", "fields": ["colour"]}})));
    let got = problems(&d, POSTGRES);
    let summary: Vec<(&str, &str)> = got.iter().map(|(r, p, _)| (*r, p.as_str())).collect();
    assert_eq!(
        summary,
        [
            (
                rules::MISSING_ENGINE_SQL,
                "package.schemas.Dog.fields.noSql.default.sql"
            ),
            (
                rules::EXPRESSION_READS,
                "package.schemas.Dog.fields.readsRow.default.sql.postgres"
            ),
            (
                rules::EXPRESSION_READS,
                "package.schemas.Dog.fields.twice.computed"
            ),
            (
                rules::UNKNOWN_FIELD,
                "package.schemas.Dog.checks[1].expression"
            ),
            (
                rules::UNKNOWN_SCHEMA,
                "package.schemas.Dog.foreignKeys[2].references.schema"
            ),
            (
                rules::UNKNOWN_DEPENDENCY,
                "package.schemas.Dog.foreignKeys[3].references.schema"
            ),
            (
                rules::UNKNOWN_FIELD,
                "package.schemas.Dog.foreignKeys[4].fields[0]"
            ),
            (
                rules::UNKNOWN_FIELD,
                "package.schemas.Dog.foreignKeys[4].references.fields[0]"
            ),
        ],
        "{got:#?}"
    );
    assert!(
        got[0].2.contains("`Dog.noSql`") && got[0].2.contains("postgres"),
        "{}",
        got[0].2
    );
    assert!(got[2].2.contains("`nameLength`"), "{}", got[2].2);
    assert!(
        got[5].2.contains("`Cats`") && got[5].2.contains("dependencies"),
        "{}",
        got[5].2
    );
}

#[test]
fn features_the_engine_refuses_are_problems_in_its_words() {
    let mut d = featured();
    object_mut(&mut d, "Dog").fields.insert(
        "serialNo".into(),
        from(json!({"type": "bigint", "autoIncrement": "always"})),
    );
    let got: Vec<(&str, String, String)> = match resolve(&d, &Limited, &breeds()) {
        Ok(_) => panic!("resolved"),
        Err(ps) => {
            ps.0.into_iter()
                .map(|p| (p.rule, p.path, p.message))
                .collect()
        }
    };
    let features: Vec<(&str, &str)> = got
        .iter()
        .filter(|(r, _, _)| *r == rules::ENGINE_FEATURE)
        .map(|(_, p, m)| (p.as_str(), m.as_str()))
        .collect();
    assert_eq!(
        features,
        [
            (
                "package.schemas.Dog.fields.nameLength.computed",
                "postgres-limited cannot create ComputedColumns"
            ),
            (
                "package.schemas.Dog.fields.serialNo.autoIncrement",
                "postgres-limited cannot create AutoIncrementAlways"
            ),
            (
                "package.schemas.Dog.indexes[1]",
                "postgres-limited cannot create IndexOptions"
            ),
            (
                "package.schemas.Dog.checks",
                "postgres-limited cannot create Checks"
            ),
        ]
    );
    // Ignored unenforced checks are kept in the model (the plan records them), not refused.
    d.config.ignore_unenforced_checks = true;
    let got = match resolve(&d, &Limited, &breeds()) {
        Ok(_) => panic!("resolved"),
        Err(ps) => ps.0,
    };
    assert!(got.iter().all(|p| !p.message.contains("Checks")), "{got:?}");
    let mut plain = featured();
    plain.config.ignore_unenforced_checks = true;
    assert_eq!(resolved(&plain, POSTGRES).objects["Dog"].checks.len(), 1);
}

#[test]
fn a_select_star_view_records_the_object_it_reads() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "AllDogs": {"kind": "view", "query": "SELECT * FROM Dog"},
    });
    let m = resolved(&pg(schemas), POSTGRES);
    assert!(
        m.views["AllDogs"].reads.contains_key("Dog"),
        "{:?}",
        m.views["AllDogs"].reads
    );
    assert!(m.views["AllDogs"].reads_every_column.contains("Dog"));
    // A view naming its columns does not read every column.
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "Names": {"kind": "view", "query": "SELECT name FROM Dog"},
    });
    let m = resolved(&pg(schemas), POSTGRES);
    assert!(m.views["Names"].reads_every_column.is_empty());
}
