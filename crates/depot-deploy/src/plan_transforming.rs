//! The deploy step that hands Depot's plan to the dataset's transformer and keeps what it
//! returns only when [`check_transformed`] accepts it. Called between planning and storing:
//! a refusal changes nothing.

use depot_core::dataset::DatasetConfig;
use depot_core::plan_transform::check_transformed;
use depot_core::{Dialect, Plan};

use crate::error::DeployError;
use crate::plan_transformer::PlanTransformer;

/// The plan to store and run, and Depot's own when a transformer changed it.
pub(crate) struct TransformedPlan {
    pub plan: Plan,
    pub original: Option<Plan>,
}

/// Transforms `plan` when the dataset names a transformer; else keeps it.
pub(crate) async fn transform_plan(
    transformer: &dyn PlanTransformer,
    config: &DatasetConfig,
    dialect: &dyn Dialect,
    plan: Plan,
) -> Result<TransformedPlan, DeployError> {
    let Some(transformer_config) = &config.plan_transformer else {
        return Ok(TransformedPlan {
            plan,
            original: None,
        });
    };
    let what = transformer_config.describe();
    let input = serde_json::to_value(&plan).expect("plans serialize");
    let output = transformer
        .transform(transformer_config, &input)
        .await
        .map_err(|reason| {
            DeployError::TransformRefused(format!(
                "plan transformer {what}: {}; nothing was changed",
                one_line(&reason)
            ))
        })?;
    let allowed = &config.migration_options.allowed_hazards;
    let transformed = check_transformed(&plan, output, allowed, dialect).map_err(|refusal| {
        DeployError::TransformRefused(format!(
            "plan transformer {what}: its plan is refused: {refusal}; nothing was changed"
        ))
    })?;
    tracing::info!(
        transformer = %what,
        steps_before = plan.steps().count(),
        steps_after = transformed.steps().count(),
        "plan transformed"
    );
    Ok(TransformedPlan {
        plan: transformed,
        original: Some(plan),
    })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
