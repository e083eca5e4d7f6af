//! The package of a snapshot as real Snowflake describes one (keys with their declared names,
//! comments everywhere): what the emulator tests cannot show.

use serde_json::json;

use super::*;
use crate::introspect::{ColumnSnapshot, ForeignKeySnapshot, KeySnapshot, ViewSnapshot};

fn column(data_type: &str, nullable: bool) -> ColumnSnapshot {
    ColumnSnapshot {
        data_type: data_type.into(),
        nullable,
        default: None,
        identity: false,
        comment: None,
    }
}

fn table(columns: Vec<(&str, ColumnSnapshot)>) -> TableSnapshot {
    TableSnapshot {
        column_order: columns.iter().map(|(n, _)| n.to_string()).collect(),
        columns: columns
            .into_iter()
            .map(|(n, c)| (n.to_string(), c))
            .collect(),
        ..TableSnapshot::default()
    }
}

fn key(name: &str, columns: &[&str]) -> KeySnapshot {
    KeySnapshot {
        name: name.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        comment: None,
    }
}

#[test]
fn keys_comments_defaults_and_views_become_the_package() {
    let mut customer = table(vec![
        (
            "ID",
            ColumnSnapshot {
                identity: true,
                ..column("NUMBER(19,0)", false)
            },
        ),
        (
            "EMAIL",
            ColumnSnapshot {
                comment: Some("login".into()),
                ..column("VARCHAR(320)", false)
            },
        ),
        (
            "SINCE",
            ColumnSnapshot {
                default: Some("CURRENT_TIMESTAMP()::TIMESTAMP_TZ".into()),
                ..column("TIMESTAMP_TZ", false)
            },
        ),
        ("SEEN", column("TIMESTAMP_LTZ", true)),
    ]);
    customer.comment = Some("who buys".into());
    customer.primary_key = Some(key("CUSTOMER_PKEY", &["ID"]));
    customer.unique_keys.insert(
        "CUSTOMER_BY_EMAIL_IDX".into(),
        key("CUSTOMER_BY_EMAIL_IDX", &["EMAIL"]),
    );
    let mut order = table(vec![
        ("ID", column("NUMBER(10,0)", false)),
        ("CUSTOMER_ID", column("NUMBER(19,0)", false)),
    ]);
    order.primary_key = Some(key("SYS_CONSTRAINT_9", &["ID"]));
    order.foreign_keys.insert(
        "ORDER_BY_CUSTOMER_FKEY".into(),
        ForeignKeySnapshot {
            columns: vec!["CUSTOMER_ID".into()],
            references_schema: "shop".into(),
            references_table: "CUSTOMER".into(),
            references_columns: vec!["ID".into()],
            on_delete: "CASCADE".into(),
            on_update: "NO ACTION".into(),
            deferrability: "NOT DEFERRABLE".into(),
            comment: None,
        },
    );
    let snapshot = SchemaSnapshot {
        materialized_views: BTreeMap::new(),
        exists: true,
        comment: Some("the shop".into()),
        tables: [
            ("CUSTOMER".to_string(), customer),
            ("ORDER".to_string(), order),
        ]
        .into(),
        views: [(
            "RECENT".to_string(),
            ViewSnapshot {
                definition: "create or replace view \"shop\".RECENT copy grants as \
                             SELECT id, email FROM \"shop\".CUSTOMER WHERE since > '2020-01-01'"
                    .into(),
                comment: Some("new ones".into()),
            },
        )]
        .into(),
        view_columns: Default::default(),
        other_objects: Vec::new(),
    };
    let mut warnings = Warnings::default();
    let package = package_of(&snapshot, "shop", "shop", "1.0.0", false, &mut warnings);
    assert_eq!(
        package,
        depot_core::validate::parse_package(&json!({
            "name": "shop", "version": "1.0.0", "description": "the shop",
            "schemas": {
                "Customer": {
                    "kind": "object", "description": "who buys",
                    "fields": {
                        "id": {"type": "bigint", "autoIncrement": true},
                        "email": {"type": "string", "maxLength": 320, "description": "login"},
                        "since": {"type": "timestamptz", "default": {"expression": "now"}}
                    },
                    "primaryKey": ["id"],
                    "indexes": [{"name": "byEmail", "fields": ["email"], "unique": true}]
                },
                "Order": {
                    "kind": "object",
                    "fields": {"id": {"type": "integer"}, "customerId": {"type": "bigint"}},
                    "primaryKey": ["id"],
                    "foreignKeys": [{"name": "byCustomer", "fields": ["customerId"],
                                     "references": {"schema": "Customer", "fields": ["id"]},
                                     "onDelete": "cascade"}]
                },
                "Recent": {
                    "kind": "view", "description": "new ones",
                    "query": "SELECT id, email FROM Customer WHERE since > '2020-01-01'"
                }
            }
        }))
        .expect("a valid package")
    );
    assert_eq!(
        warnings.0,
        vec![
            "column CUSTOMER.SEEN of type TIMESTAMP_LTZ: TIMESTAMP_LTZ reads differently per \
             session's time zone; Depot writes timestamptz as TIMESTAMP_TZ; the column is skipped",
            "primary key ORDER.SYS_CONSTRAINT_9: a deploy names it ORDER_PKEY",
        ]
    );
}
