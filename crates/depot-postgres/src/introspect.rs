//! introspect: what a namespace (schema) of a database holds, read from the catalog into a
//! [`SchemaSnapshot`] that compares equal for two databases with the same schema. Tests use it
//! to prove that a migrated schema is the schema deployed fresh; drift detection compares a
//! snapshot with what the dataset's version should hold.
//!
//! Everything is keyed by name in sorted maps, so equality ignores creation order (column order
//! included: a migration appends columns that a fresh deploy may place elsewhere). Definitions
//! are read with the namespace as the only schema on the search path, so they name the
//! namespace's own objects unqualified (objects of other namespaces stay qualified).
//!
//! [`introspect`] runs its own read-only transaction: call it outside any transaction.

use std::collections::BTreeMap;

use depot_deploy::LocationError;
use serde::Serialize;
use tokio_postgres::Client;

use crate::dialect::quote_ident;
use crate::pg_error;

/// SchemaSnapshot is the tables and views of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaSnapshot {
    /// False when the namespace does not exist (then everything else is empty).
    pub exists: bool,
    /// The namespace's comment.
    pub comment: Option<String>,
    pub tables: BTreeMap<String, TableSnapshot>,
    pub views: BTreeMap<String, ViewSnapshot>,
    /// Enum types by name: their values in order.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, Vec<String>>,
}

/// TableSnapshot is one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSnapshot {
    /// Columns by name (their order is deliberately not part of the snapshot).
    pub columns: BTreeMap<String, ColumnSnapshot>,
    pub primary_key: Option<KeySnapshot>,
    /// Indexes by name, the primary key's excepted.
    pub indexes: BTreeMap<String, IndexSnapshot>,
    /// Constraints other than the primary key (check, unique, foreign key, exclusion) by name.
    pub constraints: BTreeMap<String, ConstraintSnapshot>,
    pub comment: Option<String>,
}

/// ColumnSnapshot is one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnSnapshot {
    /// The type as `format_type` prints it (`character varying(200)`, `numeric(6,2)`).
    pub data_type: String,
    pub nullable: bool,
    /// The default expression as PostgreSQL prints it (`false`, `'x'::text`).
    pub default: Option<String>,
    /// `always` or `by default` for an identity column.
    pub identity: Option<String>,
    /// A stored generated column's expression as PostgreSQL prints it.
    pub generated: Option<String>,
    pub comment: Option<String>,
}

/// KeySnapshot is a primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySnapshot {
    pub name: String,
    /// Columns in key order.
    pub columns: Vec<String>,
}

/// IndexSnapshot is one index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexSnapshot {
    pub unique: bool,
    /// Key columns (or expressions) in index order.
    pub columns: Vec<String>,
    /// `pg_get_indexdef` with the table's namespace left out
    /// (`CREATE INDEX dog_by_name ON dog USING btree (name)`).
    pub definition: String,
    /// False for an index left INVALID by a failed concurrent build.
    pub valid: bool,
    pub comment: Option<String>,
}

/// ConstraintSnapshot is a constraint other than the primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstraintSnapshot {
    /// `check`, `unique`, `foreign_key`, `exclusion`, or PostgreSQL's letter for another kind.
    pub kind: String,
    /// `pg_get_constraintdef` (`CHECK (name IS NOT NULL) NOT VALID`).
    pub definition: String,
    /// False while a NOT VALID constraint awaits validation.
    pub validated: bool,
    pub comment: Option<String>,
}

/// ViewSnapshot is one view (or materialized view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewSnapshot {
    pub materialized: bool,
    /// `pg_get_viewdef`, whitespace collapsed, trailing `;` removed.
    pub definition: String,
    pub comment: Option<String>,
    /// A materialized view's indexes by name (a plain view has none).
    pub indexes: BTreeMap<String, IndexSnapshot>,
}

/// Reads the snapshot of `namespace` in one read-only transaction (rolled back at the end).
pub async fn introspect(client: &Client, namespace: &str) -> Result<SchemaSnapshot, LocationError> {
    for statement in [
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".to_string(),
        format!("SET LOCAL search_path TO {}", quote_ident(namespace)),
    ] {
        client
            .execute(&statement, &[])
            .await
            .map_err(|e| pg_error::location_error("introspecting", &e))?;
    }
    let snapshot = read(client, namespace).await;
    if let Err(e) = client.execute("ROLLBACK", &[]).await {
        tracing::warn!(error = %pg_error::describe(&e), "rollback after introspection failed");
    }
    snapshot.map_err(|e| pg_error::location_error(&format!("introspecting schema {namespace}"), &e))
}

async fn read(client: &Client, namespace: &str) -> Result<SchemaSnapshot, tokio_postgres::Error> {
    let namespace_row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1), \
                    (SELECT pg_catalog.obj_description(oid, 'pg_namespace') \
                     FROM pg_catalog.pg_namespace WHERE nspname = $1)",
            &[&namespace],
        )
        .await?;
    let mut snapshot = SchemaSnapshot {
        exists: namespace_row.get(0),
        comment: namespace_row.get(1),
        tables: BTreeMap::new(),
        views: BTreeMap::new(),
        enums: BTreeMap::new(),
    };
    let enums = client
        .query(
            "SELECT t.typname::text, \
                    array_agg(e.enumlabel::text ORDER BY e.enumsortorder) \
             FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid \
             WHERE n.nspname = $1 \
             GROUP BY t.typname",
            &[&namespace],
        )
        .await?;
    for row in enums {
        snapshot.enums.insert(row.get(0), row.get(1));
    }

    let tables = client
        .query(
            "SELECT c.relname, pg_catalog.obj_description(c.oid, 'pg_class') \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
            &[&namespace],
        )
        .await?;
    for row in tables {
        snapshot.tables.insert(
            row.get(0),
            TableSnapshot {
                columns: BTreeMap::new(),
                primary_key: None,
                indexes: BTreeMap::new(),
                constraints: BTreeMap::new(),
                comment: row.get(1),
            },
        );
    }

    let columns = client
        .query(
            "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), \
                    NOT a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), \
                    a.attgenerated = 's', \
                    CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END, \
                    pg_catalog.col_description(a.attrelid, a.attnum) \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
               AND NOT a.attisdropped",
            &[&namespace],
        )
        .await?;
    for row in columns {
        if let Some(table) = snapshot.tables.get_mut(row.get::<_, &str>(0)) {
            // PostgreSQL keeps a generated column's expression where defaults go.
            let expression: Option<String> = row.get(4);
            let generated: bool = row.get(5);
            let (default, generated) = if generated {
                (None, expression)
            } else {
                (expression, None)
            };
            table.columns.insert(
                row.get(1),
                ColumnSnapshot {
                    data_type: row.get(2),
                    nullable: row.get(3),
                    default,
                    identity: row.get(6),
                    generated,
                    comment: row.get(7),
                },
            );
        }
    }

    let constraints = client
        .query(
            "SELECT c.relname, con.conname, con.contype::text, \
                    pg_catalog.pg_get_constraintdef(con.oid, true), con.convalidated, \
                    ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) \
                          JOIN pg_catalog.pg_attribute a \
                            ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
                          ORDER BY k.ord), \
                    pg_catalog.obj_description(con.oid, 'pg_constraint') \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
            &[&namespace],
        )
        .await?;
    for row in constraints {
        let Some(table) = snapshot.tables.get_mut(row.get::<_, &str>(0)) else {
            continue;
        };
        let name: String = row.get(1);
        let kind: String = row.get(2);
        if kind == "p" {
            table.primary_key = Some(KeySnapshot {
                name,
                columns: row.get(5),
            });
            continue;
        }
        let kind = match kind.as_str() {
            "c" => "check".to_string(),
            "u" => "unique".to_string(),
            "f" => "foreign_key".to_string(),
            "x" => "exclusion".to_string(),
            other => other.to_string(),
        };
        table.constraints.insert(
            name,
            ConstraintSnapshot {
                kind,
                definition: row.get(3),
                validated: row.get(4),
                comment: row.get(6),
            },
        );
    }

    let indexes = client
        .query(
            "SELECT t.relname, i.relname, x.indisunique, x.indisvalid, \
                    pg_catalog.pg_get_indexdef(x.indexrelid), \
                    ARRAY(SELECT pg_catalog.pg_get_indexdef(x.indexrelid, k, true) \
                          FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k), \
                    pg_catalog.obj_description(x.indexrelid, 'pg_class') \
             FROM pg_catalog.pg_index x \
             JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
             JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = $1 AND t.relkind IN ('r', 'p', 'm') AND NOT x.indisprimary",
            &[&namespace],
        )
        .await?;
    // Indexes of materialized views, by view: attached once the views are read.
    let mut view_indexes: BTreeMap<String, BTreeMap<String, IndexSnapshot>> = BTreeMap::new();
    for row in indexes {
        let index = IndexSnapshot {
            unique: row.get(2),
            valid: row.get(3),
            definition: strip_namespace(row.get(4), namespace),
            columns: row.get(5),
            comment: row.get(6),
        };
        let relation: &str = row.get(0);
        match snapshot.tables.get_mut(relation) {
            Some(table) => {
                table.indexes.insert(row.get(1), index);
            }
            None => {
                view_indexes
                    .entry(relation.to_string())
                    .or_default()
                    .insert(row.get(1), index);
            }
        }
    }

    let views = client
        .query(
            "SELECT c.relname, c.relkind = 'm', pg_catalog.pg_get_viewdef(c.oid, true), \
                    pg_catalog.obj_description(c.oid, 'pg_class') \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')",
            &[&namespace],
        )
        .await?;
    for row in views {
        let name: String = row.get(0);
        let indexes = view_indexes.remove(&name).unwrap_or_default();
        snapshot.views.insert(
            name,
            ViewSnapshot {
                materialized: row.get(1),
                definition: normalize_sql(row.get(2)),
                comment: row.get(3),
                indexes,
            },
        );
    }
    Ok(snapshot)
}

/// An index definition without the table's namespace (`pg_get_indexdef` always qualifies it).
fn strip_namespace(definition: &str, namespace: &str) -> String {
    let qualified = quote_ident(namespace);
    for on in [" ON ONLY ", " ON "] {
        let pattern = format!("{on}{qualified}.");
        if let Some(at) = definition.find(&pattern) {
            return format!(
                "{}{on}{}",
                &definition[..at],
                &definition[at + pattern.len()..]
            );
        }
    }
    definition.to_string()
}

/// `sql` with runs of whitespace collapsed to one space, trimmed, without a trailing `;`.
pub fn normalize_sql(sql: &str) -> String {
    let collapsed = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_end_matches(';').trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_view_definitions() {
        assert_eq!(
            normalize_sql(" SELECT dog.id,\n    dog.name\n   FROM dog\n  WHERE dog.vaccinated;"),
            "SELECT dog.id, dog.name FROM dog WHERE dog.vaccinated"
        );
    }

    #[test]
    fn strips_the_namespace_of_index_definitions() {
        assert_eq!(
            strip_namespace("CREATE UNIQUE INDEX k ON ws.dog USING btree (name)", "ws"),
            "CREATE UNIQUE INDEX k ON dog USING btree (name)"
        );
        assert_eq!(
            strip_namespace("CREATE INDEX k ON ONLY \"Ws\".dog USING btree (id)", "Ws"),
            "CREATE INDEX k ON ONLY dog USING btree (id)"
        );
    }
}
