//! SPEC §1b on a real PostgreSQL, from hand-made physical models (no validation or resolution
//! involved): every feature deployed fresh and read back from the catalog, and each new change
//! kind applied to a table holding rows, its effect checked, then undone.

use std::collections::BTreeMap;

use depot_core::change::Name;
use depot_core::column_default::{ColumnDefault, PortableExpression};
use depot_core::comment::CommentTarget;
use depot_core::constraint::{Deferrable, PhysicalCheck, PhysicalForeignKey, ReferentialAction};
use depot_core::dialect::{Dialect, RenderContext, StepDraft};
use depot_core::identity::AutoIncrement;
use depot_core::index_options::{IndexMethod, KeySort, NullsOrder, SortOrder};
use depot_core::physical::{
    PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalModel, PhysicalObject, PhysicalView,
};
use depot_core::undo::{Before, Undo};
use depot_core::{diff, Change, FieldType};
use depot_postgres::introspect::{introspect, SchemaSnapshot};
use depot_postgres::PostgresDialect;
use depot_testkit::{fresh_database, TestDatabase};
use serde_json::json;

const NS: &str = "ws_features";

fn name(logical: &str, physical: &str) -> Name {
    Name {
        logical: logical.into(),
        physical: physical.into(),
    }
}

fn column(logical: &str, physical: &str, field_type: FieldType, nullable: bool) -> PhysicalColumn {
    PhysicalColumn {
        logical: logical.into(),
        physical: physical.into(),
        previous_names: vec![],
        field_type,
        nullable,
        default: None,
        identity: None,
        computed: None,
        comment: None,
    }
}

fn text() -> FieldType {
    FieldType::String { max_length: None }
}

fn object(logical: &str, physical: &str, columns: Vec<PhysicalColumn>) -> PhysicalObject {
    PhysicalObject {
        logical: logical.into(),
        physical: physical.into(),
        previous_names: vec![],
        primary_key: Some(PhysicalKey {
            name: format!("{physical}_pkey"),
            columns: vec![columns[0].physical.clone()],
        }),
        columns,
        indexes: vec![],
        foreign_keys: vec![],
        checks: vec![],
        comment: None,
    }
}

/// Every §1b feature PostgreSQL holds: customers and their orders (`order` is reserved).
fn shop() -> PhysicalModel {
    let mut customer = object(
        "Customer",
        "customer",
        vec![
            PhysicalColumn {
                identity: Some(AutoIncrement::Always),
                ..column("id", "id", FieldType::Bigint, false)
            },
            PhysicalColumn {
                comment: Some("how the customer is addressed".into()),
                ..column("name", "name", text(), false)
            },
        ],
    );
    customer.comment = Some("people who order".into());
    let mut order = object(
        "Order",
        "order",
        vec![
            PhysicalColumn {
                identity: Some(AutoIncrement::ByDefault),
                ..column("id", "id", FieldType::Bigint, false)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::RandomUuid)),
                ..column("ref", "ref", FieldType::Uuid, false)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::RandomUuid)),
                ..column("refText", "ref_text", text(), true)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::Now)),
                ..column("placedAt", "placed_at", FieldType::Timestamptz, false)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::Now)),
                ..column("placedLocal", "placed_local", FieldType::Timestamp, false)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::CurrentDate)),
                ..column("day", "day", FieldType::Date, false)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Sql("'n/a'::text".into())),
                ..column("note", "note", text(), true)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Literal(json!(["new"]))),
                ..column(
                    "tags",
                    "tags",
                    FieldType::Array {
                        items: Box::new(text()),
                    },
                    true,
                )
            },
            column("status", "status", text(), false),
            column("customerId", "customer_id", FieldType::Bigint, false),
            column("totalCents", "total_cents", FieldType::Bigint, false),
            PhysicalColumn {
                computed: Some("(total_cents / 100.0)".into()),
                ..column(
                    "totalEuros",
                    "total_euros",
                    FieldType::Decimal {
                        precision: 14,
                        scale: 2,
                    },
                    true,
                )
            },
        ],
    );
    order.comment = Some("an order; it's placed once".into());
    order.checks = vec![PhysicalCheck {
        logical: "positiveTotal".into(),
        physical: "order_positive_total_check".into(),
        sql: "total_cents >= 0".into(),
        comment: Some("no refunds here".into()),
    }];
    order.indexes = vec![
        PhysicalIndex {
            logical: "openOrders".into(),
            physical: "order_open_orders_idx".into(),
            columns: vec!["placed_at".into()],
            unique: false,
            sort: vec![KeySort {
                order: Some(SortOrder::Desc),
                nulls: Some(NullsOrder::Last),
            }],
            where_sql: Some("status <> 'shipped'".into()),
            include: vec!["customer_id".into()],
            method: None,
            comment: Some("orders still to ship".into()),
            ..Default::default()
        },
        PhysicalIndex {
            logical: "byTag".into(),
            physical: "order_by_tag_idx".into(),
            columns: vec!["tags".into()],
            method: Some(IndexMethod::Gin),
            ..Default::default()
        },
    ];
    order.foreign_keys = vec![PhysicalForeignKey {
        logical: "byCustomer".into(),
        physical: "order_by_customer_fkey".into(),
        columns: vec!["customer_id".into()],
        references_namespace: NS.into(),
        references_logical: "Customer".into(),
        references_table: "customer".into(),
        references_columns: vec!["id".into()],
        on_delete: ReferentialAction::Restrict,
        on_update: ReferentialAction::Cascade,
        deferrable: Some(Deferrable::InitiallyDeferred),
        comment: Some("who ordered".into()),
    }];
    let totals = PhysicalView {
        logical: "OrderTotals".into(),
        physical: "order_totals".into(),
        previous_names: vec![],
        sql: format!(
            "SELECT customer_id, sum(total_cents) AS cents FROM {NS}.\"order\" GROUP BY \
             customer_id"
        ),
        reads: BTreeMap::new(),
        reads_dependencies: Default::default(),
        reads_every_column: Default::default(),
        columns: BTreeMap::new(),
        comment: Some("cents per customer".into()),
        materialized: false,
        indexes: Vec::new(),
    };
    PhysicalModel {
        enums: Default::default(),
        namespace: NS.into(),
        comment: Some("the shop".into()),
        objects: BTreeMap::from([
            ("Customer".to_string(), customer),
            ("Order".to_string(), order),
        ]),
        views: BTreeMap::from([("OrderTotals".to_string(), totals)]),
    }
}

/// The comments of `model`, each a change.
fn comments(model: &PhysicalModel) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |target: CommentTarget, comment: &Option<String>| {
        if comment.is_some() {
            out.push(Change::SetComment {
                target,
                comment: comment.clone(),
            });
        }
    };
    push(
        CommentTarget::Namespace {
            namespace: model.namespace.clone(),
        },
        &model.comment,
    );
    for o in model.objects.values() {
        let object = name(&o.logical, &o.physical);
        push(
            CommentTarget::Table {
                object: object.clone(),
            },
            &o.comment,
        );
        for c in &o.columns {
            push(
                CommentTarget::Column {
                    object: object.clone(),
                    column: name(&c.logical, &c.physical),
                },
                &c.comment,
            );
        }
        for i in &o.indexes {
            push(
                CommentTarget::Index {
                    object: object.clone(),
                    index: name(&i.logical, &i.physical),
                },
                &i.comment,
            );
        }
        for (logical, physical, comment) in o
            .checks
            .iter()
            .map(|c| (&c.logical, &c.physical, &c.comment))
            .chain(
                o.foreign_keys
                    .iter()
                    .map(|k| (&k.logical, &k.physical, &k.comment)),
            )
        {
            push(
                CommentTarget::Constraint {
                    object: object.clone(),
                    constraint: name(logical, physical),
                },
                comment,
            );
        }
    }
    for v in model.views.values() {
        push(
            CommentTarget::View {
                view: name(&v.logical, &v.physical),
            },
            &v.comment,
        );
    }
    out
}

/// The changes of a first deploy of `model`: the diff's, plus its foreign keys and comments
/// while the diff does not emit them yet.
fn fresh_changes(model: &PhysicalModel) -> Vec<Change> {
    let mut changes = diff::diff(None, model).expect("diff from nothing");
    if !changes
        .iter()
        .any(|c| matches!(c, Change::AddForeignKey { .. }))
    {
        for o in model.objects.values() {
            for key in &o.foreign_keys {
                changes.push(Change::AddForeignKey {
                    object: name(&o.logical, &o.physical),
                    key: key.clone(),
                    existing: false,
                });
            }
        }
    }
    if !changes
        .iter()
        .any(|c| matches!(c, Change::SetComment { .. }))
    {
        changes.extend(comments(model));
    }
    changes.sort_by_key(diff::rank);
    changes
}

fn ctx() -> RenderContext {
    RenderContext {
        namespace: NS.into(),
    }
}

/// The drafts of `changes`, in plan order (phase, then change order).
fn drafts(changes: &[Change]) -> Vec<StepDraft> {
    let mut drafts: Vec<StepDraft> = changes
        .iter()
        .flat_map(|c| {
            PostgresDialect
                .render(c, &ctx())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    drafts.sort_by_key(|d| d.phase);
    drafts
}

/// Runs the steps of `changes` one by one (each its own transaction). Err: the first failure.
async fn run(db: &TestDatabase, changes: &[Change]) -> Result<(), String> {
    for draft in drafts(changes) {
        db.client
            .batch_execute(&draft.sql)
            .await
            .map_err(|e| format!("{}: {}", draft.sql, depot_postgres::pg_error::describe(&e)))?;
    }
    Ok(())
}

/// Runs the undo of `change` (planned from `old` to `new`).
async fn undo(db: &TestDatabase, change: &Change, old: &PhysicalModel, new: &PhysicalModel) {
    let before = Before {
        old: Some(old),
        new,
    };
    let Undo::Statements(statements) = PostgresDialect
        .undo(change, &before, &ctx())
        .unwrap_or_else(|e| panic!("{e}"))
    else {
        panic!("{} cannot be undone", change.action());
    };
    for sql in statements {
        db.client
            .batch_execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}", depot_postgres::pg_error::describe(&e)));
    }
}

async fn snapshot(db: &TestDatabase) -> SchemaSnapshot {
    introspect(&db.client, NS).await.expect("introspect")
}

async fn query_one(db: &TestDatabase, sql: &str) -> tokio_postgres::Row {
    db.client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", depot_postgres::pg_error::describe(&e)))
}

async fn fails(db: &TestDatabase, sql: &str) -> String {
    match db.client.batch_execute(sql).await {
        Ok(()) => panic!("{sql} should have failed"),
        Err(e) => depot_postgres::pg_error::describe(&e),
    }
}

#[tokio::test]
async fn every_feature_deploys_fresh_and_reads_back_from_the_catalog() {
    let db = fresh_database().await;
    let model = shop();
    run(&db, &fresh_changes(&model)).await.unwrap();
    let live = snapshot(&db).await;

    // What the catalog holds is what the model says, to drift detection.
    assert_eq!(
        depot_postgres::drift::compare(&live, &model).differences,
        Vec::<String>::new()
    );
    assert_eq!(live.comment.as_deref(), Some("the shop"));
    let order = &live.tables["order"];
    assert_eq!(order.comment.as_deref(), Some("an order; it's placed once"));
    assert_eq!(order.columns["id"].identity.as_deref(), Some("by default"));
    assert_eq!(
        live.tables["customer"].columns["id"].identity.as_deref(),
        Some("always")
    );
    assert_eq!(
        order.columns["total_euros"].generated.as_deref(),
        Some("((total_cents)::numeric / 100.0)")
    );
    assert_eq!(order.columns["total_euros"].default, None);
    assert_eq!(
        order.columns["ref"].default.as_deref(),
        Some("gen_random_uuid()")
    );
    assert_eq!(order.columns["placed_at"].default.as_deref(), Some("now()"));
    assert_eq!(
        order.columns["day"].default.as_deref(),
        Some("CURRENT_DATE")
    );
    assert_eq!(order.columns["tags"].data_type, "text[]");
    assert_eq!(
        order.indexes["order_open_orders_idx"].definition,
        "CREATE INDEX order_open_orders_idx ON \"order\" USING btree (placed_at DESC NULLS LAST) \
         INCLUDE (customer_id) WHERE (status <> 'shipped'::text)"
    );
    assert_eq!(
        order.indexes["order_open_orders_idx"].comment.as_deref(),
        Some("orders still to ship")
    );
    assert_eq!(
        order.indexes["order_by_tag_idx"].definition,
        "CREATE INDEX order_by_tag_idx ON \"order\" USING gin (tags)"
    );
    let check = &order.constraints["order_positive_total_check"];
    assert_eq!(
        (check.definition.as_str(), check.comment.as_deref()),
        ("CHECK (total_cents >= 0)", Some("no refunds here"))
    );
    let fk = &order.constraints["order_by_customer_fkey"];
    assert_eq!(
        fk.definition,
        "FOREIGN KEY (customer_id) REFERENCES customer(id) ON UPDATE CASCADE ON DELETE RESTRICT \
         DEFERRABLE INITIALLY DEFERRED"
    );
    assert_eq!(
        live.views["order_totals"].comment.as_deref(),
        Some("cents per customer")
    );

    // Seeds keep their identity values, arrays included, and later inserts do not collide with
    // them.
    let seeds: depot_deploy::location::Seeds = serde_json::from_value(json!({
        "Order": [{"id": 10, "status": "open", "customerId": 5, "totalCents": 100,
                   "tags": ["gift", "it's"]}],
        "Customer": [{"id": 5, "name": "Ada"}, {"id": 2, "name": "Bob"}],
    }))
    .unwrap();
    for sql in depot_postgres::seeding::seed_statements(&model, &seeds).unwrap() {
        db.client.batch_execute(&sql).await.unwrap();
    }
    let next: i64 = query_one(
        &db,
        "INSERT INTO ws_features.customer (name) VALUES ('Cy') RETURNING id",
    )
    .await
    .get(0);
    assert_eq!(next, 6);
    let tags: Vec<String> = query_one(&db, "SELECT tags FROM ws_features.\"order\" WHERE id = 10")
        .await
        .get(0);
    assert_eq!(tags, vec!["gift".to_string(), "it's".to_string()]);

    // Defaults, identity and the computed column fill a new row.
    let row = query_one(
        &db,
        "INSERT INTO ws_features.\"order\" (status, customer_id, total_cents) \
         VALUES ('open', 5, 1234) \
         RETURNING id, ref IS NOT NULL, ref_text ~ '^[0-9a-f-]{36}$', placed_at IS NOT NULL, \
                   placed_local IS NOT NULL, day = CURRENT_DATE, note, tags, total_euros::text",
    )
    .await;
    assert_eq!(row.get::<_, i64>(0), 11, "the seeded order 10 is skipped");
    assert!(row.get::<_, bool>(1) && row.get::<_, bool>(2));
    assert!(row.get::<_, bool>(3) && row.get::<_, bool>(4) && row.get::<_, bool>(5));
    assert_eq!(row.get::<_, Option<String>>(6).as_deref(), Some("n/a"));
    assert_eq!(row.get::<_, Vec<String>>(7), vec!["new".to_string()]);
    assert_eq!(row.get::<_, String>(8), "12.34");

    // The check, the foreign key (deferred: at commit) and ALWAYS are enforced.
    let refused = fails(
        &db,
        "INSERT INTO ws_features.\"order\" (status, customer_id, total_cents) VALUES ('x', 5, -1)",
    )
    .await;
    assert!(refused.contains("order_positive_total_check"), "{refused}");
    let refused = fails(
        &db,
        "INSERT INTO ws_features.\"order\" (status, customer_id, total_cents) VALUES ('x', 99, 1)",
    )
    .await;
    assert!(refused.contains("order_by_customer_fkey"), "{refused}");
    let refused = fails(
        &db,
        "INSERT INTO ws_features.customer (id, name) VALUES (50, 'Eve')",
    )
    .await;
    assert!(refused.contains("GENERATED ALWAYS"), "{refused}");
}

/// A table with rows to change: dogs (1..=3) and cats (1..=3, an identity).
fn pets() -> PhysicalModel {
    let dog = object(
        "Dog",
        "dog",
        vec![
            column("id", "id", FieldType::Bigint, false),
            PhysicalColumn {
                default: Some(ColumnDefault::Literal(json!("7"))),
                ..column("name", "name", text(), false)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::CurrentDate)),
                ..column("day", "day", FieldType::Date, true)
            },
            column("catId", "cat_id", FieldType::Bigint, true),
        ],
    );
    let mut cat = object(
        "Cat",
        "cat",
        vec![
            PhysicalColumn {
                identity: Some(AutoIncrement::ByDefault),
                ..column("id", "id", FieldType::Bigint, false)
            },
            column("lives", "lives", FieldType::Integer, false),
        ],
    );
    cat.checks = vec![PhysicalCheck {
        logical: "someLives".into(),
        physical: "cat_some_lives_check".into(),
        sql: "lives > 0".into(),
        comment: None,
    }];
    cat.indexes = vec![PhysicalIndex {
        logical: "byLives".into(),
        physical: "cat_by_lives_idx".into(),
        columns: vec!["lives".into()],
        sort: vec![KeySort {
            order: Some(SortOrder::Desc),
            nulls: None,
        }],
        where_sql: Some("lives < 9".into()),
        ..Default::default()
    }];
    PhysicalModel {
        enums: Default::default(),
        namespace: NS.into(),
        comment: None,
        objects: BTreeMap::from([("Dog".to_string(), dog), ("Cat".to_string(), cat)]),
        views: BTreeMap::new(),
    }
}

async fn pets_with_rows() -> TestDatabase {
    let db = fresh_database().await;
    run(&db, &fresh_changes(&pets())).await.unwrap();
    db.client
        .batch_execute(
            "INSERT INTO ws_features.cat (id, lives) VALUES (1, 9), (2, 3), (3, 1);
             INSERT INTO ws_features.dog (id, name, cat_id) VALUES (1, '1', 1), (2, '2', 2), (3, '3', 3);",
        )
        .await
        .unwrap();
    db
}

fn dog() -> Name {
    name("Dog", "dog")
}

fn cat() -> Name {
    name("Cat", "cat")
}

/// Applies `change` (from `old` to `new`) to a table with rows, hands the snapshot after it to
/// `check`, undoes it and checks the schema is back as it was.
async fn apply_and_undo(
    db: &TestDatabase,
    old: &PhysicalModel,
    new: &PhysicalModel,
    change: Change,
) -> SchemaSnapshot {
    let before = snapshot(db).await;
    run(db, std::slice::from_ref(&change)).await.unwrap();
    let after = snapshot(db).await;
    assert_ne!(after, before, "{} changed nothing", change.action());
    undo(db, &change, old, new).await;
    assert_eq!(
        snapshot(db).await,
        before,
        "the undo of {} left the schema changed",
        change.action()
    );
    after
}

#[tokio::test]
async fn identity_changes_apply_to_rows_and_undo() {
    let db = pets_with_rows().await;
    let old = pets();

    // Dog.id becomes an identity: new rows start after the existing ones.
    let mut new = pets();
    new.objects.get_mut("Dog").unwrap().columns[0].identity = Some(AutoIncrement::ByDefault);
    let add = Change::AddIdentity {
        object: dog(),
        column: name("id", "id"),
        identity: AutoIncrement::ByDefault,
    };
    run(&db, std::slice::from_ref(&add)).await.unwrap();
    let id: i64 = query_one(
        &db,
        "INSERT INTO ws_features.dog (name) VALUES ('4') RETURNING id",
    )
    .await
    .get(0);
    assert_eq!(id, 4);
    db.client
        .batch_execute("DELETE FROM ws_features.dog WHERE id = 4")
        .await
        .unwrap();
    undo(&db, &add, &old, &new).await;
    assert_eq!(
        snapshot(&db).await.tables["dog"].columns["id"].identity,
        None
    );

    // Cat.id: ALWAYS refuses explicit values; undone, it takes them again.
    let mut new = pets();
    new.objects.get_mut("Cat").unwrap().columns[0].identity = Some(AutoIncrement::Always);
    let after = apply_and_undo(
        &db,
        &old,
        &new,
        Change::SetIdentity {
            object: cat(),
            column: name("id", "id"),
            identity: AutoIncrement::Always,
        },
    )
    .await;
    assert_eq!(
        after.tables["cat"].columns["id"].identity.as_deref(),
        Some("always")
    );

    // Cat.id no longer an identity; undone, the identity is back and skips the rows inserted
    // meanwhile.
    let mut new = pets();
    new.objects.get_mut("Cat").unwrap().columns[0].identity = None;
    let drop = Change::DropIdentity {
        object: cat(),
        column: name("id", "id"),
    };
    run(&db, std::slice::from_ref(&drop)).await.unwrap();
    db.client
        .batch_execute("INSERT INTO ws_features.cat (id, lives) VALUES (10, 2)")
        .await
        .unwrap();
    undo(&db, &drop, &old, &new).await;
    let id: i64 = query_one(
        &db,
        "INSERT INTO ws_features.cat (lives) VALUES (5) RETURNING id",
    )
    .await
    .get(0);
    assert_eq!(id, 11);
}

#[tokio::test]
async fn checks_and_foreign_keys_are_validated_against_rows_and_undone() {
    let db = pets_with_rows().await;
    let old = pets();

    let check = PhysicalCheck {
        logical: "named".into(),
        physical: "dog_named_check".into(),
        sql: "name <> ''".into(),
        comment: None,
    };
    let mut new = pets();
    new.objects.get_mut("Dog").unwrap().checks = vec![check.clone()];
    let after = apply_and_undo(
        &db,
        &old,
        &new,
        Change::AddCheck {
            object: dog(),
            check: check.clone(),
            existing: true,
        },
    )
    .await;
    let found = &after.tables["dog"].constraints["dog_named_check"];
    assert!(found.validated, "{found:?}");

    // A check the rows break: added NOT VALID, refused at validation, undone.
    let broken = PhysicalCheck {
        sql: "name = 'x'".into(),
        ..check.clone()
    };
    let before = snapshot(&db).await;
    let add = Change::AddCheck {
        object: dog(),
        check: broken,
        existing: true,
    };
    let error = run(&db, std::slice::from_ref(&add)).await.unwrap_err();
    assert!(error.contains("VALIDATE CONSTRAINT"), "{error}");
    undo(&db, &add, &old, &new).await;
    assert_eq!(snapshot(&db).await, before);

    // Cat's check dropped; undone, it is back as it was (validated: the rows allow it).
    let mut new = pets();
    new.objects.get_mut("Cat").unwrap().checks.clear();
    let drop = Change::DropCheck {
        object: cat(),
        check: old.objects["Cat"].checks[0].clone(),
    };
    let after = apply_and_undo(&db, &old, &new, drop).await;
    assert!(!after.tables["cat"]
        .constraints
        .contains_key("cat_some_lives_check"));

    // A foreign key from dogs to cats, validated against the rows.
    let key = PhysicalForeignKey {
        logical: "byCat".into(),
        physical: "dog_by_cat_fkey".into(),
        columns: vec!["cat_id".into()],
        references_namespace: NS.into(),
        references_logical: "Cat".into(),
        references_table: "cat".into(),
        references_columns: vec!["id".into()],
        on_delete: ReferentialAction::SetNull,
        on_update: ReferentialAction::NoAction,
        deferrable: None,
        comment: None,
    };
    let mut new = pets();
    new.objects.get_mut("Dog").unwrap().foreign_keys = vec![key.clone()];
    let add = Change::AddForeignKey {
        object: dog(),
        key: key.clone(),
        existing: true,
    };
    run(&db, std::slice::from_ref(&add)).await.unwrap();
    let live = snapshot(&db).await;
    let found = &live.tables["dog"].constraints["dog_by_cat_fkey"];
    assert_eq!(
        (found.definition.as_str(), found.validated),
        (
            "FOREIGN KEY (cat_id) REFERENCES cat(id) ON DELETE SET NULL",
            true
        )
    );
    // ON DELETE SET NULL acts on the rows.
    db.client
        .batch_execute("DELETE FROM ws_features.cat WHERE id = 3")
        .await
        .unwrap();
    let orphan: Option<i64> = query_one(&db, "SELECT cat_id FROM ws_features.dog WHERE id = 3")
        .await
        .get(0);
    assert_eq!(orphan, None);

    // Dropped, a row breaking it written meanwhile, then undone: back NOT VALID (the undo does
    // not fail on that row), enforced for new rows.
    let drop = Change::DropForeignKey {
        object: dog(),
        key: key.clone(),
    };
    run(&db, std::slice::from_ref(&drop)).await.unwrap();
    db.client
        .batch_execute("INSERT INTO ws_features.dog (id, name, cat_id) VALUES (8, 'x', 98)")
        .await
        .unwrap();
    undo(&db, &drop, &new, &old).await;
    let restored = &snapshot(&db).await.tables["dog"].constraints["dog_by_cat_fkey"];
    assert!(!restored.validated, "{restored:?}");
    fails(
        &db,
        "INSERT INTO ws_features.dog (id, name, cat_id) VALUES (9, 'x', 99)",
    )
    .await;
    // And the undo of its addition drops it.
    undo(&db, &add, &old, &new).await;
    assert!(!snapshot(&db).await.tables["dog"]
        .constraints
        .contains_key("dog_by_cat_fkey"));
}

#[tokio::test]
async fn comments_are_set_and_the_old_ones_restored() {
    let db = pets_with_rows().await;
    let mut old = pets();
    old.objects.get_mut("Cat").unwrap().comment = Some("old cats".into());
    run(&db, &comments(&old)).await.unwrap();
    let mut new = old.clone();
    new.comment = Some("pets".into());
    new.objects.get_mut("Cat").unwrap().comment = Some("cats, it's said".into());
    new.objects.get_mut("Cat").unwrap().columns[1].comment = Some("left".into());
    new.objects.get_mut("Cat").unwrap().indexes[0].comment = Some("few".into());
    new.objects.get_mut("Cat").unwrap().checks[0].comment = Some("alive".into());
    for change in comments(&new) {
        let after = apply_and_undo(&db, &old, &new, change).await;
        let cat = &after.tables["cat"];
        assert!(
            after.comment.as_deref() == Some("pets")
                || cat.comment.as_deref() == Some("cats, it's said")
                || cat.columns["lives"].comment.as_deref() == Some("left")
                || cat.indexes["cat_by_lives_idx"].comment.as_deref() == Some("few")
                || cat.constraints["cat_some_lives_check"].comment.as_deref() == Some("alive"),
            "{after:?}"
        );
    }
    // A comment removed, then restored by the undo.
    let removed = Change::SetComment {
        target: CommentTarget::Table { object: cat() },
        comment: None,
    };
    let mut without = old.clone();
    without.objects.get_mut("Cat").unwrap().comment = None;
    let after = apply_and_undo(&db, &old, &without, removed).await;
    assert_eq!(after.tables["cat"].comment, None);
    assert_eq!(
        snapshot(&db).await.tables["cat"].comment.as_deref(),
        Some("old cats")
    );
}

#[tokio::test]
async fn columns_with_identity_computed_and_volatile_defaults_fill_existing_rows() {
    let db = pets_with_rows().await;
    let old = pets();
    let additions = [
        PhysicalColumn {
            identity: Some(AutoIncrement::Always),
            ..column("number", "number", FieldType::Bigint, false)
        },
        PhysicalColumn {
            computed: Some("(id * 2)".into()),
            ..column("double", "double", FieldType::Bigint, true)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Expression(PortableExpression::RandomUuid)),
            ..column("ref", "ref", FieldType::Uuid, false)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Expression(PortableExpression::Now)),
            ..column("since", "since", FieldType::Timestamptz, false)
        },
    ];
    for added in additions {
        let drafts = drafts(&[Change::AddColumn {
            object: dog(),
            column: added.clone(),
        }]);
        let rewrites = drafts[0]
            .hazards
            .contains(&depot_core::Hazard::TableRewrite);
        assert_eq!(rewrites, added.physical != "since", "{}", drafts[0].sql);
        let mut new = pets();
        new.objects
            .get_mut("Dog")
            .unwrap()
            .columns
            .push(added.clone());
        let col = &added.physical;
        let change = Change::AddColumn {
            object: dog(),
            column: added.clone(),
        };
        let before = snapshot(&db).await;
        run(&db, std::slice::from_ref(&change)).await.unwrap();
        let distinct: i64 = query_one(
            &db,
            &format!("SELECT count(DISTINCT \"{col}\") FROM ws_features.dog"),
        )
        .await
        .get(0);
        // Every row got a value; the identity, computed and random ones differ per row.
        assert_eq!(distinct, if col == "since" { 1 } else { 3 }, "{col}");
        undo(&db, &change, &old, &new).await;
        assert_eq!(snapshot(&db).await, before);
    }
}

#[tokio::test]
async fn defaults_narrowing_and_index_options_apply_and_undo() {
    let db = pets_with_rows().await;
    let old = pets();

    // An expression default replaced by a literal, and back.
    let mut new = pets();
    new.objects.get_mut("Dog").unwrap().columns[2].default =
        Some(ColumnDefault::Literal(json!("2020-01-01")));
    let after = apply_and_undo(
        &db,
        &old,
        &new,
        Change::SetDefault {
            object: dog(),
            column: name("day", "day"),
            field_type: FieldType::Date,
            default: ColumnDefault::Literal(json!("2020-01-01")),
        },
    )
    .await;
    assert_eq!(
        after.tables["dog"].columns["day"].default.as_deref(),
        Some("'2020-01-01'::date")
    );
    // A literal replaced by SQL, undone back to the literal.
    let mut new = pets();
    new.objects.get_mut("Dog").unwrap().columns[1].default =
        Some(ColumnDefault::Sql("upper('x')".into()));
    apply_and_undo(
        &db,
        &old,
        &new,
        Change::SetDefault {
            object: dog(),
            column: name("name", "name"),
            field_type: text(),
            default: ColumnDefault::Sql("upper('x')".into()),
        },
    )
    .await;

    // name: text -> integer, the values convert; the default goes first, comes back on undo.
    let mut new = pets();
    new.objects.get_mut("Dog").unwrap().columns[1].field_type = FieldType::Integer;
    let narrow = Change::AlterColumnType {
        object: dog(),
        column: name("name", "name"),
        from: text(),
        to: FieldType::Integer,
    };
    let hazards: Vec<_> = drafts(std::slice::from_ref(&narrow))
        .into_iter()
        .flat_map(|d| d.hazards)
        .collect();
    assert!(
        hazards.contains(&depot_core::Hazard::NarrowsType),
        "{hazards:?}"
    );
    let after = apply_and_undo(&db, &old, &new, narrow.clone()).await;
    assert_eq!(after.tables["dog"].columns["name"].data_type, "integer");
    // A value that does not convert fails the step, changing nothing.
    db.client
        .batch_execute("UPDATE ws_features.dog SET name = 'Rex' WHERE id = 1")
        .await
        .unwrap();
    let before = snapshot(&db).await;
    let error = run(&db, &[narrow]).await.unwrap_err();
    assert!(error.contains("Rex"), "{error}");
    // (Its first step, dropping the default, ran on its own here: the executor runs both in
    // one transaction.)
    assert_eq!(
        snapshot(&db).await.tables["dog"].columns["name"].data_type,
        before.tables["dog"].columns["name"].data_type
    );
    db.client
        .batch_execute("ALTER TABLE ws_features.dog ALTER COLUMN name SET DEFAULT '7'::text")
        .await
        .unwrap();

    // A cast that would round (1.5 -> 2) or cut fails instead, naming the field and value.
    db.client
        .batch_execute("ALTER TABLE ws_features.cat ADD COLUMN weight double precision; UPDATE ws_features.cat SET weight = id + 0.5 WHERE id = 2; UPDATE ws_features.cat SET weight = id WHERE id <> 2")
        .await
        .unwrap();
    let narrow_weight = Change::AlterColumnType {
        object: cat(),
        column: name("weight", "weight"),
        from: FieldType::Double,
        to: FieldType::Integer,
    };
    let error = run(&db, std::slice::from_ref(&narrow_weight))
        .await
        .unwrap_err();
    assert!(
        error.contains("Cat.weight holds a value that does not convert to integer: 2.5"),
        "{error}"
    );
    db.client
        .batch_execute("UPDATE ws_features.cat SET weight = 2 WHERE id = 2")
        .await
        .unwrap();
    run(&db, &[narrow_weight]).await.unwrap();
    let total: i64 = query_one(&db, "SELECT sum(weight)::bigint FROM ws_features.cat")
        .await
        .get(0);
    assert_eq!(total, 6);
    db.client
        .batch_execute("ALTER TABLE ws_features.cat DROP COLUMN weight")
        .await
        .unwrap();

    // An index with every option on a table with rows, built concurrently; undone.
    let index = PhysicalIndex {
        logical: "recent".into(),
        physical: "dog_recent_idx".into(),
        columns: vec!["day".into(), "id".into()],
        unique: true,
        sort: vec![
            KeySort {
                order: Some(SortOrder::Desc),
                nulls: Some(NullsOrder::First),
            },
            KeySort::default(),
        ],
        where_sql: Some("cat_id IS NOT NULL".into()),
        include: vec!["name".into()],
        method: Some(IndexMethod::Btree),
        comment: None,
        ..PhysicalIndex::default()
    };
    let mut new = pets();
    new.objects.get_mut("Dog").unwrap().indexes = vec![index.clone()];
    let after = apply_and_undo(
        &db,
        &old,
        &new,
        Change::CreateIndex {
            object: dog(),
            index: index.clone(),
        },
    )
    .await;
    // (NULLS FIRST is how a DESC key sorts anyway: PostgreSQL prints DESC alone.)
    assert_eq!(
        after.tables["dog"].indexes["dog_recent_idx"].definition,
        "CREATE UNIQUE INDEX dog_recent_idx ON dog USING btree (day DESC, id) \
         INCLUDE (name) WHERE (cat_id IS NOT NULL)"
    );
    // Cat's partial, descending index dropped and rebuilt as it was by the undo.
    let mut new = pets();
    new.objects.get_mut("Cat").unwrap().indexes.clear();
    apply_and_undo(
        &db,
        &old,
        &new,
        Change::DropIndex {
            object: cat(),
            index: old.objects["Cat"].indexes[0].clone(),
        },
    )
    .await;
}
