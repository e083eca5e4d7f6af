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
//!
//! Both sides become a [`depot_core::catalog::Catalog`] (`drift_catalog`); the
//! comparison itself is the core's, shared with PostgreSQL.

use depot_core::catalog;
use depot_core::physical::PhysicalModel;
use depot_deploy::Drift;

use crate::drift_catalog::{expected_catalog, live_catalog};
use crate::introspect::SchemaSnapshot;

/// The differences between `live` (the schema as it is) and `expected` (as deployed).
pub fn compare(live: &SchemaSnapshot, expected: &PhysicalModel, emulated: bool) -> Drift {
    let expected = expected_catalog(expected, emulated);
    let live = live_catalog(live, &expected.namespace, emulated);
    Drift {
        differences: catalog::compare(&live, &expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::{ColumnSnapshot, KeySnapshot, TableSnapshot};
    use depot_core::field_type::FieldType;
    use depot_core::physical::{
        PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalObject, PhysicalView,
    };
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
