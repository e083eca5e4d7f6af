//! The two catalogs drift compares on Snowflake: the live one from the introspected
//! [`SchemaSnapshot`], the expected one from the deployed model. Both leave out what Snowflake
//! does not keep (indexes other than unique constraints, checks, enum types, foreign key
//! deferral), and on the emulator (`emulated`) what fakesnow cannot keep: constraint names,
//! unique and foreign keys, the comments of schemas, views and columns, ARRAY (read as VARIANT)
//! and a VARCHAR's length (forgotten when its table or column is renamed).

use std::collections::BTreeMap;

use depot_core::catalog::{
    Catalog, Column, Constraint, ConstraintKind, ForeignKeyShape, PrimaryKey, Table, UniqueKey,
    View, Wording,
};
use depot_core::physical::{PhysicalModel, PhysicalObject};

use crate::introspect::{SchemaSnapshot, TableSnapshot};
use crate::render::{COPY_SUFFIX, DEFAULT_COPY_SUFFIX, DEFAULT_OLD_SUFFIX, OLD_SUFFIX};
use crate::sql_type::sql_type;

/// Snowflake's words in drift lines: a materialized view is named as one, and one found as a
/// plain view (or back) is a missing view and an extra one.
const WORDING: Wording = Wording {
    namespace: "schema",
    materialized_view: "materialized view",
    one_line_kind_change: false,
    no_identity: "not AUTOINCREMENT",
};

const AUTOINCREMENT: &str = "AUTOINCREMENT";

/// A comment where the engine keeps it: none on the emulator.
fn kept(comment: &Option<String>, emulated: bool) -> Option<String> {
    comment.clone().filter(|_| !emulated)
}

/// The catalog of `namespace` as `live` read it.
pub(crate) fn live_catalog(live: &SchemaSnapshot, namespace: &str, emulated: bool) -> Catalog {
    let view = |comment: &Option<String>| View {
        comment: kept(comment, emulated),
        ..View::default()
    };
    Catalog {
        namespace: namespace.to_string(),
        wording: WORDING,
        exists: live.exists,
        comment: kept(&live.comment, emulated),
        tables: live
            .tables
            .iter()
            .map(|(name, table)| (name.clone(), live_table(table, emulated)))
            .collect(),
        views: live
            .views
            .iter()
            .map(|(name, v)| (name.clone(), view(&v.comment)))
            .collect(),
        materialized_views: live
            .materialized_views
            .iter()
            .map(|(name, comment)| (name.clone(), view(comment)))
            .collect(),
        enums: BTreeMap::new(),
    }
}

fn live_table(table: &TableSnapshot, emulated: bool) -> Table {
    let ordered: std::collections::BTreeSet<&String> = table.column_order.iter().collect();
    let unordered = table.columns.keys().filter(|name| !ordered.contains(name));
    let columns = table
        .column_order
        .iter()
        .chain(unordered)
        .map(|name| match table.columns.get(name) {
            Some(c) => Column {
                name: name.clone(),
                data_type: c.data_type.clone(),
                nullable: c.nullable,
                comment: kept(&c.comment, emulated),
                identity: c.identity.then(|| AUTOINCREMENT.to_string()),
                ..Column::default()
            },
            None => Column {
                name: name.clone(),
                ..Column::default()
            },
        })
        .collect();
    let (unique_keys, constraints) = if emulated {
        (BTreeMap::new(), BTreeMap::new())
    } else {
        let unique_keys = table
            .unique_keys
            .iter()
            .map(|(name, key)| {
                let columns = key.columns.clone();
                let key = UniqueKey {
                    logical: String::new(),
                    columns,
                };
                (name.clone(), key)
            })
            .collect();
        let foreign_keys = table
            .foreign_keys
            .iter()
            .map(|(name, key)| {
                let shape = ForeignKeyShape {
                    columns: key.columns.clone(),
                    references_namespace: key.references_schema.clone(),
                    references_table: key.references_table.clone(),
                    references_columns: key.references_columns.clone(),
                };
                (name.clone(), foreign_key(String::new(), shape))
            })
            .collect();
        (unique_keys, foreign_keys)
    };
    Table {
        columns,
        comment: table.comment.clone(),
        // DuckDB names the primary key itself: the name is compared only off the emulator.
        primary_key: table.primary_key.as_ref().map(|k| PrimaryKey {
            name: Some(k.name.clone()).filter(|_| !emulated),
            columns: k.columns.clone(),
        }),
        unique_keys,
        constraints,
        ..Table::default()
    }
}

/// A foreign key as drift compares it on Snowflake: its columns and target (its comment and
/// deferral are not compared).
fn foreign_key(logical: String, shape: ForeignKeyShape) -> Constraint {
    Constraint {
        logical,
        kind: ConstraintKind::ForeignKey,
        comment: None,
        shape: Some(shape),
        deferrable: None,
    }
}

/// The catalog `expected` describes.
pub(crate) fn expected_catalog(expected: &PhysicalModel, emulated: bool) -> Catalog {
    let views = |materialized: bool| {
        expected
            .views
            .values()
            .filter(|v| v.materialized == materialized)
            .map(|v| {
                let view = View {
                    logical: v.logical.clone(),
                    comment: kept(&v.comment, emulated),
                    indexes: BTreeMap::new(),
                };
                (v.physical.clone(), view)
            })
            .collect()
    };
    Catalog {
        namespace: expected.namespace.clone(),
        wording: WORDING,
        exists: true,
        comment: kept(&expected.comment, emulated),
        tables: expected
            .objects
            .values()
            .map(|o| (o.physical.clone(), expected_table(o, emulated)))
            .collect(),
        views: views(false),
        materialized_views: views(true),
        enums: BTreeMap::new(),
    }
}

fn expected_table(object: &PhysicalObject, emulated: bool) -> Table {
    let columns = object
        .columns
        .iter()
        .map(|c| {
            let data_type = sql_type(&c.field_type);
            // fakesnow stores ARRAY as VARIANT, and forgets a VARCHAR's length when its table or
            // column is renamed.
            let also_read_as = match data_type.as_str() {
                "ARRAY" if emulated => vec!["VARIANT".to_string()],
                t if emulated && t.starts_with("VARCHAR(") => vec!["VARCHAR".to_string()],
                _ => Vec::new(),
            };
            Column {
                name: c.physical.clone(),
                logical: c.logical.clone(),
                data_type,
                also_read_as,
                nullable: c.nullable,
                comment: kept(&c.comment, emulated),
                identity: c.identity.map(|_| AUTOINCREMENT.to_string()),
                generated: false,
            }
        })
        .collect();
    let (unique_keys, constraints) = if emulated {
        (BTreeMap::new(), BTreeMap::new())
    } else {
        // A unique index of columns is declared as a UNIQUE constraint; the rest are not created.
        let unique_keys = object
            .indexes
            .iter()
            .filter(|i| i.unique && !i.has_expression())
            .map(|i| {
                let key = UniqueKey {
                    logical: i.logical.clone(),
                    columns: i.columns.clone(),
                };
                (i.physical.clone(), key)
            })
            .collect();
        let foreign_keys = object
            .foreign_keys
            .iter()
            .map(|k| {
                let shape = ForeignKeyShape {
                    columns: k.columns.clone(),
                    references_namespace: k.references_namespace.clone(),
                    references_table: k.references_table.clone(),
                    references_columns: k.references_columns.clone(),
                };
                (k.physical.clone(), foreign_key(k.logical.clone(), shape))
            })
            .collect();
        (unique_keys, foreign_keys)
    };
    // A column copy leaves `NAME__DEPOT_COPY` (or `__DEPOT_OLD`) behind only when a run stopped
    // half-way, and resuming it finishes (or drops) it.
    let leftovers = object
        .columns
        .iter()
        .flat_map(|c| {
            [
                COPY_SUFFIX,
                OLD_SUFFIX,
                DEFAULT_COPY_SUFFIX,
                DEFAULT_OLD_SUFFIX,
            ]
            .map(|suffix| format!("{}{suffix}", c.physical))
        })
        .collect();
    Table {
        logical: object.logical.clone(),
        columns,
        comment: object.comment.clone(),
        primary_key: object.primary_key.as_ref().map(PrimaryKey::expected),
        unique_keys,
        indexes: BTreeMap::new(),
        constraints,
        leftovers,
    }
}
