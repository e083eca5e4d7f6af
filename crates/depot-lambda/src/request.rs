//! DatasetRequest: one Create, Update or Delete of a `Custom::DepotDataset`, whichever way it
//! arrived.
//!
//! Two shapes reach the function:
//! - CloudFormation's own custom-resource request, with a `ResponseURL` to PUT the answer to;
//! - the CDK Provider framework's `onEvent` request, which has no usable `ResponseURL` (the
//!   framework sends the literal `"..."`) and expects the answer as the function's result.
//!
//! Both are read with `aws_lambda_events`' types, then reduced to the fields Depot uses.

use aws_lambda_events::event::cloudformation as cfn;
use aws_lambda_events::event::cloudformation::provider;
use serde_json::Value;

/// RequestKind is what CloudFormation asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestKind {
    Create,
    Update {
        physical_resource_id: String,
        old_properties: Value,
    },
    Delete {
        physical_resource_id: String,
    },
}

/// ReplyChannel says how the answer goes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyChannel {
    /// PUT the CloudFormation response to this presigned URL.
    ResponseUrl(String),
    /// Return the Provider framework's onEvent result from the handler.
    ProviderFramework,
}

/// DatasetRequest is one request for a `Custom::DepotDataset`.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetRequest {
    pub kind: RequestKind,
    pub request_id: String,
    pub stack_id: String,
    pub logical_resource_id: String,
    pub properties: Value,
    pub reply: ReplyChannel,
}

impl DatasetRequest {
    /// The physical id CloudFormation already knows (Update, Delete).
    pub fn physical_resource_id(&self) -> Option<&str> {
        match &self.kind {
            RequestKind::Create => None,
            RequestKind::Update {
                physical_resource_id,
                ..
            }
            | RequestKind::Delete {
                physical_resource_id,
            } => Some(physical_resource_id),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            RequestKind::Create => "Create",
            RequestKind::Update { .. } => "Update",
            RequestKind::Delete { .. } => "Delete",
        }
    }
}

/// MalformedRequest is an event that is not a custom-resource request. When it still carries
/// a `ResponseURL` (and the ids to echo), CloudFormation can be told; else only the log can.
#[derive(Debug, Clone, PartialEq)]
pub struct MalformedRequest {
    pub message: String,
    /// Enough of the request to answer FAILED, when the event has it.
    pub echo: Option<Box<Echo>>,
}

/// Echo is what every CloudFormation response must repeat from its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo {
    pub response_url: String,
    pub request_id: String,
    pub stack_id: String,
    pub logical_resource_id: String,
    pub physical_resource_id: Option<String>,
}

/// What the Provider framework puts in `ResponseURL` before calling onEvent.
const PROVIDER_PLACEHOLDER_URL: &str = "...";

/// Reads an invocation payload.
pub fn parse_request(event: &Value) -> Result<DatasetRequest, MalformedRequest> {
    let response_url = event
        .get("ResponseURL")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty() && *u != PROVIDER_PLACEHOLDER_URL);
    match response_url {
        Some(url) => parse_cloudformation(event, url),
        None => parse_provider(event),
    }
}

fn parse_cloudformation(event: &Value, url: &str) -> Result<DatasetRequest, MalformedRequest> {
    let request: cfn::CloudFormationCustomResourceRequest = serde_json::from_value(event.clone())
        .map_err(|e| MalformedRequest {
        message: format!("not a CloudFormation custom-resource request: {e}"),
        echo: echo_of(event, url),
    })?;
    let reply = ReplyChannel::ResponseUrl(url.to_string());
    Ok(match request {
        cfn::CloudFormationCustomResourceRequest::Create(r) => DatasetRequest {
            kind: RequestKind::Create,
            request_id: r.request_id,
            stack_id: r.stack_id,
            logical_resource_id: r.logical_resource_id,
            properties: r.resource_properties,
            reply,
        },
        cfn::CloudFormationCustomResourceRequest::Update(r) => DatasetRequest {
            kind: RequestKind::Update {
                physical_resource_id: r.physical_resource_id,
                old_properties: r.old_resource_properties,
            },
            request_id: r.request_id,
            stack_id: r.stack_id,
            logical_resource_id: r.logical_resource_id,
            properties: r.resource_properties,
            reply,
        },
        cfn::CloudFormationCustomResourceRequest::Delete(r) => DatasetRequest {
            kind: RequestKind::Delete {
                physical_resource_id: r.physical_resource_id,
            },
            request_id: r.request_id,
            stack_id: r.stack_id,
            logical_resource_id: r.logical_resource_id,
            properties: r.resource_properties,
            reply,
        },
        other => {
            return Err(MalformedRequest {
                message: format!("unsupported request type: {other:?}"),
                echo: echo_of(event, url),
            })
        }
    })
}

fn parse_provider(event: &Value) -> Result<DatasetRequest, MalformedRequest> {
    let request: provider::CloudFormationCustomResourceRequest =
        serde_json::from_value(event.clone()).map_err(|e| MalformedRequest {
            message: format!(
                "not a custom-resource request (neither CloudFormation's, with a ResponseURL, \
                 nor the CDK Provider framework's onEvent): {e}"
            ),
            echo: None,
        })?;
    let reply = ReplyChannel::ProviderFramework;
    Ok(match request {
        provider::CloudFormationCustomResourceRequest::Create(r) => DatasetRequest {
            kind: RequestKind::Create,
            request_id: r.common.request_id,
            stack_id: r.common.stack_id,
            logical_resource_id: r.common.logical_resource_id,
            properties: r.common.resource_properties,
            reply,
        },
        provider::CloudFormationCustomResourceRequest::Update(r) => DatasetRequest {
            kind: RequestKind::Update {
                physical_resource_id: r.physical_resource_id,
                old_properties: r.old_resource_properties,
            },
            request_id: r.common.request_id,
            stack_id: r.common.stack_id,
            logical_resource_id: r.common.logical_resource_id,
            properties: r.common.resource_properties,
            reply,
        },
        provider::CloudFormationCustomResourceRequest::Delete(r) => DatasetRequest {
            kind: RequestKind::Delete {
                physical_resource_id: r.physical_resource_id,
            },
            request_id: r.common.request_id,
            stack_id: r.common.stack_id,
            logical_resource_id: r.common.logical_resource_id,
            properties: r.common.resource_properties,
            reply,
        },
        other => {
            return Err(MalformedRequest {
                message: format!("unsupported request type: {other:?}"),
                echo: None,
            })
        }
    })
}

/// The ids of a request that failed to parse as a whole, if it has them.
fn echo_of(event: &Value, url: &str) -> Option<Box<Echo>> {
    let field = |k: &str| event.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Box::new(Echo {
        response_url: url.to_string(),
        request_id: field("RequestId")?,
        stack_id: field("StackId")?,
        logical_resource_id: field("LogicalResourceId")?,
        physical_resource_id: field("PhysicalResourceId"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfn_update() -> Value {
        json!({
            "RequestType": "Update", "RequestId": "r-1", "ResponseURL": "https://s3.example/put?sig",
            "StackId": "arn:aws:cloudformation:eu-west-1:1:stack/s/1", "ResourceType": "Custom::DepotDataset",
            "LogicalResourceId": "Dogs", "PhysicalResourceId": "6d9c7969f0b1",
            "ResourceProperties": {"alias": "Dogs"}, "OldResourceProperties": {"alias": "Dogs0"}
        })
    }

    #[test]
    fn a_cloudformation_update_keeps_its_ids_and_old_properties() {
        let r = parse_request(&cfn_update()).unwrap();
        assert_eq!(
            r.reply,
            ReplyChannel::ResponseUrl("https://s3.example/put?sig".into())
        );
        assert_eq!(r.physical_resource_id(), Some("6d9c7969f0b1"));
        assert_eq!(r.logical_resource_id, "Dogs");
        match r.kind {
            RequestKind::Update { old_properties, .. } => {
                assert_eq!(old_properties["alias"], "Dogs0")
            }
            other => panic!("expected an Update, got {other:?}"),
        }
    }

    #[test]
    fn the_provider_frameworks_placeholder_url_means_return_the_result() {
        let mut event = cfn_update();
        event["ResponseURL"] = json!("...");
        assert_eq!(
            parse_request(&event).unwrap().reply,
            ReplyChannel::ProviderFramework
        );
        event.as_object_mut().unwrap().remove("ResponseURL");
        assert_eq!(
            parse_request(&event).unwrap().reply,
            ReplyChannel::ProviderFramework
        );
    }

    #[test]
    fn a_malformed_request_with_a_response_url_can_still_be_answered() {
        let mut event = cfn_update();
        event["RequestType"] = json!("Explode");
        let err = parse_request(&event).unwrap_err();
        let echo = err.echo.expect("ids to echo");
        assert_eq!(echo.request_id, "r-1");
        assert_eq!(echo.physical_resource_id.as_deref(), Some("6d9c7969f0b1"));
        assert!(
            err.message
                .contains("not a CloudFormation custom-resource request"),
            "{}",
            err.message
        );
    }
}
