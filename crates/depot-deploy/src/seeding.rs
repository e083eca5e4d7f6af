//! Seeding: loading a package's `seeds` rows into the dataset's objects, upserted on each
//! object's primary key (SPEC §1), so that running it twice leaves the same rows.
//!
//! The engine does the upsert ([`LocationSession::upsert_seeds`]); this file holds what every
//! engine shares: which rows go where, and the report of what was written.

use depot_core::document::EnvironmentDocument;

use crate::deployer::Deployer;
use crate::error::DeployError;
use crate::location::LocationSession;

/// SeedReport tells what seeding wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedReport {
    /// Objects that have seed rows.
    pub objects: usize,
    /// Rows upserted (inserted, or updated in place when the key already existed).
    pub rows: usize,
}

impl Deployer<'_> {
    /// Upserts the seed rows of the dataset version `document` describes, in its location.
    /// A package without seeds writes nothing and needs no support from the engine.
    pub async fn seed(
        &self,
        session: &mut dyn LocationSession,
        document: &EnvironmentDocument,
    ) -> Result<SeedReport, DeployError> {
        let seeds = &document.package.seeds;
        if seeds.values().all(Vec::is_empty) {
            tracing::info!(dataset_id = %document.dataset_id, "the package has no seed rows: nothing to seed");
            return Ok(SeedReport::default());
        }
        let report = session.upsert_seeds(&document.physical, seeds).await?;
        tracing::info!(
            dataset_id = %document.dataset_id,
            objects = report.objects,
            rows = report.rows,
            "seed rows upserted"
        );
        Ok(report)
    }
}
