//! Rendered SQL of every change kind, as snapshots, plus whole plans built from hand-made
//! physical models (no resolution involved).

use std::collections::{BTreeMap, BTreeSet};

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::change::Name;
use depot_core::column_default::ColumnDefault;
use depot_core::dialect::{Dialect, RenderContext, StepDraft};
use depot_core::physical::{
    PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalModel, PhysicalObject, PhysicalView,
};
use depot_core::preview::render_text;
use depot_core::{Change, FieldType, Hazard};
use depot_postgres::render::{fit_identifier, not_null_check_name};
use depot_postgres::PostgresDialect;
use serde_json::json;

fn ctx() -> RenderContext {
    RenderContext {
        namespace: "ws_dev_dog_src".into(),
    }
}

fn name(logical: &str, physical: &str) -> Name {
    Name {
        logical: logical.into(),
        physical: physical.into(),
    }
}

fn dog() -> Name {
    name("Dog", "dog")
}

fn column(logical: &str, physical: &str, field_type: FieldType, nullable: bool) -> PhysicalColumn {
    PhysicalColumn {
        logical: logical.into(),
        physical: physical.into(),
        previous_names: vec![],
        field_type,
        nullable,
        default: None,
        comment: None,
        computed: None,
        identity: None,
    }
}

fn dog_object() -> PhysicalObject {
    PhysicalObject {
        logical: "Dog".into(),
        physical: "dog".into(),
        previous_names: vec![],
        columns: vec![
            column("id", "id", FieldType::Uuid, false),
            column(
                "name",
                "name",
                FieldType::String {
                    max_length: Some(200),
                },
                false,
            ),
            column("birthDate", "birth_date", FieldType::Date, true),
            column(
                "weightKg",
                "weight_kg",
                FieldType::Decimal {
                    precision: 6,
                    scale: 2,
                },
                true,
            ),
            PhysicalColumn {
                default: Some(ColumnDefault::Literal(json!(false))),
                ..column("vaccinated", "vaccinated", FieldType::Boolean, false)
            },
            PhysicalColumn {
                default: Some(ColumnDefault::Literal(
                    json!({"tags": ["good boy"], "note": "it's"}),
                )),
                ..column("extra", "extra", FieldType::Json, false)
            },
        ],
        primary_key: Some(PhysicalKey {
            name: "dog_pkey".into(),
            columns: vec!["id".into()],
        }),
        indexes: vec![
            PhysicalIndex {
                logical: "byName".into(),
                physical: "dog_by_name_idx".into(),
                columns: vec!["name".into()],
                unique: false,
                ..Default::default()
            },
            PhysicalIndex {
                logical: "byNameAndBirth".into(),
                physical: "dog_by_name_and_birth_idx".into(),
                columns: vec!["name".into(), "birth_date".into()],
                unique: true,
                ..Default::default()
            },
        ],
        checks: Vec::new(),
        comment: None,
        foreign_keys: Vec::new(),
    }
}

fn names_view() -> PhysicalView {
    PhysicalView {
        logical: "VaccinatedDog".into(),
        physical: "vaccinated_dog".into(),
        previous_names: vec![],
        sql: "SELECT id, name, birth_date FROM ws_dev_dog_src.dog WHERE vaccinated".into(),
        reads: BTreeMap::from([(
            "Dog".to_string(),
            BTreeSet::from(["id".into(), "name".into(), "birthDate".into()]),
        )]),
        reads_dependencies: BTreeSet::new(),
        columns: BTreeMap::new(),
        comment: None,
        reads_every_column: Default::default(),
    }
}

/// The drafts of one change as a reviewer reads them.
fn show(drafts: &[StepDraft]) -> String {
    drafts
        .iter()
        .map(|d| {
            let hazards: Vec<&str> = d.hazards.iter().map(Hazard::as_str).collect();
            format!(
                "-- phase {} {} {} [{}]{}\n-- {}\n{};\n",
                d.phase,
                d.action,
                d.target,
                hazards.join(", "),
                if d.transactional {
                    ""
                } else {
                    " (outside a transaction)"
                },
                d.comment,
                d.sql
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(change: Change) -> String {
    match PostgresDialect.render(&change, &ctx()) {
        Ok(drafts) => show(&drafts),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn create_namespace() {
    insta::assert_snapshot!(render(Change::CreateNamespace {
        namespace: "ws_dev_dog_src".into()
    }));
}

#[test]
fn create_object_with_key_and_indexes_inline() {
    insta::assert_snapshot!(render(Change::CreateObject {
        object: dog_object()
    }));
}

#[test]
fn drop_object() {
    insta::assert_snapshot!(render(Change::DropObject { object: dog() }));
}

#[test]
fn rename_object() {
    insta::assert_snapshot!(render(Change::RenameObject {
        from: name("Hound", "hound"),
        to: dog(),
    }));
}

#[test]
fn add_nullable_column() {
    insta::assert_snapshot!(render(Change::AddColumn {
        object: dog(),
        column: column(
            "chipCode",
            "chip_code",
            FieldType::String {
                max_length: Some(20)
            },
            true
        ),
    }));
}

#[test]
fn add_not_null_column_with_default() {
    insta::assert_snapshot!(render(Change::AddColumn {
        object: dog(),
        column: PhysicalColumn {
            default: Some(ColumnDefault::Literal(json!("unknown"))),
            ..column(
                "breed",
                "breed",
                FieldType::String { max_length: None },
                false
            )
        },
    }));
}

#[test]
fn add_not_null_column_without_default() {
    insta::assert_snapshot!(render(Change::AddColumn {
        object: dog(),
        column: column("age", "age", FieldType::Integer, false),
    }));
}

#[test]
fn drop_column() {
    insta::assert_snapshot!(render(Change::DropColumn {
        object: dog(),
        column: name("chipCode", "chip_code"),
    }));
}

#[test]
fn rename_column() {
    insta::assert_snapshot!(render(Change::RenameColumn {
        object: dog(),
        from: name("owner", "owner"),
        to: name("ownerName", "owner_name"),
    }));
}

#[test]
fn alter_column_type_in_place() {
    let cases = [
        (
            FieldType::String {
                max_length: Some(50),
            },
            FieldType::String {
                max_length: Some(200),
            },
        ),
        (
            FieldType::String {
                max_length: Some(50),
            },
            FieldType::String { max_length: None },
        ),
        (
            FieldType::Decimal {
                precision: 6,
                scale: 2,
            },
            FieldType::Decimal {
                precision: 10,
                scale: 2,
            },
        ),
        // In place because Depot's sessions run in UTC (PostgreSQL 12+).
        (FieldType::Timestamp, FieldType::Timestamptz),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(from, to)| {
            render(Change::AlterColumnType {
                object: dog(),
                column: name("name", "name"),
                from,
                to,
            })
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn alter_column_type_with_rewrite() {
    let cases = [
        (FieldType::Integer, FieldType::Bigint),
        (
            FieldType::Decimal {
                precision: 6,
                scale: 2,
            },
            FieldType::Decimal {
                precision: 10,
                scale: 4,
            },
        ),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(from, to)| {
            render(Change::AlterColumnType {
                object: dog(),
                column: name("weight", "weight"),
                from,
                to,
            })
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn set_not_null() {
    insta::assert_snapshot!(render(Change::SetNotNull {
        object: dog(),
        column: name("birthDate", "birth_date"),
    }));
}

#[test]
fn drop_not_null() {
    insta::assert_snapshot!(render(Change::DropNotNull {
        object: dog(),
        column: name("name", "name"),
    }));
}

#[test]
fn set_default_for_each_type() {
    let cases = [
        (FieldType::String { max_length: None }, json!("it's")),
        (FieldType::Integer, json!(-1)),
        (FieldType::Bigint, json!(9_000_000_000i64)),
        (
            FieldType::Decimal {
                precision: 6,
                scale: 2,
            },
            json!("12.5"),
        ),
        (FieldType::Double, json!(0.5)),
        (FieldType::Boolean, json!(true)),
        (FieldType::Date, json!("2024-02-29")),
        (FieldType::Time, json!("08:30:00")),
        (FieldType::Timestamp, json!("2024-02-29T08:30:00")),
        (FieldType::Timestamptz, json!("2024-02-29T08:30:00Z")),
        (FieldType::Json, json!({"a": [1, 2]})),
        (
            FieldType::Uuid,
            json!("7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11"),
        ),
        (FieldType::Binary, json!("aGVsbG8=")),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(field_type, default)| {
            let c = field_type.name();
            render(Change::SetDefault {
                object: dog(),
                column: name(c, c),
                field_type,
                default: ColumnDefault::Literal(default),
            })
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn drop_default() {
    insta::assert_snapshot!(render(Change::DropDefault {
        object: dog(),
        column: name("vaccinated", "vaccinated"),
    }));
}

#[test]
fn add_primary_key() {
    insta::assert_snapshot!(render(Change::AddPrimaryKey {
        object: dog(),
        key: PhysicalKey {
            name: "dog_pkey".into(),
            columns: vec!["id".into(), "name".into()],
        },
    }));
}

#[test]
fn drop_primary_key() {
    insta::assert_snapshot!(render(Change::DropPrimaryKey {
        object: dog(),
        key: PhysicalKey {
            name: "dog_pkey".into(),
            columns: vec!["id".into()],
        },
    }));
}

#[test]
fn rename_primary_key() {
    insta::assert_snapshot!(render(Change::RenamePrimaryKey {
        object: dog(),
        from: "hound_pkey".into(),
        to: "dog_pkey".into(),
    }));
}

#[test]
fn create_index_on_an_existing_table() {
    let object = dog_object();
    let text: Vec<String> = object
        .indexes
        .iter()
        .map(|i| {
            render(Change::CreateIndex {
                object: dog(),
                index: i.clone(),
            })
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn drop_index() {
    insta::assert_snapshot!(render(Change::DropIndex {
        object: dog(),
        index: dog_object().indexes[0].clone(),
    }));
}

#[test]
fn rename_index() {
    insta::assert_snapshot!(render(Change::RenameIndex {
        object: dog(),
        from: "hound_by_name_idx".into(),
        to: "dog_by_name_idx".into(),
    }));
}

#[test]
fn create_view() {
    insta::assert_snapshot!(render(Change::CreateView { view: names_view() }));
}

#[test]
fn drop_view() {
    insta::assert_snapshot!(render(Change::DropView {
        view: name("VaccinatedDog", "vaccinated_dog"),
    }));
}

#[test]
fn reserved_words_and_mixed_case_are_quoted_everywhere() {
    let order = PhysicalObject {
        logical: "Order".into(),
        physical: "order".into(),
        previous_names: vec![],
        columns: vec![
            column("user", "user", FieldType::Uuid, false),
            column("Select", "Select", FieldType::Integer, true),
        ],
        primary_key: Some(PhysicalKey {
            name: "order_pkey".into(),
            columns: vec!["user".into()],
        }),
        indexes: vec![PhysicalIndex {
            logical: "group".into(),
            physical: "group".into(),
            columns: vec!["Select".into()],
            unique: false,
            ..Default::default()
        }],
        checks: Vec::new(),
        comment: None,
        foreign_keys: Vec::new(),
    };
    let ctx = RenderContext {
        namespace: "Table".into(),
    };
    let mut text = show(
        &PostgresDialect
            .render(&Change::CreateObject { object: order }, &ctx)
            .unwrap(),
    );
    text.push('\n');
    text.push_str(&show(
        &PostgresDialect
            .render(
                &Change::SetNotNull {
                    object: name("Order", "order"),
                    column: name("Select", "Select"),
                },
                &ctx,
            )
            .unwrap(),
    ));
    insta::assert_snapshot!(text);
}

#[test]
fn names_too_long_for_postgres_are_refused() {
    let long = "x".repeat(64);
    let err = PostgresDialect
        .render(
            &Change::DropObject {
                object: name("Dog", &long),
            },
            &ctx(),
        )
        .unwrap_err();
    assert_eq!(err.target, "Dog");
    assert!(err.message.contains("63 bytes"), "{}", err.message);
}

#[test]
fn a_default_of_the_wrong_type_is_refused() {
    let err = PostgresDialect
        .render(
            &Change::SetDefault {
                object: dog(),
                column: name("age", "age"),
                field_type: FieldType::Integer,
                default: ColumnDefault::Literal(json!("ten")),
            },
            &ctx(),
        )
        .unwrap_err();
    assert_eq!(err.target, "Dog.age");
    assert_eq!(
        err.message,
        "the default \"ten\" is not a value of type integer"
    );
}

#[test]
fn generated_constraint_names_fit_63_bytes_and_stay_distinct() {
    assert_eq!(
        not_null_check_name("dog", "birth_date"),
        "dog_birth_date_not_null"
    );
    let table = "t".repeat(40);
    let a = not_null_check_name(&table, &"a".repeat(30));
    let b = not_null_check_name(&table, &format!("{}b", "a".repeat(29)));
    assert_eq!(a.len(), 63);
    assert_eq!(b.len(), 63);
    assert_ne!(a, b);
    assert_eq!(
        a,
        not_null_check_name(&table, &"a".repeat(30)),
        "deterministic"
    );
    // Multi-byte characters are never cut in half.
    let wide = fit_identifier(&"é".repeat(40));
    assert!(wide.len() <= 63);
    assert!(wide.starts_with("éé"));
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

fn dog_model() -> PhysicalModel {
    PhysicalModel {
        namespace: "ws_dev_dog_src".into(),
        objects: BTreeMap::from([("Dog".to_string(), dog_object())]),
        views: BTreeMap::from([("VaccinatedDog".to_string(), names_view())]),
        comment: None,
    }
}

#[test]
fn first_deployment_plan() {
    let plan = plan_migration(&PostgresDialect, None, &dog_model(), header()).unwrap();
    insta::assert_snapshot!(render_text(&plan));
    insta::assert_json_snapshot!(plan);
}

#[test]
fn migration_plan_with_every_phase() {
    let old = dog_model();
    let mut new = dog_model();
    let dog = new.objects.get_mut("Dog").unwrap();
    // name: varchar(200) -> varchar(300) (the view reads it: recreated around the change).
    dog.columns[1].field_type = FieldType::String {
        max_length: Some(300),
    };
    // birthDate: now required.
    dog.columns[2].nullable = false;
    // weightKg: dropped; age: new, required, with a default.
    dog.columns.remove(3);
    dog.columns.push(PhysicalColumn {
        default: Some(ColumnDefault::Literal(json!(0))),
        ..column("age", "age", FieldType::Integer, false)
    });
    // A new index; byNameAndBirth gone.
    dog.indexes[1] = PhysicalIndex {
        logical: "byAge".into(),
        physical: "dog_by_age_idx".into(),
        columns: vec!["age".into()],
        unique: false,
        ..Default::default()
    };
    let mut header = header();
    header.from_version =
        Some("06aeef48489f428db3f91b3878cad61b828142f8f5b5557a2460ec9a3565e40a".into());
    let plan = plan_migration(&PostgresDialect, Some(&old), &new, header).unwrap();
    insta::assert_snapshot!(render_text(&plan));
}
