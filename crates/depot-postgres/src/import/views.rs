//! Views: the query PostgreSQL prints, with the namespace's table and column names turned into
//! logical ones on the parsed tree.

use depot_core::package::ViewSchema;
use tokio_postgres::Client;

use super::names::Named;
use super::rename::Renames;
use super::Warnings;
use crate::introspect::ViewSnapshot;

/// The column names of the namespace's views, materialized ones included (a view may read
/// another view's columns; a materialized view's indexes name its columns).
pub async fn view_columns(
    client: &Client,
    namespace: &str,
) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT DISTINCT a.attname::text FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') AND a.attnum > 0 ORDER BY 1",
            &[&namespace],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The view schema of view `physical`, or `None` (with a warning) when its query does not parse.
pub fn view_schema(
    physical: &str,
    view: &ViewSnapshot,
    named: &Named,
    renames: &Renames,
    warnings: &mut Warnings,
) -> Option<ViewSchema> {
    match renames.query(&view.definition) {
        Ok((query, outside)) => {
            if !outside.is_empty() {
                warnings.push(format!(
                    "view {physical} reads {}, outside the imported schema: the package needs a \
                     dependency dataset for it (`Alias.Schema`), else it does not deploy",
                    outside.join(", ")
                ));
            }
            Some(ViewSchema {
                description: view.comment.clone(),
                query: Some(query),
                queries: Default::default(),
                previous_names: Vec::new(),
                sql_name: named.sql_name.clone(),
                indexes: Vec::new(),
            })
        }
        Err(e) => {
            warnings.push(format!("view {physical}: {e}; not imported"));
            None
        }
    }
}
