//! Input positions: the model sorts an object's indexes, checks and foreign keys (and a
//! materialized view's indexes) by name, so that their order carries no meaning, and resolution
//! places a problem of one by its position in the model. [`place_in_input`] moves such a place
//! to the position the package's JSON gives it, so that a problem names the entry written.

use serde_json::Value;

use crate::package::{Package, Schema};
use crate::problem::Problem;

/// The lists whose entries the model sorts by name.
const LISTS: [&str; 3] = ["indexes", "checks", "foreignKeys"];

/// place_in_input rewrites the path of each problem found resolving `package` (read from
/// `raw`, the package's JSON) that names an entry of a sorted list by its model position.
/// Paths are placed under `package` or at the package's root.
pub fn place_in_input(problems: &mut [Problem], package: &Package, raw: &Value) {
    for p in problems {
        if let Some(path) = input_path(&p.path, package, raw) {
            p.path = path;
        }
    }
}

fn input_path(path: &str, package: &Package, raw: &Value) -> Option<String> {
    let (prefix, rest) = match path.strip_prefix("package.") {
        Some(rest) => ("package.", rest),
        None => ("", path),
    };
    let rest = rest.strip_prefix("schemas.")?;
    // Schemas that resolve have logical names: plain keys, never quoted.
    let (schema, rest) = rest.split_once('.')?;
    let (list, rest) = rest.split_once('[')?;
    if !LISTS.contains(&list) {
        return None;
    }
    let (k, tail) = rest.split_once(']')?;
    let k: usize = k.parse().ok()?;
    let name = match (package.schemas.get(schema)?, list) {
        (Schema::Object(o), "indexes") => &o.indexes.get(k)?.name,
        (Schema::Object(o), "checks") => &o.checks.get(k)?.name,
        (Schema::Object(o), "foreignKeys") => &o.foreign_keys.get(k)?.name,
        (Schema::MaterializedView(v), "indexes") => &v.indexes.get(k)?.name,
        _ => return None,
    };
    let entries = raw.get("schemas")?.get(schema)?.get(list)?.as_array()?;
    let i = entries
        .iter()
        .position(|e| e.get("name").and_then(Value::as_str) == Some(name))?;
    Some(format!("{prefix}schemas.{schema}.{list}[{i}]{tail}"))
}
