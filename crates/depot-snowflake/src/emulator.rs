//! EmulatorShim: the compatibility layer between `snowflake-api` 0.14 and the fakesnow
//! emulator, used only against the emulator (tests, the benchmark), never against Snowflake.
//!
//! fakesnow's responses leave out fields that `snowflake-api` requires, so every call would fail
//! to decode. The shim fills them in:
//! - login `data`: `sessionId`, `masterToken`, `masterValidityInSeconds`, `validityInSeconds`,
//!   `sessionInfo.roleName`;
//! - query `data`: `returned`, `finalRoleName`, `version`;
//! - an error (`success: false`, also fakesnow's HTTP 500 for what DuckDB cannot run) is
//!   reshaped to `data: {age, errorCode, internalError, queryId, sqlState}` so it decodes as a
//!   Snowflake API error with fakesnow's message.
//!
//! A fakesnow session refuses a call while another runs ("connection is busy"), where Snowflake
//! runs them side by side; the shim sends one request at a time. A middleware placed before it
//! (the benchmark's latency) still overlaps.
//!
//! The shim is on only when asked for: [`EmulatorShim::from_env`] (`DEPOT_SNOWFLAKE_EMULATOR=fakesnow`,
//! what the command line and the Lambdas read) or a session option set in code (the tests, the
//! benchmark). Without it a session refuses a plain `http://` endpoint: Snowflake and PrivateLink
//! endpoints are `https://`, and the shim rewrites answers in ways only an emulator should see.
//!
//! fakesnow does not implement `ALTER SESSION` (QUERY_TAG, STATEMENT_TIMEOUT_IN_SECONDS). The
//! shim answers those statements itself, successfully, and records them so tests can check
//! what a real Snowflake would have been told.
//!
//! Two statements Depot renders for Snowflake's metadata fail in fakesnow (DuckDB): `ALTER
//! TABLE ... ADD CONSTRAINT ... FOREIGN KEY` (DuckDB adds no foreign key to an existing table,
//! and would enforce one, which Snowflake never does) and `... UNSET COMMENT` (not in its
//! grammar). Neither changes a row or a column, so the shim answers them itself, successfully,
//! and records them ([`EmulatorShim::answered_statements`]) for tests to check; their SQL is
//! covered by snapshots.

use std::sync::{Arc, Mutex};

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use serde_json::{json, Value};

use crate::client::SnowflakeError;

/// EmulatorShim fills fakesnow's responses in; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct EmulatorShim {
    session_statements: Arc<Mutex<Vec<String>>>,
    answered_statements: Arc<Mutex<Vec<String>>>,
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

/// The environment variable that turns the shim on for sessions opened from a dataset's
/// location: `fakesnow` is its one value. For local emulators only, never for Snowflake.
pub const EMULATOR_VARIABLE: &str = "DEPOT_SNOWFLAKE_EMULATOR";

impl EmulatorShim {
    pub fn new() -> EmulatorShim {
        EmulatorShim::default()
    }

    /// The shim when [`EMULATOR_VARIABLE`] asks for it (`fakesnow`), `None` when it is unset or
    /// empty. Any other value is an error naming the variable, so that a typo is not read as
    /// "no emulator" and then refused for another reason.
    pub fn from_env() -> Result<Option<EmulatorShim>, SnowflakeError> {
        Self::from_setting(std::env::var(EMULATOR_VARIABLE).ok().as_deref())
    }

    fn from_setting(value: Option<&str>) -> Result<Option<EmulatorShim>, SnowflakeError> {
        match value {
            None | Some("") => Ok(None),
            Some("fakesnow") => Ok(Some(EmulatorShim::new())),
            Some(other) => Err(SnowflakeError::Config(format!(
                "{EMULATOR_VARIABLE}={other:?} is not understood: its one value is `fakesnow` \
                 (a local emulator, never Snowflake); unset it for Snowflake"
            ))),
        }
    }

    /// The foreign keys and comment removals the shim answered for fakesnow, in order.
    pub fn answered_statements(&self) -> Vec<String> {
        self.answered_statements
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// The `ALTER SESSION` statements the shim answered, in order.
    pub fn session_statements(&self) -> Vec<String> {
        self.session_statements
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }
}

/// The SQL text of a query request, when it is one.
fn sql_text(req: &Request) -> Option<String> {
    if !req.url().path().ends_with("/queries/v1/query-request") {
        return None;
    }
    let body: Value = serde_json::from_slice(req.body()?.as_bytes()?).ok()?;
    body.get("sqlText")?.as_str().map(str::to_string)
}

fn is_alter_session(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    words == ["ALTER", "SESSION"]
}

/// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ...` or `ALTER ... UNSET COMMENT`: what
/// fakesnow cannot run and Snowflake records without touching a row (see the module
/// documentation).
fn is_metadata_fakesnow_lacks(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let adds_foreign_key = words.starts_with(&["ALTER".to_string(), "TABLE".to_string()])
        && words.windows(2).any(|w| w == ["ADD", "CONSTRAINT"])
        && words.windows(2).any(|w| w == ["FOREIGN", "KEY"]);
    let unsets_comment = words.first().is_some_and(|w| w == "ALTER")
        && words.ends_with(&["UNSET".to_string(), "COMMENT".to_string()]);
    adds_foreign_key || unsets_comment
}

fn respond(status: http::StatusCode, body: &Value) -> Response {
    let response = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .unwrap_or_default();
    Response::from(response)
}

/// `body` with the fields `snowflake-api` needs, for a request to `path`.
fn fill(path: &str, mut body: Value) -> Value {
    let success = body.get("success").and_then(Value::as_bool) == Some(true);
    if !success {
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        let code = data
            .get("errorCode")
            .or_else(|| body.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("000000")
            .to_string();
        let sql_state = data
            .get("sqlState")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        body["data"] = json!({
            "age": 0, "errorCode": code, "internalError": false, "queryId": "",
            "sqlState": sql_state,
            // Login errors decode these two.
            "authnMethod": null,
        });
        body["success"] = json!(false);
        if body.get("code").is_none_or(Value::is_null) {
            body["code"] = json!(code);
        }
        return body;
    }
    let Some(data) = body.get_mut("data").and_then(Value::as_object_mut) else {
        return body;
    };
    if path.ends_with("/session/v1/login-request") {
        data.entry("sessionId").or_insert(json!(1));
        data.entry("masterToken")
            .or_insert(json!("fakesnow-master-token"));
        data.entry("masterValidityInSeconds")
            .or_insert(json!(14400));
        data.entry("validityInSeconds").or_insert(json!(3600));
        let info = data.entry("sessionInfo").or_insert(json!({}));
        if let Some(info) = info.as_object_mut() {
            info.entry("roleName").or_insert(json!("PUBLIC"));
        }
    } else if path.ends_with("/queries/v1/query-request") {
        let total = data.get("total").cloned().unwrap_or(json!(0));
        data.entry("returned").or_insert(total);
        data.entry("finalRoleName").or_insert(json!("PUBLIC"));
        data.entry("version").or_insert(json!(1));
        data.entry("parameters").or_insert(json!([]));
        data.entry("rowtype").or_insert(json!([]));
        data.entry("total").or_insert(json!(0));
        data.entry("queryId").or_insert(json!(""));
        data.entry("statementTypeId").or_insert(json!(0));
    }
    body
}

#[async_trait::async_trait]
impl Middleware for EmulatorShim {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let answered = sql_text(&req).and_then(|sql| {
            if is_alter_session(&sql) {
                Some((&self.session_statements, sql))
            } else if is_metadata_fakesnow_lacks(&sql) {
                Some((&self.answered_statements, sql))
            } else {
                None
            }
        });
        if let Some((record, sql)) = answered {
            if let Ok(mut seen) = record.lock() {
                seen.push(sql);
            }
            let body = json!({
                "data": {
                    "parameters": [], "rowtype": [], "total": 0, "returned": 0, "queryId": "",
                    "finalRoleName": "PUBLIC", "statementTypeId": 0, "version": 1,
                    "rowsetBase64": "",
                },
                "success": true, "code": null, "message": null,
            });
            return Ok(respond(http::StatusCode::OK, &body));
        }
        let path = req.url().path().to_string();
        let (status, bytes) = {
            let _turn = self.one_at_a_time.lock().await;
            let response = next.run(req, extensions).await?;
            let status = response.status();
            (status, response.bytes().await?)
        };
        let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
            let text = String::from_utf8_lossy(&bytes);
            let body = json!({
                "data": null, "success": false, "code": "000000",
                "message": format!("fakesnow answered HTTP {status}: {text}"),
            });
            return Ok(respond(status, &fill(&path, body)));
        };
        Ok(respond(status, &fill(&path, body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fakesnow_turns_the_shim_on() {
        assert!(EmulatorShim::from_setting(None).unwrap().is_none());
        assert!(EmulatorShim::from_setting(Some("")).unwrap().is_none());
        assert!(EmulatorShim::from_setting(Some("fakesnow"))
            .unwrap()
            .is_some());
        let why = EmulatorShim::from_setting(Some("yes"))
            .unwrap_err()
            .to_string();
        assert!(why.contains("DEPOT_SNOWFLAKE_EMULATOR=\"yes\""), "{why}");
    }

    #[test]
    fn errors_are_reshaped_to_what_snowflake_sends() {
        let body = fill(
            "/queries/v1/query-request",
            json!({"data": {"errorCode": "002003", "sqlState": "42S02"}, "code": "002003",
                   "message": "no table", "success": false}),
        );
        assert_eq!(body["data"]["errorCode"], "002003");
        assert_eq!(body["data"]["sqlState"], "42S02");
        assert_eq!(body["data"]["internalError"], false);
        assert_eq!(body["message"], "no table");
        let body = fill(
            "/queries/v1/query-request",
            json!({"data": null, "code": "261000", "message": "boom", "success": false}),
        );
        assert_eq!(body["data"]["errorCode"], "261000");
    }

    #[test]
    fn missing_query_fields_are_filled_and_present_ones_kept() {
        let body = fill(
            "/queries/v1/query-request",
            json!({"data": {"total": 3, "rowtype": []}, "success": true}),
        );
        assert_eq!(body["data"]["returned"], 3);
        assert_eq!(body["data"]["finalRoleName"], "PUBLIC");
        let body = fill(
            "/session/v1/login-request",
            json!({"data": {"token": "t", "sessionInfo": {"databaseName": "D"}}, "success": true}),
        );
        assert_eq!(body["data"]["sessionInfo"]["roleName"], "PUBLIC");
        assert_eq!(body["data"]["sessionInfo"]["databaseName"], "D");
        assert_eq!(body["data"]["validityInSeconds"], 3600);
        assert!(is_alter_session("alter  session SET QUERY_TAG = 'x'"));
        assert!(!is_alter_session("ALTER TABLE x"));
    }

    #[test]
    fn only_foreign_keys_and_comment_removals_are_answered_for_fakesnow() {
        assert!(is_metadata_fakesnow_lacks(
            "ALTER TABLE \"ns\".A ADD CONSTRAINT F FOREIGN KEY (B) REFERENCES \"ns\".C (ID)"
        ));
        assert!(is_metadata_fakesnow_lacks(
            "ALTER TABLE \"ns\".A UNSET COMMENT"
        ));
        assert!(is_metadata_fakesnow_lacks(
            "ALTER TABLE \"ns\".A ALTER COLUMN B UNSET COMMENT"
        ));
        assert!(!is_metadata_fakesnow_lacks(
            "ALTER TABLE \"ns\".A ADD CONSTRAINT U UNIQUE (B)"
        ));
        assert!(!is_metadata_fakesnow_lacks(
            "COMMENT ON TABLE \"ns\".A IS 'x'"
        ));
        assert!(!is_metadata_fakesnow_lacks("DROP TABLE \"ns\".A"));
    }
}
