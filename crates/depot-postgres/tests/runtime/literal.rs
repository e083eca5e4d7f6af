//! String constants: `literal::quote` against the real server. Its escaping (`'` doubled,
//! nothing else) is exact only under `standard_conforming_strings = on`, which every Depot
//! session sets; with it off, PostgreSQL reads backslashes as escapes and the same text means
//! something else, which is why that setting must never be off for a Depot session.

use depot_postgres::literal::quote;
use depot_testkit::fresh_database;

/// Values chosen to break naive escaping: quotes, backslashes, a backslash before a quote, an
/// attempt to close the constant and run a second statement, newlines, unicode, dollar quotes.
const HOSTILE: &[&str] = &[
    "",
    "'",
    "''",
    "\\",
    "\\'",
    "\\\\'",
    "it's",
    "\\' ; DROP TABLE victim; --",
    "'; DROP TABLE victim; --",
    "a\nb\r\nc\td",
    "é ☃ 𝄞 \u{200b}",
    "$$",
    "$$; DROP TABLE victim; $$",
    "E'\\x41'",
    "\\x41\\101\\u0041",
    "--",
    "/* x */",
];

#[tokio::test]
async fn every_hostile_value_round_trips_with_standard_conforming_strings_on() {
    let db = fresh_database().await;
    db.client
        .batch_execute("SET standard_conforming_strings = on; CREATE TABLE victim (id int); INSERT INTO victim VALUES (1)")
        .await
        .unwrap();
    for value in HOSTILE {
        let literal = quote(value).unwrap();
        let back: String = db
            .client
            .query_one(&format!("SELECT {literal}::text"), &[])
            .await
            .unwrap_or_else(|e| panic!("{value:?} as {literal}: {e}"))
            .get(0);
        assert_eq!(&back, value, "{literal}");
    }
    let rows: i64 = db
        .client
        .query_one("SELECT count(*) FROM victim", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn with_standard_conforming_strings_off_backslashes_would_be_misread() {
    // Not a mode Depot runs in: this shows why the session must set it on.
    let db = fresh_database().await;
    db.client
        .batch_execute("SET standard_conforming_strings = off; SET escape_string_warning = off")
        .await
        .unwrap();
    let literal = quote("\\x41").unwrap();
    let back: String = db
        .client
        .query_one(&format!("SELECT {literal}::text"), &[])
        .await
        .unwrap()
        .get(0);
    assert_ne!(
        back, "\\x41",
        "with the setting off, `\\x41` is read as an escape"
    );
}

#[test]
fn a_nul_is_refused_not_truncated() {
    assert!(quote("a\0b").is_err());
}
