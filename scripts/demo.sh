#!/usr/bin/env bash
# The README's main job: deploy examples/dogs v1, add a row, deploy v2, and show the plan
# preview, the dataset's state and the lifecycle events. Needs DATABASE_URL (make demo sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
depot=target/release/depot
export DEPOT_STATE_DIR="${DEPOT_STATE_DIR:-target/demo-state}"
: "${DATABASE_URL:?set DATABASE_URL, or run make demo}"

# A fresh start each time: the demo's schema, state record and local documents.
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL' || true
DROP SCHEMA IF EXISTS example_dogs CASCADE;
DELETE FROM __admin.dataset_state WHERE alias = 'ExampleDogs';
SQL
rm -rf "$DEPOT_STATE_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "validate the v2 package"
$depot validate examples/dogs/package-v2.json

step "plan v1 -> v2 (offline preview)"
$depot plan examples/dogs/dataset-v2.json --from examples/dogs/dataset-v1.json --format text

step "deploy v1"
out=$($depot deploy examples/dogs/dataset-v1.json)
echo "$out"
id=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["datasetId"])')

step "a row in v1"
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -c \
  "INSERT INTO example_dogs.hound (id, name, owner) VALUES ('7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11', 'Rex', 'Ada')"

step "preview v2 against the live v1 (the plan and the drift check; changes nothing)"
$depot deploy --preview examples/dogs/dataset-v2.json

step "deploy v2"
$depot deploy examples/dogs/dataset-v2.json

step "the row after the migration"
psql "$DATABASE_URL" -c "SELECT * FROM example_dogs.dog"
psql "$DATABASE_URL" -c "SELECT * FROM example_dogs.vaccinated_dog"

step "the dataset's state (depot get-dataset --id $id)"
$depot get-dataset --id "$id"

step "lifecycle events ($DEPOT_STATE_DIR/events.jsonl)"
python3 - "$DEPOT_STATE_DIR/events.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line); d = e["detail"]
    what = d.get("event") or d.get("executionResponsibility")
    print(f'{e["detail-type"]:20} {what:22} {d["datasetVersionHash"][:12]}')
PY
