//! Physical names to logical ones in SQL the catalog prints (a view's query, a check, a computed
//! column, a partial index's predicate, a default): parsed with the PostgreSQL parser and renamed
//! on the tree, never by text substitution.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, Statement, VisitMut,
    VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// Renames: physical relation and column names of the namespace to their logical names.
#[derive(Debug, Default, Clone)]
pub struct Renames {
    pub relations: BTreeMap<String, String>,
    pub columns: BTreeMap<String, String>,
    /// Columns left out of the package: an expression reading one cannot be imported.
    pub skipped: BTreeSet<String>,
}

impl Renames {
    /// `expression` (one SQL expression) in logical names, or why it does not parse.
    pub fn expression(&self, sql: &str) -> Result<String, String> {
        let dialect = PostgreSqlDialect {};
        let mut expr = Parser::new(&dialect)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| format!("`{sql}` does not parse: {e}"))?;
        let mut renamer = Renamer::new(self);
        let _ = VisitMut::visit(&mut expr, &mut renamer);
        if let Some(column) = renamer.reads_skipped {
            return Err(format!(
                "`{sql}` reads the column {column}, which is skipped"
            ));
        }
        Ok(expr.to_string())
    }

    /// `sql` (one query) in logical names, output column aliases included, and the relations it
    /// reads that are not the namespace's (nor its own `WITH` names).
    pub fn query(&self, sql: &str) -> Result<(String, Vec<String>), String> {
        let dialect = PostgreSqlDialect {};
        let statements = Parser::parse_sql(&dialect, sql)
            .map_err(|e| format!("the query does not parse: {e}"))?;
        let mut query = match <[Statement; 1]>::try_from(statements) {
            Ok([Statement::Query(query)]) => query,
            _ => return Err("the definition is not one query".to_string()),
        };
        let mut renamer = Renamer::new(self);
        let _ = VisitMut::visit(&mut query, &mut renamer);
        let mut outside = renamer.outside;
        outside.retain(|name| !renamer.with_names.contains(name));
        self.aliases(&mut query);
        Ok((query.to_string(), outside))
    }

    /// The output column aliases of the query's select lists.
    fn aliases(&self, query: &mut Query) {
        fn body(renames: &Renames, set: &mut SetExpr) {
            match set {
                SetExpr::Select(select) => {
                    for item in &mut select.projection {
                        if let SelectItem::ExprWithAlias { alias, .. } = item {
                            let logical = super::names::field_name(&alias.value).logical;
                            *alias = renamed(alias, &logical);
                        }
                    }
                }
                SetExpr::SetOperation { left, right, .. } => {
                    body(renames, left);
                    body(renames, right);
                }
                SetExpr::Query(q) => renames.aliases(q),
                _ => {}
            }
        }
        body(self, &mut query.body);
    }
}

/// The identifier `id` renamed to `logical`, keeping its quotes when it had some (a keyword
/// such as `order` stays quoted).
fn renamed(id: &Ident, logical: &str) -> Ident {
    Ident {
        value: logical.to_string(),
        quote_style: id.quote_style,
        span: id.span,
    }
}

struct Renamer<'a> {
    renames: &'a Renames,
    /// Relations read that are not the namespace's, as written.
    outside: Vec<String>,
    /// The names of `WITH` queries (relations of the query itself).
    with_names: Vec<String>,
    /// A skipped column the SQL reads.
    reads_skipped: Option<String>,
}

impl<'a> Renamer<'a> {
    fn new(renames: &'a Renames) -> Renamer<'a> {
        Renamer {
            renames,
            outside: Vec::new(),
            with_names: Vec::new(),
            reads_skipped: None,
        }
    }
}

impl VisitorMut for Renamer<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.with_names.extend(
                with.cte_tables
                    .iter()
                    .map(|cte| cte.alias.name.value.clone()),
            );
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        let written = relation.to_string();
        if let [ObjectNamePart::Identifier(id)] = relation.0.as_mut_slice() {
            if let Some(logical) = self.renames.relations.get(&id.value) {
                *id = renamed(id, logical);
                return ControlFlow::Continue(());
            }
            if !self.outside.contains(&id.value) {
                self.outside.push(id.value.clone());
            }
        } else if !self.outside.contains(&written) {
            self.outside.push(written);
        }
        ControlFlow::Continue(())
    }

    #[allow(clippy::wildcard_enum_match_arm)] // other expressions hold no name to rename
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(id) => {
                if let Some(logical) = self.renames.columns.get(&id.value) {
                    *id = renamed(id, logical);
                } else if self.renames.skipped.contains(&id.value) {
                    self.reads_skipped = Some(id.value.clone());
                }
            }
            Expr::CompoundIdentifier(parts) => {
                if let Some((column, qualifiers)) = parts.split_last_mut() {
                    if let Some(logical) = self.renames.columns.get(&column.value) {
                        *column = renamed(column, logical);
                    }
                    if let [table] = qualifiers {
                        if let Some(logical) = self.renames.relations.get(&table.value) {
                            *table = renamed(table, logical);
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renames() -> Renames {
        Renames {
            relations: [("dog_owner".to_string(), "DogOwner".to_string())].into(),
            columns: [
                ("birth_date".to_string(), "birthDate".to_string()),
                ("order".to_string(), "order".to_string()),
            ]
            .into(),
            skipped: ["mood".to_string()].into(),
        }
    }

    #[test]
    fn renames_columns_in_expressions() {
        assert_eq!(
            renames().expression("(birth_date > '2020-01-01'::date)"),
            Ok("(birthDate > '2020-01-01'::DATE)".to_string())
        );
    }

    #[test]
    fn an_expression_reading_a_skipped_column_is_refused() {
        assert!(renames().expression("mood <> 'wild'::mood").is_err());
    }

    #[test]
    fn names_the_relations_a_query_reads_outside_the_namespace() {
        let (_, outside) = renames()
            .query("WITH w AS (SELECT 1 AS one) SELECT * FROM dog_owner, other.thing, w, cat")
            .unwrap();
        assert_eq!(outside, vec!["other.thing".to_string(), "cat".to_string()]);
    }

    #[test]
    fn renames_tables_columns_and_aliases_in_queries() {
        assert_eq!(
            renames().query("SELECT dog_owner.birth_date, \"order\" AS first_order FROM dog_owner"),
            Ok((
                "SELECT DogOwner.birthDate, \"order\" AS firstOrder FROM DogOwner".to_string(),
                vec![]
            ))
        );
    }
}
