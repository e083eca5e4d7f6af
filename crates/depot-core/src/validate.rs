//! Package parsing and validation (SPEC §1): raw JSON in, a normalized [`Package`] or every
//! problem found, each naming its schema, field and rule. The JSON is any [`JsonValue`]: a
//! `serde_json::Value`, or a [`crate::borrowed_json::BorrowedJson`] read straight from the text.
//!
//! The JSON is walked by hand rather than through serde so that one pass finds every problem
//! (serde stops at the first) and so that CloudFormation's string scalars are accepted. The
//! output is normalized: defaults filled in, literals in their normal form (see
//! [`crate::literal`]), `previousNames` sorted, indexes sorted by name, empty seed lists dropped,
//! so that the same logical package always serializes (and hashes) the same way.
//!
//! Reading a valid package costs no work for its problems: locations are [`Place`]s (a path
//! string is written only for a problem) and messages are formatted only when reported.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::field_type::FieldType;
use crate::json::{JsonObject, JsonValue, View};
use crate::literal;
use crate::nul::report_nul_characters;
use crate::package::{Field, Index, ObjectSchema, Package, Schema, ViewSchema};
use crate::problem::Problems;
use crate::reader::{describe_scalar, Place, Reader};
use crate::rules;

/// Parses and validates a package. Reports every problem at once.
pub fn parse_package(raw: &Value) -> Result<Package, Problems> {
    parse_package_json(raw)
}

/// [`parse_package`] of any JSON input: a `Value`, or a [`crate::borrowed_json::BorrowedJson`]
/// parsed straight from the text.
pub fn parse_package_json<J: JsonValue>(raw: &J) -> Result<Package, Problems> {
    let mut r = Reader::default();
    report_nul_characters(&mut r, raw, &Place::root());
    let package = read_package(&mut r, raw, &Place::root());
    r.finish(package)
}

/// [`parse_package_json`] of a package inside a document whose strings were already checked
/// for NUL characters (dataset properties).
pub(crate) fn parse_package_json_checked<J: JsonValue>(raw: &J) -> Result<Package, Problems> {
    let mut r = Reader::default();
    let package = read_package(&mut r, raw, &Place::root());
    r.finish(package)
}

/// is_logical_name tells whether `name` is a valid logical name: `[A-Za-z][A-Za-z0-9]*`.
pub fn is_logical_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|c| c.is_ascii_alphabetic())
        && bytes.all(|c| c.is_ascii_alphanumeric())
}

/// NAME_RULE is the logical-name rule as told to people.
pub const NAME_RULE: &str =
    "names start with a letter and contain only letters and digits ([A-Za-z][A-Za-z0-9]*)";

/// ENGINES are the keys allowed in a view's `queries`.
pub const ENGINES: &[&str] = &["postgres", "snowflake"];

const PACKAGE_KEYS: &[&str] = &["name", "version", "description", "schemas", "seeds"];
const OBJECT_KEYS: &[&str; 7] = &[
    "kind",
    "description",
    "fields",
    "primaryKey",
    "indexes",
    "previousNames",
    "sqlName",
];
const VIEW_KEYS: &[&str; 6] = &[
    "kind",
    "description",
    "query",
    "queries",
    "previousNames",
    "sqlName",
];
const FIELD_KEYS: &[&str; 9] = &[
    "type",
    "maxLength",
    "precision",
    "scale",
    "nullable",
    "default",
    "description",
    "previousNames",
    "sqlName",
];
const INDEX_KEYS: &[&str; 3] = &["name", "fields", "unique"];

/// The largest decimal precision both engines support.
const MAX_DECIMAL_PRECISION: u32 = 38;

/// Joined writes names separated by `, ` (for messages, formatted only when reported).
struct Joined<'a, T>(&'a [T]);

impl<T: AsRef<str>> fmt::Display for Joined<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name.as_ref())?;
        }
        Ok(())
    }
}

/// Declared is every field name an object declares (every key of its `fields`, valid or not;
/// none when `fields` is missing or not an object), borrowed from the input.
struct Declared<'v, J: JsonValue>(Option<&'v J::Object>);

// Not derived: a derive would ask `J` itself to be `Copy`.
impl<J: JsonValue> Clone for Declared<'_, J> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<J: JsonValue> Copy for Declared<'_, J> {}

impl<J: JsonValue> Declared<'_, J> {
    fn contains(&self, name: &str) -> bool {
        self.0.is_some_and(|m| m.contains_key(name))
    }

    /// The names, sorted, separated by `, `.
    fn list(&self) -> String {
        let mut names: Vec<&str> = self.0.iter().flat_map(|m| m.keys()).collect();
        names.sort_unstable();
        Joined(&names).to_string()
    }
}

/// Outline is what later checks (keys, seeds, previous names) need of a schema, even when the
/// schema itself has problems: its declared field names stop one mistake from cascading into
/// `unknown-field` reports elsewhere.
enum Outline<'v, J: JsonValue> {
    Object {
        declared: Declared<'v, J>,
        /// The fields that parsed and the primary key, when the object did not parse as a
        /// whole; when it did, they are in its [`ObjectSchema`] (not copied here).
        partial: Option<Partial>,
    },
    View,
    /// The kind is missing or wrong: nothing more is known.
    Unknown,
}

/// Partial is what parsed of an object that did not parse as a whole: its valid fields and its
/// primary key.
type Partial = (BTreeMap<String, Field>, Vec<String>);

/// Schemas is every schema that parsed, with the outline of every declared schema.
struct Schemas<'v, J: JsonValue> {
    /// The schemas that parsed (also those with an invalid name: `ok` is false then).
    parsed: BTreeMap<String, Schema>,
    outlines: BTreeMap<&'v str, Outline<'v, J>>,
    /// No problem was found in `schemas`.
    ok: bool,
}

fn read_package<J: JsonValue>(r: &mut Reader, raw: &J, at: &Place<'_>) -> Option<Package> {
    let map = r.object(raw, at, "a package", PACKAGE_KEYS)?;
    let name = r
        .required(map, at, "name", "the package name (a string)")
        .and_then(|v| r.non_empty_string(v, &at.key("name"), "the package `name`"));
    let version = r
        .required(
            map,
            at,
            "version",
            "the package version (a string such as \"1.3.0\")",
        )
        .and_then(|v| r.non_empty_string(v, &at.key("version"), "the package `version`"));
    let description = optional_string(r, map.get("description"), at, "description");
    let schemas = r
        .required(
            map,
            at,
            "schemas",
            "an object of schemas by name (it may be empty)",
        )
        .and_then(|v| read_schemas(r, v, &at.key("schemas")));
    let seeds = match (map.get("seeds"), &schemas) {
        (Some(v), Some(schemas)) => read_seeds(r, v, &at.key("seeds"), schemas),
        (Some(_), None) | (None, _) => Some(BTreeMap::new()),
    };
    let schemas = schemas.filter(|s| s.ok)?.parsed;
    Some(Package {
        name: name?,
        version: version?,
        description: description?,
        schemas,
        seeds: seeds?,
    })
}

/// optional_string reads `value`, member `key` of the object at `at`: `Some(None)` when
/// absent, `None` on a problem.
fn optional_string<J: JsonValue>(
    r: &mut Reader,
    value: Option<&J>,
    at: &Place<'_>,
    key: &str,
) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(v) => r.string(v, &at.key(key), format_args!("`{key}`")).map(Some),
    }
}

/// optional_sql_name reads `sqlName` (its value): a non-empty explicit physical name.
fn optional_sql_name<J: JsonValue>(
    r: &mut Reader,
    value: Option<&J>,
    at: &Place<'_>,
) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(v) => r
            .non_empty_string(
                v,
                &at.key("sqlName"),
                "`sqlName` (the explicit physical name)",
            )
            .map(Some),
    }
}

fn check_name(r: &mut Reader, at: &Place<'_>, what: &str, name: &str) -> bool {
    if is_logical_name(name) {
        return true;
    }
    r.report(
        at,
        rules::INVALID_NAME,
        format!("{what} `{name}` is not a valid name: {NAME_RULE}"),
    );
    false
}

fn read_schemas<'v, J: JsonValue>(
    r: &mut Reader,
    value: &'v J,
    at: &Place<'_>,
) -> Option<Schemas<'v, J>> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`schemas` must be an object of schemas by name, not {}",
                crate::lenient::kind(value)
            ),
        );
        return None;
    };
    let before = r.problems.len();
    // Schemas come in key order: collected, then built into maps at once.
    let mut parsed = Vec::with_capacity(map.len());
    let mut outlines = Vec::with_capacity(map.len());
    let mut previous: Vec<(&str, Vec<String>)> = Vec::new();
    for (name, raw) in map.members() {
        let sat = at.key(name).in_schema(name);
        // An invalid name is reported: `ok` is false, the parsed schema is never used.
        check_name(r, &sat, "schema name", name);
        let (schema, outline, prev) = read_schema(r, raw, &sat, name);
        if let Some(prev) = prev {
            previous.push((name, prev));
        }
        outlines.push((name, outline));
        if let Some(s) = schema {
            parsed.push((name.to_string(), s));
        }
    }
    check_previous_names(
        r,
        at,
        Owner::Schema,
        &previous,
        |n| map.contains_key(n),
        "schema",
    );
    Some(Schemas {
        parsed: parsed.into_iter().collect(),
        outlines: outlines.into_iter().collect(),
        ok: r.problems.len() == before,
    })
}

/// Owner is what a list of previous names belongs to.
#[derive(Clone, Copy)]
enum Owner {
    Schema,
    Field,
}

/// check_previous_names reports previous names that are a current name (of this or another
/// item), or that two items both claim: either way the planner could not tell what was renamed.
/// `parent` is where the items are (`schemas`, or an object's `fields`).
fn check_previous_names(
    r: &mut Reader,
    parent: &Place<'_>,
    owner: Owner,
    previous: &[(&str, Vec<String>)],
    is_current: impl Fn(&str) -> bool,
    what: &str,
) {
    let mut claimed: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, prevs) in previous {
        let name = *name;
        let item = parent.key(name);
        let item = match owner {
            Owner::Schema => item.in_schema(name),
            Owner::Field => item.in_field(name),
        };
        let at = item.key("previousNames");
        for p in prevs {
            if p == name {
                r.report(
                    &at,
                    rules::PREVIOUS_NAME_CONFLICT,
                    format!("{what} `{name}` lists its own name in previousNames"),
                );
            } else if is_current(p) {
                r.report(
                    &at,
                    rules::PREVIOUS_NAME_CONFLICT,
                    format!(
                        "{what} `{name}` lists `{p}` in previousNames, but `{p}` is a current {what}: a name cannot be renamed and kept"
                    ),
                );
            } else if let Some(other) = claimed.insert(p, name) {
                r.report(
                    &at,
                    rules::PREVIOUS_NAME_CONFLICT,
                    format!(
                        "{what}s `{other}` and `{name}` both list `{p}` in previousNames: only one can be the renamed `{p}`"
                    ),
                );
            }
        }
    }
}

/// read_previous_names reads `previousNames` (its value): valid names, sorted and without
/// duplicates.
fn read_previous_names<J: JsonValue>(
    r: &mut Reader,
    value: Option<&J>,
    at: &Place<'_>,
) -> Option<Option<Vec<String>>> {
    let Some(v) = value else {
        return Some(None);
    };
    let at = at.key("previousNames");
    let before = r.problems.len();
    let list = r.string_list(v, &at, "`previousNames`")?;
    for (i, n) in list.iter().enumerate() {
        check_name(r, &at.index(i), "previous name", n);
    }
    let set: BTreeSet<String> = list.into_iter().collect();
    (r.problems.len() == before).then(|| Some(set.into_iter().collect()))
}

fn read_schema<'v, J: JsonValue>(
    r: &mut Reader,
    raw: &'v J,
    at: &Place<'_>,
    name: &str,
) -> (Option<Schema>, Outline<'v, J>, Option<Vec<String>>) {
    let Some(map) = raw.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "schema `{name}` must be an object with a `kind`, not {}",
                crate::lenient::kind(raw)
            ),
        );
        return (None, Outline::Unknown, None);
    };
    let kind = match map.get("kind").map(|v| (v, v.view())) {
        None => {
            r.report(
                &at.key("kind"),
                rules::REQUIRED,
                format!("schema `{name}` needs a `kind`: object or view"),
            );
            None
        }
        Some((_, View::String(k))) if k == "object" || k == "view" => Some(k),
        Some((other, _)) => {
            r.report(
                &at.key("kind"),
                rules::INVALID_KIND,
                format!(
                    "schema `{name}` has kind {}; the kinds are object and view",
                    describe_scalar(other)
                ),
            );
            None
        }
    };
    match kind {
        Some("object") => {
            let [_, description, fields, primary_key, indexes, previous_names, sql_name] =
                r.member_values(map, at, format_args!("object `{name}`"), OBJECT_KEYS);
            let prev = read_previous_names(r, previous_names, at);
            let members = ObjectMembers {
                description,
                fields,
                primary_key,
                indexes,
                sql_name,
            };
            let (object, declared) = read_object(r, members, at, name);
            match (object, prev) {
                (Ok(mut o), Some(p)) => {
                    let check = p.clone();
                    o.previous_names = p.unwrap_or_default();
                    let outline = Outline::Object {
                        declared,
                        partial: None,
                    };
                    (Some(Schema::Object(o)), outline, check)
                }
                // The object parsed but its previous names did not: the outline keeps what
                // seeds are checked against.
                (Ok(o), None) => {
                    let outline = Outline::Object {
                        declared,
                        partial: Some((o.fields, o.primary_key)),
                    };
                    (None, outline, None)
                }
                (Err(partial), prev) => {
                    let outline = Outline::Object {
                        declared,
                        partial: Some(partial),
                    };
                    (None, outline, prev.flatten())
                }
            }
        }
        Some(_) => {
            let [_, description, query, queries, previous_names, sql_name] =
                r.member_values(map, at, format_args!("view `{name}`"), VIEW_KEYS);
            let prev = read_previous_names(r, previous_names, at);
            let members = ViewMembers {
                description,
                query,
                queries,
                sql_name,
            };
            let view = read_view(r, members, at, name);
            match (view, prev) {
                (Some(mut v), Some(p)) => {
                    let check = p.clone();
                    v.previous_names = p.unwrap_or_default();
                    (Some(Schema::View(v)), Outline::View, check)
                }
                (_, prev) => (None, Outline::View, prev.flatten()),
            }
        }
        None => (
            None,
            Outline::Unknown,
            read_previous_names(r, map.get("previousNames"), at).flatten(),
        ),
    }
}

/// ViewMembers are the members of a view read by [`read_view`].
struct ViewMembers<'v, J> {
    description: Option<&'v J>,
    query: Option<&'v J>,
    queries: Option<&'v J>,
    sql_name: Option<&'v J>,
}

fn read_view<J: JsonValue>(
    r: &mut Reader,
    members: ViewMembers<'_, J>,
    at: &Place<'_>,
    name: &str,
) -> Option<ViewSchema> {
    let ViewMembers {
        description,
        query,
        queries: queries_value,
        sql_name,
    } = members;
    let before = r.problems.len();
    let description = optional_string(r, description, at, "description");
    let sql_name = optional_sql_name(r, sql_name, at);
    let has_sql = query.is_some() || queries_value.is_some();
    let query = match query {
        None => Some(None),
        Some(v) => r
            .non_empty_string(
                v,
                &at.key("query"),
                "the view `query` (SQL in logical names)",
            )
            .map(Some),
    };
    let mut queries = BTreeMap::new();
    if let Some(v) = queries_value {
        let qat = at.key("queries");
        if let Some(qmap) = r.object(v, &qat, "`queries` (SQL per engine)", ENGINES) {
            for (engine, q) in qmap.members() {
                if !ENGINES.contains(&engine) {
                    // Reported as an unknown key, with the engines listed.
                    continue;
                }
                if let Some(q) =
                    r.non_empty_string(q, &qat.key(engine), format_args!("the {engine} query"))
                {
                    queries.insert(engine.to_string(), q);
                }
            }
        }
    }
    if !has_sql {
        r.report(
            &at.key("query"),
            rules::MISSING_QUERY,
            format!(
                "view `{name}` has no SQL: give `query` (portable) or `queries` (per engine: postgres, snowflake)"
            ),
        );
    }
    (r.problems.len() == before).then(|| ViewSchema {
        description: description.flatten(),
        query: query.flatten(),
        queries,
        previous_names: Vec::new(),
        sql_name: sql_name.flatten(),
    })
}

/// ObjectMembers are the members of an object read by [`read_object`].
struct ObjectMembers<'v, J> {
    description: Option<&'v J>,
    fields: Option<&'v J>,
    primary_key: Option<&'v J>,
    indexes: Option<&'v J>,
    sql_name: Option<&'v J>,
}

fn read_object<'v, J: JsonValue>(
    r: &mut Reader,
    members: ObjectMembers<'v, J>,
    at: &Place<'_>,
    name: &str,
) -> (Result<ObjectSchema, Partial>, Declared<'v, J>) {
    let ObjectMembers {
        description,
        fields: fields_value,
        primary_key: primary_key_value,
        indexes: indexes_value,
        sql_name,
    } = members;
    let before = r.problems.len();
    let description = optional_string(r, description, at, "description");
    let sql_name = optional_sql_name(r, sql_name, at);

    let mut declared = Declared(None);
    // Fields come in key order: collected, then built into a map at once.
    let mut fields = Vec::new();
    let mut field_previous = Vec::new();
    let fields_at = at.key("fields");
    match r
        .require(fields_value, at, "fields", "an object of fields by name")
        .map(|v| (v, v.view()))
    {
        None => {}
        Some((_, View::Object(fmap))) if fmap.is_empty() => r.report(
            &fields_at,
            rules::NO_FIELDS,
            format!("object `{name}` has no fields: an object needs at least one"),
        ),
        Some((_, View::Object(fmap))) => {
            declared = Declared(Some(fmap));
            fields.reserve_exact(fmap.len());
            for (fname, raw) in fmap.members() {
                let fat = fields_at.key(fname).in_field(fname);
                let name_ok = check_name(r, &fat, "field name", fname);
                let (field, prev) = read_field(r, raw, &fat, fname);
                if let Some(prev) = prev {
                    field_previous.push((fname, prev));
                }
                if let (Some(f), true) = (field, name_ok) {
                    fields.push((fname.to_string(), f));
                }
            }
        }
        Some((other, _)) => r.report(
            &fields_at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`fields` of object `{name}` must be an object of fields by name, not {}",
                crate::lenient::kind(other)
            ),
        ),
    }
    check_previous_names(
        r,
        &fields_at,
        Owner::Field,
        &field_previous,
        |n| declared.contains(n),
        "field",
    );
    let fields: BTreeMap<String, Field> = fields.into_iter().collect();

    let primary_key = match primary_key_value {
        None => Vec::new(),
        Some(v) => {
            let kat = at.key("primaryKey");
            let keys = r
                .string_list(v, &kat, "`primaryKey` (a list of field names)")
                .unwrap_or_default();
            check_field_list(r, &kat, &keys, declared, "the primary key");
            for (i, k) in keys.iter().enumerate() {
                if fields.get(k).is_some_and(|f: &Field| f.nullable) {
                    r.report(
                        &kat.index(i).in_field(k),
                        rules::NULLABLE_KEY,
                        format!(
                            "field `{k}` is in the primary key of `{name}` but is nullable: key fields cannot be null"
                        ),
                    );
                }
            }
            keys
        }
    };

    let mut indexes = Vec::new();
    if let Some(v) = indexes_value {
        let iat = at.key("indexes");
        match v.as_array() {
            None => r.report(
                &iat,
                rules::WRONG_JSON_TYPE,
                format!(
                    "`indexes` must be an array of {{name, fields, unique}}, not {}",
                    crate::lenient::kind(v)
                ),
            ),
            Some(items) => {
                indexes.reserve_exact(items.len());
                // Names as the input spells them: a parsed index's name is its input string.
                let mut seen: BTreeSet<&str> = BTreeSet::new();
                for (i, raw) in items.iter().enumerate() {
                    let ixat = iat.index(i);
                    if let Some(ix) = read_index(r, raw, &ixat, declared) {
                        let spelled = raw
                            .as_object()
                            .and_then(|o| o.get("name"))
                            .and_then(JsonValue::as_str)
                            .unwrap_or_default();
                        if !seen.insert(spelled) {
                            r.report(
                                &ixat.key("name"),
                                rules::DUPLICATE_INDEX,
                                format!("object `{name}` has two indexes named `{}`", ix.name),
                            );
                        }
                        indexes.push(ix);
                    }
                }
            }
        }
    }
    // Index order carries no meaning: sorting keeps the normalized form (and hash) stable.
    indexes.sort_by(|a, b| a.name.cmp(&b.name));

    let object = if r.problems.len() == before {
        Ok(ObjectSchema {
            description: description.flatten(),
            fields,
            primary_key,
            indexes,
            previous_names: Vec::new(),
            sql_name: sql_name.flatten(),
        })
    } else {
        Err((fields, primary_key))
    };
    (object, declared)
}

/// check_field_list reports unknown and repeated fields of a key or index.
fn check_field_list<J: JsonValue>(
    r: &mut Reader,
    at: &Place<'_>,
    list: &[String],
    declared: Declared<'_, J>,
    what: impl fmt::Display,
) {
    // Lists are short: an earlier entry is looked for by scanning, unless the list is long.
    let long = list.len() > 16;
    let mut seen = BTreeSet::new();
    for (i, f) in list.iter().enumerate() {
        if !declared.contains(f) {
            r.report(
                &at.index(i).in_field(f),
                rules::UNKNOWN_FIELD,
                format!(
                    "{what} names field `{f}`, which the object does not have; fields: {}",
                    declared.list()
                ),
            );
            continue;
        }
        let repeated = if long {
            !seen.insert(f)
        } else {
            list[..i].contains(f)
        };
        if repeated {
            r.report(
                &at.index(i).in_field(f),
                rules::DUPLICATE_FIELD,
                format!("{what} lists field `{f}` twice"),
            );
        }
    }
}

/// IndexWhat names an index in messages: `index `byName``, or `the index` without a name.
struct IndexWhat<'a>(Option<&'a str>);

impl fmt::Display for IndexWhat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, "index `{n}`"),
            None => f.write_str("the index"),
        }
    }
}

fn read_index<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    declared: Declared<'_, J>,
) -> Option<Index> {
    let before = r.problems.len();
    let [name, fields, unique] = r.members(raw, at, "an index", INDEX_KEYS)?;
    let name_at = at.key("name");
    let name = r
        .require(name, at, "name", "the index name")
        .and_then(|v| r.string(v, &name_at, "the index `name`"));
    if let Some(n) = &name {
        check_name(r, &name_at, "index name", n);
    }
    let fields_at = at.key("fields");
    let fields = r
        .require(
            fields,
            at,
            "fields",
            "the indexed fields (a non-empty list)",
        )
        .and_then(|v| r.string_list(v, &fields_at, "the index `fields`"));
    if let Some(f) = &fields {
        let what = IndexWhat(name.as_deref());
        if f.is_empty() {
            r.report(
                &fields_at,
                rules::EMPTY_VALUE,
                format!("{what} has no fields"),
            );
        }
        check_field_list(r, &fields_at, f, declared, &what);
    }
    let unique = match unique {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("unique"), "`unique`"),
    };
    (r.problems.len() == before).then_some(Index {
        name: name?,
        fields: fields?,
        unique: unique?,
    })
}

/// TYPE_ALIASES maps common spellings from other systems to Depot's type, for a hint.
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("int", "integer"),
    ("int4", "integer"),
    ("int32", "integer"),
    ("int8", "bigint"),
    ("int64", "bigint"),
    ("long", "bigint"),
    ("text", "string"),
    ("varchar", "string"),
    ("bool", "boolean"),
    ("float", "double"),
    ("float8", "double"),
    ("number", "double"),
    ("real", "double"),
    ("numeric", "decimal"),
    ("datetime", "timestamp"),
    ("bytes", "binary"),
    ("bytea", "binary"),
    ("blob", "binary"),
    ("jsonb", "json"),
];

/// TypeMembers are the members of a field that give its type.
struct TypeMembers<'v, J> {
    type_name: Option<&'v J>,
    max_length: Option<&'v J>,
    precision: Option<&'v J>,
    scale: Option<&'v J>,
}

fn read_field_type<J: JsonValue>(
    r: &mut Reader,
    members: TypeMembers<'_, J>,
    at: &Place<'_>,
    name: &str,
) -> Option<FieldType> {
    let TypeMembers {
        type_name,
        max_length,
        precision,
        scale,
    } = members;
    let before = r.problems.len();
    let type_name = r
        .require(
            type_name,
            at,
            "type",
            format_args!("field `{name}` needs a type: {}", Joined(FieldType::NAMES)),
        )
        .and_then(|v| r.str(v, &at.key("type"), "the field `type`"))?;
    let param = |r: &mut Reader, value: Option<&J>, key: &str| -> Option<Option<u32>> {
        match value {
            None => Some(None),
            Some(v) => r.u32(v, &at.key(key), format_args!("`{key}`")).map(Some),
        }
    };
    let given = (max_length.is_some(), precision.is_some(), scale.is_some());
    let max_length = param(r, max_length, "maxLength");
    let precision = param(r, precision, "precision");
    let scale = param(r, scale, "scale");
    let misplaced = |r: &mut Reader, present: bool, key: &str, belongs: &str| {
        if present {
            r.report(
                &at.key(key),
                rules::INVALID_TYPE_PARAMETER,
                format!("`{key}` applies only to {belongs} fields, and `{name}` is {type_name}"),
            );
        }
    };
    let field_type = match type_name {
        "string" => {
            misplaced(r, given.1, "precision", "decimal");
            misplaced(r, given.2, "scale", "decimal");
            if max_length == Some(Some(0)) {
                r.report(
                    &at.key("maxLength"),
                    rules::INVALID_TYPE_PARAMETER,
                    "`maxLength` must be at least 1 (leave it out for unbounded strings)",
                );
            }
            FieldType::String {
                max_length: max_length.flatten(),
            }
        }
        "decimal" => {
            misplaced(r, given.0, "maxLength", "string");
            let s = scale.flatten().unwrap_or(0);
            match precision {
                // Not a number: already reported.
                None => {}
                Some(None) => r.report(
                    &at.key("precision"),
                    rules::INVALID_TYPE_PARAMETER,
                    format!("decimal field `{name}` needs `precision` (1 to {MAX_DECIMAL_PRECISION})"),
                ),
                Some(Some(p)) if !(1..=MAX_DECIMAL_PRECISION).contains(&p) => r.report(
                    &at.key("precision"),
                    rules::INVALID_TYPE_PARAMETER,
                    format!("precision {p} of `{name}` is out of range: 1 to {MAX_DECIMAL_PRECISION}"),
                ),
                Some(Some(p)) if s > p => r.report(
                    &at.key("scale"),
                    rules::INVALID_TYPE_PARAMETER,
                    format!("scale {s} of `{name}` is larger than its precision {p}: scale is 0 to precision"),
                ),
                Some(Some(_)) => {}
            }
            FieldType::Decimal {
                precision: precision.flatten().unwrap_or(0),
                scale: s,
            }
        }
        other => {
            let Some(known) = simple_type(other) else {
                let hint = TYPE_ALIASES
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(other))
                    .map(|(_, t)| *t)
                    .or_else(|| {
                        FieldType::NAMES
                            .iter()
                            .copied()
                            .find(|n| n.eq_ignore_ascii_case(other))
                    })
                    .map(|t| format!(" (did you mean `{t}`?)"))
                    .unwrap_or_default();
                r.report(
                    &at.key("type"),
                    rules::UNKNOWN_TYPE,
                    format!(
                        "field `{name}` has unknown type `{other}`{hint}; valid types: {}",
                        Joined(FieldType::NAMES)
                    ),
                );
                return None;
            };
            misplaced(r, given.0, "maxLength", "string");
            misplaced(r, given.1, "precision", "decimal");
            misplaced(r, given.2, "scale", "decimal");
            known
        }
    };
    (r.problems.len() == before).then_some(field_type)
}

/// simple_type is the parameterless type named `name`.
fn simple_type(name: &str) -> Option<FieldType> {
    Some(match name {
        "integer" => FieldType::Integer,
        "bigint" => FieldType::Bigint,
        "double" => FieldType::Double,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "time" => FieldType::Time,
        "timestamp" => FieldType::Timestamp,
        "timestamptz" => FieldType::Timestamptz,
        "json" => FieldType::Json,
        "uuid" => FieldType::Uuid,
        "binary" => FieldType::Binary,
        _ => return None,
    })
}

fn read_field<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    name: &str,
) -> (Option<Field>, Option<Vec<String>>) {
    let before = r.problems.len();
    let Some(
        [type_name, max_length, precision, scale, nullable, default, description, previous_names, sql_name],
    ) = r.members(raw, at, format_args!("field `{name}`"), FIELD_KEYS)
    else {
        return (None, None);
    };
    let type_members = TypeMembers {
        type_name,
        max_length,
        precision,
        scale,
    };
    let field_type = read_field_type(r, type_members, at, name);
    let nullable = match nullable {
        None => Some(false),
        Some(v) => r.bool(v, &at.key("nullable"), "`nullable`"),
    };
    let default = match (default, &field_type) {
        (None, _) => Some(None),
        (Some(v), _) if v.is_null() => {
            r.report(
                &at.key("default"),
                rules::INVALID_DEFAULT,
                format!("field `{name}` has default null, which is the same as no default: remove `default`"),
            );
            None
        }
        (Some(v), Some(t)) => match literal::normalize(t, v) {
            Ok(n) => Some(Some(n)),
            Err(e) => {
                r.report(
                    &at.key("default"),
                    rules::INVALID_DEFAULT,
                    format!(
                        "the default of field `{name}` is not a {} value: {e}",
                        t.describe()
                    ),
                );
                None
            }
        },
        // The type itself is wrong and already reported: the default cannot be checked.
        (Some(_), None) => None,
    };
    let description = optional_string(r, description, at, "description");
    let sql_name = optional_sql_name(r, sql_name, at);
    let Some(prev) = read_previous_names(r, previous_names, at) else {
        return (None, None);
    };
    let (Some(field_type), Some(nullable), Some(default), Some(description), Some(sql_name)) =
        (field_type, nullable, default, description, sql_name)
    else {
        return (None, prev);
    };
    if r.problems.len() > before {
        return (None, prev);
    }
    let field = Field {
        field_type,
        nullable,
        default,
        description,
        // Kept twice only when given (rarely): once in the field, once for the checks.
        previous_names: prev.clone().unwrap_or_default(),
        sql_name,
    };
    (Some(field), prev)
}

type Seeds = BTreeMap<String, Vec<Map<String, Value>>>;

fn read_seeds<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
    schemas: &Schemas<'_, J>,
) -> Option<Seeds> {
    let before = r.problems.len();
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`seeds` must be an object of row lists by object name, not {}",
                crate::lenient::kind(value)
            ),
        );
        return None;
    };
    let mut seeds = BTreeMap::new();
    for (schema, rows) in map.members() {
        let sat = at.key(schema).in_schema(schema);
        let (fields, primary_key, declared) = match schemas.outlines.get(schema) {
            None => {
                r.report(
                    &sat,
                    rules::UNKNOWN_SCHEMA,
                    format!(
                        "seeds are given for `{schema}`, which is not a schema of the package; objects: {}",
                        schemas
                            .outlines
                            .iter()
                            .filter(|(_, o)| matches!(o, Outline::Object { .. }))
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            Some(Outline::View) => {
                r.report(
                    &sat,
                    rules::SEED_NOT_OBJECT,
                    format!(
                        "seeds are given for `{schema}`, which is a view: only objects hold rows"
                    ),
                );
                continue;
            }
            // Its problems are already reported; rows cannot be checked against it.
            Some(Outline::Unknown) => continue,
            Some(Outline::Object {
                declared,
                partial: Some((fields, primary_key)),
            }) => (fields, primary_key.as_slice(), *declared),
            Some(Outline::Object {
                declared,
                partial: None,
            }) => match schemas.parsed.get(schema) {
                Some(Schema::Object(o)) => (&o.fields, o.primary_key.as_slice(), *declared),
                // An object without a partial outline parsed: it is always there.
                Some(Schema::View(_)) | None => continue,
            },
        };
        let Some(items) = rows.as_array() else {
            r.report(
                &sat,
                rules::WRONG_JSON_TYPE,
                format!(
                    "seeds of `{schema}` must be an array of rows (objects), not {}",
                    crate::lenient::kind(rows)
                ),
            );
            continue;
        };
        if primary_key.is_empty() && !items.is_empty() {
            r.report(
                &sat,
                rules::SEED_WITHOUT_KEY,
                format!(
                    "seeds are given for `{schema}`, which has no primary key: seeding upserts on the primary key, so the object needs one"
                ),
            );
            continue;
        }
        let mut keys_seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut out = Vec::new();
        for (i, row) in items.iter().enumerate() {
            let rat = sat.index(i);
            if let Some(row) = read_seed_row(r, row, &rat, schema, fields, primary_key, declared) {
                // Normalized values are equal exactly when their JSON text is (JSON values are
                // not `Ord`, their text is).
                let key: Vec<&Value> = primary_key.iter().filter_map(|k| row.get(k)).collect();
                if let Some(first) =
                    keys_seen.insert(serde_json::to_string(&key).unwrap_or_default(), i)
                {
                    r.report(
                        &rat,
                        rules::DUPLICATE_SEED_KEY,
                        format!(
                            "seed rows {first} and {i} of `{schema}` have the same primary key: the later one would overwrite the earlier"
                        ),
                    );
                }
                out.push(row);
            }
        }
        if !out.is_empty() {
            seeds.insert(schema.to_string(), out);
        }
    }
    (r.problems.len() == before).then_some(seeds)
}

fn read_seed_row<J: JsonValue>(
    r: &mut Reader,
    raw: &J,
    at: &Place<'_>,
    schema: &str,
    fields: &BTreeMap<String, Field>,
    primary_key: &[String],
    declared: Declared<'_, J>,
) -> Option<Map<String, Value>> {
    let before = r.problems.len();
    let Some(map) = raw.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "a seed row of `{schema}` must be an object of field values, not {}",
                crate::lenient::kind(raw)
            ),
        );
        return None;
    };
    let mut row = Map::new();
    for (name, value) in map.members() {
        let fat = at.key(name).in_field(name);
        if !declared.contains(name) {
            r.report(
                &fat,
                rules::UNKNOWN_FIELD,
                format!(
                    "seed row names `{name}`, which is not a field of `{schema}`; fields: {}",
                    declared.list()
                ),
            );
            continue;
        }
        // A field with its own problems (reported already) cannot check its values.
        let Some(field) = fields.get(name) else {
            continue;
        };
        if value.is_null() {
            if field.nullable {
                row.insert(name.to_string(), Value::Null);
            } else {
                r.report(
                    &fat,
                    rules::INVALID_SEED_VALUE,
                    format!("seed value of `{name}` is null, but the field is not nullable"),
                );
            }
            continue;
        }
        match literal::normalize(&field.field_type, value) {
            Ok(v) => {
                row.insert(name.to_string(), v);
            }
            Err(e) => r.report(
                &fat,
                rules::INVALID_SEED_VALUE,
                format!(
                    "seed value of `{name}` is not a {} value: {e}",
                    field.field_type.describe()
                ),
            ),
        }
    }
    for (name, field) in fields {
        if map.contains_key(name) {
            continue;
        }
        let fat = at.in_field(name);
        if primary_key.contains(name) {
            r.report(
                &fat,
                rules::MISSING_SEED_VALUE,
                format!(
                    "seed row lacks primary-key field `{name}`: seeding upserts on the primary key"
                ),
            );
        } else if !field.nullable && field.default.is_none() {
            r.report(
                &fat,
                rules::MISSING_SEED_VALUE,
                format!("seed row lacks `{name}`, which is not nullable and has no default"),
            );
        }
    }
    (r.problems.len() == before).then_some(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dogs() -> Value {
        json!({
            "name": "dogs",
            "version": "1.3.0",
            "description": "Dogs and their vaccinations",
            "schemas": {
                "Dog": {
                    "kind": "object",
                    "description": "A dog known to the clinic",
                    "fields": {
                        "id":         { "type": "uuid" },
                        "name":       { "type": "string", "maxLength": 200 },
                        "birthDate":  { "type": "date", "nullable": true },
                        "weightKg":   { "type": "decimal", "precision": 6, "scale": 2, "nullable": true },
                        "vaccinated": { "type": "boolean", "default": false },
                        "ownerName":  { "type": "string", "nullable": true, "previousNames": ["owner"] }
                    },
                    "primaryKey": ["id"],
                    "indexes": [ { "name": "byName", "fields": ["name"] } ],
                    "previousNames": ["Hound"]
                },
                "VaccinatedDog": {
                    "kind": "view",
                    "query": "SELECT id, name, birthDate FROM Dog WHERE vaccinated"
                }
            },
            "seeds": { "Dog": [ { "id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex" } ] }
        })
    }

    fn unseeded() -> Value {
        let mut raw = dogs();
        raw.as_object_mut().unwrap().remove("seeds");
        raw
    }

    /// problems parses `raw`, expecting failure, and gives (rule, path) pairs.
    fn problems(raw: Value) -> Vec<(&'static str, String)> {
        match parse_package(&raw) {
            Ok(p) => panic!("expected problems, the package parsed: {p:?}"),
            Err(ps) => ps.0.into_iter().map(|p| (p.rule, p.path)).collect(),
        }
    }

    fn with(mut base: Value, pointer: &str, value: Value) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        base.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_string(), value);
        base
    }

    #[test]
    fn the_spec_example_parses_into_the_model() {
        let p = parse_package(&dogs()).unwrap();
        assert_eq!(p.name, "dogs");
        let Schema::Object(dog) = &p.schemas["Dog"] else {
            panic!("Dog is an object")
        };
        assert_eq!(dog.fields.len(), 6);
        assert_eq!(dog.primary_key, ["id"]);
        assert_eq!(dog.previous_names, ["Hound"]);
        assert_eq!(
            dog.fields["weightKg"].field_type,
            FieldType::Decimal {
                precision: 6,
                scale: 2
            }
        );
        assert_eq!(dog.fields["vaccinated"].default, Some(json!(false)));
        assert!(!dog.fields["name"].nullable);
        assert_eq!(
            dog.indexes,
            [Index {
                name: "byName".into(),
                fields: vec!["name".into()],
                unique: false
            }]
        );
        let Schema::View(v) = &p.schemas["VaccinatedDog"] else {
            panic!("a view")
        };
        assert_eq!(
            v.query_for("postgres"),
            Some("SELECT id, name, birthDate FROM Dog WHERE vaccinated")
        );
        assert_eq!(p.seeds["Dog"][0]["name"], json!("Rex"));
    }

    #[test]
    fn string_scalars_are_accepted_and_normalized() {
        let raw = with(
            dogs(),
            "/schemas/Dog/fields/age",
            json!({"type": "integer", "default": "5", "nullable": "true"}),
        );
        let raw = with(
            raw,
            "/schemas/Dog/fields/weightKg",
            json!({"type": "decimal", "precision": "6", "scale": "2", "default": "012.50"}),
        );
        let p = parse_package(&raw).unwrap();
        let Schema::Object(dog) = &p.schemas["Dog"] else {
            panic!()
        };
        assert_eq!(dog.fields["age"].default, Some(json!(5)));
        assert!(dog.fields["age"].nullable);
        assert_eq!(dog.fields["weightKg"].default, Some(json!("12.5")));
    }

    #[test]
    fn normalization_sorts_what_has_no_order() {
        let a = with(
            dogs(),
            "/schemas/Dog/indexes",
            json!([{"name": "b", "fields": ["id"]}, {"name": "a", "fields": ["name"], "unique": "true"}]),
        );
        let a = with(a, "/schemas/Dog/previousNames", json!(["Pup", "Hound"]));
        let b = with(
            dogs(),
            "/schemas/Dog/indexes",
            json!([{"name": "a", "fields": ["name"], "unique": true}, {"name": "b", "fields": ["id"]}]),
        );
        let b = with(
            b,
            "/schemas/Dog/previousNames",
            json!(["Hound", "Pup", "Hound"]),
        );
        assert_eq!(parse_package(&a).unwrap(), parse_package(&b).unwrap());
    }

    #[test]
    fn required_top_level_keys_and_unknown_keys() {
        assert_eq!(
            problems(json!({"nme": "x", "schemas": {}})),
            [
                (rules::UNKNOWN_KEY, "nme".to_string()),
                (rules::REQUIRED, "name".to_string()),
                (rules::REQUIRED, "version".to_string()),
            ]
        );
        assert_eq!(
            problems(json!([])),
            [(rules::WRONG_JSON_TYPE, "$".to_string())]
        );
        assert!(parse_package(&json!({"name": "n", "version": "1", "schemas": {}})).is_ok());
    }

    #[test]
    fn invalid_names_name_the_rule_schema_and_field() {
        let raw = with(
            dogs(),
            "/schemas/Dog/fields/birth_date",
            json!({"type": "date"}),
        );
        let err = parse_package(&raw).unwrap_err();
        assert_eq!(err.0.len(), 1);
        let p = &err.0[0];
        assert_eq!(
            (p.rule, p.path.as_str()),
            (rules::INVALID_NAME, "schemas.Dog.fields.birth_date")
        );
        assert_eq!(p.schema.as_deref(), Some("Dog"));
        assert_eq!(p.field.as_deref(), Some("birth_date"));
        assert!(p.message.contains("[A-Za-z][A-Za-z0-9]*"), "{}", p.message);
        assert!(
            is_logical_name("Dog2")
                && !is_logical_name("2Dog")
                && !is_logical_name("")
                && !is_logical_name("Dög")
        );
    }

    #[test]
    fn unknown_type_lists_the_valid_types_and_hints() {
        let raw = with(dogs(), "/schemas/Dog/fields/name", json!({"type": "text"}));
        let err = parse_package(&raw).unwrap_err();
        let p = &err.0[0];
        assert_eq!(
            (p.rule, p.path.as_str()),
            (rules::UNKNOWN_TYPE, "schemas.Dog.fields.name.type")
        );
        assert!(p.message.contains("did you mean `string`"), "{}", p.message);
        assert!(p.message.contains("timestamptz"), "{}", p.message);
        assert_eq!(
            err.0.len(),
            1,
            "the index on `name` is not reported again: {err}"
        );
    }

    #[test]
    fn type_parameters_are_checked() {
        let cases = [
            (
                json!({"type": "integer", "maxLength": 5}),
                "schemas.Dog.fields.x.maxLength",
            ),
            (
                json!({"type": "string", "maxLength": 0}),
                "schemas.Dog.fields.x.maxLength",
            ),
            (
                json!({"type": "string", "maxLength": "-3"}),
                "schemas.Dog.fields.x.maxLength",
            ),
            (json!({"type": "decimal"}), "schemas.Dog.fields.x.precision"),
            (
                json!({"type": "decimal", "precision": 39}),
                "schemas.Dog.fields.x.precision",
            ),
            (
                json!({"type": "decimal", "precision": 4, "scale": 5}),
                "schemas.Dog.fields.x.scale",
            ),
            (
                json!({"type": "string", "scale": 1}),
                "schemas.Dog.fields.x.scale",
            ),
        ];
        for (field, path) in cases {
            let got = problems(with(unseeded(), "/schemas/Dog/fields/x", field.clone()));
            assert_eq!(got.len(), 1, "{field}: {got:?}");
            assert_eq!(got[0].1, path, "{field}");
        }
        let ok = parse_package(&with(
            unseeded(),
            "/schemas/Dog/fields/x",
            json!({"type": "decimal", "precision": 10}),
        ))
        .unwrap();
        let Schema::Object(dog) = &ok.schemas["Dog"] else {
            panic!()
        };
        assert_eq!(
            dog.fields["x"].field_type,
            FieldType::Decimal {
                precision: 10,
                scale: 0
            }
        );
    }

    #[test]
    fn defaults_must_be_literals_of_the_field_type() {
        for (field, needle) in [
            (json!({"type": "integer", "default": "five"}), "integer"),
            (json!({"type": "date", "default": "2024-13-01"}), "calendar"),
            (json!({"type": "uuid", "default": 5}), "UUID"),
            (
                json!({"type": "string", "nullable": true, "default": null}),
                "no default",
            ),
        ] {
            let err =
                parse_package(&with(dogs(), "/schemas/Dog/fields/x", field.clone())).unwrap_err();
            assert_eq!(err.0.len(), 1, "{field}");
            assert_eq!(err.0[0].rule, rules::INVALID_DEFAULT);
            assert_eq!(err.0[0].path, "schemas.Dog.fields.x.default");
            assert!(err.0[0].message.contains(needle), "{}", err.0[0].message);
        }
    }

    #[test]
    fn previous_names_cannot_be_current_names() {
        let raw = with(
            dogs(),
            "/schemas/Dog/fields/ownerName/previousNames",
            json!(["name"]),
        );
        assert_eq!(
            problems(raw),
            [(
                rules::PREVIOUS_NAME_CONFLICT,
                "schemas.Dog.fields.ownerName.previousNames".to_string()
            )]
        );
        let raw = with(
            dogs(),
            "/schemas/Dog/previousNames",
            json!(["VaccinatedDog", "Dog"]),
        );
        let got = problems(raw);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got
            .iter()
            .all(|(r, p)| *r == rules::PREVIOUS_NAME_CONFLICT && p == "schemas.Dog.previousNames"));
        let raw = with(
            dogs(),
            "/schemas/Cat",
            json!({"kind": "object", "fields": {"id": {"type": "uuid"}}, "previousNames": ["Hound"]}),
        );
        assert_eq!(problems(raw)[0].0, rules::PREVIOUS_NAME_CONFLICT);
        let raw = with(
            dogs(),
            "/schemas/Dog/fields/name/previousNames",
            json!(["a-b"]),
        );
        assert_eq!(
            problems(raw),
            [(
                rules::INVALID_NAME,
                "schemas.Dog.fields.name.previousNames[0]".to_string()
            )]
        );
    }

    #[test]
    fn keys_and_indexes_name_existing_fields() {
        let raw = with(
            unseeded(),
            "/schemas/Dog/primaryKey",
            json!(["id", "nope", "id", "birthDate"]),
        );
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (
                    rules::UNKNOWN_FIELD,
                    "schemas.Dog.primaryKey[1]".to_string()
                ),
                (
                    rules::DUPLICATE_FIELD,
                    "schemas.Dog.primaryKey[2]".to_string()
                ),
                (rules::NULLABLE_KEY, "schemas.Dog.primaryKey[3]".to_string()),
            ]
        );
        let raw = with(
            dogs(),
            "/schemas/Dog/indexes",
            json!([
                {"name": "byName", "fields": ["name"]},
                {"name": "byName", "fields": []},
                {"name": "by-x", "fields": ["x"], "unique": "maybe", "where": "x"},
            ]),
        );
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (
                    rules::EMPTY_VALUE,
                    "schemas.Dog.indexes[1].fields".to_string()
                ),
                (
                    rules::UNKNOWN_KEY,
                    "schemas.Dog.indexes[2].where".to_string()
                ),
                (
                    rules::INVALID_NAME,
                    "schemas.Dog.indexes[2].name".to_string()
                ),
                (
                    rules::UNKNOWN_FIELD,
                    "schemas.Dog.indexes[2].fields[0]".to_string()
                ),
                (
                    rules::WRONG_JSON_TYPE,
                    "schemas.Dog.indexes[2].unique".to_string()
                ),
            ]
        );
    }

    #[test]
    fn schema_kinds_and_views() {
        let raw = with(
            dogs(),
            "/schemas/Cat",
            json!({"kind": "table", "fields": {}}),
        );
        assert_eq!(
            problems(raw),
            [(rules::INVALID_KIND, "schemas.Cat.kind".to_string())]
        );
        let raw = with(dogs(), "/schemas/Cat", json!({"fields": {}}));
        assert_eq!(
            problems(raw),
            [(rules::REQUIRED, "schemas.Cat.kind".to_string())]
        );
        let raw = with(
            dogs(),
            "/schemas/Cat",
            json!({"kind": "object", "fields": {}}),
        );
        assert_eq!(
            problems(raw),
            [(rules::NO_FIELDS, "schemas.Cat.fields".to_string())]
        );
        let raw = with(dogs(), "/schemas/V", json!({"kind": "view"}));
        assert_eq!(
            problems(raw),
            [(rules::MISSING_QUERY, "schemas.V.query".to_string())]
        );
        let raw = with(
            dogs(),
            "/schemas/V",
            json!({"kind": "view", "queries": {"oracle": "SELECT 1", "postgres": ""}, "fields": {}}),
        );
        assert_eq!(
            problems(raw),
            [
                (rules::UNKNOWN_KEY, "schemas.V.fields".to_string()),
                (rules::UNKNOWN_KEY, "schemas.V.queries.oracle".to_string()),
                (rules::EMPTY_VALUE, "schemas.V.queries.postgres".to_string()),
            ]
        );
        let raw = with(
            dogs(),
            "/schemas/V",
            json!({"kind": "view", "queries": {"snowflake": "SELECT 1"}, "sqlName": "v_x"}),
        );
        let p = parse_package(&raw).unwrap();
        let Schema::View(v) = &p.schemas["V"] else {
            panic!()
        };
        assert_eq!(v.query_for("snowflake"), Some("SELECT 1"));
        assert_eq!(v.query_for("postgres"), None);
        assert_eq!(v.sql_name.as_deref(), Some("v_x"));
    }

    #[test]
    fn seeds_are_checked_against_their_object() {
        let raw = with(
            dogs(),
            "/seeds",
            json!({
                "Dog": [
                    {"id": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11", "name": "Rex", "weightKg": "12.50", "vaccinated": "true"},
                    {"name": "NoId", "colour": "brown"},
                    {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d12", "birthDate": "yesterday"},
                    {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": null},
                ],
                "VaccinatedDog": [],
                "Cat": [],
            }),
        );
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (rules::UNKNOWN_SCHEMA, "seeds.Cat".to_string()),
                (rules::UNKNOWN_FIELD, "seeds.Dog[1].colour".to_string()),
                (rules::MISSING_SEED_VALUE, "seeds.Dog[1]".to_string()),
                (
                    rules::INVALID_SEED_VALUE,
                    "seeds.Dog[2].birthDate".to_string()
                ),
                (rules::MISSING_SEED_VALUE, "seeds.Dog[2]".to_string()),
                (rules::INVALID_SEED_VALUE, "seeds.Dog[3].name".to_string()),
                (rules::SEED_NOT_OBJECT, "seeds.VaccinatedDog".to_string()),
            ]
        );
        let raw = with(
            dogs(),
            "/seeds",
            json!({"Dog": [
                {"id": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11", "name": "Rex", "weightKg": 12.5, "birthDate": null},
                {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex again"},
            ]}),
        );
        assert_eq!(
            problems(raw),
            [(rules::DUPLICATE_SEED_KEY, "seeds.Dog[1]".to_string())]
        );
        let raw = with(
            dogs(),
            "/seeds",
            json!({"Dog": [
                {"id": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11", "name": "Rex", "weightKg": 12.5, "birthDate": null}
            ]}),
        );
        let p = parse_package(&raw).unwrap();
        assert_eq!(
            Value::Object(p.seeds["Dog"][0].clone()),
            json!({"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex", "weightKg": "12.5", "birthDate": null})
        );
    }

    #[test]
    fn seeds_need_a_primary_key_and_empty_lists_are_dropped() {
        let raw = with(
            dogs(),
            "/schemas/Tag",
            json!({"kind": "object", "fields": {"label": {"type": "string"}}}),
        );
        let raw = with(raw, "/seeds", json!({"Tag": [{"label": "x"}], "Dog": []}));
        assert_eq!(
            problems(raw),
            [(rules::SEED_WITHOUT_KEY, "seeds.Tag".to_string())]
        );
        let p = parse_package(&with(dogs(), "/seeds", json!({"Dog": []}))).unwrap();
        assert!(p.seeds.is_empty());
    }

    #[test]
    fn every_problem_is_reported_in_one_pass() {
        let raw = json!({
            "name": "", "version": 3,
            "schemas": {
                "bad-name": {"kind": "object", "fields": {"x": {"type": "int"}}},
                "Dog": {"kind": "object", "fields": {"id": {"type": "uuid", "nullable": "sometimes"}}, "primaryKey": ["id", "ghost"]},
            },
        });
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (rules::EMPTY_VALUE, "name".to_string()),
                (rules::WRONG_JSON_TYPE, "version".to_string()),
                (
                    rules::WRONG_JSON_TYPE,
                    "schemas.Dog.fields.id.nullable".to_string()
                ),
                (
                    rules::UNKNOWN_FIELD,
                    "schemas.Dog.primaryKey[1]".to_string()
                ),
                (rules::INVALID_NAME, "schemas[\"bad-name\"]".to_string()),
                (
                    rules::UNKNOWN_TYPE,
                    "schemas[\"bad-name\"].fields.x.type".to_string()
                ),
            ]
        );
    }
}
