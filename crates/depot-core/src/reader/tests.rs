//! Tests of the reader: paths, places, and the problems typed readers report.

use super::*;
use serde_json::json;

#[test]
fn paths_join_keys_and_indexes_and_quote_odd_keys() {
    let at = At::root()
        .key("schemas")
        .key("Dog")
        .key("fields")
        .key("name");
    assert_eq!(at.path(), "schemas.Dog.fields.name");
    assert_eq!(
        At::root().key("indexes").index(2).key("name").path(),
        "indexes[2].name"
    );
    assert_eq!(
        At::root().key("schemas").key("my dog").path(),
        r#"schemas["my dog"]"#
    );
    assert_eq!(At::root().path(), "$");
    assert_eq!(At::root().key("a b").key("c").path(), r#"["a b"].c"#);
    assert_eq!(At::root().index(0).key("c").path(), "[0].c");
}

#[test]
fn places_write_the_same_paths_as_ats() {
    let root = Place::root();
    let schemas = root.key("schemas");
    let dog = schemas.key("Dog");
    let fields = dog.key("fields");
    let name = fields.key("name");
    assert_eq!(name.path(), "schemas.Dog.fields.name");
    let indexes = root.key("indexes");
    let second = indexes.index(2);
    assert_eq!(second.key("name").path(), "indexes[2].name");
    assert_eq!(schemas.key("my dog").path(), r#"schemas["my dog"]"#);
    assert_eq!(schemas.key("\"q\"\n").path(), r#"schemas["\"q\"\n"]"#);
    assert_eq!(root.path(), "$");
    let odd = root.key("a b");
    assert_eq!(odd.key("c").path(), r#"["a b"].c"#);
    assert_eq!(root.index(0).path(), "[0]");
    fn same(place: &Place<'_>, at: &At, keys: &[&str]) {
        assert_eq!(place.at(), *at);
        if let Some((k, rest)) = keys.split_first() {
            same(&place.key(k), &at.key(k), rest);
            same(&place.index(3), &at.index(3), rest);
        }
    }
    for keys in [
        &["schemas", "Dog", "fields", "name"][..],
        &["x-y", "_a", "1b", "b1", ""],
        &["ä", "a.b", "[0]"],
    ] {
        same(&Place::root(), &At::root(), keys);
    }
}

#[test]
fn problems_carry_schema_and_field() {
    let at = At::root()
        .key("schemas")
        .key("Dog")
        .in_schema("Dog")
        .in_field("name");
    let p = at.problem(rules::UNKNOWN_TYPE, "m");
    assert_eq!(p.schema.as_deref(), Some("Dog"));
    assert_eq!(p.field.as_deref(), Some("name"));
    assert_eq!(p.path, "schemas.Dog");

    let root = Place::root();
    let schemas = root.key("schemas");
    let dog = schemas.key("Dog").in_schema("Dog");
    let name = dog.key("name").in_field("name");
    let p = name.key("type").problem(rules::UNKNOWN_TYPE, "m");
    assert_eq!(p.schema.as_deref(), Some("Dog"));
    assert_eq!(p.field.as_deref(), Some("name"));
    assert_eq!(p.path, "schemas.Dog.name.type");
    assert_eq!(
        dog.problem(rules::UNKNOWN_TYPE, "m"),
        At::root()
            .key("schemas")
            .key("Dog")
            .in_schema("Dog")
            .problem(rules::UNKNOWN_TYPE, "m")
    );
}

#[test]
fn object_reports_unknown_keys_with_the_allowed_list() {
    let mut r = Reader::default();
    let v = json!({"a": 1, "zz": 2});
    assert!(r
        .object(&v, &Place::root(), "the thing", &["a", "b"])
        .is_some());
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].rule, rules::UNKNOWN_KEY);
    assert_eq!(r.problems[0].path, "zz");
    assert!(r.problems[0].message.contains("allowed keys: a, b"));
}

#[test]
fn members_give_values_in_key_order_and_report_unknown_keys() {
    let mut r = Reader::default();
    let v = json!({"b": 2, "zz": 3, "a": 1});
    let [a, b, c] = r
        .members(&v, &Place::root(), "the thing", &["a", "b", "c"])
        .unwrap();
    assert_eq!((a, b, c), (Some(&json!(1)), Some(&json!(2)), None));
    assert_eq!(r.problems.len(), 1);
    let mut o = Reader::default();
    o.object(&v, &Place::root(), "the thing", &["a", "b", "c"]);
    assert_eq!(r.problems, o.problems);
    assert!(r
        .members(&json!([]), &Place::root(), "the thing", &["a"])
        .is_none());
    assert_eq!(
        r.problems[1].message,
        "the thing must be a JSON object, not an array"
    );
}

#[test]
fn typed_readers_report_the_expected_form() {
    let mut r = Reader::default();
    let root = Place::root();
    assert_eq!(r.bool(&json!("true"), &root, "x"), Some(true));
    assert_eq!(r.u32(&json!("12"), &root, "x"), Some(12));
    assert!(r.problems.is_empty());
    assert_eq!(r.u32(&json!(-1), &root.key("port"), "port"), None);
    assert_eq!(r.non_empty_string(&json!(" "), &root, "name"), None);
    assert_eq!(
        r.string_list(&json!(["a", 1]), &root.key("l"), "l"),
        Some(vec!["a".into()])
    );
    let rules: Vec<_> = r.problems.iter().map(|p| p.rule).collect();
    assert_eq!(
        rules,
        [
            rules::WRONG_JSON_TYPE,
            rules::EMPTY_VALUE,
            rules::WRONG_JSON_TYPE
        ]
    );
    assert!(r.problems[0].message.contains("not -1"));
    assert_eq!(r.problems[2].path, "l[1]");
    assert_eq!(
        r.problems[2].message,
        "each entry of l must be a string, not a number"
    );
}

#[test]
fn finish_returns_the_value_only_without_problems() {
    assert_eq!(Reader::default().finish(Some(1)), Ok(1));
    let mut r = Reader::default();
    r.report(&Place::root(), rules::REQUIRED, "x");
    assert_eq!(r.finish(Some(1)).unwrap_err().0.len(), 1);
    assert!(Reader::default().finish::<u8>(None).is_err());
}
