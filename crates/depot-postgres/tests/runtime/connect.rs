//! Connecting: errors name the server but never the password; TLS against the real server.

use std::time::Duration;

use depot_postgres::{ConnectOptions, PostgresSession, SslMode};
use depot_testkit::fresh_database;

#[tokio::test]
async fn a_connection_error_names_the_server_but_not_the_password() {
    let options =
        ConnectOptions::from_url("postgres://depot:Sup3r-s3cret@127.0.0.1:1/app?sslmode=disable")
            .unwrap()
            .with_connect_timeout(Duration::from_secs(2));
    let message = PostgresSession::connect(&options)
        .await
        .unwrap_err()
        .to_string();
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(message.contains("app"), "{message}");
    assert!(!message.contains("Sup3r-s3cret"), "{message}");
    assert!(!format!("{options:?}").contains("Sup3r-s3cret"));
}

#[tokio::test]
async fn require_encrypts_or_refuses_plaintext() {
    let db = fresh_database().await;
    let ssl_on: String = db.client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    let options = ConnectOptions::from_url(&db.url)
        .unwrap()
        .with_ssl_mode(SslMode::Require);
    let result = PostgresSession::connect(&options).await;
    if ssl_on == "on" {
        let session = result.expect("TLS connection with sslmode=require");
        let encrypted: bool = session
            .client()
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(encrypted);
        // verify-full needs a certificate for the host from a trusted CA; a test server's
        // self-signed one is refused.
        let strict = ConnectOptions::from_url(&db.url)
            .unwrap()
            .with_ssl_mode(SslMode::VerifyFull);
        assert!(PostgresSession::connect(&strict).await.is_err());
    } else {
        // The server has no TLS: `require` must not fall back to plaintext.
        let message = result.unwrap_err().to_string();
        assert!(message.contains("could not connect"), "{message}");
    }
}

/// A database whose default is `standard_conforming_strings = off` reads `'a\''b'` as `a'` and
/// then more SQL: Depot's literals (a backslash kept as is, a quote doubled) would end early. Every
/// Depot session turns it on, so a default of `a\'b` is stored as exactly those characters.
#[tokio::test]
async fn a_database_with_standard_conforming_strings_off_still_gets_literals_right() {
    let db = fresh_database().await;
    let database: String = db
        .client
        .query_one("SELECT current_database()", &[])
        .await
        .unwrap()
        .get(0);
    db.client
        .batch_execute(&format!(
            "ALTER DATABASE \"{database}\" SET standard_conforming_strings = off"
        ))
        .await
        .unwrap();
    // A connection of its own (not Depot's) now starts with the setting off.
    let plain = db.connect().await;
    let plain_setting: String = plain
        .query_one("SHOW standard_conforming_strings", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        plain_setting, "off",
        "the test database must default to off"
    );

    let options = ConnectOptions::from_url(&db.url).unwrap();
    let session = PostgresSession::connect(&options).await.unwrap();
    let setting: String = session
        .client()
        .query_one("SHOW standard_conforming_strings", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(setting, "on");

    let value = "a\\'b";
    let literal = depot_postgres::literal::quote(value).unwrap();
    session
        .client()
        .execute(
            &format!("CREATE TABLE quoted (id int, x text DEFAULT {literal})"),
            &[],
        )
        .await
        .unwrap();
    session
        .client()
        .execute("INSERT INTO quoted (id) VALUES (1)", &[])
        .await
        .unwrap();
    let stored: String = plain
        .query_one("SELECT x FROM quoted WHERE id = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, value);
    assert_eq!(stored.chars().count(), 4);
}
