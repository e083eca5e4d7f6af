//! Logical names from physical ones: the inverse of an engine's default naming strategy
//! (`snake_case` on PostgreSQL, `UPPER_SNAKE_CASE` on Snowflake), with a `sqlName` kept whenever
//! the strategy would not give the physical name back exactly.

use crate::naming::NamingStrategy;

/// A logical name and, when the naming strategy does not map it back to its physical name,
/// the physical name to keep as `sqlName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub logical: String,
    pub sql_name: Option<String>,
}

/// The camelCase logical name of a physical field name (`birth_date` -> `birthDate`) under
/// the snake_case strategy.
pub fn field_name(physical: &str) -> Named {
    field_name_by(NamingStrategy::SnakeCase, physical)
}

/// The PascalCase logical name of a physical table or view name (`dog_owner` -> `DogOwner`)
/// under the snake_case strategy.
pub fn schema_name(physical: &str) -> Named {
    schema_name_by(NamingStrategy::SnakeCase, physical)
}

/// The camelCase logical name of a physical field name under `strategy` (`BIRTH_DATE` ->
/// `birthDate` for `UPPER_SNAKE_CASE`).
pub fn field_name_by(strategy: NamingStrategy, physical: &str) -> Named {
    named(strategy, physical, camel_case(physical, false))
}

/// The PascalCase logical name of a physical table or view name under `strategy`.
pub fn schema_name_by(strategy: NamingStrategy, physical: &str) -> Named {
    named(strategy, physical, camel_case(physical, true))
}

/// The camelCase logical name of a generated name's middle part (`by_name` -> `byName`), for
/// indexes and constraints, which have no `sqlName`.
pub fn part_name(physical: &str) -> String {
    camel_case(physical, false)
}

fn named(strategy: NamingStrategy, physical: &str, logical: String) -> Named {
    let sql_name = (strategy.apply(&logical) != physical).then(|| physical.to_string());
    Named { logical, sql_name }
}

/// Words split on anything that is not an ASCII letter or digit, joined in camel case; the
/// result is a valid logical name (`[A-Za-z][A-Za-z0-9]*`): a leading digit gets an `x`.
fn camel_case(physical: &str, upper_first: bool) -> String {
    let mut out = String::with_capacity(physical.len());
    for word in physical
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_ascii_lowercase();
        let mut chars = lower.chars();
        if let Some(first) = chars.next() {
            if out.is_empty() && !upper_first {
                out.push(first);
            } else {
                out.push(first.to_ascii_uppercase());
            }
            out.extend(chars);
        }
    }
    match out.chars().next() {
        None => "x".to_string(),
        Some(c) if c.is_ascii_digit() => format!("{}{out}", if upper_first { "X" } else { "x" }),
        Some(_) => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names_become_logical_without_sql_name() {
        assert_eq!(field_name("birth_date").logical, "birthDate");
        assert_eq!(field_name("birth_date").sql_name, None);
        assert_eq!(schema_name("dog_owner").logical, "DogOwner");
        assert_eq!(schema_name("dog").sql_name, None);
        assert_eq!(field_name("f1").logical, "f1");
    }

    #[test]
    fn names_the_strategy_cannot_give_back_keep_their_sql_name() {
        let mixed = field_name("BirthDate");
        assert_eq!(mixed.logical, "birthdate");
        assert_eq!(mixed.sql_name.as_deref(), Some("BirthDate"));
        let odd = schema_name("2020 sales");
        assert_eq!(odd.logical, "X2020Sales");
        assert_eq!(odd.sql_name.as_deref(), Some("2020 sales"));
        assert_eq!(field_name("a__b").sql_name.as_deref(), Some("a__b"));
    }

    #[test]
    fn upper_snake_case_names_are_snowflake_defaults() {
        let upper = NamingStrategy::UpperSnakeCase;
        assert_eq!(field_name_by(upper, "BIRTH_DATE").logical, "birthDate");
        assert_eq!(field_name_by(upper, "BIRTH_DATE").sql_name, None);
        assert_eq!(schema_name_by(upper, "DOG_OWNER").logical, "DogOwner");
        assert_eq!(
            schema_name_by(upper, "dog").sql_name.as_deref(),
            Some("dog")
        );
    }
}
