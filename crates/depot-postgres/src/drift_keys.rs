//! Drift of what an index or a key says beyond its columns: expression keys, `NULLS NOT
//! DISTINCT`, and when a unique index or foreign key is checked (`DEFERRABLE`), read from
//! `pg_get_indexdef` and `pg_get_constraintdef`.

use depot_core::constraint::Deferrable;
use depot_core::physical::{IndexKey, PhysicalIndex, PhysicalObject};

use crate::introspect::TableSnapshot;

/// Whether the live keys (`pg_get_indexdef` per key, unquoted) are the index's: its columns
/// where it has columns, and an expression (not a bare column) where it has one. The
/// expression itself is compared as PostgreSQL prints it nowhere: a rebuild is what changes it.
pub(crate) fn keys_match(live: &[String], index: &PhysicalIndex, columns: &[&str]) -> bool {
    live.len() == index.columns.len()
        && index.keys().zip(live).all(|(key, found)| match key {
            IndexKey::Column(c) => c == found,
            IndexKey::Expression(_) => !columns.contains(&found.as_str()),
        })
}

/// The index's keys as a drift line names them: columns, `(expression)`s.
pub(crate) fn key_list(index: &PhysicalIndex) -> String {
    index
        .keys()
        .map(|key| match key {
            IndexKey::Column(c) => c.to_string(),
            IndexKey::Expression(sql) => format!("({sql})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// When a constraint is checked, as `pg_get_constraintdef` ends: `DEFERRABLE [INITIALLY
/// DEFERRED]`, nothing when immediate.
pub(crate) fn deferrable_of(definition: &str) -> Option<Deferrable> {
    if definition.contains("NOT DEFERRABLE") || !definition.contains("DEFERRABLE") {
        None
    } else if definition.contains("INITIALLY DEFERRED") {
        Some(Deferrable::InitiallyDeferred)
    } else {
        Some(Deferrable::InitiallyImmediate)
    }
}

fn describe(deferrable: Option<Deferrable>) -> &'static str {
    match deferrable {
        None => "checked at once",
        Some(Deferrable::InitiallyImmediate) => "DEFERRABLE INITIALLY IMMEDIATE",
        Some(Deferrable::InitiallyDeferred) => "DEFERRABLE INITIALLY DEFERRED",
    }
}

/// The differences of `object`'s indexes and foreign keys in what they say beyond their
/// columns, appended to `out` as lines naming the table.
pub(crate) fn key_options_drift(
    table_name: &str,
    object: &PhysicalObject,
    live: &TableSnapshot,
    out: &mut Vec<String>,
) {
    for index in &object.indexes {
        let Some(found) = live.indexes.get(&index.physical) else {
            continue;
        };
        let not_distinct = found.definition.contains(" NULLS NOT DISTINCT");
        if not_distinct != (index.nulls_distinct == Some(false)) {
            out.push(format!(
                "table {table_name}: index {} is `{}`, expected nulls {}",
                index.physical,
                found.definition,
                if not_distinct {
                    "distinct"
                } else {
                    "not distinct"
                }
            ));
        }
        let constraint = live
            .constraints
            .get(&index.physical)
            .filter(|c| c.kind == "unique");
        let live_deferrable = constraint.and_then(|c| deferrable_of(&c.definition));
        if live_deferrable != index.deferrable {
            out.push(format!(
                "table {table_name}: unique index {} is {}, expected {}",
                index.physical,
                describe(live_deferrable),
                describe(index.deferrable)
            ));
        }
    }
    for key in &object.foreign_keys {
        let Some(found) = live
            .constraints
            .get(&key.physical)
            .filter(|c| c.kind == "foreign_key")
        else {
            continue;
        };
        let live_deferrable = deferrable_of(&found.definition);
        if live_deferrable != key.deferrable {
            out.push(format!(
                "table {table_name}: foreign key {} is {}, expected {}",
                key.physical,
                describe(live_deferrable),
                describe(key.deferrable)
            ));
        }
    }
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
    fn an_expression_key_matches_any_expression_but_not_a_column() {
        let index = PhysicalIndex {
            columns: vec![String::new(), "name".into()],
            expressions: vec![Some("lower(\"email\")".into()), None],
            ..PhysicalIndex::default()
        };
        let columns = ["email", "name"];
        assert!(keys_match(
            &["lower(email)".into(), "name".into()],
            &index,
            &columns
        ));
        assert!(!keys_match(
            &["email".into(), "name".into()],
            &index,
            &columns
        ));
        assert!(!keys_match(&["lower(email)".into()], &index, &columns));
        assert_eq!(key_list(&index), "(lower(\"email\")), name");
    }
}
