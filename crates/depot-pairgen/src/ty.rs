//! Ty: the field types the generated pairs exercise, their default literals, and the type
//! changes (widenings, narrowings) the edits make.

use depot_core::FieldType;
use serde_json::{json, Map, Value};

/// Ty is a generated field type (the types of SPEC §1 that the pairs exercise).
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Str(Option<u32>),
    Integer,
    Bigint,
    Decimal {
        precision: u32,
        scale: u32,
    },
    Double,
    Boolean,
    Date,
    Timestamp,
    Timestamptz,
    Json,
    Uuid,
    Time,
    Binary,
    /// A field of the package enum [`ENUM`].
    Enum,
}

/// The package enum every generated package declares (the same values in both versions: an
/// added value would outlive the undo property's rollback, as PostgreSQL cannot remove one).
pub const ENUM: &str = "Level";

/// Its values: the harness's sample strings (`v0`, `v1`, ...), so that a string field narrows to
/// it, and the default literal of strings.
pub fn enum_values() -> Value {
    json!(["v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "it's"])
}

impl Ty {
    /// The core's field type of this generated type (what a profile's type-change rule reads).
    pub fn field_type(&self) -> FieldType {
        match self {
            Ty::Str(n) => FieldType::String { max_length: *n },
            Ty::Integer => FieldType::Integer,
            Ty::Bigint => FieldType::Bigint,
            Ty::Decimal { precision, scale } => FieldType::Decimal {
                precision: *precision,
                scale: *scale,
            },
            Ty::Double => FieldType::Double,
            Ty::Boolean => FieldType::Boolean,
            Ty::Date => FieldType::Date,
            Ty::Timestamp => FieldType::Timestamp,
            Ty::Timestamptz => FieldType::Timestamptz,
            Ty::Json => FieldType::Json,
            Ty::Uuid => FieldType::Uuid,
            Ty::Time => FieldType::Time,
            Ty::Binary => FieldType::Binary,
            Ty::Enum => FieldType::Enum {
                name: ENUM.to_string(),
                namespace: None,
            },
        }
    }

    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let name = match self {
            Ty::Str(n) => {
                if let Some(n) = n {
                    m.insert("maxLength".into(), json!(n));
                }
                "string"
            }
            Ty::Integer => "integer",
            Ty::Bigint => "bigint",
            Ty::Decimal { precision, scale } => {
                m.insert("precision".into(), json!(precision));
                m.insert("scale".into(), json!(scale));
                "decimal"
            }
            Ty::Double => "double",
            Ty::Boolean => "boolean",
            Ty::Date => "date",
            Ty::Timestamp => "timestamp",
            Ty::Timestamptz => "timestamptz",
            Ty::Json => "json",
            Ty::Uuid => "uuid",
            Ty::Time => "time",
            Ty::Binary => "binary",
            Ty::Enum => {
                m.insert("enum".into(), json!(ENUM));
                "enum"
            }
        };
        m.insert("type".into(), json!(name));
        m
    }

    /// A default literal of this type (one with a quote to escape when it fits).
    pub(crate) fn default_literal(&self) -> Value {
        match self {
            Ty::Str(max) => {
                if max.is_none_or(|n| n >= 4) {
                    json!("it's")
                } else {
                    json!("d")
                }
            }
            Ty::Integer | Ty::Bigint => json!(7),
            Ty::Decimal { precision, scale } => {
                if precision > scale {
                    json!("1")
                } else {
                    json!("0.5")
                }
            }
            Ty::Double => json!(1.5),
            Ty::Boolean => json!(true),
            Ty::Date => json!("2021-02-03"),
            Ty::Timestamp => json!("2021-02-03T04:05:06"),
            Ty::Timestamptz => json!("2021-02-03T04:05:06Z"),
            Ty::Json => json!({"k": [1, "two"]}),
            Ty::Uuid => json!("00000000-0000-4000-8000-000000000999"),
            Ty::Time => json!("10:11:12.5"),
            Ty::Binary => json!("AQID/w=="),
            Ty::Enum => json!("v1"),
        }
    }

    /// The widened type for widening choice `k`, when this type has one Depot supports:
    /// longer or unbounded strings, more decimal precision at the same scale and integer ->
    /// bigint (the common ones), and the other widenings Depot accepts (integer -> double or
    /// decimal, bigint -> decimal, timestamp -> timestamptz).
    pub(crate) fn widened(&self, k: u32) -> Option<Ty> {
        let (third, quarter) = (k % 3, k % 4);
        match self {
            Ty::Str(Some(n)) => Some(match third {
                0 => Ty::Str(None),
                _ => Ty::Str(Some(n + k)),
            }),
            Ty::Integer => Some(match quarter {
                0 | 1 => Ty::Bigint,
                2 => Ty::Double,
                _ => Ty::Decimal {
                    precision: 10 + third + 1,
                    scale: third,
                },
            }),
            Ty::Bigint => match quarter {
                0 | 2 => Some(Ty::Decimal {
                    precision: 19 + third + 1,
                    scale: third,
                }),
                _ => None,
            },
            Ty::Timestamp => Some(Ty::Timestamptz),
            Ty::Enum => Some(Ty::Str(None)),
            Ty::Decimal { precision, scale } if *precision < 38 => Some(Ty::Decimal {
                precision: (precision + k).min(38),
                scale: *scale,
            }),
            _ => None,
        }
    }

    /// The narrowed type for narrowing choice `k`, when the harness's sample values and the
    /// default literals still fit it: bigint -> integer, shorter strings, one digit less.
    pub(crate) fn narrowed(&self, k: u32) -> Option<Ty> {
        match self {
            Ty::Bigint => Some(Ty::Integer),
            // The sample strings and the string default are values of the enum.
            Ty::Str(max) if k % 4 != 3 && max.is_none_or(|n| n >= 4) => Some(Ty::Enum),
            Ty::Str(None) => Some(Ty::Str(Some(8 + k % 8))),
            Ty::Str(Some(n)) if *n > 8 => Some(Ty::Str(Some(8))),
            Ty::Decimal { precision, scale } if *precision > scale + 2 => Some(Ty::Decimal {
                precision: precision - 1,
                scale: *scale,
            }),
            _ => None,
        }
    }

    /// The portable expression default of this type, when it has one.
    pub(crate) fn expression_default(&self) -> Option<&'static str> {
        match self {
            Ty::Timestamp | Ty::Timestamptz => Some("now"),
            Ty::Date => Some("currentDate"),
            Ty::Uuid => Some("randomUuid"),
            _ => None,
        }
    }

    /// True when the harness's sample values of this type are distinct per row (so a unique
    /// index holds on existing rows).
    pub(crate) fn uniqueable(&self) -> bool {
        !matches!(self, Ty::Boolean)
    }
}
