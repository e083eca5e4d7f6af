//! Generated package pairs: an old package of one to three objects with assorted field types,
//! and a new package derived from it by random edits (renames through `previousNames`, drops,
//! widenings and narrowings, nullability and default changes, new fields, indexes, objects and
//! views). The SPEC §1b features are drawn too: expression defaults, identity keys, computed
//! columns, checks, foreign keys between objects (deferrable or not), sorted, partial and
//! expression indexes, unique ones with `nullsDistinct: false`, descriptions and `SELECT *`
//! views, each added, kept, toggled or dropped by the edits. Every pair must migrate like a
//! fresh deploy and keep every row ([`check_pair`]).
//!
//! The strategy generates a *recipe* of plain choices, and [`build`] turns any recipe into a
//! valid pair: impossible choices (widening a boolean, a unique index on a boolean, an index on
//! a dropped field, ...) fall back to a harmless one. So every value proptest shrinks to is still
//! a valid pair, and a failure shrinks to a small one.
//!
//! Names come from disjoint pools that `snake_case` maps one to one and never reuses across the
//! two versions: old objects `T1`..`T3` (`t1`..), renamed objects `R1`.., the new object `N1`,
//! views `V1` (old) and `W1` (new); old fields `a1`..`a5`, renamed fields `b1`.., new fields
//! `c1`..; indexes `old1` and `new1`.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::hash::version_hash;
use depot_core::physical::PhysicalObject;
use depot_postgres::PostgresDialect;
use depot_tests::{check_pair, check_undo, dataset, model};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};

/// Rows inserted in every old table before the migration.
const ROWS: usize = 4;

// ---------------------------------------------------------------------------------------------
// Recipes

/// Ty is a generated field type (the types of SPEC §1 that the pairs exercise).
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Str(Option<u32>),
    Integer,
    Bigint,
    Decimal {
        precision: u32,
        scale: u32,
    },
    Double,
    Boolean,
    Date,
    Timestamp,
    Timestamptz,
    Json,
    Uuid,
    Time,
    Binary,
    /// A field of the package enum [`ENUM`].
    Enum,
}

/// The package enum every generated package declares (the same values in both versions: an
/// added value would outlive the undo property's rollback, as PostgreSQL cannot remove one).
const ENUM: &str = "Level";

/// Its values: the harness's sample strings (`v0`, `v1`, ...), so that a string field narrows to
/// it, and the default literal of strings.
fn enum_values() -> Value {
    json!(["v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "it's"])
}

impl Ty {
    fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let name = match self {
            Ty::Str(n) => {
                if let Some(n) = n {
                    m.insert("maxLength".into(), json!(n));
                }
                "string"
            }
            Ty::Integer => "integer",
            Ty::Bigint => "bigint",
            Ty::Decimal { precision, scale } => {
                m.insert("precision".into(), json!(precision));
                m.insert("scale".into(), json!(scale));
                "decimal"
            }
            Ty::Double => "double",
            Ty::Boolean => "boolean",
            Ty::Date => "date",
            Ty::Timestamp => "timestamp",
            Ty::Timestamptz => "timestamptz",
            Ty::Json => "json",
            Ty::Uuid => "uuid",
            Ty::Time => "time",
            Ty::Binary => "binary",
            Ty::Enum => {
                m.insert("enum".into(), json!(ENUM));
                "enum"
            }
        };
        m.insert("type".into(), json!(name));
        m
    }

    /// A default literal of this type (one with a quote to escape when it fits).
    fn default_literal(&self) -> Value {
        match self {
            Ty::Str(max) => {
                if max.is_none_or(|n| n >= 4) {
                    json!("it's")
                } else {
                    json!("d")
                }
            }
            Ty::Integer | Ty::Bigint => json!(7),
            Ty::Decimal { precision, scale } => {
                if precision > scale {
                    json!("1")
                } else {
                    json!("0.5")
                }
            }
            Ty::Double => json!(1.5),
            Ty::Boolean => json!(true),
            Ty::Date => json!("2021-02-03"),
            Ty::Timestamp => json!("2021-02-03T04:05:06"),
            Ty::Timestamptz => json!("2021-02-03T04:05:06Z"),
            Ty::Json => json!({"k": [1, "two"]}),
            Ty::Uuid => json!("00000000-0000-4000-8000-000000000999"),
            Ty::Time => json!("10:11:12.5"),
            Ty::Binary => json!("AQID/w=="),
            Ty::Enum => json!("v1"),
        }
    }

    /// The widened type for widening choice `k`, when this type has one Depot supports:
    /// longer or unbounded strings, more decimal precision at the same scale and integer ->
    /// bigint (the common ones), and the other widenings Depot accepts (integer -> double or
    /// decimal, bigint -> decimal, timestamp -> timestamptz).
    fn widened(&self, k: u32) -> Option<Ty> {
        let (third, quarter) = (k % 3, k % 4);
        match self {
            Ty::Str(Some(n)) => Some(match third {
                0 => Ty::Str(None),
                _ => Ty::Str(Some(n + k)),
            }),
            Ty::Integer => Some(match quarter {
                0 | 1 => Ty::Bigint,
                2 => Ty::Double,
                _ => Ty::Decimal {
                    precision: 10 + third + 1,
                    scale: third,
                },
            }),
            Ty::Bigint => match quarter {
                0 | 2 => Some(Ty::Decimal {
                    precision: 19 + third + 1,
                    scale: third,
                }),
                _ => None,
            },
            Ty::Timestamp => Some(Ty::Timestamptz),
            Ty::Enum => Some(Ty::Str(None)),
            Ty::Decimal { precision, scale } if *precision < 38 => Some(Ty::Decimal {
                precision: (precision + k).min(38),
                scale: *scale,
            }),
            _ => None,
        }
    }

    /// The narrowed type for narrowing choice `k`, when the harness's sample values and the
    /// default literals still fit it: bigint -> integer, shorter strings, one digit less.
    fn narrowed(&self, k: u32) -> Option<Ty> {
        match self {
            Ty::Bigint => Some(Ty::Integer),
            // The sample strings and the string default are values of the enum.
            Ty::Str(max) if k % 4 != 3 && max.is_none_or(|n| n >= 4) => Some(Ty::Enum),
            Ty::Str(None) => Some(Ty::Str(Some(8 + k % 8))),
            Ty::Str(Some(n)) if *n > 8 => Some(Ty::Str(Some(8))),
            Ty::Decimal { precision, scale } if *precision > scale + 2 => Some(Ty::Decimal {
                precision: precision - 1,
                scale: *scale,
            }),
            _ => None,
        }
    }

    /// The portable expression default of this type, when it has one.
    fn expression_default(&self) -> Option<&'static str> {
        match self {
            Ty::Timestamp | Ty::Timestamptz => Some("now"),
            Ty::Date => Some("currentDate"),
            Ty::Uuid => Some("randomUuid"),
            _ => None,
        }
    }

    /// True when the harness's sample values of this type are distinct per row (so a unique
    /// index holds on existing rows).
    fn uniqueable(&self) -> bool {
        !matches!(self, Ty::Boolean)
    }
}

#[derive(Debug, Clone)]
struct FieldSpec {
    ty: Ty,
    nullable: bool,
    default: bool,
    /// The default is the type's portable expression (when it has one) instead of a literal.
    expression: bool,
    described: bool,
}

impl FieldSpec {
    fn to_json(&self) -> Value {
        let mut m = self.ty.to_json();
        if self.nullable {
            m.insert("nullable".into(), json!(true));
        }
        if self.default {
            let default = match (self.expression, self.ty.expression_default()) {
                (true, Some(e)) => json!({ "expression": e }),
                _ => self.ty.default_literal(),
            };
            m.insert("default".into(), default);
        }
        if self.described {
            m.insert("description".into(), json!("it's described"));
        }
        Value::Object(m)
    }
}

/// IndexSpec picks a field (by position, modulo the candidates) and asks for uniqueness.
#[derive(Debug, Clone)]
struct IndexSpec {
    field: usize,
    unique: bool,
    /// The key sorted descending, nulls first.
    desc: bool,
    /// A partial index (`where id > 0`).
    partial: bool,
    /// The key is an expression over the field (`lower(f)`, `f + 1`; a plain key on a field of
    /// another type).
    expression: bool,
    /// A unique index on which nulls are equal (`"nullsDistinct": false`).
    nulls_not_distinct: bool,
}

/// The SPEC §1b features an object may carry, each kept or toggled by the edits.
#[derive(Debug, Clone, Default)]
struct Extras {
    /// The key `id` is an identity column (`autoIncrement`).
    identity: bool,
    /// A computed column `g` (`id * 2`).
    computed: bool,
    /// A check `positiveId` (`id > 0`).
    check: bool,
    /// A nullable field `ref` with a foreign key to an earlier object's `id` (by position,
    /// modulo the earlier objects; none for the first object).
    refers: Option<usize>,
    /// The foreign key is `"deferrable": "initiallyDeferred"`.
    deferrable: bool,
    described: bool,
}

#[derive(Debug, Clone)]
struct ObjectSpec {
    fields: Vec<FieldSpec>,
    index: Option<IndexSpec>,
    extras: Extras,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NameEdit {
    Keep,
    Rename,
    Drop,
}

#[derive(Debug, Clone)]
struct FieldEdit {
    name: NameEdit,
    /// Widen the type (when it can be widened), with this widening choice.
    widen: Option<u32>,
    /// Narrow the type (when it is not widened and can be narrowed), with this choice.
    narrow: Option<u32>,
    flip_nullable: bool,
    toggle_default: bool,
    toggle_description: bool,
}

#[derive(Debug, Clone)]
struct ObjectEdits {
    name: NameEdit,
    /// One edit per old field (extra edits are unused).
    fields: Vec<FieldEdit>,
    new_fields: Vec<FieldSpec>,
    keep_index: bool,
    new_index: Option<IndexSpec>,
    toggle_identity: bool,
    /// Drop the computed column (a changed expression is refused: never generated).
    drop_computed: bool,
    toggle_check: bool,
    /// Drop the foreign key (the field `ref` stays).
    drop_foreign_key: bool,
    toggle_description: bool,
    /// Toggle the kept index's expression key and `nullsDistinct`, and the foreign key's
    /// `deferrable`.
    toggle_expression: bool,
    toggle_nulls_distinct: bool,
    toggle_deferrable: bool,
}

/// ViewSpec picks an object and a field by position (modulo what exists).
#[derive(Debug, Clone)]
struct ViewSpec {
    object: usize,
    field: usize,
    /// `SELECT *`: the view must follow every column change of its object.
    star: bool,
}

#[derive(Debug, Clone)]
struct Recipe {
    objects: Vec<(ObjectSpec, ObjectEdits)>,
    new_object: Option<ObjectSpec>,
    old_view: Option<ViewSpec>,
    keep_old_view: bool,
    new_view: Option<ViewSpec>,
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn ty() -> impl Strategy<Value = Ty> {
    prop_oneof![
        prop::option::of(1u32..=60).prop_map(Ty::Str),
        Just(Ty::Integer),
        Just(Ty::Bigint),
        (1u32..=18)
            .prop_flat_map(|p| (Just(p), 0..=p.min(4)))
            .prop_map(|(precision, scale)| Ty::Decimal { precision, scale }),
        Just(Ty::Double),
        Just(Ty::Boolean),
        Just(Ty::Date),
        Just(Ty::Timestamp),
        Just(Ty::Timestamptz),
        Just(Ty::Json),
        Just(Ty::Uuid),
        Just(Ty::Time),
        Just(Ty::Binary),
        Just(Ty::Enum),
    ]
}

fn field() -> impl Strategy<Value = FieldSpec> {
    (
        ty(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(ty, nullable, default, expression, described)| FieldSpec {
            ty,
            nullable,
            default,
            expression,
            described,
        })
}

/// A field that can be added to a table holding rows: nullable, or NOT NULL with a default.
fn new_field() -> impl Strategy<Value = FieldSpec> {
    field().prop_map(|f| FieldSpec {
        default: f.default || !f.nullable,
        ..f
    })
}

fn index() -> impl Strategy<Value = IndexSpec> {
    (
        0usize..8,
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.4),
        prop::bool::weighted(0.4),
    )
        .prop_map(
            |(field, unique, desc, partial, expression, nulls_not_distinct)| IndexSpec {
                field,
                unique,
                desc,
                partial,
                expression,
                nulls_not_distinct,
            },
        )
}

fn extras() -> impl Strategy<Value = Extras> {
    (
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.3),
        prop::option::weighted(0.4, 0usize..3),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(identity, computed, check, refers, deferrable, described)| Extras {
                identity,
                computed,
                check,
                refers,
                deferrable,
                described,
            },
        )
}

fn object() -> impl Strategy<Value = ObjectSpec> {
    (
        prop::collection::vec(field(), 1..=5),
        prop::option::of(index()),
        extras(),
    )
        .prop_map(|(fields, index, extras)| ObjectSpec {
            fields,
            index,
            extras,
        })
}

fn name_edit() -> impl Strategy<Value = NameEdit> {
    prop_oneof![
        3 => Just(NameEdit::Keep),
        1 => Just(NameEdit::Rename),
        1 => Just(NameEdit::Drop),
    ]
}

fn field_edit() -> impl Strategy<Value = FieldEdit> {
    (
        name_edit(),
        prop::option::weighted(0.3, 1u32..=20),
        prop::option::weighted(0.15, 0u32..8),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(name, widen, narrow, flip_nullable, toggle_default, toggle_description)| FieldEdit {
                name,
                widen,
                narrow,
                flip_nullable,
                toggle_default,
                toggle_description,
            },
        )
}

fn object_edits() -> impl Strategy<Value = ObjectEdits> {
    (
        prop_oneof![4 => Just(NameEdit::Keep), 1 => Just(NameEdit::Rename), 1 => Just(NameEdit::Drop)],
        prop::collection::vec(field_edit(), 5),
        prop::collection::vec(new_field(), 0..=2),
        any::<bool>(),
        prop::option::weighted(0.4, index()),
        (
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.25),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
        ),
        (
            prop::bool::weighted(0.5),
            prop::bool::weighted(0.5),
            prop::bool::weighted(0.4),
        ),
    )
        .prop_map(
            |(
                name,
                fields,
                new_fields,
                keep_index,
                new_index,
                (toggle_identity, drop_computed, toggle_check, drop_foreign_key, toggle_description),
                (toggle_expression, toggle_nulls_distinct, toggle_deferrable),
            )| ObjectEdits {
                name,
                fields,
                new_fields,
                keep_index,
                new_index,
                toggle_identity,
                drop_computed,
                toggle_check,
                drop_foreign_key,
                toggle_description,
                toggle_expression,
                toggle_nulls_distinct,
                toggle_deferrable,
            },
        )
}

fn view() -> impl Strategy<Value = ViewSpec> {
    (0usize..4, 0usize..8, prop::bool::weighted(0.3)).prop_map(|(object, field, star)| ViewSpec {
        object,
        field,
        star,
    })
}

fn recipe() -> impl Strategy<Value = Recipe> {
    (
        prop::collection::vec((object(), object_edits()), 1..=3),
        prop::option::weighted(0.3, object()),
        prop::option::weighted(0.4, view()),
        any::<bool>(),
        prop::option::weighted(0.4, view()),
    )
        .prop_map(
            |(objects, new_object, old_view, keep_old_view, new_view)| Recipe {
                objects,
                new_object,
                old_view,
                keep_old_view,
                new_view,
            },
        )
}

// ---------------------------------------------------------------------------------------------
// Building the pair

/// A built object: its logical name, previous names, fields (logical name -> (json, type)) in
/// order, and its indexes.
struct Built {
    name: String,
    previous: Option<String>,
    fields: Vec<(String, Value, Ty, Option<String>)>,
    indexes: Vec<Value>,
    extras: Extras,
    /// The logical name (in this version) of the object `ref` points to, when it has a key.
    references: Option<String>,
    /// The field `ref` exists (it stays when its foreign key is dropped).
    has_ref: bool,
}

impl Built {
    fn to_json(&self) -> Value {
        let mut fields = Map::new();
        let mut id = json!({"type": "bigint"});
        if self.extras.identity {
            id["autoIncrement"] = json!(true);
        }
        fields.insert("id".into(), id);
        if self.extras.computed {
            fields.insert("g".into(), json!({"type": "bigint", "computed": "id * 2"}));
        }
        if self.has_ref {
            fields.insert("ref".into(), json!({"type": "bigint", "nullable": true}));
        }
        for (name, field, _, previous) in &self.fields {
            let mut field = field.clone();
            if let Some(p) = previous {
                field["previousNames"] = json!([p]);
            }
            fields.insert(name.clone(), field);
        }
        let mut o = json!({"kind": "object", "fields": fields, "primaryKey": ["id"]});
        if !self.indexes.is_empty() {
            o["indexes"] = json!(self.indexes);
        }
        if self.extras.check {
            o["checks"] = json!([{"name": "positiveId", "expression": "id > 0"}]);
        }
        if let Some(target) = &self.references {
            o["foreignKeys"] = json!([{"name": "toRef", "fields": ["ref"],
                "references": {"schema": target, "fields": ["id"]}}]);
            if self.extras.deferrable {
                o["foreignKeys"][0]["deferrable"] = json!("initiallyDeferred");
            }
        }
        if self.extras.described {
            o["description"] = json!(format!("{} rows", self.name));
        }
        if let Some(p) = &self.previous {
            o["previousNames"] = json!([p]);
        }
        o
    }
}

fn index_json(name: &str, fields: &[(String, Ty)], spec: &IndexSpec) -> Option<Value> {
    if fields.is_empty() {
        return None;
    }
    let (field, ty) = &fields[spec.field % fields.len()];
    Some(index_on(name, field, ty, spec))
}

fn index_on(name: &str, field: &str, ty: &Ty, spec: &IndexSpec) -> Value {
    let unique = spec.unique && ty.uniqueable();
    // `lower` and `+ 1` keep the harness's distinct values distinct, so a unique index still
    // holds; both stay valid across the type changes the edits make (strings stay strings,
    // numbers numbers).
    let expression = match ty {
        Ty::Str(_) if spec.expression => Some(format!("lower({field})")),
        Ty::Integer | Ty::Bigint | Ty::Decimal { .. } | Ty::Double if spec.expression => {
            Some(format!("{field} + 1"))
        }
        _ => None,
    };
    let key = match (expression, spec.desc) {
        (Some(e), true) => json!({"expression": e, "order": "desc"}),
        (Some(e), false) => json!({"expression": e}),
        (None, true) => json!({"field": field, "order": "desc", "nulls": "first"}),
        (None, false) => json!(field),
    };
    let mut index = json!({"name": name, "fields": [key], "unique": unique});
    if unique && spec.nulls_not_distinct {
        index["nullsDistinct"] = json!(false);
    }
    if spec.partial {
        index["where"] = json!("id > 0");
    }
    index
}

fn object_fields(spec: &ObjectSpec) -> Vec<(String, Value, Ty, Option<String>)> {
    spec.fields
        .iter()
        .enumerate()
        .map(|(j, f)| (format!("a{}", j + 1), f.to_json(), f.ty.clone(), None))
        .collect()
}

fn view_query(object: &Built, field: usize, star: bool) -> String {
    if star {
        format!("SELECT * FROM {}", object.name)
    } else if object.fields.is_empty() {
        format!("SELECT id FROM {}", object.name)
    } else {
        let (f, ..) = &object.fields[field % object.fields.len()];
        format!("SELECT id, {f} FROM {}", object.name)
    }
}

fn package(version: &str, objects: &[Built], views: &[(String, String)]) -> Value {
    let mut schemas = Map::new();
    for o in objects {
        schemas.insert(o.name.clone(), o.to_json());
    }
    for (name, query) in views {
        schemas.insert(name.clone(), json!({"kind": "view", "query": query}));
    }
    json!({"name": "gen", "version": version, "enums": {ENUM: enum_values()}, "schemas": schemas})
}

/// Turns any recipe into a valid (old, new) package pair.
fn build(recipe: &Recipe) -> (Value, Value) {
    // The old package.
    let mut old_objects = Vec::new();
    for (i, (spec, _)) in recipe.objects.iter().enumerate() {
        let fields = object_fields(spec);
        let candidates: Vec<(String, Ty)> = fields
            .iter()
            .map(|(n, _, t, _)| (n.clone(), t.clone()))
            .collect();
        let indexes = spec
            .index
            .as_ref()
            .and_then(|ix| index_json("old1", &candidates, ix))
            .into_iter()
            .collect();
        // A foreign key only to an earlier object: rows go in in name order.
        let references = match (spec.extras.refers, i) {
            (Some(k), i) if i > 0 => Some(format!("T{}", k % i + 1)),
            _ => None,
        };
        old_objects.push(Built {
            name: format!("T{}", i + 1),
            previous: None,
            fields,
            indexes,
            has_ref: references.is_some(),
            references,
            extras: spec.extras.clone(),
        });
    }
    let old_view = recipe.old_view.as_ref().map(|v| {
        let o = v.object % old_objects.len();
        (o, v.field, v.star)
    });
    let mut old_views = Vec::new();
    if let Some((o, f, star)) = old_view {
        old_views.push(("V1".to_string(), view_query(&old_objects[o], f, star)));
    }
    let old = package("1", &old_objects, &old_views);

    // The new package. Every object dropped and none added would leave nothing: keep the first.
    let all_dropped = recipe.objects.iter().all(|(_, e)| e.name == NameEdit::Drop);
    let mut new_objects: Vec<Built> = Vec::new();
    // Old object position -> position in new_objects.
    let mut survivors: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, (spec, edits)) in recipe.objects.iter().enumerate() {
        let mut edit = edits.name;
        if all_dropped && recipe.new_object.is_none() && i == 0 {
            edit = NameEdit::Keep;
        }
        let (name, previous) = match edit {
            NameEdit::Drop => continue,
            NameEdit::Keep => (format!("T{}", i + 1), None),
            NameEdit::Rename => (format!("R{}", i + 1), Some(format!("T{}", i + 1))),
        };
        let mut fields = Vec::new();
        // Old field position -> new logical name and type.
        let mut kept: BTreeMap<usize, (String, Ty)> = BTreeMap::new();
        for (j, f) in spec.fields.iter().enumerate() {
            let e = &edits.fields[j];
            let old_name = format!("a{}", j + 1);
            let (new_name, prev) = match e.name {
                NameEdit::Drop => continue,
                NameEdit::Keep => (old_name, None),
                NameEdit::Rename => (format!("b{}", j + 1), Some(old_name)),
            };
            let ty = e
                .widen
                .and_then(|k| f.ty.widened(k))
                .or_else(|| e.narrow.and_then(|k| f.ty.narrowed(k)))
                .unwrap_or_else(|| f.ty.clone());
            let next = FieldSpec {
                ty: ty.clone(),
                nullable: f.nullable != e.flip_nullable,
                default: f.default != e.toggle_default,
                described: f.described != e.toggle_description,
                ..f.clone()
            };
            kept.insert(j, (new_name.clone(), ty.clone()));
            fields.push((new_name, next.to_json(), ty, prev));
        }
        // Candidates for a new index: the surviving old fields.
        let existing: Vec<(String, Ty)> = fields
            .iter()
            .map(|(n, _, t, _)| (n.clone(), t.clone()))
            .collect();
        for (k, f) in edits.new_fields.iter().enumerate() {
            fields.push((format!("c{}", k + 1), f.to_json(), f.ty.clone(), None));
        }
        let mut indexes = Vec::new();
        if let (true, Some(ix)) = (edits.keep_index, &spec.index) {
            // The old index survives when its field does (under the field's new name).
            let j = ix.field % spec.fields.len();
            // Its key follows the field's new type (`lower` of a string narrowed to an enum
            // would not exist).
            if let Some((field, ty)) = kept.get(&j) {
                let toggled = IndexSpec {
                    expression: ix.expression != edits.toggle_expression,
                    nulls_not_distinct: ix.nulls_not_distinct != edits.toggle_nulls_distinct,
                    ..ix.clone()
                };
                indexes.push(index_on("old1", field, ty, &toggled));
            }
        }
        if let Some(ix) = &edits.new_index {
            indexes.extend(index_json("new1", &existing, ix));
        }
        let extras = Extras {
            identity: spec.extras.identity != edits.toggle_identity,
            computed: spec.extras.computed && !edits.drop_computed,
            check: spec.extras.check != edits.toggle_check,
            refers: spec.extras.refers,
            deferrable: spec.extras.deferrable != edits.toggle_deferrable,
            described: spec.extras.described != edits.toggle_description,
        };
        survivors.insert(i, new_objects.len());
        new_objects.push(Built {
            name,
            previous,
            fields,
            indexes,
            // The foreign key follows its target (renamed or not) and goes with it.
            references: None,
            has_ref: old_objects[i].has_ref,
            extras,
        });
    }
    // Second pass, once every surviving object's new name is known.
    for (i, (_, edits)) in recipe.objects.iter().enumerate() {
        let (Some(&n), Some(target)) = (survivors.get(&i), old_objects[i].references.as_ref())
        else {
            continue;
        };
        let k: usize = target[1..].parse().expect("T<k>");
        if edits.drop_foreign_key {
            continue;
        }
        if let Some(&t) = survivors.get(&(k - 1)) {
            new_objects[n].references = Some(new_objects[t].name.clone());
        }
    }
    if let Some(spec) = &recipe.new_object {
        let fields = object_fields(spec);
        let candidates: Vec<(String, Ty)> = fields
            .iter()
            .map(|(n, _, t, _)| (n.clone(), t.clone()))
            .collect();
        let indexes = spec
            .index
            .as_ref()
            .and_then(|ix| index_json("new1", &candidates, ix))
            .into_iter()
            .collect();
        // N1 comes after every T and R: its foreign key may point at any surviving object.
        let references = spec
            .extras
            .refers
            .filter(|_| !new_objects.is_empty())
            .map(|k| new_objects[k % new_objects.len()].name.clone());
        new_objects.push(Built {
            name: "N1".into(),
            previous: None,
            fields,
            indexes,
            has_ref: references.is_some(),
            references,
            extras: spec.extras.clone(),
        });
    }

    let mut new_views = Vec::new();
    if let (Some((o, f, star)), true) = (old_view, recipe.keep_old_view) {
        // The old view follows its object and field (renamed, retyped), or reads only `id`
        // when its field is gone; it goes away with its object.
        if let Some(&n) = survivors.get(&o) {
            let spec = &recipe.objects[o].0;
            let j = f % spec.fields.len();
            let object = &new_objects[n];
            let edit = &recipe.objects[o].1.fields[j];
            let query = match edit.name {
                _ if star => format!("SELECT * FROM {}", object.name),
                NameEdit::Drop => format!("SELECT id FROM {}", object.name),
                NameEdit::Keep => format!("SELECT id, a{} FROM {}", j + 1, object.name),
                NameEdit::Rename => format!("SELECT id, b{} FROM {}", j + 1, object.name),
            };
            new_views.push(("V1".to_string(), query));
        }
    }
    if let Some(v) = &recipe.new_view {
        let object = &new_objects[v.object % new_objects.len()];
        new_views.push(("W1".to_string(), view_query(object, v.field, v.star)));
    }
    let new = package("2", &new_objects, &new_views);
    (old, new)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON prints")
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(a panic without a message)".to_string())
}

/// Runs `f`, turning a panic into a test failure that prints both packages.
fn with_packages<T>(old: &Value, new: &Value, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        TestCaseError::fail(format!(
            "{}\n--- old package:\n{}\n--- new package:\n{}",
            panic_message(&*panic),
            pretty(old),
            pretty(new)
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Offline, many cases: every generated pair is valid, plans without refusal, plans something,
/// and the new version planned against itself has nothing to do.
#[test]
fn generated_pairs_plan_offline() {
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(recipe in recipe())| {
        let (old, new) = build(&recipe);
        with_packages(&old, &new, || {
            let (old_ds, new_ds) = (dataset(&old), dataset(&new));
            let (old_model, new_model) = (model(&old_ds), model(&new_ds));
            let header = |from: Option<String>| PlanHeader {
                migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
                environment_id: new_ds.config.environment_id.clone(),
                dataset_id: depot_tests::DATASET_ID.into(),
                dataset_alias: new_ds.config.alias.clone(),
                from_version: from,
                to_version: version_hash(&new_ds.config, &new_ds.package),
                created_at: "2025-04-28T08:31:33.816Z".into(),
            };
            let old_hash = version_hash(&old_ds.config, &old_ds.package);
            assert_ne!(old_hash, header(None).to_version, "two package versions, one hash");
            plan_migration(&PostgresDialect, Some(&old_model), &new_model, header(Some(old_hash)))
                .unwrap_or_else(|e| panic!("planning old -> new: {e}"));
            let again = plan_migration(&PostgresDialect, Some(&new_model), &new_model, header(None))
                .unwrap_or_else(|e| panic!("planning new -> new: {e}"));
            assert!(
                again.is_empty(),
                "the new version planned against itself is not empty:\n{}",
                depot_core::preview::render_text(&again)
            );
        })?;
    });
}

/// The config of the live properties: PROPTEST_CASES=200 for a deeper run; 12 by default (each
/// case creates databases).
fn live_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    ProptestConfig {
        cases,
        max_shrink_iters: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs the live check `check(old, new)` on a fresh runtime, with the packages printed on
/// failure.
fn run_live<T, F: std::future::Future<Output = T>>(
    old: &Value,
    new: &Value,
    check: impl FnOnce() -> F,
) -> Result<T, TestCaseError> {
    with_packages(old, new, || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(check())
    })
}

/// Live: each case deploys old into a fresh database, inserts rows, migrates to new, and
/// compares with new deployed fresh into another database, and the rows before and after.
#[test]
fn generated_pairs_migrate_like_a_fresh_deploy_and_keep_every_row() {
    proptest!(live_config(), |(recipe in recipe())| {
        let (old, new) = build(&recipe);
        run_live(&old, &new, || check_pair(&old, &new, ROWS))?;
    });
}

/// Live: each case migrates old -> new with a failure injected just before the contract phase,
/// and the undo must bring back old exactly, every row kept (depot_core::undo).
#[test]
fn generated_pairs_that_fail_are_undone_to_the_old_version() {
    proptest!(live_config(), |(recipe in recipe())| {
        let (old, new) = build(&recipe);
        run_live(&old, &new, || check_undo(&old, &new, ROWS))?;
    });
}

/// The generator itself: the names it makes are valid and map one to one under snake_case,
/// and the edits it is meant to make do occur.
#[test]
fn the_generator_makes_valid_distinct_names_and_every_kind_of_edit() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..300 {
        let recipe = recipe().new_tree(&mut runner).expect("a recipe").current();
        let (old, new) = build(&recipe);
        let (old_model, new_model) = (model(&dataset(&old)), model(&dataset(&new)));
        for m in [&old_model, &new_model] {
            for o in m.objects.values() {
                assert_eq!(o.physical, o.logical.to_lowercase(), "{o:?}");
                for c in &o.columns {
                    assert_eq!(c.physical, c.logical.to_lowercase(), "{c:?}");
                }
            }
        }
        let text = new.to_string();
        // An index or foreign key option that differs between the versions of a kept object.
        let toggled = |differs: &dyn Fn(&PhysicalObject, &PhysicalObject) -> bool| {
            old_model
                .objects
                .iter()
                .any(|(name, o)| new_model.objects.get(name).is_some_and(|n| differs(o, n)))
        };
        let old1 = |o: &PhysicalObject| o.indexes.iter().find(|i| i.logical == "old1").cloned();
        let key_toggled = |o: &PhysicalObject, n: &PhysicalObject| {
            o.foreign_keys.first().map(|k| k.deferrable)
                != n.foreign_keys.first().map(|k| k.deferrable)
                && !o.foreign_keys.is_empty()
                && !n.foreign_keys.is_empty()
        };
        for (kind, found) in [
            (
                "expression index",
                text.contains("\"fields\":[{\"expression\""),
            ),
            ("nulls not distinct", text.contains("nullsDistinct")),
            ("deferrable foreign key", text.contains("initiallyDeferred")),
            (
                "expression index toggled",
                toggled(&|o, n| match (old1(o), old1(n)) {
                    (Some(a), Some(b)) => a.has_expression() != b.has_expression(),
                    _ => false,
                }),
            ),
            (
                "nullsDistinct toggled",
                toggled(&|o, n| match (old1(o), old1(n)) {
                    (Some(a), Some(b)) => a.nulls_distinct != b.nulls_distinct,
                    _ => false,
                }),
            ),
            ("deferrable toggled", toggled(&key_toggled)),
            ("renamed object", text.contains("\"R")),
            ("renamed field", text.contains("\"b")),
            ("new object", text.contains("\"N1\"")),
            ("new field", text.contains("\"c1\"")),
            ("new index", text.contains("new1")),
            ("new view", text.contains("W1")),
            ("kept old view", text.contains("V1")),
            ("check", text.contains("positiveId")),
            ("foreign key", text.contains("toRef")),
            ("identity", text.contains("autoIncrement")),
            ("computed field", text.contains("computed")),
            ("star view", text.contains("SELECT *")),
            ("expression default", text.contains("\"expression\"")),
            ("description", text.contains("description")),
            ("sorted index", text.contains("\"desc\"")),
            ("partial index", text.contains("\"where\"")),
            ("enum field", text.contains("\"type\":\"enum\"")),
            (
                "string narrowed to an enum",
                old_model.objects.iter().any(|(name, o)| {
                    new_model.objects.get(name).is_some_and(|n| {
                        o.columns.iter().any(|c| {
                            matches!(c.field_type, depot_core::FieldType::String { .. })
                                && n.columns.iter().any(|d| {
                                    (d.logical == c.logical
                                        || d.previous_names.contains(&c.logical))
                                        && matches!(
                                            d.field_type,
                                            depot_core::FieldType::Enum { .. }
                                        )
                                })
                        })
                    })
                }),
            ),
            (
                "dropped object",
                new_model.objects.len()
                    < old_model.objects.len() + usize::from(text.contains("\"N1\"")),
            ),
        ] {
            if found {
                *seen.entry(kind).or_default() += 1;
            }
        }
        let widened = new_model.objects.values().any(|o| {
            let Some(old_o) = old_model.objects.get(&o.logical).or_else(|| {
                o.previous_names
                    .first()
                    .and_then(|p| old_model.objects.get(p))
            }) else {
                return false;
            };
            o.columns.iter().any(|c| {
                old_o.columns.iter().any(|oc| {
                    (oc.logical == c.logical || c.previous_names.contains(&oc.logical))
                        && oc.field_type != c.field_type
                })
            })
        });
        if widened {
            *seen.entry("widened field").or_default() += 1;
        }
        let narrowed = new_model.objects.values().any(|o| {
            old_model.objects.values().any(|old_o| {
                o.columns.iter().any(|c| {
                    old_o.columns.iter().any(|oc| {
                        (oc.logical == c.logical || c.previous_names.contains(&oc.logical))
                            && oc.field_type.change_to(&c.field_type)
                                == depot_core::field_type::TypeChange::Narrowing
                    })
                })
            })
        });
        if narrowed {
            *seen.entry("narrowed field").or_default() += 1;
        }
    }
    for kind in [
        "renamed object",
        "renamed field",
        "new object",
        "new field",
        "new index",
        "new view",
        "kept old view",
        "dropped object",
        "widened field",
        "narrowed field",
        "check",
        "foreign key",
        "identity",
        "computed field",
        "star view",
        "expression default",
        "description",
        "sorted index",
        "partial index",
        "enum field",
        "string narrowed to an enum",
        "expression index",
        "nulls not distinct",
        "deferrable foreign key",
        "expression index toggled",
        "nullsDistinct toggled",
        "deferrable toggled",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) > 5,
            "the generator rarely makes a {kind}: {seen:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: minimal pairs the generator once found, pinned so they run on every test run.

fn run_pair(old: &Value, new: &Value) {
    run_live(old, new, || check_pair(old, new, ROWS)).unwrap_or_else(|e| panic!("{e}"));
}

/// `string(4)` with a default -> unbounded `string`, same default: the migrated column's
/// default must read as on a fresh `text` column (`'it''s'::text`), not keep the old
/// `'it''s'::character varying`.
#[test]
fn regression_widening_a_string_with_a_default_to_text() {
    let table = |field: Value, version: &str| {
        json!({"name": "gen", "version": version, "schemas": {"T1": {"kind": "object",
            "fields": {"id": {"type": "bigint"}, "a1": field}, "primaryKey": ["id"]}}})
    };
    run_pair(
        &table(
            json!({"type": "string", "maxLength": 4, "default": "it's"}),
            "1",
        ),
        &table(json!({"type": "string", "default": "it's"}), "2"),
    );
}
