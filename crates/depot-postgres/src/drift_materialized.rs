//! Drift of materialized views: the kind of a view (plain or materialized) and a materialized
//! view's indexes, each expected one present with its uniqueness and comment, and no other.

use depot_core::physical::PhysicalView;

use crate::drift::compare_comment;
use crate::drift_keys;
use crate::introspect::ViewSnapshot;

/// A view's kind (plain or materialized) and a materialized view's indexes: each expected one
/// present with its uniqueness, and no other.
pub(crate) fn compare_materialized(
    view_name: &str,
    live: &ViewSnapshot,
    view: &PhysicalView,
    out: &mut Vec<String>,
) {
    let kind = |materialized: bool| {
        if materialized {
            "a materialized view"
        } else {
            "a plain view"
        }
    };
    if live.materialized != view.materialized {
        out.push(format!(
            "view {view_name} is {}, expected {}",
            kind(live.materialized),
            kind(view.materialized)
        ));
        return;
    }
    for index in &view.indexes {
        match live.indexes.get(&index.physical) {
            None => out.push(format!(
                "materialized view {view_name}: index {} ({}) is missing",
                index.physical, index.logical
            )),
            Some(found) if found.unique != index.unique || !found.valid => out.push(format!(
                "materialized view {view_name}: index {} is `{}`, expected {}({})",
                index.physical,
                found.definition,
                if index.unique { "unique " } else { "" },
                drift_keys::key_list(index)
            )),
            Some(found) => compare_comment(
                &format!("materialized view {view_name}: index {}", index.physical),
                &found.comment,
                &index.comment,
                out,
            ),
        }
    }
    for name in live.indexes.keys() {
        if view.indexes.iter().all(|i| &i.physical != name) {
            out.push(format!(
                "materialized view {view_name}: index {name} is not part of the deployed version"
            ));
        }
    }
}
