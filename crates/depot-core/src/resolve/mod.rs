//! Resolution: a package + dataset configuration + engine dialect -> [`PhysicalModel`].
//!
//! - Physical names: `sqlName`, else the naming strategy applied to the logical name (objects,
//!   views, fields). Generated names: primary key `<table>_pkey`, index
//!   `<table>_<index>_idx`, check `<table>_<check>_check`, foreign key `<table>_<key>_fkey` (the suffixes follow the strategy's case), shortened by
//!   [`generated_name`] when too long. A user-facing name that is too long is a problem: the
//!   engine would silently truncate it.
//! - Collisions: two fields of an object, or two relations of the namespace (tables, views,
//!   indexes and primary keys share one namespace in PostgreSQL), with one physical name.
//! - Expressions (default SQL, computed fields, checks, partial-index predicates): parsed and
//!   rewritten to physical names by [`rewrite_expression`] over the object's own columns.
//! - Features an engine cannot create ([`Feature`]) are problems with the engine's reason.
//!   Checks on an engine without CHECK, when the dataset ignores unenforced checks, stay in the
//!   model (so that the plan records them and a later engine or version sees them); the engine
//!   renders their [`crate::change::Change::AddCheck`] as a note.
//! - Views: parsed and rewritten by [`crate::view`], views read by other views first; a
//!   cycle of views is a problem.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use crate::column_default::{ColumnDefault, FieldDefault};
use crate::constraint::{PhysicalCheck, PhysicalForeignKey};
use crate::dataset::{Dataset, Location};
use crate::dialect::Dialect;
use crate::dialect::Feature;
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
use crate::view::expression::{rewrite_expression, ExpressionScope};
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
        check: naming.apply("check"),
        fkey: naming.apply("fkey"),
        checks_ignored: dataset.config.ignore_unenforced_checks,
        problems: Vec::new(),
        relations: HashMap::with_capacity(dataset.package.schemas.len() * 3),
        enum_types: BTreeMap::new(),
        namespace: dataset.config.schema_name.clone(),
        native_enums: dialect.native_enums(),
        deferred_claims: None,
    };
    r.check_engine(&dataset.config.location);
    let namespace = dataset.config.schema_name.clone();
    r.check_namespace(&namespace);
    r.check_length(
        &namespace,
        || "the namespace (`schemaName`)".to_string(),
        || Loc::Root("schemaName").at(),
    );

    // Enums first: columns and expressions name their types.
    let enums = r.enums(&dataset.package.enums);
    let mut objects = r.objects(dataset.package.objects().collect());
    // Foreign keys once every object's physical names are known: they name other objects.
    for (name, object) in dataset.package.objects() {
        if object.foreign_keys.is_empty() {
            continue;
        }
        let keys = r.foreign_keys(
            name,
            object,
            &objects,
            &namespace,
            &dataset.config.dependencies,
            dependencies,
        );
        if let Some(o) = objects.get_mut(name) {
            o.foreign_keys = keys;
        }
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
            enums,
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
    /// An enum (`package.enums.<name>`).
    Enum(&'p str),
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
            Loc::Enum(name) => At::root().key("package").key("enums").key(name),
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
    Enum(&'p str),
}

impl std::fmt::Display for Holder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Object(name) => write!(f, "object `{name}`"),
            Holder::PrimaryKey(name) => write!(f, "the primary key of `{name}`"),
            Holder::Index(index, name) => write!(f, "index `{index}` of `{name}`"),
            Holder::View(name) => write!(f, "view `{name}`"),
            // PostgreSQL: a table's row type shares the namespace of types with enums.
            Holder::Enum(name) => write!(f, "enum `{name}`"),
        }
    }
}

struct Resolver<'d, 'p> {
    dialect: &'d dyn Dialect,
    naming: NamingStrategy,
    /// The strategy's forms of the suffixes of generated names.
    pkey: String,
    idx: String,
    check: String,
    fkey: String,
    /// `"unenforcedChecks": "ignore"`: an engine without CHECK records checks instead of
    /// refusing them.
    checks_ignored: bool,
    problems: Vec<Problem>,
    /// Physical relation name -> what claimed it.
    relations: HashMap<String, Holder<'p>>,
    /// Logical enum name -> physical type name.
    enum_types: BTreeMap<String, String>,
    /// The dataset's namespace (enum types live in it).
    namespace: String,
    /// The engine has enum types (else enum fields are strings).
    native_enums: bool,
    /// Set on a resolver of one object among many (see `objects.rs`): the relation names it
    /// claims, kept to be claimed in the namespace once every object is resolved.
    deferred_claims: Option<Vec<DeferredClaim<'p>>>,
}

/// A relation name claimed by an object resolved on its own, and how many problems its resolver
/// had then (so that a collision is reported where it would have been).
struct DeferredClaim<'p> {
    physical: String,
    what: Holder<'p>,
    loc: Loc<'p>,
    problems_before: usize,
}

mod columns;
mod constraints;
mod enums;
mod index_expressions;
mod indexes;
mod limits;
mod materialized;
mod names;
mod objects;
mod positions;
mod salvaged;
mod views;

pub use positions::place_in_input;
pub use salvaged::resolve_salvage;

#[cfg(test)]
mod index_expression_tests;
#[cfg(test)]
mod materialized_tests;
#[cfg(test)]
mod naming_tests;
#[cfg(test)]
mod schema_keys_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
