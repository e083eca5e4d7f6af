//! Queries, their select lists and the output columns they make: what ORDER BY, GROUP BY,
//! and the readers of a CTE, subquery or view may name.

use std::collections::BTreeMap;

use sqlparser::ast::{
    Expr, GroupByExpr, ObjectName, OrderBy, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableAlias, WildcardAdditionalOptions,
};

use super::expr_pass::RewriteExprs;
use super::{name_parts, output_name, Mode, Rewriter};
use crate::rules;
use crate::view::scope::{Column, Origin, Scope, Source};

impl Rewriter<'_> {
    pub(super) fn query(&mut self, q: &mut Query) -> Option<Vec<Column>> {
        if !q.locks.is_empty() {
            self.unsupported("FOR UPDATE / FOR SHARE");
        }
        if q.for_clause.is_some() || q.format_clause.is_some() || q.settings.is_some() {
            self.unsupported("a FOR, FORMAT or SETTINGS clause");
        }
        if !q.pipe_operators.is_empty() {
            self.unsupported("pipe syntax (|>)");
        }
        self.ctes.push(BTreeMap::new());
        if let Some(with) = &mut q.with {
            let recursive = with.recursive;
            for cte in &mut with.cte_tables {
                let name = cte.alias.name.value.clone();
                let declared = self.alias_columns(&mut cte.alias);
                if recursive {
                    // The CTE reads itself: until its body is resolved its columns are the
                    // declared ones, or unknown.
                    if let Some(frame) = self.ctes.last_mut() {
                        frame.insert(name.clone(), declared.clone());
                    }
                }
                let columns = self.query(&mut cte.query);
                let columns = declared.or(columns);
                if let Some(frame) = self.ctes.last_mut() {
                    frame.insert(name, columns);
                }
            }
        }
        let columns = self.set_expr(&mut q.body, q.order_by.as_mut());
        // LIMIT, OFFSET and FETCH take constants: resolved in a scope of their own, so a
        // column there is reported rather than silently kept.
        if q.limit_clause.is_some() || q.fetch.is_some() {
            self.scopes.push(Scope::default());
            if let Some(limit) = &mut q.limit_clause {
                limit.visit_exprs(self, Mode::Plain);
            }
            if let Some(fetch) = &mut q.fetch {
                fetch.visit_exprs(self, Mode::Plain);
            }
            self.scopes.pop();
        }
        self.ctes.pop();
        columns
    }

    /// alias_columns renames a `name(a, b)` column list to physical names and gives its
    /// columns; `None` when there is no list.
    pub(super) fn alias_columns(&mut self, alias: &mut TableAlias) -> Option<Vec<Column>> {
        if alias.columns.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for def in &mut alias.columns {
            let (column, ident) = self.physical_alias(&def.name);
            def.name = ident;
            out.push(column);
        }
        Some(out)
    }

    #[allow(clippy::wildcard_enum_match_arm)] // sqlparser's enums grow every release; what is not listed is refused
    pub(super) fn set_expr(
        &mut self,
        body: &mut SetExpr,
        order_by: Option<&mut OrderBy>,
    ) -> Option<Vec<Column>> {
        match body {
            SetExpr::Select(select) => self.select(select, order_by),
            SetExpr::Query(q) => {
                let columns = self.query(q);
                self.order_by_outputs(order_by, &columns);
                columns
            }
            SetExpr::SetOperation { left, right, .. } => {
                let columns = self.set_expr(left, None);
                self.set_expr(right, None);
                self.order_by_outputs(order_by, &columns);
                columns
            }
            SetExpr::Values(values) => {
                self.scopes.push(Scope::default());
                for row in &mut values.rows {
                    for e in row.iter_mut() {
                        self.expr(e, Mode::Plain);
                    }
                }
                self.scopes.pop();
                // VALUES columns have engine-made names: nothing a view can name logically.
                let columns = Some(Vec::new());
                self.order_by_outputs(order_by, &columns);
                columns
            }
            other => {
                let word = other.to_string();
                let word = word
                    .split_whitespace()
                    .next()
                    .unwrap_or("?")
                    .to_ascii_uppercase();
                self.unsupported(&format!("a `{word}` in place of a SELECT"));
                None
            }
        }
    }

    /// order_by_outputs resolves the ORDER BY of a set operation: it can name output columns only.
    pub(super) fn order_by_outputs(
        &mut self,
        order_by: Option<&mut OrderBy>,
        columns: &Option<Vec<Column>>,
    ) {
        let Some(order_by) = order_by else { return };
        let source = Source {
            names: Vec::new(),
            qualifier: Vec::new(),
            origin: Origin::Local,
            columns: columns.as_ref().map(|cols| {
                cols.iter()
                    .map(|c| Column {
                        logical: c.logical.clone(),
                        physical: c.physical.clone(),
                    })
                    .collect()
            }),
            label: "the query's output".to_string(),
        };
        self.scopes.push(Scope {
            sources: vec![source],
            ..Scope::default()
        });
        self.order_by(order_by);
        self.scopes.pop();
    }

    pub(super) fn order_by(&mut self, order_by: &mut OrderBy) {
        if order_by.interpolate.is_some() {
            self.unsupported("ORDER BY ... INTERPOLATE");
        }
        match &mut order_by.kind {
            OrderByKind::All(_) => {}
            OrderByKind::Expressions(items) => {
                for item in items {
                    if item.with_fill.is_some() {
                        self.unsupported("ORDER BY ... WITH FILL");
                    }
                    self.expr(&mut item.expr, Mode::OrderBy);
                }
            }
        }
    }

    pub(super) fn select(
        &mut self,
        s: &mut Select,
        order_by: Option<&mut OrderBy>,
    ) -> Option<Vec<Column>> {
        if s.into.is_some() {
            self.unsupported("SELECT ... INTO");
        }
        if !s.lateral_views.is_empty() || s.prewhere.is_some() || !s.connect_by.is_empty() {
            self.unsupported("LATERAL VIEW, PREWHERE or CONNECT BY");
        }
        if !s.cluster_by.is_empty() || !s.distribute_by.is_empty() || !s.sort_by.is_empty() {
            self.unsupported("CLUSTER BY, DISTRIBUTE BY or SORT BY");
        }
        if s.exclude.is_some() {
            self.unsupported("SELECT * EXCLUDE");
        }
        self.scopes.push(Scope::default());
        for twj in &mut s.from {
            self.table_with_joins(twj);
        }

        let mut output: Option<Vec<Column>> = Some(Vec::new());
        let mut projection = Vec::with_capacity(s.projection.len());
        for mut item in std::mem::take(&mut s.projection) {
            let expanded = self.expand_star(&item);
            let columns = self.select_item(&mut item);
            match (&mut output, columns) {
                (Some(out), Some(cols)) => out.extend(cols),
                _ => output = None,
            }
            match expanded {
                Some(items) => projection.extend(items),
                None => projection.push(item),
            }
        }
        s.projection = projection;
        if let Some(scope) = self.scopes.last_mut() {
            scope.output = output.clone().unwrap_or_default();
        }

        if let Some(e) = &mut s.selection {
            self.expr(e, Mode::Plain);
        }
        match &mut s.group_by {
            GroupByExpr::All(modifiers) | GroupByExpr::Expressions(_, modifiers)
                if !modifiers.is_empty() =>
            {
                self.unsupported("GROUP BY ... WITH ROLLUP/CUBE/TOTALS or GROUPING SETS modifiers");
            }
            GroupByExpr::All(_) => {}
            GroupByExpr::Expressions(exprs, _) => {
                for e in exprs {
                    self.expr(e, Mode::GroupBy);
                }
            }
        }
        if let Some(e) = &mut s.having {
            self.expr(e, Mode::Plain);
        }
        if let Some(e) = &mut s.qualify {
            self.expr(e, Mode::Plain);
        }
        if let Some(distinct) = &mut s.distinct {
            distinct.visit_exprs(self, Mode::Plain);
        }
        for window in &mut s.named_window {
            window.1.visit_exprs(self, Mode::Plain);
        }
        if let Some(top) = &mut s.top {
            top.visit_exprs(self, Mode::Plain);
        }
        if let Some(order_by) = order_by {
            self.order_by(order_by);
        }
        self.scopes.pop();
        output
    }

    /// The columns a `*` or `t.*` stands for, written out (qualified by their source, in the
    /// order of the new version's columns), or `None` for any other item or when they are not
    /// all known. The engine expands `*` once, when the view is created, in the table's column
    /// order: a migrated table (columns added at the end, a column dropped only in the contract
    /// phase) would give the view other columns, in another order, than a fresh deploy.
    fn expand_star(&self, item: &SelectItem) -> Option<Vec<SelectItem>> {
        let sources: Vec<&Source> = match item {
            SelectItem::Wildcard(options) if *options == WildcardAdditionalOptions::default() => {
                self.scopes.last()?.sources.iter().collect()
            }
            SelectItem::QualifiedWildcard(
                SelectItemQualifiedWildcardKind::ObjectName(name),
                options,
            ) if *options == WildcardAdditionalOptions::default() => {
                let parts = name_parts(name)?;
                let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
                vec![self.find_source(&refs)?]
            }
            _ => return None,
        };
        if sources.is_empty() {
            return None;
        }
        let mut items = Vec::new();
        for source in sources {
            for column in source.columns.as_ref()? {
                let mut parts = source.qualifier.clone();
                parts.push(self.ident(&column.physical));
                items.push(SelectItem::UnnamedExpr(if parts.len() == 1 {
                    Expr::Identifier(parts.remove(0))
                } else {
                    Expr::CompoundIdentifier(parts)
                }));
            }
        }
        Some(items)
    }

    /// select_item rewrites one select-list item and gives the output columns it makes
    /// (`Some(vec![])` for an unnamed expression, `None` when they cannot be known).
    pub(super) fn select_item(&mut self, item: &mut SelectItem) -> Option<Vec<Column>> {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let logical = output_name(e);
                self.expr(e, Mode::Plain);
                Some(match (logical, output_name(e)) {
                    (Some(logical), Some(physical)) => vec![Column { logical, physical }],
                    _ => Vec::new(),
                })
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                self.expr(expr, Mode::Plain);
                let (column, ident) = self.physical_alias(alias);
                *alias = ident;
                Some(vec![column])
            }
            SelectItem::Wildcard(options) => {
                self.wildcard_options(options);
                let sources: Vec<Source> = self
                    .scopes
                    .last()
                    .map(|s| s.sources.clone())
                    .unwrap_or_default();
                if sources.is_empty() {
                    self.report(rules::UNKNOWN_TABLE, "`*` needs a FROM clause".to_string());
                }
                let mut out = Some(Vec::new());
                for source in &sources {
                    match (self.read_all(source), &mut out) {
                        (Some(cols), Some(o)) => o.extend(cols),
                        _ => out = None,
                    }
                }
                out
            }
            SelectItem::QualifiedWildcard(
                SelectItemQualifiedWildcardKind::ObjectName(name),
                options,
            ) => {
                self.wildcard_options(options);
                let Some(parts) = name_parts(name) else {
                    self.unsupported(&format!("`{name}.*`"));
                    return None;
                };
                let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
                let Some(source) = self.find_source(&refs).cloned() else {
                    self.report_unknown_table(&parts.join("."), &format!("{}.*", parts.join(".")));
                    return None;
                };
                if !source.qualifier.is_empty() {
                    *name = ObjectName::from(source.qualifier.clone());
                }
                self.read_all(&source)
            }
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::Expr(e), _) => {
                self.unsupported(&format!("`{e}.*`"));
                None
            }
            SelectItem::ExprWithAliases { .. } => {
                self.unsupported("several aliases for one expression");
                None
            }
        }
    }

    pub(super) fn wildcard_options(&mut self, options: &WildcardAdditionalOptions) {
        if options.opt_ilike.is_some()
            || options.opt_exclude.is_some()
            || options.opt_except.is_some()
            || options.opt_replace.is_some()
            || options.opt_rename.is_some()
            || options.opt_alias.is_some()
        {
            self.unsupported("`*` with ILIKE, EXCLUDE, EXCEPT, REPLACE or RENAME");
        }
    }

    /// read_all records that every column of `source` is read (a `*`) and gives them.
    pub(super) fn read_all(&mut self, source: &Source) -> Option<Vec<Column>> {
        let columns = source.columns.clone()?;
        if let Origin::Object(name) | Origin::View(name) = &source.origin {
            self.reads_every_column.insert(name.clone());
        }
        for c in &columns {
            self.record(&source.origin, &c.logical);
        }
        Some(columns)
    }
}
