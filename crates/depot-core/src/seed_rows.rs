//! Seed rows matched to the physical model: for each row, the object it goes into, the key it
//! is upserted on, and the column each value fills. Every engine renders its own upsert
//! statement (PostgreSQL's `INSERT ... ON CONFLICT`, Snowflake's `MERGE`) from these, so the
//! checks and their messages are the same everywhere.
//!
//! Validation (SPEC §1) has already refused seeds of unknown objects and fields, of objects
//! without a primary key, and rows without their key; a seed list handed to an engine some
//! other way (a stored document, a test) is checked again here, with the same words.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::field_type::FieldType;
use crate::physical::{PhysicalColumn, PhysicalKey, PhysicalModel, PhysicalObject};

/// SeedRow is one seed row, ready to render as an upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRow<'m> {
    pub object: &'m PhysicalObject,
    /// The primary key the row is upserted on.
    pub key: &'m PhysicalKey,
    /// The row's values, in the row's field order.
    pub cells: Vec<SeedCell<'m>>,
}

/// SeedCell is one value of a seed row and the column it fills.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedCell<'m> {
    pub column: &'m PhysicalColumn,
    pub value: &'m Value,
    /// True for a column of the primary key (matched on, never updated).
    pub in_key: bool,
}

impl SeedCell<'_> {
    /// The cell's value as SQL: `NULL`, or the engine's `literal` of it for the column's type.
    /// Err names the field.
    pub fn sql_value(
        &self,
        literal: impl FnOnce(&FieldType, &Value) -> Result<String, String>,
    ) -> Result<String, String> {
        if self.value.is_null() {
            return Ok("NULL".to_string());
        }
        literal(&self.column.field_type, self.value)
            .map_err(|why| format!("`{}`: {why}", self.column.logical))
    }
}

/// The rows of `seeds` (by logical object, each row by logical field) matched to `model`:
/// objects in name order, rows in package order. Err names the object, row and field that
/// cannot be written.
pub fn seed_rows<'m>(
    model: &'m PhysicalModel,
    seeds: &'m BTreeMap<String, Vec<Map<String, Value>>>,
) -> Result<Vec<SeedRow<'m>>, String> {
    let mut out = Vec::new();
    for (logical, rows) in seeds {
        let object = model.objects.get(logical).ok_or_else(|| {
            format!("seeds are given for `{logical}`, which is not an object of this version")
        })?;
        for (i, row) in rows.iter().enumerate() {
            let matched = seed_row(object, row)
                .map_err(|why| format!("seed row {i} of `{logical}`: {why}"))?;
            out.push(matched);
        }
    }
    Ok(out)
}

fn seed_row<'m>(
    object: &'m PhysicalObject,
    row: &'m Map<String, Value>,
) -> Result<SeedRow<'m>, String> {
    let key = object
        .primary_key
        .as_ref()
        .ok_or("the object has no primary key to upsert on")?;
    let mut cells = Vec::with_capacity(row.len());
    for (field, value) in row {
        let column = object
            .column(field)
            .ok_or_else(|| format!("`{field}` is not a field of the object"))?;
        cells.push(SeedCell {
            column,
            value,
            in_key: key.columns.contains(&column.physical),
        });
    }
    if let Some(missing) = key
        .columns
        .iter()
        .find(|k| !cells.iter().any(|c| &c.column.physical == *k))
    {
        return Err(format!("the row has no value for the key column {missing}"));
    }
    Ok(SeedRow { object, key, cells })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model() -> PhysicalModel {
        let column = |logical: &str, physical: &str| PhysicalColumn {
            logical: logical.to_string(),
            physical: physical.to_string(),
            previous_names: Vec::new(),
            field_type: FieldType::String { max_length: None },
            nullable: true,
            default: None,
            identity: None,
            computed: None,
            comment: None,
        };
        let mut model = PhysicalModel {
            enums: Default::default(),
            namespace: "dogs".to_string(),
            comment: None,
            objects: BTreeMap::new(),
            views: BTreeMap::new(),
        };
        model.objects.insert(
            "Dog".to_string(),
            PhysicalObject {
                logical: "Dog".to_string(),
                physical: "dog".to_string(),
                previous_names: Vec::new(),
                columns: vec![column("id", "id"), column("ownerName", "owner_name")],
                primary_key: Some(PhysicalKey {
                    name: "dog_pkey".to_string(),
                    columns: vec!["id".to_string()],
                }),
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                comment: None,
            },
        );
        model
    }

    fn seeds(value: Value) -> BTreeMap<String, Vec<Map<String, Value>>> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_row_is_matched_to_its_columns_and_key() {
        let model = model();
        let seeds = seeds(json!({"Dog": [{"id": "a", "ownerName": "Ann"}]}));
        let rows = seed_rows(&model, &seeds).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].object.physical, "dog");
        assert_eq!(rows[0].key.columns, ["id"]);
        let cells: Vec<(&str, &Value, bool)> = rows[0]
            .cells
            .iter()
            .map(|c| (c.column.physical.as_str(), c.value, c.in_key))
            .collect();
        assert_eq!(
            cells,
            [
                ("id", &json!("a"), true),
                ("owner_name", &json!("Ann"), false)
            ]
        );
    }

    #[test]
    fn a_cell_is_null_or_the_engines_literal_and_a_refusal_names_the_field() {
        let model = model();
        let seeds = seeds(json!({"Dog": [{"id": "a", "ownerName": null}]}));
        let rows = seed_rows(&model, &seeds).unwrap();
        let quoted = |_: &FieldType, v: &Value| Ok(format!("'{}'", v.as_str().unwrap()));
        assert_eq!(rows[0].cells[0].sql_value(quoted).unwrap(), "'a'");
        assert_eq!(rows[0].cells[1].sql_value(quoted).unwrap(), "NULL");
        let refused = |_: &FieldType, _: &Value| Err("not a string".to_string());
        assert_eq!(
            rows[0].cells[0].sql_value(refused).unwrap_err(),
            "`id`: not a string"
        );
    }

    #[test]
    fn what_cannot_be_written_is_named() {
        let model = model();
        let error = |value| seed_rows(&model, &seeds(value)).unwrap_err();
        assert_eq!(
            error(json!({"Cat": [{"id": "a"}]})),
            "seeds are given for `Cat`, which is not an object of this version"
        );
        assert_eq!(
            error(json!({"Dog": [{"id": "a"}, {"id": "b", "colour": "red"}]})),
            "seed row 1 of `Dog`: `colour` is not a field of the object"
        );
        assert_eq!(
            error(json!({"Dog": [{"ownerName": "Ann"}]})),
            "seed row 0 of `Dog`: the row has no value for the key column id"
        );
    }
}
