//! Seeding on Snowflake: each seed row becomes one `MERGE` on the object's primary key that
//! updates the columns the row gives, or inserts the row, so that seeding twice leaves the same
//! rows (SPEC §1). Columns a row leaves out keep their default on insert and their value on
//! update. Snowflake does not enforce primary keys: the MERGE is what keeps the key unique.
//!
//! An AUTOINCREMENT column takes a seed's explicit value as given (Snowflake's AUTOINCREMENT
//! always accepts one), but its sequence does not move past it, and Snowflake has no statement
//! that restarts the sequence of a column: a later insert that leaves the column out can be
//! given a value a seed already holds. Seed AUTOINCREMENT columns with values outside the range
//! the sequence will reach (or leave them out of the seeds).
//!
//! All rows go in one transaction (Snowflake runs DML in explicit transactions; only DDL
//! commits on its own), so a failed row leaves no seed half-written.

use depot_core::physical::PhysicalModel;
use depot_core::seed_rows::{seed_rows, SeedRow};
use depot_deploy::location::Seeds;
use depot_deploy::{LocationError, SeedReport};

use crate::client::SnowflakeClient;
use crate::dialect::quote_ident;
use crate::literal::literal;

/// The MERGE statements of `seeds` into `model`'s objects, objects in name order, rows in
/// package order. Err names the object, row and field that cannot be written.
pub fn seed_statements(model: &PhysicalModel, seeds: &Seeds) -> Result<Vec<String>, String> {
    seed_rows(model, seeds)?
        .iter()
        .map(|row| merge(&model.namespace, row))
        .collect()
}

/// `MERGE INTO ns.t T USING (SELECT v AS c, ...) S ON T.k = S.k WHEN MATCHED THEN UPDATE ...
/// WHEN NOT MATCHED THEN INSERT ...`.
fn merge(namespace: &str, row: &SeedRow<'_>) -> Result<String, String> {
    let mut selected = Vec::with_capacity(row.cells.len());
    let mut columns = Vec::with_capacity(row.cells.len());
    let mut updates = Vec::new();
    for cell in &row.cells {
        let name = quote_ident(&cell.column.physical);
        selected.push(format!("{} AS {name}", cell.sql_value(literal)?));
        if !cell.in_key {
            updates.push(format!("{name} = S.{name}"));
        }
        columns.push(name);
    }
    let on: Vec<String> = row
        .key
        .columns
        .iter()
        .map(|k| format!("T.{0} = S.{0}", quote_ident(k)))
        .collect();
    let mut sql = format!(
        "MERGE INTO {}.{} T USING (SELECT {}) S ON {}",
        quote_ident(namespace),
        quote_ident(&row.object.physical),
        selected.join(", "),
        on.join(" AND ")
    );
    if !updates.is_empty() {
        sql.push_str(&format!(
            " WHEN MATCHED THEN UPDATE SET {}",
            updates.join(", ")
        ));
    }
    let values: Vec<String> = columns.iter().map(|c| format!("S.{c}")).collect();
    sql.push_str(&format!(
        " WHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
        columns.join(", "),
        values.join(", ")
    ));
    Ok(sql)
}

/// Runs the seed MERGEs in one transaction.
pub async fn upsert_seeds(
    client: &SnowflakeClient,
    model: &PhysicalModel,
    seeds: &Seeds,
) -> Result<SeedReport, LocationError> {
    let statements = seed_statements(model, seeds).map_err(LocationError::Other)?;
    let fail = |e: crate::client::SnowflakeError| {
        LocationError::Other(format!("seeding namespace {}: {e}", model.namespace))
    };
    client.execute("BEGIN").await.map_err(fail)?;
    for sql in &statements {
        if let Err(e) = client.execute(sql).await {
            if let Err(rollback) = client.execute("ROLLBACK").await {
                tracing::warn!(error = %rollback, "rollback of the seeding failed");
            }
            return Err(fail(e));
        }
    }
    client.execute("COMMIT").await.map_err(fail)?;
    Ok(SeedReport {
        objects: seeds.values().filter(|rows| !rows.is_empty()).count(),
        rows: statements.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use depot_core::field_type::FieldType;
    use depot_core::physical::{PhysicalColumn, PhysicalKey, PhysicalObject};
    use serde_json::{json, Value};

    /// The MERGE of one row of `Dog` in namespace `pairs`.
    fn merge_of(row: Value) -> Result<String, String> {
        let model = PhysicalModel {
            enums: Default::default(),
            namespace: "pairs".to_string(),
            objects: [("Dog".to_string(), dog())].into(),
            views: Default::default(),
            comment: None,
        };
        let seeds: Seeds = serde_json::from_value(json!({ "Dog": [row] })).unwrap();
        seed_statements(&model, &seeds).map(|mut statements| statements.remove(0))
    }

    fn dog() -> PhysicalObject {
        let column = |logical: &str, physical: &str, field_type| PhysicalColumn {
            logical: logical.to_string(),
            physical: physical.to_string(),
            previous_names: Vec::new(),
            field_type,
            nullable: false,
            default: None,
            comment: None,
            computed: None,
            identity: None,
        };
        PhysicalObject {
            logical: "Dog".to_string(),
            physical: "DOG".to_string(),
            previous_names: Vec::new(),
            columns: vec![
                column("id", "ID", FieldType::Uuid),
                column("name", "NAME", FieldType::String { max_length: None }),
            ],
            primary_key: Some(PhysicalKey {
                name: "DOG_PKEY".to_string(),
                columns: vec!["ID".to_string()],
            }),
            indexes: Vec::new(),
            checks: Vec::new(),
            comment: None,
            foreign_keys: Vec::new(),
        }
    }

    #[test]
    fn a_row_merges_on_the_key_and_updates_the_other_columns() {
        let row = json!({"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex's"});
        let sql = merge_of(row).unwrap();
        assert_eq!(
            sql,
            "MERGE INTO \"pairs\".DOG T USING (SELECT '7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11' AS \
             ID, 'Rex''s' AS NAME) S ON T.ID = S.ID WHEN MATCHED THEN UPDATE SET NAME = S.NAME \
             WHEN NOT MATCHED THEN INSERT (ID, NAME) VALUES (S.ID, S.NAME)"
        );
        let keyless = json!({"name": "Rex"});
        assert!(merge_of(keyless).unwrap_err().contains("key column ID"));
        let unknown = json!({"id": "x", "colour": "red"});
        assert!(merge_of(unknown).unwrap_err().contains("`colour`"));
    }
}
