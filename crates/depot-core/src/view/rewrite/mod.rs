//! Rewriting a parsed view query from logical names to physical ones (see [`crate::view`]).
//! The [`Rewriter`] walks the tree once; its work is split by concept: [`query`] (queries,
//! select lists and their output columns), [`from`] (FROM entries and joins), [`names`]
//! (resolving a column reference through the enclosing scopes) and [`expr_pass`] (finding the
//! column references inside any expression).

mod expr_pass;
mod from;
mod names;
mod query;

pub(crate) use names::DATE_PARTS;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use sqlparser::ast::{Expr, Ident, ObjectName, Query};

use crate::dialect::Dialect;
use crate::problem::Problem;
use crate::reader::At;
use crate::rules;
use crate::view::print::print_view;
use crate::view::scope::{Catalog, Column, Origin, Scope};

/// RewrittenView is a view query in physical names and what it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct RewrittenView {
    /// The rewritten query, printed by sqlparser.
    pub sql: String,
    /// Logical object or view -> logical fields read.
    pub reads: BTreeMap<String, BTreeSet<String>>,
    /// Dependency aliases read.
    pub reads_dependencies: BTreeSet<String>,
    /// Logical objects and views read through `*` (`SELECT *`, `t.*`): the view's columns
    /// follow theirs, so it is recreated when their columns change.
    pub reads_every_column: BTreeSet<String>,
    /// The view's output columns; `None` when some cannot be known (e.g. `*` over a view that
    /// failed). Views reading this view resolve their columns through it.
    pub columns: Option<Vec<Column>>,
}

/// rewrite_view rewrites the parsed `query` of view `view` into physical names, or gives every
/// problem found. `at` locates the query in the input (`package.schemas.V.query`).
pub fn rewrite_view(
    view: &str,
    mut query: Query,
    catalog: &Catalog<'_>,
    dialect: &dyn Dialect,
    at: &At,
) -> Result<RewrittenView, Vec<Problem>> {
    let mut rw = Rewriter {
        catalog,
        dialect,
        view,
        at,
        problems: Vec::new(),
        reads: BTreeMap::new(),
        reads_dependencies: BTreeSet::new(),
        reads_every_column: BTreeSet::new(),
        scopes: Vec::new(),
        ctes: Vec::new(),
    };
    let columns = rw.query(&mut query);
    if !rw.problems.is_empty() {
        return Err(rw.problems);
    }
    let sql = print_view(&query, dialect).map_err(|e| {
        vec![at.problem(
            rules::VIEW_SQL_UNSAFE,
            format!("view `{view}`: {e}; Depot refuses SQL it cannot print exactly as parsed"),
        )]
    })?;
    Ok(RewrittenView {
        sql,
        reads: rw.reads,
        reads_dependencies: rw.reads_dependencies,
        reads_every_column: rw.reads_every_column,
        columns,
    })
}

/// Mode says which names an unqualified column may also be, besides a FROM column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    /// ORDER BY: an output alias first (as PostgreSQL does), then a FROM column.
    OrderBy,
    /// GROUP BY: a FROM column first, then an output alias.
    GroupBy,
}

struct Rewriter<'c> {
    catalog: &'c Catalog<'c>,
    dialect: &'c dyn Dialect,
    view: &'c str,
    at: &'c At,
    problems: Vec<Problem>,
    reads: BTreeMap<String, BTreeSet<String>>,
    reads_dependencies: BTreeSet<String>,
    reads_every_column: BTreeSet<String>,
    /// Enclosing SELECTs, innermost last.
    scopes: Vec<Scope>,
    /// CTEs of enclosing queries, innermost last; `None` columns: unknown.
    ctes: Vec<BTreeMap<String, Option<Vec<Column>>>>,
}

impl Rewriter<'_> {
    fn report(&mut self, rule: &'static str, message: String) {
        let message = format!("view `{}`: {message}", self.view);
        self.problems.push(self.at.problem(rule, message));
    }

    fn unsupported(&mut self, what: &str) {
        self.report(
            rules::VIEW_SQL_UNSUPPORTED,
            format!("{what} is not supported in view queries (Depot cannot rewrite it to physical names safely)"),
        );
    }

    /// ident is the physical name as a value: quoted when the engine would otherwise fold or
    /// misread it, escaped only when printed (see [`print_view`]).
    fn ident(&self, physical: &str) -> Ident {
        if self.dialect.quote_ident(physical) == physical {
            Ident::new(physical)
        } else {
            Ident::with_quote('"', physical)
        }
    }

    fn physical_alias(&self, alias: &Ident) -> (Column, Ident) {
        let physical = self.catalog.naming.apply(&alias.value);
        let ident = self.ident(&physical);
        (
            Column {
                logical: alias.value.clone(),
                physical,
            },
            ident,
        )
    }

    fn record(&mut self, origin: &Origin, logical: &str) {
        match origin {
            Origin::Object(name) | Origin::View(name) => {
                self.reads
                    .entry(name.clone())
                    .or_default()
                    .insert(logical.to_string());
            }
            Origin::Dependency(_) | Origin::Local => {}
        }
    }
}

/// output_name is the column name an unaliased select item gets: its column's name.
#[allow(clippy::wildcard_enum_match_arm)] // any other expression has an engine-made name
fn output_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(id) => Some(id.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        _ => None,
    }
}

/// name_parts gives the identifier values of a name, `None` if a part is not an identifier.
fn name_parts(name: &ObjectName) -> Option<Vec<String>> {
    name.0
        .iter()
        .map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect()
}

fn name_idents(name: &ObjectName) -> Vec<Ident> {
    name.0
        .iter()
        .filter_map(|p| p.as_ident().cloned())
        .collect()
}
