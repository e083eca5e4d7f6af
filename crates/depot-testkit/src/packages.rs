//! Packages that tests of several crates share.

use serde_json::{json, Value};

/// An `Order` whose first index (`zeta`, sorted second) and first check (`zz`, sorted second)
/// name a column it does not have: problems only resolution finds, which must be named at the
/// entries as written (`indexes[0]`, `checks[0]`), not at their places once sorted by name.
pub fn resolution_problems_out_of_name_order() -> Value {
    json!({
        "name": "shop", "version": "1",
        "schemas": {
            "Order": {
                "kind": "object",
                "fields": {"id": {"type": "bigint"}, "total": {"type": "bigint"}},
                "primaryKey": ["id"],
                "indexes": [
                    {"name": "zeta", "fields": ["total"], "where": "ghost > 0"},
                    {"name": "alpha", "fields": ["id"]}
                ],
                "checks": [
                    {"name": "zz", "expression": "nope > 1"},
                    {"name": "aa", "expression": "total > 0"}
                ]
            }
        }
    })
}
