//! Checks and foreign keys from `pg_constraint`. Names follow Depot's generated pattern back
//! (`<table>_<name>_check`, `<table>_<name>_fkey`); other names are camelCased with a warning,
//! since a deploy will name the constraint by the pattern.

use std::collections::BTreeMap;

use depot_core::constraint::{Check, Deferrable, ForeignKey, Reference, ReferentialAction};
use depot_core::naming::NamingStrategy;
use tokio_postgres::Client;

use super::names::part_name;
use super::rename::Renames;
use super::Warnings;

/// Checks and foreign keys of one table.
#[derive(Debug, Default)]
pub struct TableConstraints {
    pub checks: Vec<Check>,
    pub foreign_keys: Vec<ForeignKey>,
}

/// Reads the checks and foreign keys of the namespace's tables, by table. `tables` gives each
/// table's renames; `schemas` the logical name of each table.
pub async fn read_constraints(
    client: &Client,
    namespace: &str,
    tables: &BTreeMap<String, Renames>,
    schemas: &BTreeMap<String, String>,
    warnings: &mut Warnings,
) -> Result<BTreeMap<String, TableConstraints>, tokio_postgres::Error> {
    let mut out: BTreeMap<String, TableConstraints> = BTreeMap::new();
    let checks = client
        .query(
            "SELECT c.relname, con.conname, pg_catalog.pg_get_expr(con.conbin, con.conrelid, true), \
                    pg_catalog.obj_description(con.oid, 'pg_constraint'), con.convalidated \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND con.contype = 'c' AND c.relkind IN ('r', 'p') \
             ORDER BY c.relname, con.conname",
            &[&namespace],
        )
        .await?;
    for row in checks {
        let table: String = row.get(0);
        let physical: String = row.get(1);
        let Some(renames) = tables.get(&table) else {
            continue;
        };
        let what = format!("check {table}.{physical}");
        let expression: String = row.get(2);
        let expression = match renames.expression(&expression) {
            Ok(e) => e,
            Err(e) => {
                warnings.push(format!("{what}: {e}; skipped"));
                continue;
            }
        };
        if !row.get::<_, bool>(4) {
            warnings.push(format!(
                "{what} is NOT VALID (rows may break it); a deploy of the package validates it"
            ));
        }
        let name = constraint_name(&table, &physical, "check", warnings, &what);
        out.entry(table).or_default().checks.push(Check {
            name,
            expression,
            description: row.get(3),
        });
    }

    let foreign_keys = client
        .query(
            "SELECT c.relname, con.conname, \
                    ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) \
                          JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
                          ORDER BY k.ord), \
                    rn.nspname, rc.relname, \
                    ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord) \
                          JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum \
                          ORDER BY k.ord), \
                    con.confdeltype::text, con.confupdtype::text, con.condeferrable, \
                    con.condeferred, pg_catalog.obj_description(con.oid, 'pg_constraint') \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
             JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace \
             WHERE n.nspname = $1 AND con.contype = 'f' AND c.relkind IN ('r', 'p') \
             ORDER BY c.relname, con.conname",
            &[&namespace],
        )
        .await?;
    for row in foreign_keys {
        let table: String = row.get(0);
        let physical: String = row.get(1);
        let Some(renames) = tables.get(&table) else {
            continue;
        };
        let what = format!("foreign key {table}.{physical}");
        let target_namespace: String = row.get(3);
        let target: String = row.get(4);
        let (Some(target_schema), Some(target_renames), true) = (
            schemas.get(&target),
            tables.get(&target),
            target_namespace == namespace,
        ) else {
            warnings.push(format!(
                "{what} references {target_namespace}.{target}, outside the imported schema: \
                 add it as `Alias.Schema` of a dependency dataset; skipped"
            ));
            continue;
        };
        let (fields, target_fields): (Vec<String>, Vec<String>) = (row.get(2), row.get(5));
        if let Some(column) = fields
            .iter()
            .find(|c| renames.skipped.contains(*c))
            .or_else(|| {
                target_fields
                    .iter()
                    .find(|c| target_renames.skipped.contains(*c))
            })
        {
            warnings.push(format!("{what} has the skipped column {column}; skipped"));
            continue;
        }
        let logical = |r: &Renames, columns: Vec<String>| -> Vec<String> {
            columns
                .into_iter()
                .map(|c| r.columns.get(&c).cloned().unwrap_or(c))
                .collect()
        };
        let (Some(on_delete), Some(on_update)) =
            (action(row.get::<_, &str>(6)), action(row.get::<_, &str>(7)))
        else {
            warnings.push(format!(
                "{what} has a referential action Depot does not read; skipped"
            ));
            continue;
        };
        let deferrable = match (row.get::<_, bool>(8), row.get::<_, bool>(9)) {
            (false, _) => None,
            (true, false) => Some(Deferrable::InitiallyImmediate),
            (true, true) => Some(Deferrable::InitiallyDeferred),
        };
        let name = constraint_name(&table, &physical, "fkey", warnings, &what);
        out.entry(table).or_default().foreign_keys.push(ForeignKey {
            name,
            fields: logical(renames, fields),
            references: Reference {
                schema: target_schema.clone(),
                fields: logical(target_renames, target_fields),
            },
            on_delete,
            on_update,
            deferrable,
            description: row.get(10),
        });
    }
    Ok(out)
}

/// `pg_constraint.confdeltype` / `confupdtype`.
fn action(code: &str) -> Option<ReferentialAction> {
    Some(match code {
        "a" => ReferentialAction::NoAction,
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => return None,
    })
}

/// The logical name of constraint `physical`: the middle of `<table>_<name>_<suffix>`, else the
/// whole name camelCased (with a warning that a deploy renames it).
fn constraint_name(
    table: &str,
    physical: &str,
    suffix: &str,
    warnings: &mut Warnings,
    what: &str,
) -> String {
    let middle = physical
        .strip_prefix(table)
        .and_then(|rest| rest.strip_prefix('_'))
        .and_then(|rest| rest.strip_suffix(suffix))
        .and_then(|rest| rest.strip_suffix('_'))
        .filter(|middle| !middle.is_empty());
    match middle {
        Some(middle) => part_name(middle),
        None => {
            let name = part_name(physical);
            warnings.push(format!(
                "{what} does not follow Depot's `{table}_<name>_{suffix}` pattern: imported as \
                 `{name}`, which a deploy names `{table}_{}_{suffix}`",
                NamingStrategy::SnakeCase.apply(&name)
            ));
            name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_generated_pattern_back() {
        let mut warnings = Warnings::default();
        assert_eq!(
            constraint_name(
                "order",
                "order_by_customer_fkey",
                "fkey",
                &mut warnings,
                "fk"
            ),
            "byCustomer"
        );
        assert!(warnings.0.is_empty());
        assert_eq!(
            constraint_name(
                "order",
                "positive",
                "check",
                &mut warnings,
                "check order.positive"
            ),
            "positive"
        );
        assert_eq!(warnings.0.len(), 1);
    }
}
