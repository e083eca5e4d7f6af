//! The asynchronous runner end to end, against a real PostgreSQL (a fresh database per test)
//! and a moto server (S3, EventBridge, SQS, Secrets Manager), with the built `migration-runner`
//! and `migration-forwarder` binaries run as processes. `make test` starts both servers; without
//! them every test here fails (never skips), saying how to start them.

mod sfn_harness;
mod world;

mod chain;
mod dead_letters;
mod dependencies;
mod entry_points;
mod kill_and_resume;
mod lambda_emulator;
mod long_runs;
mod phase_range;
mod plan_metadata;
mod refusals;
mod seeding;
mod serialization;
mod state_machines;
