//! S3 bucket names: the rule `bootstrapBucket` must follow, public because the bucket also
//! names a folder of the local document store.

/// bucket_name_problem says why `name` is not an S3 bucket name (3 to 63 lowercase letters,
/// digits, dots and hyphens, starting and ending with a letter or digit, no `..`, not an IP
/// address), or `None` when it is one. The bucket becomes a folder of the local document store
/// and part of every document key: `../x` would write outside it.
pub fn bucket_name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !(3..=63).contains(&bytes.len()) {
        Some("it must be 3 to 63 characters long")
    } else if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'))
    {
        Some("only lowercase letters, digits, dots and hyphens are allowed")
    } else if !edge_ok(bytes.first()) || !edge_ok(bytes.last()) {
        Some("it must start and end with a lowercase letter or a digit")
    } else if name.contains("..") {
        Some("two dots may not follow each other")
    } else if name.parse::<std::net::Ipv4Addr>().is_ok() {
        Some("it may not be an IP address")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::properties::test_support::{minimal, problems, set};
    use crate::rules;

    #[test]
    fn bootstrap_buckets_are_s3_bucket_names() {
        for good in [
            "bkt",
            "sdp-bootstrap-058264526050-eu-west-1",
            "a.b-c",
            "123",
            &"a".repeat(63),
        ] {
            assert_eq!(bucket_name_problem(good), None, "{good}");
        }
        for bad in [
            "../x",
            "a/b",
            "ab",
            "",
            "Bkt",
            "-bkt",
            "bkt-",
            ".bkt",
            "a..b",
            "192.168.1.1",
            "bkt_1",
            "bücket",
            "bkt\u{0}",
            &"a".repeat(64),
        ] {
            assert!(bucket_name_problem(bad).is_some(), "{bad}");
        }
        let raw = set(minimal(), "/bootstrapBucket", json!("../x"));
        assert_eq!(
            problems(raw),
            [(rules::INVALID_BUCKET, "bootstrapBucket".to_string())]
        );
    }
}
