//! UndoSql: what every engine's undo statements (see [`crate::undo`]) share: the names they
//! write, quoted by the engine's one escaping function, and the old view a dropped view is
//! restored from. An undo names only what a plan already rendered, so its names are not checked
//! again for the engine's limits.

use crate::change::{Change, Name};
use crate::dialect::RenderError;
use crate::physical::PhysicalView;
use crate::undo::Before;

/// UndoSql writes the names of one change's undo statements.
#[derive(Debug, Clone, Copy)]
pub struct UndoSql<'a> {
    /// The namespace (schema) every table is qualified by.
    pub namespace: &'a str,
    /// The engine's quoting of a name (`quote_ident`).
    pub quote: fn(&str) -> String,
}

impl UndoSql<'_> {
    /// `name` as it must appear in SQL.
    pub fn id(&self, name: &str) -> String {
        (self.quote)(name)
    }

    /// `name` qualified by the dataset's namespace.
    pub fn table(&self, name: &str) -> String {
        format!("{}.{}", self.id(self.namespace), self.id(name))
    }

    /// `a, b, c`: the columns as they must appear in SQL.
    pub fn column_list(&self, columns: &[String]) -> String {
        columns
            .iter()
            .map(|c| self.id(c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The old version of `view`, which `change` drops, for the undo to create again; an error when
/// the version the plan starts from has no such view.
pub fn view_to_restore<'a>(
    before: &Before<'a>,
    change: &Change,
    view: &Name,
) -> Result<&'a PhysicalView, RenderError> {
    before.view(view).ok_or_else(|| RenderError {
        target: change.target(),
        message: format!(
            "view {} is dropped, but the version the plan starts from has no such view to \
             restore after a failure",
            view.physical
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physical::PhysicalModel;

    fn brackets(name: &str) -> String {
        format!("[{name}]")
    }

    #[test]
    fn names_are_quoted_by_the_engine_and_qualified_by_the_namespace() {
        let sql = UndoSql {
            namespace: "ns",
            quote: brackets,
        };
        assert_eq!(sql.id("c"), "[c]");
        assert_eq!(sql.table("dog"), "[ns].[dog]");
        assert_eq!(
            sql.column_list(&["a".to_string(), "b".to_string()]),
            "[a], [b]"
        );
        assert_eq!(sql.column_list(&[]), "");
    }

    #[test]
    fn a_dropped_view_missing_from_the_old_version_is_refused_naming_it() {
        let new = PhysicalModel {
            enums: Default::default(),
            namespace: "ns".to_string(),
            comment: None,
            objects: Default::default(),
            views: Default::default(),
        };
        let before = Before {
            old: None,
            new: &new,
        };
        let view = Name {
            logical: "Dogs".to_string(),
            physical: "dogs_v".to_string(),
        };
        let change = Change::DropView {
            view: view.clone(),
            materialized: false,
        };
        let err = view_to_restore(&before, &change, &view).unwrap_err();
        assert_eq!(err.target, change.target());
        assert_eq!(
            err.message,
            "view dogs_v is dropped, but the version the plan starts from has no such view to \
             restore after a failure"
        );
    }
}
