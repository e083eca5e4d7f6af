//! Indexes of an object or a materialized view: generated names, options, `where` and
//! expression keys rewritten to physical names over the relation's own columns.

use super::*;
use crate::index_options::IndexField;
use crate::package::Index;

impl<'p> Resolver<'_, 'p> {
    /// The physical indexes of relation `name` (physical name `physical`), whose columns are
    /// `scope.columns` (logical -> physical).
    pub(super) fn indexes(
        &mut self,
        name: &'p str,
        physical: &str,
        indexes: &'p [Index],
        scope: &ExpressionScope<'_>,
    ) -> Vec<PhysicalIndex> {
        let physical_of = |logical: &str| {
            scope
                .columns
                .get(logical)
                .map_or_else(|| logical.to_string(), String::clone)
        };
        let mut out = Vec::with_capacity(indexes.len());
        for (i, index) in indexes.iter().enumerate() {
            let index_name =
                self.generated(&[physical, &self.naming.apply(&index.name), &self.idx]);
            self.claim_at(
                &index_name,
                Holder::Index(&index.name, name),
                Loc::Index(name, i),
            );
            let uses_options = index.where_clause.is_some()
                || !index.include.is_empty()
                || index.method.is_some()
                || index.has_expression()
                || index.nulls_distinct.is_some()
                || index.deferrable.is_some()
                || index.fields.iter().any(|f| !f.sort().is_default());
            if uses_options {
                self.refuse_feature(Feature::IndexOptions, || Loc::Index(name, i).at());
            }
            let where_sql = index.where_clause.as_deref().and_then(|sql| {
                let what = format!("the `where` of index `{}` of `{name}`", index.name);
                let at = Loc::Index(name, i).at().key("where");
                match rewrite_expression(sql, self.dialect, scope, &what, &at) {
                    Ok(rewritten) => Some(rewritten.sql),
                    Err(problem) => {
                        self.problems.push(problem);
                        None
                    }
                }
            });
            let expressions = self.index_expressions(name, i, index, scope);
            out.push(PhysicalIndex {
                logical: index.name.clone(),
                physical: index_name,
                columns: index
                    .fields
                    .iter()
                    .map(|f| f.field().map(physical_of).unwrap_or_default())
                    .collect(),
                unique: index.unique,
                sort: if index.fields.iter().all(|f| f.sort().is_default()) {
                    Vec::new()
                } else {
                    index.fields.iter().map(IndexField::sort).collect()
                },
                where_sql,
                include: index.include.iter().map(|f| physical_of(f)).collect(),
                method: index.method,
                comment: index.description.clone(),
                expressions,
                nulls_distinct: index.nulls_distinct,
                deferrable: index.deferrable,
            });
        }
        out
    }
}
