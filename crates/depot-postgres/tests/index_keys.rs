//! SPEC §1b index expressions, `nullsDistinct` and `deferrable` on a real PostgreSQL, from
//! hand-made physical models: what each lets or refuses the rows do, the catalog read back
//! (drift finds nothing after a deploy, and finds a change made behind Depot's back), and each
//! change applied to a table holding rows, then undone.

use std::collections::BTreeMap;

use depot_core::change::Name;
use depot_core::constraint::{Deferrable, PhysicalForeignKey, ReferentialAction};
use depot_core::dialect::{Dialect, RenderContext, StepDraft};
use depot_core::index_options::{KeySort, NullsOrder, SortOrder};
use depot_core::physical::{
    PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalModel, PhysicalObject,
};
use depot_core::undo::{Before, Undo};
use depot_core::{diff, Change, FieldType};
use depot_postgres::drift::compare;
use depot_postgres::introspect::{introspect, SchemaSnapshot};
use depot_postgres::PostgresDialect;
use depot_testkit::{fresh_database, TestDatabase};

const NS: &str = "ws_index_keys";

fn column(physical: &str, field_type: FieldType, nullable: bool) -> PhysicalColumn {
    PhysicalColumn {
        logical: physical.into(),
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

fn object(physical: &str, columns: Vec<PhysicalColumn>) -> PhysicalObject {
    PhysicalObject {
        logical: physical.into(),
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

fn name(physical: &str) -> Name {
    Name {
        logical: physical.into(),
        physical: physical.into(),
    }
}

/// Owners and their pets: a pet's owner is checked at commit; owners' emails are unique
/// however they are spelled, and at most one owner has no nickname.
fn shop() -> PhysicalModel {
    let mut owner = object(
        "owner",
        vec![
            column("id", FieldType::Bigint, false),
            column("email", text(), false),
            column("nickname", text(), true),
        ],
    );
    owner.indexes = vec![
        PhysicalIndex {
            logical: "byEmail".into(),
            physical: "owner_by_email_idx".into(),
            columns: vec![String::new(), "id".into()],
            expressions: vec![Some("lower(\"email\")".into()), None],
            sort: vec![
                KeySort {
                    order: Some(SortOrder::Desc),
                    nulls: Some(NullsOrder::Last),
                },
                KeySort::default(),
            ],
            comment: Some("by spelling".into()),
            ..PhysicalIndex::default()
        },
        PhysicalIndex {
            logical: "oneEmail".into(),
            physical: "owner_one_email_idx".into(),
            columns: vec![String::new()],
            expressions: vec![Some("lower(\"email\")".into())],
            unique: true,
            ..PhysicalIndex::default()
        },
        PhysicalIndex {
            logical: "byNickname".into(),
            physical: "owner_by_nickname_idx".into(),
            columns: vec!["nickname".into()],
            unique: true,
            nulls_distinct: Some(false),
            ..PhysicalIndex::default()
        },
    ];
    let mut pet = object(
        "pet",
        vec![
            column("id", FieldType::Bigint, false),
            column("owner_id", FieldType::Bigint, false),
            column("tag", FieldType::Integer, false),
        ],
    );
    pet.foreign_keys = vec![PhysicalForeignKey {
        logical: "byOwner".into(),
        physical: "pet_by_owner_fkey".into(),
        columns: vec!["owner_id".into()],
        references_namespace: NS.into(),
        references_logical: "owner".into(),
        references_table: "owner".into(),
        references_columns: vec!["id".into()],
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
        deferrable: Some(Deferrable::InitiallyDeferred),
        comment: Some("checked at commit".into()),
    }];
    pet.indexes = vec![tag_index(Some(Deferrable::InitiallyDeferred))];
    PhysicalModel {
        enums: Default::default(),
        namespace: NS.into(),
        comment: None,
        objects: BTreeMap::from([("owner".to_string(), owner), ("pet".to_string(), pet)]),
        views: BTreeMap::new(),
    }
}

/// A pet's tag is unique; checked at commit when `deferrable` says so.
fn tag_index(deferrable: Option<Deferrable>) -> PhysicalIndex {
    PhysicalIndex {
        logical: "byTag".into(),
        physical: "pet_by_tag_idx".into(),
        columns: vec!["tag".into()],
        unique: true,
        deferrable,
        comment: Some("one per pet".into()),
        ..PhysicalIndex::default()
    }
}

fn ctx() -> RenderContext {
    RenderContext {
        namespace: NS.into(),
    }
}

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

async fn run(db: &TestDatabase, changes: &[Change]) {
    for draft in drafts(changes) {
        db.client
            .batch_execute(&draft.sql)
            .await
            .unwrap_or_else(|e| {
                panic!("{}: {}", draft.sql, depot_postgres::pg_error::describe(&e))
            });
    }
}

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

async fn fails(db: &TestDatabase, sql: &str) -> String {
    match db.client.batch_execute(sql).await {
        Ok(()) => panic!("{sql} should have failed"),
        Err(e) => depot_postgres::pg_error::describe(&e),
    }
}

/// A database with the shop deployed fresh, and an owner with a pet.
async fn deployed() -> TestDatabase {
    let db = fresh_database().await;
    let mut changes = diff::diff(None, &shop()).expect("diff from nothing");
    changes.sort_by_key(diff::rank);
    run(&db, &changes).await;
    db.client
        .batch_execute(
            "INSERT INTO ws_index_keys.owner VALUES (1, 'Ann@example.com', NULL);
             INSERT INTO ws_index_keys.pet VALUES (1, 1, 10), (2, 1, 20);",
        )
        .await
        .unwrap();
    db
}

#[tokio::test]
async fn a_fresh_deploy_reads_back_as_deployed_and_the_rows_are_held_to_it() {
    let db = deployed().await;
    let live = snapshot(&db).await;
    let owner = &live.tables["owner"];
    assert_eq!(
        owner.indexes["owner_by_email_idx"].definition,
        "CREATE INDEX owner_by_email_idx ON owner USING btree (lower(email) DESC NULLS LAST, id)"
    );
    assert_eq!(
        owner.indexes["owner_by_email_idx"].comment.as_deref(),
        Some("by spelling")
    );
    assert_eq!(
        owner.indexes["owner_by_nickname_idx"].definition,
        "CREATE UNIQUE INDEX owner_by_nickname_idx ON owner USING btree (nickname) NULLS NOT DISTINCT"
    );
    let pet = &live.tables["pet"];
    assert_eq!(
        pet.constraints["pet_by_tag_idx"].definition,
        "UNIQUE (tag) DEFERRABLE INITIALLY DEFERRED"
    );
    assert_eq!(
        pet.indexes["pet_by_tag_idx"].comment.as_deref(),
        Some("one per pet")
    );
    let drift = compare(&live, &shop());
    assert!(drift.is_empty(), "{drift}");

    // The expression index is unique however the email is spelled.
    let error = fails(
        &db,
        "INSERT INTO ws_index_keys.owner VALUES (2, 'ANN@example.com', 'a')",
    )
    .await;
    assert!(error.contains("owner_one_email_idx"), "{error}");
    // NULLS NOT DISTINCT: a second owner without a nickname collides with the first.
    let error = fails(
        &db,
        "INSERT INTO ws_index_keys.owner VALUES (2, 'bob@example.com', NULL)",
    )
    .await;
    assert!(error.contains("owner_by_nickname_idx"), "{error}");
    // The deferred foreign key lets a transaction add a pet before its owner.
    db.client
        .batch_execute(
            "BEGIN;
             INSERT INTO ws_index_keys.pet VALUES (3, 2, 30);
             INSERT INTO ws_index_keys.owner VALUES (2, 'bob@example.com', 'b');
             COMMIT;",
        )
        .await
        .expect("a deferred foreign key is checked at commit");
    // ... and still refuses an orphan at commit.
    let error = fails(
        &db,
        "BEGIN; INSERT INTO ws_index_keys.pet VALUES (4, 99, 40); COMMIT;",
    )
    .await;
    assert!(error.contains("pet_by_owner_fkey"), "{error}");
    db.client.batch_execute("ROLLBACK").await.unwrap();
    // The deferred unique constraint lets a transaction swap two tags.
    db.client
        .batch_execute(
            "BEGIN;
             UPDATE ws_index_keys.pet SET tag = 20 WHERE id = 1;
             UPDATE ws_index_keys.pet SET tag = 10 WHERE id = 2;
             COMMIT;",
        )
        .await
        .expect("a deferred unique constraint is checked at commit");

    // Drift sees a change made behind Depot's back.
    db.client
        .batch_execute(
            "ALTER TABLE ws_index_keys.pet ALTER CONSTRAINT pet_by_owner_fkey NOT DEFERRABLE",
        )
        .await
        .unwrap();
    let drift = compare(&snapshot(&db).await, &shop());
    assert_eq!(
        drift.differences,
        [
            "table ws_index_keys.pet: foreign key pet_by_owner_fkey is checked at once, \
          expected DEFERRABLE INITIALLY DEFERRED"
        ],
    );
}

/// Migrates from `old` to `new` as the diff says (every step, in plan order), checks that drift
/// finds nothing against `new`, undoes every change in reverse order and checks the schema is
/// back as it was. Gives the snapshot after the migration.
async fn migrate_and_undo(
    db: &TestDatabase,
    old: &PhysicalModel,
    new: &PhysicalModel,
) -> (Vec<Change>, SchemaSnapshot) {
    let mut changes = diff::diff(Some(old), new).expect("diff");
    changes.sort_by_key(diff::rank);
    let before = snapshot(db).await;
    run(db, &changes).await;
    let after = snapshot(db).await;
    assert_ne!(after, before, "the migration changed nothing");
    let drift = compare(&after, new);
    assert!(drift.is_empty(), "after the migration: {drift}");
    for change in changes.iter().rev() {
        undo(db, change, old, new).await;
    }
    assert_eq!(
        snapshot(db).await,
        before,
        "the undo left the schema changed"
    );
    (changes, after)
}

fn actions(changes: &[Change]) -> Vec<&'static str> {
    changes.iter().map(Change::action).collect()
}

#[tokio::test]
async fn changed_keys_rebuild_on_a_table_with_rows_and_undo() {
    let db = deployed().await;
    let old = shop();

    // The tag index becomes checked at once: the constraint is dropped, a plain unique index
    // built; undone back to the constraint.
    let mut new = shop();
    new.objects.get_mut("pet").unwrap().indexes = vec![tag_index(None)];
    let (changes, after) = migrate_and_undo(&db, &old, &new).await;
    assert_eq!(
        actions(&changes),
        ["dropIndex", "createIndex", "setComment"]
    );
    assert!(!after.tables["pet"]
        .constraints
        .contains_key("pet_by_tag_idx"));

    // nullsDistinct and an expression change: each rebuilt on the table with rows; undone.
    let mut new = shop();
    let owner = new.objects.get_mut("owner").unwrap();
    owner.indexes[0].expressions[0] = Some("upper(\"email\")".into());
    owner.indexes[2].nulls_distinct = None;
    let (changes, after) = migrate_and_undo(&db, &old, &new).await;
    // (A rebuilt unique index of `owner` rebuilds the foreign keys to it, as always.)
    assert_eq!(
        actions(&changes),
        [
            "dropForeignKey",
            "dropIndex",
            "dropIndex",
            "createIndex",
            "createIndex",
            "addForeignKey",
            "setComment",
            "setComment"
        ]
    );
    let indexes = &after.tables["owner"].indexes;
    assert_eq!(
        indexes["owner_by_email_idx"].definition,
        "CREATE INDEX owner_by_email_idx ON owner USING btree (upper(email) DESC NULLS LAST, id)"
    );
    assert_eq!(
        indexes["owner_by_nickname_idx"].definition,
        "CREATE UNIQUE INDEX owner_by_nickname_idx ON owner USING btree (nickname)"
    );

    // The foreign key becomes checked at once: altered in place (no rebuild, no scan); undone.
    let mut new = shop();
    new.objects.get_mut("pet").unwrap().foreign_keys[0].deferrable = None;
    let (changes, after) = migrate_and_undo(&db, &old, &new).await;
    assert_eq!(actions(&changes), ["alterForeignKey"]);
    assert_eq!(
        drafts(&changes)[0].sql,
        "ALTER TABLE ws_index_keys.pet ALTER CONSTRAINT pet_by_owner_fkey NOT DEFERRABLE"
    );
    assert_eq!(
        after.tables["pet"].constraints["pet_by_owner_fkey"].definition,
        "FOREIGN KEY (owner_id) REFERENCES owner(id)"
    );

    // A deferrable unique index added to a table holding rows: built concurrently, then
    // attached as the constraint; undone.
    let mut without = shop();
    without.objects.get_mut("pet").unwrap().indexes.clear();
    db.client
        .batch_execute("ALTER TABLE ws_index_keys.pet DROP CONSTRAINT pet_by_tag_idx")
        .await
        .unwrap();
    let mut new = shop();
    new.objects.get_mut("pet").unwrap().indexes =
        vec![tag_index(Some(Deferrable::InitiallyImmediate))];
    let create = Change::CreateIndex {
        object: name("pet"),
        index: tag_index(Some(Deferrable::InitiallyImmediate)),
    };
    let sql: Vec<String> = drafts(std::slice::from_ref(&create))
        .into_iter()
        .map(|d| d.sql)
        .collect();
    assert_eq!(
        sql,
        [
            "CREATE UNIQUE INDEX CONCURRENTLY pet_by_tag_idx ON ws_index_keys.pet (tag)",
            "ALTER TABLE ws_index_keys.pet ADD CONSTRAINT pet_by_tag_idx UNIQUE USING INDEX \
             pet_by_tag_idx DEFERRABLE INITIALLY IMMEDIATE",
        ]
    );
    let (changes, after) = migrate_and_undo(&db, &without, &new).await;
    assert_eq!(actions(&changes), ["createIndex", "setComment"]);
    assert_eq!(
        after.tables["pet"].constraints["pet_by_tag_idx"].definition,
        "UNIQUE (tag) DEFERRABLE"
    );
}
