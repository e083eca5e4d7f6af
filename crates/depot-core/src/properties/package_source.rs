//! The package inside the properties: inline under `package`, checked and its problems placed
//! under `package`; a reference (`packageUri`, `packageFile`) that was not fetched is a problem.

use crate::json::JsonObject;
use crate::problem::Problem;
use crate::reader::{Place, Reader};
use crate::rules;
use crate::validate::parse_package_json_checked;

/// read_package reads the inline package; `packageUri` and `packageFile` are only checked for
/// their form, as the caller resolves them before.
pub(super) fn read_package<O: JsonObject>(
    r: &mut Reader,
    map: &O,
    at: &Place<'_>,
) -> Option<crate::package::Package> {
    if let Some(v) = map.get("packageUri") {
        if let Some(uri) = r.string(v, &at.key("packageUri"), "`packageUri`") {
            if !uri.starts_with("s3://") {
                r.report(
                    &at.key("packageUri"),
                    rules::INVALID_VALUE,
                    "`packageUri` must be an s3:// URI",
                );
            }
        }
    }
    if let Some(v) = map.get("packageFile") {
        r.non_empty_string(v, &at.key("packageFile"), "`packageFile`");
    }
    let Some(raw) = map.get("package") else {
        let reference = ["packageUri", "packageFile"]
            .into_iter()
            .find(|k| map.contains_key(k));
        match reference {
            Some(key) => r.report(
                &at.key("package"),
                rules::PACKAGE_UNRESOLVED,
                format!(
                    "the package is given by reference (`{key}`) and has not been fetched: the caller must read it and pass it inline as `package`"
                ),
            ),
            None => r.report(
                &at.key("package"),
                rules::REQUIRED,
                "`package` is required: the package inline, or `packageUri` (s3://) for one fetched before deployment",
            ),
        }
        return None;
    };
    match parse_package_json_checked(raw) {
        Ok(p) => Some(p),
        Err(problems) => {
            r.problems
                .extend(problems.0.into_iter().map(|p| prefixed("package", p)));
            None
        }
    }
}

/// prefixed places a problem found in a nested document under `prefix`.
fn prefixed(prefix: &str, mut p: Problem) -> Problem {
    p.path = match p.path.as_str() {
        "$" => prefix.to_string(),
        path if path.starts_with('[') => format!("{prefix}{path}"),
        path => format!("{prefix}.{path}"),
    };
    p
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::properties::test_support::{minimal, problems, set};
    use crate::rules;

    #[test]
    fn an_unfetched_package_reference_is_a_problem() {
        let mut raw = minimal();
        raw.as_object_mut().unwrap().remove("package");
        assert_eq!(
            problems(raw.clone()),
            [(rules::REQUIRED, "package".to_string())]
        );
        let raw = set(raw, "/packageUri", json!("s3://bucket/dogs.json"));
        assert_eq!(
            problems(raw),
            [(rules::PACKAGE_UNRESOLVED, "package".to_string())]
        );
    }

    #[test]
    fn package_problems_are_reported_under_package() {
        let raw = set(
            minimal(),
            "/package/schemas/Dog/fields/id",
            json!({"type": "uid"}),
        );
        assert_eq!(
            problems(raw),
            [(
                rules::UNKNOWN_TYPE,
                "package.schemas.Dog.fields.id.type".to_string()
            )]
        );
        let raw = set(minimal(), "/package", json!([]));
        assert_eq!(
            problems(raw),
            [(rules::WRONG_JSON_TYPE, "package".to_string())]
        );
    }
}
