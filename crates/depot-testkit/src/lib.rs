//! Depot's test support: tests talk to a real PostgreSQL server, each in a database of its own.
//!
//! [`fresh_database`] creates a uniquely named database on the server named by `DATABASE_URL`
//! (default [`DEFAULT_DATABASE_URL`]) and drops it when the returned [`TestDatabase`] is dropped,
//! also when the test panics. A server that cannot be reached fails the test: it never skips.

pub mod moto;
pub mod packages;
pub mod url;

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

pub use url::{redact_url, with_database};

/// The server used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The URL of the server tests use: `DATABASE_URL`, or [`DEFAULT_DATABASE_URL`].
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string())
}

/// TestDatabase is a database created for one test, dropped (`WITH (FORCE)`) on drop.
pub struct TestDatabase {
    /// The database's name (`depot_test_<hex>`).
    pub name: String,
    /// A URL connecting to the database (the admin URL with the database replaced).
    pub url: String,
    /// A connection to the database.
    pub client: Client,
    admin_url: String,
    connection: Option<JoinHandle<()>>,
}

impl TestDatabase {
    /// Opens another connection to the database (the caller owns it; it ends when dropped).
    pub async fn connect(&self) -> Client {
        connect_or_fail(&self.url).await
    }

    /// The URL without its password, for messages.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            connection.abort();
        }
        // The drop runs inside the test's runtime (perhaps while unwinding a panic), where a
        // blocking wait on async work would stall: a thread with a runtime of its own does it.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let name_in_thread = name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(drop_database(&admin_url, &name_in_thread))
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("depot-testkit: could not drop test database {name}: {e}"),
            Err(_) => eprintln!("depot-testkit: dropping test database {name} panicked"),
        }
    }
}

/// Creates a fresh, uniquely named database and connects to it. Panics (failing the test) with
/// a clear message when PostgreSQL cannot be reached.
pub async fn fresh_database() -> TestDatabase {
    fresh_database_at(&admin_url()).await
}

/// [`fresh_database`] on the server of `admin_url`.
pub async fn fresh_database_at(admin_url: &str) -> TestDatabase {
    let admin_url = admin_url.to_string();
    let admin = connect_or_fail(&admin_url).await;
    let name = format!("depot_test_{}", uuid::Uuid::new_v4().simple());
    // template0: nobody is ever connected to it, so parallel tests never collide on it.
    admin
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "could not create test database {name} at {}: {}",
                redact_url(&admin_url),
                describe(&e)
            )
        });
    drop(admin);
    let url = with_database(&admin_url, &name);
    let (client, connection) = connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "could not connect to test database at {}: {e}",
            redact_url(&url)
        )
    });
    TestDatabase {
        name,
        url,
        client,
        admin_url,
        connection: Some(connection),
    }
}

async fn connect_or_fail(url: &str) -> Client {
    match connect(url).await {
        Ok((client, _connection)) => client,
        Err(e) => panic!(
            "PostgreSQL not reachable at {}: run `make test`, which starts one, or set DATABASE_URL ({e})",
            redact_url(url)
        ),
    }
}

async fn connect(url: &str) -> Result<(Client, JoinHandle<()>), String> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| describe(&e))?;
    config.connect_timeout(Duration::from_secs(10));
    let (client, connection) = config.connect(NoTls).await.map_err(|e| describe(&e))?;
    let handle = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((client, handle))
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), String> {
    let (admin, _connection) = connect(admin_url).await?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .map_err(|e| describe(&e))
}

fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}
