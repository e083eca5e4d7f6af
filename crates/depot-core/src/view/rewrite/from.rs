//! FROM clauses: tables of the package, of dependencies, CTEs, subqueries and joins, each
//! becoming a [`Source`] of the current scope, rewritten to its physical name.

use sqlparser::ast::{
    Ident, JoinConstraint, JoinOperator, ObjectName, TableAlias, TableFactor, TableWithJoins,
};

use super::{name_idents, name_parts, Mode, Rewriter};
use crate::rules;
use crate::view::scope::{Column, ColumnLookup, Origin, Source};

impl Rewriter<'_> {
    #[allow(clippy::wildcard_enum_match_arm)] // sqlparser's enums grow every release; what is not listed is refused
    pub(super) fn table_with_joins(&mut self, twj: &mut TableWithJoins) {
        self.table_factor(&mut twj.relation);
        for join in &mut twj.joins {
            self.table_factor(&mut join.relation);
            let constraint = match &mut join.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c)
                | JoinOperator::CrossJoin(c)
                | JoinOperator::Semi(c)
                | JoinOperator::LeftSemi(c)
                | JoinOperator::RightSemi(c)
                | JoinOperator::Anti(c)
                | JoinOperator::LeftAnti(c)
                | JoinOperator::RightAnti(c) => c,
                JoinOperator::AsOf {
                    match_condition,
                    constraint,
                } => {
                    self.expr(match_condition, Mode::Plain);
                    constraint
                }
                JoinOperator::CrossApply | JoinOperator::OuterApply => continue,
                other => {
                    self.unsupported(&format!("the join `{other:?}`"));
                    continue;
                }
            };
            match constraint {
                JoinConstraint::On(e) => self.expr(e, Mode::Plain),
                JoinConstraint::Using(columns) => self.join_using(columns),
                JoinConstraint::Natural => self.join_natural(),
                JoinConstraint::None => {}
            }
        }
    }

    /// join_natural records the columns a NATURAL JOIN merges: those of the joined (last) table
    /// that an earlier table has under the same physical name.
    pub(super) fn join_natural(&mut self) {
        let Some(scope) = self.scopes.last_mut() else {
            return;
        };
        let Some((last, earlier)) = scope.sources.split_last() else {
            return;
        };
        let merged: Vec<String> = last
            .columns
            .iter()
            .flatten()
            .filter(|c| {
                earlier
                    .iter()
                    .any(|s| s.columns.iter().flatten().any(|o| o.physical == c.physical))
            })
            .map(|c| c.logical.clone())
            .collect();
        scope.merged.extend(merged);
    }

    /// join_using rewrites `USING (a, b)`: each column must be in the joined (last) table.
    pub(super) fn join_using(&mut self, columns: &mut [ObjectName]) {
        let Some(source) = self.scopes.last().and_then(|s| s.sources.last()).cloned() else {
            return;
        };
        for name in columns {
            let Some(parts) = name_parts(name) else {
                continue;
            };
            let [column] = parts.as_slice() else {
                self.unsupported(&format!("USING ({name})"));
                continue;
            };
            // Every earlier table that has the column reads it too.
            let earlier: Vec<Source> = self
                .scopes
                .last()
                .map(|s| s.sources[..s.sources.len().saturating_sub(1)].to_vec())
                .unwrap_or_default();
            for other in &earlier {
                if let ColumnLookup::Found(c) = other.column(column) {
                    let logical = c.logical.clone();
                    self.record(&other.origin, &logical);
                }
            }
            if let Some(scope) = self.scopes.last_mut() {
                scope.merged.insert(column.clone());
            }
            match source.column(column) {
                ColumnLookup::Found(c) => {
                    let (logical, physical) = (c.logical.clone(), c.physical.clone());
                    self.record(&source.origin, &logical);
                    *name = ObjectName::from(vec![self.ident(&physical)]);
                }
                ColumnLookup::Unknown => {
                    let physical = self.catalog.naming.apply(column);
                    *name = ObjectName::from(vec![self.ident(&physical)]);
                }
                ColumnLookup::Missing => self.report_unknown_field(column, &source, column),
            }
        }
    }

    pub(super) fn push_source(&mut self, source: Source) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.sources.push(source);
        }
    }

    #[allow(clippy::wildcard_enum_match_arm)] // sqlparser's enums grow every release; what is not listed is refused
    pub(super) fn table_factor(&mut self, factor: &mut TableFactor) {
        match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    self.unsupported(&format!("the table function `{name}(...)`"));
                    self.push_unknown(alias.as_ref());
                    return;
                }
                let Some(source) = self.relation(name, alias) else {
                    return;
                };
                self.push_source(source);
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let columns = self.query(subquery);
                let (names, qualifier, label, renamed) = match alias {
                    Some(a) => (
                        vec![vec![a.name.value.clone()]],
                        vec![a.name.clone()],
                        a.name.value.clone(),
                        self.alias_columns(a),
                    ),
                    None => (Vec::new(), Vec::new(), "a subquery".to_string(), None),
                };
                self.push_source(Source {
                    names,
                    qualifier,
                    origin: Origin::Local,
                    columns: renamed.or(columns),
                    label,
                });
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    self.unsupported("an alias on a parenthesized join");
                }
                self.table_with_joins(table_with_joins);
            }
            other => {
                let text = other.to_string();
                let head: String = text.chars().take(40).collect();
                self.unsupported(&format!("the FROM entry `{head}`"));
                self.push_unknown(None);
            }
        }
    }

    /// push_unknown adds a FROM entry that could not be resolved, with unknown columns, so that
    /// the references to it do not each add a follow-on problem.
    pub(super) fn push_unknown(&mut self, alias: Option<&TableAlias>) {
        let names = alias
            .map(|a| vec![vec![a.name.value.clone()]])
            .unwrap_or_default();
        self.push_source(Source {
            names,
            qualifier: Vec::new(),
            origin: Origin::Local,
            columns: None,
            label: "an unsupported FROM entry".to_string(),
        });
    }

    /// relation resolves a table reference of FROM and rewrites it to its physical name.
    pub(super) fn relation(
        &mut self,
        name: &mut ObjectName,
        alias: &mut Option<TableAlias>,
    ) -> Option<Source> {
        let Some(parts) = name_parts(name) else {
            self.unsupported(&format!("the table name `{name}`"));
            return None;
        };
        let written = parts.join(".");
        let resolved = match parts.as_slice() {
            [table] => self.own_relation(table, name),
            [dependency, schema] => self.dependency_relation(dependency, schema, name),
            _ => {
                self.report(
                    rules::UNKNOWN_SCHEMA,
                    format!(
                        "`{written}` is not a schema reference: write `Schema` for this package or `Alias.Schema` for a dependency"
                    ),
                );
                None
            }
        };
        // An unresolved table still joins the scope, with unknown columns, so that its
        // columns do not each add a follow-on problem.
        let (origin, columns, physical_qualifier) =
            resolved.unwrap_or((Origin::Local, None, Vec::new()));
        let renamed = alias.as_mut().and_then(|a| self.alias_columns(a));
        let columns = renamed.or(columns);
        let source = match alias {
            Some(a) => Source {
                names: vec![vec![a.name.value.clone()]],
                qualifier: vec![a.name.clone()],
                origin,
                columns,
                label: format!("{written} (as {})", a.name.value),
            },
            None => {
                let mut names = vec![parts.clone()];
                if parts.len() > 1 {
                    names.push(vec![parts[parts.len() - 1].clone()]);
                }
                Source {
                    names,
                    qualifier: physical_qualifier,
                    origin,
                    columns,
                    label: written,
                }
            }
        };
        Some(source)
    }

    /// own_relation resolves a one-part table name: a CTE, or an object or view of the package.
    pub(super) fn own_relation(
        &mut self,
        table: &str,
        name: &mut ObjectName,
    ) -> Option<(Origin, Option<Vec<Column>>, Vec<Ident>)> {
        if let Some(columns) = self.ctes.iter().rev().find_map(|frame| frame.get(table)) {
            return Some((Origin::Local, columns.clone(), name_idents(name)));
        }
        let (origin, relation) = if let Some(r) = self.catalog.objects.get(table) {
            (Origin::Object(table.to_string()), r)
        } else if let Some(r) = self.catalog.views.get(table) {
            (Origin::View(table.to_string()), r)
        } else {
            let hint = self
                .catalog
                .objects
                .keys()
                .chain(self.catalog.views.keys())
                .find(|k| k.eq_ignore_ascii_case(table))
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            self.report(
                rules::UNKNOWN_SCHEMA,
                format!(
                    "it reads `{table}`, which is not a schema of this package{hint}; schemas: {}; a dependency's schema is written `Alias.Schema`",
                    self.catalog.schema_names()
                ),
            );
            return None;
        };
        // A table read with no column named (`SELECT count(*) FROM Dog`) is still read.
        self.reads.entry(table.to_string()).or_default();
        let table_ident = self.ident(&relation.physical);
        *name = ObjectName::from(vec![
            self.ident(self.catalog.namespace),
            table_ident.clone(),
        ]);
        Some((origin, relation.columns.clone(), vec![table_ident]))
    }

    /// dependency_relation resolves `Alias.Schema` against the dependency's deployed metadata.
    pub(super) fn dependency_relation(
        &mut self,
        dependency: &str,
        schema: &str,
        name: &mut ObjectName,
    ) -> Option<(Origin, Option<Vec<Column>>, Vec<Ident>)> {
        let catalog = self.catalog;
        let Some(dataset) = catalog.dependency_aliases.get(dependency) else {
            let declared: Vec<&str> = catalog
                .dependency_aliases
                .keys()
                .map(String::as_str)
                .collect();
            let declared = if declared.is_empty() {
                "none".to_string()
            } else {
                declared.join(", ")
            };
            self.report(
                rules::UNKNOWN_DEPENDENCY,
                format!(
                    "it reads `{dependency}.{schema}`, but `{dependency}` is not a dependency of this dataset (declared: {declared}); add it to the dataset's `dependencies`"
                ),
            );
            return None;
        };
        self.reads_dependencies.insert(dependency.to_string());
        let Some(model) = catalog.dependencies.get(dependency) else {
            self.report(
                rules::UNKNOWN_SCHEMA,
                format!(
                    "it reads `{dependency}.{schema}`, but dependency `{dependency}` (dataset `{dataset}`) has no deployed version to read `{schema}` from"
                ),
            );
            return None;
        };
        let Some(meta) = model.schemas.get(schema) else {
            let known: Vec<&str> = model.schemas.keys().map(String::as_str).collect();
            self.report(
                rules::UNKNOWN_SCHEMA,
                format!(
                    "it reads `{dependency}.{schema}`, but dependency `{dependency}` (dataset `{dataset}`) has no schema `{schema}`; its schemas: {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        if meta.fields.is_empty() {
            // Objects always have columns; a view's are published once they are all known
            // (not for `SELECT *` over something unresolved, nor by versions deployed before
            // Depot published views' columns).
            self.report(
                rules::VIEW_SQL_UNSUPPORTED,
                format!(
                    "it reads `{dependency}.{schema}`, a view whose columns the deployed version of dependency `{dependency}` (dataset `{dataset}`) does not publish; deploy `{dependency}` again to publish them, or read its objects instead"
                ),
            );
            return None;
        }
        let qualifier = vec![self.ident(&model.namespace), self.ident(&meta.object)];
        *name = ObjectName::from(qualifier.clone());
        let columns = meta
            .fields
            .iter()
            .map(|(logical, physical)| Column {
                logical: logical.clone(),
                physical: physical.clone(),
            })
            .collect();
        Some((
            Origin::Dependency(dependency.to_string()),
            Some(columns),
            qualifier,
        ))
    }
}
