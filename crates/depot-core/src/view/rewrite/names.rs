//! Name resolution: a column reference (`name`, `t.name`, `Alias.Schema.name`) resolved
//! through the FROM entries of its SELECT and of the enclosing ones, innermost first, to its
//! physical name; unknown and ambiguous names are reported.

use sqlparser::ast::{Expr, Ident};

use super::expr_pass::RewriteExprs;
use super::{Mode, Rewriter};
use crate::rules;
use crate::view::scope::{Column, ColumnLookup, Origin, Source};

/// Date and time parts that some functions take as bare words (`DATEADD(day, 1, x)` in
/// Snowflake): left as written when they are not columns.
pub(crate) const DATE_PARTS: &[&str] = &[
    "year",
    "years",
    "quarter",
    "month",
    "months",
    "week",
    "day",
    "days",
    "dayofweek",
    "dayofyear",
    "hour",
    "hours",
    "minute",
    "minutes",
    "second",
    "seconds",
    "millisecond",
    "milliseconds",
    "microsecond",
    "microseconds",
    "nanosecond",
    "nanoseconds",
    "epoch",
    "epoch_second",
    "yy",
    "yyyy",
    "mm",
    "mon",
    "dd",
    "d",
    "hh",
    "mi",
    "ss",
    "ms",
    "us",
    "ns",
];

impl Rewriter<'_> {
    pub(super) fn find_source(&self, qualifier: &[&str]) -> Option<&Source> {
        self.scopes.iter().rev().find_map(|s| s.source(qualifier))
    }

    /// expr rewrites every column reference in `e` (subqueries included, each in its own scope).
    pub(super) fn expr(&mut self, e: &mut Expr, mode: Mode) {
        e.visit_exprs(self, mode);
    }

    /// column resolves a column reference and gives its replacement, or `None` to keep it
    /// (after reporting a problem, or when it is not a column at all).
    pub(super) fn column(&mut self, parts: &[Ident], mode: Mode) -> Option<Expr> {
        match parts {
            [name] => self.unqualified(&name.value, mode).map(Expr::Identifier),
            [qualifier @ .., name] if qualifier.len() <= 2 => {
                let q: Vec<&str> = qualifier.iter().map(|i| i.value.as_str()).collect();
                let written = format!("{}.{}", q.join("."), name.value);
                let Some(source) = self.find_source(&q).cloned() else {
                    self.report_unknown_table(&q.join("."), &written);
                    return None;
                };
                let physical = match source.column(&name.value) {
                    ColumnLookup::Found(c) => {
                        let (logical, physical) = (c.logical.clone(), c.physical.clone());
                        self.record(&source.origin, &logical);
                        physical
                    }
                    ColumnLookup::Unknown => self.catalog.naming.apply(&name.value),
                    ColumnLookup::Missing => {
                        self.report_unknown_field(&name.value, &source, &written);
                        return None;
                    }
                };
                let mut out = if source.qualifier.is_empty() {
                    qualifier.to_vec()
                } else {
                    source.qualifier.clone()
                };
                out.push(self.ident(&physical));
                Some(Expr::CompoundIdentifier(out))
            }
            _ => {
                let written: Vec<&str> = parts.iter().map(|i| i.value.as_str()).collect();
                self.unsupported(&format!(
                    "the reference `{}` (more than three parts)",
                    written.join(".")
                ));
                None
            }
        }
    }

    pub(super) fn output_alias(&self, name: &str) -> Option<Ident> {
        let scope = self.scopes.last()?;
        let c = scope.output.iter().find(|c| c.logical == name)?;
        Some(self.ident(&c.physical))
    }

    /// unqualified resolves a bare column name through the enclosing scopes, innermost first.
    pub(super) fn unqualified(&mut self, name: &str, mode: Mode) -> Option<Ident> {
        if mode == Mode::OrderBy {
            if let Some(alias) = self.output_alias(name) {
                return Some(alias);
            }
        }
        for depth in (0..self.scopes.len()).rev() {
            let scope = &self.scopes[depth];
            let found: Vec<(Origin, Column)> = scope
                .sources
                .iter()
                .filter_map(|s| match s.column(name) {
                    ColumnLookup::Found(c) => Some((s.origin.clone(), c.clone())),
                    ColumnLookup::Missing | ColumnLookup::Unknown => None,
                })
                .collect();
            let unknown = scope.sources.iter().any(|s| s.columns.is_none());
            let merged = scope.merged.contains(name);
            match found.as_slice() {
                [(origin, column)] => {
                    self.record(origin, &column.logical);
                    return Some(self.ident(&column.physical));
                }
                [(_, column), ..] if merged => {
                    // One merged column: it reads every joined table's.
                    let physical = column.physical.clone();
                    for (origin, column) in &found {
                        self.record(origin, &column.logical);
                    }
                    return Some(self.ident(&physical));
                }
                [] if unknown => return Some(self.ident(&self.catalog.naming.apply(name))),
                [] => {}
                _ => {
                    let tables: Vec<&str> = scope
                        .sources
                        .iter()
                        .filter(|s| matches!(s.column(name), ColumnLookup::Found(_)))
                        .map(|s| s.label.as_str())
                        .collect();
                    let message = format!(
                        "field `{name}` is in more than one table of the FROM clause ({}): qualify it, e.g. `{}.{name}`",
                        tables.join(", "),
                        tables.first().copied().unwrap_or("t"),
                    );
                    self.report(rules::AMBIGUOUS_FIELD, message);
                    return None;
                }
            }
            if depth + 1 == self.scopes.len() && mode == Mode::GroupBy {
                if let Some(alias) = self.output_alias(name) {
                    return Some(alias);
                }
            }
        }
        if DATE_PARTS.contains(&name.to_ascii_lowercase().as_str()) {
            return None;
        }
        let scope = self.scopes.last().cloned().unwrap_or_default();
        match scope.sources.as_slice() {
            [] => self.report(
                rules::UNKNOWN_FIELD,
                format!("`{name}` is not a column: its SELECT has no FROM clause"),
            ),
            [only] => self.report_unknown_field(name, only, name),
            _ => {
                let hint = scope
                    .sources
                    .iter()
                    .find_map(|s| s.near_miss(name))
                    .map(|m| format!(" (did you mean `{m}`?)"))
                    .unwrap_or_default();
                self.report(
                    rules::UNKNOWN_FIELD,
                    format!(
                        "field `{name}` is not a field of any table in its FROM clause ({}){hint}",
                        scope.labels()
                    ),
                );
            }
        }
        None
    }

    pub(super) fn report_unknown_field(&mut self, name: &str, source: &Source, written: &str) {
        let hint = source
            .near_miss(name)
            .map(|m| format!(" (did you mean `{m}`?)"))
            .unwrap_or_default();
        let context = if written == name {
            String::new()
        } else {
            format!("`{written}`: ")
        };
        self.report(
            rules::UNKNOWN_FIELD,
            format!(
                "{context}`{name}` is not a field of {}{hint}; its fields: {}",
                source.label,
                source.column_list()
            ),
        );
    }

    pub(super) fn report_unknown_table(&mut self, qualifier: &str, written: &str) {
        let in_scope: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|s| s.sources.iter().map(|src| src.label.clone()))
            .collect();
        let in_scope = if in_scope.is_empty() {
            "none".to_string()
        } else {
            in_scope.join(", ")
        };
        self.report(
            rules::UNKNOWN_TABLE,
            format!(
                "`{written}` is qualified by `{qualifier}`, which is not a table or alias of the FROM clause (tables in scope: {in_scope})"
            ),
        );
    }
}
