//! The artifact that ships, not a dev build: `scripts/build-lambdas.sh` (what `make lambdas`
//! runs: `cargo lambda build --release` with the release-lambda settings) builds the entity
//! creator for this machine's architecture, and the binary runs as a process against
//! `cargo lambda watch --only-lambda-apis` (the Lambda runtime API emulator). An invalid request
//! must reach CloudFormation as FAILED, and the process must live on to answer the next one.
//!
//! Why this matters: `cargo lambda build --release` chooses `panic = "abort"` unless the profile
//! says otherwise, and an aborting function never answers CloudFormation. Cargo.toml's
//! [profile.release] says `unwind`, and every Lambda binary refuses to compile with abort
//! (`compile_error!`), so the build below succeeding is itself the proof that the artifact
//! unwinds. No request makes the shipped binary panic on purpose (it carries no test hook);
//! that a panicking handler still answers FAILED is tested on the supervisor
//! (tests/entity_creator/failures.rs).
//!
//! The fat-LTO build takes minutes on two cores; cargo reuses it while nothing changed.

#[path = "entity_creator/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::*;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the artifacts as `make lambdas` does, for this machine; the entity creator's path.
fn build_shipped_artifact() -> PathBuf {
    let lambda_dir = workspace().join("target/lambda-host");
    let started = Instant::now();
    // Only the function this test runs: the same command and settings as `make lambdas`, without
    // three more fat-LTO links.
    let status = Command::new(workspace().join("scripts/build-lambdas.sh"))
        .arg("host")
        .arg(&lambda_dir)
        .arg("entity-creator-aurora")
        .current_dir(workspace())
        .status()
        .expect("running scripts/build-lambdas.sh");
    assert!(status.success(), "scripts/build-lambdas.sh host failed");
    eprintln!(
        "shipped artifacts built (or reused) in {:.0?}",
        started.elapsed()
    );
    let binary = lambda_dir.join("entity-creator-aurora/bootstrap");
    assert!(binary.exists(), "{} was not built", binary.display());
    binary
}

/// A process (and its process group), killed when dropped, with its output in a file.
struct Process {
    child: Child,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.wait();
    }
}

impl Process {
    fn start(command: &mut Command, name: &str) -> Process {
        let log = std::env::temp_dir().join(format!("depot-{name}-{}.log", uuid::Uuid::new_v4()));
        let out = std::fs::File::create(&log).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Process { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_for(&self, text: &str, within: Duration) {
        let start = Instant::now();
        while !self.log().contains(text) {
            assert!(
                start.elapsed() < within,
                "no {text:?} in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `cargo lambda invoke` of the function the runtime API serves (`_` with --only-lambda-apis).
fn invoke(port: u16, event: &serde_json::Value) -> std::process::Output {
    let path = std::env::temp_dir().join(format!("depot-event-{}.json", uuid::Uuid::new_v4()));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(event.to_string().as_bytes()))
        .unwrap();
    let output = Command::new("cargo")
        .args(["lambda", "invoke", "_", "-A", "127.0.0.1", "-P"])
        .arg(port.to_string())
        .arg("--data-file")
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo lambda invoke");
    let _ = std::fs::remove_file(&path);
    output
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_entity_creator_answers_failed_to_an_invalid_request_and_lives_on() {
    let binary = build_shipped_artifact();
    let world = World::new().await;

    let port = free_port();
    let runtime_api = Process::start(
        Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "-A",
                "127.0.0.1",
                "-P",
            ])
            .arg(port.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR")),
        "runtime-api",
    );
    runtime_api.wait_for("starting Runtime server", Duration::from_secs(60));
    // The AWS settings (moto's endpoint, test credentials) come from this test's environment.
    let mut function = Process::start(
        Command::new(&binary)
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{port}/.rt"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("RUST_LOG", "info"),
        "entity-creator",
    );

    // A request whose package breaks a naming rule: refused at validation, answered FAILED.
    let mut package = package_v1();
    package["schemas"]["Dog"]["fields"]["bad-name"] = json!({"type": "string"});
    let (url, key) = world.response_url().await;
    let request = cfn_request(
        "Create",
        &url,
        world.properties("Shipped", package, "synchronous"),
    );
    let invoked = invoke(port, &request);
    assert!(
        invoked.status.success(),
        "invoke failed: {}\nfunction log:\n{}",
        String::from_utf8_lossy(&invoked.stderr),
        function.log()
    );
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED", "{response}");
    assert_eq!(response["RequestId"], request["RequestId"]);
    let reason = response["Reason"].as_str().unwrap_or_default();
    assert!(reason.contains("bad-name"), "{reason}");

    // Not a custom-resource request at all: an error to the invoker, and the process goes on.
    let refused = invoke(port, &json!({"hello": "world"}));
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not a custom-resource request"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(
        function.is_running(),
        "the function process ended:\n{}",
        function.log()
    );

    // The same process answers the next request.
    let (url, key) = world.response_url().await;
    let mut package = package_v1();
    package["schemas"]["Dog"]["fields"]["also-bad"] = json!({"type": "string"});
    let again = cfn_request(
        "Create",
        &url,
        world.properties("Shipped", package, "synchronous"),
    );
    assert!(invoke(port, &again).status.success(), "{}", function.log());
    assert_eq!(world.response(&key).await["Status"], "FAILED");
    assert!(
        !function.log().contains(&world.password),
        "the password reached the log"
    );
}
