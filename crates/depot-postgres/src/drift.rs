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

use depot_core::field_type::FieldType;
use depot_core::identity::AutoIncrement;
use depot_core::index_options::IndexMethod;
use depot_core::physical::{PhysicalModel, PhysicalObject};
use depot_deploy::Drift;

use crate::drift_keys;
use crate::drift_materialized::compare_materialized;
use crate::introspect::{SchemaSnapshot, TableSnapshot};
use crate::render::not_null_check_name;

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
    if live.comment != expected.comment {
        differences.push(format!(
            "namespace {ns}: comment is {}, expected {}",
            describe_comment(&live.comment),
            describe_comment(&expected.comment)
        ));
    }
    crate::drift_enums::compare_enums(live, expected, &mut differences);
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
        match live.views.get(&view.physical) {
            None => differences.push(format!(
                "view {ns}.{} ({}) is missing",
                view.physical, view.logical
            )),
            Some(found) => {
                compare_comment(
                    &format!("view {ns}.{}", view.physical),
                    &found.comment,
                    &view.comment,
                    &mut differences,
                );
                compare_materialized(
                    &format!("{ns}.{}", view.physical),
                    found,
                    view,
                    &mut differences,
                );
            }
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
        let identity = column.identity.map(|i| match i {
            AutoIncrement::ByDefault => "by default",
            AutoIncrement::Always => "always",
        });
        if found.identity.as_deref() != identity {
            let says = |identity: Option<&str>| {
                identity.map_or("not an identity".to_string(), |i| {
                    format!("generated {i} as identity")
                })
            };
            out.push(format!(
                "table {table_name}: column {} is {}, expected {}",
                column.physical,
                says(found.identity.as_deref()),
                says(identity)
            ));
        }
        if found.generated.is_some() != column.computed.is_some() {
            let says = |generated: bool| {
                if generated {
                    "generated"
                } else {
                    "not generated"
                }
            };
            out.push(format!(
                "table {table_name}: column {} is {}, expected {}",
                column.physical,
                says(found.generated.is_some()),
                says(column.computed.is_some())
            ));
        }
        compare_comment(
            &format!("table {table_name}: column {}", column.physical),
            &found.comment,
            &column.comment,
            out,
        );
    }
    compare_comment(
        &format!("table {table_name}"),
        &live.comment,
        &object.comment,
        out,
    );
    let expected_constraints = object
        .checks
        .iter()
        .map(|c| (&c.physical, &c.logical, "check", &c.comment))
        .chain(
            object
                .foreign_keys
                .iter()
                .map(|k| (&k.physical, &k.logical, "foreign_key", &k.comment)),
        );
    for (physical, logical, kind, comment) in expected_constraints {
        match live.constraints.get(physical) {
            Some(found) if found.kind == kind => compare_comment(
                &format!("table {table_name}: constraint {physical}"),
                &found.comment,
                comment,
                out,
            ),
            Some(found) => out.push(format!(
                "table {table_name}: constraint {physical} is a {}, expected a {kind}",
                found.kind
            )),
            None => out.push(format!(
                "table {table_name}: {} {physical} ({logical}) is missing",
                kind.replace('_', " ")
            )),
        }
    }
    for (name, found) in &live.constraints {
        let expected = object.checks.iter().any(|c| &c.physical == name)
            || object.foreign_keys.iter().any(|k| &k.physical == name);
        // A NOT NULL check outlives its plan only when a run stopped before dropping it.
        let transient = object
            .columns
            .iter()
            .any(|c| &not_null_check_name(&object.physical, &c.physical) == name);
        if !expected && !transient && matches!(found.kind.as_str(), "check" | "foreign_key") {
            out.push(format!(
                "table {table_name}: {} {name} is not part of the deployed version",
                found.kind.replace('_', " ")
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
        let table_columns: Vec<&str> = live.columns.keys().map(String::as_str).collect();
        if found.unique != index.unique
            || !drift_keys::keys_match(&columns, index, &table_columns)
            || !found.valid
        {
            out.push(format!(
                "table {table_name}: index {} is `{}`{}, expected {}({})",
                index.physical,
                found.definition,
                if found.valid { "" } else { " (INVALID)" },
                if index.unique { "unique " } else { "" },
                drift_keys::key_list(index)
            ));
        }
    }
    for index in &object.indexes {
        let Some(found) = live.indexes.get(&index.physical) else {
            continue;
        };
        let method = index.method.unwrap_or(IndexMethod::Btree).name();
        let uses = format!(" USING {method} (");
        let has_include = found.definition.contains(") INCLUDE (");
        let has_where = found.definition.contains(" WHERE ");
        if !found.definition.contains(&uses)
            || has_include == index.include.is_empty()
            || has_where != index.where_sql.is_some()
        {
            out.push(format!(
                "table {table_name}: index {} is `{}`, expected USING {method}{}{}",
                index.physical,
                found.definition,
                if index.include.is_empty() {
                    ""
                } else {
                    " with INCLUDE"
                },
                if index.where_sql.is_some() {
                    ", partial"
                } else {
                    ""
                }
            ));
        }
        compare_comment(
            &format!("table {table_name}: index {}", index.physical),
            &found.comment,
            &index.comment,
            out,
        );
    }
    drift_keys::key_options_drift(table_name, object, live, out);
    for name in live.indexes.keys() {
        if object.indexes.iter().all(|i| &i.physical != name) {
            out.push(format!(
                "table {table_name}: index {name} is not part of the deployed version"
            ));
        }
    }
}

/// A difference when `found` is not the `expected` comment of `what`.
pub(crate) fn compare_comment(
    what: &str,
    found: &Option<String>,
    expected: &Option<String>,
    out: &mut Vec<String>,
) {
    if found != expected {
        out.push(format!(
            "{what}: comment is {}, expected {}",
            describe_comment(found),
            describe_comment(expected)
        ));
    }
}

fn describe_comment(comment: &Option<String>) -> String {
    comment
        .as_ref()
        .map_or("none".to_string(), |c| format!("{c:?}"))
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
        // Introspection sets the search_path to the dataset's namespace, where the type lives.
        FieldType::Enum { name, .. } => name.clone(),
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
    use crate::introspect::{ColumnSnapshot, ConstraintSnapshot, IndexSnapshot, KeySnapshot};
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
