//! Depot deploy choreography.
