//! The Lambda plan transformer (`planTransformer.lambdaArn`): the entity creator invokes the
//! function synchronously with Depot's plan (JSON) as the event, and the function returns the
//! adjusted plan. A function error (an exception in the function) is a refusal whose reason is
//! the first line of its `errorMessage`. The Invoke call goes through [`LambdaInvoke`], so the
//! choreography is tested against a fake (moto's Lambda needs Docker).

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use depot_core::dataset::PlanTransformerConfig;
use depot_deploy::PlanTransformer;
use serde_json::Value;

use crate::sdk_error;

/// What a synchronous Invoke returned: the function's error kind (`Unhandled`, ...) when it
/// failed, and its response payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
}

/// LambdaInvoke invokes a function synchronously (RequestResponse).
#[async_trait]
pub trait LambdaInvoke: Send + Sync {
    async fn invoke(&self, function: &str, payload: Vec<u8>) -> Result<Invoked, String>;
}

#[async_trait]
impl LambdaInvoke for aws_sdk_lambda::Client {
    async fn invoke(&self, function: &str, payload: Vec<u8>) -> Result<Invoked, String> {
        let output = aws_sdk_lambda::Client::invoke(self)
            .function_name(function)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| sdk_error::describe(&e))?;
        Ok(Invoked {
            function_error: output.function_error().map(str::to_string),
            payload: output
                .payload()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
        })
    }
}

/// LambdaTransformer invokes `planTransformer.lambdaArn` with the plan.
pub struct LambdaTransformer<I> {
    pub invoker: I,
}

#[async_trait]
impl<I: LambdaInvoke> PlanTransformer for LambdaTransformer<I> {
    async fn transform(
        &self,
        config: &PlanTransformerConfig,
        plan: &Value,
    ) -> Result<Value, String> {
        let Some(arn) = &config.lambda_arn else {
            return Err(format!(
                "{} runs from the command line (`depot deploy`); in the cloud the transformer is \
                 a Lambda function: name it with `planTransformer.lambdaArn`",
                config.describe()
            ));
        };
        let payload = serde_json::to_vec(plan).expect("plans serialize");
        let invoked =
            match tokio::time::timeout(config.timeout(), self.invoker.invoke(arn, payload)).await {
                Ok(result) => result.map_err(|e| format!("invoking it failed: {e}"))?,
                Err(_) => {
                    return Err(format!(
                        "it did not answer within {} s (planTransformer.timeoutSeconds)",
                        config.timeout().as_secs()
                    ))
                }
            };
        if let Some(kind) = invoked.function_error {
            let message = serde_json::from_slice::<Value>(&invoked.payload)
                .ok()
                .and_then(|v| {
                    v.get("errorMessage")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_default();
            let reason = message
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("(no errorMessage)");
            return Err(format!("the function refused the plan ({kind}): {reason}"));
        }
        serde_json::from_slice(&invoked.payload)
            .map_err(|e| format!("the function did not return a JSON plan: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use serde_json::json;

    /// A Lambda that answers with a fixed result after a delay, and keeps what it was sent.
    struct FakeLambda {
        answer: Result<Invoked, String>,
        delay: Duration,
        sent: Mutex<Vec<(String, Value)>>,
    }

    impl FakeLambda {
        fn answering(answer: Result<Invoked, String>) -> FakeLambda {
            FakeLambda {
                answer,
                delay: Duration::ZERO,
                sent: Mutex::new(vec![]),
            }
        }
    }

    #[async_trait]
    impl LambdaInvoke for FakeLambda {
        async fn invoke(&self, function: &str, payload: Vec<u8>) -> Result<Invoked, String> {
            self.sent.lock().unwrap().push((
                function.to_string(),
                serde_json::from_slice(&payload).unwrap(),
            ));
            tokio::time::sleep(self.delay).await;
            self.answer.clone()
        }
    }

    const ARN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:adjust";

    fn lambda_config(timeout_seconds: Option<u32>) -> PlanTransformerConfig {
        PlanTransformerConfig {
            lambda_arn: Some(ARN.into()),
            command: None,
            timeout_seconds,
        }
    }

    #[tokio::test]
    async fn the_plan_goes_to_the_function_and_its_answer_comes_back() {
        let adjusted = json!({"migrationId": "m", "phases": []});
        let fake = FakeLambda::answering(Ok(Invoked {
            function_error: None,
            payload: serde_json::to_vec(&adjusted).unwrap(),
        }));
        let transformer = LambdaTransformer { invoker: fake };
        let plan = json!({"migrationId": "m", "phases": [{"phase": 300}]});
        let got = transformer
            .transform(&lambda_config(None), &plan)
            .await
            .unwrap();
        assert_eq!(got, adjusted);
        assert_eq!(
            *transformer.invoker.sent.lock().unwrap(),
            [(ARN.to_string(), plan)]
        );
    }

    #[tokio::test]
    async fn a_function_error_is_a_refusal_with_its_message() {
        let fake = FakeLambda::answering(Ok(Invoked {
            function_error: Some("Unhandled".into()),
            payload: serde_json::to_vec(&json!({
                "errorMessage": "phase 1500 is reserved\nTraceback ...",
                "errorType": "ValueError"
            }))
            .unwrap(),
        }));
        let transformer = LambdaTransformer { invoker: fake };
        let err = transformer
            .transform(&lambda_config(None), &json!({}))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            "the function refused the plan (Unhandled): phase 1500 is reserved"
        );
    }

    #[tokio::test]
    async fn invoke_failures_timeouts_and_non_json_answers_are_refusals() {
        let transformer = LambdaTransformer {
            invoker: FakeLambda::answering(Err("AccessDeniedException: not allowed".into())),
        };
        let err = transformer
            .transform(&lambda_config(None), &json!({}))
            .await
            .unwrap_err();
        assert!(err.contains("AccessDeniedException"), "{err}");

        let mut slow = FakeLambda::answering(Ok(Invoked {
            function_error: None,
            payload: b"{}".to_vec(),
        }));
        slow.delay = Duration::from_secs(5);
        let transformer = LambdaTransformer { invoker: slow };
        let err = transformer
            .transform(&lambda_config(Some(1)), &json!({}))
            .await
            .unwrap_err();
        assert!(err.contains("within 1 s"), "{err}");

        let transformer = LambdaTransformer {
            invoker: FakeLambda::answering(Ok(Invoked {
                function_error: None,
                payload: b"null-ish".to_vec(),
            })),
        };
        let err = transformer
            .transform(&lambda_config(None), &json!({}))
            .await
            .unwrap_err();
        assert!(err.contains("did not return a JSON plan"), "{err}");
    }

    #[tokio::test]
    async fn a_command_transformer_is_not_run_in_the_cloud() {
        let transformer = LambdaTransformer {
            invoker: FakeLambda::answering(Err("never called".into())),
        };
        let config = PlanTransformerConfig {
            lambda_arn: None,
            command: Some(vec!["./adjust.py".into()]),
            timeout_seconds: None,
        };
        let err = transformer
            .transform(&config, &json!({}))
            .await
            .unwrap_err();
        assert!(err.contains("lambdaArn"), "{err}");
        assert!(transformer.invoker.sent.lock().unwrap().is_empty());
    }
}
