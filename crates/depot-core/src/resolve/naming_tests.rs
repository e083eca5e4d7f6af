//! Resolving names: each engine's naming strategy, `sqlName`, generated names shortened to fit,
//! and collisions.

use super::tests::{dogs, pg, problems, resolved, sf};
use super::*;
use crate::view::test_dialect::{POSTGRES, SNOWFLAKE};
use serde_json::json;

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
