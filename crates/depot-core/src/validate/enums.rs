//! Enums: the package's `enums` (SPEC §1b), each a list of values or an object with `values`,
//! `description`, `previousNames` and `sqlName`. The fields and seed values that use them are
//! checked in `enum_uses`, also against an enum with problems of its own.

use std::collections::{BTreeMap, BTreeSet};

use crate::json::JsonValue;
use crate::package::EnumType;
use crate::reader::{Place, Reader};
use crate::rules;

use super::names::{check_name, check_previous_names, read_previous_names, Owner};
use super::package::{optional_sql_name, optional_string};

const ENUM_KEYS: &[&str; 4] = &["values", "description", "previousNames", "sqlName"];

/// The longest enum value: PostgreSQL stores a label in 63 bytes (NAMEDATALEN - 1).
pub const MAX_VALUE_BYTES: usize = 63;

/// Enums is what was read of `enums`. An enum with a problem (a value listed twice, a bad
/// `sqlName`) is still declared: fields that use it are not told it is unknown, and their
/// defaults and seed values are checked against the values that could be read.
#[derive(Default)]
pub(super) struct Enums {
    /// The enums that parsed.
    pub(super) parsed: BTreeMap<String, EnumType>,
    /// Every declared enum, with its values when they were read as a list of strings.
    pub(super) declared: BTreeMap<String, Option<Vec<String>>>,
    /// No problem was found in `enums`.
    pub(super) ok: bool,
}

impl Enums {
    /// No `enums`: none declared, nothing wrong.
    pub(super) fn none() -> Enums {
        Enums {
            ok: true,
            ..Enums::default()
        }
    }
}

/// read_enums reads `enums`: an object of enums by logical name. `None` when `enums` is not
/// an object (no enum name is known then).
pub(super) fn read_enums<J: JsonValue>(r: &mut Reader, value: &J, at: &Place<'_>) -> Option<Enums> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`enums` must be an object of enums by name (each a list of values), not {}",
                crate::lenient::kind(value)
            ),
        );
        return None;
    };
    let before = r.problems.len();
    let mut enums = BTreeMap::new();
    let mut declared = BTreeMap::new();
    for (name, raw) in crate::json::JsonObject::members(map) {
        let item = at.key(name);
        check_name(r, &item, "enum", name);
        let (parsed, values) = read_enum(r, raw, &item, name);
        declared.insert(name.to_string(), values);
        if let Some(e) = parsed {
            enums.insert(name.to_string(), e);
        }
    }
    let previous: Vec<(&str, Vec<String>)> = enums
        .iter()
        .map(|(n, e)| (n.as_str(), e.previous_names.clone()))
        .collect();
    check_previous_names(
        r,
        at,
        Owner::Schema,
        &previous,
        |n| declared.contains_key(n),
        "enum",
    );
    Some(Enums {
        parsed: enums,
        declared,
        ok: r.problems.len() == before,
    })
}

/// read_enum reads one enum: the enum when it parsed, and its values when they were read as a
/// list of strings (even with problems of their own).
fn read_enum<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    name: &str,
) -> (Option<EnumType>, Option<Vec<String>>) {
    if raw.as_array().is_some() {
        let Some((values, ok)) = read_values(r, raw, at, name) else {
            return (None, None);
        };
        let parsed = ok.then(|| EnumType {
            values: values.clone(),
            description: None,
            previous_names: Vec::new(),
            sql_name: None,
        });
        return (parsed, Some(values));
    }
    let Some([values, description, previous_names, sql_name]) = r.members(
        raw,
        at,
        format_args!("enum `{name}` (a list of values, or an object with `values`)"),
        ENUM_KEYS,
    ) else {
        return (None, None);
    };
    let values = r
        .require(
            values,
            at,
            "values",
            format_args!("enum `{name}` needs `values`: a list of strings"),
        )
        .and_then(|v| read_values(r, v, &at.key("values"), name));
    let description = optional_string(r, description, at, "description");
    let previous_names = read_previous_names(r, previous_names, at);
    let sql_name = optional_sql_name(r, sql_name, at);
    let Some((values, values_ok)) = values else {
        return (None, None);
    };
    let parsed = match (values_ok, description, previous_names, sql_name) {
        (true, Some(description), Some(previous_names), Some(sql_name)) => Some(EnumType {
            values: values.clone(),
            description,
            previous_names: previous_names.unwrap_or_default(),
            sql_name,
        }),
        _ => None,
    };
    (parsed, Some(values))
}

/// read_values reads an enum's values: at least one, each a non-empty string of at most
/// [`MAX_VALUE_BYTES`] without NUL, no value twice. The list is given when it is a list of
/// strings, with whether its values are valid.
fn read_values<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    name: &str,
) -> Option<(Vec<String>, bool)> {
    let before = r.problems.len();
    let values = r.string_list(raw, at, format_args!("the values of enum `{name}`"))?;
    if values.is_empty() && r.problems.len() == before {
        r.report(
            at,
            rules::EMPTY_VALUE,
            format!("enum `{name}` has no values: list at least one"),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, v) in values.iter().enumerate() {
        let item = at.index(i);
        if v.is_empty() {
            r.report(
                &item,
                rules::EMPTY_VALUE,
                format!("enum `{name}` has an empty value: values are non-empty strings"),
            );
        } else if v.contains('\0') {
            // Already reported as a NUL character wherever it is; said here for the enum too.
            r.report(
                &item,
                rules::INVALID_VALUE,
                format!("a value of enum `{name}` holds a NUL character"),
            );
        } else if v.len() > MAX_VALUE_BYTES {
            r.report(
                &item,
                rules::INVALID_VALUE,
                format!(
                    "value `{v}` of enum `{name}` is {} bytes long: at most {MAX_VALUE_BYTES} (PostgreSQL's limit)",
                    v.len()
                ),
            );
        }
        if !seen.insert(v.as_str()) {
            r.report(
                &item,
                rules::INVALID_VALUE,
                format!("enum `{name}` lists value `{v}` twice"),
            );
        }
    }
    // A non-string entry was skipped: the list is not the enum's values.
    let complete = raw
        .as_array()
        .is_some_and(|items| items.len() == values.len());
    let ok = r.problems.len() == before;
    complete.then_some((values, ok))
}
