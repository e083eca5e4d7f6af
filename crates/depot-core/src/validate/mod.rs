//! Package parsing and validation (SPEC §1): raw JSON in, a normalized [`Package`] or every
//! problem found, each naming its schema, field and rule. The JSON is any [`JsonValue`]: a
//! `serde_json::Value`, or a [`crate::borrowed_json::BorrowedJson`] read straight from the text.
//!
//! The JSON is walked by hand rather than through serde so that one pass finds every problem
//! (serde stops at the first) and so that CloudFormation's string scalars are accepted. The
//! output is normalized: defaults filled in, literals in their normal form (see
//! [`crate::literal`]), `previousNames` sorted, indexes sorted by name, empty seed lists dropped,
//! so that the same logical package always serializes (and hashes) the same way.
//!
//! Reading a valid package costs no work for its problems: locations are [`Place`]s (a path
//! string is written only for a problem) and messages are formatted only when reported.
//!
//! One concept per file: `package` reads the top level, `schema` dispatches each schema by
//! kind to `object` or `view`, an object's members are read by `field` (with `default` and
//! `generated` for its default and `autoIncrement`/`computed`), `index` and `constraints`
//! (foreign keys and checks), `references` checks foreign keys against their targets once every
//! schema is read, `enum_uses` checks the fields that use enums, `seeds` checks rows against
//! what parsed, and `names` holds the name rules they share.

mod constraints;
mod default;
mod enum_uses;
mod enums;
mod field;
mod foreign_keys;
mod generated;
mod index;
mod index_keys;
mod names;
mod object;
mod package;
mod references;
mod salvage;
mod schema;
mod seeds;
#[cfg(test)]
mod test_support;
mod view;

use serde_json::Value;

use crate::json::JsonValue;
use crate::nul::report_nul_characters;
use crate::package::Package;
use crate::problem::Problems;
use crate::reader::{Place, Reader};

pub use salvage::Salvage;
pub use view::ENGINES;

use package::read_package;

/// Parses and validates a package. Reports every problem at once.
pub fn parse_package(raw: &Value) -> Result<Package, Problems> {
    parse_package_json(raw)
}

/// [`parse_package`] of any JSON input: a `Value`, or a [`crate::borrowed_json::BorrowedJson`]
/// parsed straight from the text.
pub fn parse_package_json<J: JsonValue>(raw: &J) -> Result<Package, Problems> {
    let mut r = Reader::default();
    report_nul_characters(&mut r, raw, &Place::root());
    let package = read_package(&mut r, raw, &Place::root(), None);
    r.finish(package)
}

/// [`parse_package`], giving with the problems of a package the sound part of it, when there is
/// one: resolving it finds the problems that only resolution finds (view queries, expressions,
/// physical names), to report them with the others (see [`Salvage::keeps`]).
pub fn parse_package_salvaging(raw: &Value) -> Result<Package, (Problems, Option<Box<Salvage>>)> {
    let mut r = Reader::default();
    report_nul_characters(&mut r, raw, &Place::root());
    let mut salvage = None;
    let package = read_package(&mut r, raw, &Place::root(), Some(&mut salvage));
    r.finish(package).map_err(|p| (p, salvage))
}

/// [`parse_package_json`] of a package inside a document whose strings were already checked
/// for NUL characters (dataset properties).
pub(crate) fn parse_package_json_checked<J: JsonValue>(raw: &J) -> Result<Package, Problems> {
    let mut r = Reader::default();
    let package = read_package(&mut r, raw, &Place::root(), None);
    r.finish(package)
}

/// is_logical_name tells whether `name` is a valid logical name: `[A-Za-z][A-Za-z0-9]*`.
pub fn is_logical_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|c| c.is_ascii_alphabetic())
        && bytes.all(|c| c.is_ascii_alphanumeric())
}

/// NAME_RULE is the logical-name rule as told to people.
pub const NAME_RULE: &str =
    "names start with a letter and contain only letters and digits ([A-Za-z][A-Za-z0-9]*)";

#[cfg(test)]
mod tests {
    use super::test_support::problems;
    use crate::rules;
    use serde_json::json;

    #[test]
    fn every_problem_is_reported_in_one_pass() {
        let raw = json!({
            "name": "", "version": 3,
            "schemas": {
                "bad-name": {"kind": "object", "fields": {"x": {"type": "int"}}},
                "Dog": {"kind": "object", "fields": {"id": {"type": "uuid", "nullable": "sometimes"}}, "primaryKey": ["id", "ghost"]},
            },
        });
        let got = problems(raw);
        assert_eq!(
            got,
            [
                (rules::EMPTY_VALUE, "name".to_string()),
                (rules::WRONG_JSON_TYPE, "version".to_string()),
                (
                    rules::WRONG_JSON_TYPE,
                    "schemas.Dog.fields.id.nullable".to_string()
                ),
                (
                    rules::UNKNOWN_FIELD,
                    "schemas.Dog.primaryKey[1]".to_string()
                ),
                (rules::INVALID_NAME, "schemas[\"bad-name\"]".to_string()),
                (
                    rules::UNKNOWN_TYPE,
                    "schemas[\"bad-name\"].fields.x.type".to_string()
                ),
            ]
        );
    }
}
