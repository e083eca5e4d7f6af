//! The real function binaries under the Lambda runtime API, emulated by `cargo lambda watch`
//! and invoked with `cargo lambda invoke`: the forwarder takes the bus's `migration-plan` event
//! to the FIFO queue, and the runner takes the queue's message as an SQS event (what the event
//! source mapping hands it) and deploys. Its log lines are JSON carrying the dataset and
//! migration ids, and no secret.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::world::{World, DATASET_ID};

/// The emulator and the functions it started, killed (their process group) when dropped.
struct Watch {
    child: Child,
    log: PathBuf,
    port: u16,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").arg("--").arg(group).status();
        let _ = self.child.wait();
    }
}

impl Watch {
    fn start(world: &World) -> Watch {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::env::temp_dir().join(format!("depot-runner-cargo-lambda-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "eu-west-1".into());
        let child = Command::new("cargo")
            .args(["lambda", "watch", "--ignore-changes", "-A", "127.0.0.1", "-P"])
            .arg(port.to_string())
            .args(["-p", "depot-runner"])
            .args(["--env-var", &format!("AWS_ENDPOINT_URL={}", world.endpoint)])
            .args(["--env-var", &format!("AWS_REGION={region}")])
            .args(["--env-var", "AWS_ACCESS_KEY_ID=testing"])
            .args(["--env-var", "AWS_SECRET_ACCESS_KEY=testing"])
            .args(["--env-var", "AWS_EC2_METADATA_DISABLED=true"])
            .args(["--env-var", &format!("DEPOT_QUEUE_URL={}", world.fifo_url)])
            .args(["--env-var", "DEPOT_LOCK_WAIT_SECS=60"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cargo lambda is not installed ({e}): run `make test`, or `pip install cargo-lambda`")
            });
        Watch { child, log, port }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the emulator to listen. (The bound is there to fail a broken setup, not to
    /// time anything: the first start may compile the functions.)
    fn wait_until_serving(&self) {
        let started = Instant::now();
        while !self.log().contains("starting Runtime server") {
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "cargo lambda watch did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    async fn invoke(&self, function: &str, event: &Value) -> Value {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), event.to_string()).unwrap();
        let output = tokio::process::Command::new("cargo")
            .args(["lambda", "invoke", function, "-A", "127.0.0.1", "-P"])
            .arg(self.port.to_string())
            .arg("--data-file")
            .arg(file.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .await
            .expect("cargo lambda invoke");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "invoking {function} failed: {stdout}\n{}\nfunction log:\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
        serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("{function} answered no JSON ({e}): {stdout}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_forwarder_and_runner_deploy_through_cargo_lambda() {
    let world = World::new().await;
    let (dataset, event) = world.v2_scheduled().await;
    let hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);

    let watch = Watch::start(&world);
    watch.wait_until_serving();
    let forwarded = watch.invoke("migration-forwarder", &event).await;
    assert_eq!(forwarded["forwarded"], true, "{forwarded}");

    // What the event source mapping does: the queue's message, as an SQS event.
    let received = world
        .sqs
        .receive_message()
        .queue_url(&world.fifo_url)
        .send()
        .await
        .unwrap();
    let message = received.messages().first().expect("the forwarded message");
    let batch = json!({"Records": [{
        "messageId": message.message_id(), "body": message.body(), "eventSource": "aws:sqs",
    }]});
    let answer = watch.invoke("migration-runner", &batch).await;
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    assert_eq!(answer["runs"][0]["outcome"], "deployed", "{answer}");
    assert!(world.state().await.is_stable_at(&hash));

    let log = watch.log();
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let migration_id = event["detail"]["migrationId"].as_str().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["dataset_id"] == DATASET_ID
                && l["span"]["migration_id"] == migration_id),
        "no log line carries the dataset and migration ids:\n{log}"
    );
    assert!(
        !log.contains("unused-with-trust-auth"),
        "the password reached the log"
    );
}
