//! Building a pair: any recipe becomes a valid (old, new) package pair; impossible choices fall
//! back to harmless ones.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::recipe::{Extras, FieldSpec, IndexSpec, NameEdit, ObjectSpec, Recipe};
use crate::ty::{enum_values, Ty, ENUM};

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
pub fn build(recipe: &Recipe) -> (Value, Value) {
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
