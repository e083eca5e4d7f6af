//! Drift on PostgreSQL: the live tables and views of a dataset's namespace, introspected
//! ([`crate::introspect`]), compared with the model its deployed version describes.
//!
//! Compared: tables and views present or not (extra ones in the namespace included: the
//! namespace is the dataset's own), each table's columns (type as `format_type` prints it,
//! nullability), its primary key (name, columns) and its indexes (name, uniqueness, columns).
//! Also compared (SPEC §1b): comments (namespace, table, view, column, index, check, foreign
//! key), identity (`always` / `by default`), whether a column is generated, checks and foreign
//! keys present by name (and none other than Depot's transient NOT NULL checks), and an index's
//! method, `INCLUDE` and whether it is partial.
//! Not compared: column defaults, generated expressions, check and foreign key definitions,
//! index predicates and view bodies, which PostgreSQL reprints in its own words
//! (`'x'::character varying`).
//!
//! Both sides become a [`depot_core::catalog::Catalog`] (`drift_live`,
//! `drift_expected`); the comparison itself is the core's, shared with Snowflake.

use depot_core::catalog;
use depot_core::physical::PhysicalModel;
use depot_deploy::Drift;

pub use crate::drift_expected::catalog_type;
use crate::drift_expected::expected_catalog;
use crate::drift_live::live_catalog;
use crate::introspect::SchemaSnapshot;

/// The differences between `live` (the namespace as it is) and `expected` (as deployed).
pub fn compare(live: &SchemaSnapshot, expected: &PhysicalModel) -> Drift {
    let expected = expected_catalog(expected);
    let live = live_catalog(live, &expected.namespace);
    Drift {
        differences: catalog::compare(&live, &expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::{
        ColumnSnapshot, ConstraintSnapshot, IndexSnapshot, KeySnapshot, TableSnapshot,
    };
    use depot_core::field_type::FieldType;
    use depot_core::identity::AutoIncrement;
    use depot_core::physical::{PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalObject};
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
            enums: Default::default(),
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
            identity: None,
            generated: None,
            comment: None,
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
                    comment: None,
                },
            )]
            .into(),
            constraints: BTreeMap::new(),
            comment: None,
        };
        SchemaSnapshot {
            exists: true,
            comment: None,
            tables: [("dog".to_string(), table)].into(),
            views: BTreeMap::new(),
            enums: BTreeMap::new(),
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
                identity: None,
                generated: None,
                comment: None,
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
    fn comments_identity_generated_checks_foreign_keys_and_index_options_are_compared() {
        let mut expected = model();
        let dog = expected.objects.get_mut("Dog").unwrap();
        dog.comment = Some("dogs".into());
        dog.columns[0].identity = Some(AutoIncrement::Always);
        dog.columns[1].computed = Some("'x'".into());
        dog.indexes[0].include = vec!["name".into()];
        dog.checks.push(depot_core::constraint::PhysicalCheck {
            logical: "positive".into(),
            physical: "dog_positive_check".into(),
            sql: "id > 0".into(),
            comment: None,
        });
        let mut live = live();
        let table = live.tables.get_mut("dog").unwrap();
        table.constraints.insert(
            "dog_order_not_null".into(),
            ConstraintSnapshot {
                kind: "check".into(),
                definition: "CHECK (\"order\" IS NOT NULL) NOT VALID".into(),
                validated: false,
                comment: None,
            },
        );
        table.constraints.insert(
            "dog_owner_fkey".into(),
            ConstraintSnapshot {
                kind: "foreign_key".into(),
                definition: "FOREIGN KEY (id) REFERENCES owner(id)".into(),
                validated: true,
                comment: None,
            },
        );
        assert_eq!(
            compare(&live, &expected).differences,
            vec![
                "table ws.dog: column id is not an identity, expected generated always as identity",
                "table ws.dog: column name is not generated, expected generated",
                "table ws.dog: comment is none, expected \"dogs\"",
                "table ws.dog: check dog_positive_check (positive) is missing",
                "table ws.dog: foreign key dog_owner_fkey is not part of the deployed version",
                "table ws.dog: index dog_by_order is `CREATE INDEX dog_by_order ON dog USING btree \
                 (\"order\")`, expected USING btree with INCLUDE",
            ]
        );
    }

    #[test]
    fn a_missing_namespace_is_drift_only_when_something_was_deployed() {
        let gone = SchemaSnapshot {
            exists: false,
            comment: None,
            tables: BTreeMap::new(),
            views: BTreeMap::new(),
            enums: BTreeMap::new(),
        };
        assert_eq!(
            compare(&gone, &model()).differences,
            vec!["namespace ws does not exist"]
        );
        let empty = PhysicalModel {
            enums: Default::default(),
            namespace: "ws".into(),
            objects: BTreeMap::new(),
            views: BTreeMap::new(),
            comment: None,
        };
        assert!(compare(&gone, &empty).is_empty());
    }
}
