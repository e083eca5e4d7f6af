//! Comments: a package's, schema's, field's, index's or constraint's `description` becomes
//! the comment of what it describes in the database (SPEC §1b).

use serde::{Deserialize, Serialize};

use crate::change::Name;

/// CommentTarget is what a comment is set on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "camelCase")]
pub enum CommentTarget {
    /// The dataset's namespace (the package's description).
    Namespace {
        namespace: String,
    },
    Table {
        object: Name,
    },
    View {
        view: Name,
    },
    MaterializedView {
        view: Name,
    },
    Column {
        object: Name,
        column: Name,
    },
    /// An index, by physical name (PostgreSQL: a relation of the namespace).
    Index {
        object: Name,
        index: Name,
    },
    /// A constraint (check or foreign key) of a table, by physical name.
    Constraint {
        object: Name,
        constraint: Name,
    },
}

impl CommentTarget {
    /// The logical target of the step (`Dog`, `Dog.name`, `Dog.byName`).
    pub fn logical(&self) -> String {
        match self {
            CommentTarget::Namespace { namespace } => namespace.clone(),
            CommentTarget::Table { object } => object.logical.clone(),
            CommentTarget::View { view } | CommentTarget::MaterializedView { view } => {
                view.logical.clone()
            }
            CommentTarget::Column { object, column } => {
                format!("{}.{}", object.logical, column.logical)
            }
            CommentTarget::Index { object, index } => {
                format!("{}.{}", object.logical, index.logical)
            }
            CommentTarget::Constraint { object, constraint } => {
                format!("{}.{}", object.logical, constraint.logical)
            }
        }
    }
}
