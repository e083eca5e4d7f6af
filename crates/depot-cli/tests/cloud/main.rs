//! The operator commands against a cloud environment (moto for S3, SSM, Secrets Manager, STS
//! and Step Functions; the real PostgreSQL): `depot get-dataset --env`, `depot list-datasets`,
//! `depot run-migration --env` and `depot seed`, run as the real binary. Every run checks that
//! the secret's password appears in no output (world.rs).

mod world;

use depot_deploy::DeployOutcome;
use serde_json::{json, Value};
use world::{breeds, new_environment_id, World};

/// The id and version hash a deploy left.
fn deployed(outcome: &DeployOutcome) -> (String, String) {
    let state = outcome.state();
    (state.id.clone(), state.desired_version.clone().unwrap())
}

#[tokio::test]
async fn get_dataset_follows_the_environment_to_the_state_record() {
    let w = World::new().await;
    let outcome = w
        .deploy(&w.properties("WsBreeds", breeds("1"), "synchronous"))
        .await;
    let (id, hash) = deployed(&outcome);
    let env = w.environment_id.clone();

    let out = w
        .depot(&["get-dataset", "--env", &env, "--id", &id])
        .ok()
        .json();
    assert_eq!(out["id"], json!(id));
    assert_eq!(out["alias"], json!("WsBreeds"));
    assert_eq!(out["status"], json!("STABLE"));
    assert_eq!(out["lastError"], Value::Null);
    for field in [
        "desiredVersion",
        "attemptedVersion",
        "deployedVersion",
        "newestVersionHash",
    ] {
        assert_eq!(out[field], json!(hash), "{field}");
    }
    assert_eq!(out["location"]["name"], json!("main"));
    assert_eq!(out["location"]["type"], json!("postgres"));
    assert_eq!(out["location"]["secretArn"], json!(w.secret_arn));
    assert_eq!(out["schemaName"], json!("ds_wsbreeds"));
    assert_eq!(
        out["environmentUri"],
        json!(format!(
            "s3://{}/sdp-{env}/datasets/{id}/{hash}.json",
            w.bucket
        ))
    );
    assert_eq!(out["version"], json!(outcome.state().version), "{out}");
    assert_eq!(out["synced"], json!(outcome.state().synced), "{out}");

    // By alias, as a table for people.
    let text = w
        .depot(&[
            "get-dataset",
            "--env",
            &env,
            "--alias",
            "WsBreeds",
            "--format",
            "text",
        ])
        .ok()
        .stdout;
    assert!(
        text.contains(&format!("dataset      {id} (WsBreeds)")),
        "{text}"
    );
    assert!(text.contains("status       STABLE"), "{text}");
    assert!(text.contains("location     main (postgres)"), "{text}");
    assert!(text.contains(&format!("deployed     {hash}")), "{text}");

    // The runbook's spelling: --awsprofile names a profile of the shared config files.
    let config = w.write_text(
        "aws-config",
        "[profile depot-dev]\nregion = eu-west-1\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
        .args([
            "get-dataset",
            "--awsprofile",
            "depot-dev",
            "--env",
            &env,
            "--id",
            &id,
        ])
        .env_remove("DATABASE_URL")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_ENDPOINT_URL", depot_testkit::moto::endpoint())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out["status"], json!("STABLE"));
}

#[tokio::test]
async fn get_dataset_names_what_it_cannot_find_or_read() {
    let w = World::new().await;
    let (id, hash) = deployed(
        &w.deploy(&w.properties("WsBreeds", breeds("1"), "synchronous"))
            .await,
    );
    let env = w.environment_id.clone();

    let reason = w
        .depot(&["get-dataset", "--env", &env, "--id", "0123456789ab"])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains(&format!("no dataset 0123456789ab in environment {env}")),
        "{reason}"
    );
    let reason = w
        .depot(&["get-dataset", "--env", &env, "--alias", "WsNothing"])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains(&format!(
            "no dataset with alias WsNothing in environment {env}"
        )),
        "{reason}"
    );
    let reason = w
        .depot(&["get-dataset", "--env", "not-an-env", "--id", &id])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains("\"not-an-env\" is not an environment id"),
        "{reason}"
    );
    // The mistyped id is what is wrong, before any AWS setting: even with no region anywhere
    // the reason names the id, on one line, with none of the SDK's provider-chain warnings.
    let no_region = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
        .args(["get-dataset", "--env", "not-an-env", "--id", &id])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&no_region.stderr);
    assert!(!no_region.status.success());
    assert_eq!(
        stderr.trim(),
        "depot: error: \"not-an-env\" is not an environment id: 15 lowercase hex characters (e.g. e2e404529091ed2)"
    );

    // An environment without its SSM parameter: named, with the way around it.
    let other = new_environment_id();
    let reason = w
        .depot(&["get-dataset", "--env", &other, "--id", &id])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains(&format!("no SSM parameter /depot/{other}/bootstrap-bucket")),
        "{reason}"
    );
    assert!(reason.contains("--bucket"), "{reason}");

    // A dataset whose secret cannot be read: the ARN is named (never a value).
    let mut document = w.document(&id, &hash).await;
    let missing = format!("{}-gone", w.secret_arn);
    document["dataset"]["location"]["secretArn"] = json!(missing);
    w.put_document("00000000dead", document.clone()).await;
    let reason = w
        .depot(&["get-dataset", "--env", &env, "--id", "00000000dead"])
        .failed()
        .reason()
        .to_string();
    assert!(reason.contains(&format!("secret {missing}")), "{reason}");
    assert!(reason.contains("location main"), "{reason}");

    // A location that does not answer.
    document["dataset"]["location"]["secretArn"] = json!(w.secret_arn);
    document["dataset"]["location"]["port"] = json!(1);
    w.put_document("00000000beef", document).await;
    let reason = w
        .depot(&["get-dataset", "--env", &env, "--id", "00000000beef"])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains("dataset 00000000beef") && reason.contains("location main"),
        "{reason}"
    );
}

#[tokio::test]
async fn list_datasets_shows_every_dataset_and_the_ones_it_cannot_reach() {
    let w = World::new().await;
    let env = w.environment_id.clone();
    let (breeds_id, breeds_hash) = deployed(
        &w.deploy(&w.properties("WsBreeds", breeds("1"), "synchronous"))
            .await,
    );
    let (dogs_id, dogs_hash) = deployed(
        &w.deploy(&w.properties("WsDogs", breeds("1"), "asynchronous"))
            .await,
    );
    // A second version of WsBreeds, written later (S3's LastModified counts whole seconds).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let first_hash = breeds_hash;
    let (again, breeds_hash) = deployed(
        &w.deploy(&w.properties("WsBreeds", breeds("2"), "synchronous"))
            .await,
    );
    assert_eq!(again, breeds_id);
    assert_ne!(breeds_hash, first_hash);
    let mut unreachable = w.document(&breeds_id, &breeds_hash).await;
    unreachable["datasetAlias"] = json!("WsGone");
    unreachable["dataset"]["location"]["name"] = json!("elsewhere");
    unreachable["dataset"]["location"]["secretArn"] = json!(format!("{}-gone", w.secret_arn));
    w.put_document("00000000dead", unreachable).await;

    let out = w.depot(&["list-datasets", "--env", &env]).ok();
    let listing = out.json();
    assert_eq!(listing["environmentId"], json!(env));
    assert_eq!(listing["bucket"], json!(w.bucket));
    let rows = listing["datasets"].as_array().unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == json!(id))
            .unwrap_or_else(|| panic!("no row {id}: {listing}"))
    };
    assert_eq!(rows.len(), 3, "{listing}");
    assert_eq!(row(&breeds_id)["status"], json!("STABLE"));
    assert_eq!(row(&breeds_id)["alias"], json!("WsBreeds"));
    assert_eq!(row(&breeds_id)["newestVersionHash"], json!(breeds_hash));
    assert_eq!(row(&breeds_id)["versions"], json!(2));
    assert_eq!(row(&breeds_id)["deployedVersion"], json!(breeds_hash));
    assert_eq!(row(&breeds_id)["location"]["name"], json!("main"));
    assert_eq!(row(&breeds_id)["error"], Value::Null);
    assert_eq!(row(&dogs_id)["status"], json!("SCHEDULED"));
    assert_eq!(row(&dogs_id)["desiredVersion"], json!(dogs_hash));
    assert_eq!(row(&dogs_id)["deployedVersion"], Value::Null);
    let gone = row("00000000dead");
    assert_eq!(gone["alias"], json!("WsGone"));
    assert_eq!(gone["status"], Value::Null);
    let error = gone["error"].as_str().expect("an error field");
    assert!(
        error.contains("location elsewhere") && error.contains("-gone"),
        "{error}"
    );
    assert!(
        out.stderr
            .contains("depot: warning: dataset 00000000dead (WsGone)"),
        "{}",
        out.stderr
    );

    let text = w
        .depot(&["list-datasets", "--env", &env, "--format", "text"])
        .ok()
        .stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("STATUS"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&breeds_id) && l.contains("WsBreeds") && l.ends_with("STABLE")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("00000000dead") && l.ends_with("UNREACHABLE")),
        "{text}"
    );

    // --bucket instead of the parameter: another environment's (empty) prefix lists nothing.
    let other = new_environment_id();
    let empty = w
        .depot(&["list-datasets", "--env", &other, "--bucket", &w.bucket])
        .ok()
        .json();
    assert_eq!(empty["datasets"], json!([]));
    let reason = w
        .depot(&["list-datasets", "--env", &other])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains(&format!("/depot/{other}/bootstrap-bucket")),
        "{reason}"
    );
}

#[tokio::test]
async fn run_migration_starts_the_runner_state_machine_once_per_event() {
    let w = World::new().await;
    let env = w.environment_id.clone();
    let outcome = w
        .deploy(&w.properties("WsDogs", breeds("1"), "asynchronous"))
        .await;
    let DeployOutcome::Scheduled {
        plan_key, state, ..
    } = &outcome
    else {
        panic!("an asynchronous deploy schedules: {outcome:?}");
    };
    let sfn = aws_sdk_sfn::Client::new(&w.config);
    let machine = sfn
        .create_state_machine()
        .name(format!("sdp-{env}-ds-migration-runner"))
        .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
        .role_arn("arn:aws:iam::123456789012:role/depot-runner")
        .send()
        .await
        .expect("CreateStateMachine")
        .state_machine_arn()
        .to_string();
    let event_id = uuid::Uuid::new_v4().to_string();
    let payload = json!({
        "eventId": event_id, "datasetId": state.id, "migrationPlanBucket": w.bucket,
        "migrationPlanPrefix": "", "migrationPlanKey": plan_key, "chainWithSeeding": false,
    });
    let file = w.write("payload.json", &payload);

    let out = w
        .depot(&["run-migration", &file, "--env", &env])
        .ok()
        .json();
    let name = format!("{}-{event_id}", state.id);
    let execution = out["executionArn"].as_str().unwrap().to_string();
    assert!(
        execution.ends_with(&format!(":execution:sdp-{env}-ds-migration-runner:{name}")),
        "{out}"
    );
    assert_eq!(out["outcome"], json!("started"));
    assert_eq!(out["stateMachineArn"], json!(machine));
    let described = sfn
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("DescribeExecution");
    let input: Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(input, payload);

    // The same payload again: reported as started before; nothing new.
    let reason = w
        .depot(&["run-migration", &file, "--env", &env])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains(&format!("execution {execution} already exists")),
        "{reason}"
    );
    let executions = || async {
        sfn.list_executions()
            .state_machine_arn(&machine)
            .send()
            .await
            .unwrap()
            .executions()
            .len()
    };
    assert_eq!(executions().await, 1);

    // An explicit state machine, and a payload without eventId (one is made up and sent).
    let mut anonymous = payload.clone();
    anonymous.as_object_mut().unwrap().remove("eventId");
    let file = w.write("anonymous.json", &anonymous);
    let out = w
        .depot(&["run-migration", &file, "--state-machine", &machine])
        .ok()
        .json();
    let made_up = out["eventId"].as_str().unwrap();
    assert!(out["executionName"].as_str().unwrap().ends_with(made_up));
    assert_eq!(executions().await, 2);

    // Checked before anything starts: a bad key, another environment's plan, an eventId that
    // cannot name an execution.
    let mut bad = payload.clone();
    bad["migrationPlanKey"] = json!("../../etc/passwd");
    let reason = w
        .depot(&["run-migration", &w.write("bad.json", &bad), "--env", &env])
        .failed()
        .reason()
        .to_string();
    assert!(reason.contains("migrationPlanKey"), "{reason}");
    let other = new_environment_id();
    let reason = w
        .depot(&[
            "run-migration",
            &w.write("p.json", &payload),
            "--env",
            &other,
        ])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains(&format!("is not of environment {other}")),
        "{reason}"
    );
    let mut spaced = payload.clone();
    spaced["eventId"] = json!("not a name");
    let reason = w
        .depot(&["run-migration", &w.write("s.json", &spaced), "--env", &env])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains("cannot name a Step Functions execution"),
        "{reason}"
    );
    assert_eq!(executions().await, 2);
}

#[tokio::test]
async fn seed_upserts_the_deployed_versions_rows_and_refuses_a_pending_dataset() {
    let w = World::new().await;
    let env = w.environment_id.clone();
    let (id, hash) = deployed(
        &w.deploy(&w.properties("WsBreeds", breeds("1"), "synchronous"))
            .await,
    );
    let count = "SELECT count(*)::text FROM ds_wsbreeds.breed";
    assert_eq!(
        w.rows(count).await,
        [["0"]],
        "no seeding without triggerSeeding"
    );

    let out = w.depot(&["seed", "--env", &env, "--id", &id]).ok().json();
    assert_eq!(out["outcome"], json!("seeded"));
    assert_eq!(out["deployedVersion"], json!(hash));
    assert_eq!(out["seeded"], json!({"objects": 1, "rows": 2}));
    w.db.client
        .batch_execute("UPDATE ds_wsbreeds.breed SET breed_name = 'changed' WHERE id = 2")
        .await
        .unwrap();
    // Again, by alias: the same rows, put back as the package says.
    w.depot(&["seed", "--env", &env, "--alias", "WsBreeds"])
        .ok();
    assert_eq!(
        w.rows("SELECT id::text, breed_name FROM ds_wsbreeds.breed ORDER BY id")
            .await,
        [["1", "Otterhound"], ["2", "Labrador"]]
    );

    // A dataset whose new version is scheduled: refused, naming the versions; nothing written.
    let (dogs_id, dogs_hash) = deployed(
        &w.deploy(&w.properties("WsDogs", breeds("1"), "asynchronous"))
            .await,
    );
    let reason = w
        .depot(&["seed", "--env", &env, "--id", &dogs_id])
        .failed()
        .reason()
        .to_string();
    assert!(reason.contains("it is SCHEDULED, not STABLE"), "{reason}");
    assert!(
        reason.contains(&format!(
            "desired {dogs_hash}, attempted (none), deployed (none)"
        )),
        "{reason}"
    );

    // A migration holds the dataset's lock: seeding waits for it, then gives up; nothing written.
    w.db.client
        .batch_execute("DELETE FROM ds_wsbreeds.breed")
        .await
        .unwrap();
    let properties = w.properties("WsBreeds", breeds("1"), "synchronous");
    let dataset = depot_core::properties::parse_dataset(&properties, &depot_aws::ENGINES).unwrap();
    let mut holder = depot_aws::open_session(
        &dataset.config,
        &w.clients.secrets,
        &depot_aws::ConnectSettings::default(),
    )
    .await
    .unwrap();
    holder
        .lock_dataset(&id, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let seed = ["--lock-wait", "1", "seed", "--env", &env, "--id", &id];
    let reason = w.depot(&seed).failed().reason().to_string();
    assert!(
        reason.contains(&format!("another migration of dataset {id} is running")),
        "{reason}"
    );
    assert_eq!(w.rows(count).await, [["0"]]);
    holder.unlock_dataset(&id).await.unwrap();
    w.depot(&seed).ok();
    assert_eq!(w.rows(count).await, [["2"]]);

    let reason = w
        .depot(&["seed", "--env", &env, "--id", "0123456789ab"])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains(&format!("no dataset 0123456789ab in environment {env}")),
        "{reason}"
    );
}

#[tokio::test]
async fn seed_runs_locally_from_the_deployed_dataset_file() {
    let w = World::new().await;
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().display().to_string();
    let mut properties = w.properties("WsBreeds", breeds("1"), "synchronous");
    properties["location"]["secretArn"] = Value::Null;
    properties.as_object_mut().unwrap()["location"]
        .as_object_mut()
        .unwrap()
        .remove("secretArn");
    let file = w.write("breeds.json", &properties);
    let url = w.db.url.clone();
    let local = |args: &[&str]| {
        let mut all = vec!["--database-url", &url, "--state-dir", &state_dir];
        all.extend_from_slice(args);
        w.depot(&all)
    };
    local(&["deploy", &file]).ok();
    let out = local(&["seed", &file]).ok().json();
    assert_eq!(out["seeded"], json!({"objects": 1, "rows": 2}));
    assert_eq!(
        w.rows("SELECT count(*)::text FROM ds_wsbreeds.breed").await,
        [["2"]]
    );

    // A file of another version than the deployed one: refused, naming both.
    let newer = w.write(
        "breeds-2.json",
        &w.properties("WsBreeds", breeds("2"), "synchronous"),
    );
    let reason = local(&["seed", &newer]).failed().reason().to_string();
    assert!(
        reason.contains("but version") && reason.contains("is deployed"),
        "{reason}"
    );
    let reason = local(&["seed", &file, "--profile", "x"])
        .failed()
        .reason()
        .to_string();
    assert!(
        reason.contains("--profile and --region apply to a cloud environment"),
        "{reason}"
    );
}

/// A failed migration of a cloud dataset, given up by the operator: `depot abandon --env` goes
/// back to the deployed version through the environment's documents and the secret, and the
/// dataset is STABLE again with its rows.
#[tokio::test]
async fn abandon_gives_up_a_failed_migration_of_a_cloud_dataset() {
    let w = World::new().await;
    let env = w.environment_id.clone();
    let dogs = |version: &str, name: Value| {
        json!({"name": "dogs", "version": version, "schemas": {"Dog": {"kind": "object",
            "primaryKey": ["id"], "fields": {"id": {"type": "bigint"}, "name": name}}}})
    };
    let v1 = w.properties(
        "WsDogs",
        dogs("1", json!({"type": "string", "nullable": true})),
        "synchronous",
    );
    let (id, v1_hash) = deployed(&w.deploy(&v1).await);
    w.db.client
        .batch_execute("INSERT INTO ds_wsdogs.dog (id, name) VALUES (1, 'Rex'), (2, NULL)")
        .await
        .unwrap();
    // v2 makes `name` NOT NULL: its validation fails on row 2, and the migration is undone.
    let mut v2 = w.properties(
        "WsDogs",
        dogs("2", json!({"type": "string"})),
        "synchronous",
    );
    v2["migrationOptions"]["allowedHazards"] = json!([
        "DELETES_DATA",
        "TABLE_REWRITE",
        "BLOCKS_WRITES",
        "BLOCKS_READS",
        "INDEX_BUILD",
        "VALIDATES_DATA",
        "NOT_REVERSIBLE"
    ]);
    w.try_deploy(&v2).await.expect_err("row 2 has no name");
    let failed = w
        .depot(&["get-dataset", "--env", &env, "--id", &id])
        .ok()
        .json();
    assert_eq!(failed["status"], json!("FAILED"), "{failed}");
    assert!(
        failed["lastError"].as_str().unwrap().contains("violated"),
        "{failed}"
    );

    // A dataset file, or --env with --id or --alias, says which dataset (clap's usage errors).
    for args in [vec!["abandon"], vec!["abandon", "--id", id.as_str()]] {
        let refused = w.depot(&args);
        assert_eq!(refused.code, Some(2), "{args:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains("--env"),
            "{args:?}: {}",
            refused.stderr
        );
    }

    let out = w
        .depot(&["abandon", "--env", &env, "--alias", "WsDogs"])
        .ok()
        .json();
    assert_eq!(out["outcome"], json!("abandoned"), "{out}");
    assert_eq!(out["alias"], json!("WsDogs"));
    assert_eq!(out["state"]["status"], json!("STABLE"), "{out}");
    assert_eq!(out["state"]["deployedVersion"], json!(v1_hash));
    let now = w
        .depot(&["get-dataset", "--env", &env, "--id", &id])
        .ok()
        .json();
    assert_eq!(now["status"], json!("STABLE"), "{now}");
    assert_eq!(now["desiredVersion"], json!(v1_hash));
    assert_eq!(
        w.rows("SELECT count(*)::text FROM ds_wsdogs.dog").await,
        [["2"]]
    );
    // The old version's insert of a NULL name still works.
    w.db.client
        .batch_execute("INSERT INTO ds_wsdogs.dog (id, name) VALUES (3, NULL)")
        .await
        .expect("v1's NULL name");
}
