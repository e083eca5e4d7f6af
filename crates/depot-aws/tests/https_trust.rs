//! The AWS clients' HTTPS trusts exactly the roots `AwsTrust` names: an endpoint whose
//! certificate comes from a private CA is refused under the built-in Amazon Trust Services
//! roots and accepted when that CA's bundle is trusted (as `AWS_CA_BUNDLE` would name it).
//!
//! The endpoint is a local TLS server answering S3's `ListBuckets` with an empty list; the
//! CA and its `localhost` certificate are made for each run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::config::Credentials;
use depot_aws::config::load_sdk_config_trusting;
use depot_aws::{AwsClients, AwsTrust};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LIST_BUCKETS: &str = "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Buckets></Buckets><Owner><ID>depot</ID></Owner></ListAllMyBucketsResult>";

/// A private CA (PEM) and a TLS server for `localhost` with a certificate it issued; the
/// counter tells how many requests got through a handshake.
struct PrivateEndpoint {
    ca_pem: String,
    url: String,
    answered: Arc<AtomicUsize>,
}

async fn private_endpoint() -> PrivateEndpoint {
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Depot test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let answered = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&answered);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                // A refused handshake ends here: the client does not trust the certificate.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\r\n{LIST_BUCKETS}",
                    LIST_BUCKETS.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    PrivateEndpoint {
        ca_pem: ca_cert.pem(),
        url: format!("https://localhost:{port}"),
        answered,
    }
}

async fn s3_trusting(endpoint: &PrivateEndpoint, trust: &AwsTrust) -> aws_sdk_s3::Client {
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .endpoint_url(&endpoint.url);
    let config = load_sdk_config_trusting(loader, trust).await.unwrap();
    AwsClients::new(&config).s3
}

#[tokio::test]
async fn the_amazon_roots_refuse_an_endpoint_of_another_ca() {
    let endpoint = private_endpoint().await;
    let s3 = s3_trusting(&endpoint, &AwsTrust::AmazonTrustServices).await;
    let error = s3
        .list_buckets()
        .send()
        .await
        .expect_err("a certificate of a private CA must not be trusted");
    let chain = format!("{:?}", aws_sdk_s3::error::DisplayErrorContext(&error));
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("unknown issuer"),
        "expected a certificate error, got {chain}"
    );
    assert_eq!(endpoint.answered.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_named_bundle_trusts_its_ca() {
    let endpoint = private_endpoint().await;
    let dir = std::env::temp_dir().join(format!("depot-https-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("private-ca.pem");
    std::fs::write(&bundle, &endpoint.ca_pem).unwrap();
    let trust = AwsTrust::from_lookup(|name| {
        (name == "AWS_CA_BUNDLE").then(|| bundle.as_os_str().to_owned())
    })
    .unwrap();
    let s3 = s3_trusting(&endpoint, &trust).await;
    let listed = s3
        .list_buckets()
        .send()
        .await
        .expect("the private CA's endpoint is trusted through AWS_CA_BUNDLE");
    assert!(listed.buckets().is_empty());
    assert_eq!(endpoint.answered.load(Ordering::SeqCst), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
