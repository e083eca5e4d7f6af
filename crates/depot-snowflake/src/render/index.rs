//! Indexes on Snowflake, which has no secondary indexes: a unique index of columns is declared
//! as an informational UNIQUE constraint, any other index is a note listing its keys and options.

use depot_core::change::Name;
use depot_core::constraint::Deferrable;
use depot_core::dialect::{RenderError, StepDraft};
use depot_core::index_options::{NullsOrder, SortOrder};
use depot_core::phase;
use depot_core::physical::{IndexKey, PhysicalIndex, PhysicalObject};

use super::Renderer;

/// The options of an index Snowflake does not create, as the note records them: expression
/// keys, per-key order and nulls, `where`, `include`, method, `nullsDistinct` and `deferrable`
/// (Snowflake neither enforces a unique constraint nor defers one). Empty when it has none.
fn index_options(index: &PhysicalIndex) -> String {
    let mut parts = Vec::new();
    for (i, key) in index.keys().enumerate() {
        if let IndexKey::Expression(sql) = key {
            parts.push(format!("key {} the expression ({sql})", i + 1));
        }
    }
    for (column, sort) in index.columns.iter().zip(&index.sort) {
        let mut key = String::new();
        if let Some(order) = sort.order {
            key.push_str(match order {
                SortOrder::Asc => " ASC",
                SortOrder::Desc => " DESC",
            });
        }
        if let Some(nulls) = sort.nulls {
            key.push_str(match nulls {
                NullsOrder::First => " NULLS FIRST",
                NullsOrder::Last => " NULLS LAST",
            });
        }
        if !key.is_empty() {
            let column = if column.is_empty() {
                "the expression"
            } else {
                column
            };
            parts.push(format!("{column}{key}"));
        }
    }
    if index.nulls_distinct == Some(false) {
        parts.push("nulls not distinct".to_string());
    }
    match index.deferrable {
        Some(Deferrable::InitiallyImmediate) => {
            parts.push("deferrable initially immediate".to_string());
        }
        Some(Deferrable::InitiallyDeferred) => {
            parts.push("deferrable initially deferred".to_string());
        }
        None => {}
    }
    if let Some(method) = index.method {
        parts.push(format!("method {}", method.name()));
    }
    if !index.include.is_empty() {
        parts.push(format!("include {}", index.include.join(", ")));
    }
    if let Some(predicate) = &index.where_sql {
        parts.push(format!("where {predicate}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" with {}", parts.join("; "))
    }
}

/// Whether `index` is declared on Snowflake, as a UNIQUE constraint (informational): a unique
/// index of columns. A unique index with an expression key has no constraint form there and is
/// a note, as a plain index is.
pub(super) fn declared_unique(index: &PhysicalIndex) -> bool {
    index.unique && !index.has_expression()
}

impl Renderer<'_> {
    /// The keys of `index` as a note lists them: quoted columns, `(expression)`s.
    fn key_list(&self, index: &PhysicalIndex) -> Result<String, RenderError> {
        let mut keys = Vec::with_capacity(index.columns.len());
        for key in index.keys() {
            keys.push(match key {
                IndexKey::Column(c) => self.id(c)?,
                IndexKey::Expression(sql) => format!("({sql})"),
            });
        }
        Ok(keys.join(", "))
    }

    /// The step of an index on an existing table: a unique one is declared as a constraint, a
    /// plain one is a note.
    pub(super) fn index(
        &self,
        object: &Name,
        index: &PhysicalIndex,
    ) -> Result<StepDraft, RenderError> {
        if declared_unique(index) {
            Ok(self.step(
                phase::BUILD_INDEXES,
                format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                    self.table(&object.physical)?,
                    self.id(&index.physical)?,
                    self.column_list(&index.columns)?
                ),
                format!(
                    "declare {}.{} as the unique constraint {}: informational, Snowflake does \
                     not enforce it (skipped when it exists){}",
                    object.logical,
                    index.logical,
                    index.physical,
                    match index_options(index) {
                        options if options.is_empty() => String::new(),
                        options =>
                            format!("; its options ({}) are recorded only", options.trim_start()),
                    }
                ),
            ))
        } else {
            let as_object = PhysicalObject {
                logical: object.logical.clone(),
                physical: object.physical.clone(),
                previous_names: Vec::new(),
                columns: Vec::new(),
                primary_key: None,
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                comment: None,
            };
            self.index_note(phase::BUILD_INDEXES, &as_object, index)
        }
    }

    pub(super) fn index_note(
        &self,
        phase: u32,
        object: &PhysicalObject,
        index: &PhysicalIndex,
    ) -> Result<StepDraft, RenderError> {
        Ok(self.note(
            phase,
            format!(
                "index {} on {} ({}){} is not created: Snowflake standard tables have no \
                 secondary indexes",
                index.physical,
                self.table(&object.physical)?,
                self.key_list(index)?,
                index_options(index)
            ),
            format!(
                "not built: {}.{} has no Snowflake equivalent on a standard table; it stays in \
                 the package and the plan metadata (use a clustering key or search optimization \
                 for large tables)",
                object.logical, index.logical
            ),
        ))
    }
}
