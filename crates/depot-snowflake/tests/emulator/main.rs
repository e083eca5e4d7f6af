//! Tests against the fakesnow emulator (see /work/shared/TESTING.md and emulator.rs): the
//! session, state and lease, whole deploys and their lifecycle, the package pairs, a failure
//! in the middle of a plan and its resume.

mod features;
mod import;
mod injection;
mod lifecycle;
mod packages;
mod pairs;
mod state;
mod support;
