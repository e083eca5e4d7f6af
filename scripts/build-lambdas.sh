#!/usr/bin/env bash
# Builds the deployable Lambda artifacts, the one place their build settings live: `make lambdas`
# (arm64, for provided.al2023, what infra/ packages) and crates/depot-lambda/tests/shipped_artifact.rs
# (this machine's architecture, since an arm64 binary cannot run here) both call it, so the test
# runs exactly what ships.
#
#   scripts/build-lambdas.sh arm64|x86_64|host [LAMBDA_DIR [FUNCTION...]]
#
# LAMBDA_DIR (default target/lambda) receives <name>/bootstrap for each function: all four, or the
# FUNCTIONs named (the test builds only the one it runs: each fat-LTO link takes minutes). The settings are
# Cargo.toml's release-lambda profile (size first: a cold start reads the whole binary), given to
# `cargo lambda build --release` as CARGO_PROFILE_RELEASE_*. `panic` comes from [profile.release]
# itself ("unwind"); each binary refuses to compile with abort.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:?usage: scripts/build-lambdas.sh arm64|x86_64|host [LAMBDA_DIR [FUNCTION...]]}
lambda_dir=${2:-target/lambda}
shift $(( $# < 2 ? $# : 2 ))
functions=("$@")
[ ${#functions[@]} -gt 0 ] || functions=(entity-creator-aurora entity-creator-snowflake migration-runner migration-forwarder)
bins=()
for f in "${functions[@]}"; do bins+=(--bin "$f"); done
if [ "$arch" = host ]; then arch=$(uname -m); fi
case "$arch" in
  arm64 | aarch64) target_flag=--arm64 ;;
  x86_64 | x86-64 | amd64) target_flag=--x86-64 ;;
  *) echo "build-lambdas: unknown architecture $arch (arm64, x86_64 or host)" >&2; exit 2 ;;
esac

scripts/ensure-cargo-lambda.sh
CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  cargo lambda build --release "$target_flag" --lambda-dir "$lambda_dir" "${bins[@]}"
