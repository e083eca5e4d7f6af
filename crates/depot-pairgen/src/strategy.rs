//! The proptest strategies that draw recipes, within an engine's [`Profile`].

use proptest::prelude::*;

use crate::profile::Profile;
use crate::recipe::{
    Extras, FieldEdit, FieldSpec, IndexSpec, NameEdit, ObjectEdits, ObjectSpec, Recipe, ViewSpec,
};
use crate::ty::Ty;

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

/// A field that can be added to a table holding rows: nullable, or NOT NULL with a default
/// (when the profile adds NOT NULL columns).
fn new_field(profile: Profile) -> impl Strategy<Value = FieldSpec> {
    field().prop_map(move |f| {
        if profile.not_null_new_fields {
            FieldSpec {
                default: f.default || !f.nullable,
                ..f
            }
        } else {
            FieldSpec {
                nullable: true,
                ..f
            }
        }
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

fn extras(profile: Profile) -> impl Strategy<Value = Extras> {
    (
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.3),
        prop::option::weighted(0.4, 0usize..3),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            move |(identity, computed, check, refers, deferrable, described)| Extras {
                identity,
                computed: computed && profile.computed,
                check: check && profile.checks,
                refers,
                deferrable,
                described,
            },
        )
}

/// An object; its index is unique only when `unique_index` (an old object's index may be
/// dropped or rebuilt by the edits, a new object's is only created).
fn object(profile: Profile, unique_index: bool) -> impl Strategy<Value = ObjectSpec> {
    (
        prop::collection::vec(field(), 1..=5),
        prop::option::of(index()),
        extras(profile),
    )
        .prop_map(move |(fields, index, extras)| ObjectSpec {
            fields,
            index: index.map(|ix| IndexSpec {
                unique: ix.unique && unique_index,
                ..ix
            }),
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

fn object_edits(profile: Profile) -> impl Strategy<Value = ObjectEdits> {
    (
        prop_oneof![4 => Just(NameEdit::Keep), 1 => Just(NameEdit::Rename), 1 => Just(NameEdit::Drop)],
        prop::collection::vec(field_edit(), 5),
        prop::collection::vec(new_field(profile), 0..=2),
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
            move |(
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
                new_index: new_index.map(|ix| IndexSpec {
                    unique: ix.unique && profile.unique_on_old_objects,
                    ..ix
                }),
                toggle_identity,
                drop_computed,
                toggle_check: toggle_check && profile.checks,
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

/// The recipes of package pairs `profile` can hold and migrate.
pub fn recipe(profile: Profile) -> impl Strategy<Value = Recipe> {
    (
        prop::collection::vec(
            (
                object(profile, profile.unique_on_old_objects),
                object_edits(profile),
            )
                .prop_map(move |(spec, edits)| fit_edits(profile, spec, edits)),
            1..=3,
        ),
        prop::option::weighted(0.3, object(profile, true)),
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

/// Leaves out the edits of `spec` that `profile` cannot make, where that depends on the old
/// object: AUTOINCREMENT added to its key, type changes it does not draw, defaults given or
/// changed (by a type change whose default literal differs), descriptions removed. (For PostgreSQL nothing changes.)
fn fit_edits(
    profile: Profile,
    spec: ObjectSpec,
    mut edits: ObjectEdits,
) -> (ObjectSpec, ObjectEdits) {
    if !profile.add_identity && !spec.extras.identity {
        edits.toggle_identity = false;
    }
    if !profile.drop_descriptions && spec.extras.described {
        edits.toggle_description = false;
    }
    for (f, e) in spec.fields.iter().zip(edits.fields.iter_mut()) {
        if !profile.drop_descriptions && f.described {
            e.toggle_description = false;
        }
        let allowed = |to: &Ty| (profile.type_change)(&f.ty.field_type(), &to.field_type());
        // As `build` picks the new type: the widening when there is one, else the narrowing.
        if e.widen
            .and_then(|k| f.ty.widened(k))
            .is_some_and(|t| !allowed(&t))
        {
            e.widen = None;
        }
        if e.widen.and_then(|k| f.ty.widened(k)).is_none()
            && e.narrow
                .and_then(|k| f.ty.narrowed(k))
                .is_some_and(|t| !allowed(&t))
        {
            e.narrow = None;
        }
        if profile.set_default {
            continue;
        }
        if !f.default {
            e.toggle_default = false;
        } else if !e.toggle_default {
            // The default stays through a type change only when the new type's literal is the
            // old one (integer -> bigint keeps 7; a decimal's is "1"): else it is changed.
            let to = e
                .widen
                .and_then(|k| f.ty.widened(k))
                .or_else(|| e.narrow.and_then(|k| f.ty.narrowed(k)));
            if to.is_some_and(|to| f.default_as(&to) != f.default_as(&f.ty)) {
                e.widen = None;
                e.narrow = None;
            }
        }
    }
    (spec, edits)
}
