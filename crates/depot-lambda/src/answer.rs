//! Answer: the outcome of one request, and its two wire forms: the CloudFormation response body
//! (PUT to the ResponseURL) and the CDK Provider framework's onEvent result.
//!
//! CloudFormation refuses a response body over 4,096 bytes, and a refused response leaves the
//! stack waiting until the custom resource times out. So a long reason keeps its head (where
//! the cause is) and ends with where to read the rest: the log stream and the plan.

use std::collections::{BTreeMap, HashMap};

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};
use serde::{Deserialize, Serialize};

use crate::request::Echo;

/// CloudFormation's limit on a custom-resource response body.
pub const MAX_RESPONSE_BYTES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Success,
    Failed,
}

/// Answer is what the function tells CloudFormation about one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub status: Status,
    pub physical_resource_id: String,
    /// Why it failed (or a note on success), whole: shortened only on the wire.
    pub reason: Option<String>,
    /// Attributes for `Fn::GetAtt` (DatasetId, VersionHash, MigrationId, PlanKey, ...).
    pub data: BTreeMap<String, String>,
    /// Where to read more: the plan's `s3://` URI, when the request got that far.
    pub plan_uri: Option<String>,
}

impl Answer {
    pub fn success(physical_resource_id: impl Into<String>) -> Answer {
        Answer {
            status: Status::Success,
            physical_resource_id: physical_resource_id.into(),
            reason: None,
            data: BTreeMap::new(),
            plan_uri: None,
        }
    }

    pub fn failed(physical_resource_id: impl Into<String>, reason: impl Into<String>) -> Answer {
        Answer {
            status: Status::Failed,
            physical_resource_id: physical_resource_id.into(),
            reason: Some(reason.into()),
            data: BTreeMap::new(),
            plan_uri: None,
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Answer {
        self.data.insert(key.to_string(), value.into());
        self
    }

    /// The CloudFormation response body, at most [`MAX_RESPONSE_BYTES`] long. `log_stream`
    /// names where the function logs (the full reason is logged there).
    pub fn cloudformation_body(&self, echo: &Echo, log_stream: &str) -> Vec<u8> {
        let body = |reason: Option<String>| {
            let mut r = CloudFormationCustomResourceResponse::default();
            r.status = match self.status {
                Status::Success => CloudFormationCustomResourceResponseStatus::Success,
                Status::Failed => CloudFormationCustomResourceResponseStatus::Failed,
            };
            r.reason = reason;
            r.physical_resource_id = self.physical_resource_id.clone();
            r.stack_id = echo.stack_id.clone();
            r.request_id = echo.request_id.clone();
            r.logical_resource_id = echo.logical_resource_id.clone();
            r.no_echo = false;
            r.data = self.data.clone().into_iter().collect::<HashMap<_, _>>();
            serde_json::to_vec(&r).expect("a response serializes")
        };
        let full = body(self.reason.clone());
        let Some(reason) = &self.reason else {
            return full;
        };
        if full.len() <= MAX_RESPONSE_BYTES {
            return full;
        }
        let pointer = match &self.plan_uri {
            Some(plan) => {
                format!(" ... [cut: the whole error is in log stream {log_stream}; plan {plan}]")
            }
            None => format!(" ... [cut: the whole error is in log stream {log_stream}]"),
        };
        // The longest head (in whole characters) that fits with the pointer: a binary search,
        // since JSON escaping makes the byte cost of a character vary.
        let chars: Vec<(usize, char)> = reason.char_indices().collect();
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let cut = chars.get(mid).map_or(reason.len(), |(i, _)| *i);
            if body(Some(format!("{}{pointer}", &reason[..cut]))).len() <= MAX_RESPONSE_BYTES {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let cut = chars.get(lo).map_or(reason.len(), |(i, _)| *i);
        body(Some(format!("{}{pointer}", &reason[..cut])))
    }

    /// The Provider framework's onEvent result: `{PhysicalResourceId, Data}` on success; a
    /// failure is the handler's error (the framework reports it to CloudFormation).
    pub fn provider_result(&self) -> Result<serde_json::Value, String> {
        match self.status {
            Status::Success => Ok(serde_json::json!({
                "PhysicalResourceId": self.physical_resource_id,
                "Data": self.data,
            })),
            Status::Failed => Err(self
                .reason
                .clone()
                .unwrap_or_else(|| "failed (no reason recorded)".to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo() -> Echo {
        Echo {
            response_url: "https://example/put".into(),
            request_id: "req-1".into(),
            stack_id: "arn:aws:cloudformation:eu-west-1:1:stack/s/1".into(),
            logical_resource_id: "Dogs".into(),
            physical_resource_id: None,
        }
    }

    #[test]
    fn a_response_echoes_the_request_ids_and_carries_the_data() {
        let body = Answer::success("6d9c7969f0b1").with("DatasetId", "6d9c7969f0b1");
        let v: serde_json::Value =
            serde_json::from_slice(&body.cloudformation_body(&echo(), "stream")).unwrap();
        assert_eq!(v["Status"], "SUCCESS");
        assert_eq!(v["RequestId"], "req-1");
        assert_eq!(v["StackId"], "arn:aws:cloudformation:eu-west-1:1:stack/s/1");
        assert_eq!(v["LogicalResourceId"], "Dogs");
        assert_eq!(v["PhysicalResourceId"], "6d9c7969f0b1");
        assert_eq!(v["Data"]["DatasetId"], "6d9c7969f0b1");
    }

    #[test]
    fn a_long_reason_keeps_its_head_and_says_where_the_rest_is() {
        // Quotes and non-ASCII cost more than one byte each once escaped/encoded.
        let reason = format!("phase 600 failed: {}", "\"é\" ".repeat(3000));
        let mut answer = Answer::failed("6d9c7969f0b1", reason);
        answer.plan_uri = Some("s3://bucket/plan.json".into());
        let body = answer.cloudformation_body(&echo(), "2026/11/22/[$LATEST]abc");
        assert!(body.len() <= MAX_RESPONSE_BYTES, "{} bytes", body.len());
        assert!(
            body.len() > MAX_RESPONSE_BYTES - 16,
            "the head should use the room: {}",
            body.len()
        );
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let sent = v["Reason"].as_str().unwrap();
        assert!(sent.starts_with("phase 600 failed: \"é\""), "{sent}");
        assert!(
            sent.ends_with("log stream 2026/11/22/[$LATEST]abc; plan s3://bucket/plan.json]"),
            "{sent}"
        );
    }

    #[test]
    fn a_short_reason_is_sent_whole() {
        let body = Answer::failed("x", "bad input").cloudformation_body(&echo(), "s");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["Reason"], "bad input");
        assert_eq!(v["Status"], "FAILED");
    }

    #[test]
    fn the_provider_result_is_returned_or_raised() {
        let ok = Answer::success("id1")
            .with("DatasetId", "id1")
            .provider_result()
            .unwrap();
        assert_eq!(ok["PhysicalResourceId"], "id1");
        assert_eq!(ok["Data"]["DatasetId"], "id1");
        assert_eq!(
            Answer::failed("id1", "nope").provider_result().unwrap_err(),
            "nope"
        );
    }
}
