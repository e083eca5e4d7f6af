//! The diff's rules, each on hand-made physical models.

mod common;

use common::*;
use depot_core::change::Change;
use depot_core::diff::{diff, DiffError, Refusal};
use depot_core::physical::PhysicalModel;
use depot_core::FieldType;
use serde_json::json;

fn changes(old: &PhysicalModel, new: &PhysicalModel) -> Vec<String> {
    match diff(Some(old), new) {
        Ok(c) => summary(&c),
        Err(e) => panic!("expected changes, got: {e}"),
    }
}

fn refusals(old: &PhysicalModel, new: &PhysicalModel) -> Vec<Refusal> {
    match diff(Some(old), new) {
        Ok(c) => panic!("expected a refusal, got changes: {:?}", summary(&c)),
        Err(DiffError(r)) => r,
    }
}

fn dog() -> depot_core::physical::PhysicalObject {
    object(
        "Dog",
        vec![col("id", FieldType::Uuid), col("name", string(200))],
    )
    .key(&["id"])
}

#[test]
fn from_nothing_creates_namespace_objects_then_views_in_dependency_order() {
    let new = model(
        vec![dog(), object("Cat", vec![col("id", FieldType::Uuid)])],
        vec![
            // AllNames reads ZNames: ZNames must come first although it sorts after.
            view(
                "AllNames",
                "SELECT * FROM z_names",
                &[("ZNames", &["name"])],
            ),
            view("ZNames", "SELECT name FROM dog", &[("Dog", &["name"])]),
            view("Other", "SELECT id FROM cat", &[("Cat", &["id"])]),
        ],
    );
    let c = diff(None, &new).unwrap();
    assert_eq!(
        summary(&c),
        [
            "createNamespace ns",
            "createObject Cat",
            "createObject Dog",
            "createView Other",
            "createView ZNames",
            "createView AllNames",
        ]
    );
    assert_eq!(c[2], Change::CreateObject { object: dog() });
}

#[test]
fn identical_models_need_no_change() {
    let m = model(
        vec![dog()],
        vec![view("V", "SELECT 1", &[("Dog", &["id"])])],
    );
    assert!(diff(Some(&m), &m).unwrap().is_empty());
}

#[test]
fn moving_the_namespace_is_refused() {
    let old = model(vec![dog()], vec![]);
    let mut new = old.clone();
    new.namespace = "elsewhere".to_string();
    let r = refusals(&old, &new);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target, "elsewhere");
    assert!(r[0]
        .message
        .contains("moving a dataset to another schema is not supported"));
}

#[test]
fn adds_and_drops_tables() {
    let cat = object("Cat", vec![col("id", FieldType::Uuid)]);
    let old = model(vec![dog()], vec![]);
    let new = model(vec![cat], vec![]);
    assert_eq!(changes(&old, &new), ["createObject Cat", "dropObject Dog"]);
}

#[test]
fn renames_a_table_named_in_previous_names_with_its_generated_names() {
    let hound = object(
        "Hound",
        vec![col("id", FieldType::Uuid), col("name", string(200))],
    )
    .key(&["id"])
    .index("byName", &["name"], false);
    let dog = dog().index("byName", &["name"], false).was("Hound");
    let c = diff(Some(&model(vec![hound], vec![])), &model(vec![dog], vec![])).unwrap();
    assert_eq!(
        summary(&c),
        [
            "renameObject Dog",
            "renamePrimaryKey Dog.primaryKey",
            "renameIndex Dog.dog_by_name_idx"
        ]
    );
    assert_eq!(
        c[1],
        Change::RenamePrimaryKey {
            object: depot_core::change::Name {
                logical: "Dog".into(),
                physical: "dog".into()
            },
            from: "hound_pkey".into(),
            to: "dog_pkey".into()
        }
    );
}

#[test]
fn a_new_physical_name_alone_renames_the_table() {
    let old = model(vec![dog()], vec![]);
    let new = model(
        vec![object(
            "Dog",
            vec![col("id", FieldType::Uuid), col("name", string(200))],
        )
        .physical("canine")
        .key(&["id"])],
        vec![],
    );
    assert_eq!(
        changes(&old, &new),
        ["renameObject Dog", "renamePrimaryKey Dog.primaryKey"]
    );
}

#[test]
fn a_previous_name_still_in_use_is_not_a_rename() {
    // Puppy lists Dog, but Dog is still there: Puppy is new.
    let puppy = object("Puppy", vec![col("id", FieldType::Uuid)]).was("Dog");
    let old = model(vec![dog()], vec![]);
    let new = model(vec![dog(), puppy], vec![]);
    assert_eq!(changes(&old, &new), ["createObject Puppy"]);
}

#[test]
fn ambiguous_previous_names_are_refused() {
    let old = model(
        vec![
            object("Hound", vec![col("id", FieldType::Uuid)]),
            object("Puppy", vec![col("id", FieldType::Uuid)]),
        ],
        vec![],
    );
    let new = model(
        vec![object("Dog", vec![col("id", FieldType::Uuid)])
            .was("Hound")
            .was("Puppy")],
        vec![],
    );
    let r = refusals(&old, &new);
    assert_eq!(r[0].target, "Dog");
    assert!(r[0].message.contains("Hound, Puppy"), "{}", r[0].message);

    // Two new objects claiming the same old one.
    let old = model(
        vec![object("Hound", vec![col("id", FieldType::Uuid)])],
        vec![],
    );
    let new = model(
        vec![
            object("Dog", vec![col("id", FieldType::Uuid)]).was("Hound"),
            object("Wolf", vec![col("id", FieldType::Uuid)]).was("Hound"),
        ],
        vec![],
    );
    let r = refusals(&old, &new);
    assert_eq!(r[0].target, "Hound");
    assert!(r[0].message.contains("Dog, Wolf"), "{}", r[0].message);
}

#[test]
fn adds_drops_and_renames_columns() {
    let old = model(
        vec![object(
            "Dog",
            vec![
                col("id", FieldType::Uuid),
                col("owner", text()).nullable(),
                col("chip", text()).nullable(),
                col("tag", text()).nullable(),
            ],
        )],
        vec![],
    );
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("id", FieldType::Uuid),
                col("ownerName", text()).nullable().was("owner"),
                // Same logical name, new physical name (sqlName).
                col("chip", text()).nullable().physical("chip_code"),
                col("birthDate", FieldType::Date).nullable(),
            ],
        )],
        vec![],
    );
    let c = diff(Some(&old), &new).unwrap();
    assert_eq!(
        summary(&c),
        [
            "renameField Dog.ownerName",
            "renameField Dog.chip",
            "addField Dog.birthDate",
            "dropField Dog.tag"
        ]
    );
    let Change::RenameColumn { from, to, .. } = &c[0] else {
        panic!("unexpected {:?}", c[0]);
    };
    assert_eq!(
        (from.physical.as_str(), to.physical.as_str()),
        ("owner", "owner_name")
    );
}

#[test]
fn widenings_and_narrowings_alter_the_type_in_place() {
    let old = model(
        vec![object(
            "Dog",
            vec![
                col("name", string(200)),
                col("age", FieldType::Integer),
                col("tag", string(10)),
            ],
        )],
        vec![],
    );
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("name", string(300)),
                col("age", FieldType::Bigint),
                col("tag", text()),
            ],
        )],
        vec![],
    );
    assert_eq!(
        changes(&old, &new),
        [
            "alterFieldType Dog.name",
            "alterFieldType Dog.age",
            "alterFieldType Dog.tag"
        ]
    );

    let narrow = model(
        vec![object(
            "Dog",
            vec![
                col("name", string(50)),
                col("age", FieldType::Integer),
                col("tag", string(10)),
            ],
        )],
        vec![],
    );
    // A narrowing is a cast in place: the engine marks it NARROWS_TYPE.
    let narrowed = diff(Some(&old), &narrow).unwrap();
    assert_eq!(summary(&narrowed), ["alterFieldType Dog.name"]);
    assert!(matches!(
        &narrowed[0],
        Change::AlterColumnType { from, to, .. } if *from == string(200) && *to == string(50)
    ));
}

#[test]
fn nullability_and_defaults() {
    let old = model(
        vec![object(
            "Dog",
            vec![
                col("a", text()).nullable(),
                col("b", text()),
                col("c", FieldType::Boolean).default(json!(false)),
                col("d", FieldType::Boolean),
                col("e", FieldType::Integer).default(json!(1)),
            ],
        )],
        vec![],
    );
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("a", text()),
                col("b", text()).nullable(),
                col("c", FieldType::Boolean),
                col("d", FieldType::Boolean).default(json!(true)),
                col("e", FieldType::Integer).default(json!(2)),
            ],
        )],
        vec![],
    );
    let c = diff(Some(&old), &new).unwrap();
    assert_eq!(
        summary(&c),
        [
            "dropNotNull Dog.b",
            "dropDefault Dog.c",
            "setDefault Dog.d",
            "setDefault Dog.e",
            "setNotNull Dog.a",
        ]
    );
    assert!(c.contains(&Change::SetDefault {
        object: depot_core::change::Name {
            logical: "Dog".into(),
            physical: "dog".into()
        },
        column: depot_core::change::Name {
            logical: "e".into(),
            physical: "e".into()
        },
        field_type: FieldType::Integer,
        default: depot_core::column_default::ColumnDefault::Literal(json!(2)),
    }));
}

#[test]
fn a_changed_primary_key_is_dropped_and_added() {
    let old = model(
        vec![object(
            "Dog",
            vec![col("id", FieldType::Uuid), col("code", string(10))],
        )
        .key(&["id"])],
        vec![],
    );
    let new = model(
        vec![object(
            "Dog",
            vec![col("id", FieldType::Uuid), col("code", string(10))],
        )
        .key(&["code"])],
        vec![],
    );
    assert_eq!(
        changes(&old, &new),
        [
            "dropPrimaryKey Dog.primaryKey",
            "addPrimaryKey Dog.primaryKey"
        ]
    );

    // Added and removed keys.
    let bare = model(
        vec![object(
            "Dog",
            vec![col("id", FieldType::Uuid), col("code", string(10))],
        )],
        vec![],
    );
    assert_eq!(changes(&bare, &old), ["addPrimaryKey Dog.primaryKey"]);
    assert_eq!(changes(&old, &bare), ["dropPrimaryKey Dog.primaryKey"]);
}

#[test]
fn a_key_or_index_over_a_renamed_column_stays() {
    let old = model(
        vec![object(
            "Dog",
            vec![col("id", FieldType::Uuid), col("owner", text())],
        )
        .key(&["id"])
        .index("byOwner", &["owner"], false)],
        vec![],
    );
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("dogId", FieldType::Uuid).was("id"),
                col("ownerName", text()).was("owner"),
            ],
        )
        .key(&["dogId"])
        .index("byOwner", &["ownerName"], false)],
        vec![],
    );
    assert_eq!(
        changes(&old, &new),
        ["renameField Dog.dogId", "renameField Dog.ownerName"]
    );
}

#[test]
fn indexes_by_logical_name() {
    let fields = || {
        vec![
            col("id", FieldType::Uuid),
            col("name", text()),
            col("age", FieldType::Integer),
        ]
    };
    let old = model(
        vec![object("Dog", fields())
            .index("byName", &["name"], false)
            .index("byAge", &["age"], false)
            .index("byId", &["id"], false)
            .index("gone", &["id", "name"], false)],
        vec![],
    );
    let new = model(
        vec![object("Dog", fields())
            // Other columns: rebuilt.
            .index("byName", &["name", "age"], false)
            // Unique now: rebuilt.
            .index("byAge", &["age"], true)
            .index("fresh", &["age", "name"], false)],
        vec![],
    );
    let mut renamed = new.clone();
    renamed
        .objects
        .get_mut("Dog")
        .unwrap()
        .indexes
        .push(depot_core::physical::PhysicalIndex {
            logical: "byId".into(),
            physical: "dog_id_index".into(),
            columns: vec!["id".into()],
            unique: false,
            ..Default::default()
        });
    assert_eq!(
        changes(&old, &renamed),
        [
            "renameIndex Dog.dog_id_index",
            "dropIndex Dog.byAge",
            "dropIndex Dog.byName",
            "dropIndex Dog.gone",
            "createIndex Dog.byAge",
            "createIndex Dog.byName",
            "createIndex Dog.fresh",
        ]
    );
    assert_eq!(changes(&old, &new).len(), 7, "byId dropped as well");
}

#[test]
fn a_table_name_freed_by_a_drop_cannot_be_reused_in_the_same_migration() {
    // Hound (table `dog`) goes away and a new Dog takes the name `dog`.
    let old = model(
        vec![object("Hound", vec![col("id", FieldType::Uuid)]).physical("dog")],
        vec![],
    );
    let new = model(
        vec![object("Dog", vec![col("id", FieldType::Uuid)])],
        vec![],
    );
    let r = refusals(&old, &new);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target, "Dog");
    assert!(
        r[0].message.contains("the table of Hound")
            && r[0].message.contains("deploy the drop first"),
        "{}",
        r[0].message
    );

    // The same through a rename: Cat is renamed away from `cat` while Dog is renamed to it.
    let old = model(
        vec![
            object("Cat", vec![col("id", FieldType::Uuid)]),
            object("Dog", vec![col("id", FieldType::Uuid)]),
        ],
        vec![],
    );
    let new = model(
        vec![
            object("Cat", vec![col("id", FieldType::Uuid)]).physical("feline"),
            object("Dog", vec![col("id", FieldType::Uuid)]).physical("cat"),
        ],
        vec![],
    );
    let r = refusals(&old, &new);
    assert_eq!(r[0].target, "Dog");
    assert!(
        r[0].message.contains("deploy the rename first"),
        "{}",
        r[0].message
    );
}

#[test]
fn a_view_cannot_take_the_name_of_a_table_the_same_migration_drops() {
    // Tables are dropped last (the contract phase cannot be undone), after views are created:
    // a view named like a dropped table would be created while the table still exists.
    let old = model(
        vec![
            object("Dog", vec![col("id", FieldType::Uuid)]),
            object("Cat", vec![col("id", FieldType::Uuid)]),
        ],
        vec![],
    );
    let new = model(
        vec![object("Cat", vec![col("id", FieldType::Uuid)])],
        vec![view("Dog", "SELECT id FROM cat", &[("Cat", &["id"])])],
    );
    let r = refusals(&old, &new);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].target, "Dog");
    assert!(
        r[0].message.contains("deploy the drop first"),
        "{}",
        r[0].message
    );
}

#[test]
fn a_column_name_freed_by_a_drop_cannot_be_reused_but_one_freed_by_a_rename_can() {
    let old = model(
        vec![object(
            "Dog",
            vec![col("id", FieldType::Uuid), col("name", text())],
        )],
        vec![],
    );
    // `name` dropped (contract, at the end) while a new field takes `name`.
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("id", FieldType::Uuid),
                col("label", text()).physical("name").nullable(),
            ],
        )],
        vec![],
    );
    let r = refusals(&old, &new);
    assert_eq!(r[0].target, "Dog.label");
    assert!(
        r[0].message.contains("deploy the drop first"),
        "{}",
        r[0].message
    );

    // `name` renamed to `full_name` (early) and a new `name` added (later): fine.
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("id", FieldType::Uuid),
                col("fullName", text()).was("name"),
                col("name", text()).nullable(),
            ],
        )],
        vec![],
    );
    // `name` is matched by logical name first; the rename needs a name not kept.
    assert_eq!(
        changes(&old, &new),
        ["dropNotNull Dog.name", "addField Dog.fullName"]
    );
    let new = model(
        vec![object(
            "Dog",
            vec![
                col("id", FieldType::Uuid),
                col("fullName", text()).was("name"),
                col("nickname", text()).nullable().physical("name"),
            ],
        )],
        vec![],
    );
    assert_eq!(
        changes(&old, &new),
        ["renameField Dog.fullName", "addField Dog.nickname"]
    );
}

#[test]
fn an_index_name_freed_by_a_drop_cannot_be_taken_by_a_new_table() {
    let old = model(
        vec![object("Hound", vec![col("name", text())]).index("byName", &["name"], false)],
        vec![],
    );
    // New table Dog (created first) with an index named like Hound's (dropped last).
    let mut dog = object("Dog", vec![col("name", text())]).index("byName", &["name"], false);
    dog.indexes[0].physical = "hound_by_name_idx".into();
    let r = refusals(&old, &model(vec![dog], vec![]));
    assert_eq!(r[0].target, "Dog");
    assert!(
        r[0].message.contains("the index Hound.byName"),
        "{}",
        r[0].message
    );

    // An index rebuilt under its own name is fine: dropped (relax) before built.
    let new = model(
        vec![object("Hound", vec![col("name", text())]).index("byName", &["name"], true)],
        vec![],
    );
    assert_eq!(
        changes(&old, &new),
        ["dropIndex Hound.byName", "createIndex Hound.byName"]
    );
}

#[test]
fn views_are_recreated_when_their_sql_or_name_changes() {
    let v = view("Names", "SELECT name FROM dog", &[("Dog", &["name"])]);
    let old = model(vec![dog()], vec![v.clone()]);
    let mut changed = v.clone();
    changed.sql = "SELECT name FROM dog WHERE true".into();
    assert_eq!(
        changes(&old, &model(vec![dog()], vec![changed])),
        ["dropView Names", "createView Names"]
    );
    let mut renamed = v.clone();
    renamed.physical = "dog_names".into();
    assert_eq!(
        changes(&old, &model(vec![dog()], vec![renamed])),
        ["dropView Names", "createView Names"]
    );
    // Renamed logically through previousNames.
    let mut moved = v.clone();
    moved.logical = "DogNames".into();
    moved.physical = "dog_names".into();
    moved.previous_names = vec!["Names".into()];
    assert_eq!(
        changes(&old, &model(vec![dog()], vec![moved])),
        ["dropView Names", "createView DogNames"]
    );
}

#[test]
fn views_reading_a_changed_field_or_object_are_recreated_around_the_change() {
    let names = view("Names", "SELECT name FROM dog", &[("Dog", &["name"])]);
    let ids = view("Ids", "SELECT id FROM dog", &[("Dog", &["id"])]);
    let old = model(vec![dog()], vec![names.clone(), ids.clone()]);

    // Retyped: only the view reading `name` is recreated (`Ids` names only `id`).
    let wider = object(
        "Dog",
        vec![col("id", FieldType::Uuid), col("name", string(300))],
    )
    .key(&["id"]);
    assert_eq!(
        changes(&old, &model(vec![wider], vec![names.clone(), ids.clone()])),
        [
            "dropView Names",
            "alterFieldType Dog.name",
            "createView Names"
        ]
    );

    // Renamed column (physical): same.
    let renamed = object(
        "Dog",
        vec![
            col("id", FieldType::Uuid),
            col("name", string(200)).physical("dog_name"),
        ],
    )
    .key(&["id"]);
    assert_eq!(
        changes(
            &old,
            &model(vec![renamed], vec![names.clone(), ids.clone()])
        ),
        ["dropView Names", "renameField Dog.name", "createView Names"]
    );

    // Dropped column.
    let dropped = object("Dog", vec![col("id", FieldType::Uuid)]).key(&["id"]);
    assert_eq!(
        changes(&old, &model(vec![dropped], vec![ids.clone()])),
        ["dropView Names", "dropField Dog.name"]
    );

    // Renamed table: both views.
    let moved = object(
        "Dog",
        vec![col("id", FieldType::Uuid), col("name", string(200))],
    )
    .physical("canine")
    .key(&["id"]);
    assert_eq!(
        changes(&old, &model(vec![moved], vec![names.clone(), ids.clone()])),
        [
            "dropView Ids",
            "dropView Names",
            "renameObject Dog",
            "renamePrimaryKey Dog.primaryKey",
            "createView Ids",
            "createView Names"
        ]
    );

    // Nullability changes leave views alone.
    let nullable = object(
        "Dog",
        vec![
            col("id", FieldType::Uuid),
            col("name", string(200)).nullable(),
        ],
    )
    .key(&["id"]);
    assert_eq!(
        changes(&old, &model(vec![nullable], vec![names, ids])),
        ["dropNotNull Dog.name"]
    );
}

#[test]
fn views_over_views_are_dropped_dependents_first_and_created_in_dependency_order() {
    // Base reads Dog.name; Mid reads Base; Top reads Mid; Aside reads Dog.id only.
    let base = view("Base", "SELECT name FROM dog", &[("Dog", &["name"])]);
    let mid = view("Mid", "SELECT name FROM base", &[("Base", &["name"])]);
    let top = view("ATop", "SELECT name FROM mid", &[("Mid", &["name"])]);
    let aside = view("Aside", "SELECT id FROM dog", &[("Dog", &["id"])]);
    let old = model(
        vec![dog()],
        vec![base.clone(), mid.clone(), top.clone(), aside.clone()],
    );
    let wider = object(
        "Dog",
        vec![col("id", FieldType::Uuid), col("name", string(300))],
    )
    .key(&["id"]);
    assert_eq!(
        changes(&old, &model(vec![wider], vec![base, mid, top, aside])),
        [
            "dropView ATop",
            "dropView Mid",
            "dropView Base",
            "alterFieldType Dog.name",
            "createView Base",
            "createView Mid",
            "createView ATop",
        ]
    );
}

#[test]
fn views_added_and_removed() {
    let a = view("A", "SELECT id FROM dog", &[("Dog", &["id"])]);
    let b = view("B", "SELECT id FROM a", &[("A", &["id"])]);
    let old = model(vec![dog()], vec![a.clone(), b.clone()]);
    let c = view("C", "SELECT name FROM dog", &[("Dog", &["name"])]);
    // Removing A takes B down with it (B reads A); B comes back, C is new.
    assert_eq!(
        changes(&old, &model(vec![dog()], vec![b.clone(), c])),
        ["dropView B", "dropView A", "createView B", "createView C"]
    );
    assert_eq!(
        changes(&old, &model(vec![dog()], vec![])),
        ["dropView B", "dropView A"]
    );
}

#[test]
fn view_cycles_are_refused() {
    let a = view("A", "SELECT 1 FROM b", &[("B", &[])]);
    let b = view("B", "SELECT 1 FROM a", &[("A", &[])]);
    match diff(None, &model(vec![], vec![a, b])) {
        Err(DiffError(r)) => assert_eq!(r[0].target, "A, B"),
        Ok(c) => panic!("expected a refusal, got {:?}", summary(&c)),
    }
}

#[test]
fn every_refusal_is_reported_at_once() {
    let old = model(
        vec![object(
            "Dog",
            vec![col("name", string(200)), col("age", FieldType::Bigint)],
        )],
        vec![],
    );
    let mut new = model(
        vec![object(
            "Dog",
            vec![
                col("name", string(50)).computed("lower(x)"),
                col("age", FieldType::Integer).computed("1"),
            ],
        )],
        vec![],
    );
    new.namespace = "other".into();
    let r = refusals(&old, &new);
    let targets: Vec<&str> = r.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["other", "Dog.name", "Dog.age"]);
}

#[test]
fn changes_come_out_in_the_documented_order() {
    let old = model(
        vec![
            object(
                "Dog",
                vec![
                    col("id", FieldType::Uuid),
                    col("code", string(10)),
                    col("owner", text()),
                    col("a", text()).nullable(),
                    col("b", text()),
                    col("c", text()).default(json!("x")),
                    col("age", FieldType::Integer),
                    col("old", text()).nullable(),
                ],
            )
            .key(&["id"])
            .index("byCode", &["code"], false)
            .index("gone", &["code"], false),
            object("Hound", vec![col("id", FieldType::Uuid)]).index("byId", &["id"], false),
            object("Gone", vec![col("id", FieldType::Uuid)]),
        ],
        vec![view("V", "SELECT age FROM dog", &[("Dog", &["age"])])],
    );
    let new = model(
        vec![
            object(
                "Dog",
                vec![
                    col("id", FieldType::Uuid),
                    col("code", string(10)),
                    col("ownerName", text()).was("owner"),
                    col("a", text()),
                    col("b", text()).nullable(),
                    col("c", text()),
                    col("age", FieldType::Bigint).default(json!(0)),
                    col("fresh", text()).nullable(),
                ],
            )
            .key(&["code"])
            .index("byCode", &["code", "id"], false)
            .index("new", &["id"], false),
            object("Wolf", vec![col("id", FieldType::Uuid)])
                .was("Hound")
                .index("byId", &["id"], false),
            object("Cat", vec![col("id", FieldType::Uuid)]),
        ],
        vec![view("V", "SELECT age FROM dog", &[("Dog", &["age"])])],
    );
    assert_eq!(
        changes(&old, &new),
        [
            "dropView V",
            "createObject Cat",
            "renameObject Wolf",
            "renameField Dog.ownerName",
            "renameIndex Wolf.wolf_by_id_idx",
            "dropPrimaryKey Dog.primaryKey",
            "dropNotNull Dog.b",
            "dropDefault Dog.c",
            "dropIndex Dog.byCode",
            "dropIndex Dog.gone",
            "addField Dog.fresh",
            "alterFieldType Dog.age",
            "setDefault Dog.age",
            "createIndex Dog.byCode",
            "createIndex Dog.new",
            "setNotNull Dog.a",
            "addPrimaryKey Dog.primaryKey",
            "createView V",
            "dropField Dog.old",
            "dropObject Gone",
        ]
    );
}

/// A view that reads a table through `*` follows every column change of it, an added column
/// included (a fresh deploy's view would have it); a view naming its columns stays.
#[test]
fn star_views_are_recreated_when_their_table_gains_a_column() {
    let mut star = view(
        "Everything",
        "SELECT * FROM dog",
        &[("Dog", &["id", "name"])],
    );
    star.reads_every_column.insert("Dog".into());
    let ids = view("Ids", "SELECT id FROM dog", &[("Dog", &["id"])]);
    let old = model(vec![dog()], vec![star.clone(), ids.clone()]);
    let mut grown = dog();
    grown.columns.push(col("chip", string(20)).nullable());
    assert_eq!(
        changes(&old, &model(vec![grown], vec![star, ids])),
        [
            "dropView Everything",
            "addField Dog.chip",
            "createView Everything"
        ]
    );
}

#[test]
fn index_expressions_nulls_distinct_and_deferrable_rebuild_and_a_foreign_keys_deferrable_alters() {
    use depot_core::constraint::Deferrable;
    let old = model(
        vec![
            dog().index("byName", &["name"], true),
            object(
                "Toy",
                vec![col("id", FieldType::Uuid), col("dogId", FieldType::Uuid)],
            )
            .key(&["id"])
            .fk("byDog", &["dogId"], "Dog", &["id"]),
        ],
        vec![],
    );
    assert_eq!(changes(&old, &old), Vec::<String>::new());
    let with = |edit: &dyn Fn(&mut PhysicalModel)| {
        let mut m = old.clone();
        edit(&mut m);
        m
    };
    // Each option of the unique index rebuilds it (and so the keys that reference its table).
    let rebuilt = [
        "dropForeignKey Toy.byDog",
        "dropIndex Dog.byName",
        "createIndex Dog.byName",
        "addForeignKey Toy.byDog",
    ];
    fn expression(m: &mut PhysicalModel) {
        let ix = &mut m.objects.get_mut("Dog").unwrap().indexes[0];
        ix.columns = vec![String::new()];
        ix.expressions = vec![Some("lower(\"name\")".into())];
    }
    fn nulls_not_distinct(m: &mut PhysicalModel) {
        m.objects.get_mut("Dog").unwrap().indexes[0].nulls_distinct = Some(false);
    }
    fn deferrable(m: &mut PhysicalModel) {
        m.objects.get_mut("Dog").unwrap().indexes[0].deferrable =
            Some(depot_core::constraint::Deferrable::InitiallyDeferred);
    }
    let edits: [fn(&mut PhysicalModel); 3] = [expression, nulls_not_distinct, deferrable];
    for edit in edits {
        assert_eq!(changes(&old, &with(&edit)), rebuilt);
        assert_eq!(changes(&with(&edit), &old), rebuilt);
    }
    // A changed expression rebuilds too.
    let lower = with(&|m| {
        let ix = &mut m.objects.get_mut("Dog").unwrap().indexes[0];
        ix.columns = vec![String::new()];
        ix.expressions = vec![Some("lower(\"name\")".into())];
    });
    let upper = with(&|m| {
        let ix = &mut m.objects.get_mut("Dog").unwrap().indexes[0];
        ix.columns = vec![String::new()];
        ix.expressions = vec![Some("upper(\"name\")".into())];
    });
    assert_eq!(changes(&lower, &upper), rebuilt);
    // A foreign key's deferrability alone is altered in place, both ways.
    let deferred = with(&|m| {
        m.objects.get_mut("Toy").unwrap().foreign_keys[0].deferrable =
            Some(Deferrable::InitiallyDeferred)
    });
    assert_eq!(changes(&old, &deferred), ["alterForeignKey Toy.byDog"]);
    assert_eq!(changes(&deferred, &old), ["alterForeignKey Toy.byDog"]);
    let Ok(alter) = diff(Some(&deferred), &old) else {
        panic!()
    };
    assert!(matches!(
        &alter[..],
        [Change::AlterForeignKey { from: Some(Deferrable::InitiallyDeferred), key, .. }]
            if key.deferrable.is_none()
    ));
}
