//! import: the package that describes an existing PostgreSQL schema (SPEC §9 `depot import`).
//!
//! The namespace is read through [`crate::introspect`] and a few catalog queries of its own
//! (index keys, constraint details, objects a package cannot express), and turned into a
//! [`Package`] whose logical names give back the physical ones under the default naming
//! strategy (`snake_case`), with `sqlName` where they would not. What the model cannot express
//! is a warning naming the object, never dropped silently: deploying the package into an empty
//! location and importing again gives the same package.

mod constraints;
mod defaults;
mod indexes;
mod names;
mod rename;
mod types;
mod unsupported;
mod views;

use std::collections::{BTreeMap, BTreeSet};

use depot_core::identity::AutoIncrement;
use depot_core::package::{EnumType, Field, ObjectSchema, Package, Schema};
use depot_core::FieldType;
use tokio_postgres::Client;

use crate::introspect::{introspect, TableSnapshot};
use crate::pg_error;
use depot_core::import::unique;
use names::{field_name, schema_name, Named};
use rename::Renames;

// Shared with Snowflake's import.
pub use depot_core::import::{Imported, Warnings};

// The same error on both engines.
pub use depot_deploy::ImportError;

/// Reads `namespace` and writes the package `name` at `version` that describes it.
pub async fn import_schema(
    client: &Client,
    namespace: &str,
    name: &str,
    version: &str,
) -> Result<Imported, ImportError> {
    let snapshot = introspect(client, namespace).await?;
    if !snapshot.exists {
        return Err(ImportError::MissingSchema(namespace.to_string()));
    }
    let mut warnings = Warnings::default();
    let read_error = |e: tokio_postgres::Error| {
        pg_error::location_error(&format!("importing schema {namespace}"), &e)
    };

    // Logical names of tables and views first: foreign keys and views refer to them.
    let mut taken = BTreeSet::new();
    let mut schema_names: BTreeMap<String, Named> = BTreeMap::new();
    let relations = snapshot.tables.keys().chain(snapshot.views.keys());
    for physical in relations {
        schema_names.insert(
            physical.clone(),
            unique(schema_name(physical), physical, &mut taken),
        );
    }

    // Enum types: logical names from the physical ones, like tables'.
    let mut enum_taken = BTreeSet::new();
    let mut enum_names: BTreeMap<String, String> = BTreeMap::new();
    let mut enums = BTreeMap::new();
    for (physical, values) in &snapshot.enums {
        let named = unique(schema_name(physical), physical, &mut enum_taken);
        enum_names.insert(physical.clone(), named.logical.clone());
        enums.insert(
            named.logical,
            EnumType {
                values: values.clone(),
                description: None,
                previous_names: Vec::new(),
                sql_name: named.sql_name,
            },
        );
    }
    let mut package = Package {
        name: name.to_string(),
        version: version.to_string(),
        description: snapshot.comment.clone(),
        enums,
        schemas: BTreeMap::new(),
        seeds: BTreeMap::new(),
    };
    let mut table_renames = BTreeMap::new();
    let mut objects = BTreeMap::new();
    for (physical, table) in &snapshot.tables {
        let (object, renames) = object_schema(physical, table, &enum_names, &mut warnings);
        table_renames.insert(physical.clone(), renames);
        objects.insert(physical.clone(), object);
    }
    let logical_tables: BTreeMap<String, String> = schema_names
        .iter()
        .map(|(p, n)| (p.clone(), n.logical.clone()))
        .collect();
    let mut indexes = indexes::read_indexes(client, namespace, &table_renames, &mut warnings)
        .await
        .map_err(read_error)?;
    let mut constraints = constraints::read_constraints(
        client,
        namespace,
        &table_renames,
        &logical_tables,
        &mut warnings,
    )
    .await
    .map_err(read_error)?;
    for (physical, mut object) in objects {
        object.indexes = indexes.remove(&physical).unwrap_or_default();
        if let Some(c) = constraints.remove(&physical) {
            object.checks = c.checks;
            object.foreign_keys = c.foreign_keys;
        }
        let named = &schema_names[&physical];
        object.sql_name = named.sql_name.clone();
        package
            .schemas
            .insert(named.logical.clone(), Schema::Object(object));
    }

    let view_columns = views::view_columns(client, namespace)
        .await
        .map_err(read_error)?;
    let mut global = Renames {
        relations: logical_tables,
        columns: BTreeMap::new(),
        skipped: BTreeSet::new(),
        ..postgres_renames()
    };
    for renames in table_renames.values() {
        global.columns.extend(renames.columns.clone());
    }
    for column in view_columns {
        let logical = field_name(&column).logical;
        global.columns.entry(column).or_insert(logical);
    }
    // A materialized view's indexes name its columns by their logical names.
    let materialized: BTreeMap<String, Renames> = snapshot
        .views
        .iter()
        .filter(|(_, v)| v.materialized)
        .map(|(physical, _)| (physical.clone(), global.clone()))
        .collect();
    let mut view_indexes = if materialized.is_empty() {
        BTreeMap::new()
    } else {
        indexes::read_indexes(client, namespace, &materialized, &mut warnings)
            .await
            .map_err(read_error)?
    };
    for (physical, view) in &snapshot.views {
        let named = &schema_names[physical];
        if let Some(mut schema) = views::view_schema(physical, view, named, &global, &mut warnings)
        {
            let schema = if view.materialized {
                schema.indexes = view_indexes.remove(physical).unwrap_or_default();
                Schema::MaterializedView(schema)
            } else {
                Schema::View(schema)
            };
            package.schemas.insert(named.logical.clone(), schema);
        }
    }
    unsupported::warn_unsupported(client, namespace, &mut warnings)
        .await
        .map_err(read_error)?;
    Ok(Imported {
        package,
        warnings: warnings.0,
    })
}

/// The object schema of one table (indexes and constraints are added by the caller) and the
/// renames of its columns.
/// Renames of SQL PostgreSQL's catalog printed: names as stored, parsed as PostgreSQL.
pub(crate) fn postgres_renames() -> Renames {
    Renames {
        parser: Some(|| Box::new(sqlparser::dialect::PostgreSqlDialect {})),
        ..Renames::default()
    }
}

fn object_schema(
    table: &str,
    snapshot: &TableSnapshot,
    enum_names: &BTreeMap<String, String>,
    warnings: &mut Warnings,
) -> (ObjectSchema, Renames) {
    let mut taken = BTreeSet::new();
    let mut renames = postgres_renames();
    let mut named_columns = Vec::new();
    for physical in snapshot.columns.keys() {
        let named = unique(field_name(physical), physical, &mut taken);
        renames
            .columns
            .insert(physical.clone(), named.logical.clone());
        named_columns.push((physical, named));
    }
    let mut fields = BTreeMap::new();
    for (physical, named) in named_columns {
        let column = &snapshot.columns[physical];
        let what = format!("column {table}.{physical}");
        // A type of the namespace's enums (`format_type` names it unqualified: introspection
        // sets the search_path to the namespace).
        let enum_type = enum_names
            .get(column.data_type.trim_matches('"'))
            .map(|logical| FieldType::Enum {
                name: logical.clone(),
                namespace: None,
            });
        let field_type = match enum_type.map_or_else(|| types::field_type(&column.data_type), Ok) {
            Ok(t) => t,
            Err(reason) => {
                warnings.push(format!(
                    "{what} of type {}: {reason}; the column is skipped",
                    column.data_type
                ));
                renames.columns.remove(physical);
                renames.skipped.insert(physical.clone());
                continue;
            }
        };
        let serial = column.identity.is_none()
            && matches!(field_type, FieldType::Integer | FieldType::Bigint)
            && column
                .default
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval("));
        if serial {
            // The sequence is not imported: the closest a package says is an identity.
            warnings.push(format!(
                "{what} takes its default from a sequence ({}); imported as autoIncrement (an \
                 identity column)",
                column.default.as_deref().unwrap_or_default()
            ));
        }
        let default = match column.default.as_deref() {
            None => None,
            Some(_) if serial => None,
            Some(sql) => match defaults::field_default(sql, &field_type, &renames) {
                Ok(d) => Some(d),
                Err(e) => {
                    warnings.push(format!("{what}: its default {e}; the default is left out"));
                    None
                }
            },
        };
        let computed = match column.generated.as_deref() {
            None => None,
            Some(sql) => match renames.expression(sql) {
                Ok(e) => Some(e),
                Err(e) => {
                    warnings.push(format!(
                        "{what}: its generated expression {e}; imported as a plain column"
                    ));
                    None
                }
            },
        };
        let auto_increment = match column.identity.as_deref() {
            Some("always") => Some(AutoIncrement::Always),
            Some(_) => Some(AutoIncrement::ByDefault),
            None if serial => Some(AutoIncrement::ByDefault),
            None => None,
        };
        fields.insert(
            named.logical,
            Field {
                field_type,
                nullable: column.nullable,
                default,
                auto_increment,
                computed,
                description: column.comment.clone(),
                previous_names: Vec::new(),
                sql_name: named.sql_name,
            },
        );
    }
    let primary_key = match &snapshot.primary_key {
        None => Vec::new(),
        Some(key) => {
            if key.name != format!("{table}_pkey") {
                warnings.push(format!(
                    "primary key {table}.{}: a deploy names it {table}_pkey",
                    key.name
                ));
            }
            match key
                .columns
                .iter()
                .map(|c| renames.columns.get(c).cloned())
                .collect::<Option<Vec<String>>>()
            {
                Some(fields) => fields,
                None => {
                    warnings.push(format!(
                        "primary key {table}.{}: it has a skipped column; left out",
                        key.name
                    ));
                    Vec::new()
                }
            }
        }
    };
    let object = ObjectSchema {
        description: snapshot.comment.clone(),
        fields: fields.into_iter().collect(),
        primary_key,
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        previous_names: Vec::new(),
        sql_name: None,
    };
    (object, renames)
}
