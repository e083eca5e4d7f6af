//! The expression pass: finds the column references inside any syntax node and hands each to
//! the rewriter's name resolution.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, VisitMut, VisitorMut};

use super::{Mode, Rewriter};

/// RewriteExprs lets the rewriter run its expression pass over any syntax node.
pub(super) trait RewriteExprs {
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
