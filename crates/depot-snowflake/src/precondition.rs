//! Preconditions: the catalog check that makes a statement which is not idempotent by its own
//! form safe to run twice. Snowflake commits each DDL statement on its own; a run interrupted
//! after a statement but before its progress was recorded runs that statement again, and a
//! rename or a constraint change would then fail on what the first run did.
//!
//! The executor derives the precondition from the statement itself (parsed with sqlparser), so
//! it holds for any plan, including one a plan transformer edited.

use sqlparser::ast::{
    AlterTableOperation, Ident, ObjectName, RenameTableNameKind, Statement, TableConstraint,
};
use sqlparser::dialect::{PostgreSqlDialect, SnowflakeDialect};
use sqlparser::parser::Parser;

/// Precondition is what must hold for a statement to still need running; when it does not,
/// an earlier run already did the work and the step is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Run unless table `from` is gone and `to` exists (`ALTER TABLE ... RENAME TO`).
    TableRenamed {
        schema: String,
        from: String,
        to: String,
    },
    /// Run unless column `from` is gone and `to` exists (`RENAME COLUMN`).
    ColumnRenamed {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    /// Run unless the constraint already exists (`ADD CONSTRAINT`).
    ConstraintAbsent {
        schema: String,
        table: String,
        name: String,
    },
    /// Run only if the constraint exists (`DROP CONSTRAINT`, `RENAME CONSTRAINT`).
    ConstraintPresent {
        schema: String,
        table: String,
        name: String,
    },
    /// Run only if the table has a primary key (`DROP PRIMARY KEY`).
    PrimaryKeyPresent { schema: String, table: String },
}

/// The precondition of `sql`, when it is an `ALTER TABLE` that needs one. `default_schema`
/// stands for an unqualified table's schema.
pub fn precondition(sql: &str, default_schema: &str) -> Option<Precondition> {
    // sqlparser reads `RENAME CONSTRAINT` only in its PostgreSQL dialect; the identifier rules
    // that matter here (double quotes, case of bare words: see `stored`) are the same.
    // Snowflake writes both actions of a foreign key after one `ON` (`ON UPDATE a DELETE b`),
    // which sqlparser reads only in the standard form (`ON UPDATE a ON DELETE b`); the names
    // that matter here are the same in both.
    let statements = Parser::parse_sql(&SnowflakeDialect {}, sql)
        .or_else(|_| Parser::parse_sql(&PostgreSqlDialect {}, sql))
        .or_else(|e| match sql.rfind(" ON UPDATE ") {
            Some(at) => {
                let (head, actions) = sql.split_at(at);
                let standard = format!("{head}{}", actions.replacen(" DELETE ", " ON DELETE ", 1));
                Parser::parse_sql(&SnowflakeDialect {}, &standard)
            }
            None => Err(e),
        })
        .ok()?;
    let [Statement::AlterTable(alter)] = statements.as_slice() else {
        return None;
    };
    let [operation] = alter.operations.as_slice() else {
        return None;
    };
    let (schema, table) = split(&alter.name, default_schema)?;
    match operation {
        AlterTableOperation::RenameTable { table_name } => {
            let name = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => n,
            };
            let (_, to) = split(name, &schema)?;
            Some(Precondition::TableRenamed {
                schema,
                from: table,
                to,
            })
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => Some(Precondition::ColumnRenamed {
            schema,
            table,
            from: stored(old_column_name),
            to: stored(new_column_name),
        }),
        AlterTableOperation::AddConstraint { constraint, .. } => {
            let name = match constraint {
                TableConstraint::PrimaryKey(k) => k.name.as_ref(),
                TableConstraint::Unique(u) => u.name.as_ref(),
                TableConstraint::ForeignKey(f) => f.name.as_ref(),
                _ => None,
            }?;
            Some(Precondition::ConstraintAbsent {
                schema,
                table,
                name: stored(name),
            })
        }
        AlterTableOperation::DropConstraint {
            name,
            if_exists: false,
            ..
        } => Some(Precondition::ConstraintPresent {
            schema,
            table,
            name: stored(name),
        }),
        AlterTableOperation::RenameConstraint { old_name, .. } => {
            Some(Precondition::ConstraintPresent {
                schema,
                table,
                name: stored(old_name),
            })
        }
        AlterTableOperation::DropPrimaryKey { .. } => {
            Some(Precondition::PrimaryKeyPresent { schema, table })
        }
        _ => None,
    }
}

/// An identifier as Snowflake stores it: quoted ones as written, others in uppercase.
fn stored(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_uppercase()
    }
}

/// The (schema, table) of a table name; `[db.]schema.table` or `table`.
fn split(name: &ObjectName, default_schema: &str) -> Option<(String, String)> {
    let parts: Option<Vec<String>> = name.0.iter().map(|p| p.as_ident().map(stored)).collect();
    match parts?.as_slice() {
        [.., schema, table] => Some((schema.clone(), table.clone())),
        [table] => Some((default_schema.to_string(), table.clone())),
        [] => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    #[test]
    fn names_with_quotes_and_backslashes_are_read_exactly() {
        let hostile = r#"ken\"; DROP TABLE victim; --"#;
        let sql = format!(
            "ALTER TABLE {}.{} RENAME COLUMN {} TO B",
            crate::dialect::quote_ident("ns"),
            crate::dialect::quote_ident(hostile),
            crate::dialect::quote_ident(r"a\"),
        );
        assert_eq!(
            precondition(&sql, "x"),
            Some(Precondition::ColumnRenamed {
                schema: s("ns"),
                table: s(hostile),
                from: s(r"a\"),
                to: s("B")
            })
        );
    }

    #[test]
    fn renames_and_constraints_get_a_precondition() {
        assert_eq!(
            precondition("ALTER TABLE \"ns\".DOG RENAME TO \"ns\".HOUND", "x"),
            Some(Precondition::TableRenamed {
                schema: s("ns"),
                from: s("DOG"),
                to: s("HOUND")
            })
        );
        assert_eq!(
            precondition("ALTER TABLE ns.dog RENAME COLUMN owner TO \"Owner\"", "x"),
            Some(Precondition::ColumnRenamed {
                schema: s("NS"),
                table: s("DOG"),
                from: s("OWNER"),
                to: s("Owner")
            })
        );
        assert_eq!(
            precondition(
                "ALTER TABLE \"ns\".DOG ADD CONSTRAINT DOG_PKEY PRIMARY KEY (ID)",
                "x"
            ),
            Some(Precondition::ConstraintAbsent {
                schema: s("ns"),
                table: s("DOG"),
                name: s("DOG_PKEY")
            })
        );
        assert_eq!(
            precondition("ALTER TABLE \"ns\".DOG ADD CONSTRAINT U UNIQUE (NAME)", "x"),
            Some(Precondition::ConstraintAbsent {
                schema: s("ns"),
                table: s("DOG"),
                name: s("U")
            })
        );
        for foreign_key in [
            "ALTER TABLE \"ns\".DOG ADD CONSTRAINT F FOREIGN KEY (O) REFERENCES \"ns\".OWNER (ID)",
            "ALTER TABLE \"ns\".DOG ADD CONSTRAINT F FOREIGN KEY (O) REFERENCES \"ns\".OWNER (ID) \
             ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE",
            "ALTER TABLE \"ns\".DOG ADD CONSTRAINT F FOREIGN KEY (O) REFERENCES \"ns\".OWNER (ID) \
             ON UPDATE SET NULL DELETE CASCADE",
        ] {
            assert_eq!(
                precondition(foreign_key, "x"),
                Some(Precondition::ConstraintAbsent {
                    schema: s("ns"),
                    table: s("DOG"),
                    name: s("F")
                }),
                "{foreign_key}"
            );
        }
        assert_eq!(
            precondition("ALTER TABLE \"ns\".DOG RENAME CONSTRAINT A TO B", "x"),
            Some(Precondition::ConstraintPresent {
                schema: s("ns"),
                table: s("DOG"),
                name: s("A")
            })
        );
        assert_eq!(
            precondition("ALTER TABLE \"ns\".DOG DROP CONSTRAINT U", "x"),
            Some(Precondition::ConstraintPresent {
                schema: s("ns"),
                table: s("DOG"),
                name: s("U")
            })
        );
        assert_eq!(
            precondition("ALTER TABLE DOG DROP PRIMARY KEY", "ns"),
            Some(Precondition::PrimaryKeyPresent {
                schema: s("ns"),
                table: s("DOG")
            })
        );
    }

    #[test]
    fn statements_idempotent_by_their_own_form_get_none() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS \"ns\".DOG (ID VARCHAR(36) NOT NULL)",
            "ALTER TABLE \"ns\".DOG ADD COLUMN IF NOT EXISTS NAME VARCHAR",
            "ALTER TABLE \"ns\".DOG DROP COLUMN IF EXISTS NAME",
            "DROP TABLE IF EXISTS \"ns\".DOG",
            "-- a note",
            "not sql at all",
        ] {
            assert_eq!(precondition(sql, "ns"), None, "{sql}");
        }
    }
}
