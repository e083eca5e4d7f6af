//! Recipes: the plain choices a generated pair is made of (an old package's objects, the edits
//! that make the new one). Any recipe builds into a valid pair ([`crate::build`]).

use serde_json::{json, Value};

use crate::ty::Ty;

#[derive(Debug, Clone)]
pub(crate) struct FieldSpec {
    pub(crate) ty: Ty,
    pub(crate) nullable: bool,
    pub(crate) default: bool,
    /// The default is the type's portable expression (when it has one) instead of a literal.
    pub(crate) expression: bool,
    pub(crate) described: bool,
}

impl FieldSpec {
    /// The default this field writes when its type is `ty` (each type has its own literal).
    pub(crate) fn default_as(&self, ty: &Ty) -> Value {
        match (self.expression, ty.expression_default()) {
            (true, Some(e)) => json!({ "expression": e }),
            _ => ty.default_literal(),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut m = self.ty.to_json();
        if self.nullable {
            m.insert("nullable".into(), json!(true));
        }
        if self.default {
            m.insert("default".into(), self.default_as(&self.ty));
        }
        if self.described {
            m.insert("description".into(), json!("it's described"));
        }
        Value::Object(m)
    }
}

/// IndexSpec picks a field (by position, modulo the candidates) and asks for uniqueness.
#[derive(Debug, Clone)]
pub(crate) struct IndexSpec {
    pub(crate) field: usize,
    pub(crate) unique: bool,
    /// The key sorted descending, nulls first.
    pub(crate) desc: bool,
    /// A partial index (`where id > 0`).
    pub(crate) partial: bool,
    /// The key is an expression over the field (`lower(f)`, `f + 1`; a plain key on a field of
    /// another type).
    pub(crate) expression: bool,
    /// A unique index on which nulls are equal (`"nullsDistinct": false`).
    pub(crate) nulls_not_distinct: bool,
}

/// The SPEC §1b features an object may carry, each kept or toggled by the edits.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    /// The key `id` is an identity column (`autoIncrement`).
    pub(crate) identity: bool,
    /// A computed column `g` (`id * 2`).
    pub(crate) computed: bool,
    /// A check `positiveId` (`id > 0`).
    pub(crate) check: bool,
    /// A nullable field `ref` with a foreign key to an earlier object's `id` (by position,
    /// modulo the earlier objects; none for the first object).
    pub(crate) refers: Option<usize>,
    /// The foreign key is `"deferrable": "initiallyDeferred"`.
    pub(crate) deferrable: bool,
    pub(crate) described: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ObjectSpec {
    pub(crate) fields: Vec<FieldSpec>,
    pub(crate) index: Option<IndexSpec>,
    pub(crate) extras: Extras,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NameEdit {
    Keep,
    Rename,
    Drop,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldEdit {
    pub(crate) name: NameEdit,
    /// Widen the type (when it can be widened), with this widening choice.
    pub(crate) widen: Option<u32>,
    /// Narrow the type (when it is not widened and can be narrowed), with this choice.
    pub(crate) narrow: Option<u32>,
    pub(crate) flip_nullable: bool,
    pub(crate) toggle_default: bool,
    pub(crate) toggle_description: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ObjectEdits {
    pub(crate) name: NameEdit,
    /// One edit per old field (extra edits are unused).
    pub(crate) fields: Vec<FieldEdit>,
    pub(crate) new_fields: Vec<FieldSpec>,
    pub(crate) keep_index: bool,
    pub(crate) new_index: Option<IndexSpec>,
    pub(crate) toggle_identity: bool,
    /// Drop the computed column (a changed expression is refused: never generated).
    pub(crate) drop_computed: bool,
    pub(crate) toggle_check: bool,
    /// Drop the foreign key (the field `ref` stays).
    pub(crate) drop_foreign_key: bool,
    pub(crate) toggle_description: bool,
    /// Toggle the kept index's expression key and `nullsDistinct`, and the foreign key's
    /// `deferrable`.
    pub(crate) toggle_expression: bool,
    pub(crate) toggle_nulls_distinct: bool,
    pub(crate) toggle_deferrable: bool,
}

/// ViewSpec picks an object and a field by position (modulo what exists).
#[derive(Debug, Clone)]
pub(crate) struct ViewSpec {
    pub(crate) object: usize,
    pub(crate) field: usize,
    /// `SELECT *`: the view must follow every column change of its object.
    pub(crate) star: bool,
}

#[derive(Debug, Clone)]
pub struct Recipe {
    pub(crate) objects: Vec<(ObjectSpec, ObjectEdits)>,
    pub(crate) new_object: Option<ObjectSpec>,
    pub(crate) old_view: Option<ViewSpec>,
    pub(crate) keep_old_view: bool,
    pub(crate) new_view: Option<ViewSpec>,
}
