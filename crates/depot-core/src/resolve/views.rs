//! Views: parsed, ordered by what they read (a cycle is a problem) and rewritten to physical
//! names.

use super::*;

impl<'p> Resolver<'_, 'p> {
    pub(super) fn views(
        &mut self,
        dataset: &'p Dataset,
        namespace: &str,
        objects: &BTreeMap<String, PhysicalObject>,
        dependencies: &BTreeMap<String, DependencyModel>,
        schemas_at: &At,
    ) -> BTreeMap<String, PhysicalView> {
        let engine_id = self.dialect.engine();
        let engine = engine_id.as_str();
        let mut catalog = Catalog {
            enum_types: self.enum_types.clone(),
            native_enums: self.native_enums,
            namespace,
            objects: objects
                .iter()
                .map(|(name, o)| {
                    let columns = o
                        .columns
                        .iter()
                        .map(|c| Column {
                            logical: c.logical.clone(),
                            physical: c.physical.clone(),
                        })
                        .collect();
                    (
                        name.clone(),
                        Relation {
                            physical: o.physical.clone(),
                            columns: Some(columns),
                        },
                    )
                })
                .collect(),
            views: BTreeMap::new(),
            dependency_aliases: &dataset.config.dependencies,
            dependencies,
            naming: self.naming,
        };

        // Parse every view first: the order of rewriting depends on what each reads.
        let mut pending: BTreeMap<&'p str, Pending<'p>> = BTreeMap::new();
        for (name, view) in dataset.package.views() {
            let at = schemas_at.key(name).in_schema(name);
            let physical = view
                .sql_name
                .clone()
                .unwrap_or_else(|| self.naming.apply(name));
            self.check_length(&physical, || format!("view `{name}`"), || at.clone());
            self.claim(&physical, Holder::View(name), || at.clone());
            catalog.views.insert(
                name.clone(),
                Relation {
                    physical: physical.clone(),
                    columns: None,
                },
            );
            let query_at = if view.queries.contains_key(engine) {
                at.key("queries").key(engine)
            } else {
                at.key("query")
            };
            let query = match view.query_for(engine) {
                None => {
                    self.problems.push(at.key("query").problem(
                        rules::MISSING_QUERY,
                        format!(
                            "view `{name}` has no query for {engine}: add `query` (portable) or `queries.{engine}`"
                        ),
                    ));
                    None
                }
                Some(sql) => match parse_view(sql, self.dialect, name, &query_at) {
                    Ok(q) => {
                        self.check_void_columns(name, &q, &query_at);
                        if dataset.package.is_materialized(name) {
                            self.check_materialized_shape(name, &q, &query_at);
                        }
                        Some(q)
                    }
                    Err(p) => {
                        self.problems.push(p);
                        None
                    }
                },
            };
            pending.insert(
                name,
                Pending {
                    view,
                    physical,
                    at: query_at,
                    reads_views: query
                        .as_ref()
                        .map(|q| {
                            referenced_tables(q)
                                .into_iter()
                                .filter(|t| {
                                    dataset.package.schemas.contains_key(t)
                                        && !objects.contains_key(t)
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    query,
                },
            );
        }

        let mut out = BTreeMap::new();
        let mut done: BTreeSet<String> = BTreeSet::new();
        while done.len() < pending.len() {
            let ready: Vec<&str> = pending
                .iter()
                .filter(|(name, p)| {
                    !done.contains(**name) && p.reads_views.iter().all(|v| done.contains(v))
                })
                .map(|(name, _)| *name)
                .collect();
            if ready.is_empty() {
                // Every remaining view waits on another: report the cycles, then go on with
                // their readers (which see the cycle's views as unresolved).
                let remaining: BTreeSet<&str> = pending
                    .keys()
                    .copied()
                    .filter(|n| !done.contains(*n))
                    .collect();
                // Every member of a cycle is found before any is marked done.
                let cyclic: Vec<(&str, Vec<String>)> = remaining
                    .iter()
                    .filter_map(|name| find_cycle(name, &pending, &done).map(|c| (*name, c)))
                    .collect();
                let before = done.len();
                for (name, cycle) in cyclic {
                    self.problems.push(pending[name].at.problem(
                        rules::VIEW_CYCLE,
                        format!(
                            "view `{name}` is part of a cycle of views reading each other: {}",
                            cycle.join(" -> ")
                        ),
                    ));
                    done.insert(name.to_string());
                }
                if done.len() == before {
                    // Unreachable (a stuck set always holds a cycle); guards the loop.
                    break;
                }
                continue;
            }
            for name in ready {
                done.insert(name.to_string());
                let Some(p) = pending.get_mut(name) else {
                    continue;
                };
                let Some(query) = p.query.take() else {
                    continue;
                };
                match rewrite_view(name, query, &catalog, self.dialect, &p.at) {
                    Ok(rewritten) => {
                        if let Some(rel) = catalog.views.get_mut(name) {
                            rel.columns.clone_from(&rewritten.columns);
                        }
                        let columns: BTreeMap<String, String> = rewritten
                            .columns
                            .iter()
                            .flatten()
                            .map(|c| (c.logical.clone(), c.physical.clone()))
                            .collect();
                        let materialized = dataset.package.is_materialized(name);
                        if materialized && !p.reads_views.is_empty() {
                            self.check_materialized_reads_no_view(name, &p.reads_views, &p.at);
                        }
                        let indexes = if materialized {
                            let known = rewritten.columns.is_some();
                            self.materialized_indexes(
                                name,
                                &p.physical,
                                &p.view.indexes,
                                known.then_some(&columns),
                            )
                        } else {
                            Vec::new()
                        };
                        out.insert(
                            name.to_string(),
                            PhysicalView {
                                logical: name.to_string(),
                                physical: p.physical.clone(),
                                previous_names: p.view.previous_names.clone(),
                                sql: rewritten.sql,
                                reads: rewritten.reads,
                                reads_dependencies: rewritten.reads_dependencies,
                                reads_every_column: rewritten.reads_every_column,
                                columns,
                                comment: p.view.description.clone(),
                                materialized,
                                indexes,
                            },
                        );
                    }
                    Err(problems) => self.problems.extend(problems),
                }
            }
        }
        out
    }
}

/// Pending is a view waiting to be rewritten.
struct Pending<'p> {
    view: &'p ViewSchema,
    physical: String,
    at: At,
    query: Option<sqlparser::ast::Query>,
    /// Views of the package this view reads.
    reads_views: BTreeSet<String>,
}

/// find_cycle gives the path `start -> ... -> start` through views not yet done, if any.
fn find_cycle(
    start: &str,
    pending: &BTreeMap<&str, Pending<'_>>,
    done: &BTreeSet<String>,
) -> Option<Vec<String>> {
    // Breadth-first from `start`, remembering each view's predecessor: the shortest cycle.
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(current) = queue.pop_front() {
        let Some(p) = pending.get(current.as_str()) else {
            continue;
        };
        for next in &p.reads_views {
            if done.contains(next) {
                continue;
            }
            if next == start {
                let mut path = vec![start.to_string(), current.clone()];
                let mut at = current;
                while let Some(prev) = previous.get(&at) {
                    path.push(prev.clone());
                    at = prev.clone();
                }
                // Built backwards from the closing edge; the predecessors lead back to `start`.
                path.reverse();
                return Some(path);
            }
            if !previous.contains_key(next) && next != start {
                previous.insert(next.clone(), current.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}
