//! Version hash (SPEC §3): sha256 of the canonical JSON of the normalized package + config.
//!
//! The inputs are already normalized by parsing (defaults filled in, literals in one form,
//! unordered lists sorted), so the canonical JSON of two inputs that mean the same is the same
//! text whatever their key order, whitespace or string-vs-number scalars.
//!
//! The canonical JSON is RFC 8785 (JCS), with one exception for big integers (see
//! [`canonical_json`]). The hash writes it straight into sha256, without building the text: the
//! package (the large part) is walked as its typed model, writing each object's members in
//! canonical order; the dataset configuration (small, and of many shapes) goes through a
//! `serde_json::Value` first. Both walks write exactly what [`canonical_json`] writes for the
//! serialized model (a test compares them, and both against `serde_jcs`).

use std::cmp::Ordering;

use serde::Serialize;
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

use crate::column_default::{needs_literal_wrapper, FieldDefault};
use crate::dataset::DatasetConfig;
use crate::field_type::FieldType;
use crate::index_options::IndexField;
use crate::package::{Field, Index, ObjectSchema, Package, Schema, ViewSchema};

/// The dataset version hash: 64 lowercase hex characters.
pub fn version_hash(config: &DatasetConfig, package: &Package) -> String {
    let mut sink = HashSink::new();
    write_hashed(&mut sink, config, package);
    hex::encode(sink.finish())
}

/// write_hashed writes the canonical JSON of `{"dataset": config, "package": package}`.
fn write_hashed<O: Out>(out: &mut O, config: &DatasetConfig, package: &Package) {
    let config = serde_json::to_value(config).expect("Depot's model types serialize to JSON");
    let mut o = Obj::new(out);
    write_value(o.key("dataset"), &config);
    write_package(o.key("package"), package);
    o.end();
}

/// canonical_json writes `value` as RFC 8785 canonical JSON: object keys sorted (by UTF-16 code
/// units), no insignificant whitespace, numbers in their shortest ECMAScript form.
///
/// RFC 8785 writes every number as an IEEE double, which cannot tell apart integers beyond
/// 2^53 (two different bigint defaults would hash the same); such integers are written as
/// their decimal string instead, so that every distinct value keeps a distinct text.
///
/// # Panics
///
/// Only if `value`'s `Serialize` implementation fails or produces a map with non-string keys,
/// which Depot's model types never do.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    let value = serde_json::to_value(value).expect("Depot's model types serialize to JSON");
    let mut out = Vec::new();
    write_value(&mut out, &value);
    String::from_utf8(out).expect("canonical JSON of UTF-8 strings is UTF-8")
}

/// The largest integer an IEEE double holds exactly, with all below it.
const MAX_EXACT: u64 = 1 << 53;

/// Out is where canonical JSON goes: a byte vector, or the hasher.
trait Out {
    fn put(&mut self, bytes: &[u8]);
}

impl Out for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// HashSink feeds sha256 in chunks: many small writes into a buffer (on the stack: no
/// allocation), one hasher update per chunk.
struct HashSink {
    hasher: Sha256,
    buf: [u8; CHUNK],
    len: usize,
}

const CHUNK: usize = 8 * 1024;

impl HashSink {
    fn new() -> HashSink {
        HashSink {
            hasher: Sha256::new(),
            buf: [0; CHUNK],
            len: 0,
        }
    }

    fn finish(mut self) -> impl AsRef<[u8]> {
        self.hasher.update(&self.buf[..self.len]);
        self.hasher.finalize()
    }

    #[cold]
    fn flush_and_put(&mut self, bytes: &[u8]) {
        self.hasher.update(&self.buf[..self.len]);
        self.len = 0;
        if bytes.len() > CHUNK {
            self.hasher.update(bytes);
        } else {
            self.buf[..bytes.len()].copy_from_slice(bytes);
            self.len = bytes.len();
        }
    }
}

impl Out for HashSink {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end > CHUNK {
            self.flush_and_put(bytes);
            return;
        }
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }
}

/// Obj writes one JSON object member by member. Members must come in canonical order; for the
/// model's fixed (ASCII) keys that is byte order, checked in debug builds.
struct Obj<'o, O: Out> {
    out: &'o mut O,
    first: bool,
    #[cfg(debug_assertions)]
    last: &'static str,
}

impl<'o, O: Out> Obj<'o, O> {
    fn new(out: &'o mut O) -> Self {
        out.put(b"{");
        Obj {
            out,
            first: true,
            #[cfg(debug_assertions)]
            last: "",
        }
    }

    /// key starts member `key` (a plain ASCII key, needing no escape) and gives the output
    /// for its value.
    fn key(&mut self, key: &'static str) -> &mut O {
        #[cfg(debug_assertions)]
        {
            debug_assert!(
                self.first || self.last < key,
                "`{key}` after `{}`",
                self.last
            );
            debug_assert!(key
                .bytes()
                .all(|b| b.is_ascii() && b >= 0x20 && b != b'"' && b != b'\\'));
            self.last = key;
        }
        let open: &[u8] = if self.first { b"\"" } else { b",\"" };
        self.out.put(open);
        self.first = false;
        self.out.put(key.as_bytes());
        self.out.put(b"\":");
        self.out
    }

    fn end(self) {
        self.out.put(b"}");
    }
}

/// ESCAPE gives, for each byte, how RFC 8785 escapes it in a string: 0 for not at all, `u` for
/// `\u00XX`, else the letter of its short form (`\n`, `\"`, ...).
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// write_str writes `s` as a JSON string: only `"`, `\` and control characters are escaped.
fn write_str<O: Out>(out: &mut O, s: &str) {
    out.put(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        out.put(&bytes[start..i]);
        if escape == b'u' {
            out.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            out.put(&[b'\\', escape]);
        }
        start = i + 1;
    }
    out.put(&bytes[start..]);
    out.put(b"\"");
}

/// write_u64 writes `n` in decimal.
fn write_u64<O: Out>(out: &mut O, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put(&digits[i..]);
}

/// write_number writes a JSON number as ECMAScript does (integers up to 2^53 as their digits,
/// floats in their shortest round-trip form), except integers beyond 2^53, written as strings.
fn write_number<O: Out>(out: &mut O, n: &Number) {
    if let Some(u) = n.as_u64() {
        if u <= MAX_EXACT {
            write_u64(out, u);
        } else {
            out.put(b"\"");
            write_u64(out, u);
            out.put(b"\"");
        }
    } else if let Some(i) = n.as_i64() {
        // Negative: non-negative integers are `u64`s.
        let quoted = i.unsigned_abs() > MAX_EXACT;
        if quoted {
            out.put(b"\"");
        }
        out.put(b"-");
        write_u64(out, i.unsigned_abs());
        if quoted {
            out.put(b"\"");
        }
    } else {
        let f = n
            .as_f64()
            .expect("a JSON number is an integer or a finite float");
        out.put(ryu_js::Buffer::new().format_finite(f).as_bytes());
    }
}

/// utf16_cmp orders strings by their UTF-16 code units, as RFC 8785 sorts object keys. UTF-8
/// byte order is code point order, which is the same except that characters from U+10000 (four
/// UTF-8 bytes, lead byte F0..F4; surrogate pairs D800.. in UTF-16) sort before U+E000..U+FFFF
/// (lead byte EE or EF) in UTF-16. The first differing byte decides: when it is a lead byte of
/// each of those two kinds, the order flips; otherwise bytes order the same.
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        None => x.len().cmp(&y.len()),
        Some(i) => {
            let (p, q) = (x[i], y[i]);
            if p >= 0xee && q >= 0xee && (p >= 0xf0) != (q >= 0xf0) {
                q.cmp(&p)
            } else {
                p.cmp(&q)
            }
        }
    }
}

/// write_members writes a JSON object of `entries` (distinct keys), sorting them unless they
/// already come in canonical order (as the ASCII keys of a `BTreeMap` do).
fn write_members<'a, O: Out, V: 'a, I>(out: &mut O, entries: I, write: impl Fn(&mut O, &'a V))
where
    I: Iterator<Item = (&'a String, &'a V)> + Clone,
{
    let mut previous: Option<&str> = None;
    let sorted = entries.clone().all(|(k, _)| {
        let in_order = previous.is_none_or(|p| utf16_cmp(p, k) == Ordering::Less);
        previous = Some(k);
        in_order
    });
    out.put(b"{");
    let member = |i: usize, out: &mut O, k: &str, v: &'a V| {
        if i > 0 {
            out.put(b",");
        }
        write_str(out, k);
        out.put(b":");
        write(out, v);
    };
    if sorted {
        for (i, (k, v)) in entries.enumerate() {
            member(i, out, k, v);
        }
    } else {
        let mut all: Vec<(&String, &V)> = entries.collect();
        all.sort_by(|a, b| utf16_cmp(a.0, b.0));
        for (i, (k, v)) in all.into_iter().enumerate() {
            member(i, out, k, v);
        }
    }
    out.put(b"}");
}

fn write_array<'a, O: Out, T: 'a>(
    out: &mut O,
    items: impl IntoIterator<Item = &'a T>,
    write: impl Fn(&mut O, &'a T),
) {
    out.put(b"[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        write(out, item);
    }
    out.put(b"]");
}

fn write_bool<O: Out>(out: &mut O, b: bool) {
    out.put(if b { b"true" } else { b"false" });
}

fn write_strings<O: Out>(out: &mut O, items: &[String]) {
    write_array(out, items, |out, s| write_str(out, s));
}

/// write_value writes any JSON value canonically.
fn write_value<O: Out>(out: &mut O, value: &Value) {
    match value {
        Value::Null => out.put(b"null"),
        Value::Bool(b) => write_bool(out, *b),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => write_array(out, items, write_value),
        Value::Object(map) => write_object(out, map),
    }
}

fn write_object<O: Out>(out: &mut O, map: &Map<String, Value>) {
    write_members(out, map.iter(), write_value);
}

// The package, written from its typed model: the same members as its serde serialization
// (field names in camelCase, `skip_serializing_if` members left out, tags `kind` and `type`),
// in canonical order. Every struct is destructured in full, so that a new member of the model
// fails to compile here until it is hashed.

fn write_package<O: Out>(out: &mut O, package: &Package) {
    let Package {
        name,
        version,
        description,
        enums,
        schemas,
        seeds,
    } = package;
    let mut o = Obj::new(out);
    if let Some(d) = description {
        write_str(o.key("description"), d);
    }
    // Hashed only when present, so that the hash of a package without enums never changes.
    if !enums.is_empty() {
        write_members(o.key("enums"), enums.iter(), write_serialized);
    }
    write_str(o.key("name"), name);
    write_members(o.key("schemas"), schemas.iter(), write_schema);
    if !seeds.is_empty() {
        write_members(o.key("seeds"), seeds.iter(), |out, rows| {
            write_array(out, rows, write_object);
        });
    }
    write_str(o.key("version"), version);
    o.end();
}

fn write_schema<O: Out>(out: &mut O, schema: &Schema) {
    match schema {
        Schema::Object(object) => write_object_schema(out, object),
        Schema::View(view) => write_view(out, view, "view"),
        Schema::MaterializedView(view) => write_view(out, view, "materializedView"),
    }
}

fn write_object_schema<O: Out>(out: &mut O, object: &ObjectSchema) {
    let ObjectSchema {
        description,
        fields,
        primary_key,
        indexes,
        foreign_keys,
        checks,
        previous_names,
        sql_name,
    } = object;
    let mut o = Obj::new(out);
    if !checks.is_empty() {
        write_serialized(o.key("checks"), checks);
    }
    if let Some(d) = description {
        write_str(o.key("description"), d);
    }
    write_members(o.key("fields"), fields.iter(), write_field);
    if !foreign_keys.is_empty() {
        write_serialized(o.key("foreignKeys"), foreign_keys);
    }
    if !indexes.is_empty() {
        write_array(o.key("indexes"), indexes, write_index);
    }
    write_str(o.key("kind"), "object");
    if !previous_names.is_empty() {
        write_strings(o.key("previousNames"), previous_names);
    }
    if !primary_key.is_empty() {
        write_strings(o.key("primaryKey"), primary_key);
    }
    if let Some(s) = sql_name {
        write_str(o.key("sqlName"), s);
    }
    o.end();
}

/// A view of `kind` `view` or `materializedView`; a plain view has no indexes, so its hash is
/// what it was before materialized views existed.
fn write_view<O: Out>(out: &mut O, view: &ViewSchema, kind: &str) {
    let ViewSchema {
        description,
        query,
        queries,
        previous_names,
        sql_name,
        indexes,
    } = view;
    let mut o = Obj::new(out);
    if let Some(d) = description {
        write_str(o.key("description"), d);
    }
    if !indexes.is_empty() {
        write_array(o.key("indexes"), indexes, write_index);
    }
    write_str(o.key("kind"), kind);
    if !previous_names.is_empty() {
        write_strings(o.key("previousNames"), previous_names);
    }
    if !queries.is_empty() {
        write_members(o.key("queries"), queries.iter(), |out, q| write_str(out, q));
    }
    if let Some(q) = query {
        write_str(o.key("query"), q);
    }
    if let Some(s) = sql_name {
        write_str(o.key("sqlName"), s);
    }
    o.end();
}

fn write_field<O: Out>(out: &mut O, field: &Field) {
    let Field {
        field_type,
        nullable,
        default,
        auto_increment,
        computed,
        description,
        previous_names,
        sql_name,
    } = field;
    // The type is flattened into the field: its tag `type` and its parameters.
    let (max_length, precision, scale) = match field_type {
        FieldType::String { max_length } => (*max_length, None, None),
        FieldType::Decimal { precision, scale } => (None, Some(*precision), Some(*scale)),
        FieldType::Array { .. } | FieldType::Enum { .. } => (None, None, None),
        FieldType::Integer
        | FieldType::Bigint
        | FieldType::Double
        | FieldType::Boolean
        | FieldType::Date
        | FieldType::Time
        | FieldType::Timestamp
        | FieldType::Timestamptz
        | FieldType::Json
        | FieldType::Uuid
        | FieldType::Binary => (None, None, None),
    };
    let mut o = Obj::new(out);
    if let Some(a) = auto_increment {
        write_value(o.key("autoIncrement"), &a.to_json());
    }
    if let Some(c) = computed {
        write_str(o.key("computed"), c);
    }
    if let Some(d) = default {
        match d {
            FieldDefault::Literal(v) if !needs_literal_wrapper(v) => {
                write_value(o.key("default"), v)
            }
            other => write_value(o.key("default"), &other.to_json()),
        }
    }
    if let Some(d) = description {
        write_str(o.key("description"), d);
    }
    if let FieldType::Enum { name, namespace } = field_type {
        write_str(o.key("enum"), name);
        // Never set in a package (only in a physical model).
        if let Some(n) = namespace {
            write_str(o.key("namespace"), n);
        }
    }
    if let FieldType::Array { items } = field_type {
        write_serialized(o.key("items"), items);
    }
    if let Some(n) = max_length {
        write_u64(o.key("maxLength"), n.into());
    }
    write_bool(o.key("nullable"), *nullable);
    if let Some(p) = precision {
        write_u64(o.key("precision"), p.into());
    }
    if !previous_names.is_empty() {
        write_strings(o.key("previousNames"), previous_names);
    }
    if let Some(s) = scale {
        write_u64(o.key("scale"), s.into());
    }
    if let Some(s) = sql_name {
        write_str(o.key("sqlName"), s);
    }
    write_str(o.key("type"), field_type.name());
    o.end();
}

fn write_index<O: Out>(out: &mut O, index: &Index) {
    let Index {
        name,
        fields,
        unique,
        where_clause,
        include,
        method,
        description,
        nulls_distinct,
        deferrable,
    } = index;
    let mut o = Obj::new(out);
    // `deferrable` and `nullsDistinct` are written only when present: a package without them
    // keeps the hash it had before they existed.
    if let Some(d) = deferrable {
        write_serialized(o.key("deferrable"), d);
    }
    if let Some(d) = description {
        write_str(o.key("description"), d);
    }
    if fields.iter().all(|f| matches!(f, IndexField::Name(_))) {
        write_array(o.key("fields"), fields, |out, f| {
            write_str(out, f.field().unwrap_or_default())
        });
    } else {
        write_serialized(o.key("fields"), fields);
    }
    if !include.is_empty() {
        write_strings(o.key("include"), include);
    }
    if let Some(m) = method {
        write_str(o.key("method"), m.name());
    }
    write_str(o.key("name"), name);
    if let Some(n) = nulls_distinct {
        write_bool(o.key("nullsDistinct"), *n);
    }
    write_bool(o.key("unique"), *unique);
    if let Some(w) = where_clause {
        write_str(o.key("where"), w);
    }
    o.end();
}

/// Writes a part of the model that is rare in packages (a check, a foreign key, an array's
/// items) through its serde form: simpler than a writer of its own, and as canonical.
fn write_serialized<O: Out, T: Serialize + ?Sized>(out: &mut O, value: &T) {
    match serde_json::to_value(value) {
        Ok(v) => write_value(out, &v),
        // The model's types serialize to JSON without fail (no maps with non-string keys).
        Err(_) => write_value(out, &Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::parse_dataset;
    use crate::view::test_dialect::TEST_ENGINES;
    use serde_json::json;

    fn hash_of(raw: &Value) -> String {
        let d = parse_dataset(raw, &TEST_ENGINES).unwrap_or_else(|e| panic!("{e}"));
        version_hash(&d.config, &d.package)
    }

    /// base is a dataset exercising every part of the configuration and package.
    fn base() -> Value {
        json!({
            "environmentId": "e2e404529091ed2",
            "alias": "WsDevDogSrc",
            "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
            "location": {"type": "postgres", "name": "main", "host": "db.example.internal", "port": 5432, "database": "app"},
            "executor": {"name": "migrations"},
            "dependencies": {"Breeds": "WsDevBreeds"},
            "migrationOptions": {"migrationMode": {"type": "synchronous"}, "triggerSeeding": false, "allowedHazards": ["DELETES_DATA"]},
            "package": {
                "name": "dogs", "version": "1.3.0",
                "schemas": {
                    "Dog": {
                        "kind": "object",
                        "fields": {
                            "id": {"type": "uuid"},
                            "name": {"type": "string", "maxLength": 200},
                            "weightKg": {"type": "decimal", "precision": 6, "scale": 2, "nullable": true, "default": "1.50"},
                            "vaccinated": {"type": "boolean", "default": false},
                            "big": {"type": "bigint", "nullable": true, "default": 9007199254740993i64}
                        },
                        "primaryKey": ["id"],
                        "indexes": [{"name": "byName", "fields": ["name"]}, {"name": "byWeight", "fields": ["weightKg"]}]
                    },
                    "VaccinatedDog": {"kind": "view", "query": "SELECT id, name FROM Dog WHERE vaccinated"}
                }
            }
        })
    }

    /// [`base`]'s hash, as computed before `lockTimeoutMs` existed.
    const BASE_HASH: &str = "a223afdfb90db93a9a775bcba90a30963d3b9f1756f1d940d9a5d3543f3046d6";

    /// The same logical input as [`base`], with other key order, whitespace and string scalars.
    const BASE_REWRITTEN: &str = r#"
    {
      "package": {
        "schemas": {
          "VaccinatedDog": { "query": "SELECT id, name FROM Dog WHERE vaccinated", "kind": "view" },
          "Dog": {
            "indexes": [ { "fields": ["weightKg"], "name": "byWeight", "unique": "false" },
                         { "name": "byName", "fields": ["name"] } ],
            "primaryKey": ["id"],
            "fields": {
              "big":        { "default": "9007199254740993", "nullable": "true", "type": "bigint" },
              "vaccinated": { "type": "boolean", "default": "false", "nullable": false },
              "weightKg":   { "scale": "2", "precision": "6", "type": "decimal", "nullable": "true", "default": 1.5 },
              "name":       { "maxLength": "200", "type": "string" },
              "id":         { "type": "uuid" }
            },
            "kind": "object"
          }
        },
        "version": "1.3.0", "name": "dogs"
      },
      "migrationOptions": { "allowedHazards": "DELETES_DATA", "triggerSeeding": "false" },
      "dependencies": { "Breeds": "WsDevBreeds" },
      "executor": { "name": "migrations" },
      "location": { "database": "app", "port": "5432", "host": "db.example.internal", "name": "main", "type": "postgres" },
      "namingStrategy": "snake_case",
      "schemaName": "ws_dev_dog_src",
      "removalPolicy": "retain",
      "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
      "alias": "WsDevDogSrc",
      "environmentId": "e2e404529091ed2",
      "ServiceToken": "arn:aws:lambda:eu-west-1:058264526050:function:depot"
    }"#;

    /// `lockTimeoutMs` joined the configuration after datasets were deployed: unset, it is not
    /// part of the hashed configuration, so their hashes stay what they were (the value pinned
    /// here is `base`'s hash before the option existed); set, it is, in either scalar form.
    #[test]
    fn lock_timeout_ms_changes_the_hash_only_when_set() {
        assert_eq!(hash_of(&base()), BASE_HASH);
        let with = |value: Value| {
            let mut raw = base();
            raw["migrationOptions"]["lockTimeoutMs"] = value;
            hash_of(&raw)
        };
        assert_ne!(with(json!(1000)), BASE_HASH);
        assert_eq!(with(json!(1000)), with(json!("1000")));
        assert_ne!(with(json!(1000)), with(json!(1200)));
    }

    #[test]
    fn the_hash_is_64_lowercase_hex() {
        let h = hash_of(&base());
        assert_eq!(h.len(), 64);
        assert!(
            h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "{h}"
        );
    }

    #[test]
    fn key_order_whitespace_string_scalars_and_defaults_do_not_change_the_hash() {
        let rewritten: Value = serde_json::from_str(BASE_REWRITTEN).unwrap();
        assert_eq!(hash_of(&base()), hash_of(&rewritten));
    }

    /// edit applies `value` at JSON pointer `pointer` (creating the last key), or removes the
    /// key when `value` is null.
    fn edit(pointer: &str, value: Value) -> Value {
        let mut raw = base();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = raw
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("{pointer}"));
        match target {
            Value::Object(map) if value.is_null() => {
                map.remove(key);
            }
            Value::Object(map) => {
                map.insert(key.to_string(), value);
            }
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
            other @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)) => {
                panic!("{pointer}: {other}")
            }
        }
        raw
    }

    #[test]
    fn every_meaningful_edit_gives_a_distinct_hash() {
        let dog = "/package/schemas/Dog";
        let edits = [
            (
                "field type",
                edit(&format!("{dog}/fields/id/type"), json!("string")),
            ),
            (
                "maxLength",
                edit(&format!("{dog}/fields/name/maxLength"), json!(201)),
            ),
            (
                "nullable",
                edit(&format!("{dog}/fields/name/nullable"), json!(true)),
            ),
            (
                "default",
                edit(&format!("{dog}/fields/weightKg/default"), json!("1.51")),
            ),
            (
                "bigint default beyond 2^53",
                edit(
                    &format!("{dog}/fields/big/default"),
                    json!(9007199254740992i64),
                ),
            ),
            (
                "decimal scale",
                edit(&format!("{dog}/fields/weightKg/scale"), json!(3)),
            ),
            (
                "add field",
                edit(
                    &format!("{dog}/fields/colour"),
                    json!({"type": "string", "nullable": true}),
                ),
            ),
            (
                "rename via previousNames",
                edit(
                    &format!("{dog}/fields/name/previousNames"),
                    json!(["title"]),
                ),
            ),
            (
                "field sqlName",
                edit(&format!("{dog}/fields/name/sqlName"), json!("dog_name")),
            ),
            (
                "index unique",
                edit(
                    &format!("{dog}/indexes/0"),
                    json!({"name": "byName", "fields": ["name"], "unique": true}),
                ),
            ),
            (
                "primaryKey",
                edit(&format!("{dog}/primaryKey"), json!(["id", "name"])),
            ),
            (
                "view query",
                edit(
                    "/package/schemas/VaccinatedDog/query",
                    json!("SELECT id FROM Dog WHERE vaccinated"),
                ),
            ),
            ("package version", edit("/package/version", json!("1.3.1"))),
            ("schemaName", edit("/schemaName", json!("dogs"))),
            ("namingStrategy", edit("/namingStrategy", json!("preserve"))),
            (
                "allowedHazards",
                edit(
                    "/migrationOptions/allowedHazards",
                    json!(["DELETES_DATA", "TABLE_REWRITE"]),
                ),
            ),
            (
                "migration mode",
                edit(
                    "/migrationOptions/migrationMode",
                    json!({"type": "asynchronous"}),
                ),
            ),
            (
                "triggerSeeding",
                edit("/migrationOptions/triggerSeeding", json!(true)),
            ),
            (
                "dependency",
                edit("/dependencies/Breeds", json!("WsProdBreeds")),
            ),
            (
                "location host",
                edit("/location/host", json!("db2.example.internal")),
            ),
            ("location port", edit("/location/port", json!(5433))),
            ("executor", edit("/executor/name", json!("other"))),
            ("removalPolicy", edit("/removalPolicy", json!("destroy"))),
            ("alias", edit("/alias", json!("WsDevDogSrc2"))),
            // SPEC §1b.
            (
                "unenforcedChecks",
                edit("/unenforcedChecks", json!("ignore")),
            ),
            (
                "package description",
                edit("/package/description", json!("Dogs")),
            ),
            (
                "object description",
                edit(&format!("{dog}/description"), json!("A dog")),
            ),
            (
                "field description",
                edit(&format!("{dog}/fields/name/description"), json!("the name")),
            ),
            (
                "view kind materializedView",
                edit(
                    "/package/schemas/VaccinatedDog/kind",
                    json!("materializedView"),
                ),
            ),
            (
                "materialized view indexes",
                edit(
                    "/package/schemas/VaccinatedDog",
                    json!({"kind": "materializedView", "query": "SELECT id, name FROM Dog WHERE vaccinated",
                           "indexes": [{"name": "byId", "fields": ["id"], "unique": true}]}),
                ),
            ),
            (
                "view description",
                edit(
                    "/package/schemas/VaccinatedDog/description",
                    json!("vaccinated"),
                ),
            ),
            (
                "autoIncrement",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "bigint", "autoIncrement": true}),
                ),
            ),
            (
                "autoIncrement always",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "bigint", "autoIncrement": "always"}),
                ),
            ),
            (
                "computed",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "bigint", "computed": "1"}),
                ),
            ),
            (
                "default expression",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "uuid", "default": {"expression": "randomUuid"}}),
                ),
            ),
            (
                "default sql",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "uuid", "default": {"sql": {"postgres": "gen_random_uuid()"}}}),
                ),
            ),
            (
                "default literal that looks like a form",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "json", "default": {"literal": {"sql": {"postgres": "gen_random_uuid()"}}}}),
                ),
            ),
            (
                "array",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "array", "items": {"type": "string"}}),
                ),
            ),
            (
                "array items",
                edit(
                    &format!("{dog}/fields/n"),
                    json!({"type": "array", "items": {"type": "string", "maxLength": 5}}),
                ),
            ),
            (
                "foreign key",
                edit(
                    &format!("{dog}/foreignKeys"),
                    json!([{"name": "self", "fields": ["id"], "references": {"schema": "Dog", "fields": ["id"]}}]),
                ),
            ),
            (
                "foreign key action",
                edit(
                    &format!("{dog}/foreignKeys"),
                    json!([{"name": "self", "fields": ["id"], "references": {"schema": "Dog", "fields": ["id"]}, "onDelete": "cascade"}]),
                ),
            ),
            (
                "check",
                edit(
                    &format!("{dog}/checks"),
                    json!([{"name": "named", "expression": "name <> ''"}]),
                ),
            ),
            (
                "index key order",
                edit(
                    &format!("{dog}/indexes/0"),
                    json!({"name": "byName", "fields": [{"field": "name", "order": "desc"}]}),
                ),
            ),
            (
                "index where",
                edit(
                    &format!("{dog}/indexes/0"),
                    json!({"name": "byName", "fields": ["name"], "where": "vaccinated"}),
                ),
            ),
            (
                "index include",
                edit(
                    &format!("{dog}/indexes/0"),
                    json!({"name": "byName", "fields": ["name"], "include": ["id"]}),
                ),
            ),
            (
                "index method",
                edit(
                    &format!("{dog}/indexes/0"),
                    json!({"name": "byName", "fields": ["name"], "method": "hash"}),
                ),
            ),
            (
                "index description",
                edit(
                    &format!("{dog}/indexes/0"),
                    json!({"name": "byName", "fields": ["name"], "description": "by name"}),
                ),
            ),
        ];
        let mut seen = std::collections::BTreeMap::new();
        seen.insert(hash_of(&base()), "the base");
        for (what, raw) in &edits {
            let h = hash_of(raw);
            if let Some(other) = seen.insert(h, what) {
                panic!("`{what}` gives the same hash as {other}");
            }
        }
        assert_eq!(seen.len(), edits.len() + 1);
    }

    #[test]
    fn canonical_json_sorts_keys_and_keeps_big_integers_exact() {
        assert_eq!(
            canonical_json(&json!({"b": 1, "a": [true, null, 1.50]})),
            r#"{"a":[true,null,1.5],"b":1}"#
        );
        assert_eq!(
            canonical_json(&json!(9007199254740992u64)),
            "9007199254740992"
        );
        assert_eq!(
            canonical_json(&json!(9007199254740993u64)),
            r#""9007199254740993""#
        );
        assert_eq!(
            canonical_json(&json!(-9007199254740993i64)),
            r#""-9007199254740993""#
        );
        assert_eq!(canonical_json(&json!(5.0)), "5");
    }

    /// The canonical JSON as it was first written: `serde_jcs` over the `Value` with big
    /// integers turned into strings. The writers here must give the same text, byte for byte.
    fn reference(value: &Value) -> String {
        fn exact_integers(value: Value) -> Value {
            match value {
                Value::Number(n) => {
                    let exact = n.as_u64().into_iter().all(|u| u <= MAX_EXACT)
                        && n.as_i64()
                            .into_iter()
                            .all(|i| i.unsigned_abs() <= MAX_EXACT);
                    if exact {
                        Value::Number(n)
                    } else {
                        Value::String(n.to_string())
                    }
                }
                Value::Array(items) => {
                    Value::Array(items.into_iter().map(exact_integers).collect())
                }
                Value::Object(map) => Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, exact_integers(v)))
                        .collect(),
                ),
                other @ (Value::Null | Value::Bool(_) | Value::String(_)) => other,
            }
        }
        serde_jcs::to_string(&exact_integers(value.clone())).unwrap()
    }

    #[test]
    fn the_writer_matches_serde_jcs_on_a_corpus() {
        let corpus = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-0.0),
            json!(-1),
            json!(1.5),
            json!(0.1),
            json!(100.0),
            json!(1e21),
            json!(1e20),
            json!(123456789012345680000.0),
            json!(1e-7),
            json!(0.000001),
            json!(5e-324),
            json!(1.7976931348623157e308),
            json!(-2.5e-10),
            json!(9007199254740992u64),
            json!(9007199254740993u64),
            json!(-9007199254740992i64),
            json!(-9007199254740993i64),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(""),
            json!("plain"),
            json!("quote \" backslash \\ slash / tab \t newline \n cr \r bs \u{8} ff \u{c}"),
            json!("controls \u{0} \u{1} \u{1f} \u{b} del \u{7f} \u{80} \u{2028} \u{2029}"),
            json!("non-ASCII: äöü € 𝄞 \u{e000} \u{ffff} \u{10000} 😀"),
            json!([]),
            json!({}),
            json!([1, [2, [3, [4, []]]], {"a": [{}]}]),
            json!({"b": 1, "a": 2, "A": 3, "_": 4, "aa": 5, "": 6}),
            json!({"\u{10000}": 1, "\u{e000}": 2, "\u{ffff}": 3, "\u{d7ff}": 4, "z": 5, "é": 6}),
            json!({"😀": {"\u{ff61}": [1.25, "x"], "𝄞": null}, "\u{f000}a": true, "\u{f000}": false}),
            json!({"key\nwith\"escapes\\": "v", "key\u{1}": [1e300, -0.5]}),
            json!({"peach": "This sorting order", "péché": "is wrong according to French", "pêche": "but canonicalization MUST", "sin": "ignore locale"}),
            json!({"1": {"f": {"f": "hi", "F": 5}, "\n": 56.0}, "10": {}, "": "empty", "a": {}, "111": [{"e": "yes", "E": "no"}], "A": {}}),
        ];
        // RFC 8785's own example (section 3.2.2), read as text.
        let rfc: Value = serde_json::from_str(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&rfc),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
        for value in corpus.iter().chain([&rfc]) {
            assert_eq!(canonical_json(value), reference(value), "{value}");
        }
    }

    #[test]
    fn utf16_order_differs_from_byte_order_only_above_the_bmp() {
        let mut keys = vec![
            "\u{ffff}",
            "\u{10000}",
            "\u{e000}",
            "a",
            "",
            "ab",
            "\u{d7ff}",
            "😀",
        ];
        keys.sort_by(|a, b| utf16_cmp(a, b));
        let mut by_units = keys.clone();
        by_units.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
        assert_eq!(keys, by_units);
        assert_eq!(keys[..4], ["", "a", "ab", "\u{d7ff}"]);
        assert_eq!(utf16_cmp("\u{10000}", "\u{e000}"), Ordering::Less);
        assert_eq!(utf16_cmp("\u{e000}", "\u{10000}"), Ordering::Greater);
        assert_eq!(utf16_cmp("x\u{10000}", "x\u{10000}"), Ordering::Equal);
    }

    /// A dataset using every member of the configuration and the package, with literals of
    /// every type (json defaults and seeds with non-ASCII keys, escapes, floats, big integers).
    fn everything() -> Value {
        let fields = json!({
            "id": {"type": "uuid", "description": "key", "sqlName": "dog_id"},
            "name": {"type": "string", "maxLength": 200, "default": "ä\"\\\n\u{1}😀", "previousNames": ["title", "label"]},
            "free": {"type": "string", "nullable": true},
            "count": {"type": "integer", "default": "-5"},
            "big": {"type": "bigint", "default": "-9007199254740993"},
            "small": {"type": "bigint", "default": 9007199254740992i64},
            "weight": {"type": "decimal", "precision": 6, "scale": 2, "default": "0012.50"},
            "whole": {"type": "decimal", "precision": 4, "scale": 0, "nullable": true},
            "ratio": {"type": "double", "default": 0.1},
            "huge": {"type": "double", "default": 1e21},
            "tiny": {"type": "double", "default": "1e-7"},
            "ok": {"type": "boolean", "default": "true"},
            "born": {"type": "date", "default": "2024-02-29"},
            "opens": {"type": "time", "default": "08:30:00.500"},
            "seen": {"type": "timestamp", "default": "2025-04-28 08:31:33.810"},
            "at": {"type": "timestamptz", "default": "2025-01-01T00:30:00+01:00"},
            "doc": {"type": "json", "nullable": true, "default": {
                "\u{10000}": 1, "\u{e000}": [1.5, {"b": null, "a": "x"}], "é": -9007199254740993i64,
                "z": {"\u{ffff}": 2.5e-8, "Z": [[], {}]}, "": "\u{7f}\t"
            }},
            "ref": {"type": "uuid", "nullable": true, "default": "7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11"},
            "blob": {"type": "binary", "default": "aGVsbG8"},
            "seq": {"type": "bigint", "autoIncrement": true},
            "always": {"type": "integer", "autoIncrement": "always"},
            "twice": {"type": "integer", "computed": "count * 2", "description": "é\u{1}"},
            "made": {"type": "timestamptz", "default": {"expression": "now"}},
            "today": {"type": "date", "default": {"expression": "currentDate"}},
            "token": {"type": "uuid", "default": {"sql": {"snowflake": "UUID_STRING()", "postgres": "gen_random_uuid()"}}},
            "form": {"type": "json", "default": {"literal": {"expression": "now"}}},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "nullable": true, "default": ["a", "ä"]},
            "sizes": {"type": "array", "items": {"type": "decimal", "precision": 6, "scale": 2}, "default": ["1.50", 2]}
        });
        let seeds = json!({
            "Dog": [
                {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex", "free": null,
                 "doc": {"ß": [1, 2.5, "\u{1}"], "\u{10ffff}": {"k": true}, "a": 18446744073709551615u64}},
                {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d12", "name": "Fido", "ratio": "2.5", "big": 1}
            ]
        });
        json!({
            "environmentId": "e2e404529091ed2",
            "alias": "WsDevDogSrc",
            "bootstrapBucket": "sdp-bootstrap-058264526050-eu-west-1",
            "location": {"type": "snowflake", "name": "sf", "account": "acme-x1", "database": "DB",
                         "warehouse": "WH", "role": "R", "user": "U", "endpoint": "https://localhost:4566",
                         "secretArn": "arn:aws:secretsmanager:eu-west-1:1:secret:x"},
            "executor": {"name": "migrations", "warehouse": "W2", "role": "R2"},
            "schemaName": "DOGS",
            "dependencies": {"Breeds": "WsDevBreeds", "Aa": "x"},
            "migrationOptions": {
                "migrationMode": {"type": "asynchronous", "eventBusArn": "arn:aws:events:eu-west-1:1:event-bus/x", "customEventBinding": true},
                "triggerSeeding": true,
                "allowedHazards": ["DELETES_DATA", "INDEX_BUILD", "TABLE_REWRITE"]
            },
            "removalPolicy": "destroy",
            "unenforcedChecks": "ignore",
            "package": {
                "name": "dogs ✓", "version": "1.3.0", "description": "Dogs \"and\" cats\n",
                "schemas": {
                    "Dog": {
                        "kind": "object",
                        "description": "A dog",
                        "sqlName": "dogs_table",
                        "previousNames": ["Hound", "Canine"],
                        "fields": fields,
                        "primaryKey": ["id", "name"],
                        "indexes": [{"name": "byName", "fields": ["name", "free"], "unique": true},
                                    {"name": "byBorn", "fields": ["born"]},
                                    {"name": "recent", "fields": [{"field": "seen", "order": "desc", "nulls": "last"}, "count", {"field": "born", "nulls": "first"}],
                                     "where": "ok", "include": ["weight", "ratio"], "method": "btree", "description": "recent ✓"},
                                    {"name": "byTags", "fields": ["tags"], "method": "gin"}],
                        "foreignKeys": [
                            {"name": "self", "fields": ["ref", "free"], "references": {"schema": "Dog", "fields": ["id", "name"]},
                             "onDelete": "setNull", "onUpdate": "cascade", "deferrable": "initiallyImmediate", "description": "parent"},
                            {"name": "breed", "fields": ["ref"], "references": {"schema": "Breeds.Breed", "fields": ["id"]}}
                        ],
                        "checks": [{"name": "positive", "expression": "count > 0", "description": "\"quoted\""},
                                   {"name": "alsoPositive", "expression": "big > 0"}]
                    },
                    "Tag": {"kind": "object", "fields": {"label": {"type": "string"}}},
                    "Everything": {
                        "kind": "view", "description": "all", "sqlName": "v_all", "previousNames": ["All"],
                        "query": "SELECT id FROM Dog", "queries": {"snowflake": "SELECT id FROM Dog LIMIT 1", "postgres": "SELECT id FROM Dog"}
                    },
                    "Plain": {"kind": "view", "queries": {"postgres": "SELECT 1"}}
                },
                "seeds": seeds
            }
        })
    }

    /// Hashed is what the hash covers, serialized by serde (the generic path).
    #[derive(Serialize)]
    struct Hashed<'a> {
        dataset: &'a DatasetConfig,
        package: &'a Package,
    }

    #[test]
    fn the_typed_writer_matches_the_serialized_model() {
        let bench_like = json!({
            "environmentId": "e2e404529091ed2", "alias": "Bench", "bootstrapBucket": "bkt",
            "location": {"type": "postgres", "name": "bench", "host": "127.0.0.1", "port": "5432", "database": "bench"},
            "package": {"name": "bench", "version": "1.0.0", "schemas": (0..300).map(|i| (format!("Entity{i:05}"), json!({
                "kind": "object",
                "fields": {"id": {"type": "uuid"}, "name": {"type": "string", "maxLength": 200}, "q": {"type": "integer", "default": i}},
                "primaryKey": ["id"],
                "indexes": [{"name": "byName", "fields": ["name"]}]
            }))).collect::<serde_json::Map<_, _>>()}
        });
        let rewritten: Value = serde_json::from_str(BASE_REWRITTEN).unwrap();
        let mut longest = 0;
        for raw in [base(), rewritten, everything(), bench_like] {
            let d = parse_dataset(&raw, &TEST_ENGINES).unwrap_or_else(|e| panic!("{e}"));
            let hashed = Hashed {
                dataset: &d.config,
                package: &d.package,
            };
            let expected = reference(&serde_json::to_value(&hashed).unwrap());
            assert_eq!(canonical_json(&hashed), expected);
            let mut typed = Vec::new();
            write_hashed(&mut typed, &d.config, &d.package);
            assert_eq!(String::from_utf8(typed).unwrap(), expected);
            // Streamed into the hasher in chunks, it hashes as the whole text does (the
            // bench-like package is several chunks long).
            assert_eq!(
                version_hash(&d.config, &d.package),
                hex::encode(Sha256::digest(expected.as_bytes()))
            );
            longest = longest.max(expected.len());
        }
        assert!(longest > 3 * CHUNK, "{longest}");
    }

    /// The hash of [`base`] as the first implementation (`serde_jcs`) computed it: stored
    /// documents are named by their hash, so it must never change.
    #[test]
    fn the_hash_of_a_known_input_is_stable() {
        assert_eq!(
            hash_of(&base()),
            "a223afdfb90db93a9a775bcba90a30963d3b9f1756f1d940d9a5d3543f3046d6"
        );
    }
}
