//! Cold init of the Lambda binaries: the time from process start to the first poll of the
//! Lambda runtime API (`GET /2018-06-01/runtime/invocation/next`), which is what Lambda bills
//! as init. A local listener plays the runtime API; each binary is started `RUNS` times and the
//! median is reported, next to a hello-world `lambda_runtime` function measured the same way.
//!
//! Run with `make bench-lambda` (it builds the release binaries first). The binaries are those of
//! this machine's architecture: the arm64 artifacts of `make lambdas` run the same code.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 25;

fn main() {
    let dir = profile_dir();
    let baseline = measure(&dir.join("hello-lambda"), &[]);
    println!(
        "{:<28} {:>10} {:>10} {:>8}",
        "binary", "init (ms)", "size (MB)", "x hello"
    );
    report(
        "hello-lambda",
        &dir.join("hello-lambda"),
        baseline,
        baseline,
    );
    for name in [
        // What mimalloc, the entity creators' allocator, adds on its own.
        "hello-lambda-mimalloc",
        "entity-creator-aurora",
        "entity-creator-snowflake",
        "migration-runner",
        "migration-forwarder",
    ] {
        let path = dir.join(name);
        if !path.exists() {
            println!("{name:<28} (not built: {})", path.display());
            continue;
        }
        report(name, &path, measure(&path, &[]), baseline);
    }
    // The same function trusting the platform's CA bundle (~140 roots) instead of the built-in
    // Amazon Trust Services roots: what parsing a full bundle costs at init.
    let aurora = dir.join("entity-creator-aurora");
    if let Some(bundle) = PLATFORM_BUNDLES.iter().find(|p| Path::new(p).exists()) {
        if aurora.exists() {
            let init = measure(&aurora, &[("SSL_CERT_FILE", bundle)]);
            report("  aurora, platform CA bundle", &aurora, init, baseline);
        }
    }
}

/// The CA bundle of Amazon Linux (the Lambda runtime) and of Debian/Ubuntu.
const PLATFORM_BUNDLES: [&str; 2] = [
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
];

fn report(name: &str, path: &Path, init: Duration, baseline: Duration) {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1_000_000.0;
    println!(
        "{name:<28} {:>10.2} {:>10.1} {:>8.2}",
        init.as_secs_f64() * 1000.0,
        size,
        init.as_secs_f64() / baseline.as_secs_f64()
    );
}

/// The median time from spawn to the first runtime-API request, over RUNS starts.
fn measure(binary: &Path, env: &[(&str, &str)]) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| once(binary, env)).collect();
    times.sort();
    times[RUNS / 2]
}

fn once(binary: &Path, env: &[(&str, &str)]) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let address = listener.local_addr().unwrap().to_string();
    let start = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        // What Lambda gives every function: a region and the role's credentials.
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_SESSION_TOKEN", "bench")
        // The forwarder's one setting (it refuses to start without it).
        .env(
            "DEPOT_QUEUE_URL",
            "http://127.0.0.1:1/000000000000/bench.fifo",
        )
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
    // A binary that exits before polling would leave accept() waiting for ever.
    listener.set_nonblocking(true).unwrap();
    let stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "{} exited ({status}) before polling the runtime API",
                        binary.display()
                    );
                }
                std::thread::sleep(Duration::from_micros(50));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    let mut line = String::new();
    BufReader::new(&stream)
        .read_line(&mut line)
        .expect("a request line");
    let elapsed = start.elapsed();
    assert!(
        line.contains("/runtime/invocation/next"),
        "unexpected first request: {line}"
    );
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

fn profile_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    // The profile of the Lambda artifacts (`make lambdas`), for every binary measured here.
    target.join("release-lambda")
}
