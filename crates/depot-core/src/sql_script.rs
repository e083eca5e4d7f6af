//! SQL script of a plan (`depot plan --format sql`): the plan's statements as one file that SQL
//! linters (squawk, sqlfluff) and reviewers read.
//!
//! A transactional phase is wrapped in `BEGIN;` / `COMMIT;` and any other phase's statements
//! stand alone, as the executor runs them, so that a linter judges each statement in the
//! transaction context it will really have (`CREATE INDEX CONCURRENTLY` outside one, say).
//! What the executor adds around each statement (`lock_timeout`, retries, the advisory lock,
//! state updates) is not in the script: the header says so.

use std::fmt::Write;

use crate::hazard::Hazard;
use crate::plan::Plan;

/// Renders `plan` as a SQL script: a commented header, then every phase and step in run order,
/// each statement ended by `;`. An empty plan is a script of comments only.
pub fn render_sql_script(plan: &Plan) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "-- Depot migration plan {} for {} (dataset {}, {}, namespace {})",
        plan.migration_id,
        one_line(&plan.dataset_alias),
        plan.dataset_id,
        plan.engine.as_str(),
        plan.metadata.namespace
    );
    let _ = writeln!(
        out,
        "-- from {} to {}",
        plan.from_version.as_deref().unwrap_or("nothing deployed"),
        plan.to_version
    );
    let _ = writeln!(
        out,
        "-- For review and linters: `depot deploy` runs these statements with a lock_timeout, retries and the dataset's migration lock."
    );
    if plan.is_empty() {
        let _ = writeln!(
            out,
            "\n-- Nothing to do: the dataset already matches this version."
        );
        return out;
    }
    for phase in plan.phases.iter().filter(|p| !p.steps.is_empty()) {
        let how = if phase.transactional {
            "one transaction"
        } else {
            "each statement on its own"
        };
        let _ = writeln!(out, "\n-- phase {} {} ({how})", phase.phase, phase.name);
        if phase.transactional {
            let _ = writeln!(out, "BEGIN;");
        }
        for step in &phase.steps {
            let _ = write!(
                out,
                "-- {} {} {}",
                step.id,
                step.action,
                one_line(&step.target)
            );
            if !step.hazards.is_empty() {
                let names: Vec<&str> = step.hazards.iter().map(Hazard::as_str).collect();
                let _ = write!(out, " [{}]", names.join(", "));
            }
            out.push('\n');
            if !step.comment.is_empty() {
                let _ = writeln!(out, "-- {}", one_line(&step.comment));
            }
            match &step.sql {
                Some(sql) => {
                    let sql = sql.trim_end();
                    let end = if sql.ends_with(';') { "" } else { ";" };
                    let _ = writeln!(out, "{sql}{end}");
                }
                None => {
                    let _ = writeln!(
                        out,
                        "-- (no SQL in the plan: the executor renders this step's change when it runs)"
                    );
                }
            }
        }
        if phase.transactional {
            let _ = writeln!(out, "COMMIT;");
        }
    }
    out
}

/// `text` on one line, so that a comment cannot end early and turn the rest into SQL.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physical::Metadata;
    use crate::plan::{Phase, Step, FORMAT_VERSION};
    use crate::EngineId;

    fn step(id: &str, action: &str, sql: Option<&str>, hazards: Vec<Hazard>) -> Step {
        Step {
            id: id.into(),
            action: action.into(),
            target: "Dog".into(),
            sql: sql.map(str::to_string),
            hazards,
            comment: String::new(),
            change: None,
            undo: Vec::new(),
        }
    }

    fn plan(phases: Vec<Phase>) -> Plan {
        Plan {
            format_version: FORMAT_VERSION,
            migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
            environment_id: "e2e404529091ed2".into(),
            dataset_id: "6d9c7969f0b1".into(),
            dataset_alias: "Dogs".into(),
            engine: EngineId::new("postgres"),
            from_version: None,
            to_version: "1".repeat(64),
            created_at: "2025-04-28T08:31:33.816Z".into(),
            phases,
            metadata: Metadata {
                namespace: "dogs".into(),
                schemas: Default::default(),
            },
        }
    }

    #[test]
    fn transactional_phases_are_wrapped_and_the_others_are_not() {
        let script = render_sql_script(&plan(vec![
            Phase {
                phase: 300,
                name: "create-objects".into(),
                transactional: true,
                steps: vec![step(
                    "300-1",
                    "createObject",
                    Some("CREATE TABLE dogs.dog (id uuid NOT NULL)"),
                    vec![],
                )],
            },
            Phase {
                phase: 700,
                name: "build-indexes".into(),
                transactional: false,
                steps: vec![step(
                    "700-1",
                    "createIndex",
                    Some("CREATE INDEX CONCURRENTLY dog_by_name_idx ON dogs.dog (name);"),
                    vec![Hazard::IndexBuild],
                )],
            },
        ]));
        let body: Vec<&str> = script
            .lines()
            .filter(|l| !l.starts_with("-- Depot") && !l.starts_with("-- from"))
            .skip(1)
            .collect();
        assert_eq!(
            body,
            [
                "",
                "-- phase 300 create-objects (one transaction)",
                "BEGIN;",
                "-- 300-1 createObject Dog",
                "CREATE TABLE dogs.dog (id uuid NOT NULL);",
                "COMMIT;",
                "",
                "-- phase 700 build-indexes (each statement on its own)",
                "-- 700-1 createIndex Dog [INDEX_BUILD]",
                "CREATE INDEX CONCURRENTLY dog_by_name_idx ON dogs.dog (name);",
            ]
        );
    }

    #[test]
    fn comments_stay_comments_and_missing_sql_is_said() {
        let mut s = step("600-1", "addColumn", None, vec![]);
        s.comment = "first line\nDROP TABLE dogs.dog".into();
        let script = render_sql_script(&plan(vec![Phase {
            phase: 600,
            name: "alter-columns".into(),
            transactional: true,
            steps: vec![s],
        }]));
        assert!(
            script.contains("-- first line DROP TABLE dogs.dog\n"),
            "{script}"
        );
        assert!(
            script.contains("-- (no SQL in the plan: the executor renders"),
            "{script}"
        );
        assert!(
            script
                .lines()
                .all(|l| l.is_empty() || l.starts_with("--") || l == "BEGIN;" || l == "COMMIT;"),
            "only comments and the transaction remain: {script}"
        );
    }

    #[test]
    fn an_empty_plan_is_comments_only() {
        let script = render_sql_script(&plan(vec![]));
        assert!(script.lines().all(|l| l.is_empty() || l.starts_with("--")));
        assert!(script.contains("Nothing to do"));
    }
}
