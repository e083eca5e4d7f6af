//! Phase numbers: the fixed order in which a plan's steps run (SPEC §5). Numbers are multiples
//! of 100 so that a plan transformer can insert its own phases between Depot's.

/// Create the dataset's namespace.
pub const PREPARE: u32 = 100;
/// Drop views that will be recreated (their definition or something they read changes).
pub const DROP_VIEWS: u32 = 200;
/// Create new tables, with their keys and indexes (empty tables: nothing to wait for).
pub const CREATE_OBJECTS: u32 = 300;
/// Rename tables, columns, indexes and keys.
pub const RENAME: u32 = 400;
/// Loosen rules: drop NOT NULL, defaults, keys and indexes that the new version no longer has.
pub const RELAX: u32 = 500;
/// Add columns, change types, set defaults.
pub const ALTER_COLUMNS: u32 = 600;
/// Build indexes on existing tables (CONCURRENTLY on PostgreSQL: outside a transaction).
pub const BUILD_INDEXES: u32 = 700;
/// Add new rules as NOT VALID, so that adding them takes only a brief lock.
pub const ADD_CONSTRAINTS: u32 = 800;
/// Validate those rules against existing rows without blocking writes.
pub const VALIDATE: u32 = 900;
/// Enforce validated rules: SET NOT NULL, attach primary keys.
pub const ENFORCE: u32 = 1000;
/// Create (or recreate) views, in dependency order.
pub const CREATE_VIEWS: u32 = 1100;
/// Drop what the new version no longer has: columns and tables (DELETES_DATA). Last, because it
/// is the only phase that cannot be undone: a failure in any phase before it is undone whole
/// (see [`crate::undo`]).
pub const CONTRACT: u32 = 1200;

/// The name of a Depot phase number, or `custom` for a number Depot does not use.
pub fn name(number: u32) -> &'static str {
    match number {
        PREPARE => "prepare",
        DROP_VIEWS => "drop-views",
        CREATE_OBJECTS => "create-objects",
        RENAME => "rename",
        RELAX => "relax",
        ALTER_COLUMNS => "alter-columns",
        BUILD_INDEXES => "build-indexes",
        ADD_CONSTRAINTS => "add-constraints",
        VALIDATE => "validate-constraints",
        ENFORCE => "enforce-constraints",
        CREATE_VIEWS => "create-views",
        CONTRACT => "contract",
        _ => "custom",
    }
}

/// The largest phase number a plan may hold.
pub const MAX: u32 = 9900;
