#!/usr/bin/env bash
# The packaged library as a user gets it: packs infra/ (scripts/pack-infra.sh, with stub function
# artifacts: 64-byte arm64 ELF headers, so synth stages them but nothing could run them), copies
# examples/cdk-app into a temporary folder outside the repository, `npm install`s the tarball
# there with aws-cdk-lib, constructs, cdk-nag and aws-cdk from the registry (npm cache first),
# compiles the app (type-checks against the user's aws-cdk-lib) and runs `cdk synth` with no
# Rust toolchain on PATH, no DEPOT_ARTIFACTS_DIR and no Docker; then
# examples/cdk-app/test/check-synth.js asserts on what synth wrote. Any failure stops it (exit 1).
# DEPOT_TEST_AWS_CDK_LIB=VERSION runs the app on another aws-cdk-lib (e.g. the peer range's floor).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
say() { echo "test-cdk-app: $*" >&2; }
start=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/depot-cdk-app-XXXXXX")
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
[ -x infra/node_modules/.bin/tsc ] || (cd infra && npm ci --no-audit --no-fund --prefer-offline >&2)

# The stub artifacts, one per function of LAMBDA_ARTIFACTS (the library's one list).
infra/node_modules/.bin/tsc -p infra/tsconfig.lib.json --outDir "$work/lib"
node -e '
  const fs = require("fs"), path = require("path");
  const [lib, dir] = process.argv.slice(1);
  for (const name of require(lib).LAMBDA_ARTIFACTS) {
    const elf = Buffer.alloc(64);
    elf.write("\x7fELF", 0, "latin1"); elf[4] = 2; elf[5] = 1; elf[6] = 1; // ELF64, little endian
    elf.writeUInt16LE(2, 16); elf.writeUInt16LE(183, 18);                  // ET_EXEC, EM_AARCH64
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, "bootstrap"), Buffer.concat([elf, Buffer.from(`depot stub ${name}\n`)]), { mode: 0o755 });
  }' "$work/lib/artifacts.js" "$work/artifacts"

tarball=$(DEPOT_ARTIFACTS_DIR="$work/artifacts" scripts/pack-infra.sh "$work/pack" | tail -n 1)
[ -f "$tarball" ] || { say "pack-infra.sh wrote no tarball"; exit 1; }

mkdir "$work/app"
(cd examples/cdk-app && tar --exclude=node_modules --exclude=dist --exclude=cdk.out --exclude=test -cf - .) | (cd "$work/app" && tar -xf -)
cd "$work/app"
if [ -n "${DEPOT_TEST_AWS_CDK_LIB:-}" ]; then npm pkg set "dependencies.aws-cdk-lib=$DEPOT_TEST_AWS_CDK_LIB"; fi
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" >&2

# No Rust (cargo, rustc, cargo-lambda) and no repository path reachable from the app.
path_without_rust=$(echo "$PATH" | tr ':' '\n' | grep -v -e cargo -e rustup | paste -sd: -)
env -u DEPOT_ARTIFACTS_DIR PATH="$path_without_rust" CDK_DOCKER="$work/no-docker" CDK_DISABLE_CLI_TELEMETRY=true \
  sh -c 'if command -v cargo >/dev/null; then echo "cargo still on PATH" >&2; exit 1; fi
         npx tsc -p . && npx cdk synth --quiet --no-notices --no-version-reporting --output cdk.out' >&2

node "$repo/examples/cdk-app/test/check-synth.js" "$work/app" "$tarball" "$work/artifacts" "$repo"
say "passed in $(( $(date +%s) - start )) s"
