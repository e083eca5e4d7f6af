//! What a plan needs of the server's PostgreSQL version. A unique index whose nulls are not
//! distinct (`"nullsDistinct": false`, `NULLS NOT DISTINCT`) needs PostgreSQL 15: on an older
//! server the run is refused before its first statement, naming the index and both versions,
//! rather than failing half way on a syntax error.

use depot_core::plan::{Plan, Step};
use depot_core::Change;
use tokio_postgres::Client;

/// The first version (as `server_version_num`) with `NULLS NOT DISTINCT`.
const NULLS_NOT_DISTINCT: i32 = 150_000;

/// The steps of a plan that need PostgreSQL 15 (`target` of each), in plan order.
fn needs_nulls_not_distinct<'a>(steps: impl Iterator<Item = &'a Step>) -> Vec<&'a str> {
    steps
        .filter(|step| {
            let by_change = match step.change.as_deref() {
                Some(Change::CreateIndex { index, .. }) => index.nulls_distinct == Some(false),
                Some(Change::CreateObject { object }) => object
                    .indexes
                    .iter()
                    .any(|i| i.nulls_distinct == Some(false)),
                _ => false,
            };
            by_change
                || step
                    .sql
                    .as_deref()
                    .is_some_and(|sql| sql.contains(" NULLS NOT DISTINCT"))
        })
        .map(|step| step.target.as_str())
        .collect()
}

fn steps(plan: &Plan) -> impl Iterator<Item = &Step> {
    plan.phases.iter().flat_map(|p| &p.steps)
}

/// Why `steps` cannot run on a server of `version_num` (`server_version_num`), if they cannot.
fn refusal<'a>(steps: impl Iterator<Item = &'a Step>, version_num: i32) -> Option<String> {
    if version_num >= NULLS_NOT_DISTINCT {
        return None;
    }
    let targets = needs_nulls_not_distinct(steps);
    let first = targets.first()?;
    Some(format!(
        "index {first} has \"nullsDistinct\": false (NULLS NOT DISTINCT), which needs PostgreSQL \
         15 or later; this server is PostgreSQL {}.{}: upgrade it, or remove `nullsDistinct`",
        version_num / 10_000,
        version_num % 10_000
    ))
}

/// Reads the server's version only when `plan` needs one it might not have, and says why it
/// cannot run there.
pub async fn check(client: &Client, plan: &Plan) -> Result<Option<String>, tokio_postgres::Error> {
    if needs_nulls_not_distinct(steps(plan)).is_empty() {
        return Ok(None);
    }
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await?;
    Ok(refusal(steps(plan), row.get(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use depot_core::change::Name;
    use depot_core::physical::PhysicalIndex;

    fn step_with(index: PhysicalIndex) -> Step {
        Step {
            id: "5-1".into(),
            action: "createIndex".into(),
            target: "Dog.byName".into(),
            sql: None,
            hazards: Vec::new(),
            comment: String::new(),
            change: Some(Box::new(Change::CreateIndex {
                object: Name {
                    logical: "Dog".into(),
                    physical: "dog".into(),
                },
                index,
            })),
            undo: Vec::new(),
        }
    }

    #[test]
    fn nulls_not_distinct_is_refused_before_postgres_15_naming_the_index_and_version() {
        let steps = [step_with(PhysicalIndex {
            unique: true,
            nulls_distinct: Some(false),
            ..PhysicalIndex::default()
        })];
        let message = refusal(steps.iter(), 140_011).expect("refused on 14");
        assert!(message.contains("index Dog.byName"), "{message}");
        assert!(message.contains("PostgreSQL 15 or later"), "{message}");
        assert!(
            message.contains("this server is PostgreSQL 14.11"),
            "{message}"
        );
        assert_eq!(refusal(steps.iter(), 150_004), None);
        let plain = [step_with(PhysicalIndex {
            unique: true,
            ..PhysicalIndex::default()
        })];
        assert_eq!(refusal(plain.iter(), 120_000), None);
    }
}
