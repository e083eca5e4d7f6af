#!/usr/bin/env bash
# Packs infra/ as the npm package @stage-tech/depot-cdk (`make package` runs it after `make lambdas`).
#
#   scripts/pack-infra.sh [OUT_DIR]          (default target/package)
#
# The function artifacts come from $DEPOT_ARTIFACTS_DIR, else target/lambda (`make lambdas`: arm64).
# Everything is assembled in a temporary folder: the library compiled alone (tsconfig.lib.json, no
# tests, no examples), the runner image's Dockerfile, artifacts/<function>/bootstrap for every
# function of LAMBDA_ARTIFACTS (lib/artifacts.ts, the one list); infra/ itself is left as it was.
# The package's prepack (infra/scripts/check-pack.js) refuses a missing or non-arm64 artifact.
# Prints the tarball's path on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "pack-infra: $*" >&2; }

out=$(realpath -m "${1:-target/package}")
artifacts=$(realpath -m "${DEPOT_ARTIFACTS_DIR:-target/lambda}")
[ -x infra/node_modules/.bin/tsc ] || (cd infra && npm ci --no-audit --no-fund --prefer-offline >&2)

stage=$(mktemp -d "${TMPDIR:-/tmp}/depot-pack-XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/runner-image" "$stage/scripts" "$stage/artifacts"
cp infra/package.json infra/README.md "$stage/"
cp infra/runner-image/Dockerfile "$stage/runner-image/"
cp infra/scripts/check-pack.js "$stage/scripts/"
infra/node_modules/.bin/tsc -p infra/tsconfig.lib.json --outDir "$stage/dist/lib"

missing=()
for name in $(node -e "console.log(require(process.argv[1]).LAMBDA_ARTIFACTS.join(' '))" "$stage/dist/lib/artifacts.js"); do
  if [ ! -f "$artifacts/$name/bootstrap" ]; then missing+=("$artifacts/$name/bootstrap"); continue; fi
  mkdir -p "$stage/artifacts/$name"
  cp "$artifacts/$name/bootstrap" "$stage/artifacts/$name/bootstrap"
  chmod 755 "$stage/artifacts/$name/bootstrap"
done
if [ ${#missing[@]} -gt 0 ]; then
  say "missing function artifacts: ${missing[*]}"
  say "build them with \`make lambdas\` (arm64), or set DEPOT_ARTIFACTS_DIR to the folder holding <function>/bootstrap"
  exit 1
fi

mkdir -p "$out"
file=$(cd "$stage" && npm pack --silent --pack-destination "$out" | tail -n 1)
say "$(du -h "$out/$file" | cut -f1) $out/$file"
echo "$out/$file"
