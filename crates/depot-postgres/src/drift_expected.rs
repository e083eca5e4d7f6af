//! The expected catalog of a namespace, from the model its deployed version describes: types as
//! `format_type` prints them, an index's method, keys and options, and the NOT NULL checks a
//! stopped run may leave.

use depot_core::catalog::{
    Catalog, Column, Constraint, ConstraintKind, EnumType, Index, IndexKey, PrimaryKey, Table,
    View, Wording,
};
use depot_core::field_type::FieldType;
use depot_core::identity::AutoIncrement;
use depot_core::index_options::IndexMethod;
use depot_core::physical::{self, PhysicalIndex, PhysicalModel, PhysicalObject, PhysicalView};

use crate::render::not_null_check_name;

/// PostgreSQL's words in drift lines. A view and a materialized view share names, so a view of
/// the other kind is one line.
pub(crate) const WORDING: Wording = Wording {
    namespace: "namespace",
    materialized_view: "view",
    one_line_kind_change: true,
    no_identity: "not an identity",
};

/// The catalog `expected` describes.
pub(crate) fn expected_catalog(expected: &PhysicalModel) -> Catalog {
    let (materialized, plain): (Vec<_>, Vec<_>) =
        expected.views.values().partition(|v| v.materialized);
    Catalog {
        namespace: expected.namespace.clone(),
        wording: WORDING,
        exists: true,
        comment: expected.comment.clone(),
        tables: expected
            .objects
            .values()
            .map(|o| (o.physical.clone(), expected_table(o)))
            .collect(),
        views: plain.into_iter().map(expected_view).collect(),
        materialized_views: materialized.into_iter().map(expected_view).collect(),
        enums: expected
            .enums
            .values()
            .map(|e| {
                let values = e.values.clone();
                let logical = e.logical.clone();
                (e.physical.clone(), EnumType { logical, values })
            })
            .collect(),
    }
}

fn expected_table(object: &PhysicalObject) -> Table {
    let columns = object
        .columns
        .iter()
        .map(|c| Column {
            name: c.physical.clone(),
            logical: c.logical.clone(),
            data_type: catalog_type(&c.field_type),
            also_read_as: Vec::new(),
            nullable: c.nullable,
            comment: c.comment.clone(),
            identity: c.identity.map(|i| {
                let how = match i {
                    AutoIncrement::ByDefault => "by default",
                    AutoIncrement::Always => "always",
                };
                format!("generated {how} as identity")
            }),
            generated: c.computed.is_some(),
        })
        .collect();
    let checks = object.checks.iter().map(|c| {
        let check = Constraint {
            logical: c.logical.clone(),
            kind: ConstraintKind::Check,
            comment: c.comment.clone(),
            shape: None,
            deferrable: None,
        };
        (c.physical.clone(), check)
    });
    let foreign_keys = object.foreign_keys.iter().map(|k| {
        let key = Constraint {
            logical: k.logical.clone(),
            kind: ConstraintKind::ForeignKey,
            comment: k.comment.clone(),
            shape: None,
            deferrable: k.deferrable,
        };
        (k.physical.clone(), key)
    });
    Table {
        logical: object.logical.clone(),
        columns,
        comment: object.comment.clone(),
        primary_key: object.primary_key.as_ref().map(PrimaryKey::expected),
        unique_keys: Default::default(),
        indexes: expected_indexes(&object.indexes),
        constraints: checks.chain(foreign_keys).collect(),
        // A NOT NULL check outlives its plan only when a run stopped before dropping it.
        leftovers: object
            .columns
            .iter()
            .map(|c| not_null_check_name(&object.physical, &c.physical))
            .collect(),
    }
}

fn expected_view(view: &PhysicalView) -> (String, View) {
    let expected = View {
        logical: view.logical.clone(),
        comment: view.comment.clone(),
        indexes: expected_indexes(&view.indexes),
    };
    (view.physical.clone(), expected)
}

fn expected_indexes(indexes: &[PhysicalIndex]) -> std::collections::BTreeMap<String, Index> {
    indexes
        .iter()
        .map(|index| {
            let keys = index
                .keys()
                .map(|key| match key {
                    physical::IndexKey::Column(c) => IndexKey::Column(c.to_string()),
                    physical::IndexKey::Expression(sql) => IndexKey::Expression(sql.to_string()),
                })
                .collect();
            let expected = Index {
                logical: index.logical.clone(),
                unique: index.unique,
                keys,
                valid: true,
                method: Some(
                    index
                        .method
                        .unwrap_or(IndexMethod::Btree)
                        .name()
                        .to_string(),
                ),
                include: !index.include.is_empty(),
                partial: index.where_sql.is_some(),
                nulls_not_distinct: index.nulls_distinct == Some(false),
                deferrable: index.deferrable,
                comment: index.comment.clone(),
                definition: String::new(),
            };
            (index.physical.clone(), expected)
        })
        .collect()
}

/// The type of a column of `field_type` as `format_type` prints it (Depot writes the short
/// forms: `varchar(200)`, `timestamptz`).
pub fn catalog_type(field_type: &FieldType) -> String {
    match field_type {
        FieldType::String {
            max_length: Some(n),
        } => format!("character varying({n})"),
        FieldType::String { max_length: None } => "text".to_string(),
        FieldType::Integer => "integer".to_string(),
        FieldType::Bigint => "bigint".to_string(),
        FieldType::Decimal { precision, scale } => format!("numeric({precision},{scale})"),
        FieldType::Double => "double precision".to_string(),
        FieldType::Boolean => "boolean".to_string(),
        FieldType::Date => "date".to_string(),
        FieldType::Time => "time without time zone".to_string(),
        FieldType::Timestamp => "timestamp without time zone".to_string(),
        FieldType::Timestamptz => "timestamp with time zone".to_string(),
        FieldType::Json => "jsonb".to_string(),
        FieldType::Uuid => "uuid".to_string(),
        FieldType::Binary => "bytea".to_string(),
        FieldType::Array { items } => format!("{}[]", catalog_type(items)),
        // Introspection sets the search_path to the dataset's namespace, where the type lives.
        FieldType::Enum { name, .. } => name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use depot_core::catalog::compare;

    #[test]
    fn an_expression_key_is_named_in_parentheses() {
        let index = PhysicalIndex {
            logical: "byEmail".into(),
            physical: "by_email".into(),
            columns: vec![String::new(), "name".into()],
            expressions: vec![Some("lower(\"email\")".into()), None],
            ..PhysicalIndex::default()
        };
        let expected = expected_indexes(std::slice::from_ref(&index));
        let mut live = expected.clone();
        let found = live.get_mut("by_email").unwrap();
        found.keys[0] = IndexKey::Column("email".into());
        found.definition = "CREATE INDEX by_email ON t USING btree (email, name)".into();
        let catalog = |indexes| Catalog {
            namespace: "ws".into(),
            exists: true,
            tables: [(
                "t".to_string(),
                Table {
                    indexes,
                    ..Table::default()
                },
            )]
            .into(),
            ..Catalog::default()
        };
        assert_eq!(
            compare(&catalog(live), &catalog(expected)),
            [
                "table ws.t: index by_email is `CREATE INDEX by_email ON t USING btree (email, \
              name)`, expected ((lower(\"email\")), name)"
            ]
        );
    }
}
