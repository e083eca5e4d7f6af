//! SPEC §1b on the emulator, change by change as the executor runs them: a table with
//! AUTOINCREMENT, expression and engine-SQL defaults and arrays is created, columns of each
//! kind are added over rows (which stay), and the result equals the table created fresh; seeds
//! keep explicit AUTOINCREMENT values and write arrays; the statements of foreign keys and
//! comments run (fakesnow cannot run ADD CONSTRAINT ...
//! FOREIGN KEY or UNSET COMMENT: the shim answers them, tests/render_features.rs snapshots
//! them).

use depot_core::change::Name;
use depot_core::column_default::{ColumnDefault, PortableExpression};
use depot_core::comment::CommentTarget;
use depot_core::constraint::{Deferrable, PhysicalCheck, PhysicalForeignKey, ReferentialAction};
use depot_core::dialect::{Dialect, RenderContext};
use depot_core::identity::AutoIncrement;
use depot_core::physical::{PhysicalColumn, PhysicalKey, PhysicalModel, PhysicalObject};
use depot_core::{Change, FieldType};
use depot_snowflake::executor::is_note;
use depot_snowflake::precondition::{precondition, Precondition};
use depot_snowflake::{SnowflakeDialect, SnowflakeSession};
use serde_json::json;

use crate::pairs::{row_counts, shape};
use crate::support::{Env, NAMESPACE};

fn column(logical: &str, physical: &str, field_type: FieldType) -> PhysicalColumn {
    PhysicalColumn {
        logical: logical.to_string(),
        physical: physical.to_string(),
        previous_names: Vec::new(),
        field_type,
        nullable: false,
        default: None,
        identity: None,
        computed: None,
        comment: None,
    }
}

fn array_of(items: FieldType) -> FieldType {
    FieldType::Array {
        items: Box::new(items),
    }
}

/// SPEC §1b's order, with what Snowflake can hold: AUTOINCREMENT, the portable expressions,
/// engine SQL, an array with a default.
fn order_table() -> PhysicalObject {
    let mut id = column("id", "ID", FieldType::Bigint);
    id.identity = Some(AutoIncrement::ByDefault);
    let mut reference = column("ref", "REF", FieldType::Uuid);
    reference.default = Some(ColumnDefault::Expression(PortableExpression::RandomUuid));
    let mut placed = column("placedAt", "PLACED_AT", FieldType::Timestamptz);
    placed.default = Some(ColumnDefault::Expression(PortableExpression::Now));
    let mut day = column("day", "DAY", FieldType::Date);
    day.default = Some(ColumnDefault::Expression(PortableExpression::CurrentDate));
    let mut tags = column(
        "tags",
        "TAGS",
        array_of(FieldType::String { max_length: None }),
    );
    tags.nullable = true;
    tags.default = Some(ColumnDefault::Literal(json!(["new"])));
    let mut note = column("note", "NOTE", FieldType::String { max_length: None });
    note.nullable = true;
    note.default = Some(ColumnDefault::Sql("'n/a'".to_string()));
    PhysicalObject {
        logical: "Order".to_string(),
        physical: "ORDER".to_string(),
        previous_names: Vec::new(),
        columns: vec![id, reference, placed, day, tags, note],
        primary_key: Some(PhysicalKey {
            name: "ORDER_PKEY".to_string(),
            columns: vec!["ID".to_string()],
        }),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        comment: None,
    }
}

/// The columns a migration adds to the order: one of each kind.
/// (Not an AUTOINCREMENT column: fakesnow translates `ADD COLUMN ... AUTOINCREMENT ... NOT NULL`
/// into an identity DuckDB cannot add; tests/render_features.rs snapshots it.)
fn added_columns() -> Vec<PhysicalColumn> {
    // Nullable: fakesnow (DuckDB) cannot add a NOT NULL column (pairs.rs).
    let mut seen = column("seenAt", "SEEN_AT", FieldType::Timestamp);
    seen.nullable = true;
    seen.default = Some(ColumnDefault::Expression(PortableExpression::Now));
    let mut labels = column("labels", "LABELS", array_of(FieldType::Integer));
    labels.nullable = true;
    labels.default = Some(ColumnDefault::Literal(json!([1, 2])));
    let mut code = column("code", "CODE", FieldType::Uuid);
    code.nullable = true;
    code.default = Some(ColumnDefault::Expression(PortableExpression::RandomUuid));
    vec![seen, labels, code]
}

fn model(table: PhysicalObject) -> PhysicalModel {
    PhysicalModel {
        enums: Default::default(),
        namespace: NAMESPACE.to_string(),
        comment: None,
        objects: [(table.logical.clone(), table)].into(),
        views: Default::default(),
    }
}

async fn query(session: &SnowflakeSession, sql: &str) -> Vec<Vec<Option<String>>> {
    session
        .client()
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn create(session: &SnowflakeSession, table: PhysicalObject) {
    run(
        session,
        &Change::CreateNamespace {
            namespace: NAMESPACE.to_string(),
        },
    )
    .await;
    run(session, &Change::CreateObject { object: table }).await;
}

#[tokio::test]
async fn autoincrement_expression_defaults_and_arrays_are_created_then_added_over_rows() {
    let env = Env::new();
    let session = env.session().await;
    create(&session, order_table()).await;
    let table = format!("\"{NAMESPACE}\".\"ORDER\"");
    for note in ["a", "b"] {
        session
            .client()
            .execute(&format!("INSERT INTO {table} (NOTE) SELECT '{note}'"))
            .await
            .unwrap();
    }
    session
        .client()
        .execute(&format!("INSERT INTO {table} (ID) SELECT 100"))
        .await
        .unwrap();
    let rows = query(
        &session,
        &format!(
            "SELECT ID::VARCHAR, LENGTH(REF)::VARCHAR, (PLACED_AT IS NOT NULL)::VARCHAR, \
             (DAY = CURRENT_DATE())::VARCHAR, TAGS[0]::VARCHAR, NOTE FROM {table} ORDER BY ID"
        ),
    )
    .await;
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        rows,
        vec![
            vec![s("1"), s("36"), s("true"), s("true"), s("new"), s("a")],
            vec![s("2"), s("36"), s("true"), s("true"), s("new"), s("b")],
            // An explicit value is kept: Snowflake's AUTOINCREMENT accepts it.
            vec![s("100"), s("36"), s("true"), s("true"), s("new"), s("n/a")],
        ]
    );
    let old_model = model(order_table());
    let before = row_counts(&session, &old_model).await;

    let order = Name {
        logical: "Order".to_string(),
        physical: "ORDER".to_string(),
    };
    for added in added_columns() {
        run(
            &session,
            &Change::AddColumn {
                object: order.clone(),
                column: added,
            },
        )
        .await;
    }
    let migrated = shape(&session).await;
    assert_eq!(row_counts(&session, &old_model).await, before);
    // The new columns filled the rows there were with their defaults.
    let rows = query(
        &session,
        &format!(
            "SELECT (SEEN_AT IS NOT NULL)::VARCHAR, LABELS[1]::VARCHAR, \
             LENGTH(CODE)::VARCHAR FROM {table} ORDER BY ID"
        ),
    )
    .await;
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert_eq!(row, vec![s("true"), s("2"), s("36")]);
    }

    // The same table created fresh has the same columns.
    let fresh_env = Env::new();
    let fresh = fresh_env.session().await;
    let mut complete = order_table();
    complete.columns.extend(added_columns());
    create(&fresh, complete).await;
    assert_eq!(migrated, shape(&fresh).await);
}

#[tokio::test]
async fn seeds_keep_explicit_autoincrement_values_and_write_arrays() {
    let env = Env::new();
    let session = env.session().await;
    create(&session, order_table()).await;
    let seeds: depot_deploy::location::Seeds = serde_json::from_value(json!({
        "Order": [
            {"id": 7, "tags": ["a", "b c"], "note": "seeded"},
            {"id": 8, "tags": [], "note": null}
        ]
    }))
    .unwrap();
    // One by one, as lifecycle.rs explains (fakesnow fails a MERGE in a transaction).
    let statements =
        depot_snowflake::seeding::seed_statements(&model(order_table()), &seeds).unwrap();
    for _ in 0..2 {
        for sql in &statements {
            session
                .client()
                .execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    let rows = query(
        &session,
        &format!(
            "SELECT ID::VARCHAR, ARRAY_SIZE(TAGS)::VARCHAR, TAGS[1]::VARCHAR, NOTE \
             FROM \"{NAMESPACE}\".\"ORDER\" ORDER BY ID"
        ),
    )
    .await;
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        rows,
        vec![
            vec![s("7"), s("2"), s("b c"), s("seeded")],
            vec![s("8"), s("0"), None, None],
        ]
    );
}

fn name(logical: &str, physical: &str) -> Name {
    Name {
        logical: logical.to_string(),
        physical: physical.to_string(),
    }
}

/// Runs the steps of `change` as the executor does: notes are not sent, and a `DROP
/// CONSTRAINT` runs only when the catalog holds the constraint (its precondition).
async fn run(session: &SnowflakeSession, change: &Change) {
    let ctx = RenderContext {
        namespace: NAMESPACE.to_string(),
    };
    for step in SnowflakeDialect.render(change, &ctx).unwrap() {
        if is_note(&step.sql) {
            continue;
        }
        if let Some(Precondition::ConstraintPresent {
            schema,
            table,
            name,
        }) = precondition(&step.sql, NAMESPACE)
        {
            let found = query(
                session,
                &format!(
                    "SELECT COUNT(*)::VARCHAR FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS \
                     WHERE TABLE_SCHEMA = '{schema}' AND TABLE_NAME = '{table}' \
                     AND CONSTRAINT_NAME = '{name}'"
                ),
            )
            .await;
            if found == vec![vec![Some("0".to_string())]] {
                continue;
            }
        }
        session
            .client()
            .execute(&step.sql)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", step.sql));
    }
}

#[tokio::test]
async fn comments_foreign_keys_and_recorded_checks_run_and_keep_rows() {
    let env = Env::new();
    let mut session = env.session().await;
    let package = json!({
        "name": "shop", "version": "1.0.0",
        "schemas": {
            "Customer": {"kind": "object", "fields": {"id": {"type": "bigint"}},
                         "primaryKey": ["id"]},
            "Order": {"kind": "object", "fields": {"id": {"type": "bigint"},
                                                   "customerId": {"type": "bigint"}},
                      "primaryKey": ["id"]},
            "Orders": {"kind": "view", "query": "SELECT id FROM Order"}
        }
    });
    env.deployer()
        .deploy(&mut session, &env.dataset(&package))
        .await
        .unwrap();
    session
        .client()
        .execute(&format!(
            "INSERT INTO \"{NAMESPACE}\".\"ORDER\" (ID, CUSTOMER_ID) SELECT 1, 42"
        ))
        .await
        .unwrap();
    let order = name("Order", "ORDER");
    let key = PhysicalForeignKey {
        logical: "byCustomer".to_string(),
        physical: "ORDER_BY_CUSTOMER_FKEY".to_string(),
        columns: vec!["CUSTOMER_ID".to_string()],
        references_namespace: NAMESPACE.to_string(),
        references_logical: "Customer".to_string(),
        references_table: "CUSTOMER".to_string(),
        references_columns: vec!["ID".to_string()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
        deferrable: Some(Deferrable::InitiallyDeferred),
        comment: None,
    };
    let check = PhysicalCheck {
        logical: "positive".to_string(),
        physical: "ORDER_POSITIVE_CHECK".to_string(),
        sql: "ID > 0".to_string(),
        comment: None,
    };
    let comment = |target: CommentTarget, text: Option<&str>| Change::SetComment {
        target,
        comment: text.map(str::to_string),
    };
    for change in [
        // Declared, not enforced: the row referencing no customer stays.
        Change::AddForeignKey {
            object: order.clone(),
            key: key.clone(),
            existing: true,
        },
        // Its deferrability changes: declared again.
        Change::AlterForeignKey {
            object: order.clone(),
            key: PhysicalForeignKey {
                deferrable: Some(Deferrable::InitiallyImmediate),
                ..key.clone()
            },
            from: key.deferrable,
        },
        Change::AddCheck {
            object: order.clone(),
            check: check.clone(),
            existing: true,
        },
        comment(
            CommentTarget::Namespace {
                namespace: NAMESPACE.to_string(),
            },
            Some("The shop"),
        ),
        comment(
            CommentTarget::Table {
                object: order.clone(),
            },
            Some("An order row"),
        ),
        comment(
            CommentTarget::Column {
                object: order.clone(),
                column: name("customerId", "CUSTOMER_ID"),
            },
            Some("who ordered"),
        ),
        comment(
            CommentTarget::View {
                view: name("Orders", "ORDERS"),
            },
            Some("every order"),
        ),
    ] {
        run(&session, &change).await;
    }
    let tables = query(
        &session,
        &format!(
            "SELECT TABLE_NAME, COMMENT FROM INFORMATION_SCHEMA.TABLES \
             WHERE TABLE_SCHEMA = '{NAMESPACE}' AND COMMENT IS NOT NULL ORDER BY TABLE_NAME"
        ),
    )
    .await;
    let s = |v: &str| Some(v.to_string());
    assert_eq!(tables, vec![vec![s("ORDER"), s("An order row")]]);
    // fakesnow runs ALTER COLUMN ... COMMENT without keeping the comment: the column's
    // comment is checked by the snapshot only.
    // The foreign key went to the shim (fakesnow cannot add one), exactly as rendered; then
    // again, declared with its new deferrability.
    let answered = env.shim.answered_statements();
    assert_eq!(answered.len(), 2, "{answered:?}");
    assert!(answered[0].contains(
        "FOREIGN KEY (CUSTOMER_ID) REFERENCES \"pairs\".CUSTOMER (ID) ON DELETE CASCADE \
         DEFERRABLE INITIALLY DEFERRED"
    ));
    assert!(answered[1].ends_with("ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE"));

    for change in [
        Change::DropForeignKey {
            object: order.clone(),
            key,
        },
        Change::DropCheck {
            object: order.clone(),
            check,
        },
        comment(
            CommentTarget::Table {
                object: order.clone(),
            },
            None,
        ),
    ] {
        run(&session, &change).await;
    }
    assert!(env.shim.answered_statements()[2].ends_with("UNSET COMMENT"));
    let rows = query(
        &session,
        &format!("SELECT ID::VARCHAR, CUSTOMER_ID::VARCHAR FROM \"{NAMESPACE}\".\"ORDER\""),
    )
    .await;
    assert_eq!(rows, vec![vec![s("1"), s("42")]]);
}

/// A narrowing (string -> integer) goes through the column copy: its backfill is one UPDATE
/// with CAST, so a value that does not convert fails the step and no row changes; values that
/// convert are copied. (fakesnow cannot run the copy's EXECUTE IMMEDIATE block, so the steps
/// run here are the ones before and after it; tests/render_features.rs snapshots them all.)
#[tokio::test]
async fn a_narrowing_fails_on_a_value_that_does_not_convert_and_changes_no_row() {
    let env = Env::new();
    let session = env.session().await;
    let mut table = order_table();
    table.columns = vec![
        column("id", "ID", FieldType::Bigint),
        column(
            "code",
            "CODE",
            FieldType::String {
                max_length: Some(20),
            },
        ),
    ];
    create(&session, table).await;
    let t = format!("\"{NAMESPACE}\".\"ORDER\"");
    for (id, code) in [(1, "12"), (2, "x7")] {
        session
            .client()
            .execute(&format!("INSERT INTO {t} (ID, CODE) SELECT {id}, '{code}'"))
            .await
            .unwrap();
    }
    let change = Change::AlterColumnType {
        object: name("Order", "ORDER"),
        column: name("code", "CODE"),
        from: FieldType::String {
            max_length: Some(20),
        },
        to: FieldType::Integer,
    };
    let ctx = RenderContext {
        namespace: NAMESPACE.to_string(),
    };
    let steps = SnowflakeDialect.render(&change, &ctx).unwrap();
    let backfill = steps
        .iter()
        .find(|s| s.action == "backfillCopyColumn")
        .unwrap();
    assert!(backfill.hazards.contains(&depot_core::Hazard::NarrowsType));
    session.client().execute(&steps[0].sql).await.unwrap();
    let failed = session.client().execute(&backfill.sql).await;
    assert!(failed.is_err(), "'x7' is no integer: {}", backfill.sql);
    assert_eq!(
        query(
            &session,
            &format!("SELECT CODE, CODE__DEPOT_COPY::VARCHAR FROM {t} ORDER BY ID")
        )
        .await,
        vec![
            vec![Some("12".to_string()), None],
            vec![Some("x7".to_string()), None]
        ]
    );
    // Once the value converts, the backfill copies every value.
    session
        .client()
        .execute(&format!("UPDATE {t} SET CODE = '7' WHERE ID = 2"))
        .await
        .unwrap();
    session.client().execute(&backfill.sql).await.unwrap();
    assert_eq!(
        query(
            &session,
            &format!("SELECT CODE__DEPOT_COPY::VARCHAR FROM {t} ORDER BY ID")
        )
        .await,
        vec![vec![Some("12".to_string())], vec![Some("7".to_string())]]
    );
}
