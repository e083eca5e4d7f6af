//! Secrets Manager: credentials read back by ARN, redacted in Debug, errors without values.

use depot_aws::secrets::{postgres_credentials, snowflake_credentials};
use depot_aws::SnowflakeAuth;
use serde_json::json;

use crate::common::{clients, unique};

async fn create_secret(clients: &depot_aws::AwsClients, value: &str) -> String {
    clients
        .secrets
        .create_secret()
        .name(unique("secret"))
        .secret_string(value)
        .send()
        .await
        .expect("CreateSecret")
        .arn()
        .expect("the secret's ARN")
        .to_string()
}

#[tokio::test]
async fn postgres_credentials_in_the_rds_shape_are_read_back_and_redacted() {
    let clients = clients().await;
    let password = "Pw-7f3a9c1e-never-printed";
    let rds = json!({
        "engine": "postgres", "username": "depot_migrator", "password": password,
        "host": "depot.cluster-abc.eu-west-1.rds.amazonaws.com", "port": 5432,
        "dbname": "app", "dbClusterIdentifier": "depot"
    });
    let arn = create_secret(&clients, &rds.to_string()).await;
    let creds = postgres_credentials(&clients.secrets, &arn).await.unwrap();
    assert_eq!(creds.username, "depot_migrator");
    assert_eq!(creds.password.expose(), password);
    assert_eq!(
        creds.host.as_deref(),
        Some("depot.cluster-abc.eu-west-1.rds.amazonaws.com")
    );
    assert_eq!(creds.port, Some(5432));
    assert_eq!(creds.dbname.as_deref(), Some("app"));
    let shown = format!("{creds:?} {creds:#?}");
    assert!(!shown.contains(password), "{shown}");
    assert!(
        shown.contains("<redacted>") && shown.contains("depot_migrator"),
        "{shown}"
    );
}

#[tokio::test]
async fn snowflake_key_pair_is_read_back_and_redacted() {
    let clients = clients().await;
    let key = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let secret =
        json!({ "username": "DEPOT", "privateKey": key, "privateKeyPassphrase": "Pass-9d1e" });
    let arn = create_secret(&clients, &secret.to_string()).await;
    let creds = snowflake_credentials(&clients.secrets, &arn).await.unwrap();
    assert_eq!(creds.username.as_deref(), Some("DEPOT"));
    let SnowflakeAuth::KeyPair {
        private_key,
        passphrase,
    } = &creds.auth
    else {
        panic!("expected a key pair, got {creds:?}");
    };
    assert_eq!(private_key.expose(), key);
    assert_eq!(passphrase.as_ref().map(|p| p.expose()), Some("Pass-9d1e"));
    let shown = format!("{creds:?}");
    assert!(
        !shown.contains("MIIFHD") && !shown.contains("Pass-9d1e"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_missing_or_malformed_secret_is_an_error_naming_the_arn_only() {
    let clients = clients().await;
    let region = clients.secrets.config().region().unwrap().to_string();
    let missing = format!(
        "arn:aws:secretsmanager:{region}:123456789012:secret:{}",
        unique("missing")
    );
    let e = postgres_credentials(&clients.secrets, &missing)
        .await
        .unwrap_err();
    assert_eq!(e.arn, missing);
    assert!(e.to_string().contains("GetSecretValue failed"), "{e}");
    assert!(e.to_string().contains("ResourceNotFoundException"), "{e}");

    let arn = create_secret(&clients, r#"{"username":"depot","password":"Leak-42",}"#).await;
    let e = postgres_credentials(&clients.secrets, &arn)
        .await
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(
        shown.contains(&arn) && shown.contains("not valid JSON"),
        "{shown}"
    );
    assert!(!shown.contains("Leak-42"), "{shown}");
}
