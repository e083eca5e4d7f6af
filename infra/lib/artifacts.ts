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

/** `props` > DEPOT_ARTIFACTS_DIR > `<repository>/target/lambda`. */
export function resolveArtifactsDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.DEPOT_ARTIFACTS_DIR) return path.resolve(process.env.DEPOT_ARTIFACTS_DIR);
  return path.join(findUp(__dirname, 'Cargo.toml') ?? path.resolve(__dirname, '..', '..', '..'), 'target', 'lambda');
}

/** The folder of one function artifact (`<artifactsDir>/<name>`); fails with the way out when missing. */
export function artifactPath(artifactsDir: string, name: string): string {
  const dir = path.join(artifactsDir, name);
  if (!fs.existsSync(path.join(dir, 'bootstrap'))) {
    throw new Error(
      `${path.join(dir, 'bootstrap')} is missing: build the functions first (\`make lambdas\`, i.e. ` +
        '`cargo lambda build --release --arm64`), or point `artifactsDir` / DEPOT_ARTIFACTS_DIR at them',
    );
  }
  return dir;
}

/** The infra/ folder (holds runner-image/), from the source or the compiled file. */
export function infraRoot(): string {
  const root = findUp(__dirname, path.join('runner-image', 'Dockerfile'));
  if (!root) throw new Error(`runner-image/Dockerfile not found above ${__dirname}`);
  return root;
}

function findUp(start: string, marker: string): string | undefined {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, marker))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The Docker build context of the runner image: the Dockerfile and the one binary it copies, laid
 * out as in the repository (`target/lambda/migration-runner/bootstrap`), so the same Dockerfile
 * also builds from the repository root. A context of the whole repository would copy target/
 * (gigabytes) into cdk.out at every synth. Synth only stages this folder; the image is built when
 * the assets are published (cdk deploy), so synth needs no Docker.
 */
export function stageRunnerImageContext(artifactsDir: string): string {
  const dockerfile = path.join(infraRoot(), 'runner-image', 'Dockerfile');
  const binary = path.join(artifactsDir, 'migration-runner', 'bootstrap');
  if (!fs.existsSync(binary)) {
    throw new Error(
      `${binary} is missing: build the functions first (\`make lambdas\`), or point artifactsDir / DEPOT_ARTIFACTS_DIR at them`,
    );
  }
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
