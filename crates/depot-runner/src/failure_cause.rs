//! What a failed migration job's `failed` event and `lastError` say: one line built from what
//! Step Functions reports (the error name and its cause, for a Batch job the job's description
//! as JSON). Only the fields that say why the job ended are kept (status reason, the
//! container's reason and exit code), never the job's parameters or environment; what is kept
//! is cut to [`MAX_CAUSE_CHARS`] and any `user:password@` in a URL is masked.

use serde_json::Value;

/// The longest cause recorded or sent.
pub const MAX_CAUSE_CHARS: usize = 1000;

/// One line saying why the migration job failed, from Step Functions' `Error` and `Cause`.
pub fn job_failure_cause(error: &str, cause: &str) -> String {
    let error = one_line(error);
    let line = if error == "States.Timeout" {
        "the migration job did not end within the runner state machine's time limit \
         (States.Timeout): it was stopped"
            .to_string()
    } else if let Some(job) = serde_json::from_str::<Value>(cause)
        .ok()
        .filter(|v| field(v, "jobId").is_some() || field(v, "status").is_some())
    {
        batch_job_line(&error, &job)
    } else if cause.trim().is_empty() {
        format!("the migration job failed ({error})")
    } else {
        format!("the migration job failed ({error}): {}", one_line(cause))
    };
    bounded(&mask_credentials(&line))
}

/// The cause of a message that reached a dead-letter queue.
pub fn dead_letter_cause(queue: &str, why: Option<&str>) -> String {
    let line = match why.map(one_line).filter(|w| !w.is_empty()) {
        Some(why) => format!("the migration message reached the dead-letter queue {queue}: {why}"),
        None => format!(
            "the migration message reached the dead-letter queue {queue}: it was received too \
             many times without a run taking it"
        ),
    };
    bounded(&mask_credentials(&line))
}

/// The exit code of the job's container, when the cause is Batch's job description that says.
pub fn job_exit_code(cause: &str) -> Option<i64> {
    let job: Value = serde_json::from_str(cause).ok()?;
    let container = field(&job, "attempts")
        .and_then(Value::as_array)
        .and_then(|a| a.last())
        .and_then(|attempt| field(attempt, "container"))
        .or_else(|| field(&job, "container"))?;
    field(container, "exitCode").and_then(Value::as_i64)
}

/// Batch's job description: the status reason, and the last attempt's container reason and
/// exit code, with a hint for the kinds an operator acts on.
fn batch_job_line(error: &str, job: &Value) -> String {
    let status_reason = field(job, "statusReason").and_then(Value::as_str);
    let container = field(job, "attempts")
        .and_then(Value::as_array)
        .and_then(|a| a.last())
        .and_then(|attempt| field(attempt, "container"))
        .or_else(|| field(job, "container"));
    let container_reason = container
        .and_then(|c| field(c, "reason"))
        .and_then(Value::as_str);
    let exit_code = container
        .and_then(|c| field(c, "exitCode"))
        .and_then(Value::as_i64);
    let mut parts = Vec::new();
    if let Some(reason) = status_reason {
        parts.push(one_line(reason));
    }
    if let Some(reason) = container_reason {
        parts.push(format!("container: {}", one_line(reason)));
    }
    if let Some(code) = exit_code {
        parts.push(format!("exit code {code}"));
    }
    let said = format!("{status_reason:?} {container_reason:?}");
    let hint = if said.contains("OutOfMemoryError") {
        " (out of memory: give the runner more memory, `runner.memory`)"
    } else if said.contains("CannotPullContainerError") {
        " (the runner image could not be pulled)"
    } else if said.contains("Job attempt duration exceeded timeout") {
        " (the job ran longer than `runner.jobTimeout`)"
    } else {
        ""
    };
    if parts.is_empty() {
        format!("the migration job failed ({error})")
    } else {
        format!(
            "the migration job failed ({error}): {}{hint}",
            parts.join("; ")
        )
    }
}

/// A field by name, whatever its case: Step Functions' Batch integration answers in
/// PascalCase (`StatusReason`), the Batch API in camelCase.
fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The text on one line, control characters as spaces.
fn one_line(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `scheme://user:password@host` with the user and password masked.
fn mask_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c.is_whitespace())
            .unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***");
                rest = &tail[userinfo_end..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// At most [`MAX_CAUSE_CHARS`] characters, with an ellipsis when cut.
fn bounded(text: &str) -> String {
    if text.chars().count() <= MAX_CAUSE_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_CAUSE_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(status_reason: &str, container_reason: Option<&str>, exit: Option<i64>) -> String {
        json!({"JobId": "j-1", "JobName": "migration-0123456789ab", "Status": "FAILED",
               "StatusReason": status_reason,
               "Parameters": {"payload": "{\"datasetId\": \"0123456789ab\"}"},
               "Container": {"Environment": [{"Name": "PGPASSWORD", "Value": "hunter2"}]},
               "Attempts": [{"Container": {"Reason": container_reason, "ExitCode": exit}}]})
        .to_string()
    }

    #[test]
    fn an_out_of_memory_kill_says_so_with_the_exit_code_and_nothing_else_of_the_job() {
        let line = job_failure_cause(
            "States.TaskFailed",
            &job(
                "Essential container in task exited",
                Some("OutOfMemoryError: Container killed due to memory usage"),
                Some(137),
            ),
        );
        assert_eq!(
            line,
            "the migration job failed (States.TaskFailed): Essential container in task exited; \
             container: OutOfMemoryError: Container killed due to memory usage; exit code 137 \
             (out of memory: give the runner more memory, `runner.memory`)"
        );
        assert!(
            !line.contains("hunter2") && !line.contains("payload"),
            "{line}"
        );
    }

    #[test]
    fn an_image_pull_failure_and_a_timeout_are_named() {
        let line = job_failure_cause(
            "States.TaskFailed",
            &job(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
                None,
                None,
            ),
        );
        assert!(line.contains("CannotPullContainerError"), "{line}");
        assert!(
            line.ends_with("(the runner image could not be pulled)"),
            "{line}"
        );
        let line = job_failure_cause("States.Timeout", "");
        assert!(line.contains("States.Timeout"), "{line}");
    }

    #[test]
    fn the_batch_apis_camel_case_reads_the_same() {
        let cause = json!({"jobId": "j", "status": "FAILED", "statusReason": "Task failed",
                           "attempts": [{"container": {"exitCode": 1}}]})
        .to_string();
        assert_eq!(
            job_failure_cause("States.TaskFailed", &cause),
            "the migration job failed (States.TaskFailed): Task failed; exit code 1"
        );
    }

    #[test]
    fn a_cause_that_is_not_a_job_is_kept_on_one_line_bounded_and_masked() {
        let long = format!(
            "connect to postgres://depot:s3cret@db.internal:5432/app failed\n{}",
            "x".repeat(5000)
        );
        let line = job_failure_cause("Batch.ClientException", &long);
        assert!(line.starts_with(
            "the migration job failed (Batch.ClientException): connect to postgres://***@db.internal:5432/app failed x"
        ), "{line}");
        assert!(!line.contains("s3cret") && !line.contains('\n'));
        assert_eq!(line.chars().count(), MAX_CAUSE_CHARS);
        assert!(line.ends_with('…'));
    }

    #[test]
    fn the_exit_code_is_read_from_the_last_attempt_in_either_case() {
        assert_eq!(job_exit_code(&job("x", None, Some(3))), Some(3));
        let camel = json!({"jobId": "j", "container": {"exitCode": 1}}).to_string();
        assert_eq!(job_exit_code(&camel), Some(1));
        assert_eq!(job_exit_code(&job("x", None, None)), None);
        assert_eq!(job_exit_code("not json"), None);
    }

    #[test]
    fn a_dead_letter_cause_names_the_queue_and_the_reason_when_given() {
        assert_eq!(
            dead_letter_cause("sdp-e-migrations-dlq.fifo", Some("Lambda\nthrottled")),
            "the migration message reached the dead-letter queue sdp-e-migrations-dlq.fifo: Lambda throttled"
        );
        assert!(dead_letter_cause("q", None).contains("received too many times"));
    }
}
