//! Secondary indexes from `pg_index`: key columns and expressions with their order and nulls,
//! `include`, the predicate, the method, `NULLS NOT DISTINCT`, and the deferrability of the
//! unique constraint an index backs. Kinds Depot cannot write are warnings.

use std::collections::BTreeMap;

use depot_core::constraint::Deferrable;
use depot_core::index_options::{
    ExpressionKey, IndexField, IndexMethod, NullsOrder, SortOrder, SortedField,
};
use depot_core::package::Index;
use tokio_postgres::Client;

use super::names::part_name;
use super::rename::Renames;
use super::Warnings;

/// Reads the indexes of the namespace's tables and materialized views named in `tables` (their
/// primary keys excepted), by table or view.
pub async fn read_indexes(
    client: &Client,
    namespace: &str,
    tables: &BTreeMap<String, Renames>,
    warnings: &mut Warnings,
) -> Result<BTreeMap<String, Vec<Index>>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT t.relname, i.relname, x.indisunique, am.amname, x.indnkeyatts::int, \
                    ARRAY(SELECT COALESCE(a.attname::text, '') \
                          FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                          LEFT JOIN pg_catalog.pg_attribute a \
                            ON a.attrelid = x.indrelid AND a.attnum = k.attnum \
                          ORDER BY k.ord), \
                    x.indoption::int2[], pg_catalog.pg_get_expr(x.indpred, x.indrelid, true), \
                    pg_catalog.obj_description(x.indexrelid, 'pg_class'), \
                    (SELECT con.contype::text FROM pg_catalog.pg_constraint con \
                     WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid LIMIT 1), \
                    COALESCE((pg_catalog.to_jsonb(x) ->> 'indnullsnotdistinct')::boolean, false), \
                    COALESCE((SELECT CASE WHEN con.condeferred THEN 2 WHEN con.condeferrable \
                                          THEN 1 ELSE 0 END \
                              FROM pg_catalog.pg_constraint con \
                              WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid \
                              LIMIT 1), 0), \
                    ARRAY(SELECT pg_catalog.pg_get_indexdef(x.indexrelid, k, true) \
                          FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k) \
             FROM pg_catalog.pg_index x \
             JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
             JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
             JOIN pg_catalog.pg_am am ON am.oid = i.relam \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = $1 AND t.relkind IN ('r', 'p', 'm') AND NOT x.indisprimary \
             ORDER BY t.relname, i.relname",
            &[&namespace],
        )
        .await?;
    let mut out: BTreeMap<String, Vec<Index>> = BTreeMap::new();
    for row in rows {
        let table: String = row.get(0);
        let physical: String = row.get(1);
        let Some(renames) = tables.get(&table) else {
            continue;
        };
        let what = format!("index {table}.{physical}");
        let constraint: Option<String> = row.get(9);
        if constraint.as_deref() == Some("x") {
            warnings.push(format!(
                "{what} backs an exclusion constraint, which Depot cannot express; skipped"
            ));
            continue;
        }
        // A deferrable unique index is deployed as a UNIQUE constraint: it round-trips.
        let deferrable = match row.get::<_, i32>(11) {
            2 => Some(Deferrable::InitiallyDeferred),
            1 => Some(Deferrable::InitiallyImmediate),
            _ => None,
        };
        if constraint.as_deref() == Some("u") && deferrable.is_none() {
            warnings.push(format!(
                "{what} backs a unique constraint; imported as a unique index (Depot creates \
                 unique indexes, not constraints, unless they are deferrable)"
            ));
        }
        // `NULLS NOT DISTINCT` (PostgreSQL 15+; false on older servers, which lack the column).
        let nulls_distinct = row.get::<_, bool>(10).then_some(false);
        let method: String = row.get(3);
        let Some(method) = IndexMethod::from_name(&method) else {
            warnings.push(format!(
                "{what} uses the method {method}, which Depot cannot express; skipped"
            ));
            continue;
        };
        let key_count = usize::try_from(row.get::<_, i32>(4)).unwrap_or(0);
        let columns: Vec<String> = row.get(5);
        let options: Vec<i16> = row.get(6);
        let key_definitions: Vec<String> = row.get(12);
        if let Some(column) = columns.iter().find(|c| renames.skipped.contains(*c)) {
            warnings.push(format!("{what} has the skipped column {column}; skipped"));
            continue;
        }
        let logical = |physical: &String| {
            renames
                .columns
                .get(physical)
                .cloned()
                .unwrap_or_else(|| physical.clone())
        };
        let mut fields = Vec::new();
        let mut unreadable = None;
        for (position, column) in columns.iter().take(key_count).enumerate() {
            let option = options.get(position).copied().unwrap_or(0);
            // pg_index.indoption: bit 0 DESC, bit 1 NULLS FIRST (the default of DESC).
            let descending = option & 1 != 0;
            let nulls_first = option & 2 != 0;
            let order = descending.then_some(SortOrder::Desc);
            let nulls = match (descending, nulls_first) {
                (false, true) => Some(NullsOrder::First),
                (true, false) => Some(NullsOrder::Last),
                _ => None,
            };
            // An expression key (`indkey` 0): its text per `pg_get_indexdef`, in logical names.
            if column.is_empty() {
                let text = key_definitions.get(position).map_or("", String::as_str);
                match renames.expression(text) {
                    Ok(expression) => fields.push(IndexField::Expression(ExpressionKey {
                        expression,
                        order,
                        nulls,
                    })),
                    Err(e) => unreadable = Some(format!("its expression key {text} {e}")),
                }
                continue;
            }
            let field = logical(column);
            fields.push(if order.is_none() && nulls.is_none() {
                IndexField::Name(field)
            } else {
                IndexField::Sorted(SortedField {
                    field,
                    order,
                    nulls,
                })
            });
        }
        if let Some(e) = unreadable {
            warnings.push(format!("{what}: {e}; skipped"));
            continue;
        }
        let predicate: Option<String> = row.get(7);
        let where_clause = match predicate.map(|p| renames.expression(&p)).transpose() {
            Ok(w) => w,
            Err(e) => {
                warnings.push(format!("{what}: its predicate {e}; skipped"));
                continue;
            }
        };
        let name = index_name(&table, &physical);
        if name.1 {
            warnings.push(format!(
                "{what} does not follow Depot's `{table}_<name>_idx` pattern: imported as `{}`, \
                 which a deploy names `{table}_{}_idx`",
                name.0,
                depot_core::naming::NamingStrategy::SnakeCase.apply(&name.0)
            ));
        }
        out.entry(table.clone()).or_default().push(Index {
            name: name.0,
            fields,
            unique: row.get(2),
            where_clause,
            include: columns.iter().skip(key_count).map(logical).collect(),
            method: (method != IndexMethod::Btree).then_some(method),
            description: row.get(8),
            nulls_distinct,
            deferrable,
        });
    }
    Ok(out)
}

/// The logical name of index `physical` of `table`, and whether it strayed from the pattern
/// `<table>_<name>_idx` that Depot generates.
fn index_name(table: &str, physical: &str) -> (String, bool) {
    match physical
        .strip_prefix(table)
        .and_then(|rest| rest.strip_prefix('_'))
        .and_then(|rest| rest.strip_suffix("_idx"))
        .filter(|middle| !middle.is_empty())
    {
        Some(middle) => (part_name(middle), false),
        None => (part_name(physical), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_generated_pattern_back() {
        assert_eq!(
            index_name("dog", "dog_by_name_idx"),
            ("byName".to_string(), false)
        );
        assert_eq!(
            index_name("dog", "dog_name_key"),
            ("dogNameKey".to_string(), true)
        );
    }
}
