//! Integration tests of the PostgreSQL runtime against a real server: each test gets a fresh
//! database (depot-testkit) and builds its plans by hand, independent of the SQL renderer.

mod admin;
mod connect;
mod executor;
mod introspect;
mod literal;
mod lock;
mod state;
mod support;
