//! Version hash (SPEC §3): sha256 of the canonical JSON of the normalized package + config.
//!
//! The inputs are already normalized by parsing (defaults filled in, literals in one form,
//! unordered lists sorted), so the canonical JSON of two inputs that mean the same is the same
//! text whatever their key order, whitespace or string-vs-number scalars.
//!
//! The canonical JSON is RFC 8785 (JCS), with one exception for big integers (see
//! [`canonical_json`]). The hash writes it straight into sha256, without building the text: the
//! package (the large part) is walked as its typed model, writing each object's members in
//! canonical order; the dataset configuration (small, and of many shapes) goes through a
//! `serde_json::Value` first. Both walks write exactly what [`canonical_json`] writes for the
//! serialized model (a test compares them, and both against `serde_jcs`).

use serde::Serialize;

use crate::dataset::DatasetConfig;
use crate::package::Package;

/// The dataset version hash: 64 lowercase hex characters.
pub fn version_hash(config: &DatasetConfig, package: &Package) -> String {
    let mut sink = HashSink::new();
    write_hashed(&mut sink, config, package);
    hex::encode(sink.finish())
}

/// write_hashed writes the canonical JSON of `{"dataset": config, "package": package}`.
fn write_hashed<O: Out>(out: &mut O, config: &DatasetConfig, package: &Package) {
    let config = serde_json::to_value(config).expect("Depot's model types serialize to JSON");
    let mut o = Obj::new(out);
    write_value(o.key("dataset"), &config);
    write_package(o.key("package"), package);
    o.end();
}

/// canonical_json writes `value` as RFC 8785 canonical JSON: object keys sorted (by UTF-16 code
/// units), no insignificant whitespace, numbers in their shortest ECMAScript form.
///
/// RFC 8785 writes every number as an IEEE double, which cannot tell apart integers beyond
/// 2^53 (two different bigint defaults would hash the same); such integers are written as
/// their decimal string instead, so that every distinct value keeps a distinct text.
///
/// # Panics
///
/// Only if `value`'s `Serialize` implementation fails or produces a map with non-string keys,
/// which Depot's model types never do.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    let value = serde_json::to_value(value).expect("Depot's model types serialize to JSON");
    let mut out = Vec::new();
    write_value(&mut out, &value);
    String::from_utf8(out).expect("canonical JSON of UTF-8 strings is UTF-8")
}

mod canonical;
mod model;
mod sink;

use canonical::{write_value, Obj};
use model::write_package;
use sink::{HashSink, Out};

#[cfg(test)]
mod tests;
