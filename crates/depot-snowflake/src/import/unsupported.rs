//! What a Snowflake schema may hold that a package cannot express: each one found is a
//! warning, so nothing is dropped silently. Tables and views of other kinds come from the
//! snapshot (materialized, external, dynamic, event tables); the rest from one `SHOW ... IN
//! SCHEMA` per kind, and from INFORMATION_SCHEMA for sequences, functions, procedures and
//! stages.
//!
//! fakesnow knows none of these SHOW commands nor those INFORMATION_SCHEMA views: there, a
//! query that fails is a warning saying the kind could not be listed (never a silent skip);
//! on Snowflake every one of them exists.

use depot_deploy::LocationError;

use super::Warnings;
use crate::client::SnowflakeClient;
use crate::dialect::quote_ident;
use crate::introspect::SchemaSnapshot;
use crate::literal::quote;

/// What a kind is called, and why it is not imported.
const OUT_OF_SCOPE: &str = "Depot does not manage it; not imported";

/// Adds a warning for each object of `schema` that a package cannot express.
pub async fn warn_unsupported(
    client: &SnowflakeClient,
    schema: &str,
    snapshot: &SchemaSnapshot,
    warnings: &mut Warnings,
) -> Result<(), LocationError> {
    for object in &snapshot.other_objects {
        warnings.push(format!("{object}: {OUT_OF_SCOPE}"));
    }
    for (table, found) in &snapshot.tables {
        if found.transient {
            warnings.push(format!(
                "table {table}: it is TRANSIENT; a deploy of the package creates a permanent \
                 table"
            ));
        }
        if let Some(key) = &found.clustering_key {
            warnings.push(format!(
                "table {table}: its clustering key {key} cannot be expressed in a package; not \
                 imported"
            ));
        }
    }
    let ident = quote_ident(schema);
    let literal = quote(schema);
    // (kind, query, position of the name in its rows)
    let kinds: [(&str, String, usize); 9] = [
        ("stream", format!("SHOW STREAMS IN SCHEMA {ident}"), 1),
        ("task", format!("SHOW TASKS IN SCHEMA {ident}"), 1),
        ("pipe", format!("SHOW PIPES IN SCHEMA {ident}"), 1),
        (
            "masking policy",
            format!("SHOW MASKING POLICIES IN SCHEMA {ident}"),
            1,
        ),
        (
            "row access policy",
            format!("SHOW ROW ACCESS POLICIES IN SCHEMA {ident}"),
            1,
        ),
        (
            "sequence",
            format!(
                "SELECT SEQUENCE_NAME FROM INFORMATION_SCHEMA.SEQUENCES \
                 WHERE SEQUENCE_SCHEMA = {literal} ORDER BY 1"
            ),
            0,
        ),
        (
            "function",
            format!(
                "SELECT FUNCTION_NAME || ARGUMENT_SIGNATURE FROM INFORMATION_SCHEMA.FUNCTIONS \
                 WHERE FUNCTION_SCHEMA = {literal} ORDER BY 1"
            ),
            0,
        ),
        (
            "procedure",
            format!(
                "SELECT PROCEDURE_NAME || ARGUMENT_SIGNATURE FROM INFORMATION_SCHEMA.PROCEDURES \
                 WHERE PROCEDURE_SCHEMA = {literal} ORDER BY 1"
            ),
            0,
        ),
        (
            "stage",
            format!(
                "SELECT STAGE_NAME FROM INFORMATION_SCHEMA.STAGES \
                 WHERE STAGE_SCHEMA = {literal} ORDER BY 1"
            ),
            0,
        ),
    ];
    for (kind, sql, position) in kinds {
        let rows = if sql.starts_with("SHOW") {
            client.show(&sql).await
        } else {
            client.query(&sql).await
        };
        match rows {
            Ok(rows) => {
                for row in rows {
                    let name = row.get(position).cloned().flatten().unwrap_or_default();
                    warnings.push(format!("{kind} {name}: {OUT_OF_SCOPE}"));
                }
            }
            Err(e) => warnings.push(format!(
                "could not list the {kind} objects of schema {schema} ({}); any there are not \
                 imported",
                e.to_string().lines().next().unwrap_or_default()
            )),
        }
    }
    Ok(())
}
