# Depot: the two commands of the README, and what they build on.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help build test test-rust lint fuzz demo bench bench-plan bench-deploy bench-snowflake bench-stall bench-lambda lambdas package infra-test cdk-app-test

help:
	@echo "make demo    deploy examples/dogs v1 then v2 to PostgreSQL (starts one if needed)"
	@echo "make test    start what the tests need, then run every test"
	@echo "make lint    cargo fmt --check and clippy"
	@echo "make fuzz    bounded fuzzing of the input readers (PROPTEST_CASES=FUZZ_CASES)"
	@echo "make bench   criterion benches (hash + plan) and the deploy benchmark"
	@echo "make package the npm package of infra/ (@stage-tech/depot-cdk) with the arm64 functions"

build:
	cargo build --release --bin depot

# Every test against a real PostgreSQL and a moto server (AWS APIs): scripts/ensure-postgres.sh
# and scripts/ensure-moto.sh find or start them. The tests that execute the synthesized state
# machines use a second moto server, scripts/ensure-moto-sfn.sh's (Step Functions executed,
# mocked Batch and Lambda states), and the template infra-test has just built (infra/dist).
# DEPOT_SNOWFLAKE_EMULATOR=fakesnow lets the Snowflake sessions of the tests reach fakesnow's
# plain http:// endpoint (never set it for a real Snowflake). AWS settings are fixed test values, so a
# developer's own AWS credentials and profile never reach the tests.
test: infra-test cdk-app-test
	@scripts/ensure-cargo-lambda.sh && \
	  url=$$(scripts/ensure-postgres.sh) && moto=$$(scripts/ensure-moto.sh) && \
	  fakesnow=$$(scripts/ensure-fakesnow.sh) && sfn=$$(scripts/ensure-moto-sfn.sh) && \
	  echo "PostgreSQL: $$url" && echo "moto: $$moto" && echo "fakesnow: $$fakesnow" && \
	  echo "moto (Step Functions executed): $$sfn" && \
	  DATABASE_URL="$$url" AWS_ENDPOINT_URL="$$moto" FAKESNOW_ENDPOINT="$$fakesnow" DEPOT_SNOWFLAKE_EMULATOR=fakesnow \
	  DEPOT_MOTO_SFN_ENDPOINT="$$sfn" \
	  AWS_REGION=eu-west-1 \
	  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
	  AWS_EC2_METADATA_DISABLED=true cargo test --workspace --locked

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

# Bounded fuzzing of the input readers (package/dataset reader, validator, literal
# normalization): the proptest properties of crates/depot-core/tests/fuzz_input.rs with many more
# cases than `cargo test` runs (FUZZ_CASES, default 100000 of each: about a minute once built),
# stopped after FUZZ_SECONDS (default 600) whatever happens.
FUZZ_CASES ?= 100000
FUZZ_SECONDS ?= 600
fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) timeout $(FUZZ_SECONDS) cargo test --release -p depot-core --test fuzz_input

demo: build
	@url=$$(scripts/ensure-postgres.sh) && DATABASE_URL="$$url" scripts/demo.sh

bench:
	cargo bench -p depot-bench --bench hash_plan
	$(MAKE) bench-plan
	$(MAKE) bench-deploy

# `depot plan` end to end (release binary, process start included) on 1,000 and 10,000 generated
# objects; prints medians and the ratio to the 500 ms target.
bench-plan:
	cargo build --release --locked -p depot-cli
	cargo run --release --locked -p depot-bench --bin plan-bench

bench-deploy:
	@url=$$(scripts/ensure-postgres.sh) && DATABASE_URL="$$url" cargo run --release -p depot-bench --bin deploy-bench

# The worst write stall behind a long reader while a migration waits for its lock, with the old
# 2 s lock_timeout and the default (target: under 1.5 s). The figure is lock waits, not CPU: the
# debug build measures the same and builds far sooner.
bench-stall:
	@url=$$(scripts/ensure-postgres.sh) && DATABASE_URL="$$url" cargo run -p depot-bench --bin stall-bench

# 200 tables to Snowflake (fakesnow) with 100 ms added to each request: one statement at a time
# against concurrent steps, same run.
bench-snowflake:
	@fakesnow=$$(scripts/ensure-fakesnow.sh) && FAKESNOW_ENDPOINT="$$fakesnow" cargo run --release -p depot-bench --bin snowflake-bench

# The deployable Lambda artifacts (target/lambda/<name>/bootstrap, arm64, for provided.al2023),
# which infra/ packages: the entity creators, the migration runner and the event forwarder.
# `--release` with the settings of Cargo.toml's release-lambda profile (which bench-lambda uses on
# this machine): size first, since the target is under 20 MB.
# scripts/build-lambdas.sh holds the settings; the Lambda tests build the same artifacts for this
# machine with it.
lambdas:
	scripts/build-lambdas.sh arm64
	@ls -l target/lambda/*/bootstrap

# The npm package of infra/ (@stage-tech/depot-cdk), in target/package/: the compiled library, the
# runner image's Dockerfile and the arm64 functions of `make lambdas` (LAMBDA_ARTIFACTS). The
# package's prepack refuses a missing or non-arm64 artifact.
package: lambdas
	scripts/pack-infra.sh target/package

# Cold init (process start to the first poll of the runtime API) and size of each function
# binary, against a hello-world lambda_runtime function built the same way.
bench-lambda:
	cargo build --profile release-lambda -p depot-lambda -p depot-runner -p depot-bench --bin entity-creator-aurora \
	  --bin entity-creator-snowflake --bin migration-runner --bin migration-forwarder --bin hello-lambda \
	  --bin hello-lambda-mimalloc --bin lambda-init-bench
	target/release-lambda/lambda-init-bench

# The AWS CDK constructs (infra/): npm ci, then the offline synth of the example app (stub
# function artifacts, no Docker, no AWS account), assertions on its template, cdk-nag's
# AwsSolutions pack and cfn-lint (installed with pip when missing). Needs Node 20+ and Python 3.
infra-test:
	@python3 -c 'import cfnlint' 2>/dev/null || python3 -m pip install --quiet 'cfn-lint>=1.51,<2'
	cd infra && npm ci --no-audit --no-fund --prefer-offline && npm test

# The packed library as a user gets it: pack (stub artifacts), install the tarball into a copy of
# examples/cdk-app outside the repository (aws-cdk-lib, constructs, cdk-nag, aws-cdk from the npm
# registry, cache first), type-check, `cdk synth` without Rust or Docker, and assertions on the
# output (scripts/test-cdk-app.sh; about 2 min).
cdk-app-test:
	scripts/test-cdk-app.sh
