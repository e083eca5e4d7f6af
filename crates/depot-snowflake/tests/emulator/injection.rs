//! Nothing runs that was not planned, on the emulator: string constants escaped for Snowflake's
//! backslash rules read back exactly, and a hostile `sqlName` read by a view is one name.

use depot_snowflake::literal::quote;
use serde_json::json;

use crate::support::{Env, NAMESPACE};

#[tokio::test]
async fn hostile_constants_read_back_exactly() {
    let env = Env::new();
    let session = env.session().await;
    for value in [
        "'",
        r"\",
        r"\'",
        r"\' ; DROP TABLE victim; --",
        "'; DROP TABLE victim; --",
        "a\nb",
        "é ☃",
        "$$",
    ] {
        let rows = session
            .client()
            .query(&format!("SELECT {} AS V", quote(value)))
            .await
            .unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(rows, [[Some(value.to_string())]], "{value:?}");
    }
}

#[tokio::test]
async fn a_hostile_sql_name_read_by_a_view_is_one_name() {
    let env = Env::new();
    let hostile = r#"ken\"; DROP TABLE DECOY.VICTIM; --"#;
    let package = json!({
        "name": "dogs", "version": "1",
        "schemas": {
            "Dog": {
                "kind": "object",
                "fields": {
                    "id": {"type": "bigint"},
                    "name": {"type": "string", "sqlName": hostile}
                },
                "primaryKey": ["id"]
            },
            "V": {"kind": "view", "query": "SELECT id, name FROM Dog"}
        }
    });
    let dataset = env.dataset(&package);
    let mut session = env.session().await;
    session
        .client()
        .execute("CREATE SCHEMA IF NOT EXISTS DECOY")
        .await
        .unwrap();
    session
        .client()
        .execute("CREATE TABLE DECOY.VICTIM (ID INT)")
        .await
        .unwrap();
    env.deployer()
        .deploy(&mut session, &dataset)
        .await
        .unwrap_or_else(|e| panic!("deploying: {e}"));
    let quoted = depot_snowflake::dialect::quote_ident(hostile);
    session
        .client()
        .execute(&format!(
            "INSERT INTO \"{NAMESPACE}\".DOG (ID, {quoted}) VALUES (7, 'Rex')"
        ))
        .await
        .unwrap();
    let rows = session
        .client()
        .query(&format!(
            "SELECT ID::VARCHAR, {quoted} FROM \"{NAMESPACE}\".V"
        ))
        .await
        .unwrap();
    assert_eq!(rows, [[Some("7".to_string()), Some("Rex".to_string())]]);
    session
        .client()
        .query("SELECT COUNT(*) FROM DECOY.VICTIM")
        .await
        .expect("VICTIM is still there");
}
