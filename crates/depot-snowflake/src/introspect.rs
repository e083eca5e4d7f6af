//! introspect: what a Snowflake schema holds, read from its catalog into a [`SchemaSnapshot`]
//! (keyed by name in sorted maps, so two schemas with the same objects compare equal). `depot
//! import` turns a snapshot into a package ([`crate::import`]); drift detection compares one
//! with the model a dataset's deployed version describes ([`crate::drift`]).
//!
//! Read: `INFORMATION_SCHEMA.SCHEMATA`, `TABLES`, `COLUMNS` and `VIEWS` of the session's
//! database, and the keys from `SHOW PRIMARY KEYS`, `SHOW UNIQUE KEYS` and `SHOW IMPORTED KEYS`
//! (Snowflake's INFORMATION_SCHEMA has no KEY_COLUMN_USAGE: SHOW is the only place that lists a
//! key's columns). Every name is matched as stored (a literal written by
//! [`crate::literal::quote`]); the schema is named in SHOW by [`crate::dialect::quote_ident`].
//!
//! Where the fakesnow emulator (DuckDB) answers differently, which the tests meet:
//! - it keeps no comment set by `COMMENT ON SCHEMA | VIEW` or `ALTER COLUMN ... COMMENT`;
//! - its constraint names are DuckDB's own (`db_schema_table_pkey`), not the names declared;
//! - `SHOW UNIQUE KEYS` lists nothing, and `SHOW IMPORTED KEYS` lists every primary key with an
//!   empty `pk_table_name` (such rows are ignored here: a real foreign key names its target);
//! - an AUTOINCREMENT column reads as a `nextval(...)` default instead of `IS_IDENTITY = YES`;
//! - a default reads as DuckDB prints it (`CAST(uuid() AS TEXT)`), an ARRAY column as VARIANT,
//!   and a view's definition as DuckDB's `CREATE VIEW` text;
//! - a VARCHAR(n) reads as unbounded once its table or column has been renamed.

use std::collections::BTreeMap;

use depot_deploy::LocationError;
use serde::Serialize;

use crate::admin::other;
use crate::client::{Row, SnowflakeClient};
use crate::dialect::quote_ident;
use crate::literal::quote;

/// SchemaSnapshot is the tables and views of one schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaSnapshot {
    /// False when the schema does not exist (then everything else is empty).
    pub exists: bool,
    pub comment: Option<String>,
    pub tables: BTreeMap<String, TableSnapshot>,
    /// Plain views (a materialized view is in `materialized_views`, never here).
    pub views: BTreeMap<String, ViewSnapshot>,
    /// Materialized views by name, with their comments: the drift check finds the ones a
    /// package deploys here (import does not read them back yet: they are warnings).
    pub materialized_views: BTreeMap<String, Option<String>>,
    /// The column names of the schema's views (a view may read another view's columns).
    pub view_columns: std::collections::BTreeSet<String>,
    /// Objects of kinds a package cannot express (`materialized view X`, `external table Y`),
    /// for import's warnings.
    pub other_objects: Vec<String>,
}

/// TableSnapshot is one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct TableSnapshot {
    /// Columns by name; their order is [`TableSnapshot::column_order`].
    pub columns: BTreeMap<String, ColumnSnapshot>,
    pub column_order: Vec<String>,
    pub primary_key: Option<KeySnapshot>,
    /// UNIQUE constraints by name.
    pub unique_keys: BTreeMap<String, KeySnapshot>,
    /// Foreign keys by name.
    pub foreign_keys: BTreeMap<String, ForeignKeySnapshot>,
    pub comment: Option<String>,
    /// `TRANSIENT`, and the clustering key: what a package cannot say about a table.
    pub transient: bool,
    pub clustering_key: Option<String>,
}

/// ColumnSnapshot is one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnSnapshot {
    /// The type as Depot writes it (`VARCHAR(100)`, `NUMBER(19,0)`, `TIMESTAMP_TZ`), rebuilt
    /// from DATA_TYPE and its length, precision and scale.
    pub data_type: String,
    pub nullable: bool,
    /// The default as the catalog prints it (none for an AUTOINCREMENT column).
    pub default: Option<String>,
    /// An AUTOINCREMENT (IDENTITY) column.
    pub identity: bool,
    pub comment: Option<String>,
}

/// KeySnapshot is a primary or unique key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySnapshot {
    pub name: String,
    /// Columns in key order.
    pub columns: Vec<String>,
    pub comment: Option<String>,
}

/// ForeignKeySnapshot is one foreign key (declared, not enforced, on Snowflake).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKeySnapshot {
    pub columns: Vec<String>,
    /// The referenced table's schema and name.
    pub references_schema: String,
    pub references_table: String,
    pub references_columns: Vec<String>,
    /// `NO ACTION`, `CASCADE`, ... as SHOW IMPORTED KEYS prints them.
    pub on_delete: String,
    pub on_update: String,
    /// `NOT DEFERRABLE`, `INITIALLY IMMEDIATE` or `INITIALLY DEFERRED`.
    pub deferrability: String,
    pub comment: Option<String>,
}

/// ViewSnapshot is one view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewSnapshot {
    /// VIEW_DEFINITION: the whole `CREATE VIEW` statement as it was written.
    pub definition: String,
    pub comment: Option<String>,
}

/// Reads the snapshot of `schema` in the session's database.
pub async fn introspect(
    client: &SnowflakeClient,
    schema: &str,
) -> Result<SchemaSnapshot, LocationError> {
    let doing = format!("introspecting schema {schema}");
    let query = |sql: String| {
        let doing = doing.clone();
        async move { client.query(&sql).await.map_err(|e| other(&doing, e)) }
    };
    let show = |sql: String| {
        let doing = doing.clone();
        async move { client.show(&sql).await.map_err(|e| other(&doing, e)) }
    };
    let literal = quote(schema);
    let schemata = query(format!(
        "SELECT SCHEMA_NAME, COMMENT FROM INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = {literal}"
    ))
    .await?;
    let mut snapshot = SchemaSnapshot {
        exists: !schemata.is_empty(),
        comment: schemata.first().and_then(|r| text(r, 1)),
        tables: BTreeMap::new(),
        views: BTreeMap::new(),
        materialized_views: BTreeMap::new(),
        view_columns: Default::default(),
        other_objects: Vec::new(),
    };
    if !snapshot.exists {
        return Ok(snapshot);
    }

    let mut view_comments = BTreeMap::new();
    for row in query(format!(
        "SELECT TABLE_NAME, TABLE_TYPE, COMMENT, IS_TRANSIENT, CLUSTERING_KEY \
         FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = {literal} ORDER BY TABLE_NAME"
    ))
    .await?
    {
        let name = text(&row, 0).unwrap_or_default();
        match text(&row, 1).as_deref() {
            Some("BASE TABLE") => {
                snapshot.tables.insert(
                    name,
                    TableSnapshot {
                        comment: text(&row, 2),
                        transient: text(&row, 3).as_deref() == Some("YES"),
                        clustering_key: text(&row, 4).filter(|k| !k.is_empty()),
                        ..TableSnapshot::default()
                    },
                );
            }
            // Real Snowflake keeps a view's comment in TABLES as well as VIEWS.
            Some("VIEW") => {
                view_comments.insert(name, text(&row, 2));
            }
            // Found by the drift check; still a warning for import, which cannot read its
            // query back yet.
            Some("MATERIALIZED VIEW") => {
                snapshot
                    .other_objects
                    .push(format!("materialized view {name}"));
                snapshot.materialized_views.insert(name, text(&row, 2));
            }
            Some(kind) => snapshot
                .other_objects
                .push(format!("{} {name}", kind.to_lowercase())),
            None => {}
        }
    }

    for row in query(format!(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH::VARCHAR, \
                NUMERIC_PRECISION::VARCHAR, NUMERIC_SCALE::VARCHAR, IS_NULLABLE, COLUMN_DEFAULT, \
                IS_IDENTITY, COMMENT \
         FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = {literal} \
         ORDER BY TABLE_NAME, ORDINAL_POSITION"
    ))
    .await?
    {
        let Some(table) = text(&row, 0).and_then(|t| snapshot.tables.get_mut(&t)) else {
            if text(&row, 0).is_some_and(|t| view_comments.contains_key(&t)) {
                snapshot.view_columns.extend(text(&row, 1));
            }
            continue;
        };
        let name = text(&row, 1).unwrap_or_default();
        let default = text(&row, 7);
        // fakesnow: an AUTOINCREMENT column is a DuckDB sequence default.
        let emulated_identity = default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval('_fs_seq_"));
        let identity = text(&row, 8).as_deref() == Some("YES") || emulated_identity;
        table.column_order.push(name.clone());
        table.columns.insert(
            name,
            ColumnSnapshot {
                data_type: column_type(
                    &text(&row, 2).unwrap_or_default(),
                    text(&row, 3).as_deref(),
                    text(&row, 4).as_deref(),
                    text(&row, 5).as_deref(),
                ),
                nullable: text(&row, 6).as_deref() != Some("NO"),
                default: default.filter(|_| !identity),
                identity,
                comment: text(&row, 9),
            },
        );
    }

    for row in query(format!(
        "SELECT TABLE_NAME, VIEW_DEFINITION, COMMENT FROM INFORMATION_SCHEMA.VIEWS \
         WHERE TABLE_SCHEMA = {literal} ORDER BY TABLE_NAME"
    ))
    .await?
    {
        let name = text(&row, 0).unwrap_or_default();
        // Whether VIEWS lists materialized views too is not something to rely on: they are
        // kept apart, so that neither drift nor import takes one for a plain view.
        if snapshot.materialized_views.contains_key(&name) {
            continue;
        }
        let comment = text(&row, 2).or_else(|| view_comments.get(&name).cloned().flatten());
        snapshot.views.insert(
            name,
            ViewSnapshot {
                definition: text(&row, 1).unwrap_or_default(),
                comment,
            },
        );
    }

    read_keys(&show, schema, &mut snapshot).await?;
    Ok(snapshot)
}

/// A key of a table: (table, constraint name).
type TableKey = (String, String);
/// A column of a key: (position, column, the key's comment).
type KeyColumn = (u32, String, Option<String>);

/// Primary, unique and foreign keys from SHOW (columns by their documented positions; `show`
/// runs one through [`SnowflakeClient::show`]).
async fn read_keys<F, Fut>(
    query: &F,
    schema: &str,
    snapshot: &mut SchemaSnapshot,
) -> Result<(), LocationError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Row>, LocationError>>,
{
    let ident = quote_ident(schema);
    // created_on, database_name, schema_name, table_name, column_name, key_sequence,
    // constraint_name, rely, comment.
    for (show, primary) in [("PRIMARY", true), ("UNIQUE", false)] {
        let mut keys: BTreeMap<TableKey, Vec<KeyColumn>> = BTreeMap::new();
        for row in query(format!("SHOW {show} KEYS IN SCHEMA {ident}")).await? {
            if text(&row, 2).as_deref() != Some(schema) {
                continue;
            }
            let (Some(table), Some(column), Some(name)) =
                (text(&row, 3), text(&row, 4), text(&row, 6))
            else {
                continue;
            };
            let position = text(&row, 5).and_then(|s| s.parse().ok()).unwrap_or(0);
            keys.entry((table, name))
                .or_default()
                .push((position, column, text(&row, 8)));
        }
        for ((table, name), mut columns) in keys {
            let Some(table) = snapshot.tables.get_mut(&table) else {
                continue;
            };
            columns.sort();
            let comment = columns.first().and_then(|c| c.2.clone());
            let key = KeySnapshot {
                name: name.clone(),
                columns: columns.into_iter().map(|c| c.1).collect(),
                comment,
            };
            if primary {
                table.primary_key = Some(key);
            } else {
                table.unique_keys.insert(name, key);
            }
        }
    }

    // created_on, pk_database_name, pk_schema_name, pk_table_name, pk_column_name,
    // fk_database_name, fk_schema_name, fk_table_name, fk_column_name, key_sequence,
    // update_rule, delete_rule, fk_name, pk_name, deferrability, rely, comment.
    // (position, column, referenced column), and the key's first row.
    type Pairs = Vec<(u32, String, String)>;
    let mut keys: BTreeMap<TableKey, (Pairs, Row)> = BTreeMap::new();
    for row in query(format!("SHOW IMPORTED KEYS IN SCHEMA {ident}")).await? {
        // fakesnow lists primary keys here, with no referenced table.
        let target = text(&row, 3).filter(|t| !t.is_empty());
        if text(&row, 6).as_deref() != Some(schema) || target.is_none() {
            continue;
        }
        let (Some(table), Some(name), Some(from), Some(to)) =
            (text(&row, 7), text(&row, 12), text(&row, 8), text(&row, 4))
        else {
            continue;
        };
        let position = text(&row, 9).and_then(|s| s.parse().ok()).unwrap_or(0);
        let entry = keys
            .entry((table, name))
            .or_insert_with(|| (Vec::new(), row.clone()));
        entry.0.push((position, from, to));
    }
    for ((table, name), (mut columns, row)) in keys {
        let Some(table) = snapshot.tables.get_mut(&table) else {
            continue;
        };
        columns.sort();
        table.foreign_keys.insert(
            name,
            ForeignKeySnapshot {
                columns: columns.iter().map(|c| c.1.clone()).collect(),
                references_schema: text(&row, 2).unwrap_or_default(),
                references_table: text(&row, 3).unwrap_or_default(),
                references_columns: columns.iter().map(|c| c.2.clone()).collect(),
                on_update: text(&row, 10).unwrap_or_else(|| "NO ACTION".to_string()),
                on_delete: text(&row, 11).unwrap_or_else(|| "NO ACTION".to_string()),
                deferrability: text(&row, 14).unwrap_or_else(|| "NOT DEFERRABLE".to_string()),
                comment: text(&row, 16),
            },
        );
    }
    Ok(())
}

/// Cell `i` of `row`, when it holds text.
fn text(row: &Row, i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

/// The type Depot writes for a column the catalog describes as `data_type` with its length,
/// precision and scale: `TEXT` is VARCHAR (unbounded at Snowflake's maximum length), NUMBER
/// carries its precision and scale, the rest are as printed.
pub fn column_type(
    data_type: &str,
    length: Option<&str>,
    precision: Option<&str>,
    scale: Option<&str>,
) -> String {
    match data_type {
        "TEXT" | "VARCHAR" => match length {
            Some(n) if n != crate::dialect::MAX_VARCHAR_LENGTH.to_string() => {
                format!("VARCHAR({n})")
            }
            _ => "VARCHAR".to_string(),
        },
        "NUMBER" | "DECIMAL" | "NUMERIC" => format!(
            "NUMBER({},{})",
            precision.unwrap_or("38"),
            scale.unwrap_or("0")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_are_rebuilt_as_depot_writes_them() {
        assert_eq!(column_type("TEXT", Some("100"), None, None), "VARCHAR(100)");
        assert_eq!(column_type("TEXT", Some("16777216"), None, None), "VARCHAR");
        assert_eq!(column_type("TEXT", None, None, None), "VARCHAR");
        assert_eq!(
            column_type("NUMBER", None, Some("19"), Some("0")),
            "NUMBER(19,0)"
        );
        assert_eq!(
            column_type("TIMESTAMP_TZ", None, None, None),
            "TIMESTAMP_TZ"
        );
    }
}
