//! Package enums (SPEC §1b): validation naming the enum, schema and field; resolution to a
//! physical type named by the naming strategy; the version hash; the diff of each kind of
//! change (create, add a value in place, rebuild on removal or reorder, rename, drop).

mod common;

use std::collections::BTreeMap;

use common::engines::TEST_ENGINES;
use common::*;
use depot_core::change::Change;
use depot_core::diff::{diff, DiffError};
use depot_core::hash::version_hash;
use depot_core::physical::PhysicalModel;
use depot_core::problem::Problems;
use depot_core::properties::parse_dataset;
use depot_core::resolve::resolve;
use depot_core::FieldType;
use serde_json::{json, Value};

fn dataset_of(package: Value) -> Value {
    json!({
        "environmentId": "e2e404529091ed2",
        "alias": "WsDevShop",
        "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
        "location": {"type": "postgres", "name": "main", "host": "db", "port": "5432", "database": "app"},
        "schemaName": "shop",
        "package": package,
    })
}

fn shop(enums: Value, status: Value) -> Value {
    json!({
        "name": "shop", "version": "1",
        "enums": enums,
        "schemas": {"Order": {"kind": "object", "fields": {
            "id": {"type": "bigint"},
            "status": status
        }, "primaryKey": ["id"],
        "checks": [{"name": "notShipped", "expression": "status <> 'shipped'::OrderStatus"}]}}
    })
}

fn statuses(values: &[&str]) -> Value {
    json!({"OrderStatus": values})
}

fn enum_field() -> Value {
    json!({"type": "enum", "enum": "OrderStatus", "default": "pending"})
}

fn resolved(package: Value) -> Result<PhysicalModel, Problems> {
    let dataset = parse_dataset(&dataset_of(package), &TEST_ENGINES)?;
    resolve(&dataset, &TestDialect, &BTreeMap::new())
}

fn model_of(package: Value) -> PhysicalModel {
    resolved(package).unwrap_or_else(|p| panic!("{p}"))
}

/// (rule, path, message) of each problem.
fn problems(package: Value) -> Vec<(String, String, String)> {
    match resolved(package) {
        Ok(_) => panic!("expected problems"),
        Err(p) => {
            p.0.into_iter()
                .map(|p| (p.rule.to_string(), p.path, p.message))
                .collect()
        }
    }
}

#[test]
fn an_enum_resolves_to_a_type_of_the_namespace_named_by_the_strategy() {
    let m = model_of(shop(
        statuses(&["pending", "paid", "shipped"]),
        enum_field(),
    ));
    let e = &m.enums["OrderStatus"];
    assert_eq!(e.physical, "order_status");
    assert_eq!(e.values, ["pending", "paid", "shipped"]);
    assert_eq!(
        m.objects["Order"].column("status").unwrap().field_type,
        FieldType::Enum {
            name: "order_status".into(),
            namespace: Some("shop".into())
        }
    );
    // The cast names the physical type, qualified by the namespace.
    assert_eq!(
        m.objects["Order"].checks[0].sql,
        "\"status\" <> 'shipped'::\"shop\".\"order_status\""
    );
    // So does a view's cast.
    let mut p = shop(statuses(&["pending", "paid", "shipped"]), enum_field());
    p["schemas"]["Paid"] = json!({"kind": "view",
        "query": "SELECT id FROM \"Order\" WHERE status = 'paid'::OrderStatus"});
    let m = model_of(p);
    assert!(
        m.views["Paid"]
            .sql
            .contains("'paid'::\"shop\".\"order_status\""),
        "{}",
        m.views["Paid"].sql
    );
    // The object form, with sqlName.
    let m = model_of(shop(
        json!({"OrderStatus": {"values": ["pending"], "sqlName": "st", "description": "d"}}),
        enum_field(),
    ));
    assert_eq!(m.enums["OrderStatus"].physical, "st");
    assert_eq!(m.enums["OrderStatus"].comment.as_deref(), Some("d"));
}

#[test]
fn bad_enums_and_enum_fields_are_refused_naming_enum_schema_and_field() {
    let cases: Vec<(Value, Value, &str, &str, &str)> = vec![
        (
            statuses(&["pending"]),
            json!({"type": "enum", "enum": "Ghost"}),
            "unknown-schema",
            "package.schemas.Order.fields.status.enum",
            "enum `Ghost`",
        ),
        (
            statuses(&[]),
            enum_field(),
            "empty-value",
            "package.enums.OrderStatus",
            "no values",
        ),
        (
            statuses(&["pending", "paid", "pending"]),
            enum_field(),
            "invalid-value",
            "package.enums.OrderStatus[2]",
            "twice",
        ),
        (
            statuses(&["pending", ""]),
            enum_field(),
            "empty-value",
            "package.enums.OrderStatus[1]",
            "empty value",
        ),
        (
            json!({"OrderStatus": ["pending", "x".repeat(64)]}),
            enum_field(),
            "invalid-value",
            "package.enums.OrderStatus[1]",
            "at most 63",
        ),
        (
            statuses(&["paid"]),
            enum_field(),
            "invalid-default",
            "package.schemas.Order.fields.status.default",
            "not a value of enum `OrderStatus`",
        ),
        (
            statuses(&["pending"]),
            json!({"type": "enum", "enum": "OrderStatus", "precision": 3}),
            "invalid-type-parameter",
            "package.schemas.Order.fields.status.precision",
            "only to decimal fields",
        ),
        (
            json!({"order-status": ["a"]}),
            json!({"type": "string"}),
            "invalid-name",
            "package.enums[\"order-status\"]",
            "enum `order-status`",
        ),
        (
            json!({"OrderStatus": {"values": ["pending"], "colour": "red"}}),
            enum_field(),
            "unknown-key",
            "package.enums.OrderStatus.colour",
            "colour",
        ),
        (
            json!({"OrderStatus": ["pending", "a\u{0}b"]}),
            enum_field(),
            "nul-character",
            "package.enums.OrderStatus[1]",
            "NUL",
        ),
    ];
    for (enums, field, rule, path, needle) in cases {
        let mut package = shop(enums.clone(), field.clone());
        // Only the enum's own problem: no check reading a missing enum.
        package["schemas"]["Order"]
            .as_object_mut()
            .unwrap()
            .remove("checks");
        let got = problems(package);
        let found = got.iter().find(|(r, p, _)| r == rule && p == path);
        let Some((_, _, message)) = found else {
            panic!("{enums} / {field}: expected {rule} at {path}, got {got:?}");
        };
        assert!(message.contains(needle), "{message}");
    }
}

/// A broken enum hides nothing: the fields that use it, and the other enum fields, are checked
/// in the same pass, and a field of the broken enum is never told the enum is unknown.
#[test]
fn a_broken_enum_is_reported_with_every_problem_of_the_fields() {
    let mut package = shop(
        json!({"OrderStatus": ["pending", "paid", "pending"], "Colour": {"values": ["red"], "sqlName": ""}}),
        json!({"type": "enum", "enum": "OrderStatus", "default": "lost"}),
    );
    let order = &mut package["schemas"]["Order"];
    order["fields"]["colour"] = json!({"type": "enum", "enum": "Colour", "default": "blue"});
    order["fields"]["size"] = json!({"type": "enum", "enum": "Size"});
    // A problem elsewhere in the object does not hide its enum fields' problems either.
    order["fields"]["weight"] = json!({"type": "integer", "default": "heavy"});
    package["seeds"] = json!({"Order": [{"id": 1, "status": "gone", "size": "s"}]});
    let got: Vec<(String, String)> = problems(package)
        .into_iter()
        .map(|(rule, path, _)| (rule, path))
        .collect();
    let want = [
        ("empty-value", "package.enums.Colour.sqlName"),
        ("invalid-value", "package.enums.OrderStatus[2]"),
        (
            "invalid-default",
            "package.schemas.Order.fields.weight.default",
        ),
        ("invalid-seed-value", "package.seeds.Order[0].status"),
        (
            "invalid-default",
            "package.schemas.Order.fields.colour.default",
        ),
        ("unknown-schema", "package.schemas.Order.fields.size.enum"),
        (
            "invalid-default",
            "package.schemas.Order.fields.status.default",
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(r, p)| (r.to_string(), p.to_string()))
        .collect();
    assert_eq!(got, want);

    // An enum whose values cannot be read is still declared: its fields are not told otherwise.
    let mut package = shop(json!({"OrderStatus": 5}), enum_field());
    package["schemas"]["Order"]
        .as_object_mut()
        .unwrap()
        .remove("checks");
    let got = problems(package);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "package.enums.OrderStatus");
}

#[test]
fn an_enum_named_like_a_table_collides() {
    let got = problems(shop(json!({"Order": ["a"]}), json!({"type": "string"})));
    assert!(
        got.iter()
            .any(|(r, _, m)| r == "name-collision" && m.contains("enum `Order`")),
        "{got:?}"
    );
}

#[test]
fn enums_enter_the_hash_only_when_present() {
    let hash = |package: Value| {
        let d = parse_dataset(&dataset_of(package), &TEST_ENGINES).unwrap();
        version_hash(&d.config, &d.package)
    };
    let plain = json!({"name": "shop", "version": "1", "schemas": {"Order": {"kind": "object",
        "fields": {"id": {"type": "bigint"}}}}});
    let mut empty = plain.clone();
    empty["enums"] = json!({});
    assert_eq!(hash(plain.clone()), hash(empty));
    let a = hash(shop(statuses(&["pending", "paid"]), enum_field()));
    let b = hash(shop(
        statuses(&["pending", "paid", "shipped"]),
        enum_field(),
    ));
    let c = hash(shop(
        json!({"OrderStatus": {"values": ["pending", "paid"]}}),
        enum_field(),
    ));
    assert_ne!(a, b);
    // The list form is the object form without the other keys.
    assert_eq!(a, c);
}

fn changes(old: &PhysicalModel, new: &PhysicalModel) -> Vec<Change> {
    diff(Some(old), new).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_first_deploy_creates_the_type_before_the_table() {
    let m = model_of(shop(statuses(&["pending", "paid"]), enum_field()));
    let s = summary(&diff(None, &m).unwrap());
    assert_eq!(
        &s[..3],
        [
            "createNamespace shop",
            "createEnum OrderStatus",
            "createObject Order"
        ]
    );
}

#[test]
fn a_value_added_keeps_the_old_order_in_place() {
    let old = model_of(shop(statuses(&["pending", "paid"]), enum_field()));
    let new = model_of(shop(
        statuses(&["draft", "pending", "x", "y", "paid", "shipped"]),
        enum_field(),
    ));
    let adds: Vec<(String, Option<String>)> = changes(&old, &new)
        .into_iter()
        .map(|c| match c {
            Change::AddEnumValue { value, before, .. } => (value, before),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let s = |v: &str| v.to_string();
    assert_eq!(
        adds,
        [
            (s("draft"), Some(s("pending"))),
            (s("x"), Some(s("paid"))),
            (s("y"), Some(s("paid"))),
            (s("shipped"), None),
        ]
    );
}

#[test]
fn a_removed_or_reordered_value_rebuilds_the_type_with_its_columns() {
    let old = model_of(shop(
        statuses(&["pending", "paid", "shipped"]),
        enum_field(),
    ));
    for values in [
        &["pending", "paid"][..],
        &["paid", "pending", "shipped"][..],
    ] {
        let new = model_of(shop(statuses(values), enum_field()));
        let c = changes(&old, &new);
        let [Change::RebuildEnum { from, to, columns }] = &c[..] else {
            panic!("{c:?}")
        };
        assert_eq!(from.values, ["pending", "paid", "shipped"]);
        assert_eq!(to.values, values);
        assert_eq!(columns.len(), 1);
        assert_eq!(columns[0].column.physical, "status");
        assert!(columns[0].default.is_some());
    }
}

#[test]
fn a_rebuild_under_a_view_reading_the_field_is_refused() {
    let with_view = |values: &[&str]| {
        let mut p = shop(statuses(values), enum_field());
        p["schemas"]["Open"] = json!({"kind": "view", "query": "SELECT id, status FROM \"Order\""});
        model_of(p)
    };
    let Err(DiffError(r)) = diff(
        Some(&with_view(&["pending", "paid"])),
        &with_view(&["pending"]),
    ) else {
        panic!("expected a refusal")
    };
    assert!(r[0].message.contains("view Open reads"), "{r:?}");
}

#[test]
fn a_renamed_enum_keeps_its_columns_and_a_dropped_one_goes_last() {
    let unchecked = |enums: Value, field: Value| {
        let mut p = shop(enums, field);
        p["schemas"]["Order"]
            .as_object_mut()
            .unwrap()
            .remove("checks");
        model_of(p)
    };
    let old = unchecked(statuses(&["pending"]), enum_field());
    let new = unchecked(
        json!({"Status": {"values": ["pending"], "previousNames": ["OrderStatus"]}}),
        json!({"type": "enum", "enum": "Status", "default": "pending"}),
    );
    assert_eq!(summary(&changes(&old, &new)), ["renameEnum Status"]);
    // Renamed and rebuilt: the rebuild names the type by its new name.
    let rebuilt = unchecked(
        json!({"Status": {"values": ["paid", "pending"], "previousNames": ["OrderStatus"]}}),
        json!({"type": "enum", "enum": "Status", "default": "pending"}),
    );
    let old2 = unchecked(statuses(&["pending", "paid"]), enum_field());
    let c = changes(&old2, &rebuilt);
    assert_eq!(summary(&c), ["renameEnum Status", "rebuildEnum Status"]);
    let Change::RebuildEnum { from, .. } = &c[1] else {
        panic!("{c:?}")
    };
    assert_eq!((from.physical.as_str(), from.values.len()), ("status", 2));

    let plain = unchecked(json!({}), json!({"type": "string"}));
    assert_eq!(
        summary(&changes(&old, &plain)),
        [
            "dropDefault Order.status",
            "alterFieldType Order.status",
            "dropEnum OrderStatus"
        ]
    );
    assert_eq!(
        summary(&changes(&plain, &old)),
        [
            "createEnum OrderStatus",
            "alterFieldType Order.status",
            "setDefault Order.status"
        ]
    );
}
