//! The real function binary, run by `cargo lambda watch` (the Lambda runtime API emulator) and
//! invoked with `cargo lambda invoke`: the CloudFormation response lands at the presigned
//! ResponseURL, and the function's stdout holds one JSON object a line, each carrying the
//! request id, with no secret in any of them.

#[path = "entity_creator/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use support::*;

/// The emulator, killed (with the function it started) when dropped.
struct Watch {
    child: Child,
    log: PathBuf,
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The process group: cargo-lambda and the function binary it runs.
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.wait();
    }
}

impl Watch {
    fn start(port: u16) -> Watch {
        let log = std::env::temp_dir().join(format!("depot-cargo-lambda-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("cargo")
            .args(["lambda", "watch", "--ignore-changes", "-A", "127.0.0.1", "-P"])
            .arg(port.to_string())
            .args(["-p", "depot-lambda", "--bin", "entity-creator-aurora"])
            .env("RUST_LOG", "info")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cargo lambda is not installed ({e}): run `make test`, or `pip install cargo-lambda`"));
        Watch { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_for(&self, text: &str, within: Duration) {
        let start = Instant::now();
        while !self.log().contains(text) {
            assert!(
                start.elapsed() < within,
                "cargo lambda watch did not say {text:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_function_answers_cloudformation_through_cargo_lambda() {
    let world = World::new().await;
    let port = free_port();
    let watch = Watch::start(port);
    watch.wait_for("starting Runtime server", Duration::from_secs(300));

    // The emulator compiles and starts the function at the first invocation, and that first
    // invocation's deadline runs meanwhile: warm it up with a request it refuses at once.
    let warm_up = invoke_emulator(port, &serde_json::json!({"warm": "up"}));
    assert!(!warm_up.status.success(), "a non-request must be refused");
    assert!(
        String::from_utf8_lossy(&warm_up.stderr).contains("not a custom-resource request"),
        "{}",
        String::from_utf8_lossy(&warm_up.stderr)
    );

    let (url, key) = world.response_url().await;
    let event = cfn_request(
        "Create",
        &url,
        world.properties("Emulated", package_v1(), "synchronous"),
    );
    let invoke = invoke_emulator(port, &event);
    assert!(
        invoke.status.success(),
        "invoke failed: {}\n{}\nfunction log:\n{}",
        String::from_utf8_lossy(&invoke.stdout),
        String::from_utf8_lossy(&invoke.stderr),
        watch.log()
    );

    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}\n{}", watch.log());
    let dataset_id = response["PhysicalResourceId"].as_str().unwrap();

    let log = watch.log();
    let request_id = event["RequestId"].as_str().unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let ours: Vec<_> = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == request_id)
        .collect();
    assert!(
        !ours.is_empty(),
        "no log line carries the request id:\n{log}"
    );
    assert!(
        ours.iter().any(|l| l["span"]["dataset_id"] == dataset_id),
        "no log line carries the dataset id:\n{log}"
    );
    assert!(
        !log.contains(&world.password),
        "the password reached the log"
    );
    assert!(
        !log.contains("X-Amz-Signature"),
        "the presigned ResponseURL reached the log"
    );
}

fn invoke_emulator(port: u16, event: &serde_json::Value) -> std::process::Output {
    let path = std::env::temp_dir().join(format!("depot-event-{}.json", uuid::Uuid::new_v4()));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(event.to_string().as_bytes()))
        .unwrap();
    Command::new("cargo")
        .args([
            "lambda",
            "invoke",
            "entity-creator-aurora",
            "-A",
            "127.0.0.1",
            "-P",
        ])
        .arg(port.to_string())
        .arg("--data-file")
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo lambda invoke")
}
