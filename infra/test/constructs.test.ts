/** The constructs on their own: validation at synth time, modes and grants. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  DEFAULT_INLINE_LIMIT_BYTES,
  Dataset,
  DepotEnvironment,
  DepotEnvironmentProps,
  Executor,
  LAMBDA_ARTIFACTS,
  Location,
  PACKAGE_ROOT,
  Package,
  resolveArtifactsDir,
} from '../lib';
import { resource, resources, statementsOfRole, stubArtifacts, tempDir } from './helpers';

const ARTIFACTS = stubArtifacts();
const SMALL = { name: 'dogs', schemas: { Dog: { kind: 'object', fields: { id: { type: 'uuid' } }, primaryKey: ['id'] } } };

function fixture(envProps: Partial<DepotEnvironmentProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 2 });
  const env = new DepotEnvironment(stack, 'Depot', {
    environmentId: '0123456789abcde',
    vpc,
    artifactsDir: ARTIFACTS,
    ...envProps,
  });
  const secret = new secretsmanager.Secret(stack, 'DbSecret');
  const pg = Location.postgres(stack, 'Pg', { name: 'main', host: 'db.internal', database: 'app', secret });
  return { app, stack, env, pg, secret };
}

describe('validation at synth time', () => {
  test('environment id: 15 lowercase hex', () => {
    assert.throws(() => fixture({ environmentId: 'E2E404529091ED2' }), /15 lowercase hex/);
    assert.throws(() => fixture({ environmentId: 'e2e40452909' }), /15 lowercase hex/);
  });

  test('missing artifacts name the way to build them', () => {
    const empty = tempDir('depot-empty-');
    assert.throws(() => fixture({ artifactsDir: empty }), /make lambdas/);
  });

  test('serviceTimeout must exceed the function timeout and stay within an hour', () => {
    assert.throws(() => fixture({ serviceTimeout: Duration.minutes(10) }), /must exceed/);
    assert.throws(() => fixture({ serviceTimeout: Duration.minutes(61), entityCreatorTimeout: Duration.minutes(5) }), /3600/);
  });

  test('alias: a logical name, unique in its environment', () => {
    const { stack, env, pg } = fixture();
    const pkg = Package.fromObject(stack, 'Pkg', SMALL);
    assert.throws(() => new Dataset(stack, 'Bad', { environment: env, alias: 'ws_dev', package: pkg, location: pg }), /not a valid name/);
    new Dataset(stack, 'A', { environment: env, alias: 'Dogs', package: pkg, location: pg });
    assert.throws(() => new Dataset(stack, 'B', { environment: env, alias: 'Dogs', package: pkg, location: pg }), /used twice/);
  });

  test('dependencies: same environment and location', () => {
    const { stack, env, pg, secret } = fixture();
    const other = Location.postgres(stack, 'Other', { name: 'other', host: 'h', database: 'd', secret });
    const pkg = Package.fromObject(stack, 'Pkg', SMALL);
    const a = new Dataset(stack, 'A', { environment: env, alias: 'A', package: pkg, location: other });
    assert.throws(
      () => new Dataset(stack, 'B', { environment: env, alias: 'B', package: pkg, location: pg, dependencies: { A: a } }),
      /same environment and location/,
    );
  });

  test('customEventBinding: asynchronous only, and with the rule to depend on', () => {
    const { stack, env, pg } = fixture();
    const pkg = Package.fromObject(stack, 'Pkg', SMALL);
    assert.throws(
      () => new Dataset(stack, 'A', { environment: env, alias: 'A', package: pkg, location: pg, migrationMode: { customEventBinding: true } }),
      /asynchronous mode only/,
    );
    assert.throws(
      () =>
        new Dataset(stack, 'B', {
          environment: env,
          alias: 'B',
          package: pkg,
          location: pg,
          migrationMode: { type: 'asynchronous', customEventBinding: true },
        }),
      /needs `eventRule`/,
    );
  });

  test('an asynchronous dataset on another bus needs its own rule', () => {
    const { stack, env, pg } = fixture();
    const bus = new events.EventBus(stack, 'Bus');
    const pkg = Package.fromObject(stack, 'Pkg', SMALL);
    assert.throws(
      () => new Dataset(stack, 'A', { environment: env, alias: 'A', package: pkg, location: pg, migrationMode: { type: 'asynchronous', eventBus: bus } }),
      /another bus/,
    );
  });
});

describe('modes and grants', () => {
  test('a synchronous dataset on an asynchronous one may be handed to the runner: job definition, capacity 1, the path of its events', () => {
    const { stack, env, pg } = fixture();
    const pkg = (id: string) => Package.fromObject(stack, id, SMALL);
    const breeds = new Dataset(stack, 'Breeds', { environment: env, alias: 'Breeds', package: pkg('P1'), location: pg, migrationMode: { type: 'asynchronous' } });
    const dogs = new Dataset(stack, 'Dogs', { environment: env, alias: 'Dogs', package: pkg('P2'), location: pg, dependencies: { Breeds: breeds } });
    const facts = new Dataset(stack, 'Facts', { environment: env, alias: 'Facts', package: pkg('P3'), location: pg, dependencies: { Dogs: dogs } });
    const plain = new Dataset(stack, 'Plain', { environment: env, alias: 'Plain', package: pkg('P4'), location: pg });
    const alone = new Dataset(stack, 'Alone', { environment: env, alias: 'Alone', package: pkg('P5'), location: pg, dependencies: { Plain: plain } });
    assert.deepEqual([breeds, dogs, facts, plain, alone].map((d) => d.runnerMayRun), [true, true, true, false, false]);
    const json = Template.fromStack(stack).toJSON();
    const jobDefinitions = resources(json, 'AWS::Batch::JobDefinition').map(([, r]) => r.Properties.JobDefinitionName);
    for (const alias of ['Breeds', 'Dogs', 'Facts']) assert.ok(jobDefinitions.includes(`sdp-0123456789abcde-ds-${alias}`), alias);
    for (const alias of ['Plain', 'Alone']) assert.ok(!jobDefinitions.includes(`sdp-0123456789abcde-ds-${alias}`), alias);
    const id = (c: any) => stack.resolve((c.node.defaultChild as any).logicalId);
    const dependsOn = (d: Dataset) => json.Resources[id(d.resource)].DependsOn ?? [];
    for (const needed of [env.migrationRule!, env.migrationForwarder, env.migrationQueue].map(id)) {
      assert.ok(dependsOn(dogs).includes(needed), `Dogs depends on ${needed}`);
      assert.ok(!dependsOn(alone).includes(needed), `Alone needs no ${needed}`);
    }
    // Its hand-over event must reach the environment's rule.
    const bus = new events.EventBus(stack, 'Bus');
    assert.throws(
      () => new Dataset(stack, 'Elsewhere', { environment: env, alias: 'Elsewhere', package: pkg('P6'), location: pg, dependencies: { Breeds: breeds }, migrationMode: { eventBus: bus } }),
      /depends on an asynchronous dataset.*another bus/,
    );
  });

  test('a dataset on another bus: PutEvents on that bus for its entity creator and the runner', () => {
    const { stack, env, pg } = fixture();
    const bus = new events.EventBus(stack, 'Bus');
    const rule = new events.Rule(stack, 'Mine', { eventBus: bus, eventPattern: { source: ['tech.stage.depot'] } });
    new Dataset(stack, 'A', {
      environment: env,
      alias: 'A',
      package: Package.fromObject(stack, 'Pkg', SMALL),
      location: pg,
      migrationMode: { type: 'asynchronous', eventBus: bus, customEventBinding: true, eventRule: rule },
    });
    const json = Template.fromStack(stack).toJSON();
    const busRef = { 'Fn::GetAtt': [stack.resolve((bus.node.defaultChild as any).logicalId), 'Arn'] };
    for (const role of [env.entityCreatorRole('postgres'), env.runnerJobRole]) {
      const statements = statementsOfRole(json, stack.resolve((role.node.defaultChild as any).logicalId));
      assert.ok(
        statements.some((s) => s.Action === 'events:PutEvents' && JSON.stringify(s.Resource) === JSON.stringify(busRef)),
        `${role.node.path} may put events on the dataset's bus`,
      );
    }
    const [, ds] = resource(json, 'Custom::DepotDataset', () => true);
    assert.deepEqual(ds.Properties.migrationOptions.migrationMode.eventBusArn, busRef);
  });

  test('environment-wide customEventBinding: no migration-plan rule', () => {
    const { stack } = fixture({ customEventBinding: true });
    const json = Template.fromStack(stack).toJSON();
    const rules = resources(json, 'AWS::Events::Rule').map(([, r]) => r.Properties.Name);
    assert.ok(!rules.includes('sdp-0123456789abcde-migration-plan'));
  });

  test('without custom-bound datasets the rule has no alias filter', () => {
    const { stack } = fixture();
    const json = Template.fromStack(stack).toJSON();
    const [, rule] = resource(json, 'AWS::Events::Rule', (r) => r.Properties.Name === 'sdp-0123456789abcde-migration-plan');
    assert.equal(rule.Properties.EventPattern.detail.datasetAlias, undefined);
  });

  test('package: inline when small, an S3 asset (packageUri) above the limit, or as asked', () => {
    const { stack } = fixture();
    const big = { name: 'big', schemas: { Dog: { kind: 'object', description: 'x'.repeat(DEFAULT_INLINE_LIMIT_BYTES), fields: {} } } };
    assert.ok('package' in Package.fromObject(stack, 'Small', SMALL).toProperties());
    const bigPkg = Package.fromObject(stack, 'Big', big);
    assert.ok(bigPkg.asset);
    assert.match(JSON.stringify(stack.resolve(bigPkg.toProperties().packageUri)), /s3:\/\/cdk-[a-z0-9]+-assets-/);
    assert.ok('package' in Package.fromObject(stack, 'Forced', big, { mode: 'inline' }).toProperties());
    assert.ok('packageUri' in Package.fromObject(stack, 'AsAsset', SMALL, { mode: 'asset' }).toProperties());
    assert.throws(() => Package.fromObject(stack, 'NotAPackage', { schemas: {} }), /`name` and `schemas`/);
  });

  test('locations: SPEC §2 keys only, secret by ARN; executor keys the Rust side accepts', () => {
    const { stack, secret } = fixture();
    const sf = Location.snowflake(stack, 'Sf', {
      name: 'wh',
      account: 'org-acct',
      database: 'DB',
      warehouse: 'WH',
      role: 'R',
      endpoint: 'org-acct.privatelink.snowflakecomputing.com',
      secret,
    });
    assert.deepEqual(Object.keys(sf.toProperties()).sort(), ['account', 'database', 'endpoint', 'name', 'role', 'secretArn', 'type', 'warehouse']);
    assert.deepEqual(new Executor(stack, 'E', { name: 'loader', warehouse: 'WH' }).toProperties(), { name: 'loader', warehouse: 'WH' });
  });

  test('datasets in another stack than their environment: no cycle, the data stack depends on it', () => {
    const app = new App();
    const envStack = new Stack(app, 'EnvStack');
    const env = new DepotEnvironment(envStack, 'Depot', {
      environmentId: '0123456789abcde',
      vpc: new ec2.Vpc(envStack, 'Vpc', { natGateways: 1 }),
      artifactsDir: ARTIFACTS,
    });
    const data = new Stack(app, 'DataStack');
    const loc = Location.postgres(data, 'Pg', { name: 'main', host: 'h', database: 'd', secret: new secretsmanager.Secret(data, 'S') });
    const pkg = Package.fromObject(data, 'P', SMALL, { mode: 'asset' });
    const one = new Dataset(data, 'One', { environment: env, alias: 'One', package: pkg, location: loc, migrationMode: { type: 'asynchronous' } });
    new Dataset(data, 'Two', { environment: env, alias: 'Two', package: pkg, location: loc, dependencies: { One: one } });
    const assembly = app.synth();
    assert.ok(assembly.getStackByName('DataStack').dependencies.some((d) => d.id === 'EnvStack'));
    assert.ok(!assembly.getStackByName('EnvStack').dependencies.some((d) => d.id === 'DataStack'));
  });

  test('synth needs no Docker: the runner image is only staged', () => {
    const saved = process.env.CDK_DOCKER;
    process.env.CDK_DOCKER = path.join(os.tmpdir(), 'no-such-docker');
    try {
      const { app } = fixture();
      const assembly = app.synth();
      const assets = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Test.assets.json'), 'utf8'));
      assert.equal(Object.keys(assets.dockerImages).length, 1);
    } finally {
      if (saved === undefined) delete process.env.CDK_DOCKER;
      else process.env.CDK_DOCKER = saved;
    }
  });
});

describe('the package: where the artifacts are, what is packed', () => {
  const INFRA = path.resolve(__dirname, '..', '..');
  const REPO = path.resolve(INFRA, '..');

  test('artifacts: inside the package by default (never the repository), else DEPOT_ARTIFACTS_DIR or artifactsDir', () => {
    const saved = process.env.DEPOT_ARTIFACTS_DIR;
    try {
      delete process.env.DEPOT_ARTIFACTS_DIR;
      assert.equal(PACKAGE_ROOT, INFRA);
      assert.equal(resolveArtifactsDir(), path.join(INFRA, 'artifacts'));
      process.env.DEPOT_ARTIFACTS_DIR = '/somewhere/lambda';
      assert.equal(resolveArtifactsDir(), '/somewhere/lambda');
      assert.equal(resolveArtifactsDir('/explicit'), '/explicit');
    } finally {
      if (saved === undefined) delete process.env.DEPOT_ARTIFACTS_DIR;
      else process.env.DEPOT_ARTIFACTS_DIR = saved;
    }
  });

  test('`make lambdas` (scripts/build-lambdas.sh) builds exactly LAMBDA_ARTIFACTS', () => {
    const script = fs.readFileSync(path.join(REPO, 'scripts', 'build-lambdas.sh'), 'utf8');
    const defaults = script.match(/functions=\(([a-z0-9 -]+)\)/);
    assert.ok(defaults, 'build-lambdas.sh has a default function list');
    assert.deepEqual(defaults[1].trim().split(/\s+/).sort(), [...LAMBDA_ARTIFACTS].sort());
  });

  test('package.json: publishable, peer dependencies on aws-cdk-lib and constructs, only the library shipped', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(INFRA, 'package.json'), 'utf8'));
    assert.equal(pkg.private, undefined);
    assert.equal(pkg.name, '@stage-tech/depot-cdk');
    assert.equal(pkg.license, 'Apache-2.0');
    for (const dep of ['aws-cdk-lib', 'constructs']) {
      assert.match(pkg.peerDependencies[dep], /^\^\d+\.\d+\.\d+$/, `${dep}: a peer range`);
      assert.equal(pkg.dependencies?.[dep], undefined, `${dep}: not a dependency (a second copy in the user's app)`);
      assert.ok(pkg.devDependencies[dep], `${dep}: for our own build and tests`);
    }
    assert.deepEqual(pkg.files, ['dist/lib/**/*.js', 'dist/lib/**/*.d.ts', 'runner-image/Dockerfile', 'artifacts/*/bootstrap']);
    assert.equal(pkg.exports['.'].types, './dist/lib/index.d.ts');
  });

  test('prepack refuses missing or non-arm64 artifacts, and a dist/ with more than the library', () => {
    const dir = tempDir('depot-pack-check-');
    fs.mkdirSync(path.join(dir, 'dist', 'lib'), { recursive: true });
    fs.copyFileSync(path.join(INFRA, 'dist', 'lib', 'artifacts.js'), path.join(dir, 'dist', 'lib', 'artifacts.js'));
    fs.mkdirSync(path.join(dir, 'runner-image'));
    fs.writeFileSync(path.join(dir, 'runner-image', 'Dockerfile'), 'FROM scratch\n');
    const check = () => spawnSync('node', [path.join(INFRA, 'scripts', 'check-pack.js')], { cwd: dir, encoding: 'utf8' });
    let r = check();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /artifacts\/entity-creator-aurora\/bootstrap is missing/);
    assert.match(r.stderr, /make package/);
    const arm64 = Buffer.alloc(64);
    arm64.write('\x7fELF', 0, 'latin1');
    arm64[4] = 2;
    arm64[5] = 1;
    arm64.writeUInt16LE(183, 18);
    const x86 = Buffer.from(arm64);
    x86.writeUInt16LE(62, 18);
    for (const name of LAMBDA_ARTIFACTS) {
      fs.mkdirSync(path.join(dir, 'artifacts', name), { recursive: true });
      fs.writeFileSync(path.join(dir, 'artifacts', name, 'bootstrap'), name === 'migration-runner' ? x86 : arm64);
    }
    r = check();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /artifacts\/migration-runner\/bootstrap is not an arm64 ELF/);
    assert.doesNotMatch(r.stderr, /entity-creator-aurora/);
    fs.writeFileSync(path.join(dir, 'artifacts', 'migration-runner', 'bootstrap'), arm64);
    assert.equal(check().status, 0, check().stderr);
    fs.mkdirSync(path.join(dir, 'dist', 'test'));
    r = check();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /dist\/ holds more than the library: test/);
  });
});
