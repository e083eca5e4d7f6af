//! Foreign keys on Snowflake (SPEC §1b): declared, never enforced. Snowflake records the
//! constraint for tools and the optimizer and checks no row against it, so adding one reads
//! nothing and there is nothing to validate. It does check that the referenced columns are a
//! declared primary key or unique constraint of the referenced table (SPEC: a foreign key
//! references the primary key or a unique index, which Snowflake declares as a UNIQUE
//! constraint).
//!
//! The actions (`ON UPDATE`, `ON DELETE`) and deferrability are written as Snowflake's grammar
//! has them (`ON [ UPDATE action ] [ DELETE action ]`, one `ON`), and recorded only: Snowflake
//! carries none of them out.

use depot_core::constraint::{Deferrable, PhysicalForeignKey, ReferentialAction};

/// The SQL of a referential action.
pub fn action_sql(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::NoAction => "NO ACTION",
        ReferentialAction::Restrict => "RESTRICT",
        ReferentialAction::Cascade => "CASCADE",
        ReferentialAction::SetNull => "SET NULL",
        ReferentialAction::SetDefault => "SET DEFAULT",
    }
}

/// `ALTER TABLE table ADD CONSTRAINT name FOREIGN KEY (columns) REFERENCES ns.t (columns) ...`.
/// `table` is qualified already; `columns` and `referenced` are the physical columns as they are
/// when the statement runs (an undo passes the renamed ones). `id` writes a name into SQL.
pub fn add_foreign_key<E>(
    table: &str,
    key: &PhysicalForeignKey,
    columns: &[String],
    referenced_table: &str,
    referenced: &[String],
    id: impl Fn(&str) -> Result<String, E>,
) -> Result<String, E> {
    let list = |names: &[String]| -> Result<String, E> {
        let quoted: Result<Vec<String>, E> = names.iter().map(|n| id(n)).collect();
        Ok(quoted?.join(", "))
    };
    let mut sql = format!(
        "ALTER TABLE {table} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}.{} ({})",
        id(&key.physical)?,
        list(columns)?,
        id(&key.references_namespace)?,
        id(referenced_table)?,
        list(referenced)?
    );
    let update = (!key.on_update.is_default()).then(|| action_sql(key.on_update));
    let delete = (!key.on_delete.is_default()).then(|| action_sql(key.on_delete));
    match (update, delete) {
        (None, None) => {}
        (Some(u), None) => sql.push_str(&format!(" ON UPDATE {u}")),
        (None, Some(d)) => sql.push_str(&format!(" ON DELETE {d}")),
        (Some(u), Some(d)) => sql.push_str(&format!(" ON UPDATE {u} DELETE {d}")),
    }
    match key.deferrable {
        None => {}
        Some(Deferrable::InitiallyImmediate) => sql.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Some(Deferrable::InitiallyDeferred) => sql.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::quote_ident;

    fn key() -> PhysicalForeignKey {
        PhysicalForeignKey {
            logical: "byCustomer".to_string(),
            physical: "ORDER_BY_CUSTOMER_FKEY".to_string(),
            columns: vec!["CUSTOMER_ID".to_string()],
            references_namespace: "shop".to_string(),
            references_logical: "Customer".to_string(),
            references_table: "CUSTOMER".to_string(),
            references_columns: vec!["ID".to_string()],
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
            deferrable: None,
            comment: None,
        }
    }

    fn sql(key: &PhysicalForeignKey) -> String {
        add_foreign_key::<()>(
            "\"shop\".\"ORDER\"",
            key,
            &key.columns,
            &key.references_table,
            &key.references_columns,
            |n| Ok(quote_ident(n)),
        )
        .unwrap()
    }

    #[test]
    fn a_plain_key_names_its_columns_and_the_qualified_referenced_table() {
        assert_eq!(
            sql(&key()),
            "ALTER TABLE \"shop\".\"ORDER\" ADD CONSTRAINT ORDER_BY_CUSTOMER_FKEY FOREIGN KEY \
             (CUSTOMER_ID) REFERENCES \"shop\".CUSTOMER (ID)"
        );
    }

    #[test]
    fn actions_and_deferrability_follow_snowflakes_grammar() {
        let mut k = key();
        k.on_delete = ReferentialAction::Cascade;
        assert!(sql(&k).ends_with("(ID) ON DELETE CASCADE"), "{}", sql(&k));
        k.on_update = ReferentialAction::SetNull;
        k.deferrable = Some(Deferrable::InitiallyImmediate);
        assert!(
            sql(&k)
                .ends_with("(ID) ON UPDATE SET NULL DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE"),
            "{}",
            sql(&k)
        );
    }
}
