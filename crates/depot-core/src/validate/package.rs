//! The package itself: its top-level members (name, version, description, schemas, seeds)
//! and the optional strings (`description`, `sqlName`) every level of a package may carry.

use std::collections::BTreeMap;

use crate::json::{JsonObject, JsonValue};
use crate::package::Package;
use crate::reader::{Place, Reader};

use super::enum_uses::check_enum_fields;
use super::enums::{read_enums, Enums};
use super::salvage::Salvage;
use super::schema::read_schemas;
use super::seeds::read_seeds;

const PACKAGE_KEYS: &[&str] = &[
    "name",
    "version",
    "description",
    "schemas",
    "seeds",
    "enums",
];

/// read_package reads a package. When it has problems and `salvage` is given, the sound part
/// of it is put there (see [`super::salvage`]).
pub(super) fn read_package<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    salvage: Option<&mut Option<Box<Salvage>>>,
) -> Option<Package> {
    let map = r.object(raw, at, "a package", PACKAGE_KEYS)?;
    let name = r
        .required(map, at, "name", "the package name (a string)")
        .and_then(|v| r.non_empty_string(v, &at.key("name"), "the package `name`"));
    let version = r
        .required(
            map,
            at,
            "version",
            "the package version (a string such as \"1.3.0\")",
        )
        .and_then(|v| r.non_empty_string(v, &at.key("version"), "the package `version`"));
    let description = optional_string(r, map.get("description"), at, "description");
    let enums = match map.get("enums") {
        None => Some(Enums::none()),
        Some(v) => read_enums(r, v, &at.key("enums")),
    };
    let schemas = r
        .required(
            map,
            at,
            "schemas",
            "an object of schemas by name (it may be empty)",
        )
        .and_then(|v| read_schemas(r, v, &at.key("schemas")));
    let seeds_from = r.problems.len();
    let seeds = match (map.get("seeds"), &schemas) {
        (Some(v), Some(schemas)) => read_seeds(r, v, &at.key("seeds"), schemas, enums.as_ref()),
        (Some(_), None) | (None, _) => Some(BTreeMap::new()),
    };
    // Every field that parsed is checked against every enum that was read, also when either
    // has problems of its own: fixing one never reveals the other.
    let seeds_problems = seeds_from..r.problems.len();
    if let (Some(enums), Some(schemas)) = (&enums, &schemas) {
        check_enum_fields(r, &at.key("schemas"), enums, schemas);
    }
    if let (Some(out), false) = (salvage, r.problems.is_empty()) {
        *out = super::salvage::salvage(
            &r.problems,
            seeds_problems,
            enums.as_ref(),
            schemas.as_ref(),
        )
        .map(Box::new);
    }
    let schemas = schemas.filter(|s| s.ok)?.parsed;
    let enums = enums.filter(|e| e.ok)?.parsed;
    Some(Package {
        name: name?,
        version: version?,
        description: description?,
        enums,
        schemas,
        seeds: seeds?,
    })
}

/// optional_string reads `value`, member `key` of the object at `at`: `Some(None)` when
/// absent, `None` on a problem.
pub(super) fn optional_string<J: JsonValue>(
    r: &mut Reader,
    value: Option<&J>,
    at: &Place<'_>,
    key: &str,
) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(v) => r.string(v, &at.key(key), format_args!("`{key}`")).map(Some),
    }
}

/// optional_sql_name reads `sqlName` (its value): a non-empty explicit physical name.
pub(super) fn optional_sql_name<J: JsonValue>(
    r: &mut Reader,
    value: Option<&J>,
    at: &Place<'_>,
) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(v) => r
            .non_empty_string(
                v,
                &at.key("sqlName"),
                "`sqlName` (the explicit physical name)",
            )
            .map(Some),
    }
}
#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{dogs, problems, with};
    use crate::field_type::FieldType;
    use crate::package::{Index, Schema};
    use crate::rules;
    use serde_json::json;

    #[test]
    fn the_spec_example_parses_into_the_model() {
        let p = parse_package(&dogs()).unwrap();
        assert_eq!(p.name, "dogs");
        let Schema::Object(dog) = &p.schemas["Dog"] else {
            panic!("Dog is an object")
        };
        assert_eq!(dog.fields.len(), 6);
        assert_eq!(dog.primary_key, ["id"]);
        assert_eq!(dog.previous_names, ["Hound"]);
        assert_eq!(
            dog.fields.get("weightKg").unwrap().field_type,
            FieldType::Decimal {
                precision: 6,
                scale: 2
            }
        );
        assert_eq!(
            dog.fields.get("vaccinated").unwrap().default,
            Some(crate::column_default::FieldDefault::Literal(json!(false)))
        );
        assert!(!dog.fields.get("name").unwrap().nullable);
        assert_eq!(
            dog.indexes,
            [Index {
                name: "byName".into(),
                fields: vec!["name".into()],
                unique: false,
                ..Index::default()
            }]
        );
        let Schema::View(v) = &p.schemas["VaccinatedDog"] else {
            panic!("a view")
        };
        assert_eq!(
            v.query_for("postgres"),
            Some("SELECT id, name, birthDate FROM Dog WHERE vaccinated")
        );
        assert_eq!(p.seeds["Dog"][0]["name"], json!("Rex"));
    }

    #[test]
    fn normalization_sorts_what_has_no_order() {
        let a = with(
            dogs(),
            "/schemas/Dog/indexes",
            json!([{"name": "b", "fields": ["id"]}, {"name": "a", "fields": ["name"], "unique": "true"}]),
        );
        let a = with(a, "/schemas/Dog/previousNames", json!(["Pup", "Hound"]));
        let b = with(
            dogs(),
            "/schemas/Dog/indexes",
            json!([{"name": "a", "fields": ["name"], "unique": true}, {"name": "b", "fields": ["id"]}]),
        );
        let b = with(
            b,
            "/schemas/Dog/previousNames",
            json!(["Hound", "Pup", "Hound"]),
        );
        assert_eq!(parse_package(&a).unwrap(), parse_package(&b).unwrap());
    }

    #[test]
    fn required_top_level_keys_and_unknown_keys() {
        assert_eq!(
            problems(json!({"nme": "x", "schemas": {}})),
            [
                (rules::UNKNOWN_KEY, "nme".to_string()),
                (rules::REQUIRED, "name".to_string()),
                (rules::REQUIRED, "version".to_string()),
            ]
        );
        assert_eq!(
            problems(json!([])),
            [(rules::WRONG_JSON_TYPE, "$".to_string())]
        );
        assert!(parse_package(&json!({"name": "n", "version": "1", "schemas": {}})).is_ok());
    }

    #[test]
    fn a_package_with_every_new_key_survives_a_json_round_trip() {
        let p = parse_package(&super::super::test_support::orders()).unwrap();
        let text = serde_json::to_string(&p).unwrap();
        let back: crate::package::Package = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        // The normalized form is itself a package that parses to the same model.
        let again = parse_package(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(again, p);
    }
}
