//! Rules: the stable identifiers of [`crate::problem::Problem::rule`], one constant per rule,
//! so that tools, tests and documentation name them the same way.

// Shape of the JSON input.

/// REQUIRED: a required key is missing.
pub const REQUIRED: &str = "required";
/// UNKNOWN_KEY: a key the format does not define (the message lists the allowed keys).
pub const UNKNOWN_KEY: &str = "unknown-key";
/// WRONG_JSON_TYPE: a value of the wrong JSON type (an array where an object is expected, ...).
pub const WRONG_JSON_TYPE: &str = "wrong-json-type";
/// EMPTY_VALUE: a string or list that must not be empty is.
pub const EMPTY_VALUE: &str = "empty-value";
/// INVALID_VALUE: a value outside its allowed set or format (the message says which).
pub const INVALID_VALUE: &str = "invalid-value";
/// DUPLICATE_KEY: an object gives the same key twice (JSON readers disagree on which wins).
pub const DUPLICATE_KEY: &str = "duplicate-key";
/// NUL_CHARACTER: a string or key holds U+0000, which no engine can store or run.
pub const NUL_CHARACTER: &str = "nul-character";

// Package (SPEC §1).

/// INVALID_NAME: a schema, field, index, alias or previous name is not `[A-Za-z][A-Za-z0-9]*`.
pub const INVALID_NAME: &str = "invalid-name";
/// INVALID_KIND: a schema's `kind` is neither `object` nor `view`.
pub const INVALID_KIND: &str = "invalid-kind";
/// NO_FIELDS: an object has no field.
pub const NO_FIELDS: &str = "no-fields";
/// UNKNOWN_TYPE: a field's `type` is not one of the field types.
pub const UNKNOWN_TYPE: &str = "unknown-type";
/// INVALID_TYPE_PARAMETER: `maxLength`, `precision` or `scale` is wrong or on the wrong type.
pub const INVALID_TYPE_PARAMETER: &str = "invalid-type-parameter";
/// INVALID_DEFAULT: a `default` is not a literal of its field's type.
pub const INVALID_DEFAULT: &str = "invalid-default";
/// PREVIOUS_NAME_CONFLICT: a previous name equals the current name or another current name.
pub const PREVIOUS_NAME_CONFLICT: &str = "previous-name-conflict";
/// UNKNOWN_FIELD: a key, index, seed row or view names a field the object does not have.
pub const UNKNOWN_FIELD: &str = "unknown-field";
/// DUPLICATE_FIELD: a primary key or index lists a field twice.
pub const DUPLICATE_FIELD: &str = "duplicate-field";
/// NULLABLE_KEY: a primary-key field is nullable.
pub const NULLABLE_KEY: &str = "nullable-key";
/// DUPLICATE_INDEX: two indexes of an object share a name.
pub const DUPLICATE_INDEX: &str = "duplicate-index";
/// MISSING_QUERY: a view has neither `query` nor `queries`.
pub const MISSING_QUERY: &str = "missing-query";
/// UNKNOWN_ENGINE: a view's `queries` names an engine other than `postgres` or `snowflake`.
pub const UNKNOWN_ENGINE: &str = "unknown-engine";
/// UNKNOWN_SCHEMA: seeds or a view name a schema that does not exist.
pub const UNKNOWN_SCHEMA: &str = "unknown-schema";
/// SEED_NOT_OBJECT: seeds are given for a view.
pub const SEED_NOT_OBJECT: &str = "seed-not-object";
/// INVALID_SEED_VALUE: a seed value is not a literal of its field's type.
pub const INVALID_SEED_VALUE: &str = "invalid-seed-value";
/// SEED_WITHOUT_KEY: seeds are given for an object without a primary key (nothing to upsert on).
pub const SEED_WITHOUT_KEY: &str = "seed-without-key";
/// DUPLICATE_SEED_KEY: two seed rows of an object have the same primary key.
pub const DUPLICATE_SEED_KEY: &str = "duplicate-seed-key";
/// MISSING_SEED_VALUE: a seed row lacks a key field, or a required field without default.
pub const MISSING_SEED_VALUE: &str = "missing-seed-value";

// Package additions (SPEC §1b).

/// CONFLICTING_KEYS: two keys of a field that exclude each other (`default` with
/// `autoIncrement` or `computed`, `autoIncrement` with `computed` or `nullable`).
pub const CONFLICTING_KEYS: &str = "conflicting-keys";
/// INVALID_AUTO_INCREMENT: `autoIncrement` is not `true`/`"byDefault"`/`"always"`, or is on a
/// field that is not `integer` or `bigint`.
pub const INVALID_AUTO_INCREMENT: &str = "invalid-auto-increment";
/// INVALID_KEY_FIELD: a primary key names a computed or array field.
pub const INVALID_KEY_FIELD: &str = "invalid-key-field";
/// INVALID_FOREIGN_KEY: a foreign key's reference is not an object of the package, has another
/// number of fields, is not the target's primary key or unique index, or pairs fields of
/// different types.
pub const INVALID_FOREIGN_KEY: &str = "invalid-foreign-key";
/// INVALID_INDEX_OPTION: an index option that contradicts the rest of the index (`include`
/// naming a key field, a unique index with a method other than `btree`).
pub const INVALID_INDEX_OPTION: &str = "invalid-index-option";
/// DUPLICATE_CONSTRAINT: an index, foreign key or check shares its name with another one of
/// the same object.
pub const DUPLICATE_CONSTRAINT: &str = "duplicate-constraint";

// Dataset properties (SPEC §2).

/// PACKAGE_UNRESOLVED: the package is given by reference (`packageUri`, `packageFile`) and the
/// caller has not fetched it into `package`.
pub const PACKAGE_UNRESOLVED: &str = "package-unresolved";
/// SECRET_IN_PROPERTIES: a key that would hold a secret value; only `secretArn` is allowed.
pub const SECRET_IN_PROPERTIES: &str = "secret-in-properties";
/// UNKNOWN_HAZARD: `allowedHazards` names a hazard that does not exist.
pub const UNKNOWN_HAZARD: &str = "unknown-hazard";

// Resolution against an engine (names, identifiers, view SQL).

/// ENGINE_MISMATCH: the dataset's location is not of the dialect's engine.
pub const ENGINE_MISMATCH: &str = "engine-mismatch";
/// ENGINE_LIMIT: a value beyond what the engine can hold (string length, columns of a table).
pub const ENGINE_LIMIT: &str = "engine-limit";
/// RESERVED_NAMESPACE: a `schemaName` the engine or Depot keeps for itself.
pub const RESERVED_NAMESPACE: &str = "reserved-namespace";
/// VIEW_VOID_COLUMN: a view column whose type is `void` (PostgreSQL cannot create it).
pub const VIEW_VOID_COLUMN: &str = "view-void-column";
/// INVALID_BUCKET: `bootstrapBucket` is not an S3 bucket name.
pub const INVALID_BUCKET: &str = "invalid-bucket";
/// IDENTIFIER_TOO_LONG: a physical name is longer than the engine keeps.
pub const IDENTIFIER_TOO_LONG: &str = "identifier-too-long";
/// NAME_COLLISION: two logical names give the same physical name.
pub const NAME_COLLISION: &str = "name-collision";
/// VIEW_SQL_SYNTAX: a view query does not parse.
pub const VIEW_SQL_SYNTAX: &str = "view-sql-syntax";
/// VIEW_NOT_QUERY: a view's SQL is not exactly one query.
pub const VIEW_NOT_QUERY: &str = "view-not-query";
/// VIEW_SQL_UNSUPPORTED: a view uses SQL that Depot cannot rewrite safely.
pub const VIEW_SQL_UNSUPPORTED: &str = "view-sql-unsupported";
/// VIEW_SQL_UNSAFE: a view whose rewritten SQL cannot be printed so that the engine reads exactly
/// the query that was checked (it would not parse back to the same tree).
pub const VIEW_SQL_UNSAFE: &str = "view-sql-unsafe";
/// EXPRESSION_SQL_SYNTAX: an expression (check, computed column, index, default SQL) does not
/// parse as exactly one expression.
pub const EXPRESSION_SQL_SYNTAX: &str = "expression-sql-syntax";
/// EXPRESSION_SQL_UNSUPPORTED: an expression holds what one row of its object cannot evaluate
/// (a subquery, a table or schema name, an aggregate or window function, a parameter).
pub const EXPRESSION_SQL_UNSUPPORTED: &str = "expression-sql-unsupported";
/// EXPRESSION_SQL_UNSAFE: a rewritten expression cannot be printed so that the engine reads
/// exactly the expression that was checked.
pub const EXPRESSION_SQL_UNSAFE: &str = "expression-sql-unsafe";
/// UNKNOWN_DEPENDENCY: a view reads `Alias.Schema` with an alias the dataset does not declare.
pub const UNKNOWN_DEPENDENCY: &str = "unknown-dependency";
/// UNKNOWN_TABLE: a column is qualified by a name that is not in the query's FROM.
pub const UNKNOWN_TABLE: &str = "unknown-table";
/// AMBIGUOUS_FIELD: an unqualified column exists in more than one table of the FROM.
pub const AMBIGUOUS_FIELD: &str = "ambiguous-field";
/// VIEW_CYCLE: views read each other in a cycle.
pub const VIEW_CYCLE: &str = "view-cycle";
/// ENGINE_FEATURE: the package uses a feature (checks, computed fields, `autoIncrement:
/// "always"`, index options, arrays) that the dataset's engine cannot create.
pub const ENGINE_FEATURE: &str = "engine-feature";
/// MISSING_ENGINE_SQL: a `default.sql` has no entry for the dataset's engine.
pub const MISSING_ENGINE_SQL: &str = "missing-engine-sql";
/// EXPRESSION_READS: an expression reads what it may not: a default reads a field, a computed
/// field reads a computed field (or itself).
pub const EXPRESSION_READS: &str = "expression-reads";
