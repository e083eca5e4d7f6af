//! The port through which a dataset's plan transformer (`planTransformer`, SPEC §5) is invoked,
//! and its local implementation: a command that reads Depot's plan (JSON) on stdin and writes
//! the adjusted plan on stdout. The Lambda implementation is in depot-aws. What comes back is
//! checked by [`depot_core::plan_transform`] before anything is stored or run.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use async_trait::async_trait;
use depot_core::dataset::PlanTransformerConfig;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

/// The most a transformer may write back (a plan is far smaller).
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// PlanTransformer sends Depot's plan to the dataset's transformer and returns the transformer's
/// plan, or why there is none (one line: the transformer's own reason when it refused).
#[async_trait]
pub trait PlanTransformer: Send + Sync {
    async fn transform(
        &self,
        config: &PlanTransformerConfig,
        plan: &Value,
    ) -> Result<Value, String>;
}

/// NoPlanTransformer is for front ends that run no transformer: a dataset that names one is
/// refused, never deployed with its plan untransformed.
pub struct NoPlanTransformer;

#[async_trait]
impl PlanTransformer for NoPlanTransformer {
    async fn transform(
        &self,
        config: &PlanTransformerConfig,
        _plan: &Value,
    ) -> Result<Value, String> {
        Err(format!(
            "this Depot front end runs no plan transformer, and the dataset names {}",
            config.describe()
        ))
    }
}

/// CommandTransformer runs `planTransformer.command`: the plan on stdin, the adjusted plan on
/// stdout, within `timeoutSeconds`; a non-zero exit is a refusal whose reason is the first line
/// of its stderr. A relative program path (`./adjust.py`) and the working directory are those
/// of `base_dir` (the dataset file's folder).
pub struct CommandTransformer {
    pub base_dir: PathBuf,
}

#[async_trait]
impl PlanTransformer for CommandTransformer {
    async fn transform(
        &self,
        config: &PlanTransformerConfig,
        plan: &Value,
    ) -> Result<Value, String> {
        let Some((program, args)) = config.command.as_ref().and_then(|c| c.split_first()) else {
            return Err(format!(
                "{} is invoked by the entity creators in the cloud; the command line runs \
                 `planTransformer.command`",
                config.describe()
            ));
        };
        run_command(&self.base_dir, program, args, config, plan).await
    }
}

async fn run_command(
    base_dir: &Path,
    program: &str,
    args: &[String],
    config: &PlanTransformerConfig,
    plan: &Value,
) -> Result<Value, String> {
    let path = Path::new(program);
    let program_path = if path.is_relative() && path.components().count() > 1 {
        base_dir.join(path)
    } else {
        path.to_path_buf()
    };
    let mut child = tokio::process::Command::new(&program_path)
        .args(args)
        .current_dir(base_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    let input = serde_json::to_vec(plan).expect("plans serialize");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Written while the output is read: a transformer may write before it has read everything.
    let writer = tokio::spawn(async move {
        // A transformer that exits without reading its input is judged by its exit, not here.
        let _ = stdin.write_all(&input).await;
        drop(stdin);
    });
    let output = match tokio::time::timeout(config.timeout(), child.wait_with_output()).await {
        Ok(output) => output.map_err(|e| format!("`{program}` could not be read: {e}"))?,
        // The child is killed when its handle, dropped with the timed-out future, goes.
        Err(_) => {
            return Err(format!(
                "`{program}` did not answer within {} s (planTransformer.timeoutSeconds) and was \
                 stopped",
                config.timeout().as_secs()
            ))
        }
    };
    writer.abort();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("(nothing on stderr)");
        return Err(format!(
            "`{program}` refused the plan ({}): {reason}",
            output.status
        ));
    }
    if output.stdout.len() > MAX_OUTPUT_BYTES {
        return Err(format!(
            "`{program}` wrote more than {MAX_OUTPUT_BYTES} bytes: not a plan"
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`{program}` did not write a JSON plan on stdout: {e}"))
}
