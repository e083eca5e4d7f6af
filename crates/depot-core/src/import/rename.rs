//! Physical names to logical ones in SQL the catalog prints (a view's query, a check, a computed
//! column, a partial index's predicate, a default): parsed with the engine's parser and renamed
//! on the tree, never by text substitution.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, Statement, VisitMut,
    VisitorMut,
};
use sqlparser::dialect::{Dialect, GenericDialect};
use sqlparser::parser::Parser;

/// SqlFlavor: how the engine's catalog prints SQL, which says how an unquoted name folds and
/// how a renamed one is quoted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum SqlFlavor {
    /// Names as stored, quoted where they need it, and a view as its query (PostgreSQL's
    /// catalog).
    #[default]
    StoredNames,
    /// The text as written, a view as its whole CREATE statement: an unquoted name is the
    /// stored name in uppercase, and a logical name is quoted only when reserved (Snowflake's).
    WrittenText,
}

/// Renames: physical relation and column names of the namespace to their logical names.
#[derive(Debug, Default, Clone)]
pub struct Renames {
    pub relations: BTreeMap<String, String>,
    pub columns: BTreeMap<String, String>,
    /// Columns left out of the package: an expression reading one cannot be imported.
    pub skipped: BTreeSet<String>,
    pub flavor: SqlFlavor,
    /// The engine's SQL parser (its [`crate::Dialect::parser_dialect`]); `None`: sqlparser's
    /// generic one.
    pub parser: Option<fn() -> Box<dyn Dialect>>,
    /// The imported namespace: a relation qualified with it is one of its own (Snowflake keeps
    /// the qualifier a view was written with; PostgreSQL prints none for the search path's).
    pub namespace: Option<String>,
    /// The engine's reserved words, which a logical name keeps quoted (Snowflake: a renamed
    /// name is otherwise written bare).
    pub reserved: Option<fn(&str) -> bool>,
}

impl Renames {
    fn dialect(&self) -> Box<dyn Dialect> {
        match self.parser {
            Some(parser) => parser(),
            None => Box::new(GenericDialect {}),
        }
    }

    /// The stored name `id` stands for: as written when quoted (or on PostgreSQL, which
    /// prints stored names), in uppercase when unquoted on Snowflake.
    fn stored(&self, id: &Ident) -> String {
        match (self.flavor, id.quote_style) {
            (SqlFlavor::WrittenText, None) => id.value.to_uppercase(),
            _ => id.value.clone(),
        }
    }

    /// `id` renamed to `logical`. On PostgreSQL the quotes stay as printed (a keyword such as
    /// `order` stays quoted); on Snowflake a logical name is quoted only when it is a keyword.
    fn renamed(&self, id: &Ident, logical: &str) -> Ident {
        match self.flavor {
            SqlFlavor::StoredNames => renamed(id, logical),
            SqlFlavor::WrittenText => Ident {
                value: logical.to_string(),
                quote_style: self
                    .reserved
                    .is_some_and(|reserved| reserved(logical))
                    .then_some('"'),
                span: id.span,
            },
        }
    }

    /// `expression` (one SQL expression) in logical names, or why it does not parse.
    pub fn expression(&self, sql: &str) -> Result<String, String> {
        let dialect = self.dialect();
        let mut expr = Parser::new(dialect.as_ref())
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
        let dialect = self.dialect();
        let statements = Parser::parse_sql(dialect.as_ref(), sql)
            .map_err(|e| format!("the query does not parse: {e}"))?;
        // A catalog that keeps a view's whole CREATE statement: its query is the definition.
        let mut query = match <[Statement; 1]>::try_from(statements) {
            Ok([Statement::Query(query)]) => query,
            Ok([Statement::CreateView(view)]) if self.flavor == SqlFlavor::WrittenText => {
                view.query
            }
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
                            *alias = renames.renamed(alias, &logical);
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
        // `namespace.table` of the imported namespace is its own table: the qualifier goes.
        if let [ObjectNamePart::Identifier(schema), ObjectNamePart::Identifier(_)] =
            relation.0.as_slice()
        {
            let stored = self.renames.stored(schema);
            let own = self.renames.namespace.as_ref().is_some_and(|ns| {
                *ns == stored || (schema.quote_style.is_none() && ns.eq_ignore_ascii_case(&stored))
            });
            if own {
                relation.0.remove(0);
            }
        }
        if let [ObjectNamePart::Identifier(id)] = relation.0.as_mut_slice() {
            let stored = self.renames.stored(id);
            if let Some(logical) = self.renames.relations.get(&stored) {
                *id = self.renames.renamed(id, logical);
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
                let stored = self.renames.stored(id);
                if let Some(logical) = self.renames.columns.get(&stored) {
                    *id = self.renames.renamed(id, logical);
                } else if self.renames.skipped.contains(&stored) {
                    self.reads_skipped = Some(stored);
                }
            }
            Expr::CompoundIdentifier(parts) => {
                if let Some((column, qualifiers)) = parts.split_last_mut() {
                    let stored = self.renames.stored(column);
                    if let Some(logical) = self.renames.columns.get(&stored) {
                        *column = self.renames.renamed(column, logical);
                    }
                    if let [table] = qualifiers {
                        let stored = self.renames.stored(table);
                        if let Some(logical) = self.renames.relations.get(&stored) {
                            *table = self.renames.renamed(table, logical);
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
    use sqlparser::dialect::{PostgreSqlDialect, SnowflakeDialect};

    fn renames() -> Renames {
        Renames {
            relations: [("dog_owner".to_string(), "DogOwner".to_string())].into(),
            columns: [
                ("birth_date".to_string(), "birthDate".to_string()),
                ("order".to_string(), "order".to_string()),
            ]
            .into(),
            skipped: ["mood".to_string()].into(),
            parser: Some(|| Box::new(PostgreSqlDialect {})),
            ..Renames::default()
        }
    }

    #[test]
    fn snowflake_view_statements_lose_their_own_namespace_and_fold_unquoted_names() {
        let renames = Renames {
            relations: [("DOG".to_string(), "Dog".to_string())].into(),
            columns: [
                ("ID".to_string(), "id".to_string()),
                ("BIRTH_DATE".to_string(), "birthDate".to_string()),
                ("ORDER".to_string(), "order".to_string()),
            ]
            .into(),
            flavor: SqlFlavor::WrittenText,
            parser: Some(|| Box::new(SnowflakeDialect {})),
            namespace: Some("pairs".to_string()),
            reserved: Some(|name| name.eq_ignore_ascii_case("order")),
            ..Renames::default()
        };
        assert_eq!(
            renames.query(
                "CREATE OR REPLACE VIEW \"pairs\".OLD_DOGS COPY GRANTS AS \
                 SELECT id, \"BIRTH_DATE\", \"ORDER\" AS FIRST FROM \"pairs\".DOG, other.T"
            ),
            Ok((
                "SELECT id, birthDate, \"order\" AS first FROM Dog, other.T".to_string(),
                vec!["other.T".to_string()]
            ))
        );
        // fakesnow prints DuckDB's text, with the namespace unquoted.
        assert_eq!(
            renames
                .query("CREATE VIEW pairs.OLD_DOGS AS SELECT ID FROM pairs.DOG;")
                .map(|q| q.0),
            Ok("SELECT id FROM Dog".to_string())
        );
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
