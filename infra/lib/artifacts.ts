import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The function artifacts `cargo lambda build --release --arm64` produces (`<name>/bootstrap`). */
export const LAMBDA_ARTIFACTS = [
  'entity-creator-aurora',
  'entity-creator-snowflake',
  'migration-forwarder',
  'migration-runner',
] as const;

/**
 * The root of this package (package.json, runner-image/, and in the published package
 * artifacts/), from the compiled file `dist/lib/artifacts.js`. Never the repository: a user's app
 * has no Cargo.toml and no target/.
 */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Where the function artifacts are: `artifactsDir` > `$DEPOT_ARTIFACTS_DIR` > `<package>/artifacts`
 * (the folder the packed package carries; `scripts/pack-infra.sh` fills it).
 */
export function resolveArtifactsDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.DEPOT_ARTIFACTS_DIR) return path.resolve(process.env.DEPOT_ARTIFACTS_DIR);
  return path.join(PACKAGE_ROOT, 'artifacts');
}

/** The folder of one function artifact (`<artifactsDir>/<name>`); fails with the way out when missing. */
export function artifactPath(artifactsDir: string, name: string): string {
  const dir = path.join(artifactsDir, name);
  if (!fs.existsSync(path.join(dir, 'bootstrap'))) throw new Error(missingArtifact(path.join(dir, 'bootstrap')));
  return dir;
}

function missingArtifact(file: string): string {
  return (
    `${file} is missing: the published package carries its artifacts (reinstall it); in the Depot repository, ` +
    'build them (`make lambdas`) and point `artifactsDir` / DEPOT_ARTIFACTS_DIR at target/lambda'
  );
}

/** The runner image's Dockerfile, shipped in the package. */
export function runnerDockerfile(): string {
  const file = path.join(PACKAGE_ROOT, 'runner-image', 'Dockerfile');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: the package is incomplete (reinstall it)`);
  return file;
}

/**
 * The Docker build context of the runner image: the Dockerfile and the one binary it copies, laid
 * out as in the repository (`target/lambda/migration-runner/bootstrap`), so the same Dockerfile
 * also builds from the repository root. A context of the whole repository would copy target/
 * (gigabytes) into cdk.out at every synth. Synth only stages this folder; the image is built when
 * the assets are published (cdk deploy), so synth needs no Docker.
 */
export function stageRunnerImageContext(artifactsDir: string): string {
  const dockerfile = runnerDockerfile();
  const binary = path.join(artifactsDir, 'migration-runner', 'bootstrap');
  if (!fs.existsSync(binary)) throw new Error(missingArtifact(binary));
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(dockerfile));
  hash.update(fs.readFileSync(binary));
  const ctx = path.join(os.tmpdir(), `depot-runner-image-${hash.digest('hex').slice(0, 20)}`);
  if (!fs.existsSync(ctx)) {
    // Built aside, then renamed: a concurrent synth sees either nothing or the whole context.
    const tmp = fs.mkdtempSync(`${ctx}.tmp-`);
    const target = path.join(tmp, 'target', 'lambda', 'migration-runner');
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(dockerfile, path.join(tmp, 'Dockerfile'));
    fs.copyFileSync(binary, path.join(target, 'bootstrap'));
    fs.chmodSync(path.join(target, 'bootstrap'), 0o755);
    try {
      fs.renameSync(tmp, ctx);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another synth won the race
    }
  }
  return ctx;
}
