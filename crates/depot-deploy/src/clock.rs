//! Timestamps and identifiers. Kept here, at the edge, because the core has no clock and no
//! randomness.

/// Now as UTC ISO-8601 with milliseconds (`2025-04-28T08:31:33.816Z`), the form of SPEC §4.
pub fn now_millis() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A new migration id: a UUIDv7, so ids sort by time.
pub fn new_migration_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A new dataset id: 12 lowercase hex characters (48 random bits).
pub fn new_dataset_id() -> String {
    let bytes: [u8; 6] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times_have_the_spec_shape() {
        let id = new_dataset_id();
        assert_eq!(id.len(), 12);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(new_dataset_id(), id);
        let t = now_millis();
        assert_eq!(t.len(), "2025-04-28T08:31:33.816Z".len(), "{t}");
        assert!(t.ends_with('Z'));
        let m = new_migration_id();
        assert_eq!(uuid::Uuid::parse_str(&m).unwrap().get_version_num(), 7);
    }
}
