//! Introspection: the same schema in two databases gives equal snapshots, whatever the column
//! order; any difference in type, default, nullability, index or view shows.

use depot_postgres::introspect::introspect;
use depot_testkit::{fresh_database, TestDatabase};

const NS: &str = "ws_dev_dog_src";

async fn deploy(db: &TestDatabase, ddl: &str) {
    db.client
        .batch_execute(&format!("CREATE SCHEMA {NS}; {ddl}"))
        .await
        .unwrap();
}

const DOG: &str = "
CREATE TABLE ws_dev_dog_src.dog (
    id uuid NOT NULL,
    name varchar(200) NOT NULL,
    birth_date date,
    weight_kg numeric(6,2),
    vaccinated boolean NOT NULL DEFAULT false,
    CONSTRAINT dog_pkey PRIMARY KEY (id),
    CONSTRAINT dog_name_not_blank CHECK (name <> '')
);
CREATE INDEX dog_by_name ON ws_dev_dog_src.dog (name);
CREATE VIEW ws_dev_dog_src.vaccinated_dog AS
    SELECT id, name, birth_date FROM ws_dev_dog_src.dog WHERE vaccinated;
";

#[tokio::test]
async fn the_same_schema_gives_equal_snapshots() {
    let a = fresh_database().await;
    let b = fresh_database().await;
    deploy(&a, DOG).await;
    // The same schema reached by a migration: columns added later, in another order.
    deploy(
        &b,
        "
CREATE TABLE ws_dev_dog_src.dog (id uuid NOT NULL, vaccinated boolean NOT NULL DEFAULT false);
ALTER TABLE ws_dev_dog_src.dog ADD COLUMN weight_kg numeric(6,2);
ALTER TABLE ws_dev_dog_src.dog ADD COLUMN name varchar(200) NOT NULL;
ALTER TABLE ws_dev_dog_src.dog ADD COLUMN birth_date date;
ALTER TABLE ws_dev_dog_src.dog ADD CONSTRAINT dog_name_not_blank CHECK (name <> '') NOT VALID;
ALTER TABLE ws_dev_dog_src.dog VALIDATE CONSTRAINT dog_name_not_blank;
CREATE UNIQUE INDEX dog_pkey ON ws_dev_dog_src.dog (id);
ALTER TABLE ws_dev_dog_src.dog ADD CONSTRAINT dog_pkey PRIMARY KEY USING INDEX dog_pkey;
CREATE INDEX dog_by_name ON ws_dev_dog_src.dog (name);
CREATE VIEW ws_dev_dog_src.vaccinated_dog AS
    SELECT id, name, birth_date FROM ws_dev_dog_src.dog WHERE vaccinated;
",
    )
    .await;
    let sa = introspect(&a.client, NS).await.unwrap();
    let sb = introspect(&b.client, NS).await.unwrap();
    assert_eq!(sa, sb);

    assert!(sa.exists);
    let dog = &sa.tables["dog"];
    assert_eq!(dog.columns.len(), 5);
    assert_eq!(dog.columns["name"].data_type, "character varying(200)");
    assert_eq!(dog.columns["vaccinated"].default.as_deref(), Some("false"));
    assert!(dog.columns["birth_date"].nullable);
    assert!(!dog.columns["id"].nullable);
    let pk = dog.primary_key.as_ref().unwrap();
    assert_eq!(
        (pk.name.as_str(), pk.columns.clone()),
        ("dog_pkey", vec!["id".to_string()])
    );
    let index = &dog.indexes["dog_by_name"];
    assert_eq!(index.columns, vec!["name".to_string()]);
    assert!(index.valid && !index.unique);
    assert!(
        index.definition.contains(" ON dog USING btree (name)"),
        "{}",
        index.definition
    );
    assert_eq!(dog.constraints["dog_name_not_blank"].kind, "check");
    let view = &sa.views["vaccinated_dog"];
    assert!(view.definition.contains("FROM dog"), "{}", view.definition);
    assert!(!view.definition.contains(NS), "{}", view.definition);

    let json = serde_json::to_string(&sa).unwrap();
    assert_eq!(json, serde_json::to_string(&sb).unwrap());
}

#[tokio::test]
async fn a_different_default_or_nullability_shows() {
    let base = fresh_database().await;
    deploy(&base, DOG).await;
    let expected = introspect(&base.client, NS).await.unwrap();

    for (what, ddl) in [
        ("default", DOG.replace("DEFAULT false", "DEFAULT true")),
        (
            "nullability",
            DOG.replace("birth_date date,", "birth_date date NOT NULL,"),
        ),
        ("type", DOG.replace("varchar(200)", "varchar(100)")),
        (
            "index",
            DOG.replace(
                "CREATE INDEX dog_by_name",
                "CREATE UNIQUE INDEX dog_by_name",
            ),
        ),
        (
            "view",
            DOG.replace("WHERE vaccinated", "WHERE NOT vaccinated"),
        ),
    ] {
        let other = fresh_database().await;
        deploy(&other, &ddl).await;
        let got = introspect(&other.client, NS).await.unwrap();
        assert_ne!(got, expected, "a different {what} went unnoticed");
    }
}

#[tokio::test]
async fn a_missing_namespace_is_an_empty_snapshot() {
    let db = fresh_database().await;
    let s = introspect(&db.client, "nothing_here").await.unwrap();
    assert!(!s.exists);
    assert!(s.tables.is_empty() && s.views.is_empty());
}
