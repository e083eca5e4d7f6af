//! The expression pass: finds the column references inside any syntax node and hands each to
//! the rewriter's name resolution.

use std::ops::ControlFlow;

use sqlparser::ast::{DataType, Expr, Ident, ObjectName, Query, VisitMut, VisitorMut};

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

impl ExprPass<'_, '_> {
    /// A cast to a logical enum name (`'paid'::OrderStatus`) names the physical type, qualified
    /// by the namespace (or a string, on an engine without enum types). Other casts stay.
    fn enum_cast(&self, data_type: &mut DataType) {
        let DataType::Custom(name, modifiers) = data_type else {
            return;
        };
        let [part] = name.0.as_slice() else { return };
        let Some(ident) = part.as_ident() else { return };
        let Some(physical) = self.rw.catalog.enum_types.get(&ident.value) else {
            return;
        };
        if !modifiers.is_empty() {
            return;
        }
        *data_type = if self.rw.catalog.native_enums {
            DataType::Custom(
                ObjectName::from(vec![
                    Ident::with_quote('"', self.rw.catalog.namespace),
                    Ident::with_quote('"', physical.as_str()),
                ]),
                Vec::new(),
            )
        } else {
            DataType::Varchar(None)
        };
    }
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
            Expr::Cast { data_type, .. } => {
                self.enum_cast(data_type);
                None
            }
            _ => None,
        };
        if let Some(r) = replacement {
            *expr = r;
        }
        ControlFlow::Continue(())
    }
}
