//! What a namespace may hold that a package cannot express (SPEC §1b "out of scope", and what
//! Depot does not support yet): each one found is a warning, so nothing is dropped silently.

use tokio_postgres::Client;

use super::Warnings;

/// One catalog query per kind: the names it finds, and what to say about each.
const KINDS: &[(&str, &str)] = &[
    (
        "SELECT p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = $1 AND p.prokind IN ('f', 'a', 'w') ORDER BY 1",
        "function {}: functions are out of Depot's scope; not imported",
    ),
    (
        "SELECT p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = $1 AND p.prokind = 'p' ORDER BY 1",
        "procedure {}: procedures are out of Depot's scope; not imported",
    ),
    (
        "SELECT c.relname || '.' || t.tgname FROM pg_catalog.pg_trigger t \
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND NOT t.tgisinternal ORDER BY 1",
        "trigger {}: triggers are out of Depot's scope; not imported",
    ),
    (
        "SELECT c.relname || '.' || p.polname FROM pg_catalog.pg_policy p \
         JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 ORDER BY 1",
        "policy {}: row-level security is out of Depot's scope; not imported",
    ),
    (
        "SELECT c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relrowsecurity ORDER BY 1",
        "table {}: row-level security is enabled on it; Depot does not enable it",
    ),
    (
        "SELECT c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'p' ORDER BY 1",
        "table {}: partitioning is out of Depot's scope; imported as a plain table",
    ),
    (
        "SELECT c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'S' AND NOT EXISTS ( \
           SELECT 1 FROM pg_catalog.pg_depend d \
           WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid \
             AND d.deptype = 'i') ORDER BY 1",
        "sequence {}: it is not an identity column's; not imported (columns using it keep their default as SQL)",
    ),
    (
        "SELECT c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'f' ORDER BY 1",
        "foreign table {}: foreign tables are out of Depot's scope; not imported",
    ),
    (
        "SELECT c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relpersistence = 'u' ORDER BY 1",
        "table {}: it is UNLOGGED; a deploy of the package creates a logged table",
    ),
    (
        "SELECT c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND EXISTS ( \
           SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) ORDER BY 1",
        "table {}: it inherits from (or is a partition of) another table, which Depot cannot express; imported as a plain table",
    ),
    (
        "SELECT c.relname || '.' || a.attname FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
           AND NOT a.attisdropped AND a.attcollation <> t.typcollation ORDER BY 1",
        "column {}: its collation is not its type's default, which Depot cannot express; imported with the default collation",
    ),
    (
        "SELECT t.typname FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = $1 AND t.typtype = 'd' ORDER BY 1",
        "domain {}: domains are out of Depot's scope; not imported (columns of it are skipped)",
    ),
    (
        "SELECT t.typname FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         JOIN pg_catalog.pg_class c ON c.oid = t.typrelid \
         WHERE n.nspname = $1 AND t.typtype = 'c' AND c.relkind = 'c' ORDER BY 1",
        "composite type {}: Depot has no composite types; not imported",
    ),
];

/// Adds a warning for each object of the namespace that a package cannot express.
pub async fn warn_unsupported(
    client: &Client,
    namespace: &str,
    warnings: &mut Warnings,
) -> Result<(), tokio_postgres::Error> {
    for (query, message) in KINDS {
        for row in client.query(*query, &[&namespace]).await? {
            let name: String = row.get(0);
            warnings.push(message.replacen("{}", &name, 1));
        }
    }
    Ok(())
}
