//! ConnectOptions: how to reach a PostgreSQL database, from a URL (`--database-url`,
//! `DATABASE_URL`) or from a dataset's [`PostgresLocation`] plus a password the caller fetched
//! (from Secrets Manager). The password is never printed: not by `Debug`, not in errors.
//!
//! TLS follows libpq's `sslmode`:
//! - `disable`: no TLS;
//! - `prefer`: TLS when the server offers it, certificate not verified;
//! - `require`: TLS, certificate not verified, unless a CA bundle is given (then as `verify-ca`);
//! - `verify-ca`: TLS, certificate chain verified against the CA bundle (or the public roots);
//! - `verify-full`: as `verify-ca`, and the certificate must name the host.
//!
//! When no mode is given: `disable` for a local server (localhost, 127.0.0.1, ::1, a Unix
//! socket), `require` otherwise. For Aurora, `verify-full` with the RDS CA bundle
//! (`sslrootcert=/path/global-bundle.pem`) is the strong choice.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use depot_core::dataset::Executor;
use depot_deploy::LocationError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::task::JoinHandle;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::location::PostgresLocation;
use crate::pg_error;

/// How long a connection attempt may take when the URL sets no `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The settings every Depot connection starts with (see [`ConnectOptions::connect`]).
pub const SESSION_OPTIONS: &str = "-c TimeZone=UTC -c standard_conforming_strings=on";

/// The `application_name` Depot's sessions show in `pg_stat_activity` unless the URL sets one.
pub const APPLICATION_NAME: &str = "depot";

/// SslMode is libpq's `sslmode` (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// Parses libpq's spelling (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`).
    /// `allow` is taken as `prefer`.
    pub fn parse(s: &str) -> Option<SslMode> {
        match s {
            "disable" => Some(SslMode::Disable),
            "allow" | "prefer" => Some(SslMode::Prefer),
            "require" => Some(SslMode::Require),
            "verify-ca" => Some(SslMode::VerifyCa),
            "verify-full" => Some(SslMode::VerifyFull),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// ConnectError is a failure to reach the database. Messages name the host, port, database and
/// user, never the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL or connection string cannot be read.
    #[error("invalid PostgreSQL connection string: {0}")]
    Invalid(String),
    /// The TLS configuration cannot be built (CA bundle unreadable or empty, ...).
    #[error("TLS setup for PostgreSQL at {target}: {message}")]
    Tls { target: String, message: String },
    /// The server did not accept the connection.
    #[error("could not connect to PostgreSQL at {target}: {message}")]
    Connect { target: String, message: String },
}

impl From<ConnectError> for LocationError {
    fn from(e: ConnectError) -> LocationError {
        LocationError::Other(e.to_string())
    }
}

/// ConnectOptions say how to reach one database.
#[derive(Clone)]
pub struct ConnectOptions {
    config: Config,
    /// None: chosen from the host (see [`ConnectOptions::ssl_mode`]).
    ssl_mode: Option<SslMode>,
    ca_file: Option<PathBuf>,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("target", &self.target())
            .field(
                "password",
                &self.config.get_password().map(|_| "<redacted>"),
            )
            .field("ssl_mode", &self.ssl_mode())
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl ConnectOptions {
    /// Reads a `postgres://user:password@host:port/database?sslmode=...&sslrootcert=...` URL or
    /// a libpq `key=value` connection string. `sslmode` takes every libpq mode; `sslrootcert`
    /// names a PEM CA bundle.
    pub fn from_url(url: &str) -> Result<ConnectOptions, ConnectError> {
        let (rest, ssl_mode, ca_file) = take_tls_params(url)?;
        let mut config: Config = rest
            .parse()
            .map_err(|e: tokio_postgres::Error| ConnectError::Invalid(e.to_string()))?;
        apply_defaults(&mut config);
        Ok(ConnectOptions {
            config,
            ssl_mode,
            ca_file,
        })
    }

    /// The options for a dataset's location. `password` comes from the location's secret; the
    /// user is the location's, or one set later with [`ConnectOptions::with_user`].
    pub fn from_location(location: &PostgresLocation, password: Option<&str>) -> ConnectOptions {
        let mut config = Config::new();
        config
            .host(&location.host)
            .port(location.port)
            .dbname(&location.database);
        if let Some(user) = &location.user {
            config.user(user);
        }
        if let Some(password) = password {
            config.password(password);
        }
        apply_defaults(&mut config);
        ConnectOptions {
            config,
            ssl_mode: None,
            ca_file: None,
        }
    }

    /// The options for a dataset's migrations with `executor`: its writer `endpoint` instead
    /// of the location's host and port, its `user` instead of the location's. Migrations always
    /// run on the writer; the executor's `readerEndpoint` is never used here.
    pub fn for_executor(
        location: &PostgresLocation,
        executor: &Executor,
        password: Option<&str>,
    ) -> ConnectOptions {
        let mut options = ConnectOptions::from_location(location, password);
        if let Some(endpoint) = &executor.endpoint {
            options.config.host(&endpoint.host).port(endpoint.port);
        }
        if let Some(user) = &executor.user {
            options.config.user(user);
        }
        options
    }

    /// The user set so far, if any.
    pub fn user(&self) -> Option<&str> {
        self.config.get_user()
    }

    /// The first host and port: where the connection goes.
    pub fn host_and_port(&self) -> (String, u16) {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(Host::Unix(p)) => p.display().to_string(),
            None => "localhost".to_string(),
        };
        (
            host,
            self.config.get_ports().first().copied().unwrap_or(5432),
        )
    }

    /// Makes TLS mandatory: `disable` and `prefer` (and the local default) become `require`;
    /// a stricter mode stays. An IAM authentication token must not cross the network in clear.
    pub fn with_tls_required(self) -> ConnectOptions {
        match self.ssl_mode() {
            SslMode::Disable | SslMode::Prefer => self.with_ssl_mode(SslMode::Require),
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => self,
        }
    }

    /// Sets the user (e.g. the one stored beside the password in the location's secret).
    pub fn with_user(mut self, user: &str) -> ConnectOptions {
        self.config.user(user);
        self
    }

    pub fn with_password(mut self, password: &str) -> ConnectOptions {
        self.config.password(password);
        self
    }

    pub fn with_ssl_mode(mut self, mode: SslMode) -> ConnectOptions {
        self.ssl_mode = Some(mode);
        self
    }

    /// Trusts the CA certificates of this PEM file (e.g. the RDS bundle) instead of the public
    /// roots; with `require`, also turns on chain verification (as libpq does).
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> ConnectOptions {
        self.ca_file = Some(path.into());
        self
    }

    pub fn with_connect_timeout(mut self, timeout: Duration) -> ConnectOptions {
        self.config.connect_timeout(timeout);
        self
    }

    /// The TLS mode in force: the one given, else `disable` for a local server and `require`
    /// otherwise.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode.unwrap_or_else(|| {
            if is_local(&self.config) {
                SslMode::Disable
            } else {
                SslMode::Require
            }
        })
    }

    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// `user@host:port/database`, for messages and logs (never the password).
    pub fn target(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(Host::Unix(p)) => p.display().to_string(),
            None => match self.config.get_hostaddrs().first() {
                Some(a) => a.to_string(),
                None => "localhost".to_string(),
            },
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let user = self.config.get_user().unwrap_or("?");
        let database = self
            .config
            .get_dbname()
            .or(self.config.get_user())
            .unwrap_or("?");
        format!("{user}@{host}:{port}/{database}")
    }

    /// Opens a connection. The returned task drives it and ends when the client is dropped.
    pub async fn connect(&self) -> Result<(Client, JoinHandle<()>), ConnectError> {
        let target = self.target();
        let mode = self.ssl_mode();
        let mut config = self.config.clone();
        // Migrations run in UTC whatever the server's default: zone-less timestamps converted to
        // timestamptz are then read as UTC on every server, and PostgreSQL 12+ converts them in
        // place instead of rewriting the table.
        // Literals are escaped for standard_conforming_strings = on (a backslash is an ordinary
        // character, only `'` is doubled). A server, database or role configured `off` would read
        // `\'` as an escaped quote and end the literal elsewhere: the session sets `on` itself.
        // Startup options outrank ALTER DATABASE/ROLE settings, and ours come last.
        let options = match config.get_options() {
            Some(given) => format!("{given} {SESSION_OPTIONS}"),
            None => SESSION_OPTIONS.to_string(),
        };
        config.options(&options);
        let started = std::time::Instant::now();
        let result = match mode {
            SslMode::Disable => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                config
                    .connect(NoTls)
                    .await
                    .map(|(client, connection)| (client, spawn_connection(connection, &target)))
            }
            SslMode::Prefer | SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                config.ssl_mode(if mode == SslMode::Prefer {
                    tokio_postgres::config::SslMode::Prefer
                } else {
                    tokio_postgres::config::SslMode::Require
                });
                let tls = tls_config(mode, self.ca_file.as_deref()).map_err(|message| {
                    ConnectError::Tls {
                        target: target.clone(),
                        message,
                    }
                })?;
                config
                    .connect(MakeRustlsConnect::new(tls))
                    .await
                    .map(|(client, connection)| (client, spawn_connection(connection, &target)))
            }
        };
        match result {
            Ok(connected) => {
                tracing::debug!(
                    target = %target,
                    sslmode = mode.as_str(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "connected to PostgreSQL"
                );
                Ok(connected)
            }
            Err(e) => Err(ConnectError::Connect {
                message: self.scrub(&connect_message(&e)),
                target,
            }),
        }
    }

    /// `message` with the password (should a server ever echo it) replaced.
    fn scrub(&self, message: &str) -> String {
        match self.config.get_password() {
            Some(p) if p.len() >= 4 => match std::str::from_utf8(p) {
                Ok(p) => message.replace(p, "***"),
                Err(_) => message.to_string(),
            },
            Some(_) | None => message.to_string(),
        }
    }
}

fn connect_message(e: &tokio_postgres::Error) -> String {
    // "error connecting to server: ..." hides the cause (refused, timed out, TLS) in source().
    let mut message = pg_error::describe(e);
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

fn spawn_connection<S, T>(
    connection: tokio_postgres::Connection<S, T>,
    target: &str,
) -> JoinHandle<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let target = target.to_string();
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(target = %target, error = %pg_error::describe(&e), "PostgreSQL connection ended with an error");
        }
    })
}

fn apply_defaults(config: &mut Config) {
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name(APPLICATION_NAME);
    }
}

fn is_local(config: &Config) -> bool {
    let hosts_local = config.get_hosts().iter().all(|h| match h {
        Host::Tcp(name) => matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]"),
        #[cfg(unix)]
        Host::Unix(_) => true,
    });
    let addrs_local = config.get_hostaddrs().iter().all(|a| a.is_loopback());
    hosts_local && addrs_local
}

type TlsParams = (String, Option<SslMode>, Option<PathBuf>);

/// Takes `sslmode` and `sslrootcert` out of `url` (tokio-postgres knows neither `verify-*` nor
/// `sslrootcert`) and returns what is left for tokio-postgres.
fn take_tls_params(url: &str) -> Result<TlsParams, ConnectError> {
    let mut ssl_mode = None;
    let mut ca_file = None;
    let mut take = |key: &str, value: &str| -> Result<bool, ConnectError> {
        match key {
            "sslmode" => {
                ssl_mode = Some(SslMode::parse(value).ok_or_else(|| {
                    ConnectError::Invalid(format!(
                        "sslmode {value:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                    ))
                })?);
                Ok(true)
            }
            "sslrootcert" => {
                ca_file = Some(PathBuf::from(value));
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(&percent_decode(key), &percent_decode(value))? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => url.to_string(),
        }
    } else if url.contains('\'') {
        // Quoted values: left whole to tokio-postgres (which knows disable/prefer/require).
        url.to_string()
    } else {
        let mut kept = Vec::new();
        for token in url.split_whitespace() {
            let taken = match token.split_once('=') {
                Some((key, value)) => take(key.trim(), value.trim())?,
                None => false,
            };
            if !taken {
                kept.push(token);
            }
        }
        kept.join(" ")
    };
    Ok((rest, ssl_mode, ca_file))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rustls configuration of `mode` (any mode but `disable`).
fn tls_config(mode: SslMode, ca_file: Option<&Path>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = Arc::new(root_store(ca_file)?);
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let verify_chain = |roots: Arc<RootCertStore>| {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| e.to_string())
    };
    let config = match mode {
        SslMode::VerifyFull => builder.with_root_certificates(roots).with_no_client_auth(),
        SslMode::VerifyCa => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly(verify_chain(roots)?)))
            .with_no_client_auth(),
        SslMode::Require | SslMode::Prefer if ca_file.is_some() => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly(verify_chain(roots)?)))
            .with_no_client_auth(),
        SslMode::Require | SslMode::Prefer | SslMode::Disable => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth(),
    };
    Ok(config)
}

fn root_store(ca_file: Option<&Path>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("cannot read CA bundle {}: {e}", path.display()))?;
            let (added, _ignored) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "CA bundle {} holds no usable certificate",
                    path.display()
                ));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(roots)
}

/// ChainOnly verifies the certificate chain but not the host name (libpq's `verify-ca`).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// EncryptOnly accepts any certificate (libpq's `require` without a CA bundle): the session is
/// encrypted, the server unauthenticated. Handshake signatures are still checked.
#[derive(Debug)]
struct EncryptOnly(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_url_with_tls_parameters() {
        let o = ConnectOptions::from_url(
            "postgres://app:s3cret@db.example.internal:6432/main?sslmode=verify-full&sslrootcert=%2Ftmp%2Frds.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(o.ssl_mode(), SslMode::VerifyFull);
        assert_eq!(o.ca_file(), Some(Path::new("/tmp/rds.pem")));
        assert_eq!(o.target(), "app@db.example.internal:6432/main");
    }

    #[test]
    fn defaults_tls_by_host() {
        let local =
            ConnectOptions::from_url("postgres://postgres@127.0.0.1:5432/postgres").unwrap();
        assert_eq!(local.ssl_mode(), SslMode::Disable);
        let local = ConnectOptions::from_url("host=localhost user=postgres").unwrap();
        assert_eq!(local.ssl_mode(), SslMode::Disable);
        let remote = ConnectOptions::from_url("postgres://u@db.example.internal/app").unwrap();
        assert_eq!(remote.ssl_mode(), SslMode::Require);
        let explicit =
            ConnectOptions::from_url("host=db.example.internal user=u sslmode=disable").unwrap();
        assert_eq!(explicit.ssl_mode(), SslMode::Disable);
    }

    #[test]
    fn never_shows_the_password() {
        let o =
            ConnectOptions::from_url("postgres://app:s3cret-pw@db.example.internal/main").unwrap();
        let debug = format!("{o:?}");
        assert!(!debug.contains("s3cret-pw"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        let location = PostgresLocation {
            name: "main".into(),
            host: "db.example.internal".into(),
            port: 5432,
            database: "app".into(),
            user: Some("migrations".into()),
            secret_arn: None,
        };
        let o = ConnectOptions::from_location(&location, Some("hunter22"));
        let debug = format!("{o:?}");
        assert!(!debug.contains("hunter22"), "{debug}");
        assert_eq!(o.target(), "migrations@db.example.internal:5432/app");
        assert_eq!(o.ssl_mode(), SslMode::Require);
    }

    #[test]
    fn refuses_an_unknown_sslmode() {
        let e = ConnectOptions::from_url("postgres://u:pw@h/db?sslmode=sometimes").unwrap_err();
        assert!(e.to_string().contains("sometimes"));
        assert!(!e.to_string().contains("pw@"));
    }

    #[test]
    fn builds_every_tls_mode() {
        for mode in [
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            tls_config(mode, None).unwrap();
        }
        let missing = tls_config(SslMode::VerifyFull, Some(Path::new("/nonexistent/ca.pem")));
        assert!(missing.unwrap_err().contains("/nonexistent/ca.pem"));
    }
}
