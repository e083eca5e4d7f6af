//! PostgreSQL's keywords that cannot stand bare as a column or table name.
//!
//! From the PostgreSQL 15 documentation, Appendix C ("SQL Key Words"): every keyword marked
//! "reserved", "reserved (can be function or type)" and "non-reserved (cannot be function or
//! type)". The last group is legal as a column name in most positions, but not all (e.g. as a
//! bare select-list label), so Depot quotes it too: quoting is always safe, a bare keyword is not.
//! A hand list because PostgreSQL's grammar fixes it and no small crate carries it; sqlparser's
//! list spans every dialect and would quote `id` and `name`.

/// Sorted, upper case, for binary search.
const KEYWORDS: &[&str] = &[
    "ALL",
    "ANALYSE",
    "ANALYZE",
    "AND",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "ASYMMETRIC",
    "AUTHORIZATION",
    "BETWEEN",
    "BIGINT",
    "BINARY",
    "BIT",
    "BOOLEAN",
    "BOTH",
    "CASE",
    "CAST",
    "CHAR",
    "CHARACTER",
    "CHECK",
    "COALESCE",
    "COLLATE",
    "COLLATION",
    "COLUMN",
    "CONCURRENTLY",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT_CATALOG",
    "CURRENT_DATE",
    "CURRENT_ROLE",
    "CURRENT_SCHEMA",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DEC",
    "DECIMAL",
    "DEFAULT",
    "DEFERRABLE",
    "DESC",
    "DISTINCT",
    "DO",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "EXTRACT",
    "FALSE",
    "FETCH",
    "FLOAT",
    "FOR",
    "FOREIGN",
    "FREEZE",
    "FROM",
    "FULL",
    "GRANT",
    "GREATEST",
    "GROUP",
    "GROUPING",
    "HAVING",
    "ILIKE",
    "IN",
    "INITIALLY",
    "INNER",
    "INOUT",
    "INT",
    "INTEGER",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "LATERAL",
    "LEADING",
    "LEAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "NATIONAL",
    "NATURAL",
    "NCHAR",
    "NONE",
    "NORMALIZE",
    "NOT",
    "NOTNULL",
    "NULL",
    "NULLIF",
    "NUMERIC",
    "OFFSET",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "OUT",
    "OUTER",
    "OVERLAPS",
    "OVERLAY",
    "PLACING",
    "POSITION",
    "PRECISION",
    "PRIMARY",
    "REAL",
    "REFERENCES",
    "RETURNING",
    "RIGHT",
    "ROW",
    "SELECT",
    "SESSION_USER",
    "SETOF",
    "SIMILAR",
    "SMALLINT",
    "SOME",
    "SUBSTRING",
    "SYMMETRIC",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TIME",
    "TIMESTAMP",
    "TO",
    "TRAILING",
    "TREAT",
    "TRIM",
    "TRUE",
    "UNION",
    "UNIQUE",
    "USER",
    "USING",
    "VALUES",
    "VARCHAR",
    "VARIADIC",
    "VERBOSE",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "XMLATTRIBUTES",
    "XMLCONCAT",
    "XMLELEMENT",
    "XMLEXISTS",
    "XMLFOREST",
    "XMLNAMESPACES",
    "XMLPARSE",
    "XMLPI",
    "XMLROOT",
    "XMLSERIALIZE",
    "XMLTABLE",
];

/// The length of the longest keyword: a longer word is none.
const LONGEST: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < KEYWORDS.len() {
        if KEYWORDS[i].len() > longest {
            longest = KEYWORDS[i].len();
        }
        i += 1;
    }
    longest
};

/// A word of up to 24 bytes as three big-endian integers, zero-padded: comparing packed words
/// compares the words byte by byte (zero sorts before every letter, as the end of a shorter
/// word does), in a few integer comparisons instead of a `memcmp` call.
type Packed = [u64; 3];

const fn pack(word: &[u8]) -> Packed {
    let mut packed = [0u64; 3];
    let mut i = 0;
    while i < word.len() {
        packed[i / 8] |= (word[i].to_ascii_uppercase() as u64) << (56 - 8 * (i % 8));
        i += 1;
    }
    packed
}

/// [`KEYWORDS`] packed, in the same (sorted) order.
const PACKED: [Packed; KEYWORDS.len()] = {
    assert!(LONGEST <= 24, "a keyword does not fit a packed word");
    let mut packed = [[0u64; 3]; KEYWORDS.len()];
    let mut i = 0;
    while i < KEYWORDS.len() {
        packed[i] = pack(KEYWORDS[i].as_bytes());
        i += 1;
    }
    packed
};

/// True when `word` (any case) must be quoted to be used as an identifier.
pub fn is_keyword(word: &str) -> bool {
    let word = word.as_bytes();
    if word.len() > LONGEST {
        return false;
    }
    // ASCII upper case, as the list is written, packed on the stack: no allocation per
    // identifier, and a few integer comparisons per step of the search.
    let mut upper = [0u8; 24];
    upper[..word.len()].copy_from_slice(word);
    upper.make_ascii_uppercase();
    let chunk = |i: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&upper[8 * i..8 * i + 8]);
        u64::from_be_bytes(bytes)
    };
    let packed = [chunk(0), chunk(1), chunk(2)];
    // A word ending in NUL bytes packs as the keyword before them: the lengths tell them apart.
    PACKED
        .binary_search(&packed)
        .is_ok_and(|i| KEYWORDS[i].len() == word.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_so_binary_search_works() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_longest_keyword_bounds_the_search() {
        assert_eq!(LONGEST, "CURRENT_TIMESTAMP".len());
        assert!(
            PACKED.windows(2).all(|w| w[0] < w[1]),
            "packing keeps the order"
        );
        assert!(!is_keyword("AS\0"));
        assert!(!is_keyword("\0"));
        assert!(KEYWORDS.iter().all(|k| k.len() <= LONGEST));
        assert!(is_keyword("current_timestamp"));
        assert!(is_keyword("Current_Timestamp"));
        assert!(!is_keyword("current_timestamps"));
        assert!(!is_keyword(""));
        assert!(!is_keyword("sélect"));
        // Every keyword, in every case, and nothing one letter off.
        for k in KEYWORDS {
            assert!(is_keyword(k), "{k}");
            assert!(is_keyword(&k.to_ascii_lowercase()), "{k}");
            assert!(!is_keyword(&format!("{k}x")), "{k}x");
            assert!(!is_keyword(&k[1..]) || KEYWORDS.contains(&&k[1..]), "{k}");
        }
    }

    #[test]
    fn reserved_words_need_quotes_and_common_names_do_not() {
        for w in ["order", "user", "select", "table", "time", "Group"] {
            assert!(is_keyword(w), "{w}");
        }
        for w in [
            "id",
            "name",
            "owner",
            "birth_date",
            "dog",
            "status",
            "version",
        ] {
            assert!(!is_keyword(w), "{w}");
        }
    }
}
