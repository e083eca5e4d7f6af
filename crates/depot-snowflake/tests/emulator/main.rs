//! Tests against the fakesnow emulator (see /work/shared/TESTING.md and emulator.rs): the
//! session, state and lease, whole deploys and their lifecycle, the package pairs (hand-written
//! and generated), a failure in the middle of a plan and its resume.

mod features;
mod generated_pairs;
mod import;
mod injection;
mod lifecycle;
mod packages;
mod pairs;
mod state;
mod support;
mod widening;
