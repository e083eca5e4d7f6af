//! The package written from its typed model: one writer per model element (package, schema,
//! object, view, field, index), each giving the members of its serde form in canonical order.

use serde::Serialize;
use serde_json::Value;

use super::canonical::{
    write_array, write_bool, write_members, write_object, write_str, write_strings, write_u64,
    write_value, Obj,
};
use super::sink::Out;
use crate::column_default::{needs_literal_wrapper, FieldDefault};
use crate::field_type::FieldType;
use crate::index_options::IndexField;
use crate::package::{Field, Index, ObjectSchema, Package, Schema, ViewSchema};

// The package, written from its typed model: the same members as its serde serialization
// (field names in camelCase, `skip_serializing_if` members left out, tags `kind` and `type`),
// in canonical order. Every struct is destructured in full, so that a new member of the model
// fails to compile here until it is hashed.

pub(super) fn write_package<O: Out>(out: &mut O, package: &Package) {
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
