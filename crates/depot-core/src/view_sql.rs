//! View SQL analysis and rewriting with sqlparser: logical names -> physical, quoted names.
//!
//! A view is written with logical names (`SELECT birthDate FROM Dog`). It is parsed with the
//! engine's sqlparser dialect and rewritten on the syntax tree, never on its text:
//! - table references: `Schema` (an object or view of the package) becomes
//!   `<namespace>.<physical>`; `Alias.Schema` (a dependency) becomes the dependency's namespace
//!   and physical object; CTE names stay as written;
//! - column references (`name`, `Dog.name`, `d.name`) become physical columns, resolved through
//!   the FROM clause of their `SELECT` (and of enclosing ones, for correlated subqueries);
//!   a qualifier that is a table name becomes the physical table name, an alias stays as
//!   written;
//! - output aliases (`AS dogName`, CTE and derived-table column lists) get the naming strategy.
//!
//! Supported: select lists with `*` and `t.*`, WHERE, JOIN ... ON / USING, GROUP BY, HAVING,
//! ORDER BY (output aliases included), window functions, CASE, functions, subqueries in FROM
//! and in expressions (correlated or not), set operations (UNION, ...), VALUES, and CTEs
//! (`WITH`, `WITH RECURSIVE`). Anything else is refused with `view-sql-unsupported` rather
//! than passed through half-rewritten.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, OrderBy,
    OrderByKind, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement,
    TableAlias, TableFactor, TableWithJoins, Value, ValueWithSpan, Visit, VisitMut, Visitor,
    VisitorMut, WildcardAdditionalOptions,
};
use sqlparser::parser::Parser;

use crate::dialect::Dialect;
use crate::problem::Problem;
use crate::reader::At;
use crate::rules;
use crate::view_scope::{Catalog, Column, ColumnLookup, Origin, Scope, Source};

/// parse_view parses `sql` with the engine's parser into exactly one query, or gives the
/// problem (`view-sql-syntax` with the parser's message, or `view-not-query`).
pub fn parse_view(sql: &str, dialect: &dyn Dialect, view: &str, at: &At) -> Result<Query, Problem> {
    let statements = Parser::parse_sql(dialect.parser_dialect(), sql).map_err(|e| {
        at.problem(
            rules::VIEW_SQL_SYNTAX,
            format!(
                "view `{view}`: the {} query does not parse: {e}",
                dialect.engine().as_str()
            ),
        )
    })?;
    let count = statements.len();
    let mut statements = statements.into_iter();
    match (statements.next(), count) {
        (Some(Statement::Query(q)), 1) => Ok(*q),
        (Some(other), 1) => Err(at.problem(
            rules::VIEW_NOT_QUERY,
            format!(
                "view `{view}`: the SQL is a `{}` statement; a view is one SELECT query",
                statement_keyword(&other)
            ),
        )),
        _ => Err(at.problem(
            rules::VIEW_NOT_QUERY,
            format!("view `{view}`: the SQL holds {count} statements; a view is exactly one SELECT query"),
        )),
    }
}

/// statement_keyword is the first word of a statement, for messages (`INSERT`, `DROP`, ...).
fn statement_keyword(statement: &Statement) -> String {
    statement
        .to_string()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_ascii_uppercase()
}

/// referenced_tables lists the one-part table names a query reads that are not CTE names: the
/// candidates for views of the same package, which must be resolved first.
pub fn referenced_tables(query: &Query) -> BTreeSet<String> {
    struct Collect {
        tables: BTreeSet<String>,
        ctes: BTreeSet<String>,
    }
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.ctes.insert(cte.alias.name.value.clone());
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
            if let [ObjectNamePart::Identifier(id)] = relation.0.as_slice() {
                self.tables.insert(id.value.clone());
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect {
        tables: BTreeSet::new(),
        ctes: BTreeSet::new(),
    };
    let _ = query.visit(&mut c);
    c.tables.difference(&c.ctes).cloned().collect()
}

/// RewrittenView is a view query in physical names and what it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct RewrittenView {
    /// The rewritten query, printed by sqlparser.
    pub sql: String,
    /// Logical object or view -> logical fields read.
    pub reads: BTreeMap<String, BTreeSet<String>>,
    /// Dependency aliases read.
    pub reads_dependencies: BTreeSet<String>,
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

/// Date and time parts that some functions take as bare words (`DATEADD(day, 1, x)` in
/// Snowflake): left as written when they are not columns.
const DATE_PARTS: &[&str] = &[
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

struct Rewriter<'c> {
    catalog: &'c Catalog<'c>,
    dialect: &'c dyn Dialect,
    view: &'c str,
    at: &'c At,
    problems: Vec<Problem>,
    reads: BTreeMap<String, BTreeSet<String>>,
    reads_dependencies: BTreeSet<String>,
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

    fn query(&mut self, q: &mut Query) -> Option<Vec<Column>> {
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
    fn alias_columns(&mut self, alias: &mut TableAlias) -> Option<Vec<Column>> {
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
    fn set_expr(
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
    fn order_by_outputs(&mut self, order_by: Option<&mut OrderBy>, columns: &Option<Vec<Column>>) {
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

    fn order_by(&mut self, order_by: &mut OrderBy) {
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

    fn select(&mut self, s: &mut Select, order_by: Option<&mut OrderBy>) -> Option<Vec<Column>> {
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
        for item in &mut s.projection {
            let columns = self.select_item(item);
            match (&mut output, columns) {
                (Some(out), Some(cols)) => out.extend(cols),
                _ => output = None,
            }
        }
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

    /// select_item rewrites one select-list item and gives the output columns it makes
    /// (`Some(vec![])` for an unnamed expression, `None` when they cannot be known).
    fn select_item(&mut self, item: &mut SelectItem) -> Option<Vec<Column>> {
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

    fn wildcard_options(&mut self, options: &WildcardAdditionalOptions) {
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
    fn read_all(&mut self, source: &Source) -> Option<Vec<Column>> {
        let columns = source.columns.clone()?;
        for c in &columns {
            self.record(&source.origin, &c.logical);
        }
        Some(columns)
    }

    fn find_source(&self, qualifier: &[&str]) -> Option<&Source> {
        self.scopes.iter().rev().find_map(|s| s.source(qualifier))
    }

    #[allow(clippy::wildcard_enum_match_arm)] // sqlparser's enums grow every release; what is not listed is refused
    fn table_with_joins(&mut self, twj: &mut TableWithJoins) {
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
    fn join_natural(&mut self) {
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
    fn join_using(&mut self, columns: &mut [ObjectName]) {
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

    fn push_source(&mut self, source: Source) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.sources.push(source);
        }
    }

    #[allow(clippy::wildcard_enum_match_arm)] // sqlparser's enums grow every release; what is not listed is refused
    fn table_factor(&mut self, factor: &mut TableFactor) {
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
    fn push_unknown(&mut self, alias: Option<&TableAlias>) {
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
    fn relation(
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
    fn own_relation(
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
    fn dependency_relation(
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

    /// expr rewrites every column reference in `e` (subqueries included, each in its own scope).
    fn expr(&mut self, e: &mut Expr, mode: Mode) {
        e.visit_exprs(self, mode);
    }

    /// column resolves a column reference and gives its replacement, or `None` to keep it
    /// (after reporting a problem, or when it is not a column at all).
    fn column(&mut self, parts: &[Ident], mode: Mode) -> Option<Expr> {
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

    fn output_alias(&self, name: &str) -> Option<Ident> {
        let scope = self.scopes.last()?;
        let c = scope.output.iter().find(|c| c.logical == name)?;
        Some(self.ident(&c.physical))
    }

    /// unqualified resolves a bare column name through the enclosing scopes, innermost first.
    fn unqualified(&mut self, name: &str, mode: Mode) -> Option<Ident> {
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

    fn report_unknown_field(&mut self, name: &str, source: &Source, written: &str) {
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

    fn report_unknown_table(&mut self, qualifier: &str, written: &str) {
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

/// RewriteExprs lets the rewriter run its expression pass over any syntax node.
trait RewriteExprs {
    fn visit_exprs(&mut self, rw: &mut Rewriter<'_>, mode: Mode);
}

impl<T: VisitMut> RewriteExprs for T {
    fn visit_exprs(&mut self, rw: &mut Rewriter<'_>, mode: Mode) {
        let mut pass = ExprPass { rw, depth: 0, mode };
        let _ = self.visit(&mut pass);
    }
}

/// ExprPass rewrites the column references of one expression. A subquery met on the way is
/// handed to [`Rewriter::query`] (which opens its own scope), and the pass then skips
/// everything inside it: `depth` counts the subqueries it is in.
struct ExprPass<'r, 'c> {
    rw: &'r mut Rewriter<'c>,
    depth: usize,
    mode: Mode,
}

impl VisitorMut for ExprPass<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if self.depth == 0 {
            self.rw.query(query);
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    #[allow(clippy::wildcard_enum_match_arm)] // only column references are rewritten
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        let replacement = match expr {
            Expr::Identifier(id) => self.rw.column(std::slice::from_ref(id), self.mode),
            Expr::CompoundIdentifier(parts) => self.rw.column(parts, self.mode),
            _ => None,
        };
        if let Some(r) = replacement {
            *expr = r;
        }
        ControlFlow::Continue(())
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

/// PrintError: a rewritten view whose SQL text would not mean what its tree means.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// A string constant the engine's text type cannot hold (NUL in PostgreSQL).
    #[error("the string constant {0:?} cannot be written for this engine")]
    Literal(String),
    /// The printed SQL does not parse back, with the same parser, to the same tree.
    #[error(
        "the rewritten SQL `{sql}` does not parse back to the query that was checked ({reason})"
    )]
    NotRoundTrip { sql: String, reason: String },
}

/// print_view prints the rewritten `query` as the engine must read it, and checks that the text
/// parses back (same parser) to exactly one query equal to `query`: what runs is what was
/// checked.
///
/// Quoted identifiers and string constants are escaped by the engine's own functions
/// ([`Dialect::quoted_ident`], [`Dialect::string_literal`]), not by sqlparser's printer: that
/// printer guesses whether a `\'` or `""` inside a value is already escaped and then leaves it
/// alone, so a constant holding `\'` (or a name holding `\"`) would end early in the engine.
pub fn print_view(query: &Query, dialect: &dyn Dialect) -> Result<String, PrintError> {
    struct Escape<'d> {
        dialect: &'d dyn Dialect,
    }
    impl VisitorMut for Escape<'_> {
        type Break = PrintError;
        fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<PrintError> {
            if ident.quote_style == Some('"') {
                // A bare identifier prints its value as is: here, the escaped spelling.
                *ident = Ident::new(self.dialect.quoted_ident(&ident.value));
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<PrintError> {
            let (prefix, text) = match &value.value {
                Value::SingleQuotedString(text) => ("", text),
                Value::NationalStringLiteral(text) => ("N", text),
                _ => return ControlFlow::Continue(()),
            };
            match self.dialect.string_literal(text) {
                // A placeholder prints its text as is: here, the escaped constant.
                Some(literal) => value.value = Value::Placeholder(format!("{prefix}{literal}")),
                None => return ControlFlow::Break(PrintError::Literal(text.clone())),
            }
            ControlFlow::Continue(())
        }
    }
    let mut escaped = query.clone();
    if let ControlFlow::Break(e) = VisitMut::visit(&mut escaped, &mut Escape { dialect }) {
        return Err(e);
    }
    let sql = escaped.to_string();
    let not_round_trip = |reason: String| PrintError::NotRoundTrip {
        sql: sql.clone(),
        reason,
    };
    let statements = Parser::parse_sql(dialect.parser_dialect(), &sql)
        .map_err(|e| not_round_trip(format!("it does not parse: {e}")))?;
    match statements.as_slice() {
        [Statement::Query(reparsed)] if **reparsed == *query => Ok(sql),
        [Statement::Query(_)] => Err(not_round_trip("it parses to a different query".into())),
        other => Err(not_round_trip(format!(
            "it parses to {} statements, not one query",
            other.len()
        ))),
    }
}

/// A dialect for tests: PostgreSQL-like or Snowflake-like identifier rules, no rendering.
#[cfg(test)]
pub(crate) mod test_dialect {
    use crate::dialect::{Dialect, Engine, RenderContext, RenderError, StepDraft};
    use crate::naming::NamingStrategy;
    use crate::Change;

    /// Words the test dialect treats as reserved (a few real ones of both engines).
    const RESERVED: &[&str] = &[
        "all", "and", "as", "case", "check", "default", "else", "end", "from", "group", "join",
        "limit", "not", "on", "or", "order", "primary", "select", "table", "then", "union", "user",
        "when", "where",
    ];

    #[derive(Debug, Clone, Copy)]
    pub struct TestDialect {
        pub engine: Engine,
        pub max: usize,
    }

    pub const POSTGRES: TestDialect = TestDialect {
        engine: Engine::Postgres,
        max: 63,
    };
    pub const SNOWFLAKE: TestDialect = TestDialect {
        engine: Engine::Snowflake,
        max: 255,
    };

    impl Dialect for TestDialect {
        fn engine(&self) -> Engine {
            self.engine
        }
        fn default_naming(&self) -> NamingStrategy {
            match self.engine {
                Engine::Postgres => NamingStrategy::SnakeCase,
                Engine::Snowflake => NamingStrategy::UpperSnakeCase,
            }
        }
        fn max_identifier_bytes(&self) -> usize {
            self.max
        }
        fn quote_ident(&self, ident: &str) -> String {
            let folded = |c: char| match self.engine {
                Engine::Postgres => c.is_ascii_lowercase(),
                Engine::Snowflake => c.is_ascii_uppercase(),
            };
            let plain = ident.chars().next().is_some_and(|c| folded(c) || c == '_')
                && ident
                    .chars()
                    .all(|c| folded(c) || c.is_ascii_digit() || c == '_')
                && !RESERVED.contains(&ident.to_ascii_lowercase().as_str());
            if plain {
                ident.to_string()
            } else {
                format!("\"{}\"", ident.replace('"', "\"\""))
            }
        }
        fn quoted_ident(&self, ident: &str) -> String {
            format!("\"{}\"", ident.replace('"', "\"\""))
        }
        fn string_literal(&self, value: &str) -> Option<String> {
            // The engines' rules: PostgreSQL doubles `'` only (standard_conforming_strings),
            // Snowflake also reads backslash escapes, so doubles `\` too.
            match self.engine {
                Engine::Postgres => {
                    (!value.contains('\0')).then(|| format!("'{}'", value.replace('\'', "''")))
                }
                Engine::Snowflake => Some(format!(
                    "'{}'",
                    value.replace('\\', "\\\\").replace('\'', "''")
                )),
            }
        }
        fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
            match self.engine {
                Engine::Postgres => &sqlparser::dialect::PostgreSqlDialect {},
                Engine::Snowflake => &sqlparser::dialect::SnowflakeDialect {},
            }
        }
        fn render(
            &self,
            change: &Change,
            _: &RenderContext,
        ) -> Result<Vec<StepDraft>, RenderError> {
            Err(RenderError {
                target: change.target(),
                message: "the test dialect renders nothing".to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_dialect::{TestDialect, POSTGRES, SNOWFLAKE};
    use super::*;
    use crate::naming::NamingStrategy;
    use crate::physical::{Metadata, SchemaMetadata};
    use crate::view_scope::Relation;

    fn relation(naming: NamingStrategy, physical: &str, fields: &[&str]) -> Relation {
        Relation {
            physical: physical.to_string(),
            columns: Some(
                fields
                    .iter()
                    .map(|f| Column {
                        logical: f.to_string(),
                        physical: naming.apply(f),
                    })
                    .collect(),
            ),
        }
    }

    struct Fixture {
        aliases: BTreeMap<String, String>,
        deps: BTreeMap<String, Metadata>,
    }

    impl Fixture {
        fn new() -> Fixture {
            let breeds = Metadata {
                namespace: "ws_breeds".into(),
                schemas: BTreeMap::from([
                    (
                        "Breed".to_string(),
                        SchemaMetadata {
                            object: "breed".into(),
                            fields: BTreeMap::from([
                                ("id".to_string(), "id".to_string()),
                                ("breedName".to_string(), "breed_name".to_string()),
                            ]),
                        },
                    ),
                    (
                        "PopularBreed".to_string(),
                        SchemaMetadata {
                            object: "popular_breed".into(),
                            fields: BTreeMap::new(),
                        },
                    ),
                    (
                        "RareBreed".to_string(),
                        SchemaMetadata {
                            object: "rare_breed".into(),
                            fields: BTreeMap::from([(
                                "breedName".to_string(),
                                "breed_name".to_string(),
                            )]),
                        },
                    ),
                ]),
            };
            Fixture {
                aliases: BTreeMap::from([
                    ("Breeds".to_string(), "WsBreeds".to_string()),
                    ("Vets".to_string(), "WsVets".to_string()),
                ]),
                deps: BTreeMap::from([("Breeds".to_string(), breeds)]),
            }
        }

        fn catalog(&self, naming: NamingStrategy, namespace: &'static str) -> Catalog<'_> {
            let n = |s: &str| naming.apply(s);
            Catalog {
                namespace,
                objects: BTreeMap::from([
                    (
                        "Dog".to_string(),
                        relation(
                            naming,
                            &n("Dog"),
                            &[
                                "id",
                                "name",
                                "birthDate",
                                "vaccinated",
                                "ownerId",
                                "order",
                                "breedId",
                            ],
                        ),
                    ),
                    (
                        "Owner".to_string(),
                        relation(naming, &n("Owner"), &["id", "name", "fullName"]),
                    ),
                    ("User".to_string(), relation(naming, &n("User"), &["id"])),
                ]),
                views: BTreeMap::from([
                    (
                        "Puppy".to_string(),
                        Relation {
                            physical: n("Puppy"),
                            columns: Some(vec![Column {
                                logical: "puppyName".into(),
                                physical: n("puppyName"),
                            }]),
                        },
                    ),
                    (
                        "Broken".to_string(),
                        Relation {
                            physical: n("Broken"),
                            columns: None,
                        },
                    ),
                ]),
                dependency_aliases: &self.aliases,
                dependencies: &self.deps,
                naming,
            }
        }
    }

    fn run(dialect: TestDialect, sql: &str) -> Result<RewrittenView, Vec<Problem>> {
        let f = Fixture::new();
        let (naming, ns) = match dialect.engine {
            crate::dialect::Engine::Postgres => (NamingStrategy::SnakeCase, "ws_dev_dog_src"),
            crate::dialect::Engine::Snowflake => (NamingStrategy::UpperSnakeCase, "WS_DEV_DOG_SRC"),
        };
        let catalog = f.catalog(naming, ns);
        let at = At::root()
            .key("package")
            .key("schemas")
            .key("V")
            .in_schema("V")
            .key("query");
        let query = parse_view(sql, &dialect, "V", &at).map_err(|p| vec![p])?;
        rewrite_view("V", query, &catalog, &dialect, &at)
    }

    /// ok rewrites `sql` for PostgreSQL and gives the SQL; its failure message shows the problems.
    fn ok(sql: &str) -> String {
        match run(POSTGRES, sql) {
            Ok(v) => v.sql,
            Err(ps) => panic!("expected `{sql}` to rewrite, got problems (see `errors`): {ps:#?}"),
        }
    }

    /// errors rewrites `sql`, expecting problems, and gives (rule, message) pairs.
    fn errors(sql: &str) -> Vec<(&'static str, String)> {
        match run(POSTGRES, sql) {
            Ok(v) => panic!(
                "expected problems for `{sql}` (see `ok`), it rewrote to: {}",
                v.sql
            ),
            Err(ps) => ps.into_iter().map(|p| (p.rule, p.message)).collect(),
        }
    }

    fn reads(sql: &str) -> Vec<(String, Vec<String>)> {
        run(POSTGRES, sql)
            .unwrap()
            .reads
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect()
    }

    fn r(table: &str, fields: &[&str]) -> (String, Vec<String>) {
        let mut fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        fields.sort();
        (table.to_string(), fields)
    }

    #[test]
    fn the_spec_example_rewrites_to_physical_names() {
        assert_eq!(
            ok("SELECT id, name, birthDate FROM Dog WHERE vaccinated"),
            "SELECT id, name, birth_date FROM ws_dev_dog_src.dog WHERE vaccinated"
        );
        assert_eq!(
            reads("SELECT id, name, birthDate FROM Dog WHERE vaccinated"),
            [r("Dog", &["id", "name", "birthDate", "vaccinated"])]
        );
    }

    #[test]
    fn reserved_words_and_mixed_case_come_out_quoted() {
        assert_eq!(
            ok("SELECT u.id, d.order FROM User u JOIN Dog d ON d.ownerId = u.id"),
            "SELECT u.id, d.\"order\" FROM ws_dev_dog_src.\"user\" u JOIN ws_dev_dog_src.dog d ON d.owner_id = u.id"
        );
    }

    #[test]
    fn qualifiers_aliases_and_output_aliases() {
        assert_eq!(
            ok("SELECT Dog.birthDate AS bornOn FROM Dog ORDER BY bornOn DESC"),
            "SELECT dog.birth_date AS born_on FROM ws_dev_dog_src.dog ORDER BY born_on DESC"
        );
        assert_eq!(
            ok("SELECT d.name AS dogName FROM Dog d ORDER BY d.name"),
            "SELECT d.name AS dog_name FROM ws_dev_dog_src.dog d ORDER BY d.name"
        );
        assert_eq!(
            ok("SELECT ownerId AS who, count(*) AS dogCount FROM Dog GROUP BY who"),
            "SELECT owner_id AS who, count(*) AS dog_count FROM ws_dev_dog_src.dog GROUP BY who"
        );
    }

    #[test]
    fn joins_functions_case_grouping_and_having() {
        let sql = "SELECT o.fullName, count(*) AS dogs, max(CASE WHEN d.vaccinated THEN 1 ELSE 0 END) AS anyVaccinated \
                   FROM Owner o LEFT JOIN Dog d ON d.ownerId = o.id AND d.birthDate > DATE '2020-01-01' \
                   GROUP BY o.fullName HAVING count(d.id) > 1 ORDER BY 2 DESC LIMIT 10";
        assert_eq!(
            ok(sql),
            "SELECT o.full_name, count(*) AS dogs, max(CASE WHEN d.vaccinated THEN 1 ELSE 0 END) AS any_vaccinated \
             FROM ws_dev_dog_src.owner o LEFT JOIN ws_dev_dog_src.dog d ON d.owner_id = o.id AND d.birth_date > DATE '2020-01-01' \
             GROUP BY o.full_name HAVING count(d.id) > 1 ORDER BY 2 DESC LIMIT 10"
        );
        assert_eq!(
            reads(sql),
            [
                r("Dog", &["vaccinated", "ownerId", "birthDate", "id"]),
                r("Owner", &["fullName", "id"])
            ]
        );
        assert_eq!(
            ok("SELECT coalesce(fullName, name) AS label, row_number() OVER (PARTITION BY name ORDER BY id) AS n FROM Owner"),
            "SELECT coalesce(full_name, name) AS label, row_number() OVER (PARTITION BY name ORDER BY id) AS n FROM ws_dev_dog_src.owner"
        );
    }

    #[test]
    fn subqueries_in_where_resolve_through_enclosing_scopes() {
        assert_eq!(
            ok("SELECT fullName FROM Owner o WHERE EXISTS (SELECT 1 FROM Dog d WHERE d.ownerId = o.id AND vaccinated)"),
            "SELECT full_name FROM ws_dev_dog_src.owner o WHERE EXISTS (SELECT 1 FROM ws_dev_dog_src.dog d WHERE d.owner_id = o.id AND vaccinated)"
        );
        assert_eq!(
            ok("SELECT fullName FROM Owner WHERE id IN (SELECT ownerId FROM Dog WHERE birthDate IS NULL)"),
            "SELECT full_name FROM ws_dev_dog_src.owner WHERE id IN (SELECT owner_id FROM ws_dev_dog_src.dog WHERE birth_date IS NULL)"
        );
        // A correlated reference without qualifier: not in the inner FROM, found outside.
        assert_eq!(
            ok("SELECT id, (SELECT count(*) FROM Dog d WHERE d.name = fullName) AS namesakes FROM Owner"),
            "SELECT id, (SELECT count(*) FROM ws_dev_dog_src.dog d WHERE d.name = full_name) AS namesakes FROM ws_dev_dog_src.owner"
        );
        // The innermost FROM wins: `id` here is the dog's, as in SQL.
        assert_eq!(
            reads("SELECT fullName FROM Owner WHERE EXISTS (SELECT 1 FROM Dog WHERE id = 1)"),
            [r("Dog", &["id"]), r("Owner", &["fullName"])]
        );
    }

    #[test]
    fn subqueries_in_from_expose_their_output_columns() {
        assert_eq!(
            ok("SELECT x.bornOn, x.birthDate FROM (SELECT birthDate AS bornOn, birthDate FROM Dog) AS x"),
            "SELECT x.born_on, x.birth_date FROM (SELECT birth_date AS born_on, birth_date FROM ws_dev_dog_src.dog) AS x"
        );
        let e = errors("SELECT x.name FROM (SELECT birthDate FROM Dog) AS x");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, rules::UNKNOWN_FIELD);
        assert!(e[0].1.contains("`name` is not a field of x"), "{}", e[0].1);
    }

    #[test]
    fn set_operations_and_their_order_by() {
        assert_eq!(
            ok("SELECT name FROM Dog UNION ALL SELECT fullName FROM Owner ORDER BY name"),
            "SELECT name FROM ws_dev_dog_src.dog UNION ALL SELECT full_name FROM ws_dev_dog_src.owner ORDER BY name"
        );
        assert_eq!(
            ok("SELECT birthDate FROM Dog EXCEPT SELECT birthDate FROM Dog WHERE vaccinated ORDER BY birthDate"),
            "SELECT birth_date FROM ws_dev_dog_src.dog EXCEPT SELECT birth_date FROM ws_dev_dog_src.dog WHERE vaccinated ORDER BY birth_date"
        );
    }

    #[test]
    fn wildcards_read_every_field() {
        assert_eq!(
            ok("SELECT * FROM Owner"),
            "SELECT * FROM ws_dev_dog_src.owner"
        );
        assert_eq!(
            reads("SELECT * FROM Owner"),
            [r("Owner", &["id", "name", "fullName"])]
        );
        assert_eq!(
            ok("SELECT Owner.*, d.name FROM Owner JOIN Dog d ON d.ownerId = Owner.id"),
            "SELECT owner.*, d.name FROM ws_dev_dog_src.owner JOIN ws_dev_dog_src.dog d ON d.owner_id = owner.id"
        );
        assert_eq!(
            reads("SELECT o.* FROM Owner o JOIN Dog d ON d.ownerId = o.id"),
            [
                r("Dog", &["ownerId"]),
                r("Owner", &["id", "name", "fullName"])
            ]
        );
        assert_eq!(reads("SELECT count(*) FROM Dog"), [r("Dog", &[])]);
    }

    #[test]
    fn ctes_stay_as_written_and_expose_their_columns() {
        assert_eq!(
            ok("WITH recent AS (SELECT id, birthDate FROM Dog WHERE birthDate > '2024-01-01') SELECT r.birthDate FROM recent r JOIN Owner ON Owner.id = r.id"),
            "WITH recent AS (SELECT id, birth_date FROM ws_dev_dog_src.dog WHERE birth_date > '2024-01-01') SELECT r.birth_date FROM recent r JOIN ws_dev_dog_src.owner ON owner.id = r.id"
        );
        assert_eq!(
            ok("WITH counts (ownerId, dogCount) AS (SELECT ownerId, count(*) FROM Dog GROUP BY ownerId) SELECT dogCount FROM counts"),
            "WITH counts (owner_id, dog_count) AS (SELECT owner_id, count(*) FROM ws_dev_dog_src.dog GROUP BY owner_id) SELECT dog_count FROM counts"
        );
        assert_eq!(
            ok("WITH RECURSIVE n (depth) AS (SELECT 1 UNION ALL SELECT depth + 1 FROM n WHERE depth < 3) SELECT depth FROM n"),
            "WITH RECURSIVE n (depth) AS (SELECT 1 UNION ALL SELECT depth + 1 FROM n WHERE depth < 3) SELECT depth FROM n"
        );
    }

    #[test]
    fn join_using_is_rewritten() {
        assert_eq!(
            ok("SELECT fullName FROM Owner JOIN Dog USING (name)"),
            "SELECT full_name FROM ws_dev_dog_src.owner JOIN ws_dev_dog_src.dog USING(name)"
        );
        assert_eq!(
            reads("SELECT 1 FROM Owner JOIN Dog USING (name)"),
            [r("Dog", &["name"]), r("Owner", &["name"])]
        );
        // The merged column is not ambiguous; the other common one still is.
        assert_eq!(
            ok("SELECT name FROM Owner JOIN Dog USING (name)"),
            "SELECT name FROM ws_dev_dog_src.owner JOIN ws_dev_dog_src.dog USING(name)"
        );
        assert_eq!(
            errors("SELECT id FROM Owner JOIN Dog USING (name)")[0].0,
            rules::AMBIGUOUS_FIELD
        );
    }

    #[test]
    fn dependencies_are_rewritten_to_their_namespace() {
        let v = run(
            POSTGRES,
            "SELECT d.name, b.breedName FROM Dog d JOIN Breeds.Breed b ON b.id = d.breedId",
        )
        .unwrap();
        assert_eq!(
            v.sql,
            "SELECT d.name, b.breed_name FROM ws_dev_dog_src.dog d JOIN ws_breeds.breed b ON b.id = d.breed_id"
        );
        assert_eq!(
            v.reads_dependencies.into_iter().collect::<Vec<_>>(),
            ["Breeds"]
        );
        assert_eq!(
            v.reads.keys().collect::<Vec<_>>(),
            ["Dog"],
            "dependency reads are not this dataset's"
        );
        assert_eq!(
            ok("SELECT Breed.breedName, Breeds.Breed.id FROM Breeds.Breed"),
            "SELECT ws_breeds.breed.breed_name, ws_breeds.breed.id FROM ws_breeds.breed"
        );
    }

    #[test]
    fn views_of_the_package_are_read_by_their_output_columns() {
        let v = run(POSTGRES, "SELECT puppyName FROM Puppy").unwrap();
        assert_eq!(v.sql, "SELECT puppy_name FROM ws_dev_dog_src.puppy");
        assert_eq!(
            v.reads.into_iter().collect::<Vec<_>>(),
            [(
                "Puppy".to_string(),
                BTreeSet::from(["puppyName".to_string()])
            )]
        );
        assert_eq!(
            v.columns,
            Some(vec![Column {
                logical: "puppyName".into(),
                physical: "puppy_name".into()
            }])
        );
        // A broken view's columns are unknown: no follow-on problem, names follow the strategy.
        assert_eq!(
            ok("SELECT someField FROM Broken"),
            "SELECT some_field FROM ws_dev_dog_src.broken"
        );
    }

    #[test]
    fn snowflake_gets_upper_case_names() {
        let v = run(
            SNOWFLAKE,
            "SELECT birthDate, DATEADD(day, 1, birthDate) AS nextDay FROM Dog WHERE vaccinated",
        )
        .unwrap();
        assert_eq!(
            v.sql,
            "SELECT BIRTH_DATE, DATEADD(day, 1, BIRTH_DATE) AS NEXT_DAY FROM WS_DEV_DOG_SRC.DOG WHERE VACCINATED"
        );
    }

    #[test]
    fn unknown_names_are_reported_with_view_table_and_field() {
        let e = errors("SELECT nme FROM Dog");
        assert_eq!(e[0].0, rules::UNKNOWN_FIELD);
        assert!(e[0].1.starts_with("view `V`:"), "{}", e[0].1);
        assert!(e[0].1.contains("`nme` is not a field of Dog"), "{}", e[0].1);
        assert!(e[0].1.contains("birthDate"), "lists the fields: {}", e[0].1);

        let e = errors("SELECT birthdate FROM Dog");
        assert!(e[0].1.contains("did you mean `birthDate`"), "{}", e[0].1);

        let e = errors("SELECT d.color FROM Dog d");
        assert!(
            e[0].1
                .contains("`d.color`: `color` is not a field of Dog (as d)"),
            "{}",
            e[0].1
        );

        let e = errors("SELECT id FROM Cat");
        assert_eq!(e.len(), 1, "no follow-on problem for `id`: {e:?}");
        assert_eq!(e[0].0, rules::UNKNOWN_SCHEMA);
        assert!(e[0].1.contains("`Cat`"), "{}", e[0].1);

        let e = errors("SELECT id FROM dog");
        assert!(e[0].1.contains("did you mean `Dog`"), "{}", e[0].1);

        let e = errors("SELECT x.name FROM Dog d");
        assert_eq!(e[0].0, rules::UNKNOWN_TABLE);
        assert!(e[0].1.contains("Dog (as d)"), "{}", e[0].1);

        let e = errors("SELECT id FROM Dog, Owner");
        assert_eq!(e[0].0, rules::AMBIGUOUS_FIELD);
        assert!(e[0].1.contains("Dog, Owner"), "{}", e[0].1);

        let e = errors("SELECT vaccinated, fullNam FROM Dog, Owner");
        assert_eq!(e[0].0, rules::UNKNOWN_FIELD);
        assert!(
            e[0].1.contains("any table in its FROM clause (Dog, Owner)"),
            "{}",
            e[0].1
        );

        let e = errors("SELECT 1 FROM Dog LIMIT id");
        assert_eq!(e[0].0, rules::UNKNOWN_FIELD, "{e:?}");
    }

    #[test]
    fn a_dependency_view_is_read_by_its_published_columns() {
        assert_eq!(
            ok("SELECT r.breedName FROM Breeds.RareBreed r"),
            "SELECT r.breed_name FROM ws_breeds.rare_breed r"
        );
    }

    #[test]
    fn dependency_problems() {
        let e = errors("SELECT id FROM Cats.Cat");
        assert_eq!(e[0].0, rules::UNKNOWN_DEPENDENCY);
        assert!(e[0].1.contains("declared: Breeds, Vets"), "{}", e[0].1);
        let e = errors("SELECT id FROM Breeds.Breeed");
        assert_eq!(e[0].0, rules::UNKNOWN_SCHEMA);
        assert!(
            e[0].1
                .contains("its schemas: Breed, PopularBreed, RareBreed"),
            "{}",
            e[0].1
        );
        let e = errors("SELECT id FROM Vets.Vet");
        assert_eq!(e[0].0, rules::UNKNOWN_SCHEMA);
        assert!(e[0].1.contains("no deployed version"), "{}", e[0].1);
        let e = errors("SELECT id FROM Breeds.PopularBreed");
        assert_eq!(e[0].0, rules::VIEW_SQL_UNSUPPORTED);
        assert!(
            e[0].1.contains("does not publish; deploy `Breeds` again"),
            "{}",
            e[0].1
        );
        let e = errors("SELECT id FROM Breeds.RareBreed");
        assert_eq!(e[0].0, rules::UNKNOWN_FIELD, "{e:?}");
        let e = errors("SELECT b.nope FROM Breeds.Breed b");
        assert!(
            e[0].1
                .contains("`nope` is not a field of Breeds.Breed (as b)"),
            "{}",
            e[0].1
        );
    }

    #[test]
    fn only_one_select_query_is_a_view() {
        let e = errors("DELETE FROM Dog");
        assert_eq!(
            e,
            [(
                rules::VIEW_NOT_QUERY,
                "view `V`: the SQL is a `DELETE` statement; a view is one SELECT query".to_string()
            )]
        );
        let e = errors("SELECT 1; SELECT 2");
        assert_eq!(e[0].0, rules::VIEW_NOT_QUERY);
        assert!(e[0].1.contains("2 statements"));
        let e = errors("SELECT id FROM Dog WHERE");
        assert_eq!(e[0].0, rules::VIEW_SQL_SYNTAX);
        assert!(
            e[0].1.contains("does not parse: sql parser error"),
            "{}",
            e[0].1
        );
        let e = errors("SELECT * FROM generate_series(1, 3)");
        assert_eq!(e[0].0, rules::VIEW_SQL_UNSUPPORTED);
        assert!(e[0].1.contains("generate_series"), "{}", e[0].1);
        let e = errors("SELECT id FROM Dog FOR UPDATE");
        assert_eq!(e[0].0, rules::VIEW_SQL_UNSUPPORTED);
    }

    #[test]
    fn every_problem_of_a_view_is_reported_without_follow_on_problems() {
        let e = errors(
            "SELECT a, id FROM Dog d JOIN Nowhere n ON d.c = n.d WHERE d.e AND Owner.id = 1",
        );
        let rules: Vec<_> = e.iter().map(|(r, _)| *r).collect();
        // `a`, `n.d` could be columns of the unknown `Nowhere`: not reported again; `id` is
        // Dog's, as far as is known.
        assert_eq!(
            rules,
            [
                rules::UNKNOWN_SCHEMA,
                rules::UNKNOWN_FIELD,
                rules::UNKNOWN_FIELD,
                rules::UNKNOWN_TABLE
            ],
            "{e:?}"
        );
    }

    #[test]
    fn referenced_tables_skips_ctes_and_qualified_names() {
        let q = parse_view(
            "WITH a AS (SELECT * FROM Dog) SELECT * FROM a JOIN Puppy ON true JOIN Breeds.Breed ON true WHERE EXISTS (SELECT 1 FROM Owner)",
            &POSTGRES,
            "V",
            &At::root(),
        )
        .unwrap();
        assert_eq!(
            referenced_tables(&q).into_iter().collect::<Vec<_>>(),
            ["Dog", "Owner", "Puppy"]
        );
    }

    #[test]
    fn common_expression_forms_are_rewritten() {
        for (sql, want) in [
            (
                "SELECT DISTINCT ON (ownerId) ownerId, name FROM Dog ORDER BY ownerId, birthDate DESC",
                "SELECT DISTINCT ON (owner_id) owner_id, name FROM ws_dev_dog_src.dog ORDER BY owner_id, birth_date DESC",
            ),
            (
                "SELECT CAST(birthDate AS TEXT), birthDate::text, EXTRACT(YEAR FROM birthDate) FROM Dog",
                "SELECT CAST(birth_date AS TEXT), birth_date::TEXT, EXTRACT(YEAR FROM birth_date) FROM ws_dev_dog_src.dog",
            ),
            (
                "SELECT name FROM Dog WHERE birthDate BETWEEN '2020-01-01' AND '2021-01-01' AND name LIKE 'R%' AND ownerId IN ('a', 'b') AND NOT vaccinated IS NULL",
                "SELECT name FROM ws_dev_dog_src.dog WHERE birth_date BETWEEN '2020-01-01' AND '2021-01-01' AND name LIKE 'R%' AND owner_id IN ('a', 'b') AND NOT vaccinated IS NULL",
            ),
            (
                "SELECT count(DISTINCT ownerId) FILTER (WHERE vaccinated) AS owners, string_agg(name, ',' ORDER BY birthDate) AS names FROM Dog",
                "SELECT count(DISTINCT owner_id) FILTER (WHERE vaccinated) AS owners, string_agg(name, ',' ORDER BY birth_date) AS names FROM ws_dev_dog_src.dog",
            ),
            (
                "SELECT rank() OVER w AS r FROM Dog WINDOW w AS (PARTITION BY ownerId ORDER BY birthDate)",
                "SELECT rank() OVER w AS r FROM ws_dev_dog_src.dog WINDOW w AS (PARTITION BY owner_id ORDER BY birth_date)",
            ),
            (
                "SELECT o.fullName, last.birthDate FROM Owner o CROSS JOIN LATERAL (SELECT birthDate FROM Dog d WHERE d.ownerId = o.id ORDER BY birthDate DESC LIMIT 1) AS last",
                "SELECT o.full_name, last.birth_date FROM ws_dev_dog_src.owner o CROSS JOIN LATERAL (SELECT birth_date FROM ws_dev_dog_src.dog d WHERE d.owner_id = o.id ORDER BY birth_date DESC LIMIT 1) AS last",
            ),
            (
                "SELECT t.n, d.name FROM (VALUES (1), (2)) AS t (n) JOIN Dog d ON true",
                "SELECT t.n, d.name FROM (VALUES (1), (2)) AS t (n) JOIN ws_dev_dog_src.dog d ON true",
            ),
            (
                "SELECT d.name, o.fullName FROM (Dog d JOIN Owner o ON o.id = d.ownerId)",
                "SELECT d.name, o.full_name FROM (ws_dev_dog_src.dog d JOIN ws_dev_dog_src.owner o ON o.id = d.owner_id)",
            ),
            (
                "SELECT nullif(name, ''), coalesce(birthDate, current_date) FROM Dog NATURAL JOIN Owner",
                "SELECT nullif(name, ''), coalesce(birth_date, current_date) FROM ws_dev_dog_src.dog NATURAL JOIN ws_dev_dog_src.owner",
            ),
        ] {
            assert_eq!(ok(sql), want, "{sql}");
        }
    }

    #[test]
    fn snowflake_specific_forms_are_rewritten() {
        let v = run(
            SNOWFLAKE,
            "SELECT name, IFF(vaccinated, 'yes', 'no') AS status FROM Dog WHERE name ILIKE 'r%' QUALIFY row_number() OVER (PARTITION BY ownerId ORDER BY birthDate) = 1",
        )
        .unwrap();
        assert_eq!(
            v.sql,
            "SELECT NAME, IFF(VACCINATED, 'yes', 'no') AS STATUS FROM WS_DEV_DOG_SRC.DOG WHERE NAME ILIKE 'r%' QUALIFY row_number() OVER (PARTITION BY OWNER_ID ORDER BY BIRTH_DATE) = 1"
        );
    }

    /// reparsed parses printed view SQL the way the engine's parser does and gives its one query.
    fn reparsed(dialect: TestDialect, sql: &str) -> Query {
        let statements = Parser::parse_sql(dialect.parser_dialect(), sql).unwrap();
        match statements.as_slice() {
            [Statement::Query(q)] => (**q).clone(),
            other => panic!("`{sql}` is {} statements: {other:?}", other.len()),
        }
    }

    /// literals are the string constants of a query, in order.
    fn literals(query: &Query) -> Vec<String> {
        struct Collect(Vec<String>);
        impl Visitor for Collect {
            type Break = ();
            fn pre_visit_value(&mut self, value: &ValueWithSpan) -> ControlFlow<()> {
                if let Value::SingleQuotedString(s) = &value.value {
                    self.0.push(s.clone());
                }
                ControlFlow::Continue(())
            }
        }
        let mut c = Collect(Vec::new());
        let _ = query.visit(&mut c);
        c.0
    }

    #[test]
    fn a_backslash_before_a_quote_cannot_end_a_postgres_constant_early() {
        // With standard_conforming_strings on, PostgreSQL reads all of this as one constant.
        let sql = r"SELECT '\'' AS x; DROP TABLE public.victim; --'";
        let v = run(POSTGRES, sql).unwrap();
        assert_eq!(v.sql, sql);
        assert_eq!(
            literals(&reparsed(POSTGRES, &v.sql)),
            [r"\' AS x; DROP TABLE public.victim; --"]
        );
        for (sql, value) in [
            (r"SELECT 'a''''b' AS x", r"a''b"),
            (r"SELECT '\' AS x", r"\"),
            (r"SELECT '\''' AS x", r"\'"),
            ("SELECT 'é\n☃' AS x", "é\n☃"),
        ] {
            let v = run(POSTGRES, sql).unwrap();
            assert_eq!(literals(&reparsed(POSTGRES, &v.sql)), [value], "{sql}");
        }
    }

    #[test]
    fn national_constants_are_escaped_like_plain_ones() {
        let sql = r"SELECT N'\'' AS x; DROP TABLE public.victim; --'";
        let v = run(POSTGRES, sql).unwrap();
        assert_eq!(v.sql, sql);
        let v = run(SNOWFLAKE, r"SELECT N'\\' AS x").unwrap();
        assert_eq!(v.sql, r"SELECT N'\\' AS X");
    }

    #[test]
    fn snowflake_constants_keep_their_backslashes_escaped() {
        for (sql, value) in [
            // Snowflake reads `\'` as a quote and `\\` as a backslash.
            (r"SELECT '\'' AS x", "'"),
            (r"SELECT '\\' AS x", r"\"),
            (r"SELECT 'a\\''b' AS x", r"a\'b"),
            ("SELECT '$$' AS x", "$$"),
        ] {
            let v = run(SNOWFLAKE, sql).unwrap();
            assert_eq!(literals(&reparsed(SNOWFLAKE, &v.sql)), [value], "{sql}");
            assert!(v.sql.ends_with("AS X"), "{sql}: {}", v.sql);
        }
        // For Snowflake the `\'` is an escaped quote: this is two statements, refused.
        let e = run(
            SNOWFLAKE,
            r"SELECT '\'' AS x; DROP TABLE public.victim; --'",
        )
        .unwrap_err();
        assert_eq!(e[0].rule, rules::VIEW_NOT_QUERY, "{e:?}");
    }

    #[test]
    fn a_nul_in_a_postgres_constant_is_refused_naming_the_view() {
        let e = errors("SELECT 'a\0b' AS x");
        assert_eq!(e[0].0, rules::VIEW_SQL_UNSAFE, "{e:?}");
        assert!(e[0].1.starts_with("view `V`: the string constant"), "{e:?}");
    }

    #[test]
    fn a_hostile_physical_name_travels_as_one_quoted_identifier() {
        let hostile = r#"ken\"; DROP TABLE public.victim; --"#;
        for dialect in [POSTGRES, SNOWFLAKE] {
            let f = Fixture::new();
            let mut catalog = f.catalog(NamingStrategy::SnakeCase, "ws");
            catalog.objects.insert(
                "Kennel".to_string(),
                Relation {
                    physical: hostile.to_string(),
                    columns: Some(vec![Column {
                        logical: "name".into(),
                        physical: hostile.to_string(),
                    }]),
                },
            );
            let at = At::root();
            let query = parse_view("SELECT name AS n FROM Kennel", &dialect, "V", &at).unwrap();
            let v = rewrite_view("V", query, &catalog, &dialect, &at).unwrap();
            let quoted = r#""ken\""; DROP TABLE public.victim; --""#;
            // Snowflake keeps the lowercase names as written, so quotes them.
            let (alias, ns) = match dialect.engine {
                crate::dialect::Engine::Postgres => ("n", "ws"),
                crate::dialect::Engine::Snowflake => ("\"n\"", "\"ws\""),
            };
            assert_eq!(
                v.sql,
                format!("SELECT {quoted} AS {alias} FROM {ns}.{quoted}")
            );
            let q = reparsed(dialect, &v.sql);
            let SetExpr::Select(select) = q.body.as_ref() else {
                panic!("{q}")
            };
            let [SelectItem::ExprWithAlias {
                expr: Expr::Identifier(column),
                ..
            }] = select.projection.as_slice()
            else {
                panic!("{q}")
            };
            assert_eq!(column.value, hostile);
        }
    }

    #[test]
    fn printing_refuses_a_tree_whose_text_would_read_differently() {
        let mut q = reparsed(POSTGRES, "SELECT a FROM t");
        // An identifier quoted in a style the engines' escaping does not handle is printed by
        // sqlparser; when that text reads differently, the view is refused, not run.
        if let SetExpr::Select(s) = q.body.as_mut() {
            s.projection = vec![SelectItem::UnnamedExpr(Expr::Identifier(
                Ident::with_quote('`', "x\\` FROM t; DROP TABLE v; --"),
            ))];
        }
        let e = print_view(&q, &POSTGRES).unwrap_err();
        assert!(matches!(e, PrintError::NotRoundTrip { .. }), "{e:?}");
    }
}
