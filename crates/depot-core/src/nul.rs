//! NUL characters: U+0000 in any string or key of an input is refused before anything else
//! reads it. PostgreSQL cannot store or even receive one in a statement ("invalid byte sequence"
//! or a failed message encoding part-way through a run), and a name or query holding one is never
//! what a person meant. Every string is checked, not only those known to reach SQL: the rule is
//! simpler to state and cannot miss a new property.

use crate::json::{JsonObject, JsonValue, View};
use crate::reader::{Place, Reader};
use crate::rules;

/// report_nul_characters reports every string and key under `value` that holds U+0000.
pub fn report_nul_characters<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) {
    match value.view() {
        View::String(s) => {
            if s.contains('\0') {
                r.report(
                    at,
                    rules::NUL_CHARACTER,
                    "the string holds a NUL character (U+0000), which no engine can store or run: remove it",
                );
            }
        }
        View::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                report_nul_characters(r, item, &at.index(i));
            }
        }
        View::Object(map) => {
            for (key, member) in map.members() {
                let place = at.key(key);
                if key.contains('\0') {
                    r.report(
                        &place,
                        rules::NUL_CHARACTER,
                        "the key holds a NUL character (U+0000), which no engine can store or run: remove it",
                    );
                }
                report_nul_characters(r, member, &place);
            }
        }
        View::Null | View::Bool(_) | View::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(value: serde_json::Value) -> Vec<String> {
        let mut r = Reader::default();
        report_nul_characters(&mut r, &value, &Place::root());
        assert!(r.problems.iter().all(|p| p.rule == rules::NUL_CHARACTER));
        r.problems.into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn every_string_and_key_with_a_nul_is_reported_at_its_path() {
        assert_eq!(
            paths(json!({
                "a": "ok",
                "b": ["x", "y\u{0}z"],
                "c": {"sqlName": "\u{0}"},
                "k\u{0}": 1
            })),
            ["b[1]", "c.sqlName", r#"["k\u0000"]"#]
        );
        assert!(paths(json!({"a": ["no", {"nul": 0}], "b": null})).is_empty());
    }
}
