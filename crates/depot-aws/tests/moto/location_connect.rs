//! Opening a PostgreSQL session as the dataset's executor says: its writer endpoint, its user
//! (the secret still giving the password), or an IAM authentication token over TLS. Against the
//! test PostgreSQL server (trust authentication: the server checks who connects, not the
//! password) and moto's Secrets Manager.

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use depot_aws::{open_postgres, ConnectSettings, RdsAuthTokens};
use depot_core::dataset::{Endpoint, Executor};
use depot_postgres::{ConnectOptions, PostgresLocation};
use depot_testkit::TestDatabase;
use serde_json::json;

use crate::common::{clients, unique};

/// A login role of its own (roles are server-wide), dropped at the end of the test.
struct TestRole {
    name: String,
}

impl TestRole {
    async fn create(db: &TestDatabase) -> TestRole {
        let name = format!(
            "depot_exec_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        db.client
            .batch_execute(&format!(
                "CREATE ROLE {name} LOGIN PASSWORD 'role-password'"
            ))
            .await
            .expect("creating the test role");
        TestRole { name }
    }

    async fn drop(self, db: &TestDatabase) {
        db.client
            .batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name))
            .await
            .expect("dropping the test role");
    }
}

/// The location of the test database, with a host and port nothing listens on: only the
/// executor's endpoint leads to the server.
fn location(db: &TestDatabase, secret_arn: Option<String>) -> (PostgresLocation, Endpoint) {
    let (host, port) = ConnectOptions::from_url(&db.url).unwrap().host_and_port();
    let location = PostgresLocation {
        name: "main".into(),
        host: "127.0.0.1".into(),
        port: 1,
        database: db.name.clone(),
        user: None,
        secret_arn,
    };
    (location, Endpoint { host, port })
}

async fn current_user_and_ssl(session: &depot_postgres::PostgresSession) -> (String, bool) {
    let row = session
        .client()
        .query_one(
            "SELECT current_user::text, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn the_executor_user_overrides_the_secrets_and_its_endpoint_the_locations() {
    let clients = clients().await;
    let db = depot_testkit::fresh_database().await;
    let role = TestRole::create(&db).await;
    let secret = clients
        .secrets
        .create_secret()
        .name(unique("pg"))
        .secret_string(json!({"username": "postgres", "password": "secret-password"}).to_string())
        .send()
        .await
        .unwrap();
    let (location, endpoint) = location(&db, secret.arn().map(str::to_string));

    let mut executor = Executor::named("migrations");
    executor.endpoint = Some(endpoint);
    let session = open_postgres(
        &location,
        &executor,
        &clients.secrets,
        &ConnectSettings::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        current_user_and_ssl(&session).await.0,
        "postgres",
        "the secret's user"
    );
    session.close().await;

    executor.user = Some(role.name.clone());
    let session = open_postgres(
        &location,
        &executor,
        &clients.secrets,
        &ConnectSettings::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        current_user_and_ssl(&session).await.0,
        role.name,
        "the executor's user"
    );
    session.close().await;

    // Without the endpoint, the location's own host and port are used: nothing listens there.
    executor.endpoint = None;
    let err = match open_postgres(
        &location,
        &executor,
        &clients.secrets,
        &ConnectSettings::default(),
    )
    .await
    {
        Ok(_) => panic!("nothing listens on the location's port"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(!err.contains("secret-password"), "{err}");
    role.drop(&db).await;
}

#[tokio::test]
async fn iam_authentication_sends_a_token_over_tls_as_the_executor_user() {
    let db = depot_testkit::fresh_database().await;
    let role = TestRole::create(&db).await;
    let (location, endpoint) = location(&db, None);
    let mut executor = Executor::named("migrations");
    executor.endpoint = Some(endpoint);
    executor.user = Some(role.name.clone());
    executor.iam_auth = true;
    let settings = ConnectSettings {
        rds_auth: Some(RdsAuthTokens::new(
            SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "not-a-real-secret",
                None,
                None,
                "test",
            )),
            "eu-west-1",
        )),
        ..ConnectSettings::default()
    };
    // No secret is read: an unreachable Secrets Manager changes nothing.
    let secrets = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("eu-west-1"))
            .endpoint_url("http://127.0.0.1:1")
            .build(),
    );
    match open_postgres(&location, &executor, &secrets, &settings).await {
        // A server with TLS (trust authentication ignores the token itself): the session is
        // the executor's user, over TLS, although the server is local (where Depot's default
        // is no TLS).
        Ok(session) => {
            assert_eq!(
                current_user_and_ssl(&session).await,
                (role.name.clone(), true)
            );
            session.close().await;
        }
        // A server without TLS refuses the connection: the token never goes out in clear.
        Err(e) => {
            let e = e.to_string();
            assert!(
                e.to_ascii_lowercase().contains("tls") || e.to_ascii_lowercase().contains("ssl"),
                "{e}"
            );
            assert!(!e.contains("X-Amz-Signature"), "{e}");
        }
    }
    role.drop(&db).await;
}
