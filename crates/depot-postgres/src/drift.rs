//! Drift on PostgreSQL: the live tables and views of a dataset's namespace, introspected
//! ([`crate::introspect`]), compared with the model its deployed version describes.
//!
//! Compared: tables and views present or not (extra ones in the namespace included: the
//! namespace is the dataset's own), each table's columns (type as `format_type` prints it,
//! nullability), its primary key (name, columns) and its indexes (name, uniqueness, columns).
//! Not compared: column defaults and view bodies, which PostgreSQL reprints in its own words
//! (`'x'::character varying`), and constraints other than the primary key, which migrations
//! add as steps towards NOT NULL.

use depot_core::field_type::FieldType;
use depot_core::physical::{PhysicalModel, PhysicalObject};
use depot_deploy::Drift;

use crate::introspect::{SchemaSnapshot, TableSnapshot};

/// The differences between `live` (the namespace as it is) and `expected` (as deployed).
pub fn compare(live: &SchemaSnapshot, expected: &PhysicalModel) -> Drift {
    let ns = &expected.namespace;
    let mut differences = Vec::new();
    if !live.exists {
        if !expected.objects.is_empty() || !expected.views.is_empty() {
            differences.push(format!("namespace {ns} does not exist"));
        }
        return Drift { differences };
    }
    for object in expected.objects.values() {
        match live.tables.get(&object.physical) {
            None => differences.push(format!(
                "table {ns}.{} ({}) is missing",
                object.physical, object.logical
            )),
            Some(table) => compare_table(
                &format!("{ns}.{}", object.physical),
                table,
                object,
                &mut differences,
            ),
        }
    }
    for name in live.tables.keys() {
        if !expected.objects.values().any(|o| &o.physical == name) {
            differences.push(format!(
                "table {ns}.{name} is not part of the deployed version"
            ));
        }
    }
    for view in expected.views.values() {
        if !live.views.contains_key(&view.physical) {
            differences.push(format!(
                "view {ns}.{} ({}) is missing",
                view.physical, view.logical
            ));
        }
    }
    for name in live.views.keys() {
        if !expected.views.values().any(|v| &v.physical == name) {
            differences.push(format!(
                "view {ns}.{name} is not part of the deployed version"
            ));
        }
    }
    Drift { differences }
}

fn compare_table(
    table_name: &str,
    live: &TableSnapshot,
    object: &PhysicalObject,
    out: &mut Vec<String>,
) {
    for column in &object.columns {
        let Some(found) = live.columns.get(&column.physical) else {
            out.push(format!(
                "table {table_name}: column {} ({}) is missing",
                column.physical, column.logical
            ));
            continue;
        };
        let expected_type = catalog_type(&column.field_type);
        if found.data_type != expected_type {
            out.push(format!(
                "table {table_name}: column {} is {}, expected {expected_type}",
                column.physical, found.data_type
            ));
        }
        if found.nullable != column.nullable {
            let says = |nullable: bool| if nullable { "nullable" } else { "NOT NULL" };
            out.push(format!(
                "table {table_name}: column {} is {}, expected {}",
                column.physical,
                says(found.nullable),
                says(column.nullable)
            ));
        }
    }
    for name in live.columns.keys() {
        if object.columns.iter().all(|c| &c.physical != name) {
            out.push(format!(
                "table {table_name}: column {name} is not part of the deployed version"
            ));
        }
    }
    match (&object.primary_key, &live.primary_key) {
        (None, None) => {}
        (Some(key), None) => out.push(format!(
            "table {table_name}: primary key {} is missing",
            key.name
        )),
        (None, Some(key)) => out.push(format!(
            "table {table_name}: primary key {} is not part of the deployed version",
            key.name
        )),
        (Some(expected), Some(found)) => {
            if expected.name != found.name || expected.columns != found.columns {
                out.push(format!(
                    "table {table_name}: primary key is {} ({}), expected {} ({})",
                    found.name,
                    found.columns.join(", "),
                    expected.name,
                    expected.columns.join(", ")
                ));
            }
        }
    }
    for index in &object.indexes {
        let Some(found) = live.indexes.get(&index.physical) else {
            out.push(format!(
                "table {table_name}: index {} ({}) is missing",
                index.physical, index.logical
            ));
            continue;
        };
        let columns: Vec<String> = found.columns.iter().map(|c| unquote(c)).collect();
        if found.unique != index.unique || columns != index.columns || !found.valid {
            out.push(format!(
                "table {table_name}: index {} is `{}`{}, expected {}({})",
                index.physical,
                found.definition,
                if found.valid { "" } else { " (INVALID)" },
                if index.unique { "unique " } else { "" },
                index.columns.join(", ")
            ));
        }
    }
    for name in live.indexes.keys() {
        if object.indexes.iter().all(|i| &i.physical != name) {
            out.push(format!(
                "table {table_name}: index {name} is not part of the deployed version"
            ));
        }
    }
}

/// The type of a column of `field_type` as `format_type` prints it (Depot writes the short
/// forms: `varchar(200)`, `timestamptz`).
pub fn catalog_type(field_type: &FieldType) -> String {
    match field_type {
        FieldType::String {
            max_length: Some(n),
        } => format!("character varying({n})"),
        FieldType::String { max_length: None } => "text".to_string(),
        FieldType::Integer => "integer".to_string(),
        FieldType::Bigint => "bigint".to_string(),
        FieldType::Decimal { precision, scale } => format!("numeric({precision},{scale})"),
        FieldType::Double => "double precision".to_string(),
        FieldType::Boolean => "boolean".to_string(),
        FieldType::Date => "date".to_string(),
        FieldType::Time => "time without time zone".to_string(),
        FieldType::Timestamp => "timestamp without time zone".to_string(),
        FieldType::Timestamptz => "timestamp with time zone".to_string(),
        FieldType::Json => "jsonb".to_string(),
        FieldType::Uuid => "uuid".to_string(),
        FieldType::Binary => "bytea".to_string(),
        FieldType::Array { items } => format!("{}[]", catalog_type(items)),
    }
}

/// An index column as `pg_get_indexdef` prints it, without the quotes it adds to names that
/// need them (`"order"` -> `order`).
fn unquote(column: &str) -> String {
    match column.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => column.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::{ColumnSnapshot, IndexSnapshot, KeySnapshot};
    use depot_core::physical::{PhysicalColumn, PhysicalIndex, PhysicalKey};
    use std::collections::BTreeMap;

    fn model() -> PhysicalModel {
        let column = |name: &str, field_type: FieldType, nullable: bool| PhysicalColumn {
            logical: name.into(),
            physical: name.into(),
            previous_names: vec![],
            field_type,
            nullable,
            default: None,
            comment: None,
            computed: None,
            identity: None,
        };
        let dog = PhysicalObject {
            logical: "Dog".into(),
            physical: "dog".into(),
            previous_names: vec![],
            columns: vec![
                column("id", FieldType::Bigint, false),
                column(
                    "name",
                    FieldType::String {
                        max_length: Some(200),
                    },
                    true,
                ),
                column("order", FieldType::Integer, true),
            ],
            primary_key: Some(PhysicalKey {
                name: "dog_pkey".into(),
                columns: vec!["id".into()],
            }),
            indexes: vec![PhysicalIndex {
                logical: "byOrder".into(),
                physical: "dog_by_order".into(),
                columns: vec!["order".into()],
                unique: false,
                ..Default::default()
            }],
            checks: Vec::new(),
            comment: None,
            foreign_keys: Vec::new(),
        };
        PhysicalModel {
            namespace: "ws".into(),
            objects: [("Dog".to_string(), dog)].into(),
            views: BTreeMap::new(),
            comment: None,
        }
    }

    fn live() -> SchemaSnapshot {
        let column = |data_type: &str, nullable: bool| ColumnSnapshot {
            data_type: data_type.into(),
            nullable,
            default: None,
        };
        let table = TableSnapshot {
            columns: [
                ("id".to_string(), column("bigint", false)),
                ("name".to_string(), column("character varying(200)", true)),
                ("order".to_string(), column("integer", true)),
            ]
            .into(),
            primary_key: Some(KeySnapshot {
                name: "dog_pkey".into(),
                columns: vec!["id".into()],
            }),
            indexes: [(
                "dog_by_order".to_string(),
                IndexSnapshot {
                    unique: false,
                    columns: vec!["\"order\"".into()],
                    definition: "CREATE INDEX dog_by_order ON dog USING btree (\"order\")".into(),
                    valid: true,
                },
            )]
            .into(),
            constraints: BTreeMap::new(),
        };
        SchemaSnapshot {
            exists: true,
            tables: [("dog".to_string(), table)].into(),
            views: BTreeMap::new(),
        }
    }

    #[test]
    fn a_namespace_as_deployed_has_no_drift() {
        assert_eq!(compare(&live(), &model()), Drift::default());
    }

    #[test]
    fn every_difference_is_listed_with_its_table_and_column() {
        let mut live = live();
        let dog = live.tables.get_mut("dog").unwrap();
        dog.columns.remove("name");
        dog.columns.get_mut("order").unwrap().data_type = "bigint".into();
        dog.columns.get_mut("id").unwrap().nullable = true;
        dog.columns.insert(
            "extra".into(),
            ColumnSnapshot {
                data_type: "text".into(),
                nullable: true,
                default: None,
            },
        );
        dog.indexes.clear();
        live.tables.insert("cat".into(), live.tables["dog"].clone());
        assert_eq!(
            compare(&live, &model()).differences,
            vec![
                "table ws.dog: column id is nullable, expected NOT NULL",
                "table ws.dog: column name (name) is missing",
                "table ws.dog: column order is bigint, expected integer",
                "table ws.dog: column extra is not part of the deployed version",
                "table ws.dog: index dog_by_order (byOrder) is missing",
                "table ws.cat is not part of the deployed version",
            ]
        );
    }

    #[test]
    fn a_missing_namespace_is_drift_only_when_something_was_deployed() {
        let gone = SchemaSnapshot {
            exists: false,
            tables: BTreeMap::new(),
            views: BTreeMap::new(),
        };
        assert_eq!(
            compare(&gone, &model()).differences,
            vec!["namespace ws does not exist"]
        );
        let empty = PhysicalModel {
            namespace: "ws".into(),
            objects: BTreeMap::new(),
            views: BTreeMap::new(),
            comment: None,
        };
        assert!(compare(&gone, &empty).is_empty());
    }
}
