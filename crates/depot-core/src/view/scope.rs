//! View scopes: what a view query can see while it is rewritten. A [`Catalog`] holds the
//! relations of the dataset and its dependencies; a [`Scope`] holds the tables of one
//! `SELECT`'s FROM clause, through which column references are resolved.

use std::collections::{BTreeMap, BTreeSet};

use sqlparser::ast::Ident;

use crate::naming::NamingStrategy;
use crate::physical::DependencyModel;

/// Column is one column of a relation as a view sees it: its logical name (as views write
/// it) and its physical name (as the engine knows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub logical: String,
    pub physical: String,
}

/// Relation is an object or view of the dataset: its physical name and columns. `columns` is
/// `None` for a view that could not be resolved: references to it are not checked, so that
/// one broken view does not bury its readers under follow-on problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub physical: String,
    pub columns: Option<Vec<Column>>,
}

/// Catalog is everything a view query may reference.
#[derive(Debug, Clone)]
pub struct Catalog<'a> {
    /// The dataset's namespace.
    pub namespace: &'a str,
    /// Objects of the package, by logical name.
    pub objects: BTreeMap<String, Relation>,
    /// Views of the package, by logical name.
    pub views: BTreeMap<String, Relation>,
    /// The dataset's declared dependencies (alias -> dataset).
    pub dependency_aliases: &'a BTreeMap<String, String>,
    /// The deployed metadata of each dependency, by alias.
    pub dependencies: &'a BTreeMap<String, DependencyModel>,
    /// How output aliases become physical names.
    pub naming: NamingStrategy,
    /// Logical enum name -> physical type, for casts (`'paid'::OrderStatus`); empty without
    /// enums.
    pub enum_types: BTreeMap<String, String>,
    /// Whether enums are types of the namespace (else a cast to one is a cast to a string).
    pub native_enums: bool,
}

impl Catalog<'_> {
    /// schema_names lists the package's objects and views, for messages.
    pub fn schema_names(&self) -> String {
        let names: Vec<&str> = self
            .objects
            .keys()
            .chain(self.views.keys())
            .map(String::as_str)
            .collect();
        if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        }
    }
}

/// Origin is what a FROM entry reads, which decides what a column read records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An object of the package (logical name).
    Object(String),
    /// A view of the package (logical name).
    View(String),
    /// A schema of a dependency, by dependency alias.
    Dependency(String),
    /// A CTE or a subquery in FROM: its reads were recorded while resolving it.
    Local,
}

/// Source is one entry of a FROM clause.
#[derive(Debug, Clone)]
pub struct Source {
    /// The names that qualify its columns in the query as written: its alias, or its table name
    /// (`["Dog"]`; `["Breeds", "Breed"]` and `["Breed"]` for a dependency's schema).
    pub names: Vec<Vec<String>>,
    /// What a qualifier naming this source is rewritten to: the alias as written, or the
    /// physical table name.
    pub qualifier: Vec<Ident>,
    pub origin: Origin,
    /// `None` when the columns are unknown (see [`Relation::columns`]).
    pub columns: Option<Vec<Column>>,
    /// How messages name it: `Dog`, `Dog (as d)`, `recent`.
    pub label: String,
}

/// ColumnLookup is the result of looking a logical column up in a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnLookup<'s> {
    Found(&'s Column),
    Missing,
    /// The source's columns are unknown: the reference cannot be checked.
    Unknown,
}

impl Source {
    /// column looks up the logical column `logical`.
    pub fn column(&self, logical: &str) -> ColumnLookup<'_> {
        match &self.columns {
            None => ColumnLookup::Unknown,
            Some(cols) => cols
                .iter()
                .find(|c| c.logical == logical)
                .map_or(ColumnLookup::Missing, ColumnLookup::Found),
        }
    }

    /// answers_to tells whether `qualifier` (as written before a column) names this source.
    pub fn answers_to(&self, qualifier: &[&str]) -> bool {
        self.names
            .iter()
            .any(|n| n.len() == qualifier.len() && n.iter().zip(qualifier).all(|(a, b)| a == b))
    }

    /// column_list lists the logical columns, for messages.
    pub fn column_list(&self) -> String {
        match &self.columns {
            None => "(unknown)".to_string(),
            Some(cols) if cols.is_empty() => "(none)".to_string(),
            Some(cols) => cols
                .iter()
                .map(|c| c.logical.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// near_miss finds a column whose name differs from `logical` only in case, for a hint.
    pub fn near_miss(&self, logical: &str) -> Option<&str> {
        self.columns
            .as_ref()?
            .iter()
            .find(|c| c.logical.eq_ignore_ascii_case(logical))
            .map(|c| c.logical.as_str())
    }
}

/// Scope is one `SELECT`: its FROM entries and, once its select list is resolved, its output
/// columns (which ORDER BY and GROUP BY may name).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub sources: Vec<Source>,
    pub output: Vec<Column>,
    /// Logical columns merged by `JOIN ... USING` or `NATURAL JOIN`: naming one unqualified
    /// is not ambiguous, though several tables have it.
    pub merged: BTreeSet<String>,
}

impl Scope {
    /// source finds the FROM entry `qualifier` names.
    pub fn source(&self, qualifier: &[&str]) -> Option<&Source> {
        self.sources.iter().find(|s| s.answers_to(qualifier))
    }

    /// labels lists the FROM entries, for messages.
    pub fn labels(&self) -> String {
        self.sources
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(l: &str, p: &str) -> Column {
        Column {
            logical: l.into(),
            physical: p.into(),
        }
    }

    fn dog() -> Source {
        Source {
            names: vec![vec!["Breeds".into(), "Breed".into()], vec!["Breed".into()]],
            qualifier: vec![Ident::new("breed")],
            origin: Origin::Dependency("Breeds".into()),
            columns: Some(vec![col("birthDate", "birth_date"), col("id", "id")]),
            label: "Breeds.Breed".into(),
        }
    }

    #[test]
    fn sources_answer_to_every_name_they_are_visible_by() {
        let s = dog();
        assert!(s.answers_to(&["Breed"]));
        assert!(s.answers_to(&["Breeds", "Breed"]));
        assert!(!s.answers_to(&["Breeds"]));
        assert!(!s.answers_to(&["breed"]));
        let scope = Scope {
            sources: vec![s],
            ..Scope::default()
        };
        assert!(scope.source(&["Breed"]).is_some());
        assert!(scope.source(&["Dog"]).is_none());
    }

    #[test]
    fn columns_are_found_missing_or_unknown() {
        let s = dog();
        assert_eq!(
            s.column("birthDate"),
            ColumnLookup::Found(&col("birthDate", "birth_date"))
        );
        assert_eq!(s.column("birth_date"), ColumnLookup::Missing);
        assert_eq!(s.near_miss("BIRTHDATE"), Some("birthDate"));
        assert_eq!(s.column_list(), "birthDate, id");
        let opaque = Source {
            columns: None,
            ..dog()
        };
        assert_eq!(opaque.column("anything"), ColumnLookup::Unknown);
    }
}
