//! UUID literals: checked, lowercase and hyphenated.

use super::LiteralError;

pub(super) fn canonical_uuid(s: &str) -> Result<String, LiteralError> {
    let b = s.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(LiteralError::NotUuid(s.to_string()))
    }
}
