//! Hazard policy: a plan holding a hazard the dataset does not allow is refused before anything
//! runs, with every offending step listed.
// STUB: check_hazards(plan, allowed) -> Result<(), RefusedPlan>
