//! SfnHarness: the runner and dispatcher state machines of the synthesized CDK template
//! (infra's example app), created and EXECUTED in the moto server of
//! `scripts/ensure-moto-sfn.sh` (`DEPOT_MOTO_SFN_ENDPOINT`), whose service integrations call
//! that same server (EventBridge, Step Functions) and whose mocked states stand in for what
//! moto cannot run (the Batch job, the reporter Lambda: LocalStack's mock configuration format).
//!
//! The template comes from `node infra/dist/test/print-template.js` (built by `make test`'s
//! infra step, `npm test`), once per test process; its `Fn::Join`/`Ref`/`Fn::GetAtt` are
//! resolved with fixed test values (account 123456789012, the test's own runner state machine,
//! the test's bus in place of the default bus).
//!
//! What moto cannot do is done here, by hand, and named so: the EventBridge Pipe (moto has no
//! Pipes, and no StartSyncExecution): messages are taken from the FIFO queue, handed to a
//! dispatcher execution in the Pipe's SQS batch shape, and deleted once it succeeded.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, HistoryEventType};
use serde_json::{json, Value};

use crate::world::{region, World};

const HOW: &str =
    "run `make test` (it builds infra/ and starts the Step Functions moto server), or \
                   set DEPOT_MOTO_SFN_ENDPOINT to the URL `scripts/ensure-moto-sfn.sh` prints";
pub const ACCOUNT: &str = "123456789012";
const ENV: &str = "e2e404529091ed2";

/// The Step Functions moto server's URL.
pub fn sfn_endpoint() -> String {
    match std::env::var("DEPOT_MOTO_SFN_ENDPOINT") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            panic!("DEPOT_MOTO_SFN_ENDPOINT is not set: these tests execute state machines; {HOW}")
        }
    }
}

/// The example app's template, synthesized once per test process.
pub fn template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let infra = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra");
        let script = infra.join("dist/test/print-template.js");
        assert!(
            script.exists(),
            "{} is missing: build infra/ (`cd infra && npm ci && npm run build`); {HOW}",
            script.display()
        );
        let output = std::process::Command::new("node")
            .arg(&script)
            .current_dir(&infra)
            .output()
            .unwrap_or_else(|e| panic!("running node {}: {e}; {HOW}", script.display()));
        assert!(
            output.status.success(),
            "synthesizing the example app failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("the template is JSON")
    })
}

/// The template's resource of `kind` whose property `name_property` is `name`: (logical id, resource).
fn resource_named(kind: &str, name_property: &str, name: &str) -> (String, Value) {
    let resources = template()["Resources"].as_object().unwrap();
    let found: Vec<_> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == kind && r["Properties"][name_property] == name)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} named {name} in the template");
    (found[0].0.clone(), found[0].1.clone())
}

/// The migration-plan rule's event pattern, as synthesized.
pub fn migration_plan_rule_pattern() -> Value {
    resource_named(
        "AWS::Events::Rule",
        "Name",
        &format!("sdp-{ENV}-migration-plan"),
    )
    .1["Properties"]["EventPattern"]
        .clone()
}

/// Values for the template's references, fixed by the test.
pub struct TestValues {
    pub runner_arn: String,
    pub reporter_arn: String,
    pub job_queue_arn: String,
    pub bus_arn: String,
}

impl TestValues {
    fn resolve(&self, value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Object(o) if o.contains_key("Fn::Join") => {
                let parts = o["Fn::Join"][1].as_array().unwrap();
                let joined: Vec<String> = parts.iter().map(|p| self.resolve(p)).collect();
                joined.join(o["Fn::Join"][0].as_str().unwrap())
            }
            Value::Object(o) if o.contains_key("Ref") || o.contains_key("Fn::GetAtt") => {
                let id = o
                    .get("Ref")
                    .or_else(|| o["Fn::GetAtt"].get(0))
                    .and_then(Value::as_str)
                    .unwrap();
                match id {
                    "AWS::Partition" => "aws".into(),
                    "AWS::Region" => region(),
                    "AWS::AccountId" => ACCOUNT.into(),
                    "AWS::URLSuffix" => "amazonaws.com".into(),
                    id => {
                        let kind = template()["Resources"][id]["Type"].as_str().unwrap_or("?");
                        match kind {
                            "AWS::StepFunctions::StateMachine" => self.runner_arn.clone(),
                            "AWS::Lambda::Function" => self.reporter_arn.clone(),
                            "AWS::Batch::JobQueue" => self.job_queue_arn.clone(),
                            other => panic!("no test value for {id} ({other})"),
                        }
                    }
                }
            }
            other => panic!("cannot resolve {other}"),
        }
    }

    /// The definition of the state machine named `name`, references resolved; the default
    /// bus is the test's bus.
    pub fn definition(&self, name: &str) -> String {
        let (_, machine) =
            resource_named("AWS::StepFunctions::StateMachine", "StateMachineName", name);
        let text = self.resolve(&machine["Properties"]["DefinitionString"]);
        let default_bus = format!("arn:aws:events:{}:{ACCOUNT}:event-bus/default", region());
        text.replace(&default_bus, &self.bus_arn)
    }
}

/// One mocked state's answer (LocalStack's MockedResponses entry).
pub enum Mock {
    Return(Value),
    Throw { error: String, cause: String },
}

/// The runner and the dispatcher of one test, in the Step Functions moto server.
pub struct SfnHarness {
    pub sfn: aws_sdk_sfn::Client,
    pub runner_arn: String,
    pub dispatcher_arn: String,
    pub values: TestValues,
    endpoint: String,
}

impl SfnHarness {
    /// Creates this test's runner (its states in `mocks` answer as given) and dispatcher.
    pub async fn new(world: &World, mocks: Vec<(&str, Mock)>) -> SfnHarness {
        let endpoint = world.endpoint.clone();
        let config = depot_aws::config::load_sdk_config_from(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(region()))
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "testing", "testing", None, None, "tests",
                ))
                .endpoint_url(&endpoint),
        )
        .await
        .expect("the AWS HTTPS client");
        let sfn = aws_sdk_sfn::Client::new(&config);
        let tag = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let runner_name = format!("runner-{tag}");
        let values = TestValues {
            runner_arn: format!(
                "arn:aws:states:{}:{ACCOUNT}:stateMachine:{runner_name}",
                region()
            ),
            reporter_arn: format!(
                "arn:aws:lambda:{}:{ACCOUNT}:function:sdp-{ENV}-failure-reporter",
                region()
            ),
            job_queue_arn: format!(
                "arn:aws:batch:{}:{ACCOUNT}:job-queue/sdp-{ENV}-migrations",
                region()
            ),
            bus_arn: world.bus_arn.clone(),
        };
        let mut states = serde_json::Map::new();
        let mut responses = serde_json::Map::new();
        for (state, mock) in mocks {
            let response = format!("{tag}{state}");
            states.insert(state.to_string(), json!(response));
            let answer = match mock {
                Mock::Return(value) => json!({"Return": value}),
                Mock::Throw { error, cause } => json!({"Throw": {"Error": error, "Cause": cause}}),
            };
            responses.insert(response, json!({ "0": answer }));
        }
        let config = json!({
            "StateMachines": {runner_name.clone(): {"TestCases": {"case": states}}},
            "MockedResponses": responses,
        });
        let answer = http_post(
            &format!("{endpoint}/_depot/sfn-mock-config"),
            &config.to_string(),
        )
        .await;
        assert_eq!(answer.0, 200, "registering the mocks: {}", answer.1);

        let role = format!("arn:aws:iam::{ACCOUNT}:role/depot-tests");
        let runner_arn = sfn
            .create_state_machine()
            .name(&runner_name)
            .definition(values.definition(&format!("sdp-{ENV}-ds-migration-runner")))
            .role_arn(&role)
            .r#type(aws_sdk_sfn::types::StateMachineType::Standard)
            .send()
            .await
            .expect("creating the runner state machine (is DEPOT_MOTO_SFN_ENDPOINT the server of scripts/ensure-moto-sfn.sh?)")
            .state_machine_arn;
        assert_eq!(runner_arn, values.runner_arn);
        let dispatcher_arn = sfn
            .create_state_machine()
            .name(format!("dispatcher-{tag}"))
            .definition(values.definition(&format!("sdp-{ENV}-migration-dispatcher")))
            .role_arn(&role)
            .r#type(aws_sdk_sfn::types::StateMachineType::Express)
            .send()
            .await
            .expect("creating the dispatcher state machine")
            .state_machine_arn;
        SfnHarness {
            sfn,
            runner_arn,
            dispatcher_arn,
            values,
            endpoint,
        }
    }

    /// The Pipe's hop, by hand: every message of the FIFO queue, in one dispatcher execution
    /// with the Pipe's SQS batch as its input; deleted when the execution succeeded. Returns
    /// how many messages there were.
    pub async fn pipe(&self, world: &World) -> usize {
        let received = world
            .sqs
            .receive_message()
            .queue_url(&world.fifo_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("reading the FIFO queue");
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return 0;
        }
        let batch: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(),
                       "body": m.body(), "attributes": {}, "messageAttributes": {},
                       "md5OfBody": m.md5_of_body(), "eventSource": "aws:sqs",
                       "eventSourceARN": format!("arn:aws:sqs:{}:{ACCOUNT}:runs.fifo", region()),
                       "awsRegion": region()})
            })
            .collect();
        let execution = self
            .sfn
            .start_execution()
            .state_machine_arn(&self.dispatcher_arn)
            .name(uuid::Uuid::new_v4().to_string())
            .input(Value::Array(batch).to_string())
            .send()
            .await
            .expect("starting the dispatcher")
            .execution_arn;
        let (status, error) = self.finished(&execution).await;
        assert_eq!(
            status,
            ExecutionStatus::Succeeded,
            "the dispatcher: {error:?}"
        );
        for m in &messages {
            world
                .sqs
                .delete_message()
                .queue_url(&world.fifo_url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
        messages.len()
    }

    /// The runner executions so far.
    pub async fn runner_executions(&self) -> Vec<String> {
        self.sfn
            .list_executions()
            .state_machine_arn(&self.runner_arn)
            .send()
            .await
            .expect("listing the runner's executions")
            .executions
            .into_iter()
            .map(|e| e.execution_arn)
            .collect()
    }

    /// Waits for an execution's end: its status and (error, cause).
    pub async fn finished(&self, execution: &str) -> (ExecutionStatus, Option<(String, String)>) {
        let started = Instant::now();
        loop {
            let described = self
                .sfn
                .describe_execution()
                .execution_arn(execution)
                .send()
                .await
                .expect("describing the execution");
            if described.status != ExecutionStatus::Running {
                let error = described
                    .error
                    .map(|e| (e, described.cause.unwrap_or_default()));
                return (described.status, error);
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "waited a minute for {execution}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The execution's history, oldest first.
    pub async fn history(&self, execution: &str) -> Vec<HistoryEvent> {
        self.sfn
            .get_execution_history()
            .execution_arn(execution)
            .max_results(1000)
            .send()
            .await
            .expect("reading the execution history")
            .events
    }

    /// The parameters (JSON) of each task the execution scheduled, with its state's name.
    pub async fn scheduled_tasks(&self, execution: &str) -> Vec<(String, Value)> {
        let mut state = String::new();
        let mut tasks = Vec::new();
        for event in self.history(execution).await {
            if let Some(entered) = event.state_entered_event_details() {
                state = entered.name.clone();
            }
            if event.r#type == HistoryEventType::TaskScheduled {
                let details = event.task_scheduled_event_details().unwrap();
                let parameters = serde_json::from_str(&details.parameters).unwrap();
                tasks.push((state.clone(), parameters));
            }
        }
        tasks
    }

    /// The names of the states the execution entered, in order.
    pub async fn states_entered(&self, execution: &str) -> Vec<String> {
        self.history(execution)
            .await
            .iter()
            .filter_map(|e| e.state_entered_event_details().map(|d| d.name.clone()))
            .collect()
    }

    #[allow(dead_code)]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// A POST of a JSON body over plain HTTP/1.1 (the mock configuration endpoint is no AWS API,
/// so no SDK call reaches it): (status, answer).
async fn http_post(url: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .unwrap_or_else(|e| panic!("connecting to {host}: {e}; {HOW}"));
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}
