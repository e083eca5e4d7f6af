//! The moto server the tests talk to: shared with every crate's AWS tests, in depot-testkit.

pub use depot_testkit::moto::*;
