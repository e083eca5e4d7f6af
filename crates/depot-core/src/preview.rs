//! Text preview of a plan for people (`depot plan --format text`).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::hazard::Hazard;
use crate::plan::Plan;

/// Renders `plan` for people: a header, every phase with its steps (id, action, target, hazards,
/// comment, indented SQL), and a summary of the hazards. An empty plan says so explicitly.
pub fn render_text(plan: &Plan) -> String {
    let mut out = String::new();
    let from = plan
        .from_version
        .as_deref()
        .map_or_else(|| "(nothing deployed)".to_string(), short_hash);
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "Migration plan for {} (dataset {}, {}, namespace {})",
        plan.dataset_alias,
        plan.dataset_id,
        plan.engine.as_str(),
        plan.metadata.namespace
    );
    let _ = writeln!(
        out,
        "  version    {from} -> {}",
        short_hash(&plan.to_version)
    );
    let _ = writeln!(out, "  migration  {}", plan.migration_id);
    let _ = writeln!(out, "  created    {}", plan.created_at);

    if plan.is_empty() {
        let _ = writeln!(
            out,
            "\nNothing to do: the dataset already matches this version."
        );
        return out;
    }

    let mut hazards: BTreeMap<Hazard, Vec<&str>> = BTreeMap::new();
    for phase in &plan.phases {
        let how = if phase.transactional {
            "one transaction"
        } else {
            "each statement on its own"
        };
        let _ = writeln!(out, "\nPhase {} {} ({how})", phase.phase, phase.name);
        for step in &phase.steps {
            let _ = write!(out, "  {} {} {}", step.id, step.action, step.target);
            if !step.hazards.is_empty() {
                let names: Vec<&str> = step.hazards.iter().map(Hazard::as_str).collect();
                let _ = write!(out, " [{}]", names.join(", "));
            }
            out.push('\n');
            for h in &step.hazards {
                hazards.entry(*h).or_default().push(&step.id);
            }
            if !step.comment.is_empty() {
                let _ = writeln!(out, "    -- {}", step.comment);
            }
            match &step.sql {
                Some(sql) => {
                    for line in sql.lines() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                None => {
                    let _ = writeln!(out, "    (SQL rendered by the executor when it runs)");
                }
            }
            // How the step is reversed if the migration fails later (crate::undo).
            for sql in &step.undo {
                let mut lines = sql.lines();
                if let Some(first) = lines.next() {
                    let _ = writeln!(out, "    -- undo: {first}");
                }
                for line in lines {
                    let _ = writeln!(out, "    --       {line}");
                }
            }
        }
    }

    if hazards.is_empty() {
        let _ = writeln!(out, "\nHazards: none");
    } else {
        let _ = writeln!(out, "\nHazards:");
        for (h, ids) in hazards {
            let _ = writeln!(out, "  {:<15} {}", h.as_str(), ids.join(", "));
        }
    }
    out
}

/// The first 12 characters of a version hash: enough to tell versions apart by eye.
fn short_hash(hash: &str) -> String {
    hash.chars().take(12).collect()
}
