//! Snapshots of the Snowflake SQL of every kind of change SPEC §1b added (defaults that are
//! expressions or engine SQL, AUTOINCREMENT, arrays, foreign keys, checks, index options,
//! comments, narrowing), each with its undo, and the refusals with their messages. These also
//! cover what fakesnow cannot run (tests/emulator/features.rs runs the rest): the column copy's
//! EXECUTE IMMEDIATE block, foreign keys, UNSET COMMENT.

use depot_core::change::Name;
use depot_core::column_default::{ColumnDefault, PortableExpression};
use depot_core::comment::CommentTarget;
use depot_core::constraint::{Deferrable, PhysicalCheck, PhysicalForeignKey, ReferentialAction};
use depot_core::dialect::{Dialect, RenderContext};
use depot_core::identity::AutoIncrement;
use depot_core::index_options::{IndexMethod, KeySort, NullsOrder, SortOrder};
use depot_core::physical::{
    PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalModel, PhysicalObject,
};
use depot_core::undo::{Before, Undo};
use depot_core::{Change, FieldType};
use depot_snowflake::one_statement::one_statement;
use depot_snowflake::SnowflakeDialect;
use serde_json::json;

fn name(logical: &str, physical: &str) -> Name {
    Name {
        logical: logical.to_string(),
        physical: physical.to_string(),
    }
}

fn order() -> Name {
    name("Order", "ORDER")
}

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

fn tags() -> FieldType {
    FieldType::Array {
        items: Box::new(FieldType::String { max_length: None }),
    }
}

fn foreign_key() -> PhysicalForeignKey {
    PhysicalForeignKey {
        logical: "byCustomer".to_string(),
        physical: "ORDER_BY_CUSTOMER_FKEY".to_string(),
        columns: vec!["CUSTOMER_ID".to_string()],
        references_namespace: "shop".to_string(),
        references_logical: "Customer".to_string(),
        references_table: "CUSTOMER".to_string(),
        references_columns: vec!["ID".to_string()],
        on_delete: ReferentialAction::Restrict,
        on_update: ReferentialAction::NoAction,
        deferrable: None,
        comment: None,
    }
}

fn check() -> PhysicalCheck {
    PhysicalCheck {
        logical: "positiveTotal".to_string(),
        physical: "ORDER_POSITIVE_TOTAL_CHECK".to_string(),
        sql: "TOTAL_CENTS >= 0".to_string(),
        comment: None,
    }
}

/// The table of SPEC §1b's example, as Snowflake holds it.
fn order_table() -> PhysicalObject {
    let mut id = column("id", "ID", FieldType::Bigint);
    id.identity = Some(AutoIncrement::ByDefault);
    let mut reference = column("ref", "REF", FieldType::Uuid);
    reference.default = Some(ColumnDefault::Expression(PortableExpression::RandomUuid));
    let mut placed = column("placedAt", "PLACED_AT", FieldType::Timestamptz);
    placed.default = Some(ColumnDefault::Expression(PortableExpression::Now));
    let mut day = column("day", "DAY", FieldType::Date);
    day.default = Some(ColumnDefault::Expression(PortableExpression::CurrentDate));
    let mut labels = column("tags", "TAGS", tags());
    labels.nullable = true;
    labels.default = Some(ColumnDefault::Literal(json!(["new", "it's"])));
    let mut note = column("note", "NOTE", FieldType::String { max_length: None });
    note.nullable = true;
    note.default = Some(ColumnDefault::Sql("'n/a'".to_string()));
    PhysicalObject {
        logical: "Order".to_string(),
        physical: "ORDER".to_string(),
        previous_names: Vec::new(),
        columns: vec![
            id,
            reference,
            placed,
            day,
            labels,
            note,
            column("customerId", "CUSTOMER_ID", FieldType::Bigint),
        ],
        primary_key: Some(PhysicalKey {
            name: "ORDER_PKEY".to_string(),
            columns: vec!["ID".to_string()],
        }),
        indexes: vec![PhysicalIndex {
            logical: "openOrders".to_string(),
            physical: "ORDER_OPEN_ORDERS_IDX".to_string(),
            columns: vec!["PLACED_AT".to_string()],
            unique: false,
            sort: vec![KeySort {
                order: Some(SortOrder::Desc),
                nulls: Some(NullsOrder::Last),
            }],
            where_sql: Some("NOTE <> 'shipped'".to_string()),
            include: vec!["CUSTOMER_ID".to_string()],
            method: Some(IndexMethod::Btree),
            comment: Some("open orders first".to_string()),
            ..PhysicalIndex::default()
        }],
        foreign_keys: vec![foreign_key()],
        checks: vec![check()],
        comment: Some("An order".to_string()),
    }
}

fn model(comment: Option<&str>, table: PhysicalObject) -> PhysicalModel {
    PhysicalModel {
        enums: Default::default(),
        namespace: "shop".to_string(),
        comment: comment.map(str::to_string),
        objects: [(table.logical.clone(), table)].into(),
        views: Default::default(),
    }
}

/// Every new kind of change, with a name for its snapshot section.
fn changes() -> Vec<(&'static str, Change)> {
    let table = order_table();
    let mut new_id = column("number", "NUMBER", FieldType::Bigint);
    new_id.identity = Some(AutoIncrement::ByDefault);
    let mut new_tags = column("labels", "LABELS", tags());
    new_tags.nullable = true;
    new_tags.default = Some(ColumnDefault::Literal(json!(["a", null])));
    let mut stamped = column("seenAt", "SEEN_AT", FieldType::Timestamp);
    stamped.default = Some(ColumnDefault::Expression(PortableExpression::Now));
    let mut full_key = foreign_key();
    full_key.on_update = ReferentialAction::Cascade;
    full_key.on_delete = ReferentialAction::SetNull;
    full_key.deferrable = Some(Deferrable::InitiallyImmediate);
    let mut unique = table.indexes[0].clone();
    unique.unique = true;
    unique.physical = "ORDER_OPEN_ORDERS_KEY".to_string();
    vec![
        (
            "create table with expression defaults, autoincrement, arrays and a noted index",
            Change::CreateObject {
                object: table.clone(),
            },
        ),
        (
            "add an autoincrement column",
            Change::AddColumn {
                object: order(),
                column: new_id,
            },
        ),
        (
            "add an array column with an array default",
            Change::AddColumn {
                object: order(),
                column: new_tags,
            },
        ),
        (
            "add a NOT NULL column defaulting to now",
            Change::AddColumn {
                object: order(),
                column: stamped,
            },
        ),
        (
            "set an expression default on an existing column (column copy)",
            Change::SetDefault {
                object: order(),
                column: name("placedAt", "PLACED_AT"),
                field_type: FieldType::Timestamptz,
                default: ColumnDefault::Expression(PortableExpression::Now),
            },
        ),
        (
            "set an engine SQL default",
            Change::SetDefault {
                object: order(),
                column: name("note", "NOTE"),
                field_type: FieldType::String { max_length: None },
                default: ColumnDefault::Sql("'n/a'".to_string()),
            },
        ),
        (
            "narrow string to integer (column copy, NARROWS_TYPE)",
            Change::AlterColumnType {
                object: order(),
                column: name("note", "NOTE"),
                from: FieldType::String {
                    max_length: Some(20),
                },
                to: FieldType::Integer,
            },
        ),
        (
            "narrow a VARCHAR",
            Change::AlterColumnType {
                object: order(),
                column: name("note", "NOTE"),
                from: FieldType::String {
                    max_length: Some(200),
                },
                to: FieldType::String {
                    max_length: Some(20),
                },
            },
        ),
        (
            "drop an autoincrement",
            Change::DropIdentity {
                object: order(),
                column: name("id", "ID"),
            },
        ),
        (
            "add a check (recorded)",
            Change::AddCheck {
                object: order(),
                check: check(),
                existing: true,
            },
        ),
        (
            "drop a check (recorded)",
            Change::DropCheck {
                object: order(),
                check: check(),
            },
        ),
        (
            "add a foreign key",
            Change::AddForeignKey {
                object: order(),
                key: foreign_key(),
                existing: true,
            },
        ),
        (
            "add a foreign key with every option",
            Change::AddForeignKey {
                object: order(),
                key: full_key,
                existing: false,
            },
        ),
        (
            "drop a foreign key",
            Change::DropForeignKey {
                object: order(),
                key: foreign_key(),
            },
        ),
        (
            "create a unique index with options",
            Change::CreateIndex {
                object: order(),
                index: unique,
            },
        ),
        (
            "comment on the schema",
            Change::SetComment {
                target: CommentTarget::Namespace {
                    namespace: "shop".to_string(),
                },
                comment: Some("Orders, it's said".to_string()),
            },
        ),
        (
            "comment on a table",
            Change::SetComment {
                target: CommentTarget::Table { object: order() },
                comment: Some("An order".to_string()),
            },
        ),
        (
            "remove a table comment",
            Change::SetComment {
                target: CommentTarget::Table { object: order() },
                comment: None,
            },
        ),
        (
            "comment on a view",
            Change::SetComment {
                target: CommentTarget::View {
                    view: name("OrderTotals", "ORDER_TOTALS"),
                },
                comment: Some("Totals".to_string()),
            },
        ),
        (
            "comment on a column",
            Change::SetComment {
                target: CommentTarget::Column {
                    object: order(),
                    column: name("id", "ID"),
                },
                comment: Some("surrogate key".to_string()),
            },
        ),
        (
            "remove a column comment",
            Change::SetComment {
                target: CommentTarget::Column {
                    object: order(),
                    column: name("id", "ID"),
                },
                comment: None,
            },
        ),
        (
            "create a unique index of an expression (recorded: no constraint can hold it)",
            Change::CreateIndex {
                object: order(),
                index: PhysicalIndex {
                    logical: "oneRef".to_string(),
                    physical: "ORDER_ONE_REF_IDX".to_string(),
                    columns: vec![String::new(), "DAY".to_string()],
                    expressions: vec![Some("LOWER(\"NOTE\")".to_string()), None],
                    unique: true,
                    sort: vec![
                        KeySort {
                            order: Some(SortOrder::Desc),
                            nulls: None,
                        },
                        KeySort::default(),
                    ],
                    ..PhysicalIndex::default()
                },
            },
        ),
        (
            "drop a unique index of an expression (nothing was declared)",
            Change::DropIndex {
                object: order(),
                index: PhysicalIndex {
                    logical: "oneRef".to_string(),
                    physical: "ORDER_ONE_REF_IDX".to_string(),
                    columns: vec![String::new()],
                    expressions: vec![Some("LOWER(\"NOTE\")".to_string())],
                    unique: true,
                    ..PhysicalIndex::default()
                },
            },
        ),
        (
            "create a deferrable unique index whose nulls are not distinct (declared; both \
             recorded)",
            Change::CreateIndex {
                object: order(),
                index: PhysicalIndex {
                    logical: "byRef".to_string(),
                    physical: "ORDER_BY_REF_IDX".to_string(),
                    columns: vec!["REF".to_string()],
                    unique: true,
                    nulls_distinct: Some(false),
                    deferrable: Some(Deferrable::InitiallyDeferred),
                    ..PhysicalIndex::default()
                },
            },
        ),
        (
            "a foreign key's deferrability changes (declared again)",
            Change::AlterForeignKey {
                object: order(),
                key: PhysicalForeignKey {
                    deferrable: Some(Deferrable::InitiallyDeferred),
                    ..foreign_key()
                },
                from: None,
            },
        ),
        (
            "comment on an index (recorded)",
            Change::SetComment {
                target: CommentTarget::Index {
                    object: order(),
                    index: name("openOrders", "ORDER_OPEN_ORDERS_IDX"),
                },
                comment: Some("open orders\nfirst".to_string()),
            },
        ),
        (
            "comment on a constraint (recorded)",
            Change::SetComment {
                target: CommentTarget::Constraint {
                    object: order(),
                    constraint: name("byCustomer", "ORDER_BY_CUSTOMER_FKEY"),
                },
                comment: Some("who ordered".to_string()),
            },
        ),
    ]
}

fn undo_text(undo: &Undo) -> String {
    match undo {
        Undo::Irreversible => "    irreversible\n".to_string(),
        Undo::Statements(s) if s.is_empty() => "    nothing\n".to_string(),
        Undo::Statements(s) => s.iter().map(|sql| format!("    {sql}\n")).collect(),
    }
}

#[test]
fn every_new_kind_of_change_renders_snowflake_sql_and_its_undo() {
    let ctx = RenderContext {
        namespace: "shop".to_string(),
    };
    let mut old_table = order_table();
    old_table.columns[0].comment = Some("old key comment".to_string());
    let old = model(Some("old schema comment"), old_table);
    let new = model(Some("Orders"), order_table());
    let before = Before {
        old: Some(&old),
        new: &new,
    };
    let mut text = String::new();
    for (title, change) in changes() {
        text.push_str(&format!("## {title}\n"));
        let steps = SnowflakeDialect
            .render(&change, &ctx)
            .unwrap_or_else(|e| panic!("{title}: {e}"));
        for step in steps {
            if !depot_snowflake::executor::is_note(&step.sql) {
                one_statement(&step.sql).unwrap_or_else(|e| panic!("{title}: {e}"));
            }
            text.push_str(&format!(
                "[{} {} {}] {:?}\n  -- {}\n  {}\n",
                step.phase, step.action, step.target, step.hazards, step.comment, step.sql
            ));
        }
        let undo = SnowflakeDialect.undo(&change, &before, &ctx).unwrap();
        text.push_str("  undo:\n");
        text.push_str(&undo_text(&undo));
    }
    insta::assert_snapshot!(text);
}

#[test]
fn what_snowflake_cannot_hold_is_refused_with_the_reason_and_the_way_out() {
    let ctx = RenderContext {
        namespace: "shop".to_string(),
    };
    let refused = |change: Change| {
        SnowflakeDialect
            .render(&change, &ctx)
            .unwrap_err()
            .to_string()
    };
    let why = refused(Change::AddIdentity {
        object: order(),
        column: name("id", "ID"),
        identity: AutoIncrement::ByDefault,
    });
    assert_eq!(
        why,
        "Order.id: Snowflake cannot add AUTOINCREMENT to an existing column; add a new field with \
         \"autoIncrement\": true instead (Snowflake numbers it from its own sequence), then drop or \
         rename the old field in a later version"
    );
    let why = refused(Change::SetIdentity {
        object: order(),
        column: name("id", "ID"),
        identity: AutoIncrement::Always,
    });
    assert!(
        why.contains("Snowflake has one kind of AUTOINCREMENT"),
        "{why}"
    );
    let mut computed = column("euros", "EUROS", FieldType::Double);
    computed.computed = Some("CENTS / 100.0".to_string());
    let why = refused(Change::AddColumn {
        object: order(),
        column: computed,
    });
    assert_eq!(
        why,
        "Order.euros: euros: Snowflake tables have no generated (computed) columns"
    );
    let mut always = column("n", "N", FieldType::Bigint);
    always.identity = Some(AutoIncrement::Always);
    assert!(refused(Change::AddColumn {
        object: order(),
        column: always
    })
    .contains("\"autoIncrement\": true"));
    let mut both = column("n", "N", FieldType::Bigint);
    both.identity = Some(AutoIncrement::ByDefault);
    both.default = Some(ColumnDefault::Literal(json!(1)));
    assert!(refused(Change::AddColumn {
        object: order(),
        column: both
    })
    .contains("cannot also have a default"));
    let why = refused(Change::SetDefault {
        object: order(),
        column: name("n", "N"),
        field_type: FieldType::Integer,
        default: ColumnDefault::Expression(PortableExpression::RandomUuid),
    });
    assert_eq!(
        why,
        "Order.n: the default expression randomUuid does not give a value of type integer"
    );
}

#[test]
fn a_note_never_carries_sql_past_its_line() {
    let ctx = RenderContext {
        namespace: "shop".to_string(),
    };
    let mut hostile = check();
    hostile.sql = "1 = 1\nDROP TABLE victim".to_string();
    let steps = SnowflakeDialect
        .render(
            &Change::AddCheck {
                object: order(),
                check: hostile,
                existing: true,
            },
            &ctx,
        )
        .unwrap();
    assert!(
        depot_snowflake::executor::is_note(&steps[0].sql),
        "{}",
        steps[0].sql
    );
}

fn package_model(package: &serde_json::Value) -> PhysicalModel {
    let properties = json!({
        "environmentId": "e2e404529091ed2", "alias": "Shop", "bootstrapBucket": "b-test",
        "package": package,
        "location": {"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "ANALYTICS"},
        "schemaName": "shop",
        "unenforcedChecks": "ignore",
    });
    let dataset = depot_core::properties::parse_dataset(
        &properties,
        &depot_core::engine::Engines::new(&[&SnowflakeDialect]),
    )
    .unwrap_or_else(|p| panic!("{p}"));
    depot_core::resolve::resolve(&dataset, &SnowflakeDialect, &Default::default())
        .unwrap_or_else(|p| panic!("{p}"))
}

/// SPEC §1b's example as Snowflake can hold it (no computed field), version 1 and a version 2
/// that narrows, re-describes, drops the check and adds a foreign key and an indexed field.
fn shop_package(version: &str, second: bool) -> serde_json::Value {
    let mut order = json!({
        "kind": "object", "description": "An order; becomes the table's comment",
        "fields": {
            "id": {"type": "bigint", "autoIncrement": true, "description": "surrogate key"},
            "ref": {"type": "uuid", "default": {"expression": "randomUuid"}},
            "placedAt": {"type": "timestamptz", "default": {"expression": "now"}},
            "tags": {"type": "array", "items": {"type": "string"}, "nullable": true, "default": ["new"]},
            "customerId": {"type": "uuid"},
            "totalCents": {"type": "bigint"},
            "code": {"type": "string", "maxLength": 20, "nullable": true},
            "note": {"type": "string", "nullable": true,
                     "default": {"sql": {"postgres": "'n/a'::text", "snowflake": "'n/a'"}}}
        },
        "primaryKey": ["id"],
        "checks": [{"name": "positiveTotal", "expression": "totalCents >= 0"}],
        "indexes": [{"name": "openOrders", "fields": [{"field": "placedAt", "order": "desc"}],
                     "where": "totalCents > 0", "include": ["customerId"], "description": "recent first"}]
    });
    if second {
        order["description"] = json!("An order, placed by a customer");
        order["fields"]["code"] = json!({"type": "integer", "nullable": true});
        order["checks"] = json!([]);
        order["foreignKeys"] = json!([{"name": "byCustomer", "fields": ["customerId"],
            "references": {"schema": "Customer", "fields": ["id"]},
            "onDelete": "restrict", "onUpdate": "cascade", "description": "the buyer"}]);
    }
    json!({
        "name": "shop", "version": version, "description": "Orders and their customers",
        "schemas": {
            "Customer": {"kind": "object", "description": "Someone who orders",
                         "fields": {"id": {"type": "uuid", "default": {"expression": "randomUuid"}},
                                    "email": {"type": "string", "maxLength": 200}},
                         "primaryKey": ["id"]},
            "Order": order
        }
    })
}

fn plan_text(old: Option<&PhysicalModel>, new: &PhysicalModel) -> String {
    let header = depot_core::assemble::PlanHeader {
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".to_string(),
        environment_id: "e2e404529091ed2".to_string(),
        dataset_id: "6d9c7969f0b1".to_string(),
        dataset_alias: "Shop".to_string(),
        from_version: old.map(|_| "a".repeat(64)),
        to_version: "b".repeat(64),
        created_at: "2025-04-28T08:31:33.816Z".to_string(),
    };
    let plan = depot_core::assemble::plan_migration(&SnowflakeDialect, old, new, header)
        .unwrap_or_else(|e| panic!("{e}"));
    for step in plan.phases.iter().flat_map(|p| &p.steps) {
        let sql = step.sql.as_deref().unwrap_or_default();
        if !depot_snowflake::executor::is_note(sql) {
            one_statement(sql).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    depot_core::preview::render_text(&plan)
}

#[test]
fn a_package_with_every_supported_feature_plans_from_nothing_and_migrates() {
    let v1 = package_model(&shop_package("1.0.0", false));
    let v2 = package_model(&shop_package("2.0.0", true));
    insta::assert_snapshot!("shop_from_nothing", plan_text(None, &v1));
    insta::assert_snapshot!("shop_v1_to_v2", plan_text(Some(&v1), &v2));
}

/// A field whose type and default both change is copied twice in the alter phase; the first
/// copy's original lives until the contract phase, so the second copy must use other names
/// (else its swap would rename onto a column that exists).
#[test]
fn a_type_and_default_change_copy_the_column_under_distinct_names() {
    let with = |t: &str, default: serde_json::Value| {
        package_model(&json!({"name": "x", "version": "1.0.0", "schemas": {"A": {
            "kind": "object", "primaryKey": ["id"],
            "fields": {"id": {"type": "bigint"},
                       "c": {"type": t, "nullable": true, "default": default}}}}}))
    };
    let plan = plan_text(
        Some(&with("string", json!("5"))),
        &with("integer", json!(6)),
    );
    let targets: Vec<&str> = plan
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("ALTER TABLE \"shop\".A RENAME COLUMN ")
        })
        .map(|rest| rest.rsplit(" TO ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        targets,
        ["C__DEPOT_OLD", "C", "C__DEPOT_DEFAULT_OLD", "C"],
        "{plan}"
    );
}
