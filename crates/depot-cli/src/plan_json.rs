//! A plan as pretty JSON on standard output, its steps serialized on every core.
//!
//! A plan of 10,000 objects is about 55 MB of JSON, 46 MB of it steps, and serializing it was a
//! tenth of `depot plan`'s time, all on one core. Each step serializes on its own, so the steps
//! are written in chunks: a chunk's steps are serialized in parallel, then written in order,
//! indented to their depth in the plan. The text is byte for byte what
//! [`crate::stdout_json::print_json`] writes (a test holds it to that); memory grows by one
//! chunk, not by the plan.

use std::io::{self, BufWriter, Write};

use depot_core::plan::{Plan, Step};
use rayon::prelude::*;

/// Steps serialized at once: enough to keep every core busy, few enough to hold in memory.
const CHUNK: usize = 2048;

/// Steps one task serializes into one buffer.
const STEPS_PER_TASK: usize = 128;

/// How each phase's steps appear in the plan's pretty JSON once the steps are taken out.
const NO_STEPS: &[u8] = b"\"steps\": []";

/// The indentation of a step: it is an element of `phases[i].steps`, four levels deep.
const STEP_INDENT: &[u8] = b"        ";

/// Writes `plan` as pretty JSON and a newline to stdout, like `print_json`. A reader that stops
/// reading (`| head`) is not an error.
pub fn print_plan_json(plan: &mut Plan) -> anyhow::Result<()> {
    match write_plan_json(
        &mut BufWriter::with_capacity(1 << 16, io::stdout().lock()),
        plan,
    ) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes `plan` to `out`. Its steps are taken out while the rest of the plan serializes, and
/// put back.
fn write_plan_json(out: &mut impl Write, plan: &mut Plan) -> io::Result<()> {
    let steps: Vec<Vec<Step>> = plan
        .phases
        .iter_mut()
        .map(|phase| std::mem::take(&mut phase.steps))
        .collect();
    let shell = serde_json::to_vec_pretty(&*plan);
    let written = shell
        .map_err(io::Error::from)
        .and_then(|shell| write_with_steps(out, &shell, &steps));
    for (phase, steps) in plan.phases.iter_mut().zip(steps) {
        phase.steps = steps;
    }
    written?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes `shell` (the plan with no steps) with each phase's `"steps": []` filled from `steps`,
/// in order. The phases come before anything a user named (the metadata), so the first
/// occurrences of `"steps": []` are theirs.
fn write_with_steps(out: &mut impl Write, shell: &[u8], steps: &[Vec<Step>]) -> io::Result<()> {
    let mut rest = shell;
    for phase_steps in steps {
        let at = find(rest, NO_STEPS)
            .ok_or_else(|| io::Error::other("a phase's steps are missing from the plan's JSON"))?;
        out.write_all(&rest[..at])?;
        rest = &rest[at + NO_STEPS.len()..];
        if phase_steps.is_empty() {
            out.write_all(NO_STEPS)?;
            continue;
        }
        out.write_all(b"\"steps\": [")?;
        let mut first = true;
        for chunk in phase_steps.chunks(CHUNK) {
            let texts: Vec<io::Result<Vec<u8>>> = chunk
                .par_chunks(STEPS_PER_TASK)
                .map(indented_steps)
                .collect();
            for text in texts {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                out.write_all(&text?)?;
            }
        }
        out.write_all(b"\n      ]")?;
    }
    out.write_all(rest)
}

/// `steps` as pretty JSON, each indented to its depth in the plan, separated as in an array.
/// One buffer for them all: a buffer per step would be freed by the writing thread, not the one
/// that allocated it, and such memory is slow to come back.
fn indented_steps(steps: &[Step]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(steps.len() * 1024);
    let mut text = Vec::with_capacity(1024);
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        text.clear();
        serde_json::to_writer_pretty(&mut text, step)?;
        out.extend_from_slice(STEP_INDENT);
        write_indented(&mut out, &text)?;
    }
    Ok(out)
}

/// Writes `text`, each line after the first indented by [`STEP_INDENT`]. JSON strings hold no
/// raw newline (it is escaped), so every newline is the pretty printer's.
fn write_indented(out: &mut impl Write, text: &[u8]) -> io::Result<()> {
    let mut lines = text.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        out.write_all(STEP_INDENT)?;
        out.write_all(line)?;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use depot_core::plan::Phase;

    fn step(id: &str, sql: &str) -> Step {
        Step {
            id: id.into(),
            action: "createObject".into(),
            target: "Dog".into(),
            sql: Some(sql.into()),
            hazards: Vec::new(),
            comment: "line one\nline \"two\"".into(),
            change: None,
            undo: vec!["DROP TABLE x".into()],
        }
    }

    fn plan(steps_per_phase: &[usize]) -> Plan {
        let mut plan: Plan = serde_json::from_value(serde_json::json!({
            "formatVersion": 1,
            "migrationId": "m",
            "environmentId": "e",
            "datasetId": "d",
            "datasetAlias": "a",
            "engine": "postgres",
            "fromVersion": null,
            "toVersion": "v",
            "createdAt": "t",
            "phases": [],
            "metadata": {"namespace": "steps", "schemas": {"steps": {"object": "steps"}}}
        }))
        .expect("a plan");
        for (i, n) in steps_per_phase.iter().enumerate() {
            let number = 100 * (i as u32 + 1);
            plan.phases.push(Phase {
                phase: number,
                name: "phase".into(),
                transactional: true,
                steps: (0..*n)
                    .map(|k| step(&format!("{number}-{k}"), "CREATE TABLE \"steps\": []"))
                    .collect(),
            });
        }
        plan
    }

    #[test]
    fn writes_the_same_text_as_to_string_pretty_and_gives_the_steps_back() {
        // Empty phases, one step, more steps than a chunk; SQL and comments holding what the
        // splice looks for, quotes and newlines.
        for shape in [vec![], vec![0], vec![1], vec![3, 0, 2], vec![CHUNK + 5, 1]] {
            let mut p = plan(&shape);
            let expected = serde_json::to_string_pretty(&p).unwrap() + "\n";
            let before = p.clone();
            let mut out = Vec::new();
            write_plan_json(&mut out, &mut p).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                expected,
                "phases {shape:?}"
            );
            assert_eq!(p, before, "the plan is given back whole");
        }
    }
}
