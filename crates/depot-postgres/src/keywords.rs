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

/// True when `word` (any case) must be quoted to be used as an identifier.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS
        .binary_search(&word.to_ascii_uppercase().as_str())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_so_binary_search_works() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
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
