//! Reading a request's ResourceProperties into a [`Dataset`]: the package inline, or fetched
//! from its `packageUri` (an `s3://` URI, for packages too large for CloudFormation's
//! properties), then validated with every problem named.

use depot_core::borrowed_json::{self, BorrowedJson, ParseError};
use depot_core::dataset::Location;
use depot_core::properties::{parse_dataset, parse_dataset_json};
use depot_core::Dataset;
use depot_deploy::DocumentStore;
use serde_json::Value;

/// Parses `properties`, fetching a `packageUri` package through `documents`.
pub async fn load_dataset(
    properties: &Value,
    documents: &dyn DocumentStore,
) -> Result<Dataset, String> {
    let mut raw = properties.clone();
    let Some(object) = raw.as_object_mut() else {
        return parse_dataset(&raw).map_err(|problems| problems.to_string());
    };
    // CloudFormation's own keys are not part of the dataset.
    object.remove("ServiceToken");
    object.remove("ServiceTimeout");
    let Some(uri) = object
        .get("packageUri")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return parse_dataset(&raw).map_err(|problems| problems.to_string());
    };
    if object.contains_key("package") {
        return Err("give either `package` or `packageUri`, not both".to_string());
    }
    object.remove("packageUri");
    // A package too large for CloudFormation's properties: its text is read as a
    // `BorrowedJson`, which borrows its strings (about half the time of a `serde_json::Value`
    // for thousands of objects), and joined with the properties.
    let text = fetch_package_text(&uri, documents).await?;
    let package = borrowed_json::from_str(&text).map_err(|e| match e {
        // The problem's path is inside the package's own text.
        ParseError::DuplicateKey(problem) => format!("packageUri {uri}: {problem}"),
        ParseError::Syntax(e) => format!("packageUri {uri}: not a JSON package: {e}"),
    })?;
    let mut dataset = BorrowedJson::from_value(&raw);
    if let Some(object) = dataset.as_object_mut() {
        object.insert("package", package);
    }
    parse_dataset_json(&dataset).map_err(|problems| problems.to_string())
}

async fn fetch_package_text(uri: &str, documents: &dyn DocumentStore) -> Result<String, String> {
    let (bucket, key) =
        split_s3_uri(uri).ok_or_else(|| format!("packageUri {uri:?}: expected s3://bucket/key"))?;
    let body = documents
        .get(bucket, key)
        .await
        .map_err(|e| format!("packageUri {uri}: {e}"))?
        .ok_or_else(|| format!("packageUri {uri}: no such object"))?;
    String::from_utf8(body).map_err(|e| format!("packageUri {uri}: not a JSON package: {e}"))
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
    let location = match &config.location {
        Location::Postgres(pg) => format!("postgres://{}:{}/{}", pg.host, pg.port, pg.database),
        Location::Snowflake(sf) => format!("snowflake://{}/{}", sf.account, sf.database),
    };
    format!("{}|{location}", config.environment_id)
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
