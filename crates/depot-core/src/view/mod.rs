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
//!
//! One concept per module: [`parse`] reads the text, [`tables`] lists what it reads,
//! [`rewrite`] turns logical names into physical ones, [`print`] writes the result for the
//! engine; [`scope`] is what a query can see, [`void`] finds columns PostgreSQL cannot create.
//! [`expression`] rewrites one expression of one object (checks, defaults, index expressions)
//! with the same name rules.

pub mod expression;
pub mod materialized;
pub mod parse;
pub mod print;
pub mod rewrite;
pub mod scope;
pub mod tables;
pub mod void;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
pub(crate) mod test_dialect;
