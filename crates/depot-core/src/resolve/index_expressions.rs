//! Expression keys of indexes (`{"expression": "lower(email)"}`): each parsed as exactly one
//! expression over the object's own fields and rewritten to physical names, as a partial
//! index's `where` is.

use super::*;
use crate::package::Index;

impl Resolver<'_, '_> {
    /// The physical SQL of each key of `index` (the `i`th index of object `name`) that is an
    /// expression, per key; empty when no key is. A problem names the schema, the index, the
    /// key and what is wrong; an expression that reads no field indexes a constant and is
    /// refused.
    pub(super) fn index_expressions(
        &mut self,
        name: &str,
        i: usize,
        index: &Index,
        scope: &ExpressionScope<'_>,
    ) -> Vec<Option<String>> {
        if !index.has_expression() {
            return Vec::new();
        }
        let mut expressions = Vec::with_capacity(index.fields.len());
        for (k, key) in index.fields.iter().enumerate() {
            let Some(sql) = key.expression() else {
                expressions.push(None);
                continue;
            };
            let at = Loc::Index(name, i)
                .at()
                .key("fields")
                .index(k)
                .key("expression");
            let what = format!(
                "the expression of key {k} of index `{}` of `{name}`",
                index.name
            );
            match rewrite_expression(sql, self.dialect, scope, &what, &at) {
                Ok(rewritten) if rewritten.reads.is_empty() => {
                    self.problems.push(at.problem(
                        rules::EXPRESSION_READS,
                        format!("{what} reads no field: an index key computes a value from the row's fields"),
                    ));
                    expressions.push(None);
                }
                Ok(rewritten) => expressions.push(Some(rewritten.sql)),
                Err(problem) => {
                    self.problems.push(problem);
                    expressions.push(None);
                }
            }
        }
        expressions
    }
}
