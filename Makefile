# Depot: the two commands of the README, and what they build on.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help build test test-rust lint demo bench bench-deploy

help:
	@echo "make demo    deploy examples/dogs v1 then v2 to PostgreSQL (starts one if needed)"
	@echo "make test    start what the tests need, then run every test"
	@echo "make lint    cargo fmt --check and clippy"
	@echo "make bench   criterion benches (hash + plan) and the deploy benchmark"

build:
	cargo build --release --bin depot

# Every test against a real PostgreSQL and a moto server (AWS APIs): scripts/ensure-postgres.sh
# and scripts/ensure-moto.sh find or start them. AWS settings are fixed test values, so a
# developer's own AWS credentials and profile never reach the tests.
test:
	@url=$$(scripts/ensure-postgres.sh) && moto=$$(scripts/ensure-moto.sh) && \
	  echo "PostgreSQL: $$url" && echo "moto: $$moto" && \
	  DATABASE_URL="$$url" AWS_ENDPOINT_URL="$$moto" AWS_REGION=eu-west-1 \
	  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
	  AWS_EC2_METADATA_DISABLED=true cargo test --workspace --locked

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

demo: build
	@url=$$(scripts/ensure-postgres.sh) && DATABASE_URL="$$url" scripts/demo.sh

bench:
	cargo bench -p depot-bench --bench hash_plan
	$(MAKE) bench-deploy

bench-deploy:
	@url=$$(scripts/ensure-postgres.sh) && DATABASE_URL="$$url" cargo run --release -p depot-bench --bin deploy-bench
