//! The live catalog of a namespace, from its introspected [`SchemaSnapshot`]: what drift
//! compares, read from `pg_get_indexdef` and `pg_get_constraintdef` where the snapshot keeps a
//! definition.

use std::collections::BTreeMap;

use depot_core::catalog::{
    Catalog, Column, Constraint, ConstraintKind, EnumType, Index, IndexKey, PrimaryKey, Table, View,
};
use depot_core::constraint::Deferrable;

use crate::drift_expected::WORDING;
use crate::introspect::{IndexSnapshot, SchemaSnapshot, TableSnapshot, ViewSnapshot};

/// The catalog of `namespace` as `live` read it.
pub(crate) fn live_catalog(live: &SchemaSnapshot, namespace: &str) -> Catalog {
    let (materialized, plain): (Vec<_>, Vec<_>) =
        live.views.iter().partition(|(_, v)| v.materialized);
    Catalog {
        namespace: namespace.to_string(),
        wording: WORDING,
        exists: live.exists,
        comment: live.comment.clone(),
        tables: live
            .tables
            .iter()
            .map(|(name, table)| (name.clone(), live_table(table)))
            .collect(),
        views: plain.into_iter().map(live_view).collect(),
        materialized_views: materialized.into_iter().map(live_view).collect(),
        enums: live
            .enums
            .iter()
            .map(|(name, values)| {
                let values = values.clone();
                (
                    name.clone(),
                    EnumType {
                        logical: String::new(),
                        values,
                    },
                )
            })
            .collect(),
    }
}

fn live_table(table: &TableSnapshot) -> Table {
    let columns = table
        .columns
        .iter()
        .map(|(name, c)| Column {
            name: name.clone(),
            data_type: c.data_type.clone(),
            nullable: c.nullable,
            comment: c.comment.clone(),
            identity: c
                .identity
                .as_ref()
                .map(|i| format!("generated {i} as identity")),
            generated: c.generated.is_some(),
            ..Column::default()
        })
        .collect();
    // An index key is a column when the table has a column of its (unquoted) name.
    let is_column = |key: &str| table.columns.contains_key(key);
    let indexes = table
        .indexes
        .iter()
        .map(|(name, index)| {
            // A deferrable unique index is attached as a constraint of its name.
            let deferrable = table
                .constraints
                .get(name)
                .filter(|c| c.kind == "unique")
                .and_then(|c| deferrable_of(&c.definition));
            (name.clone(), live_index(index, deferrable, &is_column))
        })
        .collect();
    let constraints = table
        .constraints
        .iter()
        .map(|(name, c)| {
            let kind = match c.kind.as_str() {
                "check" => ConstraintKind::Check,
                "foreign_key" => ConstraintKind::ForeignKey,
                other => ConstraintKind::Other(other.to_string()),
            };
            let deferrable = match kind {
                ConstraintKind::ForeignKey => deferrable_of(&c.definition),
                _ => None,
            };
            let constraint = Constraint {
                logical: String::new(),
                kind,
                comment: c.comment.clone(),
                shape: None,
                deferrable,
            };
            (name.clone(), constraint)
        })
        .collect();
    Table {
        logical: String::new(),
        columns,
        comment: table.comment.clone(),
        primary_key: table.primary_key.as_ref().map(|k| PrimaryKey {
            name: Some(k.name.clone()),
            columns: k.columns.clone(),
        }),
        unique_keys: BTreeMap::new(),
        indexes,
        constraints,
        leftovers: Default::default(),
    }
}

fn live_view((name, view): (&String, &ViewSnapshot)) -> (String, View) {
    // A materialized view's columns are not in the snapshot: a key PostgreSQL prints as a plain
    // or quoted identifier is a column, anything else (`lower(name)`, `(a + b)`) an expression.
    let is_column = |key: &str| {
        key.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
    };
    let indexes = view
        .indexes
        .iter()
        .map(|(name, index)| (name.clone(), live_index(index, None, &is_column)))
        .collect();
    let view = View {
        logical: String::new(),
        comment: view.comment.clone(),
        indexes,
    };
    (name.clone(), view)
}

/// An index as `pg_get_indexdef` prints it (`CREATE UNIQUE INDEX i ON t USING btree (a)
/// INCLUDE (b) NULLS NOT DISTINCT WHERE ...`).
fn live_index(
    index: &IndexSnapshot,
    deferrable: Option<Deferrable>,
    is_column: &dyn Fn(&str) -> bool,
) -> Index {
    let definition = &index.definition;
    let keys = index
        .columns
        .iter()
        .map(|key| match unquote(key) {
            Some(column) => IndexKey::Column(column),
            None if is_column(key) => IndexKey::Column(key.clone()),
            None => IndexKey::Expression(key.clone()),
        })
        .collect();
    Index {
        logical: String::new(),
        unique: index.unique,
        keys,
        valid: index.valid,
        method: method_of(definition),
        include: definition.contains(") INCLUDE ("),
        partial: definition.contains(" WHERE "),
        nulls_not_distinct: definition.contains(" NULLS NOT DISTINCT"),
        deferrable,
        comment: index.comment.clone(),
        definition: definition.clone(),
    }
}

/// The access method of an index definition: the word between ` USING ` and ` (`.
fn method_of(definition: &str) -> Option<String> {
    definition
        .split(" USING ")
        .skip(1)
        .filter_map(|rest| rest.split_once(" (").map(|(method, _)| method))
        .find(|method| {
            !method.is_empty() && method.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
        .map(str::to_string)
}

/// When a constraint is checked, as `pg_get_constraintdef` ends: `DEFERRABLE [INITIALLY
/// DEFERRED]`, nothing when immediate.
fn deferrable_of(definition: &str) -> Option<Deferrable> {
    if definition.contains("NOT DEFERRABLE") || !definition.contains("DEFERRABLE") {
        None
    } else if definition.contains("INITIALLY DEFERRED") {
        Some(Deferrable::InitiallyDeferred)
    } else {
        Some(Deferrable::InitiallyImmediate)
    }
}

/// The name inside a quoted identifier as `pg_get_indexdef` prints a column that needs quotes
/// (`"order"` -> `order`); none for a key without quotes.
fn unquote(key: &str) -> Option<String> {
    let inner = key.strip_prefix('"')?.strip_suffix('"')?;
    // `"a" + "b"` is an expression, not one name.
    let unescaped = inner.replace("\"\"", "\"");
    (!inner.replace("\"\"", "").contains('"')).then_some(unescaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferrability_is_read_from_the_constraint_definition() {
        assert_eq!(deferrable_of("UNIQUE (email)"), None);
        assert_eq!(
            deferrable_of("UNIQUE (email) DEFERRABLE"),
            Some(Deferrable::InitiallyImmediate)
        );
        assert_eq!(
            deferrable_of("FOREIGN KEY (a) REFERENCES b(id) DEFERRABLE INITIALLY DEFERRED"),
            Some(Deferrable::InitiallyDeferred)
        );
    }

    #[test]
    fn the_method_is_read_from_the_index_definition() {
        assert_eq!(
            method_of("CREATE INDEX i ON t USING gin (tags) WHERE (a = ' USING x (')").as_deref(),
            Some("gin")
        );
        assert_eq!(method_of("CREATE INDEX i ON t (a)"), None);
    }

    #[test]
    fn a_key_is_a_column_of_the_table_or_an_expression() {
        let snapshot = IndexSnapshot {
            unique: false,
            columns: vec!["lower(email)".into(), "\"order\"".into(), "name".into()],
            definition: String::new(),
            valid: true,
            comment: None,
        };
        let columns = ["order", "name"];
        let index = live_index(&snapshot, None, &|k| columns.contains(&k));
        assert_eq!(
            index.keys,
            [
                IndexKey::Expression("lower(email)".into()),
                IndexKey::Column("order".into()),
                IndexKey::Column("name".into()),
            ]
        );
    }
}
