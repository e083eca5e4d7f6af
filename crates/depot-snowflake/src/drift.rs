//! Drift on Snowflake: the live tables and views of a dataset's schema, introspected
//! ([`crate::introspect`]), compared with the model its deployed version describes.
//!
//! Compared: tables and views present or not (extra ones included: the schema is the
//! dataset's own), each table's columns (type as Depot writes it, nullability, AUTOINCREMENT),
//! its primary key (name, columns), its unique constraints (the unique indexes Depot declares)
//! and foreign keys (name, columns, referenced table and columns), and the comments of the
//! schema, tables, views and columns. Not compared: defaults and view bodies, which Snowflake
//! keeps in the words they were written with, and the indexes and checks Snowflake never
//! creates (Depot records them only).
//!
//! On the fakesnow emulator (`emulated`), what DuckDB cannot keep is not compared, so that a
//! dataset as deployed shows no drift there: constraint names (DuckDB's own), unique and
//! foreign keys (SHOW lists none), the comments of schemas, views and columns, ARRAY (read as
//! VARIANT), and the length of a VARCHAR read as unbounded (DuckDB forgets it when a table or
//! column is renamed). See [`crate::introspect`].

use depot_core::physical::{PhysicalModel, PhysicalObject};
use depot_deploy::Drift;

use crate::introspect::{SchemaSnapshot, TableSnapshot};
use crate::render::{COPY_SUFFIX, DEFAULT_COPY_SUFFIX, DEFAULT_OLD_SUFFIX, OLD_SUFFIX};
use crate::sql_type::sql_type;

/// The differences between `live` (the schema as it is) and `expected` (as deployed).
pub fn compare(live: &SchemaSnapshot, expected: &PhysicalModel, emulated: bool) -> Drift {
    let ns = &expected.namespace;
    let mut out = Vec::new();
    if !live.exists {
        if !expected.objects.is_empty() || !expected.views.is_empty() {
            out.push(format!("schema {ns} does not exist"));
        }
        return Drift { differences: out };
    }
    if !emulated {
        compare_comment(
            &format!("schema {ns}"),
            &live.comment,
            &expected.comment,
            &mut out,
        );
    }
    for object in expected.objects.values() {
        match live.tables.get(&object.physical) {
            None => out.push(format!(
                "table {ns}.{} ({}) is missing",
                object.physical, object.logical
            )),
            Some(table) => compare_table(
                &format!("{ns}.{}", object.physical),
                table,
                object,
                emulated,
                &mut out,
            ),
        }
    }
    for name in live.tables.keys() {
        if !expected.objects.values().any(|o| &o.physical == name) {
            out.push(format!(
                "table {ns}.{name} is not part of the deployed version"
            ));
        }
    }
    for view in expected.views.values().filter(|v| v.materialized) {
        match live.materialized_views.get(&view.physical) {
            None => out.push(format!(
                "materialized view {ns}.{} ({}) is missing",
                view.physical, view.logical
            )),
            Some(comment) if !emulated => compare_comment(
                &format!("materialized view {ns}.{}", view.physical),
                comment,
                &view.comment,
                &mut out,
            ),
            Some(_) => {}
        }
    }
    for name in live.materialized_views.keys() {
        if !expected
            .views
            .values()
            .any(|v| v.materialized && &v.physical == name)
        {
            out.push(format!(
                "materialized view {ns}.{name} is not part of the deployed version"
            ));
        }
    }
    for view in expected.views.values().filter(|v| !v.materialized) {
        match live.views.get(&view.physical) {
            None => out.push(format!(
                "view {ns}.{} ({}) is missing",
                view.physical, view.logical
            )),
            Some(found) if !emulated => compare_comment(
                &format!("view {ns}.{}", view.physical),
                &found.comment,
                &view.comment,
                &mut out,
            ),
            Some(_) => {}
        }
    }
    for name in live.views.keys() {
        if !expected
            .views
            .values()
            .any(|v| !v.materialized && &v.physical == name)
        {
            out.push(format!(
                "view {ns}.{name} is not part of the deployed version"
            ));
        }
    }
    Drift { differences: out }
}

fn compare_table(
    table_name: &str,
    live: &TableSnapshot,
    object: &PhysicalObject,
    emulated: bool,
    out: &mut Vec<String>,
) {
    for column in &object.columns {
        let what = format!("table {table_name}: column {}", column.physical);
        let Some(found) = live.columns.get(&column.physical) else {
            out.push(format!(
                "table {table_name}: column {} ({}) is missing",
                column.physical, column.logical
            ));
            continue;
        };
        let expected_type = sql_type(&column.field_type);
        // fakesnow stores ARRAY as VARIANT, and forgets a VARCHAR's length when its table or
        // column is renamed.
        let emulated_quirk = emulated
            && ((expected_type == "ARRAY" && found.data_type == "VARIANT")
                || (expected_type.starts_with("VARCHAR(") && found.data_type == "VARCHAR"));
        if found.data_type != expected_type && !emulated_quirk {
            out.push(format!(
                "{what} is {}, expected {expected_type}",
                found.data_type
            ));
        }
        if found.nullable != column.nullable {
            let says = |nullable: bool| if nullable { "nullable" } else { "NOT NULL" };
            out.push(format!(
                "{what} is {}, expected {}",
                says(found.nullable),
                says(column.nullable)
            ));
        }
        if found.identity != column.identity.is_some() {
            let says = |identity: bool| {
                if identity {
                    "AUTOINCREMENT"
                } else {
                    "not AUTOINCREMENT"
                }
            };
            out.push(format!(
                "{what} is {}, expected {}",
                says(found.identity),
                says(column.identity.is_some())
            ));
        }
        if !emulated {
            compare_comment(&what, &found.comment, &column.comment, out);
        }
    }
    compare_comment(
        &format!("table {table_name}"),
        &live.comment,
        &object.comment,
        out,
    );
    for name in &live.column_order {
        let expected = object.columns.iter().any(|c| &c.physical == name);
        if !expected && !is_copy_column(name, object) {
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
            let same_name = emulated || expected.name == found.name;
            if !same_name || expected.columns != found.columns {
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
    if emulated {
        return;
    }
    // A unique index of columns is declared as a UNIQUE constraint; the rest are not created.
    let declared = object
        .indexes
        .iter()
        .filter(|i| i.unique && !i.has_expression());
    for index in declared.clone() {
        match live.unique_keys.get(&index.physical) {
            None => out.push(format!(
                "table {table_name}: unique constraint {} ({}) is missing",
                index.physical, index.logical
            )),
            Some(found) if found.columns != index.columns => out.push(format!(
                "table {table_name}: unique constraint {} is on ({}), expected ({})",
                index.physical,
                found.columns.join(", "),
                index.columns.join(", ")
            )),
            Some(_) => {}
        }
    }
    for name in live.unique_keys.keys() {
        if !declared.clone().any(|i| &i.physical == name) {
            out.push(format!(
                "table {table_name}: unique constraint {name} is not part of the deployed version"
            ));
        }
    }
    for key in &object.foreign_keys {
        match live.foreign_keys.get(&key.physical) {
            None => out.push(format!(
                "table {table_name}: foreign key {} ({}) is missing",
                key.physical, key.logical
            )),
            Some(found)
                if found.columns != key.columns
                    || found.references_table != key.references_table
                    || found.references_columns != key.references_columns =>
            {
                out.push(format!(
                    "table {table_name}: foreign key {} is ({}) -> {}.{} ({}), expected ({}) -> \
                     {}.{} ({})",
                    key.physical,
                    found.columns.join(", "),
                    found.references_schema,
                    found.references_table,
                    found.references_columns.join(", "),
                    key.columns.join(", "),
                    key.references_namespace,
                    key.references_table,
                    key.references_columns.join(", ")
                ));
            }
            Some(_) => {}
        }
    }
    for name in live.foreign_keys.keys() {
        if object.foreign_keys.iter().all(|k| &k.physical != name) {
            out.push(format!(
                "table {table_name}: foreign key {name} is not part of the deployed version"
            ));
        }
    }
}

/// A column a column copy left behind (`NAME__DEPOT_COPY`, `NAME__DEPOT_OLD`): only a run that
/// stopped half-way leaves one, and resuming it finishes (or drops) it.
fn is_copy_column(name: &str, object: &PhysicalObject) -> bool {
    [
        COPY_SUFFIX,
        OLD_SUFFIX,
        DEFAULT_COPY_SUFFIX,
        DEFAULT_OLD_SUFFIX,
    ]
    .iter()
    .filter_map(|suffix| name.strip_suffix(suffix))
    .any(|base| object.columns.iter().any(|c| c.physical == base))
}

/// A difference when `found` is not the `expected` comment of `what`.
fn compare_comment(
    what: &str,
    found: &Option<String>,
    expected: &Option<String>,
    out: &mut Vec<String>,
) {
    if found != expected {
        let says = |c: &Option<String>| c.as_ref().map_or("none".to_string(), |c| format!("{c:?}"));
        out.push(format!(
            "{what}: comment is {}, expected {}",
            says(found),
            says(expected)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::{ColumnSnapshot, KeySnapshot};
    use depot_core::field_type::FieldType;
    use depot_core::physical::{PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalView};
    use std::collections::BTreeMap;

    fn model() -> PhysicalModel {
        let column = |name: &str, field_type: FieldType, nullable: bool| PhysicalColumn {
            logical: name.to_lowercase(),
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
            physical: "DOG".into(),
            previous_names: vec![],
            columns: vec![
                column("ID", FieldType::Bigint, false),
                column(
                    "NAME",
                    FieldType::String {
                        max_length: Some(100),
                    },
                    true,
                ),
            ],
            primary_key: Some(PhysicalKey {
                name: "DOG_PKEY".into(),
                columns: vec!["ID".into()],
            }),
            indexes: vec![PhysicalIndex {
                logical: "byName".into(),
                physical: "DOG_BY_NAME_IDX".into(),
                columns: vec!["NAME".into()],
                unique: true,
                ..Default::default()
            }],
            checks: Vec::new(),
            comment: Some("dogs".into()),
            foreign_keys: Vec::new(),
        };
        PhysicalModel {
            namespace: "pairs".into(),
            objects: [("Dog".to_string(), dog)].into(),
            views: BTreeMap::new(),
            enums: Default::default(),
            comment: None,
        }
    }

    fn live() -> SchemaSnapshot {
        let column = |data_type: &str, nullable: bool| ColumnSnapshot {
            data_type: data_type.into(),
            nullable,
            default: None,
            identity: false,
            comment: None,
        };
        let table = TableSnapshot {
            columns: [
                ("ID".to_string(), column("NUMBER(19,0)", false)),
                ("NAME".to_string(), column("VARCHAR(100)", true)),
            ]
            .into(),
            column_order: vec!["ID".into(), "NAME".into()],
            primary_key: Some(KeySnapshot {
                name: "DOG_PKEY".into(),
                columns: vec!["ID".into()],
                comment: None,
            }),
            unique_keys: [(
                "DOG_BY_NAME_IDX".to_string(),
                KeySnapshot {
                    name: "DOG_BY_NAME_IDX".into(),
                    columns: vec!["NAME".into()],
                    comment: None,
                },
            )]
            .into(),
            comment: Some("dogs".into()),
            ..TableSnapshot::default()
        };
        SchemaSnapshot {
            exists: true,
            comment: None,
            tables: [("DOG".to_string(), table)].into(),
            views: BTreeMap::new(),
            materialized_views: BTreeMap::new(),
            view_columns: Default::default(),
            other_objects: Vec::new(),
        }
    }

    /// A materialized view of the package (Snowflake lists it in TABLES, not as a plain view).
    fn with_dog_counts(mut model: PhysicalModel, materialized: bool) -> PhysicalModel {
        let view = PhysicalView {
            logical: "DogCounts".into(),
            physical: "DOG_COUNTS".into(),
            previous_names: Vec::new(),
            sql: "SELECT NAME, count(*) AS DOGS FROM \"pairs\".DOG GROUP BY NAME".into(),
            reads: BTreeMap::new(),
            reads_dependencies: Default::default(),
            reads_every_column: Default::default(),
            columns: BTreeMap::new(),
            comment: None,
            materialized,
            indexes: Vec::new(),
        };
        model.views.insert("DogCounts".into(), view);
        model
    }

    #[test]
    fn a_deployed_materialized_view_is_found_and_a_missing_one_named() {
        let mut with_view = live();
        with_view
            .materialized_views
            .insert("DOG_COUNTS".into(), None);
        assert_eq!(
            compare(&with_view, &with_dog_counts(model(), true), false),
            Drift::default()
        );
        // Deployed as a plain view instead, or not at all: both are drift.
        let drift = compare(&with_view, &with_dog_counts(model(), false), false);
        assert_eq!(
            drift.differences,
            [
                "materialized view pairs.DOG_COUNTS is not part of the deployed version",
                "view pairs.DOG_COUNTS (DogCounts) is missing",
            ]
        );
        let drift = compare(&live(), &with_dog_counts(model(), true), false);
        assert_eq!(
            drift.differences,
            ["materialized view pairs.DOG_COUNTS (DogCounts) is missing"]
        );
    }

    #[test]
    fn a_schema_as_deployed_has_no_drift() {
        assert_eq!(compare(&live(), &model(), false), Drift::default());
    }

    #[test]
    fn every_difference_is_listed_with_its_table_and_column() {
        let mut live = live();
        let dog = live.tables.get_mut("DOG").unwrap();
        dog.columns.get_mut("NAME").unwrap().data_type = "VARCHAR(50)".into();
        dog.columns.get_mut("ID").unwrap().nullable = true;
        dog.column_order.push("EXTRA".into());
        dog.column_order.push("NAME__DEPOT_COPY".into());
        dog.unique_keys.clear();
        dog.primary_key.as_mut().unwrap().name = "SYS_CONSTRAINT_1".into();
        assert_eq!(
            compare(&live, &model(), false).differences,
            vec![
                "table pairs.DOG: column ID is nullable, expected NOT NULL",
                "table pairs.DOG: column NAME is VARCHAR(50), expected VARCHAR(100)",
                "table pairs.DOG: column EXTRA is not part of the deployed version",
                "table pairs.DOG: primary key is SYS_CONSTRAINT_1 (ID), expected DOG_PKEY (ID)",
                "table pairs.DOG: unique constraint DOG_BY_NAME_IDX (byName) is missing",
            ]
        );
        // The emulator keeps neither constraint names nor unique keys.
        assert_eq!(compare(&live, &model(), true).differences.len(), 3);
    }
}
