//! Reading and writing the stored documents of a dataset: environment documents and plans.

use depot_core::document::{environment_key, EnvironmentDocument};
use depot_core::Plan;

use crate::error::DeployError;

use super::Deployer;

impl Deployer<'_> {
    /// Reads a dataset version's environment document.
    pub async fn environment_document(
        &self,
        bucket: &str,
        environment_id: &str,
        dataset_id: &str,
        hash: &str,
    ) -> Result<EnvironmentDocument, DeployError> {
        let key = environment_key(environment_id, dataset_id, hash);
        self.get_json(bucket, &key).await
    }

    /// Reads a stored plan; one without `metadata` gets its target version's (see
    /// [`crate::stored_plan`]).
    pub async fn read_plan(&self, bucket: &str, key: &str) -> Result<Plan, DeployError> {
        let raw: serde_json::Value = self.get_json(bucket, key).await?;
        self.plan_from_stored(bucket, key, raw).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<T, DeployError> {
        let uri = self.documents.describe(bucket, key);
        let body = self
            .documents
            .get(bucket, key)
            .await?
            .ok_or_else(|| DeployError::Precondition(format!("{uri} does not exist")))?;
        serde_json::from_slice(&body).map_err(|e| {
            DeployError::Precondition(format!("{uri} is not a valid Depot document: {e}"))
        })
    }

    pub(super) async fn put_json<T: serde::Serialize>(
        &self,
        bucket: &str,
        key: &str,
        value: &T,
    ) -> Result<(), DeployError> {
        let body = serde_json::to_vec_pretty(value).expect("documents serialize");
        Ok(self.documents.put(bucket, key, &body).await?)
    }
}
