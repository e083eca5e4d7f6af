//! Comments: one SetComment per comment of something created (the renderers create tables,
//! columns, indexes, constraints and views without their comments), and one per comment that
//! changes or goes (`comment: None`) on something kept. A change of comment alone gives only
//! these steps.

use super::*;
use crate::comment::CommentTarget;
use crate::physical::PhysicalIndex;

/// SetComment for `comment` of something just created, if it has one.
pub(super) fn created(
    target: impl FnOnce() -> CommentTarget,
    comment: &Option<String>,
) -> Option<Change> {
    comment.as_ref().map(|c| Change::SetComment {
        target: target(),
        comment: Some(c.clone()),
    })
}

/// SetComment when a kept thing's comment changes (None: removed).
pub(super) fn changed(
    target: impl FnOnce() -> CommentTarget,
    old: &Option<String>,
    new: &Option<String>,
) -> Option<Change> {
    (old != new).then(|| Change::SetComment {
        target: target(),
        comment: new.clone(),
    })
}

pub(super) fn on_table(object: &Name) -> impl FnOnce() -> CommentTarget + '_ {
    move || CommentTarget::Table {
        object: object.clone(),
    }
}

pub(super) fn on_column<'n>(
    object: &'n Name,
    column: &'n PhysicalColumn,
) -> impl FnOnce() -> CommentTarget + 'n {
    move || CommentTarget::Column {
        object: object.clone(),
        column: name_of_column(column),
    }
}

pub(super) fn on_index<'n>(
    object: &'n Name,
    index: &'n PhysicalIndex,
) -> impl FnOnce() -> CommentTarget + 'n {
    move || CommentTarget::Index {
        object: object.clone(),
        index: Name {
            logical: index.logical.clone(),
            physical: index.physical.clone(),
        },
    }
}

pub(super) fn on_constraint<'n>(
    object: &'n Name,
    logical: &'n str,
    physical: &'n str,
) -> impl FnOnce() -> CommentTarget + 'n {
    move || CommentTarget::Constraint {
        object: object.clone(),
        constraint: Name {
            logical: logical.to_string(),
            physical: physical.to_string(),
        },
    }
}

pub(super) fn on_view(view: &PhysicalView) -> CommentTarget {
    if view.materialized {
        CommentTarget::MaterializedView {
            view: name_of_view(view),
        }
    } else {
        CommentTarget::View {
            view: name_of_view(view),
        }
    }
}

/// The comments of a new table: its own, its columns', indexes', checks' and foreign keys'.
pub(super) fn of_new_object(o: &PhysicalObject, out: &mut Vec<Change>) {
    let object = name_of_object(o);
    out.extend(created(on_table(&object), &o.comment));
    for c in &o.columns {
        out.extend(created(on_column(&object, c), &c.comment));
    }
    for i in &o.indexes {
        out.extend(created(on_index(&object, i), &i.comment));
    }
    for c in &o.checks {
        out.extend(created(
            on_constraint(&object, &c.logical, &c.physical),
            &c.comment,
        ));
    }
    for k in &o.foreign_keys {
        out.extend(created(
            on_constraint(&object, &k.logical, &k.physical),
            &k.comment,
        ));
    }
}
