//! Reading a request's ResourceProperties into a [`Dataset`]: the package inline, or fetched
//! from its `packageUri` (an `s3://` URI, for packages too large for CloudFormation's
//! properties), then validated with every problem named.

use depot_aws::ENGINES;
use depot_core::borrowed_json::{self, BorrowedJson, ParseError};
use depot_core::properties::{parse_dataset, parse_dataset_json};
use depot_core::resolve::place_in_input;
use depot_core::{Dataset, Problem, Problems};
use depot_deploy::documents::DocumentError;
use depot_deploy::DocumentStore;
use serde_json::Value;

/// DatasetInputError: why a request's properties give no dataset. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum DatasetInputError {
    /// The properties (with the package) have problems, each located.
    #[error("{0}")]
    Invalid(#[from] Problems),
    #[error("give either `package` or `packageUri`, not both")]
    PackageTwice,
    #[error("packageUri {0:?}: expected s3://bucket/key")]
    NotS3Uri(String),
    #[error("packageUri {uri}: {source}")]
    Fetch {
        uri: String,
        #[source]
        source: DocumentError,
    },
    #[error("packageUri {0}: no such object")]
    NoPackage(String),
    #[error("packageUri {uri}: not a JSON package: {source}")]
    NotText {
        uri: String,
        #[source]
        source: std::string::FromUtf8Error,
    },
    #[error("packageUri {uri}: not a JSON package: {source}")]
    NotJson {
        uri: String,
        #[source]
        source: serde_json::Error,
    },
    /// The package's text gives a key twice (the problem's path is inside the package).
    #[error("packageUri {uri}: {problem}")]
    DuplicateKey { uri: String, problem: Problem },
}

/// Parses `properties`, fetching a `packageUri` package through `documents`.
pub async fn load_dataset(
    properties: &Value,
    documents: &dyn DocumentStore,
) -> Result<Dataset, DatasetInputError> {
    let mut raw = properties.clone();
    let Some(object) = raw.as_object_mut() else {
        return Ok(parse_dataset(&raw, &ENGINES)?);
    };
    // CloudFormation's own keys are not part of the dataset.
    object.remove("ServiceToken");
    object.remove("ServiceTimeout");
    let Some(uri) = object
        .get("packageUri")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Ok(parse_dataset(&raw, &ENGINES)?);
    };
    if object.contains_key("package") {
        return Err(DatasetInputError::PackageTwice);
    }
    object.remove("packageUri");
    // A package too large for CloudFormation's properties: its text is read as a
    // `BorrowedJson`, which borrows its strings (about half the time of a `serde_json::Value`
    // for thousands of objects), and joined with the properties.
    let text = fetch_package_text(&uri, documents).await?;
    let package = borrowed_json::from_str(&text).map_err(|e| match e {
        ParseError::DuplicateKey(problem) => DatasetInputError::DuplicateKey {
            uri: uri.clone(),
            problem,
        },
        ParseError::Syntax(source) => DatasetInputError::NotJson {
            uri: uri.clone(),
            source,
        },
    })?;
    let mut dataset = BorrowedJson::from_value(&raw);
    if let Some(object) = dataset.as_object_mut() {
        object.insert("package", package);
    }
    Ok(parse_dataset_json(&dataset, &ENGINES)?)
}

/// Moves the problems found resolving `dataset` (read from `properties`) to the entries the
/// package's JSON gives them: resolution sees an object's indexes, checks and foreign keys
/// sorted by name, the author wrote them in another order. A `packageUri` package is read again
/// for that, only on this path; if it cannot be, the problems keep their model places.
pub async fn place_problems(
    problems: &mut Problems,
    dataset: &Dataset,
    properties: &Value,
    documents: &dyn DocumentStore,
) {
    let fetched;
    let raw = match (properties.get("package"), properties.get("packageUri")) {
        (Some(package), _) => package,
        (None, Some(Value::String(uri))) => {
            let Ok(text) = fetch_package_text(uri, documents).await else {
                return;
            };
            let Ok(package) = borrowed_json::value_from_str(&text) else {
                return;
            };
            fetched = package;
            &fetched
        }
        _ => return,
    };
    place_in_input(&mut problems.0, &dataset.package, raw);
}

async fn fetch_package_text(
    uri: &str,
    documents: &dyn DocumentStore,
) -> Result<String, DatasetInputError> {
    let (bucket, key) =
        split_s3_uri(uri).ok_or_else(|| DatasetInputError::NotS3Uri(uri.to_string()))?;
    let body = documents
        .get(bucket, key)
        .await
        .map_err(|source| DatasetInputError::Fetch {
            uri: uri.to_string(),
            source,
        })?
        .ok_or_else(|| DatasetInputError::NoPackage(uri.to_string()))?;
    String::from_utf8(body).map_err(|source| DatasetInputError::NotText {
        uri: uri.to_string(),
        source,
    })
}

/// `s3://bucket/key` -> (bucket, key).
pub fn split_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// Where a dataset's data lives: its environment and location. Two datasets in different
/// places are different datasets (a move needs a new dataset id, and CloudFormation then deletes
/// the old one).
pub fn place(dataset: &Dataset) -> String {
    let config = &dataset.config;
    let location = &config.location;
    // The dataset was read with `ENGINES`, so its engine is one of them and knows the place.
    let place = ENGINES
        .find(location.engine().as_str())
        .and_then(|engine| engine.place(location).ok())
        .unwrap_or_else(|| format!("{}://{}", location.engine(), location.name()));
    format!("{}|{place}", config.environment_id)
}

/// A dataset id is 12 lowercase hex characters (SPEC §2).
pub fn is_dataset_id(s: &str) -> bool {
    s.len() == 12
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_uris_split_into_bucket_and_key() {
        assert_eq!(split_s3_uri("s3://b-1/a/b.json"), Some(("b-1", "a/b.json")));
        assert_eq!(split_s3_uri("s3://b-1/"), None);
        assert_eq!(split_s3_uri("https://b-1/a"), None);
    }

    #[test]
    fn dataset_ids_are_twelve_lowercase_hex() {
        assert!(is_dataset_id("6d9c7969f0b1"));
        assert!(!is_dataset_id("6D9C7969F0B1"));
        assert!(!is_dataset_id("create-failed-1234"));
    }
}
