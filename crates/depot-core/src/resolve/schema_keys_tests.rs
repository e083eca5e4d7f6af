//! Resolving every key of SPEC §1b on a real schema, and the located problems of bad
//! expressions, references and features the engine refuses.

use super::tests::{breeds, dogs, pg, problems, resolved, sf, Limited};
use super::*;
use crate::package::ObjectSchema;
use crate::view::test_dialect::{POSTGRES, SNOWFLAKE};
use serde_json::{json, Value};

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
