//! The comparison on small catalogs: each kind of difference gives its line, and a catalog
//! compared with itself gives none.

use super::*;

fn column(name: &str, data_type: &str, nullable: bool) -> Column {
    Column {
        name: name.into(),
        logical: name.to_uppercase(),
        data_type: data_type.into(),
        nullable,
        ..Column::default()
    }
}

fn expected() -> Catalog {
    let dog = Table {
        logical: "Dog".into(),
        columns: vec![column("id", "bigint", false), column("name", "text", true)],
        primary_key: Some(PrimaryKey {
            name: Some("dog_pkey".into()),
            columns: vec!["id".into()],
        }),
        indexes: [(
            "dog_by_name".to_string(),
            Index {
                logical: "byName".into(),
                keys: vec![IndexKey::Column("name".into())],
                valid: true,
                method: Some("btree".into()),
                ..Index::default()
            },
        )]
        .into(),
        comment: Some("dogs".into()),
        ..Table::default()
    };
    Catalog {
        namespace: "ws".into(),
        exists: true,
        tables: [("dog".to_string(), dog)].into(),
        enums: [(
            "status".to_string(),
            EnumType {
                logical: "Status".into(),
                values: vec!["new".into(), "done".into()],
            },
        )]
        .into(),
        ..Catalog::default()
    }
}

/// The live catalog as introspection would read `expected()` back.
fn live() -> Catalog {
    let mut live = expected();
    for table in live.tables.values_mut() {
        table.logical.clear();
        for index in table.indexes.values_mut() {
            index.logical.clear();
            index.definition = "CREATE INDEX dog_by_name ON dog USING btree (name)".into();
        }
    }
    live
}

#[test]
fn a_catalog_as_expected_has_no_differences() {
    assert_eq!(compare(&live(), &expected()), Vec::<String>::new());
}

#[test]
fn a_missing_and_an_extra_table_are_named() {
    let mut live = live();
    let dog = live.tables.remove("dog").unwrap();
    live.tables.insert("cat".into(), dog);
    assert_eq!(
        compare(&live, &expected()),
        [
            "table ws.dog (Dog) is missing",
            "table ws.cat is not part of the deployed version"
        ]
    );
}

#[test]
fn a_column_changed_in_type_or_nullability_is_named() {
    let mut live = live();
    let dog = live.tables.get_mut("dog").unwrap();
    dog.columns[0].data_type = "integer".into();
    dog.columns[1].nullable = false;
    assert_eq!(
        compare(&live, &expected()),
        [
            "table ws.dog: column id is integer, expected bigint",
            "table ws.dog: column name is NOT NULL, expected nullable",
        ]
    );
    // A type the engine may read back in its own words is no drift.
    let mut expected = expected();
    expected.tables.get_mut("dog").unwrap().columns[0].also_read_as = vec!["integer".into()];
    assert_eq!(
        compare(&live, &expected),
        ["table ws.dog: column name is NOT NULL, expected nullable"]
    );
}

#[test]
fn a_missing_or_changed_index_is_named() {
    let mut live = live();
    let index = live
        .tables
        .get_mut("dog")
        .unwrap()
        .indexes
        .remove("dog_by_name")
        .unwrap();
    assert_eq!(
        compare(&live, &expected()),
        ["table ws.dog: index dog_by_name (byName) is missing"]
    );
    let renamed = Index {
        keys: vec![IndexKey::Column("id".into())],
        ..index
    };
    live.tables
        .get_mut("dog")
        .unwrap()
        .indexes
        .insert("dog_by_name".into(), renamed);
    assert_eq!(
        compare(&live, &expected()),
        [
            "table ws.dog: index dog_by_name is `CREATE INDEX dog_by_name ON dog USING btree \
          (name)`, expected (name)"
        ]
    );
}

#[test]
fn enum_values_are_compared_in_order() {
    let mut live = live();
    live.enums.get_mut("status").unwrap().values = vec!["done".into(), "new".into()];
    assert_eq!(
        compare(&live, &expected()),
        ["enum type ws.status has values (done, new), expected (new, done)"]
    );
}

#[test]
fn a_changed_comment_is_named_with_both_comments() {
    let mut live = live();
    live.tables.get_mut("dog").unwrap().comment = None;
    live.comment = Some("ours".into());
    assert_eq!(
        compare(&live, &expected()),
        [
            "namespace ws: comment is \"ours\", expected none",
            "table ws.dog: comment is none, expected \"dogs\"",
        ]
    );
}

#[test]
fn a_leftover_of_a_stopped_run_is_no_drift_but_another_extra_column_is() {
    let mut live = live();
    let dog = live.tables.get_mut("dog").unwrap();
    dog.columns.push(column("name__copy", "text", true));
    dog.columns.push(column("by_hand", "text", true));
    let mut expected = expected();
    expected.tables.get_mut("dog").unwrap().leftovers = ["name__copy".to_string()].into();
    assert_eq!(
        compare(&live, &expected),
        ["table ws.dog: column by_hand is not part of the deployed version"]
    );
}

#[test]
fn a_view_of_the_other_kind_is_one_line_or_two_as_the_engine_words_it() {
    let view = View {
        logical: "Counts".into(),
        ..View::default()
    };
    let mut expected = expected();
    expected
        .materialized_views
        .insert("counts".into(), view.clone());
    let mut live = live();
    live.views.insert("counts".into(), View::default());
    assert_eq!(
        compare(&live, &expected),
        ["view ws.counts is a plain view, expected a materialized view"]
    );
    expected.wording = Wording {
        namespace: "schema",
        materialized_view: "materialized view",
        one_line_kind_change: false,
        no_identity: "not AUTOINCREMENT",
    };
    assert_eq!(
        compare(&live, &expected),
        [
            "materialized view ws.counts (Counts) is missing",
            "view ws.counts is not part of the deployed version",
        ]
    );
}

#[test]
fn a_missing_namespace_is_drift_only_when_something_was_deployed() {
    let gone = Catalog::default();
    assert_eq!(compare(&gone, &expected()), ["namespace ws does not exist"]);
    let mut empty = expected();
    empty.tables.clear();
    assert_eq!(compare(&gone, &empty), Vec::<String>::new());
}

#[test]
fn checks_and_foreign_keys_are_compared_by_name_and_kind() {
    let constraint = |kind: ConstraintKind| Constraint {
        logical: "positive".into(),
        kind,
        comment: None,
        shape: None,
        deferrable: None,
    };
    let mut expected = expected();
    let dog = expected.tables.get_mut("dog").unwrap();
    dog.constraints
        .insert("dog_positive".into(), constraint(ConstraintKind::Check));
    dog.constraints.insert(
        "dog_owner_fkey".into(),
        constraint(ConstraintKind::ForeignKey),
    );
    let mut live = live();
    let dog = live.tables.get_mut("dog").unwrap();
    dog.constraints.insert(
        "dog_positive".into(),
        constraint(ConstraintKind::Other("unique".into())),
    );
    dog.constraints
        .insert("dog_by_hand".into(), constraint(ConstraintKind::Check));
    // An exclusion constraint is not one drift compares.
    dog.constraints.insert(
        "dog_no_overlap".into(),
        constraint(ConstraintKind::Other("exclusion".into())),
    );
    assert_eq!(
        compare(&live, &expected),
        [
            "table ws.dog: foreign key dog_owner_fkey (positive) is missing",
            "table ws.dog: constraint dog_positive is a unique, expected a check",
            "table ws.dog: check dog_by_hand is not part of the deployed version",
        ]
    );
}

#[test]
fn identity_and_primary_key_names_are_compared_in_the_engine_words() {
    let mut expected = expected();
    let dog = expected.tables.get_mut("dog").unwrap();
    dog.columns[0].identity = Some("AUTOINCREMENT".into());
    expected.wording.no_identity = "not AUTOINCREMENT";
    let mut live = live();
    let key = live
        .tables
        .get_mut("dog")
        .unwrap()
        .primary_key
        .as_mut()
        .unwrap();
    key.name = Some("sys_1".into());
    assert_eq!(
        compare(&live, &expected),
        [
            "table ws.dog: column id is not AUTOINCREMENT, expected AUTOINCREMENT",
            "table ws.dog: primary key is sys_1 (id), expected dog_pkey (id)",
        ]
    );
    // A name the engine does not keep is not compared.
    let key = live
        .tables
        .get_mut("dog")
        .unwrap()
        .primary_key
        .as_mut()
        .unwrap();
    key.name = None;
    assert_eq!(
        compare(&live, &expected),
        ["table ws.dog: column id is not AUTOINCREMENT, expected AUTOINCREMENT"]
    );
}
