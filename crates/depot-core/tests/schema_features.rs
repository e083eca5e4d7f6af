//! The diff and plan of SPEC §1b's keys (comments, defaults, identity, computed fields, checks,
//! foreign keys, index options, narrowings, `SELECT *` views), on hand-made physical models.

mod common;

use common::*;
use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::change::Change;
use depot_core::column_default::{ColumnDefault, PortableExpression};
use depot_core::comment::CommentTarget;
use depot_core::constraint::ReferentialAction;
use depot_core::diff::{diff, DiffError, Refusal};
use depot_core::identity::AutoIncrement;
use depot_core::index_options::{IndexMethod, KeySort, SortOrder};
use depot_core::physical::{PhysicalModel, PhysicalObject};
use depot_core::FieldType;

fn changes(old: &PhysicalModel, new: &PhysicalModel) -> Vec<String> {
    match diff(Some(old), new) {
        Ok(c) => summary(&c),
        Err(e) => panic!("expected changes, got: {e}"),
    }
}

fn full(old: &PhysicalModel, new: &PhysicalModel) -> Vec<Change> {
    diff(Some(old), new).unwrap_or_else(|e| panic!("{e}"))
}

fn refusals(old: &PhysicalModel, new: &PhysicalModel) -> Vec<Refusal> {
    match diff(Some(old), new) {
        Ok(c) => panic!("expected a refusal, got changes: {:?}", summary(&c)),
        Err(DiffError(r)) => r,
    }
}

fn owner() -> PhysicalObject {
    object(
        "Owner",
        vec![col("id", FieldType::Uuid), col("email", text())],
    )
    .key(&["id"])
}

fn dog() -> PhysicalObject {
    object(
        "Dog",
        vec![
            col("id", FieldType::Uuid),
            col("name", string(200)),
            col("ownerId", FieldType::Uuid),
        ],
    )
    .key(&["id"])
}

fn m(objects: Vec<PhysicalObject>) -> PhysicalModel {
    model(objects, vec![])
}

fn comments(changes: &[Change]) -> Vec<(String, Option<String>)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::SetComment { target, comment } => Some((target.logical(), comment.clone())),
            _ => None,
        })
        .collect()
}

/// Dog with every feature: comments everywhere, a SQL default, identity, a computed column, a
/// check, a foreign key to Owner and an index with options.
fn featured() -> PhysicalModel {
    let mut dog = object(
        "Dog",
        vec![
            col("id", FieldType::Bigint)
                .identity(AutoIncrement::ByDefault)
                .comment("key"),
            col("name", string(200)),
            col("ownerId", FieldType::Uuid),
            col("bornAt", FieldType::Timestamptz),
            col("nameLength", FieldType::Integer).computed("length(\"name\")"),
        ],
    )
    .key(&["id"])
    .index("byName", &["name"], false)
    .check("named", "\"name\" <> ''")
    .fk("byOwner", &["ownerId"], "Owner", &["id"])
    .comment("A dog");
    dog.columns[3].default = Some(ColumnDefault::Expression(PortableExpression::Now));
    dog.indexes[0].comment = Some("by name".into());
    dog.indexes[0].sort = vec![KeySort {
        order: Some(SortOrder::Desc),
        nulls: None,
    }];
    dog.indexes[0].where_sql = Some("\"name\" <> ''".into());
    dog.indexes[0].method = Some(IndexMethod::Btree);
    dog.checks[0].comment = Some("has a name".into());
    dog.foreign_keys[0].comment = Some("owned".into());
    let mut v = view("Names", "SELECT * FROM ns.dog", &[("Dog", &[])]);
    v.comment = Some("names".into());
    let mut model = model(vec![dog, owner()], vec![v]);
    model.comment = Some("Dogs".into());
    model
}

#[test]
fn a_first_deploy_creates_tables_then_foreign_keys_views_and_every_comment() {
    let all = diff(None, &featured()).unwrap();
    assert_eq!(
        summary(&all),
        [
            "createNamespace ns",
            "createObject Dog",
            "createObject Owner",
            "addForeignKey Dog.byOwner",
            "createView Names",
            "setComment ns",
            "setComment Dog",
            "setComment Dog.id",
            "setComment Dog.byName",
            "setComment Dog.named",
            "setComment Dog.byOwner",
            "setComment Names",
        ]
    );
    assert!(matches!(
        &all[3],
        Change::AddForeignKey {
            existing: false,
            ..
        }
    ));
    assert!(matches!(
        &all[9],
        Change::SetComment { target: CommentTarget::Constraint { constraint, .. }, .. }
            if constraint.physical == "dog_named_check"
    ));
    // The plan puts each in its phase, and a first deploy's plan is the diff's.
    let plan = plan_migration(&TestDialect, None, &featured(), header()).unwrap();
    let steps: Vec<String> = plan
        .phases
        .iter()
        .flat_map(|p| {
            p.steps
                .iter()
                .map(move |s| format!("{} {} {}", p.phase, s.action, s.target))
        })
        .collect();
    let fk_add = steps
        .iter()
        .position(|s| s.ends_with("addForeignKey Dog.byOwner"))
        .unwrap();
    let created = steps
        .iter()
        .position(|s| s.ends_with("createObject Owner"))
        .unwrap();
    assert!(created < fk_add, "{steps:?}");
    assert_eq!(
        steps.iter().filter(|s| s.contains("setComment")).count(),
        7,
        "{steps:?}"
    );
    let migrated = plan_migration(
        &TestDialect,
        Some(&model(vec![], vec![])),
        &featured(),
        header(),
    )
    .unwrap();
    let migrated_steps: Vec<String> = migrated
        .phases
        .iter()
        .flat_map(|p| p.steps.iter().map(|s| s.target.clone()))
        .collect();
    assert!(
        migrated_steps.contains(&"Dog.byOwner".to_string()),
        "{migrated_steps:?}"
    );
}

fn header() -> PlanHeader {
    PlanHeader {
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
        environment_id: "e2e404529091ed2".into(),
        dataset_id: "6d9c7969f0b1".into(),
        dataset_alias: "WsDevDogSrc".into(),
        from_version: None,
        to_version: "42b14733ff9d8f8de9f22524ef466a13f3b6511f7cb9ebb74de3ab59c24c5b37".into(),
        created_at: "2025-04-28T08:31:33.816Z".into(),
    }
}

#[test]
fn a_comment_only_change_gives_only_set_comment_steps() {
    let old = featured();
    let mut new = featured();
    new.comment = None;
    let dog = new.objects.get_mut("Dog").unwrap();
    dog.comment = Some("A good dog".into());
    dog.columns[0].comment = None;
    dog.columns[1].comment = Some("called".into());
    dog.indexes[0].comment = Some("by the name".into());
    dog.checks[0].comment = None;
    dog.foreign_keys[0].comment = Some("belongs to".into());
    new.views.get_mut("Names").unwrap().comment = None;
    let got = full(&old, &new);
    assert_eq!(
        comments(&got),
        [
            ("ns".to_string(), None),
            ("Dog".to_string(), Some("A good dog".to_string())),
            ("Dog.id".to_string(), None),
            ("Dog.name".to_string(), Some("called".to_string())),
            ("Dog.byName".to_string(), Some("by the name".to_string())),
            ("Dog.named".to_string(), None),
            ("Dog.byOwner".to_string(), Some("belongs to".to_string())),
            ("Names".to_string(), None),
        ]
    );
    assert_eq!(comments(&got).len(), got.len(), "{:?}", summary(&got));
    assert!(full(&featured(), &featured()).is_empty());
}

#[test]
fn new_columns_indexes_and_recreated_views_get_their_comments() {
    let old = featured();
    let mut new = featured();
    let dog = new.objects.get_mut("Dog").unwrap();
    dog.columns
        .push(col("tag", text()).nullable().comment("a tag"));
    // `Names` reads Dog through `*`: recreated, and its comment set again.
    new.views
        .get_mut("Names")
        .unwrap()
        .reads_every_column
        .insert("Dog".into());
    let mut old = old;
    old.views
        .get_mut("Names")
        .unwrap()
        .reads_every_column
        .insert("Dog".into());
    assert_eq!(
        changes(&old, &new),
        [
            "dropView Names",
            "addField Dog.tag",
            "createView Names",
            "setComment Dog.tag",
            "setComment Names"
        ]
    );
}

#[test]
fn defaults_compare_their_form() {
    let old = m(vec![dog()]);
    let mut new = m(vec![dog()]);
    new.objects.get_mut("Dog").unwrap().columns[1].default = Some(ColumnDefault::Sql("'x'".into()));
    assert_eq!(changes(&old, &new), ["setDefault Dog.name"]);
    let mut other = new.clone();
    other.objects.get_mut("Dog").unwrap().columns[1].default =
        Some(ColumnDefault::Literal(serde_json::json!("x")));
    assert_eq!(changes(&new, &other), ["setDefault Dog.name"]);
    assert_eq!(changes(&other, &old), ["dropDefault Dog.name"]);
}

#[test]
fn identity_is_added_dropped_and_switched() {
    let plain = m(vec![dog()]);
    let with = |identity| {
        let mut model = m(vec![dog()]);
        model.objects.get_mut("Dog").unwrap().columns[1].identity = Some(identity);
        model
    };
    assert_eq!(
        changes(&plain, &with(AutoIncrement::ByDefault)),
        ["addIdentity Dog.name"]
    );
    assert_eq!(
        changes(&with(AutoIncrement::ByDefault), &plain),
        ["dropIdentity Dog.name"]
    );
    let switched = full(
        &with(AutoIncrement::ByDefault),
        &with(AutoIncrement::Always),
    );
    assert!(matches!(
        &switched[..],
        [Change::SetIdentity {
            identity: AutoIncrement::Always,
            ..
        }]
    ));
}

#[test]
fn computed_fields_are_added_and_dropped_but_never_changed_in_place() {
    let old = m(vec![dog()]);
    let mut new = m(vec![dog()]);
    new.objects
        .get_mut("Dog")
        .unwrap()
        .columns
        .push(col("nameLength", FieldType::Integer).computed("length(\"name\")"));
    let added = full(&old, &new);
    assert!(matches!(
        &added[..],
        [Change::AddColumn { column, .. }] if column.computed.as_deref() == Some("length(\"name\")")
    ));
    assert_eq!(changes(&new, &old), ["dropField Dog.nameLength"]);

    let mut changed = new.clone();
    changed.objects.get_mut("Dog").unwrap().columns[3].computed = Some("2".into());
    let r = refusals(&new, &changed);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target, "Dog.nameLength");
    assert!(r[0].message.contains("add a new field"), "{}", r[0].message);
    let mut stored = new.clone();
    stored.objects.get_mut("Dog").unwrap().columns[3].computed = None;
    assert!(refusals(&new, &stored)[0].message.contains("stored"));
    assert!(refusals(&stored, &new)[0]
        .message
        .contains("become computed"));
}

#[test]
fn checks_are_added_changed_and_dropped_by_name() {
    let old = m(vec![dog().check("named", "\"name\" <> ''")]);
    let added = m(vec![dog()
        .check("named", "\"name\" <> ''")
        .check("short", "length(\"name\") < 100")]);
    let got = full(&old, &added);
    assert_eq!(summary(&got), ["addCheck Dog.short"]);
    assert!(matches!(&got[0], Change::AddCheck { existing: true, .. }));
    let changed = m(vec![dog().check("named", "\"name\" <> 'x'")]);
    assert_eq!(
        changes(&old, &changed),
        ["dropCheck Dog.named", "addCheck Dog.named"]
    );
    assert_eq!(changes(&old, &m(vec![dog()])), ["dropCheck Dog.named"]);
    // A new table's checks are part of its CreateObject.
    assert_eq!(changes(&m(vec![]), &old), ["createObject Dog"]);
}

#[test]
fn foreign_keys_are_added_after_tables_and_dropped_before_what_they_reference() {
    let none = m(vec![owner(), dog()]);
    let with = m(vec![
        owner(),
        dog().fk("byOwner", &["ownerId"], "Owner", &["id"]),
    ]);
    let got = full(&none, &with);
    assert_eq!(summary(&got), ["addForeignKey Dog.byOwner"]);
    assert!(matches!(
        &got[0],
        Change::AddForeignKey { existing: true, .. }
    ));
    assert_eq!(changes(&with, &none), ["dropForeignKey Dog.byOwner"]);

    // An action changes: dropped and added again.
    let mut cascade = with.clone();
    cascade.objects.get_mut("Dog").unwrap().foreign_keys[0].on_delete = ReferentialAction::Cascade;
    assert_eq!(
        changes(&with, &cascade),
        ["dropForeignKey Dog.byOwner", "addForeignKey Dog.byOwner"]
    );

    // A new referenced table and its referencing table: the key after both exist.
    let fresh = m(vec![]);
    let got = full(&fresh, &with);
    assert_eq!(
        summary(&got),
        [
            "createObject Dog",
            "createObject Owner",
            "addForeignKey Dog.byOwner"
        ]
    );
    assert!(matches!(
        &got[2],
        Change::AddForeignKey {
            existing: false,
            ..
        }
    ));

    // The referenced table's key is rebuilt: the foreign key goes first and comes back last.
    let mut rekeyed = with.clone();
    rekeyed.objects.insert(
        "Owner".into(),
        object(
            "Owner",
            vec![col("id", FieldType::Uuid), col("email", text())],
        )
        .key(&["id", "email"]),
    );
    rekeyed.objects.get_mut("Dog").unwrap().foreign_keys[0].references_columns = vec!["id".into()];
    assert_eq!(
        changes(&with, &rekeyed),
        [
            "dropForeignKey Dog.byOwner",
            "dropPrimaryKey Owner.primaryKey",
            "addPrimaryKey Owner.primaryKey",
            "addForeignKey Dog.byOwner"
        ]
    );

    // A physical rename of the referenced table alone is followed by the engine.
    let mut moved = with.clone();
    let owner = moved.objects.get_mut("Owner").unwrap();
    owner.physical = "people".into();
    owner.primary_key.as_mut().unwrap().name = "people_pkey".into();
    moved.objects.get_mut("Dog").unwrap().foreign_keys[0].references_table = "people".into();
    assert_eq!(
        changes(&with, &moved),
        ["renameObject Owner", "renamePrimaryKey Owner.primaryKey"]
    );
}

#[test]
fn keys_indexes_and_foreign_keys_follow_a_renamed_column() {
    let old = m(vec![
        owner(),
        dog()
            .index("byOwner", &["ownerId"], false)
            .fk("toOwner", &["ownerId"], "Owner", &["id"]),
    ]);
    let mut renamed = dog();
    renamed.columns[2] = col("ownerId", FieldType::Uuid).physical("owner_ref");
    let new = m(vec![
        owner(),
        renamed
            .index("byOwner", &["ownerId"], false)
            .fk("toOwner", &["ownerId"], "Owner", &["id"]),
    ]);
    assert_eq!(changes(&old, &new), ["renameField Dog.ownerId"]);
}

#[test]
fn index_options_rebuild_the_index_and_a_comment_alone_does_not() {
    let old = m(vec![dog().index("byName", &["name"], false)]);
    for change in [
        |i: &mut depot_core::physical::PhysicalIndex| {
            i.sort = vec![KeySort {
                order: Some(SortOrder::Desc),
                nulls: None,
            }]
        },
        |i: &mut depot_core::physical::PhysicalIndex| i.where_sql = Some("\"name\" <> ''".into()),
        |i: &mut depot_core::physical::PhysicalIndex| i.include = vec!["id".into()],
        |i: &mut depot_core::physical::PhysicalIndex| i.method = Some(IndexMethod::Hash),
    ] {
        let mut new = old.clone();
        change(&mut new.objects.get_mut("Dog").unwrap().indexes[0]);
        assert_eq!(
            changes(&old, &new),
            ["dropIndex Dog.byName", "createIndex Dog.byName"]
        );
    }
    let mut new = old.clone();
    new.objects.get_mut("Dog").unwrap().indexes[0].comment = Some("n".into());
    assert_eq!(changes(&old, &new), ["setComment Dog.byName"]);
}

#[test]
fn a_select_star_view_is_recreated_when_a_column_is_added() {
    let mut star = view("AllDogs", "SELECT * FROM ns.dog", &[("Dog", &[])]);
    star.reads_every_column.insert("Dog".into());
    let old = model(vec![dog()], vec![star.clone()]);
    let mut bigger = dog();
    bigger.columns.push(col("tag", text()).nullable());
    assert_eq!(
        changes(&old, &model(vec![bigger], vec![star])),
        ["dropView AllDogs", "addField Dog.tag", "createView AllDogs"]
    );
}

#[test]
fn a_check_cannot_take_a_constraint_name_still_held() {
    let old = m(vec![dog().check("named", "\"name\" <> ''")]);
    // Another check with the kept check's physical name (two long names shortened alike):
    // refused. One dropped first frees its name (see checks_are_added_changed_and_dropped_by_name).
    let mut new = old.clone();
    new.objects
        .get_mut("Dog")
        .unwrap()
        .checks
        .push(depot_core::constraint::PhysicalCheck {
            logical: "other".into(),
            physical: "dog_named_check".into(),
            sql: "true".into(),
            comment: None,
        });
    let r = refusals(&old, &new);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].target, "Dog.other");
    assert!(r[0].message.contains("dog_named_check"), "{r:?}");
}

#[test]
fn a_dropped_table_drops_its_foreign_keys_before_any_table() {
    let old = m(vec![
        owner(),
        dog().fk("byOwner", &["ownerId"], "Owner", &["id"]),
    ]);
    assert_eq!(
        changes(&old, &m(vec![])),
        [
            "dropForeignKey Dog.byOwner",
            "dropObject Dog",
            "dropObject Owner"
        ]
    );
}

#[test]
fn a_check_over_a_renamed_column_is_added_again() {
    // The diff compares a check's physical SQL: it cannot tell a rename from a new expression,
    // so the check is dropped and added (validated) again around the rename.
    let old = m(vec![dog().check("named", "\"name\" <> ''")]);
    let mut renamed = dog();
    renamed.columns[1] = col("name", string(200)).physical("dog_name");
    let new = m(vec![renamed.check("named", "\"dog_name\" <> ''")]);
    assert_eq!(
        changes(&old, &new),
        [
            "renameField Dog.name",
            "dropCheck Dog.named",
            "addCheck Dog.named"
        ]
    );
}

/// A retyped column's comment is set again, as its default is: an engine that retypes by
/// copying the column (Snowflake) builds it without either.
#[test]
fn a_retyped_column_gets_its_comment_again() {
    let old = model(vec![dog()], vec![]);
    let mut old = old;
    old.objects.get_mut("Dog").unwrap().columns[1].comment = Some("called".into());
    let mut new = old.clone();
    new.objects.get_mut("Dog").unwrap().columns[1].field_type = string(300);
    assert_eq!(
        changes(&old, &new),
        ["alterFieldType Dog.name", "setComment Dog.name"]
    );
    // Retyped and its comment removed: removed (found by the generated pairs).
    new.objects.get_mut("Dog").unwrap().columns[1].comment = None;
    let got = diff(Some(&old), &new).unwrap();
    assert_eq!(
        summary(&got),
        ["alterFieldType Dog.name", "setComment Dog.name"]
    );
    assert!(matches!(&got[1], Change::SetComment { comment: None, .. }));
}
