//! Materialized views: their indexes (over the view's output columns, known only once its
//! query is rewritten) and the shape each engine allows.

use super::*;
use crate::package::Index;

impl<'p> Resolver<'_, 'p> {
    /// The physical indexes of materialized view `name`, whose output columns are `columns`
    /// (logical -> physical; `None` when some cannot be known). Every field an index names must
    /// be a column of the view.
    pub(super) fn materialized_indexes(
        &mut self,
        name: &'p str,
        physical: &str,
        indexes: &'p [Index],
        columns: Option<&BTreeMap<String, String>>,
    ) -> Vec<PhysicalIndex> {
        if indexes.is_empty() {
            return Vec::new();
        }
        let Some(columns) = columns else {
            self.problems
                .push(Loc::Schema(name).at().key("indexes").problem(
                    rules::UNKNOWN_FIELD,
                    format!(
                    "materialized view `{name}` has indexes, but its columns cannot all be known \
                     (a `*` over a view of another dataset?): name its columns in the query"
                ),
                ));
            return Vec::new();
        };
        let before = self.problems.len();
        let list = columns
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        for (i, index) in indexes.iter().enumerate() {
            let at = Loc::Index(name, i).at();
            let keys = index
                .fields
                .iter()
                .enumerate()
                .filter_map(|(k, f)| f.field().map(|f| (at.key("fields").index(k), f)));
            let included = index
                .include
                .iter()
                .enumerate()
                .map(|(k, f)| (at.key("include").index(k), f.as_str()));
            for (field_at, field) in keys.chain(included) {
                if !columns.contains_key(field) {
                    self.problems.push(field_at.problem(
                        rules::UNKNOWN_FIELD,
                        format!(
                            "index `{}` of materialized view `{name}` names `{field}`, which the \
                             view's query does not select; columns: {list}",
                            index.name
                        ),
                    ));
                }
            }
            if index.deferrable.is_some() {
                self.problems.push(at.key("deferrable").problem(
                    rules::INVALID_INDEX_OPTION,
                    format!(
                        "index `{}` of materialized view `{name}` is deferrable: a materialized \
                         view has no constraints, only indexes",
                        index.name
                    ),
                ));
            }
        }
        if self.problems.len() > before {
            return Vec::new();
        }
        // Index expressions may cast to the package's enums, like an object's.
        let types = self.enum_types.clone();
        let types_namespace = if self.native_enums && !types.is_empty() {
            Some(self.namespace.clone())
        } else {
            None
        };
        let scope = ExpressionScope {
            columns,
            types: &types,
            types_namespace: types_namespace.as_deref(),
        };
        self.indexes(name, physical, indexes, &scope)
    }

    /// Refuses a materialized view whose query the engine cannot materialize.
    pub(super) fn check_materialized_shape(
        &mut self,
        name: &str,
        query: &sqlparser::ast::Query,
        at: &At,
    ) {
        if let Some(why) = self.dialect.refuses_materialized_query(query) {
            self.problems.push(at.problem(
                rules::ENGINE_FEATURE,
                format!(
                    "materialized view `{name}` cannot be created on {}: {why}",
                    self.dialect.engine()
                ),
            ));
        }
    }

    /// Refuses a materialized view that reads a view of the package, on an engine whose
    /// materialized views read tables only.
    pub(super) fn check_materialized_reads_no_view(
        &mut self,
        name: &str,
        views: &BTreeSet<String>,
        at: &At,
    ) {
        let Some(why) = self.dialect.refuses(Feature::MaterializedViewOverView) else {
            return;
        };
        let list = views.iter().cloned().collect::<Vec<_>>().join(", ");
        self.problems.push(at.problem(
            rules::ENGINE_FEATURE,
            format!(
                "materialized view `{name}` cannot be created on {}: {why} ({list})",
                self.dialect.engine()
            ),
        ));
    }
}
