/**
 * Compliance of the example app: cdk-nag's AwsSolutions pack (no unexplained finding, every
 * suppression with its reason), cfn-lint (no error), and the real `cdk synth` of the example's
 * cdk.json, offline, without Docker and without the Rust artifacts.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Dataset, DepotEnvironment, Location, Package, depotSuppressions } from '../lib';
import { EXAMPLE_DIR, nagFindings, stubArtifacts, synthDemo, tempDir } from './helpers';

const INFRA = path.resolve(__dirname, '..', '..');
const ENV = 'e2e404529091ed2';

/**
 * cfn-lint checks skipped, each with its reason:
 * - W3005 (DependsOn already implied by a Ref/GetAtt): CDK lists a role next to its DefaultPolicy
 *   in DependsOn, and Datasets depend on the whole database construct (instances, ingress rule)
 *   on purpose; the redundant half is harmless and CloudFormation accepts it.
 */
const CFN_LINT_IGNORED = ['W3005'];

/** `cfn-lint` on PATH, else the Python module (pip may install the script off PATH). */
function cfnLintCommand(): [string, string[]] {
  if (process.env.CFN_LINT) return [process.env.CFN_LINT, []];
  const onPath = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  const viaPython = ['-c', "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())"];
  return onPath.status === 0 ? ['cfn-lint', []] : ['python3', viaPython];
}

function cfnLint(templateFile: string): { level: string; rule: string; message: string; path?: string }[] {
  const [cmd, pre] = cfnLintCommand();
  const r = spawnSync(cmd, [...pre, '--format', 'json', '--ignore-checks', ...CFN_LINT_IGNORED, '--', templateFile], {
    encoding: 'utf8',
  });
  if (r.error || (r.status !== 0 && !r.stdout.trim().startsWith('['))) {
    throw new Error(
      `cfn-lint could not run (${r.error?.message ?? r.stderr.trim()}): \`make infra-test\` installs it (pip install cfn-lint)`,
    );
  }
  const out = r.stdout.trim() ? JSON.parse(r.stdout) : [];
  return out.map((m: any) => ({ level: m.Level, rule: m.Rule.Id, message: m.Message, path: (m.Location?.Path ?? []).join('/') }));
}

describe('cdk-nag AwsSolutions pack on the in-process synth', () => {
  const { stack, template, outdir } = synthDemo();

  test('no unsuppressed finding (errors or warnings)', () => {
    assert.deepEqual(nagFindings(stack), []);
  });

  test("the pack's report: every rule on every resource is compliant, not applicable, or suppressed", () => {
    const csv = fs.readFileSync(path.join(outdir, 'AwsSolutions--DepotDemo-NagReport.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    const compliance = header.findIndex((h) => /Compliance/i.test(h));
    const rows = csv.slice(1).map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '')));
    const bad = rows.filter((r) => !['Compliant', 'N/A', 'Suppressed'].includes(r[compliance]));
    assert.deepEqual(bad, []);
    assert.ok(rows.some((r) => r[compliance] === 'Suppressed'));
  });

  test('every suppression in the template names its rule and carries a real reason', () => {
    const found: { id: string; reason: string; on: string }[] = [];
    for (const [id, r] of Object.entries<any>(template.toJSON().Resources)) {
      for (const s of r.Metadata?.cdk_nag?.rules_to_suppress ?? []) found.push({ id: s.id, reason: s.reason, on: id });
    }
    assert.ok(found.length > 0);
    for (const s of found) {
      assert.match(s.id, /^AwsSolutions-[A-Z0-9]+$/, `${s.on}: ${s.id}`);
      assert.ok(s.reason.length >= 60, `${s.on} ${s.id}: a reason, not a placeholder: "${s.reason}"`);
    }
    // Depot's own suppressions are the documented list (lib/nag.ts), nothing more.
    const documented = new Set(depotSuppressions(ENV, stack).map((s) => s.reason));
    const exampleOwn = found.filter((s) => !documented.has(s.reason)).map((s) => s.id);
    assert.deepEqual([...new Set(exampleOwn)], ['AwsSolutions-SMG4'], 'the example adds only the demo secret rotation');
  });
});

describe('cdk-nag AwsSolutions pack in a stack with a fixed account and Region', () => {
  // The example app sets no account: its ARNs hold <AWS::Region>:<AWS::AccountId>. A user's stack
  // usually has both fixed, and then the policies hold the concrete form.
  const app = new App({ context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } });
  const stack = new Stack(app, 'Fixed', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(stack, 'FlowLogs')) });
  const depot = new DepotEnvironment(stack, 'Depot', { environmentId: ENV, vpc, artifactsDir: stubArtifacts() });
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'DbSecret', 'app/db');
  const location = Location.postgres(stack, 'Main', { name: 'main', host: 'db.internal', database: 'app', secret });
  const pkg = Package.fromObject(stack, 'Pkg', { name: 'dogs', schemas: { Dog: { kind: 'object', fields: { id: { type: 'uuid' } }, primaryKey: ['id'] } } });
  new Dataset(stack, 'Dogs', { environment: depot, alias: 'Dogs', location, package: pkg, migrationMode: { type: 'asynchronous' } });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();

  test('the policies name the concrete account and Region', () => {
    const text = JSON.stringify(app.synth().getStackByName('Fixed').template);
    assert.ok(text.includes(`:batch:eu-west-1:123456789012:job-definition/sdp-${ENV}-ds-*`));
    assert.ok(text.includes(`:batch:eu-west-1:123456789012:consumable-resource/sdp-${ENV}-*`));
    assert.ok(text.includes(':batch:eu-west-1:123456789012:job/*'));
  });

  test('no unsuppressed finding (errors or warnings)', () => {
    assert.deepEqual(nagFindings(stack), []);
  });
});

describe('cdk synth (CLI) of examples/depot-demo, offline', () => {
  const out = tempDir('depot-cli-synth-');
  const artifacts = stubArtifacts();

  test('cdk synth succeeds with stub artifacts and no Docker (nag errors would fail it)', () => {
    const r = spawnSync(
      path.join(INFRA, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', out],
      {
        cwd: EXAMPLE_DIR,
        encoding: 'utf8',
        timeout: 240_000,
        env: {
          ...process.env,
          DEPOT_ARTIFACTS_DIR: artifacts,
          CDK_DOCKER: path.join(os.tmpdir(), 'no-docker-at-synth'),
          CDK_DISABLE_CLI_TELEMETRY: 'true',
        },
      },
    );
    assert.equal(r.status, 0, `cdk synth failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(fs.existsSync(path.join(out, 'DepotDemo.template.json')));
  });

  test('cfn-lint: no error, and no warning beyond the documented ignores', () => {
    const messages = cfnLint(path.join(out, 'DepotDemo.template.json'));
    const errors = messages.filter((m) => m.level === 'Error');
    assert.deepEqual(errors, [], 'cfn-lint errors');
    assert.deepEqual(messages.filter((m) => m.level === 'Warning'), [], 'cfn-lint warnings');
  });
});
