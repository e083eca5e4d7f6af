//! NamingStrategy: how logical names become physical names (SPEC §2).

use serde::{Deserialize, Serialize};

/// NamingStrategy turns a logical name into a physical one. `sqlName` in a package overrides it
/// per schema or field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NamingStrategy {
    /// `birthDate` -> `birth_date`, `Dog` -> `dog` (default for PostgreSQL).
    #[serde(rename = "snake_case")]
    SnakeCase,
    /// `birthDate` -> `BIRTH_DATE` (default for Snowflake).
    #[serde(rename = "UPPER_SNAKE_CASE")]
    UpperSnakeCase,
    /// The logical name, unchanged.
    #[serde(rename = "preserve")]
    Preserve,
}

impl NamingStrategy {
    /// The physical form of `logical` under this strategy.
    pub fn apply(&self, logical: &str) -> String {
        use heck::{ToShoutySnakeCase, ToSnakeCase};
        match self {
            NamingStrategy::SnakeCase if logical.is_ascii() => ascii_snake_case(logical, false),
            NamingStrategy::UpperSnakeCase if logical.is_ascii() => ascii_snake_case(logical, true),
            NamingStrategy::SnakeCase => logical.to_snake_case(),
            NamingStrategy::UpperSnakeCase => logical.to_shouty_snake_case(),
            NamingStrategy::Preserve => logical.to_string(),
        }
    }

    /// Parses the SPEC spelling; `None` when unknown.
    pub fn parse(s: &str) -> Option<NamingStrategy> {
        match s {
            "snake_case" => Some(NamingStrategy::SnakeCase),
            "UPPER_SNAKE_CASE" => Some(NamingStrategy::UpperSnakeCase),
            "preserve" => Some(NamingStrategy::Preserve),
            _ => None,
        }
    }
}

/// heck's snake case (`upper`: shouty snake case) of an ASCII name, byte for byte, without
/// heck's formatter machinery: its word splitting (`heck::transform`) over bytes, where
/// `char::is_alphanumeric`, `is_lowercase` and `is_uppercase` are their ASCII forms. Names with
/// other characters go through heck itself (see [`NamingStrategy::apply`]).
fn ascii_snake_case(s: &str, upper: bool) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lowercase,
        Uppercase,
    }
    let case = |b: u8| {
        if upper {
            b.to_ascii_uppercase()
        } else {
            b.to_ascii_lowercase()
        }
    };
    let bytes = s.as_bytes();
    // One word of letters and digits in one case (`id`, `name`, `f1`): only its case changes.
    if bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        || bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return if upper {
            s.to_ascii_uppercase()
        } else {
            s.to_ascii_lowercase()
        };
    }
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + bytes.len() / 4 + 2);
    let mut emit = |word: &[u8]| {
        if !out.is_empty() {
            out.push(b'_');
        }
        out.extend(word.iter().map(|&b| case(b)));
    };
    for word in bytes.split(|b| !b.is_ascii_alphanumeric()) {
        let mut init = 0;
        let mut mode = Mode::Boundary;
        for (i, &c) in word.iter().enumerate() {
            let Some(&next) = word.get(i + 1) else {
                // Trailing characters form the last word.
                emit(&word[init..]);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lowercase
            } else if c.is_ascii_uppercase() {
                Mode::Uppercase
            } else {
                mode
            };
            if next_mode == Mode::Lowercase && next.is_ascii_uppercase() {
                // A boundary after a lowercase (or uncased after lowercase) before an uppercase.
                emit(&word[init..=i]);
                init = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Uppercase && c.is_ascii_uppercase() && next.is_ascii_lowercase()
            {
                // `HTTPServer`: a boundary before the last uppercase of a run.
                emit(&word[init..i]);
                init = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
    // Only ASCII was written.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use heck::{ToShoutySnakeCase, ToSnakeCase};

    /// The fast path must give heck's output byte for byte.
    fn check(name: &str) {
        assert_eq!(
            ascii_snake_case(name, false),
            name.to_snake_case(),
            "snake case of {name:?}"
        );
        assert_eq!(
            ascii_snake_case(name, true),
            name.to_shouty_snake_case(),
            "shouty snake case of {name:?}"
        );
    }

    #[test]
    fn the_ascii_fast_path_matches_heck_on_names() {
        let names = [
            "",
            "a",
            "A",
            "_",
            "__",
            "id",
            "ID",
            "Id",
            "iD",
            "dog",
            "Dog",
            "birthDate",
            "BirthDate",
            "weightKg",
            "HTTPServer",
            "HTTPServerError",
            "httpServer",
            "getHTTP",
            "getHTTPResponseCode",
            "XMLHttpRequest",
            "f1",
            "F1",
            "field1Name",
            "field1name",
            "Field1",
            "f1A",
            "a1B2c3",
            "1abc",
            "123",
            "abc123def",
            "ABC123DEF",
            "abc_def",
            "abc__def",
            "_abc",
            "abc_",
            "__abc__",
            "Abc_Def",
            "ABC_DEF",
            "abc-def",
            "abc def",
            "abc.def",
            "abc$def",
            "a-B-c",
            "ABC",
            "ABCd",
            "ABCdEF",
            "aBC",
            "aBc",
            "AbC",
            "ABc",
            "snake_case_already",
            "SCREAMING_SNAKE",
            "mixed_Case_Name",
            "Entity00042",
            "createdAt",
            "updatedAt",
            "opensAt",
            "parentId",
            "byName",
            "byCode",
            "pkey",
            "idx",
            "VaccinatedDog",
            "BVaccinated",
            "AOldVaccinated",
            "dogName",
            "DogName",
            "DogByNameIdx",
            "x9Y",
            "X9y",
            "x9y",
            "9X",
            "a9",
            "A9B",
            "iOS",
            "IOStream",
            "myIOStream",
            "ioStream",
            "K8sCluster",
            "s3Bucket",
            "S3Bucket",
            "userIDs",
            "UserIDs",
            "IDs",
            "a_B",
            "A_b",
            " leading",
            "trailing ",
            "tab\tin",
            "q\"uote",
            "--",
            "a--b",
            "A--B",
            "-a",
            "b-",
        ];
        for name in names {
            check(name);
        }
    }

    #[test]
    fn the_ascii_fast_path_matches_heck_on_generated_names() {
        // Every string of up to 5 characters over an alphabet of each character class (lower,
        // upper, digit, separator), then pseudo-random longer ones over all of ASCII.
        let alphabet = ['a', 'b', 'A', 'B', '1', '_', '-'];
        let mut name = String::new();
        fn all(name: &mut String, alphabet: &[char], left: usize, check: &dyn Fn(&str)) {
            check(name);
            if left == 0 {
                return;
            }
            for &c in alphabet {
                name.push(c);
                all(name, alphabet, left - 1, check);
                name.pop();
            }
        }
        all(&mut name, &alphabet, 5, &check);

        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let name: String = (0..len)
                .map(|_| {
                    let r = next();
                    // Mostly letters and digits, some of every other ASCII character.
                    match r % 8 {
                        0..=2 => char::from(b'a' + (r >> 8) as u8 % 26),
                        3..=5 => char::from(b'A' + (r >> 8) as u8 % 26),
                        6 => char::from(b'0' + (r >> 8) as u8 % 10),
                        _ => char::from((r >> 8) as u8 % 128),
                    }
                })
                .collect();
            check(&name);
        }
    }

    #[test]
    fn non_ascii_names_go_through_heck() {
        for name in ["caféAu", "ΣΑΣ", "straße", "Ünïcode", "naïveHTTP"] {
            assert_eq!(NamingStrategy::SnakeCase.apply(name), name.to_snake_case());
            assert_eq!(
                NamingStrategy::UpperSnakeCase.apply(name),
                name.to_shouty_snake_case()
            );
        }
        assert_eq!(NamingStrategy::Preserve.apply("birthDate"), "birthDate");
        assert_eq!(NamingStrategy::SnakeCase.apply("birthDate"), "birth_date");
        assert_eq!(
            NamingStrategy::UpperSnakeCase.apply("birthDate"),
            "BIRTH_DATE"
        );
    }
}
