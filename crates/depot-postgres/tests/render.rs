//! Rendered SQL of every change kind, as snapshots, plus whole plans built from hand-made
//! physical models (no resolution involved).

use std::collections::{BTreeMap, BTreeSet};

use depot_core::assemble::{plan_migration, PlanHeader};
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
        materialized: false,
        indexes: Vec::new(),
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
        materialized: false,
    }));
}

/// A materialized view with a unique and a partial index, as the diff gives it.
fn counts_view() -> PhysicalView {
    PhysicalView {
        logical: "DogCounts".into(),
        physical: "dog_counts".into(),
        sql: "SELECT name, count(*) AS dogs FROM ws_dev_dog_src.dog GROUP BY name".into(),
        materialized: true,
        indexes: vec![
            PhysicalIndex {
                logical: "byName".into(),
                physical: "dog_counts_by_name_idx".into(),
                columns: vec!["name".into()],
                unique: true,
                ..Default::default()
            },
            PhysicalIndex {
                logical: "many".into(),
                physical: "dog_counts_many_idx".into(),
                columns: vec!["dogs".into()],
                where_sql: Some("\"dogs\" > 1".into()),
                ..Default::default()
            },
        ],
        ..names_view()
    }
}

#[test]
fn create_materialized_view_with_its_indexes() {
    insta::assert_snapshot!(render(Change::CreateView {
        view: counts_view()
    }));
}

#[test]
fn drop_materialized_view() {
    insta::assert_snapshot!(render(Change::DropView {
        view: name("DogCounts", "dog_counts"),
        materialized: true,
    }));
}

#[test]
fn refresh_materialized_view_concurrently_or_blocking_reads() {
    let concurrently = render(Change::RefreshMaterializedView {
        view: name("DogCounts", "dog_counts"),
        concurrently: true,
    });
    assert!(!concurrently.contains("BLOCKS_READS"), "{concurrently}");
    let blocking = render(Change::RefreshMaterializedView {
        view: name("DogCounts", "dog_counts"),
        concurrently: false,
    });
    assert!(blocking.contains("BLOCKS_READS"), "{blocking}");
    insta::assert_snapshot!(format!("{concurrently}\n{blocking}"));
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
        enums: Default::default(),
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

// SPEC §1b: the new change kinds and options.

fn positive_check() -> PhysicalCheck {
    PhysicalCheck {
        logical: "positiveWeight".into(),
        physical: "dog_positive_weight_check".into(),
        sql: "weight_kg > 0".into(),
        comment: None,
    }
}

fn owner_key() -> PhysicalForeignKey {
    PhysicalForeignKey {
        logical: "byOwner".into(),
        physical: "dog_by_owner_fkey".into(),
        columns: vec!["owner_id".into()],
        references_namespace: "ws_dev_owner_src".into(),
        references_logical: "Owners.Owner".into(),
        references_table: "owner".into(),
        references_columns: vec!["id".into()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
        deferrable: Some(Deferrable::InitiallyImmediate),
        comment: None,
    }
}

fn render_all(changes: Vec<Change>) -> String {
    changes
        .into_iter()
        .map(render)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn create_object_with_every_column_option_checks_and_index_options() {
    let mut object = dog_object();
    object.columns[0] = PhysicalColumn {
        identity: Some(AutoIncrement::Always),
        ..column("id", "id", FieldType::Bigint, false)
    };
    object.columns.extend([
        PhysicalColumn {
            identity: Some(AutoIncrement::ByDefault),
            ..column("number", "number", FieldType::Integer, false)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Expression(PortableExpression::RandomUuid)),
            ..column("ref", "ref", FieldType::Uuid, false)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Expression(PortableExpression::RandomUuid)),
            ..column(
                "refText",
                "ref_text",
                FieldType::String { max_length: None },
                false,
            )
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Expression(PortableExpression::Now)),
            ..column("seenAt", "seen_at", FieldType::Timestamptz, false)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Expression(PortableExpression::Now)),
            ..column("seenLocal", "seen_local", FieldType::Timestamp, false)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Expression(PortableExpression::CurrentDate)),
            ..column("seenOn", "seen_on", FieldType::Date, false)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Sql("'n/a'::text".into())),
            ..column("note", "note", FieldType::String { max_length: None }, true)
        },
        PhysicalColumn {
            default: Some(ColumnDefault::Literal(json!(["a", "it's"]))),
            ..column(
                "tags",
                "tags",
                FieldType::Array {
                    items: Box::new(FieldType::String { max_length: None }),
                },
                true,
            )
        },
        PhysicalColumn {
            computed: Some("(weight_kg * 1000)".into()),
            ..column(
                "weightG",
                "weight_g",
                FieldType::Decimal {
                    precision: 9,
                    scale: 2,
                },
                true,
            )
        },
    ]);
    object.checks = vec![positive_check()];
    object.indexes.push(PhysicalIndex {
        logical: "recent".into(),
        physical: "dog_recent_idx".into(),
        columns: vec!["seen_at".into(), "name".into()],
        unique: false,
        sort: vec![
            KeySort {
                order: Some(SortOrder::Desc),
                nulls: Some(NullsOrder::Last),
            },
            KeySort {
                order: Some(SortOrder::Asc),
                nulls: Some(NullsOrder::First),
            },
        ],
        where_sql: Some("vaccinated".into()),
        include: vec!["weight_kg".into()],
        method: Some(IndexMethod::Btree),
        comment: None,
        ..Default::default()
    });
    object.indexes.push(PhysicalIndex {
        logical: "byTag".into(),
        physical: "dog_by_tag_idx".into(),
        columns: vec!["tags".into()],
        method: Some(IndexMethod::Gin),
        ..Default::default()
    });
    insta::assert_snapshot!(render(Change::CreateObject { object }));
}

#[test]
fn add_columns_that_fill_existing_rows() {
    insta::assert_snapshot!(render_all(vec![
        Change::AddColumn {
            object: dog(),
            column: PhysicalColumn {
                identity: Some(AutoIncrement::ByDefault),
                ..column("number", "number", FieldType::Bigint, false)
            },
        },
        Change::AddColumn {
            object: dog(),
            column: PhysicalColumn {
                computed: Some("(weight_kg * 1000)".into()),
                ..column("weightG", "weight_g", FieldType::Double, true)
            },
        },
        Change::AddColumn {
            object: dog(),
            column: PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::RandomUuid)),
                ..column("ref", "ref", FieldType::Uuid, false)
            },
        },
        Change::AddColumn {
            object: dog(),
            column: PhysicalColumn {
                default: Some(ColumnDefault::Sql("random()".into())),
                ..column("luck", "luck", FieldType::Double, true)
            },
        },
        Change::AddColumn {
            object: dog(),
            column: PhysicalColumn {
                default: Some(ColumnDefault::Expression(PortableExpression::Now)),
                ..column("seenAt", "seen_at", FieldType::Timestamptz, false)
            },
        },
    ]));
}

#[test]
fn set_expression_and_sql_defaults() {
    insta::assert_snapshot!(render_all(vec![
        Change::SetDefault {
            object: dog(),
            column: name("seenOn", "seen_on"),
            field_type: FieldType::Date,
            default: ColumnDefault::Expression(PortableExpression::CurrentDate),
        },
        Change::SetDefault {
            object: dog(),
            column: name("note", "note"),
            field_type: FieldType::String { max_length: None },
            default: ColumnDefault::Sql("'n/a'::text".into()),
        },
    ]));
}

#[test]
fn identity_changes() {
    insta::assert_snapshot!(render_all(vec![
        Change::AddIdentity {
            object: dog(),
            column: name("number", "number"),
            identity: AutoIncrement::ByDefault,
        },
        Change::SetIdentity {
            object: dog(),
            column: name("number", "number"),
            identity: AutoIncrement::Always,
        },
        Change::DropIdentity {
            object: dog(),
            column: name("number", "number"),
        },
    ]));
}

#[test]
fn check_changes() {
    insta::assert_snapshot!(render_all(vec![
        Change::AddCheck {
            object: dog(),
            check: positive_check(),
            existing: true,
        },
        Change::AddCheck {
            object: dog(),
            check: positive_check(),
            existing: false,
        },
        Change::DropCheck {
            object: dog(),
            check: positive_check(),
        },
    ]));
}

#[test]
fn foreign_key_changes() {
    let plain = PhysicalForeignKey {
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::SetNull,
        deferrable: None,
        references_namespace: "ws_dev_dog_src".into(),
        ..owner_key()
    };
    insta::assert_snapshot!(render_all(vec![
        Change::AddForeignKey {
            object: dog(),
            key: owner_key(),
            existing: false,
        },
        Change::AddForeignKey {
            object: dog(),
            key: plain,
            existing: true,
        },
        Change::DropForeignKey {
            object: dog(),
            key: owner_key(),
        },
    ]));
}

#[test]
fn comment_changes() {
    let targets = [
        CommentTarget::Namespace {
            namespace: "ws_dev_dog_src".into(),
        },
        CommentTarget::Table { object: dog() },
        CommentTarget::View {
            view: name("VaccinatedDog", "vaccinated_dog"),
        },
        CommentTarget::Column {
            object: dog(),
            column: name("name", "name"),
        },
        CommentTarget::Index {
            object: dog(),
            index: name("byName", "dog_by_name_idx"),
        },
        CommentTarget::Constraint {
            object: dog(),
            constraint: name("positiveWeight", "dog_positive_weight_check"),
        },
    ];
    let mut changes: Vec<Change> = targets
        .iter()
        .map(|target| Change::SetComment {
            target: target.clone(),
            comment: Some("the dog's own".into()),
        })
        .collect();
    changes.push(Change::SetComment {
        target: CommentTarget::Table { object: dog() },
        comment: None,
    });
    insta::assert_snapshot!(render_all(changes));
}

#[test]
fn narrowing_type_change() {
    // From text the cast fails by itself; from anything else a value must read back unchanged.
    insta::assert_snapshot!(render_all(vec![
        Change::AlterColumnType {
            object: dog(),
            column: name("name", "name"),
            from: FieldType::String {
                max_length: Some(200)
            },
            to: FieldType::Integer,
        },
        Change::AlterColumnType {
            object: dog(),
            column: name("weightKg", "weight_kg"),
            from: FieldType::Decimal {
                precision: 6,
                scale: 2
            },
            to: FieldType::Integer,
        },
        Change::AlterColumnType {
            object: dog(),
            column: name("name", "name"),
            from: FieldType::String {
                max_length: Some(200)
            },
            to: FieldType::String {
                max_length: Some(20)
            },
        },
    ]));
}

#[test]
fn create_index_with_options_on_an_existing_table() {
    insta::assert_snapshot!(render(Change::CreateIndex {
        object: dog(),
        index: PhysicalIndex {
            logical: "heavy".into(),
            physical: "dog_heavy_idx".into(),
            columns: vec!["weight_kg".into()],
            unique: true,
            sort: vec![KeySort {
                order: Some(SortOrder::Desc),
                nulls: None,
            }],
            where_sql: Some("weight_kg > 30".into()),
            include: vec!["name".into(), "order".into()],
            method: Some(IndexMethod::Btree),
            comment: None,
            ..Default::default()
        },
    }));
}

/// How every new kind is undone, as plan documents carry it.
#[test]
fn undo_of_the_new_kinds() {
    use depot_core::undo::{Before, Undo};
    let mut old = dog_model();
    old.comment = Some("old dogs".into());
    let dog_old = old.objects.get_mut("Dog").unwrap();
    dog_old.checks = vec![positive_check()];
    dog_old.foreign_keys = vec![owner_key()];
    dog_old.columns.push(PhysicalColumn {
        identity: Some(AutoIncrement::Always),
        ..column("number", "number", FieldType::Bigint, false)
    });
    dog_old.columns[2].default = Some(ColumnDefault::Expression(PortableExpression::CurrentDate));
    dog_old.columns[1].comment = Some("what it's called".into());
    let new = dog_model();
    let before = Before {
        old: Some(&old),
        new: &new,
    };
    let changes = vec![
        Change::AddIdentity {
            object: dog(),
            column: name("number", "number"),
            identity: AutoIncrement::ByDefault,
        },
        Change::DropIdentity {
            object: dog(),
            column: name("number", "number"),
        },
        Change::SetIdentity {
            object: dog(),
            column: name("number", "number"),
            identity: AutoIncrement::ByDefault,
        },
        Change::AddCheck {
            object: dog(),
            check: positive_check(),
            existing: true,
        },
        Change::DropCheck {
            object: dog(),
            check: positive_check(),
        },
        Change::AddForeignKey {
            object: dog(),
            key: owner_key(),
            existing: true,
        },
        Change::DropForeignKey {
            object: dog(),
            key: owner_key(),
        },
        Change::SetComment {
            target: CommentTarget::Namespace {
                namespace: "ws_dev_dog_src".into(),
            },
            comment: None,
        },
        Change::SetComment {
            target: CommentTarget::Column {
                object: dog(),
                column: name("name", "name"),
            },
            comment: Some("new".into()),
        },
        Change::SetComment {
            target: CommentTarget::Table { object: dog() },
            comment: Some("new".into()),
        },
        Change::SetDefault {
            object: dog(),
            column: name("birthDate", "birth_date"),
            field_type: FieldType::Date,
            default: ColumnDefault::Literal(json!("2020-01-01")),
        },
        Change::AlterColumnType {
            object: dog(),
            column: name("birthDate", "birth_date"),
            from: FieldType::Date,
            to: FieldType::Integer,
        },
    ];
    let text: Vec<String> = changes
        .iter()
        .map(|change| {
            let undo = PostgresDialect.undo(change, &before, &ctx()).unwrap();
            let Undo::Statements(statements) = undo else {
                panic!("{} is irreversible", change.action());
            };
            format!(
                "-- undo {} {}\n{};\n",
                change.action(),
                change.target(),
                statements.join(";\n")
            )
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}
