//! Tests of literal normalization, one field type after another.

use serde_json::json;

use super::datetime::{civil_from_days, days_from_civil};
use super::*;

fn norm(t: FieldType, v: Value) -> Result<Value, String> {
    normalize(&t, &v).map_err(|e| e.to_string())
}

const DEC: FieldType = FieldType::Decimal {
    precision: 6,
    scale: 2,
};

#[test]
fn numbers_accept_string_forms_and_normalize_to_one_json_form() {
    assert_eq!(norm(FieldType::Integer, json!("5")), Ok(json!(5)));
    assert_eq!(norm(FieldType::Integer, json!(5.0)), Ok(json!(5)));
    assert!(norm(FieldType::Integer, json!(2_147_483_648i64))
        .unwrap_err()
        .contains("32-bit"));
    assert_eq!(
        norm(FieldType::Bigint, json!("2147483648")),
        Ok(json!(2_147_483_648i64))
    );
    assert_eq!(
        norm(FieldType::Double, json!(5)),
        norm(FieldType::Double, json!("5.0"))
    );
    assert_eq!(norm(FieldType::Double, json!("1.5")), Ok(json!(1.5)));
    assert!(norm(FieldType::Double, json!("abc")).is_err());
    assert_eq!(norm(FieldType::Boolean, json!("true")), Ok(json!(true)));
    assert!(norm(FieldType::Boolean, json!(1))
        .unwrap_err()
        .contains("true or false"));
}

#[test]
fn decimals_become_canonical_strings_within_precision_and_scale() {
    for (input, out) in [
        (json!("12.50"), "12.5"),
        (json!(12.5), "12.5"),
        (json!("0012.5"), "12.5"),
        (json!("1.25e1"), "12.5"),
        (json!("1250E-2"), "12.5"),
        (json!("-0.00"), "0"),
        (json!("+3"), "3"),
        (json!("0.5e0"), "0.5"),
        (json!(-1), "-1"),
        (json!("9999.99"), "9999.99"),
    ] {
        assert_eq!(norm(DEC, input.clone()), Ok(json!(out)), "{input}");
    }
    assert!(norm(DEC, json!("10000")).unwrap_err().contains("4"));
    assert!(norm(DEC, json!("1.234"))
        .unwrap_err()
        .contains("after the point"));
    for bad in ["", "1.", ".5", "1e", "1e99999", "abc", "1,5", "--1"] {
        assert!(norm(DEC, json!(bad)).is_err(), "{bad}");
    }
    assert!(norm(DEC, json!(true)).is_err());
}

#[test]
fn dates_and_times_are_validated_and_normalized() {
    assert_eq!(
        norm(FieldType::Date, json!("2024-02-29")),
        Ok(json!("2024-02-29"))
    );
    assert!(norm(FieldType::Date, json!("2023-02-29"))
        .unwrap_err()
        .contains("calendar"));
    assert!(norm(FieldType::Date, json!("2023-2-9")).is_err());
    assert_eq!(
        norm(FieldType::Time, json!("08:30:00.500")),
        Ok(json!("08:30:00.5"))
    );
    assert_eq!(
        norm(FieldType::Time, json!("08:30:00.000")),
        Ok(json!("08:30:00"))
    );
    assert!(norm(FieldType::Time, json!("24:00:00")).is_err());
    assert!(norm(FieldType::Time, json!("08:30:00.1234567"))
        .unwrap_err()
        .contains("microseconds"));
    assert_eq!(
        norm(FieldType::Timestamp, json!("2025-04-28 08:31:33.810")),
        Ok(json!("2025-04-28T08:31:33.81"))
    );
    assert!(norm(FieldType::Timestamp, json!("2025-04-28T08:31:33Z"))
        .unwrap_err()
        .contains("timestamptz"));
}

#[test]
fn timestamptz_values_of_the_same_instant_normalize_to_the_same_utc_text() {
    let a = norm(FieldType::Timestamptz, json!("2025-01-01T00:30:00+01:00")).unwrap();
    let b = norm(FieldType::Timestamptz, json!("2024-12-31T23:30:00Z")).unwrap();
    let c = norm(FieldType::Timestamptz, json!("2024-12-31T18:00:00-0530")).unwrap();
    assert_eq!(a, json!("2024-12-31T23:30:00Z"));
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(
        norm(FieldType::Timestamptz, json!("2024-02-28T23:00:00.25-02")),
        Ok(json!("2024-02-29T01:00:00.25Z"))
    );
    assert!(norm(FieldType::Timestamptz, json!("2025-01-01T00:00:00"))
        .unwrap_err()
        .contains("no time zone"));
    assert!(norm(FieldType::Timestamptz, json!("2025-01-01T00:00:00+1:00")).is_err());
    // Non-ASCII in the offset is refused, not sliced through (it used to panic).
    for offset in [
        "+０1:00",
        "+０0",
        "+0０",
        "-０１００",
        "+é",
        "+01:０0",
        "+٠١:٠٠",
    ] {
        let text = format!("2024-01-01T00:00:00{offset}");
        let err = norm(FieldType::Timestamptz, json!(text)).unwrap_err();
        assert!(err.to_string().contains("offset"), "{text}: {err}");
    }
}

#[test]
fn civil_day_conversion_round_trips() {
    for days in [-719_162, -1, 0, 59, 60, 11_016, 2_932_896] {
        assert_eq!(days_from_civil(civil_from_days(days)), days);
    }
    assert_eq!(civil_from_days(0).to_string(), "1970-01-01");
    assert_eq!(civil_from_days(11_016).to_string(), "2000-02-29");
}

#[test]
fn uuids_are_lowercased_and_checked() {
    assert_eq!(
        norm(
            FieldType::Uuid,
            json!("7F1C0A52-8F3E-4D7E-9A51-2B1B3C7F0D11")
        ),
        Ok(json!("7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11"))
    );
    assert!(norm(FieldType::Uuid, json!("7f1c0a528f3e4d7e9a512b1b3c7f0d11")).is_err());
    assert!(norm(
        FieldType::Uuid,
        json!("7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d1g")
    )
    .is_err());
}

#[test]
fn binary_is_canonical_padded_base64() {
    assert_eq!(
        norm(FieldType::Binary, json!("aGVsbG8=")),
        Ok(json!("aGVsbG8="))
    );
    assert_eq!(
        norm(FieldType::Binary, json!("aGVsbG8")),
        Ok(json!("aGVsbG8="))
    );
    assert_eq!(norm(FieldType::Binary, json!("")), Ok(json!("")));
    assert_eq!(
        norm(FieldType::Binary, json!("QR==")),
        norm(FieldType::Binary, json!("QQ=="))
    );
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
    for bad in ["a", "a===", "aGV*", "aGVsbG8==="] {
        assert!(norm(FieldType::Binary, json!(bad)).is_err(), "{bad}");
    }
    for len in 0..8 {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 200) as u8).collect();
        assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
    }
}

#[test]
fn strings_respect_max_length_in_characters() {
    let t = FieldType::String {
        max_length: Some(3),
    };
    assert_eq!(norm(t.clone(), json!("äöü")), Ok(json!("äöü")));
    assert!(norm(t.clone(), json!("abcd"))
        .unwrap_err()
        .contains("maxLength 3"));
    assert!(norm(t, json!(5)).unwrap_err().contains("expected a string"));
}

#[test]
fn json_accepts_any_value_but_null_is_left_to_the_caller() {
    assert_eq!(
        norm(FieldType::Json, json!({"a": [1]})),
        Ok(json!({"a": [1]}))
    );
    assert!(norm(FieldType::Json, Value::Null).is_err());
}
