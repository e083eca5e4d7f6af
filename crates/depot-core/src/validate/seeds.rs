//! Seeds: the rows a package gives for its objects, each checked against its object's fields
//! and primary key and normalized like defaults.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::json::{JsonObject, JsonValue};
use crate::literal;
use crate::package::{FieldMap, Schema};
use crate::reader::{Place, Reader};
use crate::rules;

use super::enum_uses::enum_seed_problem;
use super::enums::Enums;
use super::object::Declared;
use super::schema::{Outline, Schemas};

type Seeds = BTreeMap<String, Vec<Map<String, Value>>>;

pub(super) fn read_seeds<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    schemas: &Schemas<'_, J>,
    enums: Option<&Enums>,
) -> Option<Seeds> {
    let before = r.problems.len();
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`seeds` must be an object of row lists by object name, not {}",
                crate::lenient::kind(value)
            ),
        );
        return None;
    };
    let mut seeds = BTreeMap::new();
    for (schema, rows) in map.members() {
        let sat = at.key(schema).in_schema(schema);
        let (fields, primary_key, declared) = match schemas.outlines.get(schema) {
            None => {
                r.report(
                    &sat,
                    rules::UNKNOWN_SCHEMA,
                    format!(
                        "seeds are given for `{schema}`, which is not a schema of the package; objects: {}",
                        schemas
                            .outlines
                            .iter()
                            .filter(|(_, o)| matches!(o, Outline::Object { .. }))
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            Some(Outline::View) => {
                r.report(
                    &sat,
                    rules::SEED_NOT_OBJECT,
                    format!(
                        "seeds are given for `{schema}`, which is a view: only objects hold rows"
                    ),
                );
                continue;
            }
            // Its problems are already reported; rows cannot be checked against it.
            Some(Outline::Unknown) => continue,
            Some(Outline::Object {
                declared,
                partial: Some(o),
            }) => (&o.fields, o.primary_key.as_slice(), *declared),
            Some(Outline::Object {
                declared,
                partial: None,
            }) => match schemas.parsed.get(schema) {
                Some(Schema::Object(o)) => (&o.fields, o.primary_key.as_slice(), *declared),
                // An object without a partial outline parsed: it is always there.
                Some(Schema::View(_) | Schema::MaterializedView(_)) | None => continue,
            },
        };
        let Some(items) = rows.as_array() else {
            r.report(
                &sat,
                rules::WRONG_JSON_TYPE,
                format!(
                    "seeds of `{schema}` must be an array of rows (objects), not {}",
                    crate::lenient::kind(rows)
                ),
            );
            continue;
        };
        if primary_key.is_empty() && !items.is_empty() {
            r.report(
                &sat,
                rules::SEED_WITHOUT_KEY,
                format!(
                    "seeds are given for `{schema}`, which has no primary key: seeding upserts on the primary key, so the object needs one"
                ),
            );
            continue;
        }
        let mut keys_seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut out = Vec::new();
        for (i, row) in items.iter().enumerate() {
            let rat = sat.index(i);
            let shape = RowShape {
                schema,
                fields,
                primary_key,
                declared,
                enums,
            };
            if let Some(row) = read_seed_row(r, row, &rat, &shape) {
                // Normalized values are equal exactly when their JSON text is (JSON values are
                // not `Ord`, their text is).
                let key: Vec<&Value> = primary_key.iter().filter_map(|k| row.get(k)).collect();
                if let Some(first) =
                    keys_seen.insert(serde_json::to_string(&key).unwrap_or_default(), i)
                {
                    r.report(
                        &rat,
                        rules::DUPLICATE_SEED_KEY,
                        format!(
                            "seed rows {first} and {i} of `{schema}` have the same primary key: the later one would overwrite the earlier"
                        ),
                    );
                }
                out.push(row);
            }
        }
        if !out.is_empty() {
            seeds.insert(schema.to_string(), out);
        }
    }
    (r.problems.len() == before).then_some(seeds)
}

/// RowShape is what a seed row of an object is checked against.
struct RowShape<'a, 'v, J: JsonValue> {
    schema: &'a str,
    fields: &'a FieldMap,
    primary_key: &'a [String],
    declared: Declared<'v, J>,
    /// The package's enums, when `enums` could be read: enum values are checked against them.
    enums: Option<&'a Enums>,
}

fn read_seed_row<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    shape: &RowShape<'_, '_, J>,
) -> Option<Map<String, Value>> {
    let RowShape {
        schema,
        fields,
        primary_key,
        declared,
        enums,
    } = *shape;
    let before = r.problems.len();
    let Some(map) = raw.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "a seed row of `{schema}` must be an object of field values, not {}",
                crate::lenient::kind(raw)
            ),
        );
        return None;
    };
    let mut row = Map::new();
    for (name, value) in map.members() {
        let fat = at.key(name).in_field(name);
        if !declared.contains(name) {
            r.report(
                &fat,
                rules::UNKNOWN_FIELD,
                format!(
                    "seed row names `{name}`, which is not a field of `{schema}`; fields: {}",
                    declared.list()
                ),
            );
            continue;
        }
        // A field with its own problems (reported already) cannot check its values.
        let Some(field) = fields.get(name) else {
            continue;
        };
        if field.computed.is_some() {
            r.report(
                &fat,
                rules::INVALID_SEED_VALUE,
                format!("seed row gives `{name}`, which is computed: its value is its expression, leave it out"),
            );
            continue;
        }
        if value.is_null() {
            if field.nullable {
                row.insert(name.to_string(), Value::Null);
            } else {
                r.report(
                    &fat,
                    rules::INVALID_SEED_VALUE,
                    format!("seed value of `{name}` is null, but the field is not nullable"),
                );
            }
            continue;
        }
        match literal::normalize(&field.field_type, value) {
            Ok(v) => {
                if let Some(message) = enum_seed_problem(enums, name, &field.field_type, &v) {
                    r.report(&fat, rules::INVALID_SEED_VALUE, message);
                    continue;
                }
                row.insert(name.to_string(), v);
            }
            Err(e) => r.report(
                &fat,
                rules::INVALID_SEED_VALUE,
                format!(
                    "seed value of `{name}` is not a {} value: {e}",
                    field.field_type.describe()
                ),
            ),
        }
    }
    for (name, field) in fields {
        if map.contains_key(name) {
            continue;
        }
        let fat = at.in_field(name);
        if primary_key.contains(name) {
            r.report(
                &fat,
                rules::MISSING_SEED_VALUE,
                format!(
                    "seed row lacks primary-key field `{name}`: seeding upserts on the primary key"
                ),
            );
        } else if !field.nullable
            && field.default.is_none()
            && field.auto_increment.is_none()
            && field.computed.is_none()
        {
            r.report(
                &fat,
                rules::MISSING_SEED_VALUE,
                format!("seed row lacks `{name}`, which is not nullable and has no default"),
            );
        }
    }
    (r.problems.len() == before).then_some(row)
}
#[cfg(test)]
mod tests {
    use super::super::parse_package;
    use super::super::test_support::{dogs, problems, with};
    use crate::rules;
    use serde_json::{json, Value};

    #[test]
    fn seeds_are_checked_against_their_object() {
        let raw = with(
            dogs(),
            "/seeds",
            json!({
                "Dog": [
                    {"id": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11", "name": "Rex", "weightKg": "12.50", "vaccinated": "true"},
                    {"name": "NoId", "colour": "brown"},
                    {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d12", "birthDate": "yesterday"},
                    {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": null},
                ],
                "VaccinatedDog": [],
                "Cat": [],
            }),
        );
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (rules::UNKNOWN_SCHEMA, "seeds.Cat".to_string()),
                (rules::UNKNOWN_FIELD, "seeds.Dog[1].colour".to_string()),
                (rules::MISSING_SEED_VALUE, "seeds.Dog[1]".to_string()),
                (
                    rules::INVALID_SEED_VALUE,
                    "seeds.Dog[2].birthDate".to_string()
                ),
                (rules::MISSING_SEED_VALUE, "seeds.Dog[2]".to_string()),
                (rules::INVALID_SEED_VALUE, "seeds.Dog[3].name".to_string()),
                (rules::SEED_NOT_OBJECT, "seeds.VaccinatedDog".to_string()),
            ]
        );
        let raw = with(
            dogs(),
            "/seeds",
            json!({"Dog": [
                {"id": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11", "name": "Rex", "weightKg": 12.5, "birthDate": null},
                {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex again"},
            ]}),
        );
        assert_eq!(
            problems(raw),
            [(rules::DUPLICATE_SEED_KEY, "seeds.Dog[1]".to_string())]
        );
        let raw = with(
            dogs(),
            "/seeds",
            json!({"Dog": [
                {"id": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11", "name": "Rex", "weightKg": 12.5, "birthDate": null}
            ]}),
        );
        let p = parse_package(&raw).unwrap();
        assert_eq!(
            Value::Object(p.seeds["Dog"][0].clone()),
            json!({"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex", "weightKg": "12.5", "birthDate": null})
        );
    }

    #[test]
    fn seeds_need_a_primary_key_and_empty_lists_are_dropped() {
        let raw = with(
            dogs(),
            "/schemas/Tag",
            json!({"kind": "object", "fields": {"label": {"type": "string"}}}),
        );
        let raw = with(raw, "/seeds", json!({"Tag": [{"label": "x"}], "Dog": []}));
        assert_eq!(
            problems(raw),
            [(rules::SEED_WITHOUT_KEY, "seeds.Tag".to_string())]
        );
        let p = parse_package(&with(dogs(), "/seeds", json!({"Dog": []}))).unwrap();
        assert!(p.seeds.is_empty());
    }

    #[test]
    fn seeds_of_generated_and_array_fields() {
        let base = super::super::test_support::orders();
        let p = parse_package(&base).unwrap();
        // An auto-increment field may be given; arrays are normalized item by item.
        assert_eq!(p.seeds["Order"][0]["id"], json!(1));
        assert_eq!(p.seeds["Order"][0]["tags"], json!(["x"]));
        let row = |extra: Value| {
            let mut row = json!({"id": "2", "customerId": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "totalCents": 1});
            row.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            with(base.clone(), "/seeds", json!({"Order": [row]}))
        };
        let p = parse_package(&row(json!({"tags": ["a", "b"]}))).unwrap();
        assert_eq!(p.seeds["Order"][0]["id"], json!(2));
        let err = parse_package(&row(json!({"totalEuros": "1.00"}))).unwrap_err();
        assert_eq!(
            (err.0.len(), err.0[0].rule, err.0[0].path.as_str()),
            (1, rules::INVALID_SEED_VALUE, "seeds.Order[0].totalEuros")
        );
        assert!(
            err.0[0].message.contains("computed"),
            "{}",
            err.0[0].message
        );
        let err = parse_package(&row(
            json!({"tags": ["way too long for twenty characters"]}),
        ))
        .unwrap_err();
        assert_eq!(
            (err.0.len(), err.0[0].rule, err.0[0].path.as_str()),
            (1, rules::INVALID_SEED_VALUE, "seeds.Order[0].tags")
        );
    }
}
