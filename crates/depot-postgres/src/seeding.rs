//! Seeding on PostgreSQL: each seed row becomes one `INSERT ... ON CONFLICT (primary key) DO
//! UPDATE` of the columns the row gives, so that seeding twice leaves the same rows (SPEC §1),
//! and a row whose key exists is brought back to its seed values. Columns a row leaves out keep
//! their default on insert and their value on update.
//!
//! All rows go in one transaction, under the same short `lock_timeout` as plan runs: seeding
//! never queues behind a long query while blocking the table for everyone else.
//!
//! Identity columns keep a seed's explicit values (`OVERRIDING SYSTEM VALUE` for `GENERATED
//! ALWAYS`), and after the rows each seeded identity's sequence is moved past the column's
//! largest value, so that later inserts do not collide with a seeded row. Objects referenced by
//! another's foreign key are seeded first, so that a child row finds its parent.

use depot_core::identity::AutoIncrement;
use depot_core::physical::{PhysicalModel, PhysicalObject};
use depot_core::reference_order::parents_first;
use depot_core::seed_rows::{seed_rows, SeedRow};
use depot_deploy::location::Seeds;
use depot_deploy::{LocationError, SeedReport};
use tokio_postgres::Client;

use crate::dialect::quote_ident;
use crate::literal::literal;
use crate::pg_error;
use crate::render::move_sequence_past_max;
use crate::retry::RetryPolicy;

/// The upsert statements of `seeds` into `model`'s objects, objects in name order, rows in
/// package order. Err names the object, row and field that cannot be written.
/// Then one statement per seeded identity column, moving its sequence past the seeded values.
pub fn seed_statements(model: &PhysicalModel, seeds: &Seeds) -> Result<Vec<String>, String> {
    let mut rows = seed_rows(model, seeds)?;
    // Parents first, so that a row's foreign keys find their rows; a stable sort keeps each
    // object's rows in package order.
    let position: std::collections::HashMap<&str, usize> = parents_first(model)
        .iter()
        .enumerate()
        .map(|(i, o)| (o.logical.as_str(), i))
        .collect();
    rows.sort_by_key(|row| position.get(row.object.logical.as_str()).copied());
    let mut statements = rows
        .iter()
        .map(|row| upsert(&model.namespace, row))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seeded: Vec<&PhysicalObject> = Vec::new();
    for row in &rows {
        if !seeded.iter().any(|o| o.physical == row.object.physical) {
            seeded.push(row.object);
        }
    }
    for object in seeded {
        for column in object.columns.iter().filter(|c| c.identity.is_some()) {
            statements.push(move_sequence_past_max(
                &model.namespace,
                &object.physical,
                &column.physical,
            )?);
        }
    }
    Ok(statements)
}

/// `INSERT INTO ns.t (cols) VALUES (...) ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, ...`.
fn upsert(namespace: &str, row: &SeedRow<'_>) -> Result<String, String> {
    let mut columns = Vec::with_capacity(row.cells.len());
    let mut values = Vec::with_capacity(row.cells.len());
    let mut updates = Vec::new();
    let mut overriding = "";
    for cell in &row.cells {
        let name = quote_ident(&cell.column.physical);
        if cell.column.computed.is_some() {
            return Err(format!(
                "seed of `{}`: `{}` is computed and cannot be given a value",
                row.object.logical, cell.column.logical
            ));
        }
        values.push(cell.sql_value(literal)?);
        let always = cell.column.identity == Some(AutoIncrement::Always);
        if always {
            overriding = " OVERRIDING SYSTEM VALUE";
        }
        // An ALWAYS identity can only be updated to DEFAULT: a seeded row keeps its value.
        if !cell.in_key && !always {
            updates.push(format!("{name} = EXCLUDED.{name}"));
        }
        columns.push(name);
    }
    let conflict: Vec<String> = row.key.columns.iter().map(|c| quote_ident(c)).collect();
    let action = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    Ok(format!(
        "INSERT INTO {}.{} ({}){overriding} VALUES ({}) ON CONFLICT ({}) {action}",
        quote_ident(namespace),
        quote_ident(&row.object.physical),
        columns.join(", "),
        values.join(", "),
        conflict.join(", "),
    ))
}

/// Upserts `seeds` into `model`'s objects in one transaction.
pub async fn upsert_seeds(
    client: &mut Client,
    model: &PhysicalModel,
    seeds: &Seeds,
    policy: &RetryPolicy,
) -> Result<SeedReport, LocationError> {
    let statements = seed_statements(model, seeds).map_err(|why| {
        LocationError::Other(format!("seeding namespace {}: {why}", model.namespace))
    })?;
    let fail = |e: tokio_postgres::Error| {
        pg_error::location_error(&format!("seeding namespace {}", model.namespace), &e)
    };
    let tx = client.transaction().await.map_err(fail)?;
    tx.execute(
        &format!("SET LOCAL lock_timeout = {}", policy.lock_timeout_sql()),
        &[],
    )
    .await
    .map_err(fail)?;
    for statement in &statements {
        crate::executor::execute_one(&tx, statement)
            .await
            .map_err(fail)?;
    }
    // The materialized views reading a seeded table show its new rows, in the same
    // transaction: readers never see the rows without them.
    let seeded: std::collections::BTreeSet<&str> = seeds
        .iter()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(object, _)| object.as_str())
        .collect();
    for view in crate::refresh::views_reading(model, &seeded) {
        let statement = crate::refresh::refresh_statement(&model.namespace, view);
        crate::executor::execute_one(&tx, &statement)
            .await
            .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    Ok(SeedReport {
        objects: seeds.values().filter(|rows| !rows.is_empty()).count(),
        rows: seeds.values().map(Vec::len).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use depot_core::physical::PhysicalObject;
    use depot_core::physical::{PhysicalColumn, PhysicalKey};
    use depot_core::FieldType;
    use serde_json::json;
    use serde_json::Value;

    fn column(logical: &str, physical: &str, field_type: FieldType) -> PhysicalColumn {
        PhysicalColumn {
            logical: logical.into(),
            physical: physical.into(),
            previous_names: vec![],
            field_type,
            nullable: true,
            default: None,
            comment: None,
            computed: None,
            identity: None,
        }
    }

    fn model() -> PhysicalModel {
        let dog = PhysicalObject {
            logical: "Dog".into(),
            physical: "dog".into(),
            previous_names: vec![],
            columns: vec![
                column("id", "id", FieldType::Uuid),
                column(
                    "name",
                    "name",
                    FieldType::String {
                        max_length: Some(200),
                    },
                ),
                column("birthDate", "birth_date", FieldType::Date),
            ],
            primary_key: Some(PhysicalKey {
                name: "dog_pkey".into(),
                columns: vec!["id".into()],
            }),
            indexes: vec![],
            checks: Vec::new(),
            comment: None,
            foreign_keys: Vec::new(),
        };
        PhysicalModel {
            enums: Default::default(),
            namespace: "ws".into(),
            objects: [("Dog".to_string(), dog)].into(),
            views: Default::default(),
            comment: None,
        }
    }

    fn seeds(rows: Value) -> Seeds {
        serde_json::from_value(json!({ "Dog": rows })).unwrap()
    }

    #[test]
    fn a_row_becomes_an_upsert_on_the_primary_key_of_the_columns_it_gives() {
        let statements = seed_statements(
            &model(),
            &seeds(json!([{"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "O'Rex", "birthDate": null}])),
        )
        .unwrap();
        assert_eq!(
            statements,
            vec!["INSERT INTO ws.dog (birth_date, id, name) VALUES (NULL, '7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11'::uuid, 'O''Rex') \
                  ON CONFLICT (id) DO UPDATE SET birth_date = EXCLUDED.birth_date, name = EXCLUDED.name"]
        );
    }

    #[test]
    fn a_row_of_key_columns_only_does_nothing_on_conflict() {
        let statements = seed_statements(
            &model(),
            &seeds(json!([{"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11"}])),
        )
        .unwrap();
        assert!(
            statements[0].ends_with("ON CONFLICT (id) DO NOTHING"),
            "{}",
            statements[0]
        );
    }

    #[test]
    fn unknown_objects_and_fields_are_named() {
        let unknown_field =
            seed_statements(&model(), &seeds(json!([{"id": "x", "colour": "red"}])));
        assert_eq!(
            unknown_field.unwrap_err(),
            "seed row 0 of `Dog`: `colour` is not a field of the object"
        );
        let cats: Seeds = serde_json::from_value(json!({"Cat": [{"id": 1}]})).unwrap();
        assert!(seed_statements(&model(), &cats)
            .unwrap_err()
            .contains("`Cat`"));
    }

    #[test]
    fn identity_values_are_kept_and_the_sequence_moved_past_them_after_parents_are_seeded() {
        let mut model = model();
        let mut owner = model.objects["Dog"].clone();
        owner.logical = "Owner".into();
        owner.physical = "owner".into();
        owner.columns = vec![PhysicalColumn {
            identity: Some(AutoIncrement::Always),
            ..column("id", "id", FieldType::Bigint)
        }];
        owner.primary_key = Some(PhysicalKey {
            name: "owner_pkey".into(),
            columns: vec!["id".into()],
        });
        model.objects.insert("Owner".into(), owner);
        // "Dog" sorts before "Owner", but a dog references its owner.
        let dog = model.objects.get_mut("Dog").unwrap();
        dog.columns
            .push(column("ownerId", "owner_id", FieldType::Bigint));
        dog.foreign_keys
            .push(depot_core::constraint::PhysicalForeignKey {
                logical: "byOwner".into(),
                physical: "dog_by_owner_fkey".into(),
                columns: vec!["owner_id".into()],
                references_namespace: "ws".into(),
                references_logical: "Owner".into(),
                references_table: "owner".into(),
                references_columns: vec!["id".into()],
                on_delete: Default::default(),
                on_update: Default::default(),
                deferrable: None,
                comment: None,
            });
        let seeds: Seeds = serde_json::from_value(json!({
            "Dog": [{"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "ownerId": 7}],
            "Owner": [{"id": 7}],
        }))
        .unwrap();
        let statements = seed_statements(&model, &seeds).unwrap();
        assert_eq!(
            statements,
            vec![
                "INSERT INTO ws.owner (id) OVERRIDING SYSTEM VALUE VALUES (7) ON CONFLICT (id) \
                 DO NOTHING",
                "INSERT INTO ws.dog (id, owner_id) VALUES \
                 ('7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11'::uuid, 7) ON CONFLICT (id) DO UPDATE \
                 SET owner_id = EXCLUDED.owner_id",
                "SELECT setval(pg_get_serial_sequence('ws.owner', 'id'), greatest(max(id), 0) + \
                 1, false) FROM ws.owner",
            ]
        );
    }
}
