//! Reading a stored plan back. SPEC §5's `metadata` is for plan transformers and tools; the
//! executor does not need it from the plan. A plan written without it (by a transformer, or by
//! a tool that builds plans) runs: the metadata is taken from the environment document of the
//! version the plan migrates to, which Depot wrote when it planned that version.

use serde_json::Value;

use depot_core::plan::Plan;

use crate::deployer::Deployer;
use crate::error::DeployError;

impl Deployer<'_> {
    /// The plan in `raw` (read from `bucket`/`key`), its `metadata` filled in from the target
    /// version's environment document when the plan has none.
    pub(crate) async fn plan_from_stored(
        &self,
        bucket: &str,
        key: &str,
        mut raw: Value,
    ) -> Result<Plan, DeployError> {
        let uri = || self.documents.describe(bucket, key);
        let missing = raw
            .as_object()
            .is_some_and(|o| o.get("metadata").is_none_or(Value::is_null));
        if missing {
            let field = |name: &str| raw.get(name).and_then(Value::as_str).unwrap_or_default();
            let (environment_id, dataset_id, to_version) = (
                field("environmentId"),
                field("datasetId"),
                field("toVersion"),
            );
            // These name the document read next: they must be ids, not a path of the plan's
            // choosing.
            if !(is_hex(environment_id, 15) && is_hex(dataset_id, 12) && is_hex(to_version, 64)) {
                return Err(DeployError::Precondition(format!(
                    "{} is not a valid Depot plan: it has no `metadata`, and its environmentId, \
                     datasetId or toVersion do not name a dataset version whose document could \
                     give it",
                    uri()
                )));
            }
            let document = self
                .environment_document(bucket, environment_id, dataset_id, to_version)
                .await?;
            let metadata = serde_json::to_value(&document.metadata).expect("metadata serializes");
            if let Some(object) = raw.as_object_mut() {
                object.insert("metadata".to_string(), metadata);
            }
        }
        serde_json::from_value(raw).map_err(|e| {
            DeployError::Precondition(format!("{} is not a valid Depot document: {e}", uri()))
        })
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
