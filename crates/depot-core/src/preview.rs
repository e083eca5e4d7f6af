//! Text preview of a plan for people (`depot plan --format text`).
// STUB: render_text(plan) -> String
