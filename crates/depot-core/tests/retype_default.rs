//! A column's default after a change of its type: set again, unless the engine says it keeps
//! the default through that change (`Dialect::keeps_default_through_type_change`).

mod common;

use common::*;
use depot_core::dialect::{Dialect, EngineId, RenderContext, RenderError, StepDraft};
use depot_core::diff::{diff, diff_for};
use depot_core::naming::NamingStrategy;
use depot_core::physical::PhysicalModel;
use depot_core::{Change, FieldType};
use serde_json::json;

/// TestDialect, keeping defaults through a widening of an integer to a bigint only.
struct KeepsWidenedDefault;

impl Dialect for KeepsWidenedDefault {
    fn engine(&self) -> EngineId {
        EngineId::new("snowflake")
    }
    fn default_naming(&self) -> NamingStrategy {
        TestDialect.default_naming()
    }
    fn max_identifier_bytes(&self) -> usize {
        TestDialect.max_identifier_bytes()
    }
    fn keeps_default_through_type_change(&self, from: &FieldType, to: &FieldType) -> bool {
        (from, to) == (&FieldType::Integer, &FieldType::Bigint)
    }
    fn quote_ident(&self, ident: &str) -> String {
        TestDialect.quote_ident(ident)
    }
    fn quoted_ident(&self, ident: &str) -> String {
        TestDialect.quoted_ident(ident)
    }
    fn string_literal(&self, value: &str) -> Option<String> {
        TestDialect.string_literal(value)
    }
    fn parser_dialect(&self) -> &dyn sqlparser::dialect::Dialect {
        TestDialect.parser_dialect()
    }
    fn render(&self, change: &Change, ctx: &RenderContext) -> Result<Vec<StepDraft>, RenderError> {
        TestDialect.render(change, ctx)
    }
}

fn table(a1: FieldType, default: i64) -> PhysicalModel {
    model(
        vec![object(
            "T1",
            vec![
                col("id", FieldType::Bigint),
                col("a1", a1).default(json!(default)),
            ],
        )],
        vec![],
    )
}

#[test]
fn a_kept_default_is_set_again_only_where_the_engine_loses_it() {
    let old = table(FieldType::Integer, 7);
    let widened = table(FieldType::Bigint, 7);
    // An engine that keeps nothing through a type change (PostgreSQL, and `diff` alone).
    let reset = ["alterFieldType T1.a1", "setDefault T1.a1"];
    assert_eq!(summary(&diff(Some(&old), &widened).unwrap()), reset);
    assert_eq!(
        summary(&diff_for(&TestDialect, Some(&old), &widened).unwrap()),
        reset
    );
    // An engine that keeps it: the type change alone.
    assert_eq!(
        summary(&diff_for(&KeepsWidenedDefault, Some(&old), &widened).unwrap()),
        ["alterFieldType T1.a1"]
    );
    // A default that changes with the type is set, whatever the engine keeps.
    assert_eq!(
        summary(
            &diff_for(
                &KeepsWidenedDefault,
                Some(&old),
                &table(FieldType::Bigint, 8)
            )
            .unwrap()
        ),
        reset
    );
    // A type change the engine does not keep the default through: set again.
    assert_eq!(
        summary(
            &diff_for(
                &KeepsWidenedDefault,
                Some(&old),
                &table(FieldType::Double, 7)
            )
            .unwrap()
        ),
        reset
    );
}
