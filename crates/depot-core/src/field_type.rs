//! FieldType: the logical column types of SPEC §1, and which changes between them are widenings.

use serde::{Deserialize, Serialize};

/// FieldType is a logical field type. Engines map it to a physical column type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FieldType {
    String {
        #[serde(rename = "maxLength", default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    Integer,
    Bigint,
    Decimal {
        precision: u32,
        scale: u32,
    },
    Double,
    Boolean,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Json,
    Uuid,
    Binary,
    /// An array of `items` (PostgreSQL `items[]`, Snowflake `ARRAY`). Items are never arrays.
    Array {
        items: Box<FieldType>,
    },
    /// A value of one of the package's `enums` (PostgreSQL a native enum type, Snowflake a
    /// string).
    Enum {
        /// In a package: the enum's logical name. In a physical model: its physical type name.
        #[serde(rename = "enum")]
        name: String,
        /// In a physical model: the namespace holding the type (None in a package), so that an
        /// engine names the type without looking the model up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
    },
}

/// TypeChange classifies a change from one field type to another, independent of any engine.
/// Engines decide which widenings they can do in place and which rewrite the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    /// Same type: nothing to do.
    Same,
    /// Every value of the old type is a value of the new type (no data can be lost).
    Widening,
    /// Some values of the old type may not fit the new one: planned as an in-place cast with a
    /// `NARROWS_TYPE` hazard; rows that do not convert fail the step and change nothing.
    Narrowing,
}

impl FieldType {
    /// Names of the types as written in packages, for error messages.
    pub const NAMES: &'static [&'static str] = &[
        "string",
        "integer",
        "bigint",
        "decimal",
        "double",
        "boolean",
        "date",
        "time",
        "timestamp",
        "timestamptz",
        "json",
        "uuid",
        "binary",
        "array",
        "enum",
    ];

    /// The type's name as written in a package (`string`, `decimal`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::String { .. } => "string",
            FieldType::Integer => "integer",
            FieldType::Bigint => "bigint",
            FieldType::Decimal { .. } => "decimal",
            FieldType::Double => "double",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::Timestamp => "timestamp",
            FieldType::Timestamptz => "timestamptz",
            FieldType::Json => "json",
            FieldType::Uuid => "uuid",
            FieldType::Binary => "binary",
            FieldType::Array { .. } => "array",
            FieldType::Enum { .. } => "enum",
        }
    }

    /// A short human form with its parameters: `string(200)`, `decimal(6,2)`.
    pub fn describe(&self) -> String {
        match self {
            FieldType::String {
                max_length: Some(n),
            } => format!("string({n})"),
            FieldType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            FieldType::Array { items } => format!("array of {}", items.describe()),
            FieldType::Enum { name, .. } => format!("enum {name}"),
            other => other.name().to_string(),
        }
    }

    /// Classifies the change from `self` to `to`.
    ///
    /// Widenings: a longer or unbounded string; integer -> bigint, decimal(p>=10+s) or double is
    /// NOT included for double (precision loss above 2^53) except from integer; decimal with more
    /// integer digits and at least as many fractional digits; timestamp -> timestamptz.
    pub fn change_to(&self, to: &FieldType) -> TypeChange {
        use FieldType as T;
        if self == to {
            return TypeChange::Same;
        }
        let widening = match (self, to) {
            (T::String { max_length: a }, T::String { max_length: b }) => match (a, b) {
                (_, None) => true,
                (Some(a), Some(b)) => b >= a,
                (None, Some(_)) => false,
            },
            (T::Integer, T::Bigint) => true,
            (T::Integer, T::Double) => true,
            (T::Integer, T::Decimal { precision, scale }) => precision - scale.min(precision) >= 10,
            (T::Bigint, T::Decimal { precision, scale }) => precision - scale.min(precision) >= 19,
            (
                T::Decimal {
                    precision: p1,
                    scale: s1,
                },
                T::Decimal {
                    precision: p2,
                    scale: s2,
                },
            ) => s2 >= s1 && (p2 - s2) >= (p1 - s1),
            (T::Timestamp, T::Timestamptz) => true,
            // Every value of an enum is a string; a bounded string may be too short for one.
            (T::Enum { .. }, T::String { max_length: None }) => true,
            (T::Array { items: a }, T::Array { items: b }) => {
                a.change_to(b) == TypeChange::Widening
            }
            _ => false,
        };
        if widening {
            TypeChange::Widening
        } else {
            TypeChange::Narrowing
        }
    }
}
