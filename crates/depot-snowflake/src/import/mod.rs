//! import: the package that describes an existing Snowflake schema (SPEC §9 `depot import`).
//!
//! The schema is read through [`crate::introspect`] and turned into a [`Package`] whose logical
//! names give back the physical ones under Snowflake's default naming strategy
//! (`UPPER_SNAKE_CASE`), with `sqlName` where they would not ([`depot_core::import`], shared
//! with PostgreSQL). What the model cannot express is a warning naming the object, never dropped
//! silently: Snowflake objects other than tables and views (streams, tasks, stages, pipes,
//! sequences, procedures, functions, masking and row access policies, dynamic tables, ...),
//! clustering keys, transient tables, other column types. Deploying the package into an empty
//! schema and importing again gives the same package.
//!
//! Snowflake creates no secondary index and no CHECK: a package's plain indexes and checks are
//! recorded by a deploy, not created, so import cannot find them again. Unique indexes are
//! UNIQUE constraints, and come back.

mod defaults;
mod types;
mod unsupported;

use std::collections::{BTreeMap, BTreeSet};

use depot_core::constraint::{Deferrable, ForeignKey, Reference, ReferentialAction};
use depot_core::identity::AutoIncrement;
use depot_core::import::names::{field_name_by, part_name, schema_name_by, Named};
use depot_core::import::rename::{Renames, SqlFlavor};
use depot_core::import::{generated_part, unique, Imported, Warnings};
use depot_core::naming::NamingStrategy;
use depot_core::package::{Field, Index, ObjectSchema, Package, Schema, ViewSchema};
use depot_core::FieldType;

use crate::client::SnowflakeClient;
use crate::introspect::{introspect, SchemaSnapshot, TableSnapshot};

/// Snowflake's default naming strategy, whose inverse gives the logical names.
const STRATEGY: NamingStrategy = NamingStrategy::UpperSnakeCase;

// The same error on both engines.
pub use depot_deploy::ImportError;

/// Reads `schema` and writes the package `name` at `version` that describes it. `emulated`:
/// the session is fakesnow's, whose constraint names are its own (not warned about).
pub async fn import_schema(
    client: &SnowflakeClient,
    emulated: bool,
    schema: &str,
    name: &str,
    version: &str,
) -> Result<Imported, ImportError> {
    let snapshot = introspect(client, schema).await?;
    if !snapshot.exists {
        return Err(ImportError::MissingSchema(schema.to_string()));
    }
    let mut warnings = Warnings::default();
    let package = package_of(&snapshot, schema, name, version, emulated, &mut warnings);
    unsupported::warn_unsupported(client, schema, &snapshot, &mut warnings).await?;
    Ok(Imported {
        package,
        warnings: warnings.0,
    })
}

/// The package of a snapshot (everything but the catalog reads of other object kinds).
pub fn package_of(
    snapshot: &SchemaSnapshot,
    schema: &str,
    name: &str,
    version: &str,
    emulated: bool,
    warnings: &mut Warnings,
) -> Package {
    // Logical names of tables and views first: foreign keys and views refer to them.
    let mut taken = BTreeSet::new();
    let mut schema_names: BTreeMap<String, Named> = BTreeMap::new();
    for physical in snapshot.tables.keys().chain(snapshot.views.keys()) {
        schema_names.insert(
            physical.clone(),
            unique(schema_name_by(STRATEGY, physical), physical, &mut taken),
        );
    }
    let logical_tables: BTreeMap<String, String> = schema_names
        .iter()
        .map(|(p, n)| (p.clone(), n.logical.clone()))
        .collect();
    let mut package = Package {
        name: name.to_string(),
        version: version.to_string(),
        description: snapshot.comment.clone(),
        // Snowflake has no enum types (an enum is a VARCHAR there): none to read back.
        enums: BTreeMap::new(),
        schemas: BTreeMap::new(),
        seeds: BTreeMap::new(),
    };
    let mut table_renames = BTreeMap::new();
    let mut objects = BTreeMap::new();
    for (physical, table) in &snapshot.tables {
        let (object, renames) = object_schema(physical, table, schema, emulated, warnings);
        table_renames.insert(physical.clone(), renames);
        objects.insert(physical.clone(), object);
    }
    for (physical, mut object) in objects {
        object.foreign_keys = foreign_keys(
            physical.as_str(),
            &snapshot.tables[&physical],
            schema,
            &table_renames,
            &logical_tables,
            warnings,
        );
        let named = &schema_names[&physical];
        object.sql_name = named.sql_name.clone();
        package
            .schemas
            .insert(named.logical.clone(), Schema::Object(object));
    }

    let mut global = renames_for(schema);
    global.relations = logical_tables;
    for renames in table_renames.values() {
        global.columns.extend(renames.columns.clone());
        global.skipped.extend(renames.skipped.clone());
    }
    for column in &snapshot.view_columns {
        let logical = field_name_by(STRATEGY, column).logical;
        global.columns.entry(column.clone()).or_insert(logical);
    }
    for (physical, view) in &snapshot.views {
        let named = &schema_names[physical];
        match global.query(&view.definition) {
            Ok((query, outside)) => {
                if !outside.is_empty() {
                    warnings.push(format!(
                        "view {physical} reads {}, outside the imported schema: the package \
                         needs a dependency dataset for it (`Alias.Schema`), else it does not \
                         deploy",
                        outside.join(", ")
                    ));
                }
                package.schemas.insert(
                    named.logical.clone(),
                    Schema::View(ViewSchema {
                        description: view.comment.clone(),
                        query: Some(query),
                        queries: Default::default(),
                        previous_names: Vec::new(),
                        sql_name: named.sql_name.clone(),
                        indexes: Vec::new(),
                    }),
                );
            }
            Err(e) => warnings.push(format!("view {physical}: {e}; not imported")),
        }
    }
    package
}

/// Renames of Snowflake SQL read in `schema`.
fn renames_for(schema: &str) -> Renames {
    Renames {
        flavor: SqlFlavor::WrittenText,
        parser: Some(|| Box::new(sqlparser::dialect::SnowflakeDialect {})),
        namespace: Some(schema.to_string()),
        reserved: Some(crate::keywords::is_keyword),
        ..Renames::default()
    }
}

/// The object schema of one table (foreign keys are added by the caller) and the renames of
/// its columns.
fn object_schema(
    table: &str,
    snapshot: &TableSnapshot,
    schema: &str,
    emulated: bool,
    warnings: &mut Warnings,
) -> (ObjectSchema, Renames) {
    let mut taken = BTreeSet::new();
    let mut renames = renames_for(schema);
    let mut named_columns = Vec::new();
    for physical in &snapshot.column_order {
        let named = unique(field_name_by(STRATEGY, physical), physical, &mut taken);
        renames
            .columns
            .insert(physical.clone(), named.logical.clone());
        named_columns.push((physical, named));
    }
    let mut fields = BTreeMap::new();
    for (physical, named) in named_columns {
        let column = &snapshot.columns[physical];
        let what = format!("column {table}.{physical}");
        let field_type = match types::field_type(&column.data_type) {
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
        if field_type == FieldType::Uuid {
            warnings.push(format!(
                "{what} is VARCHAR(36): imported as uuid (how Depot writes uuid on Snowflake); \
                 change it to a string with maxLength 36 if it holds other text"
            ));
        }
        if matches!(field_type, FieldType::Array { .. }) {
            warnings.push(format!(
                "{what} is an ARRAY, whose items Snowflake does not type: imported as an array \
                 of json"
            ));
        }
        if column.identity && !matches!(field_type, FieldType::Integer | FieldType::Bigint) {
            warnings.push(format!(
                "{what} is AUTOINCREMENT but not integer or bigint, which Depot cannot express; \
                 imported without autoIncrement"
            ));
        }
        let default = match column.default.as_deref() {
            None => None,
            Some(sql) => match defaults::field_default(sql, &field_type, &renames) {
                Ok(d) => Some(d),
                Err(e) => {
                    warnings.push(format!("{what}: its default {e}; the default is left out"));
                    None
                }
            },
        };
        let auto_increment = (column.identity
            && matches!(field_type, FieldType::Integer | FieldType::Bigint))
        .then_some(AutoIncrement::ByDefault);
        fields.insert(
            named.logical,
            Field {
                field_type,
                nullable: column.nullable,
                default,
                auto_increment,
                computed: None,
                description: column.comment.clone(),
                previous_names: Vec::new(),
                sql_name: named.sql_name,
            },
        );
    }
    let key_fields = |what: &str, columns: &[String], warnings: &mut Warnings| {
        let fields = columns
            .iter()
            .map(|c| renames.columns.get(c).cloned())
            .collect::<Option<Vec<String>>>();
        if fields.is_none() {
            warnings.push(format!("{what}: it has a skipped column; left out"));
        }
        fields
    };
    let primary_key = match &snapshot.primary_key {
        None => Vec::new(),
        Some(key) => {
            let expected = STRATEGY.apply(&format!("{table}_pkey"));
            if key.name != expected && !emulated {
                warnings.push(format!(
                    "primary key {table}.{}: a deploy names it {expected}",
                    key.name
                ));
            }
            key_fields(
                &format!("primary key {table}.{}", key.name),
                &key.columns,
                warnings,
            )
            .unwrap_or_default()
        }
    };
    let mut indexes = Vec::new();
    for (physical, key) in &snapshot.unique_keys {
        let what = format!("unique constraint {table}.{physical}");
        let Some(fields) = key_fields(&what, &key.columns, warnings) else {
            continue;
        };
        let name = generated_part(table, physical, "idx").unwrap_or_else(|| {
            let name = part_name(physical);
            if !emulated {
                warnings.push(format!(
                    "{what} does not follow Depot's `{table}_<NAME>_IDX` pattern: imported as \
                     the unique index `{name}`, which a deploy names `{}`",
                    STRATEGY.apply(&format!("{table}_{name}_idx"))
                ));
            }
            name
        });
        indexes.push(Index {
            name,
            fields: fields
                .into_iter()
                .map(depot_core::index_options::IndexField::Name)
                .collect(),
            unique: true,
            where_clause: None,
            include: Vec::new(),
            method: None,
            description: key.comment.clone(),
            nulls_distinct: None,
            deferrable: None,
        });
    }
    let object = ObjectSchema {
        description: snapshot.comment.clone(),
        fields: fields.into_iter().collect(),
        primary_key,
        indexes,
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        previous_names: Vec::new(),
        sql_name: None,
    };
    (object, renames)
}

/// The foreign keys of `table` that reference tables of the schema.
fn foreign_keys(
    table: &str,
    snapshot: &TableSnapshot,
    schema: &str,
    tables: &BTreeMap<String, Renames>,
    logical_tables: &BTreeMap<String, String>,
    warnings: &mut Warnings,
) -> Vec<ForeignKey> {
    let mut out = Vec::new();
    let renames = &tables[table];
    for (physical, key) in &snapshot.foreign_keys {
        let what = format!("foreign key {table}.{physical}");
        let target = &key.references_table;
        let (Some(target_schema), Some(target_renames), true) = (
            logical_tables.get(target),
            tables.get(target),
            key.references_schema == schema,
        ) else {
            warnings.push(format!(
                "{what} references {}.{target}, outside the imported schema: add it as \
                 `Alias.Schema` of a dependency dataset; skipped",
                key.references_schema
            ));
            continue;
        };
        let logical = |r: &Renames, columns: &[String]| -> Option<Vec<String>> {
            columns.iter().map(|c| r.columns.get(c).cloned()).collect()
        };
        let (Some(fields), Some(target_fields)) = (
            logical(renames, &key.columns),
            logical(target_renames, &key.references_columns),
        ) else {
            warnings.push(format!("{what} has a skipped column; skipped"));
            continue;
        };
        let (Some(on_delete), Some(on_update)) = (action(&key.on_delete), action(&key.on_update))
        else {
            warnings.push(format!(
                "{what} has a referential action Depot does not read; skipped"
            ));
            continue;
        };
        let name = generated_part(table, physical, "fkey").unwrap_or_else(|| {
            let name = part_name(physical);
            warnings.push(format!(
                "{what} does not follow Depot's `{table}_<NAME>_FKEY` pattern: imported as \
                 `{name}`, which a deploy names `{}`",
                STRATEGY.apply(&format!("{table}_{name}_fkey"))
            ));
            name
        });
        out.push(ForeignKey {
            name,
            fields,
            references: Reference {
                schema: target_schema.clone(),
                fields: target_fields,
            },
            on_delete,
            on_update,
            deferrable: deferrable(&key.deferrability),
            description: key.comment.clone(),
        });
    }
    out
}

/// A referential action as SHOW IMPORTED KEYS prints it.
fn action(sql: &str) -> Option<ReferentialAction> {
    Some(match sql.to_ascii_uppercase().as_str() {
        "NO ACTION" => ReferentialAction::NoAction,
        "RESTRICT" => ReferentialAction::Restrict,
        "CASCADE" => ReferentialAction::Cascade,
        "SET NULL" => ReferentialAction::SetNull,
        "SET DEFAULT" => ReferentialAction::SetDefault,
        _ => return None,
    })
}

/// The deferrability SHOW IMPORTED KEYS prints (`NOT DEFERRABLE`, `INITIALLY IMMEDIATE`,
/// `INITIALLY DEFERRED`).
fn deferrable(sql: &str) -> Option<Deferrable> {
    let upper = sql.to_ascii_uppercase();
    if upper.contains("NOT DEFERRABLE") {
        None
    } else if upper.contains("IMMEDIATE") {
        Some(Deferrable::InitiallyImmediate)
    } else if upper.contains("DEFERRED") {
        Some(Deferrable::InitiallyDeferred)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
