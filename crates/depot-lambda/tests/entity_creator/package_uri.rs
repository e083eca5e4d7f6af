//! A package too large for CloudFormation's properties comes from S3 (`packageUri`): it deploys
//! as the same dataset as the package given inline, and a URI that gives no package fails
//! naming the URI, with nothing deployed. Problems name a package's entries as it writes them,
//! inline or at a URI.

use aws_sdk_s3::primitives::ByteStream;
use depot_core::hash::version_hash;
use depot_core::properties::parse_dataset;
use serde_json::{json, Value};

use crate::support::*;

impl World {
    /// Puts `body` in the bootstrap bucket under `key`; its `s3://` URI.
    async fn put_package(&self, key: &str, body: Vec<u8>) -> String {
        self.clients
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .expect("the package is stored");
        format!("s3://{}/{key}", self.bucket)
    }

    /// Dataset properties whose package is at `uri`.
    fn properties_at(&self, alias: &str, uri: &str) -> Value {
        let mut properties = self.properties(alias, Value::Null, "synchronous");
        let object = properties.as_object_mut().unwrap();
        object.remove("package");
        object.insert("packageUri".to_string(), uri.into());
        properties
    }
}

#[tokio::test]
async fn a_package_at_a_package_uri_deploys_as_the_same_package_inline_would() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    // Spaces, another key order and escapes: the text is read as written.
    let text = serde_json::to_string_pretty(&package_v1())
        .unwrap()
        .replace("\"Dog\"", "\"\\u0044og\"");
    let uri = world
        .put_package("packages/dogs-v1.json", text.into_bytes())
        .await;

    let (url, key) = world.response_url().await;
    let create = cfn_request("Create", &url, world.properties_at("Dogs", &uri));
    invoke(&supervisor, create).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");

    let inline = parse_dataset(
        &world.properties("Dogs", package_v1(), "synchronous"),
        &depot_aws::ENGINES,
    )
    .unwrap();
    assert_eq!(
        response["Data"]["DatasetVersionHash"],
        version_hash(&inline.config, &inline.package).as_str()
    );
    let tables: i64 = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ds_dogs' AND table_name = 'dog'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 1);
}

#[tokio::test]
async fn a_package_uri_without_a_json_package_fails_naming_the_uri_and_deploys_nothing() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let malformed = world
        .put_package("packages/broken.json", b"{\"name\": \"dogs\",".to_vec())
        .await;
    let missing = format!("s3://{}/packages/missing.json", world.bucket);
    let not_utf8 = world
        .put_package("packages/latin1.json", b"{\"name\": \"d\xf6gs\"}".to_vec())
        .await;
    for (uri, says) in [
        (&malformed, "not a JSON package: EOF while parsing"),
        (&missing, "no such object"),
        (&not_utf8, "not a JSON package: invalid utf-8"),
    ] {
        let (url, key) = world.response_url().await;
        let create = cfn_request("Create", &url, world.properties_at("Dogs", uri));
        invoke(&supervisor, create).await.unwrap();
        let response = world.response(&key).await;
        assert_eq!(response["Status"], "FAILED", "{uri}: {response}");
        let reason = response["Reason"].as_str().unwrap();
        assert!(
            reason.contains(&format!("packageUri {uri}: {says}")),
            "{uri}: {reason}"
        );
    }
    let schemas: i64 = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name IN ('ds_dogs', '__admin')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(schemas, 0, "a failed Create deployed something");
    assert!(world.events().await.is_empty());

    // Both given: refused before anything is fetched.
    let mut both = world.properties_at("Dogs", &malformed);
    both["package"] = json!(package_v1());
    let (url, key) = world.response_url().await;
    invoke(&supervisor, cfn_request("Create", &url, both))
        .await
        .unwrap();
    let reason = world.response(&key).await["Reason"].to_string();
    assert!(
        reason.contains("either `package` or `packageUri`"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_package_uri_whose_package_gives_a_key_twice_fails_naming_the_path_and_deploys_nothing() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let text = serde_json::to_string(&package_v1()).unwrap().replacen(
        r#""id":{"type":"uuid"}"#,
        r#""id":{"type":"uuid"},"id":{"type":"string"}"#,
        1,
    );
    assert!(text.contains(r#""id":{"type":"string"}"#), "{text}");
    let uri = world
        .put_package("packages/twice.json", text.into_bytes())
        .await;
    let (url, key) = world.response_url().await;
    let create = cfn_request("Create", &url, world.properties_at("Twice", &uri));
    invoke(&supervisor, create).await.unwrap();
    let response = world.response(&key).await;
    assert_eq!(response["Status"], "FAILED", "{response}");
    let reason = response["Reason"].as_str().unwrap();
    assert!(
        reason.contains(&uri)
            && reason.contains("[duplicate-key]")
            && reason.contains("schemas.Dog.fields.id"),
        "{reason}"
    );
    let schemas: i64 = world
        .db
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'ds_twice'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(schemas, 0, "nothing was deployed");
}

#[tokio::test]
async fn resolution_problems_name_entries_as_written_inline_and_at_a_package_uri() {
    let world = World::new().await;
    let supervisor = world.supervisor();
    let package = depot_testkit::packages::resolution_problems_out_of_name_order();
    let uri = world
        .put_package(
            "packages/shop.json",
            serde_json::to_vec_pretty(&package).unwrap(),
        )
        .await;
    for (how, properties) in [
        (
            "inline",
            world.properties("Shop", package.clone(), "synchronous"),
        ),
        ("packageUri", world.properties_at("Shop", &uri)),
    ] {
        let (url, key) = world.response_url().await;
        invoke(&supervisor, cfn_request("Create", &url, properties))
            .await
            .unwrap();
        let response = world.response(&key).await;
        assert_eq!(response["Status"], "FAILED", "{how}: {response}");
        let reason = response["Reason"].as_str().unwrap();
        // Each problem at the entry the author wrote (one line each, its place last): `zeta`
        // and `zz` come first in the file, second in the model.
        for (place, names) in [
            ("(at package.schemas.Order.indexes[0]", "ghost"),
            ("(at package.schemas.Order.checks[0]", "nope"),
        ] {
            let lines: Vec<&str> = reason.lines().filter(|l| l.contains(place)).collect();
            assert_eq!(lines.len(), 1, "{how}: one problem at {place}: {reason}");
            assert!(
                lines[0].contains(names),
                "{how}: {place} names {names}: {reason}"
            );
        }
        assert!(!reason.contains("indexes[1]"), "{how}: {reason}");
        assert!(!reason.contains("checks[1]"), "{how}: {reason}");
    }
    assert!(world.events().await.is_empty(), "nothing was announced");
}
