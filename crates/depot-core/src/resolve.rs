//! Resolution: a package + dataset configuration + engine dialect -> [`PhysicalModel`].
//!
//! - Physical names: `sqlName`, else the naming strategy applied to the logical name (objects,
//!   views, fields). Generated names: primary key `<table>_pkey`, index
//!   `<table>_<index>_idx` (the suffixes follow the strategy's case), shortened by
//!   [`generated_name`] when too long. A user-facing name that is too long is a problem: the
//!   engine would silently truncate it.
//! - Collisions: two fields of an object, or two relations of the namespace (tables, views,
//!   indexes and primary keys share one namespace in PostgreSQL), with one physical name.
//! - Views: parsed and rewritten by [`crate::view`], views read by other views first; a
//!   cycle of views is a problem.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use crate::column_default::{ColumnDefault, FieldDefault};
use crate::dataset::{Dataset, Location};
use crate::dialect::{Dialect, Engine};
use crate::field_type::FieldType;
use crate::naming::NamingStrategy;
use crate::package::{ObjectSchema, ViewSchema};
use crate::physical::{
    DependencyModel, PhysicalColumn, PhysicalIndex, PhysicalKey, PhysicalModel, PhysicalObject,
    PhysicalView,
};
use crate::problem::{Problem, Problems};
use crate::reader::At;
use crate::rules;
use crate::view::parse::parse_view;
use crate::view::rewrite::rewrite_view;
use crate::view::scope::{Catalog, Column, Relation};
use crate::view::tables::referenced_tables;
use crate::view::void::void_columns;

/// Resolves every physical name and rewrites every view. `dependencies` maps the dependency
/// aliases of the dataset (keys of `DatasetConfig::dependencies`) to their deployed metadata.
pub fn resolve(
    dataset: &Dataset,
    dialect: &dyn Dialect,
    dependencies: &BTreeMap<String, DependencyModel>,
) -> Result<PhysicalModel, Problems> {
    let naming = dataset.config.naming_strategy;
    let mut r = Resolver {
        dialect,
        naming,
        pkey: naming.apply("pkey"),
        idx: naming.apply("idx"),
        problems: Vec::new(),
        relations: HashMap::with_capacity(dataset.package.schemas.len() * 3),
    };
    r.check_engine(&dataset.config.location);
    let namespace = dataset.config.schema_name.clone();
    r.check_namespace(&namespace);
    r.check_length(
        &namespace,
        || "the namespace (`schemaName`)".to_string(),
        || Loc::Root("schemaName").at(),
    );

    let mut objects = BTreeMap::new();
    for (name, object) in dataset.package.objects() {
        objects.insert(name.clone(), r.object(name, object));
    }
    let views = if dataset.package.views().next().is_none() {
        // No view: no catalogue of every column to build.
        BTreeMap::new()
    } else {
        let schemas_at = At::root().key("package").key("schemas");
        r.views(dataset, &namespace, &objects, dependencies, &schemas_at)
    };

    if r.problems.is_empty() {
        Ok(PhysicalModel {
            namespace,
            comment: dataset.package.description.clone(),
            objects,
            views,
        })
    } else {
        Err(Problems(r.problems))
    }
}

/// generated_name fits a name Depot generates (index, key) into `max_bytes`: a longer name keeps
/// its longest prefix that fits with `_` and the first 8 hex digits of the sha256 of the whole
/// name, so that it stays deterministic and distinct. The hex digits follow the strategy's case.
pub fn generated_name(full: &str, max_bytes: usize, naming: NamingStrategy) -> String {
    if full.len() <= max_bytes {
        return full.to_string();
    }
    let digest = hex::encode(Sha256::digest(full.as_bytes()));
    let mut suffix = format!("_{}", &digest[..8]);
    if naming == NamingStrategy::UpperSnakeCase {
        suffix = suffix.to_ascii_uppercase();
    }
    let mut end = max_bytes.saturating_sub(suffix.len()).min(full.len());
    while !full.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &full[..end])
}

/// Where a name of an object was written. Its [`At`] (a JSON path and the schema and field it
/// belongs to) is built only when a problem is recorded there.
#[derive(Debug, Clone, Copy)]
enum Loc<'p> {
    /// A member of the document root.
    Root(&'static str),
    /// The schema (`package.schemas.<name>`).
    Schema(&'p str),
    /// A field of a schema.
    Field(&'p str, &'p str),
    /// The primary key of a schema.
    PrimaryKey(&'p str),
    /// The `i`th index of a schema.
    Index(&'p str, usize),
}

impl Loc<'_> {
    fn at(self) -> At {
        let schema = |name: &str| {
            At::root()
                .key("package")
                .key("schemas")
                .key(name)
                .in_schema(name)
        };
        match self {
            Loc::Root(key) => At::root().key(key),
            Loc::Schema(name) => schema(name),
            Loc::Field(name, field) => schema(name).key("fields").key(field).in_field(field),
            Loc::PrimaryKey(name) => schema(name).key("primaryKey"),
            Loc::Index(name, i) => schema(name).key("indexes").index(i),
        }
    }
}

/// What claimed a relation name, as collision messages name it.
#[derive(Debug, Clone, Copy)]
enum Holder<'p> {
    Object(&'p str),
    PrimaryKey(&'p str),
    /// An index (its logical name) of an object.
    Index(&'p str, &'p str),
    View(&'p str),
}

impl std::fmt::Display for Holder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Object(name) => write!(f, "object `{name}`"),
            Holder::PrimaryKey(name) => write!(f, "the primary key of `{name}`"),
            Holder::Index(index, name) => write!(f, "index `{index}` of `{name}`"),
            Holder::View(name) => write!(f, "view `{name}`"),
        }
    }
}

struct Resolver<'d, 'p> {
    dialect: &'d dyn Dialect,
    naming: NamingStrategy,
    /// The strategy's forms of the suffixes of generated names.
    pkey: String,
    idx: String,
    problems: Vec<Problem>,
    /// Physical relation name -> what claimed it.
    relations: HashMap<String, Holder<'p>>,
}

impl<'p> Resolver<'_, 'p> {
    fn check_engine(&mut self, location: &Location) {
        let engine = match location {
            Location::Postgres(_) => Engine::Postgres,
            Location::Snowflake(_) => Engine::Snowflake,
        };
        if engine != self.dialect.engine() {
            self.problems
                .push(At::root().key("location").key("type").problem(
                    rules::ENGINE_MISMATCH,
                    format!(
                        "the location is {}, but the dataset is being resolved for {}",
                        engine.as_str(),
                        self.dialect.engine().as_str()
                    ),
                ));
        }
    }

    /// check_namespace reports a namespace the engine or Depot keeps for itself.
    fn check_namespace(&mut self, namespace: &str) {
        if let Some(why) = self.dialect.reserved_namespace(namespace) {
            self.problems.push(Loc::Root("schemaName").at().problem(
                rules::RESERVED_NAMESPACE,
                format!(
                    "the namespace `{namespace}` cannot hold a dataset on {}: {why}; choose another `schemaName`",
                    self.dialect.engine().as_str()
                ),
            ));
        }
    }

    /// check_engine_limits reports what the engine cannot hold in an object: more columns than
    /// a table can have, a string longer than the engine's longest.
    fn check_engine_limits(&mut self, name: &'p str, object: &'p ObjectSchema) {
        let engine = self.dialect.engine().as_str();
        if let Some(max) = self.dialect.max_columns() {
            if object.fields.len() > max {
                self.problems.push(Loc::Schema(name).at().key("fields").problem(
                    rules::ENGINE_LIMIT,
                    format!(
                        "object `{name}` has {} fields; a {engine} table holds at most {max} columns",
                        object.fields.len()
                    ),
                ));
            }
        }
        if let Some(max) = self.dialect.max_string_length() {
            for (field, spec) in &object.fields {
                if let FieldType::String {
                    max_length: Some(n),
                } = spec.field_type
                {
                    if u64::from(n) > max {
                        self.problems.push(Loc::Field(name, field).at().key("maxLength").problem(
                            rules::ENGINE_LIMIT,
                            format!(
                                "`maxLength` {n} is more than {engine} allows for a string ({max} characters): lower it, or leave it out for an unbounded string"
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// check_void_columns reports view columns of type void, where the engine cannot create
    /// them.
    fn check_void_columns(&mut self, view: &str, query: &sqlparser::ast::Query, at: &At) {
        if !self.dialect.refuses_void_columns() {
            return;
        }
        for column in void_columns(query) {
            self.problems.push(at.problem(
                rules::VIEW_VOID_COLUMN,
                format!(
                    "view `{view}`: the column `{column}` has type void, which a {} view cannot hold: select a value instead",
                    self.dialect.engine().as_str()
                ),
            ));
        }
    }

    /// check_length reports a user-facing physical name the engine would truncate. What it
    /// names (`what`) and where (`at`) are worked out only then.
    fn check_length(
        &mut self,
        physical: &str,
        what: impl FnOnce() -> String,
        at: impl FnOnce() -> At,
    ) {
        let max = self.dialect.max_identifier_bytes();
        if physical.len() > max {
            self.problems.push(at().problem(
                rules::IDENTIFIER_TOO_LONG,
                format!(
                    "the physical name `{physical}` of {} is {} bytes; {} keeps at most {max}: shorten the name or set a shorter `sqlName`",
                    what(),
                    physical.len(),
                    self.dialect.engine().as_str()
                ),
            ));
        }
    }

    /// claim reserves a relation name of the namespace, reporting a collision.
    fn claim(&mut self, physical: &str, what: Holder<'p>, at: impl FnOnce() -> At) {
        // One lookup: the key is owned from the start, as a name is claimed far more often
        // than it collides.
        match self.relations.entry(physical.to_string()) {
            Entry::Occupied(other) => self.problems.push(at().problem(
                rules::NAME_COLLISION,
                format!(
                    "{what} and {} both get the physical name `{physical}`: relations share one namespace; rename one or set `sqlName`",
                    other.get()
                ),
            )),
            Entry::Vacant(slot) => {
                slot.insert(what);
            }
        }
    }

    /// The generated name `parts` joined by `_` (`<table>_pkey`, `<table>_<index>_idx`),
    /// fitted to the engine's identifiers by [`generated_name`].
    fn generated(&self, parts: &[&str]) -> String {
        let mut full = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                full.push('_');
            }
            full.push_str(part);
        }
        let max = self.dialect.max_identifier_bytes();
        if full.len() <= max {
            full
        } else {
            generated_name(&full, max, self.naming)
        }
    }

    fn object(&mut self, name: &'p str, object: &'p ObjectSchema) -> PhysicalObject {
        let physical = object
            .sql_name
            .clone()
            .unwrap_or_else(|| self.naming.apply(name));
        self.check_length(
            &physical,
            || format!("object `{name}`"),
            || Loc::Schema(name).at(),
        );
        self.claim(&physical, Holder::Object(name), || Loc::Schema(name).at());
        self.check_engine_limits(name, object);

        // Primary-key fields first in key order, then the others by logical name (the
        // BTreeMap's order), so the order is stable whatever the order of the input.
        let key_fields = object
            .primary_key
            .iter()
            .filter_map(|f| object.fields.get_key_value(f));
        let other_fields = object
            .fields
            .iter()
            .filter(|(f, _)| !object.primary_key.contains(f));
        let mut columns: Vec<PhysicalColumn> = Vec::with_capacity(object.fields.len());
        for (field_name, field) in key_fields.chain(other_fields) {
            columns.push(PhysicalColumn {
                logical: field_name.clone(),
                physical: field
                    .sql_name
                    .clone()
                    .unwrap_or_else(|| self.naming.apply(field_name)),
                previous_names: field.previous_names.clone(),
                field_type: field.field_type.clone(),
                nullable: field.nullable,
                // Contract placeholder: resolution of expression defaults (engine SQL picked and
                // rewritten) is still to come.
                default: field.default.as_ref().and_then(|d| match d {
                    FieldDefault::Literal(v) => Some(ColumnDefault::Literal(v.clone())),
                    FieldDefault::Expression(e) => Some(ColumnDefault::Expression(*e)),
                    FieldDefault::Sql(per_engine) => per_engine
                        .get(self.dialect.engine().as_str())
                        .map(|sql| ColumnDefault::Sql(sql.clone())),
                }),
                identity: field.auto_increment,
                computed: None,
                comment: field.description.clone(),
            });
        }
        // Two fields with one column name are rare: look for any first, and only then go
        // through the fields one by one to report each collision in its place.
        let collide = has_duplicate(&columns);
        let mut taken: BTreeMap<&str, &str> = BTreeMap::new();
        for c in &columns {
            let (field_name, column) = (c.logical.as_str(), c.physical.as_str());
            self.check_length(
                column,
                || format!("field `{name}.{field_name}`"),
                || Loc::Field(name, field_name).at(),
            );
            if !collide {
                continue;
            }
            if let Some(other) = taken.insert(column, field_name) {
                self.problems.push(Loc::Field(name, field_name).at().problem(
                    rules::NAME_COLLISION,
                    format!(
                        "fields `{other}` and `{field_name}` of `{name}` both get the physical column name `{column}`; rename one or set `sqlName`"
                    ),
                ));
            }
        }
        drop(taken);
        let physical_of = |logical: &String| {
            columns
                .iter()
                .find(|c| &c.logical == logical)
                .map_or_else(|| logical.clone(), |c| c.physical.clone())
        };

        let primary_key = if object.primary_key.is_empty() {
            None
        } else {
            let key_name = self.generated(&[&physical, &self.pkey]);
            self.claim(&key_name, Holder::PrimaryKey(name), || {
                Loc::PrimaryKey(name).at()
            });
            Some(PhysicalKey {
                name: key_name,
                columns: object.primary_key.iter().map(physical_of).collect(),
            })
        };
        let mut indexes = Vec::with_capacity(object.indexes.len());
        for (i, index) in object.indexes.iter().enumerate() {
            let index_name =
                self.generated(&[&physical, &self.naming.apply(&index.name), &self.idx]);
            self.claim(&index_name, Holder::Index(&index.name, name), || {
                Loc::Index(name, i).at()
            });
            indexes.push(PhysicalIndex {
                logical: index.name.clone(),
                physical: index_name,
                columns: index
                    .field_names()
                    .map(|f| physical_of(&f.to_string()))
                    .collect(),
                unique: index.unique,
                ..PhysicalIndex::default()
            });
        }
        PhysicalObject {
            logical: name.to_string(),
            physical,
            previous_names: object.previous_names.clone(),
            columns,
            primary_key,
            indexes,
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: object.description.clone(),
        }
    }

    fn views(
        &mut self,
        dataset: &'p Dataset,
        namespace: &str,
        objects: &BTreeMap<String, PhysicalObject>,
        dependencies: &BTreeMap<String, DependencyModel>,
        schemas_at: &At,
    ) -> BTreeMap<String, PhysicalView> {
        let engine = self.dialect.engine().as_str();
        let mut catalog = Catalog {
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
        let mut pending: BTreeMap<&str, Pending<'_>> = BTreeMap::new();
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
                        let columns = rewritten
                            .columns
                            .iter()
                            .flatten()
                            .map(|c| (c.logical.clone(), c.physical.clone()))
                            .collect();
                        out.insert(
                            name.to_string(),
                            PhysicalView {
                                logical: name.to_string(),
                                physical: p.physical.clone(),
                                previous_names: p.view.previous_names.clone(),
                                sql: rewritten.sql,
                                reads: rewritten.reads,
                                reads_dependencies: rewritten.reads_dependencies,
                                columns,
                                comment: p.view.description.clone(),
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

/// True when two columns have one physical name.
fn has_duplicate(columns: &[PhysicalColumn]) -> bool {
    if columns.len() <= 24 {
        // Few enough to compare pairwise without sorting a copy.
        columns
            .iter()
            .enumerate()
            .any(|(i, a)| columns[..i].iter().any(|b| a.physical == b.physical))
    } else {
        let mut names: Vec<&str> = columns.iter().map(|c| c.physical.as_str()).collect();
        names.sort_unstable();
        names.windows(2).any(|w| w[0] == w[1])
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physical::{Metadata, SchemaMetadata};
    use crate::properties::parse_dataset;
    use crate::view::test_dialect::{TestDialect, POSTGRES, SNOWFLAKE};
    use serde_json::{json, Value};

    fn dataset(location: Value, schemas: Value) -> Dataset {
        let raw = json!({
            "environmentId": "e2e404529091ed2",
            "alias": "WsDevDogSrc",
            "bootstrapBucket": "bkt",
            "location": location,
            "dependencies": {"Breeds": "WsDevBreeds"},
            "package": {"name": "dogs", "version": "1", "schemas": schemas},
        });
        parse_dataset(&raw).unwrap_or_else(|e| panic!("{e}"))
    }

    fn pg(schemas: Value) -> Dataset {
        dataset(
            json!({"type": "postgres", "name": "main", "host": "h", "port": 5432, "database": "app"}),
            schemas,
        )
    }

    fn sf(schemas: Value) -> Dataset {
        dataset(
            json!({"type": "snowflake", "name": "sf", "account": "acme", "database": "DB"}),
            schemas,
        )
    }

    fn breeds() -> BTreeMap<String, DependencyModel> {
        BTreeMap::from([(
            "Breeds".to_string(),
            Metadata {
                namespace: "ws_dev_breeds".into(),
                schemas: BTreeMap::from([(
                    "Breed".to_string(),
                    SchemaMetadata {
                        object: "breed".into(),
                        fields: BTreeMap::from([
                            ("id".to_string(), "id".to_string()),
                            ("breedName".to_string(), "breed_name".to_string()),
                        ]),
                    },
                )]),
            },
        )])
    }

    fn dogs() -> Value {
        json!({
            "Dog": {
                "kind": "object",
                "fields": {
                    "name": {"type": "string", "maxLength": 200},
                    "id": {"type": "uuid"},
                    "birthDate": {"type": "date", "nullable": true},
                    "vaccinated": {"type": "boolean", "default": false},
                    "breedId": {"type": "uuid", "nullable": true, "previousNames": ["breed"]}
                },
                "primaryKey": ["id"],
                "indexes": [{"name": "byName", "fields": ["name", "birthDate"], "unique": true}],
                "previousNames": ["Hound"]
            },
            "VaccinatedDog": {"kind": "view", "query": "SELECT id, name, birthDate FROM Dog WHERE vaccinated"}
        })
    }

    fn resolved(d: &Dataset, dialect: TestDialect) -> PhysicalModel {
        resolve(d, &dialect, &breeds()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// problems resolves, expecting failure, and gives (rule, path, message) triples.
    fn problems(d: &Dataset, dialect: TestDialect) -> Vec<(&'static str, String, String)> {
        match resolve(d, &dialect, &breeds()) {
            Ok(m) => panic!("expected problems, resolved: {m:#?}"),
            Err(ps) => {
                ps.0.into_iter()
                    .map(|p| (p.rule, p.path, p.message))
                    .collect()
            }
        }
    }

    /// Limited is [`POSTGRES`] with engine limits: strings up to 100 characters, 3 columns,
    /// `sys` and `__admin` reserved, void view columns refused.
    struct Limited;

    impl Dialect for Limited {
        fn engine(&self) -> Engine {
            POSTGRES.engine()
        }
        fn default_naming(&self) -> NamingStrategy {
            POSTGRES.default_naming()
        }
        fn max_identifier_bytes(&self) -> usize {
            POSTGRES.max_identifier_bytes()
        }
        fn max_string_length(&self) -> Option<u64> {
            Some(100)
        }
        fn max_columns(&self) -> Option<usize> {
            Some(3)
        }
        fn reserved_namespace(&self, namespace: &str) -> Option<String> {
            ["sys", "__admin"]
                .contains(&namespace)
                .then(|| "reserved here".to_string())
        }
        fn refuses_void_columns(&self) -> bool {
            true
        }
        fn quote_ident(&self, ident: &str) -> String {
            POSTGRES.quote_ident(ident)
        }
        fn quoted_ident(&self, ident: &str) -> String {
            POSTGRES.quoted_ident(ident)
        }
        fn string_literal(&self, value: &str) -> Option<String> {
            POSTGRES.string_literal(value)
        }
        fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
            POSTGRES.parser_dialect()
        }
        fn render(
            &self,
            change: &crate::change::Change,
            ctx: &crate::dialect::RenderContext,
        ) -> Result<Vec<crate::dialect::StepDraft>, crate::dialect::RenderError> {
            POSTGRES.render(change, ctx)
        }
    }

    #[test]
    fn engine_limits_reserved_namespaces_and_void_columns_are_problems_naming_the_engine() {
        let mut d = pg(json!({
            "Dog": {"kind": "object", "fields": {
                "id": {"type": "uuid"}, "a": {"type": "string", "maxLength": 101},
                "b": {"type": "string", "maxLength": 100}, "c": {"type": "string"}
            }},
            "Names": {"kind": "view", "query": "SELECT id, NULL::void AS v FROM Dog"}
        }));
        d.config.schema_name = "sys".into();
        let found: Vec<(&str, String)> = match resolve(&d, &Limited, &breeds()) {
            Ok(_) => panic!("resolved"),
            Err(ps) => ps.0.into_iter().map(|p| (p.rule, p.path)).collect(),
        };
        assert_eq!(
            found,
            [
                (rules::RESERVED_NAMESPACE, "schemaName".to_string()),
                (
                    rules::ENGINE_LIMIT,
                    "package.schemas.Dog.fields".to_string()
                ),
                (
                    rules::ENGINE_LIMIT,
                    "package.schemas.Dog.fields.a.maxLength".to_string()
                ),
                (
                    rules::VIEW_VOID_COLUMN,
                    "package.schemas.Names.query".to_string()
                ),
            ]
        );
        let Err(ps) = resolve(&d, &Limited, &breeds()) else {
            panic!("resolved")
        };
        assert!(ps.0.iter().all(|p| p.message.contains("postgres")), "{ps}");
        // Within the limits, on a free namespace, without the void column: resolved.
        let ok = pg(json!({"Dog": {"kind": "object", "fields": {
            "id": {"type": "uuid"}, "b": {"type": "string", "maxLength": 100}
        }}}));
        assert!(resolve(&ok, &Limited, &breeds()).is_ok());
        // The default dialect methods limit nothing.
        assert!(resolve(&d, &POSTGRES, &breeds()).is_ok());
    }

    #[test]
    fn the_spec_example_resolves_for_postgres() {
        let m = resolved(&pg(dogs()), POSTGRES);
        assert_eq!(m.namespace, "ws_dev_dog_src");
        let dog = &m.objects["Dog"];
        assert_eq!(dog.physical, "dog");
        assert_eq!(dog.previous_names, ["Hound"]);
        let columns: Vec<(&str, &str)> = dog
            .columns
            .iter()
            .map(|c| (c.logical.as_str(), c.physical.as_str()))
            .collect();
        assert_eq!(
            columns,
            [
                ("id", "id"),
                ("birthDate", "birth_date"),
                ("breedId", "breed_id"),
                ("name", "name"),
                ("vaccinated", "vaccinated")
            ],
            "key first, then by logical name"
        );
        assert_eq!(dog.column("breedId").unwrap().previous_names, ["breed"]);
        assert_eq!(
            dog.column("vaccinated").unwrap().default,
            Some(ColumnDefault::Literal(json!(false)))
        );
        assert_eq!(
            dog.primary_key,
            Some(PhysicalKey {
                name: "dog_pkey".into(),
                columns: vec!["id".into()]
            })
        );
        assert_eq!(
            dog.indexes,
            [PhysicalIndex {
                logical: "byName".into(),
                physical: "dog_by_name_idx".into(),
                columns: vec!["name".into(), "birth_date".into()],
                unique: true,
                ..PhysicalIndex::default()
            }]
        );
        let v = &m.views["VaccinatedDog"];
        assert_eq!(v.physical, "vaccinated_dog");
        assert_eq!(
            v.sql,
            "SELECT id, name, birth_date FROM ws_dev_dog_src.dog WHERE vaccinated"
        );
        assert_eq!(
            v.reads,
            BTreeMap::from([(
                "Dog".to_string(),
                BTreeSet::from(["id", "name", "birthDate", "vaccinated"].map(String::from))
            )])
        );
        assert!(v.reads_dependencies.is_empty());
    }

    #[test]
    fn snowflake_names_are_upper_snake_case() {
        let m = resolved(&sf(dogs()), SNOWFLAKE);
        assert_eq!(m.namespace, "WS_DEV_DOG_SRC");
        let dog = &m.objects["Dog"];
        assert_eq!(dog.physical, "DOG");
        assert_eq!(dog.primary_key.as_ref().unwrap().name, "DOG_PKEY");
        assert_eq!(dog.indexes[0].physical, "DOG_BY_NAME_IDX");
        assert_eq!(
            m.views["VaccinatedDog"].sql,
            "SELECT ID, NAME, BIRTH_DATE FROM WS_DEV_DOG_SRC.DOG WHERE VACCINATED"
        );
    }

    #[test]
    fn sql_names_override_the_strategy() {
        let mut schemas = dogs();
        schemas["Dog"]["sqlName"] = json!("dogs_v2");
        schemas["Dog"]["fields"]["birthDate"]["sqlName"] = json!("born");
        schemas["VaccinatedDog"]["sqlName"] = json!("good_dogs");
        let m = resolved(&pg(schemas), POSTGRES);
        assert_eq!(m.objects["Dog"].physical, "dogs_v2");
        assert_eq!(
            m.objects["Dog"].primary_key.as_ref().unwrap().name,
            "dogs_v2_pkey"
        );
        assert_eq!(m.objects["Dog"].indexes[0].columns, ["name", "born"]);
        assert_eq!(m.views["VaccinatedDog"].physical, "good_dogs");
        assert_eq!(
            m.views["VaccinatedDog"].sql,
            "SELECT id, name, born FROM ws_dev_dog_src.dogs_v2 WHERE vaccinated"
        );
        let meta = m.metadata();
        assert_eq!(meta.schemas["Dog"].fields["birthDate"], "born");
    }

    #[test]
    fn generated_names_are_shortened_deterministically() {
        let long = "a".repeat(50);
        let a = generated_name(
            &format!("{long}_by_owner_and_name_idx"),
            63,
            NamingStrategy::SnakeCase,
        );
        let b = generated_name(
            &format!("{long}_by_owner_and_birth_idx"),
            63,
            NamingStrategy::SnakeCase,
        );
        assert_eq!(a.len(), 63);
        assert!(a.starts_with(&format!("{long}_by_")), "{a}");
        assert_ne!(a, b, "same prefix, different hashes");
        assert_eq!(
            a,
            generated_name(
                &format!("{long}_by_owner_and_name_idx"),
                63,
                NamingStrategy::SnakeCase
            )
        );
        let digest = hex::encode(Sha256::digest(
            format!("{long}_by_owner_and_name_idx").as_bytes(),
        ));
        assert!(a.ends_with(&format!("_{}", &digest[..8])), "{a}");
        assert_eq!(
            generated_name("dog_pkey", 63, NamingStrategy::SnakeCase),
            "dog_pkey"
        );
        let upper = generated_name(&"X".repeat(70), 63, NamingStrategy::UpperSnakeCase);
        assert!(
            upper.chars().skip(55).all(|c| !c.is_ascii_lowercase()),
            "{upper}"
        );
        // Never cut inside a character.
        let wide = generated_name(&"é".repeat(40), 63, NamingStrategy::Preserve);
        assert!(wide.len() <= 63, "{wide}");
    }

    #[test]
    fn long_generated_names_fit_the_engine() {
        let table = "dogs_with_a_very_long_descriptive_name_for_testing_x";
        let mut schemas = dogs();
        schemas["Dog"]["sqlName"] = json!(table);
        let m = resolved(&pg(schemas), POSTGRES);
        let index = &m.objects["Dog"].indexes[0].physical;
        assert!(index.len() <= 63, "{index}");
        assert!(index.starts_with(table), "{index}");
        assert_eq!(
            m.objects["Dog"].primary_key.as_ref().unwrap().name,
            format!("{table}_pkey")
        );
    }

    #[test]
    fn user_facing_names_over_the_limit_are_problems() {
        let long_field = format!("f{}", "x".repeat(63));
        let schemas = json!({
            "Dog": {"kind": "object", "fields": {"id": {"type": "uuid"}, (long_field.clone()): {"type": "date"}}}
        });
        let d = pg(schemas);
        let got = problems(&d, POSTGRES);
        assert_eq!(got.len(), 1, "{got:?}");
        let (rule, path, message) = &got[0];
        assert_eq!(*rule, rules::IDENTIFIER_TOO_LONG);
        assert_eq!(path, &format!("package.schemas.Dog.fields.{long_field}"));
        assert!(message.contains("64 bytes"), "{message}");
        assert!(message.contains("at most 63"), "{message}");
        assert!(message.contains("sqlName"), "{message}");

        let mut d = pg(dogs());
        d.config.schema_name = "n".repeat(64);
        let got = problems(&d, POSTGRES);
        assert_eq!(
            (got[0].0, got[0].1.as_str()),
            (rules::IDENTIFIER_TOO_LONG, "schemaName")
        );
    }

    #[test]
    fn collisions_name_both_logical_names_and_the_physical_name() {
        let schemas = json!({
            "Dog": {"kind": "object", "fields": {"dogName": {"type": "string"}, "DogName": {"type": "string"}}},
            "DogByNameIdx": {"kind": "object", "fields": {"id": {"type": "uuid"}}},
            "Cat": {"kind": "object", "fields": {"id": {"type": "uuid"}}, "indexes": [{"name": "x", "fields": ["id"]}], "sqlName": "dog"},
            "Puppy": {"kind": "view", "query": "SELECT id FROM Cat", "sqlName": "dog_by_name_idx"},
        });
        let mut d = pg(schemas);
        if let crate::package::Schema::Object(o) = d.package.schemas.get_mut("Dog").unwrap() {
            o.indexes.push(crate::package::Index {
                name: "byName".into(),
                fields: vec!["dogName".into()],
                unique: false,
                ..Default::default()
            });
        }
        let got = problems(&d, POSTGRES);
        let summary: Vec<(&str, &str)> = got.iter().map(|(r, p, _)| (*r, p.as_str())).collect();
        assert_eq!(
            summary,
            [
                (rules::NAME_COLLISION, "package.schemas.Dog"),
                (rules::NAME_COLLISION, "package.schemas.Dog.fields.dogName"),
                (rules::NAME_COLLISION, "package.schemas.DogByNameIdx"),
                (rules::NAME_COLLISION, "package.schemas.Puppy"),
            ]
        );
        assert!(
            got[0].2.contains("object `Dog` and object `Cat`") && got[0].2.contains("`dog`"),
            "{}",
            got[0].2
        );
        assert!(
            got[1].2.contains("`DogName` and `dogName`") && got[1].2.contains("`dog_name`"),
            "{}",
            got[1].2
        );
        assert!(got[2].2.contains("index `byName` of `Dog`"), "{}", got[2].2);
        assert!(got[3].2.contains("view `Puppy`"), "{}", got[3].2);
    }

    #[test]
    fn collisions_among_many_fields_are_found_too() {
        // More fields than the pairwise comparison takes: the sorted search finds the pair.
        let mut fields = serde_json::Map::new();
        for i in 0..30 {
            fields.insert(format!("f{i:02}"), json!({"type": "uuid"}));
        }
        fields.insert("dogName".into(), json!({"type": "string"}));
        fields.insert("DogName".into(), json!({"type": "string"}));
        let got = problems(
            &pg(json!({"Dog": {"kind": "object", "fields": fields}})),
            POSTGRES,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].0, got[0].1.as_str()),
            (rules::NAME_COLLISION, "package.schemas.Dog.fields.dogName")
        );
        assert!(
            got[0].2.contains("`DogName` and `dogName`") && got[0].2.contains("`dog_name`"),
            "{}",
            got[0].2
        );
    }

    #[test]
    fn views_read_views_in_dependency_order() {
        let schemas = json!({
            "Dog": dogs()["Dog"],
            "AOldVaccinated": {"kind": "view", "query": "SELECT bornOn FROM BVaccinated WHERE bornOn < '2015-01-01'"},
            "BVaccinated": {"kind": "view", "query": "SELECT d.name, d.birthDate AS bornOn, b.breedName FROM Dog d JOIN Breeds.Breed b ON b.id = d.breedId WHERE d.vaccinated"},
        });
        let m = resolved(&pg(schemas), POSTGRES);
        let a = &m.views["AOldVaccinated"];
        assert_eq!(
            a.sql,
            "SELECT born_on FROM ws_dev_dog_src.b_vaccinated WHERE born_on < '2015-01-01'"
        );
        assert_eq!(
            a.reads,
            BTreeMap::from([(
                "BVaccinated".to_string(),
                BTreeSet::from(["bornOn".to_string()])
            )])
        );
        let b = &m.views["BVaccinated"];
        assert_eq!(
            b.sql,
            "SELECT d.name, d.birth_date AS born_on, b.breed_name FROM ws_dev_dog_src.dog d JOIN ws_dev_breeds.breed b ON b.id = d.breed_id WHERE d.vaccinated"
        );
        assert_eq!(b.reads_dependencies, BTreeSet::from(["Breeds".to_string()]));
    }

    #[test]
    fn view_cycles_are_reported_for_every_member() {
        let schemas = json!({
            "Dog": dogs()["Dog"],
            "A": {"kind": "view", "query": "SELECT id FROM B"},
            "B": {"kind": "view", "query": "SELECT id FROM A"},
            "C": {"kind": "view", "query": "SELECT id FROM C"},
            "D": {"kind": "view", "query": "SELECT id, nope FROM A"},
        });
        let got = problems(&pg(schemas), POSTGRES);
        let summary: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|(r, p, m)| (*r, p.as_str(), m.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    rules::VIEW_CYCLE,
                    "package.schemas.A.query",
                    "view `A` is part of a cycle of views reading each other: A -> B -> A"
                ),
                (
                    rules::VIEW_CYCLE,
                    "package.schemas.B.query",
                    "view `B` is part of a cycle of views reading each other: B -> A -> B"
                ),
                (
                    rules::VIEW_CYCLE,
                    "package.schemas.C.query",
                    "view `C` is part of a cycle of views reading each other: C -> C"
                ),
            ],
            "D reads a view of the cycle: its columns are unknown, so nothing more is reported"
        );
    }

    #[test]
    fn view_problems_are_located_and_all_reported() {
        let schemas = json!({
            "Dog": dogs()["Dog"],
            "Bad": {"kind": "view", "query": "SELECT colour FROM Dog"},
            "Worse": {"kind": "view", "queries": {"postgres": "SELECT id FROM Cat"}, "query": "SELECT 1"},
            "OnlySnowflake": {"kind": "view", "queries": {"snowflake": "SELECT 1"}},
        });
        let got = problems(&pg(schemas), POSTGRES);
        let summary: Vec<(&str, &str)> = got.iter().map(|(r, p, _)| (*r, p.as_str())).collect();
        assert_eq!(
            summary,
            [
                (rules::MISSING_QUERY, "package.schemas.OnlySnowflake.query"),
                (rules::UNKNOWN_FIELD, "package.schemas.Bad.query"),
                (
                    rules::UNKNOWN_SCHEMA,
                    "package.schemas.Worse.queries.postgres"
                ),
            ]
        );
        assert!(
            got[1].2.contains("view `Bad`")
                && got[1].2.contains("Dog")
                && got[1].2.contains("colour"),
            "{}",
            got[1].2
        );
    }

    #[test]
    fn the_location_must_match_the_dialect() {
        let got = problems(&pg(dogs()), SNOWFLAKE);
        assert_eq!(got[0].0, rules::ENGINE_MISMATCH);
        assert_eq!(got[0].1, "location.type");
    }

    #[test]
    fn the_resolution_is_independent_of_input_order() {
        let a = pg(dogs());
        let mut reordered = dogs();
        reordered["Dog"]["indexes"] =
            json!([{"fields": ["name", "birthDate"], "unique": "true", "name": "byName"}]);
        let b = pg(reordered);
        assert_eq!(resolved(&a, POSTGRES), resolved(&b, POSTGRES));
    }
}
