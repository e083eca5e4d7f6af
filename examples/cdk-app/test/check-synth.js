#!/usr/bin/env node
// Assertions on `cdk synth` of examples/cdk-app, installed from the packed library
// (scripts/test-cdk-app.sh runs this):  check-synth.js APP_DIR TARBALL STUB_ARTIFACTS_DIR REPO_DIR
'use strict';
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const [app, tarball, stubs, repo] = process.argv.slice(2);
const ENV = '0123456789abcde';
const PKG = path.join(app, 'node_modules', '@stage-tech', 'depot-cdk');
const out = path.join(app, 'cdk.out');
const templateText = fs.readFileSync(path.join(out, 'DepotExample.template.json'), 'utf8');
const template = JSON.parse(templateText);
const resources = (type) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const one = (type, where) => {
  const found = resources(type).filter(([, r]) => where(r.Properties ?? {}));
  assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
  return found[0];
};
const sameBytes = (a, b) => fs.readFileSync(a).equals(fs.readFileSync(b));

test('the tarball holds the built library, the Dockerfile and the artifacts, nothing else', () => {
  const r = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
  const unexpected = files.filter(
    (f) =>
      !/^dist\/lib\/[a-z0-9-]+\.(js|d\.ts)$/.test(f) &&
      !/^artifacts\/[a-z0-9-]+\/bootstrap$/.test(f) &&
      !['runner-image/Dockerfile', 'package.json', 'README.md'].includes(f),
  );
  assert.deepEqual(unexpected, []);
  for (const f of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'runner-image/Dockerfile']) assert.ok(files.includes(f), f);
  const shipped = files.filter((f) => f.startsWith('artifacts/')).map((f) => f.split('/')[1]).sort();
  assert.deepEqual(shipped, fs.readdirSync(stubs).sort(), 'one artifact per function of LAMBDA_ARTIFACTS');
});

test("one aws-cdk-lib, constructs and cdk-nag: the user's (peer dependencies, no second copy)", () => {
  for (const dep of ['aws-cdk-lib', 'constructs', 'cdk-nag']) {
    const fromApp = require.resolve(`${dep}/package.json`, { paths: [app] });
    const fromLib = require.resolve(`${dep}/package.json`, { paths: [PKG] });
    assert.equal(fromLib, fromApp, `${dep} resolves to one copy`);
  }
  assert.ok(!fs.existsSync(path.join(PKG, 'node_modules')), 'the library has no nested node_modules');
});

test('cdk-nag AwsSolutions with a fixed account and Region: only Compliant, N/A or Suppressed', () => {
  const csv = fs.readFileSync(path.join(out, 'AwsSolutions--DepotExample-NagReport.csv'), 'utf8').trim().split('\n');
  const header = csv[0].split(',');
  const compliance = header.findIndex((h) => /Compliance/i.test(h));
  const rows = csv.slice(1).map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '')));
  assert.ok(rows.length > 30, 'the pack ran');
  assert.ok(rows.some((r) => r[compliance] === 'Suppressed'), "Depot's suppressions apply");
  assert.deepEqual(rows.filter((r) => !['Compliant', 'N/A', 'Suppressed'].includes(r[compliance])), []);
  // The concrete ARN form that the suppressions must match (issue: they matched only <AWS::Region>).
  const [, runnerPolicy] = one('AWS::IAM::Policy', (p) =>
    JSON.stringify(p.PolicyDocument).includes(`:batch:eu-west-1:123456789012:job-definition/sdp-${ENV}-ds-*`),
  );
  assert.ok(runnerPolicy);
});

test('the functions run the artifacts shipped in the package', () => {
  for (const name of ['entity-creator-aurora', 'entity-creator-snowflake', 'migration-forwarder']) {
    const [, fn] = one('AWS::Lambda::Function', (p) => p.FunctionName === `sdp-${ENV}-${name}`);
    assert.equal(fn.Properties.Architectures[0], 'arm64');
    const hash = fn.Properties.Code.S3Key.replace(/\.zip$/, '');
    const staged = path.join(out, `asset.${hash}`, 'bootstrap');
    assert.ok(sameBytes(staged, path.join(PKG, 'artifacts', name, 'bootstrap')), `${name}: from the package`);
    assert.ok(sameBytes(staged, path.join(stubs, name, 'bootstrap')), `${name}: the packed file`);
  }
});

test('the runner image: built at deploy from the shipped Dockerfile and runner artifact', () => {
  const assets = JSON.parse(fs.readFileSync(path.join(out, 'DepotExample.assets.json'), 'utf8'));
  const images = Object.values(assets.dockerImages);
  assert.equal(images.length, 1);
  assert.equal(images[0].source.platform, 'linux/arm64');
  const ctx = path.join(out, images[0].source.directory);
  assert.ok(sameBytes(path.join(ctx, 'Dockerfile'), path.join(PKG, 'runner-image', 'Dockerfile')));
  assert.ok(sameBytes(path.join(ctx, 'target', 'lambda', 'migration-runner', 'bootstrap'), path.join(stubs, 'migration-runner', 'bootstrap')));
});

test('nothing points into the Depot repository', () => {
  for (const f of fs.readdirSync(out).filter((f) => f.endsWith('.json'))) {
    assert.ok(!fs.readFileSync(path.join(out, f), 'utf8').includes(repo), `${f} names ${repo}`);
  }
});

test('names as documented', () => {
  one('AWS::StepFunctions::StateMachine', (p) => p.StateMachineName === `sdp-${ENV}-ds-migration-runner`);
  one('AWS::StepFunctions::StateMachine', (p) => p.StateMachineName === `sdp-${ENV}-migration-dispatcher`);
  one('AWS::SQS::Queue', (p) => p.QueueName === `sdp-${ENV}-migrations.fifo`);
  one('AWS::SQS::Queue', (p) => p.QueueName === `sdp-${ENV}-migrations-dlq.fifo`);
  one('AWS::Events::Rule', (p) => p.Name === `sdp-${ENV}-migration-plan`);
  one('AWS::Pipes::Pipe', (p) => p.Name === `sdp-${ENV}-migrations`);
  one('AWS::Batch::JobQueue', (p) => p.JobQueueName === `sdp-${ENV}-migrations`);
  one('AWS::Batch::JobDefinition', (p) => p.JobDefinitionName === `sdp-${ENV}-ds-Dogs`);
  one('AWS::Batch::ConsumableResource', (p) => p.ConsumableResourceName === `sdp-${ENV}-Dogs`);
  one('AWS::CloudWatch::Dashboard', (p) => p.DashboardName === `sdp-${ENV}-migrations`);
  const [bucketId] = one('AWS::S3::Bucket', (p) => p.VersioningConfiguration?.Status === 'Enabled');
  const [, param] = one('AWS::SSM::Parameter', (p) => p.Name === `/depot/${ENV}/bootstrap-bucket`);
  assert.equal(param.Properties.Type, 'String');
  assert.deepEqual(param.Properties.Value, { Ref: bucketId });
});

test('the asynchronous dataset waits for the rule, queue and forwarder that take its first event', () => {
  const [, dogs] = one('Custom::DepotDataset', (p) => p.alias === 'Dogs');
  const [ruleId] = one('AWS::Events::Rule', (p) => p.Name === `sdp-${ENV}-migration-plan`);
  const [queueId] = one('AWS::SQS::Queue', (p) => p.QueueName === `sdp-${ENV}-migrations.fifo`);
  const [fnId] = one('AWS::Lambda::Function', (p) => p.FunctionName === `sdp-${ENV}-migration-forwarder`);
  for (const id of [ruleId, queueId, fnId]) assert.ok((dogs.DependsOn ?? []).includes(id), `Dogs depends on ${id}`);
});
