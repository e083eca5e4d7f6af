//! Seeding on Snowflake: each seed row becomes one `MERGE` on the object's primary key that
//! updates the columns the row gives, or inserts the row, so that seeding twice leaves the same
//! rows (SPEC §1). Columns a row leaves out keep their default on insert and their value on
//! update. Snowflake does not enforce primary keys: the MERGE is what keeps the key unique.
//!
//! All rows go in one transaction (Snowflake runs DML in explicit transactions; only DDL
//! commits on its own), so a failed row leaves no seed half-written.

use depot_core::physical::{PhysicalModel, PhysicalObject};
use depot_deploy::location::Seeds;
use depot_deploy::{LocationError, SeedReport};
use serde_json::{Map, Value};

use crate::client::SnowflakeClient;
use crate::dialect::quote_ident;
use crate::literal::literal;

/// The MERGE statements of `seeds` into `model`'s objects, objects in name order, rows in
/// package order. Err names the object, row and field that cannot be written.
pub fn seed_statements(model: &PhysicalModel, seeds: &Seeds) -> Result<Vec<String>, String> {
    let mut statements = Vec::new();
    for (logical, rows) in seeds {
        let object = model.objects.get(logical).ok_or_else(|| {
            format!("seeds are given for `{logical}`, which is not an object of this version")
        })?;
        for (i, row) in rows.iter().enumerate() {
            let statement = merge(&model.namespace, object, row)
                .map_err(|why| format!("seed row {i} of `{logical}`: {why}"))?;
            statements.push(statement);
        }
    }
    Ok(statements)
}

/// `MERGE INTO ns.t T USING (SELECT v AS c, ...) S ON T.k = S.k WHEN MATCHED THEN UPDATE ...
/// WHEN NOT MATCHED THEN INSERT ...`.
fn merge(
    namespace: &str,
    object: &PhysicalObject,
    row: &Map<String, Value>,
) -> Result<String, String> {
    let key = object
        .primary_key
        .as_ref()
        .ok_or("the object has no primary key to merge on")?;
    let mut selected = Vec::with_capacity(row.len());
    let mut columns = Vec::with_capacity(row.len());
    let mut updates = Vec::new();
    for (field, value) in row {
        let column = object
            .column(field)
            .ok_or_else(|| format!("`{field}` is not a field of the object"))?;
        let name = quote_ident(&column.physical);
        let value = if value.is_null() {
            "NULL".to_string()
        } else {
            literal(&column.field_type, value).map_err(|why| format!("`{field}`: {why}"))?
        };
        selected.push(format!("{value} AS {name}"));
        if !key.columns.contains(&column.physical) {
            updates.push(format!("{name} = S.{name}"));
        }
        columns.push(name);
    }
    for k in &key.columns {
        if !columns.contains(&quote_ident(k)) {
            return Err(format!("the row has no value for the key column {k}"));
        }
    }
    let on: Vec<String> = key
        .columns
        .iter()
        .map(|k| format!("T.{0} = S.{0}", quote_ident(k)))
        .collect();
    let mut sql = format!(
        "MERGE INTO {}.{} T USING (SELECT {}) S ON {}",
        quote_ident(namespace),
        quote_ident(&object.physical),
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
    use depot_core::physical::{PhysicalColumn, PhysicalKey};
    use serde_json::json;

    fn dog() -> PhysicalObject {
        let column = |logical: &str, physical: &str, field_type| PhysicalColumn {
            logical: logical.to_string(),
            physical: physical.to_string(),
            previous_names: Vec::new(),
            field_type,
            nullable: false,
            default: None,
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
        }
    }

    #[test]
    fn a_row_merges_on_the_key_and_updates_the_other_columns() {
        let row = json!({"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex's"});
        let sql = merge("pairs", &dog(), row.as_object().unwrap()).unwrap();
        assert_eq!(
            sql,
            "MERGE INTO \"pairs\".DOG T USING (SELECT '7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11' AS \
             ID, 'Rex''s' AS NAME) S ON T.ID = S.ID WHEN MATCHED THEN UPDATE SET NAME = S.NAME \
             WHEN NOT MATCHED THEN INSERT (ID, NAME) VALUES (S.ID, S.NAME)"
        );
        let keyless = json!({"name": "Rex"});
        assert!(merge("pairs", &dog(), keyless.as_object().unwrap())
            .unwrap_err()
            .contains("key column ID"));
        let unknown = json!({"id": "x", "colour": "red"});
        assert!(merge("pairs", &dog(), unknown.as_object().unwrap())
            .unwrap_err()
            .contains("`colour`"));
    }
}
