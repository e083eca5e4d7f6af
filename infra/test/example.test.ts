/**
 * The example app (examples/depot-demo), synthesized offline, checked resource by resource against
 * the issue and SPEC.md: bucket, functions, IAM, events, FIFO queue, pipe, state machines, Batch,
 * consumable resources, the Custom::DepotDataset properties and dependencies.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { HAZARD_REFUSAL } from '../lib';
import { resource, resources, statementsOfRole, stateMachineDefinition, synthDemo } from './helpers';

const ENV = 'e2e404529091ed2';
const { template, outdir, stack } = synthDemo();
const json = template.toJSON();

const logicalId = (c: IConstruct): string => stack.resolve(((c.node.defaultChild ?? c) as CfnElement).logicalId);

/** The dashboard's body as text (log group references replaced by their names, other tokens by TOKEN). */
function dashboardBody(): string {
  const [, dash] = resource(json, 'AWS::CloudWatch::Dashboard', () => true);
  const b = dash.Properties.DashboardBody;
  const part = (p: any): string =>
    typeof p === 'string' ? p : p.Ref && json.Resources[p.Ref]?.Type === 'AWS::Logs::LogGroup' ? json.Resources[p.Ref].Properties.LogGroupName : 'TOKEN';
  return typeof b === 'string' ? b : (b['Fn::Join'][1] as any[]).map(part).join('');
}

/** The one Logs Insights widget titled `title`: its query and log groups. */
function logWidget(body: string, title: string): { query: string; logGroups: string[] } {
  const widgets = JSON.parse(body).widgets.filter((w: any) => w.type === 'log' && w.properties.title === title);
  assert.equal(widgets.length, 1, `one log widget "${title}"`);
  const query: string = widgets[0].properties.query;
  return { query, logGroups: [...query.matchAll(/SOURCE '([^']+)'/g)].map((m) => m[1]) };
}

describe('bootstrap bucket', () => {
  test('encrypted, versioned, public access blocked', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'bootstrap/' }),
    });
  });

  test('TLS only: a Deny on aws:SecureTransport=false (and TLS < 1.2)', () => {
    const bucketId = stack.resolve((stack.depot.bucket.node.defaultChild as any).logicalId);
    const [policy] = resources(json, 'AWS::S3::BucketPolicy').filter(
      ([, r]) => JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    assert.ok(policy, 'the bootstrap bucket has a bucket policy');
    const statements: any[] = policy[1].Properties.PolicyDocument.Statement;
    assert.ok(
      statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'),
      'denies plain HTTP',
    );
    assert.ok(
      statements.some((s) => s.Effect === 'Deny' && s.Condition?.NumericLessThan?.['s3:TlsVersion'] === 1.2),
      'denies TLS below 1.2',
    );
  });
});

describe('entity creators', () => {
  for (const name of ['entity-creator-aurora', 'entity-creator-snowflake']) {
    test(`${name}: provided.al2023 arm64, bootstrap handler, own log group, VPC`, () => {
      const [id, fn] = resource(json, 'AWS::Lambda::Function', (r) => r.Properties.FunctionName === `sdp-${ENV}-${name}`);
      assert.equal(fn.Properties.Runtime, 'provided.al2023');
      assert.deepEqual(fn.Properties.Architectures, ['arm64']);
      assert.equal(fn.Properties.Handler, 'bootstrap');
      assert.ok(fn.Properties.VpcConfig?.SubnetIds, `${id} runs in the VPC`);
      const logGroupRef = fn.Properties.LoggingConfig?.LogGroup?.Ref;
      assert.ok(logGroupRef, 'the function logs to its own log group');
      assert.equal(json.Resources[logGroupRef].Properties.LogGroupName, `/depot/${ENV}/${name}`);
      assert.ok(json.Resources[logGroupRef].Properties.RetentionInDays > 0);
      assert.ok(fn.Properties.Timeout < 900, 'the function ends before the custom resource service timeout');
    });
  }

  test('least privilege: env prefix, PutEvents on the bus, own logs, VPC ENIs, and nothing else', () => {
    const role = stack.depot.entityCreatorRole('postgres');
    const statements = statementsOfRole(json, stack.resolve((role.node.defaultChild as any).logicalId));
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    assert.deepEqual(
      actions,
      [
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:UnassignPrivateIpAddresses',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    const text = JSON.stringify(statements);
    assert.match(text, new RegExp(`/sdp-${ENV}/\\*`), 'S3 objects only under sdp-<environmentId>/');
    const s3 = statements.find((s) => s.Sid === 'EnvironmentDocuments');
    assert.deepEqual(s3.Action, ['s3:GetObject', 's3:PutObject']);
    const list = statements.find((s) => s.Sid === 'ListEnvironmentPrefix');
    assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': [`sdp-${ENV}/*`] } });
    const events = statements.find((s) => s.Action === 'events:PutEvents');
    assert.match(JSON.stringify(events.Resource), /event-bus\/default/);
    const secret = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue');
    assert.deepEqual(secret.Resource, { Ref: 'AuroraSecretAttachmentEAAB0558' }, 'only the location secret');
    const objectStatements = statements.filter((st) => [st.Action].flat().includes('s3:PutObject'));
    assert.equal(objectStatements.length, 1);
  });

  test('the Snowflake creator reads the Snowflake secret (partial ARN + suffix) and the package asset', () => {
    const role = stack.depot.entityCreatorRole('snowflake');
    const statements = statementsOfRole(json, stack.resolve((role.node.defaultChild as any).logicalId));
    const secret = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue');
    assert.match(JSON.stringify(secret.Resource), /secret:depot\/snowflake\/analytics-\?\?\?\?\?\?/);
    const asset = statements.find((s) => s.Sid === 'ReadPackageAsset');
    assert.equal(asset.Action, 's3:GetObject');
    assert.match(JSON.stringify(asset.Resource), /cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.json/);
    assert.ok(
      !statements.some((s) => JSON.stringify(s.Resource).includes('AuroraSecretAttachment')),
      'the Snowflake creator cannot read the Aurora secret',
    );
  });
});

describe('asynchronous pipeline', () => {
  test('rule: migration-plan events to be executed by the receiver, minus custom-bound datasets', () => {
    const [, rule] = resource(json, 'AWS::Events::Rule', (r) => r.Properties.Name === `sdp-${ENV}-migration-plan`);
    assert.deepEqual(rule.Properties.EventPattern, {
      source: ['tech.stage.depot'],
      'detail-type': ['migration-plan'],
      detail: {
        environmentId: [ENV],
        executionResponsibility: ['to-be-executed-by-receiver'],
        datasetAlias: [{ 'anything-but': ['DemoDogFacts'] }],
      },
    });
    const [target] = rule.Properties.Targets;
    assert.deepEqual(target.Arn, { 'Fn::GetAtt': [resource(json, 'AWS::Lambda::Function', (r) => r.Properties.FunctionName === `sdp-${ENV}-migration-forwarder`)[0], 'Arn'] });
    assert.ok(target.DeadLetterConfig?.Arn, 'undeliverable events go to a DLQ');
    assert.equal(target.RetryPolicy.MaximumRetryAttempts, 8);
  });

  test('forwarder: arm64 provided.al2023, DEPOT_QUEUE_URL, SendMessage on the FIFO queue only', () => {
    const [, fn] = resource(json, 'AWS::Lambda::Function', (r) => r.Properties.FunctionName === `sdp-${ENV}-migration-forwarder`);
    assert.equal(fn.Properties.Runtime, 'provided.al2023');
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
    const queueId = resource(json, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `sdp-${ENV}-migrations.fifo`)[0];
    assert.deepEqual(fn.Properties.Environment.Variables.DEPOT_QUEUE_URL, { Ref: queueId });
    const statements = statementsOfRole(json, fn.Properties.Role['Fn::GetAtt'][0]);
    const send = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    assert.ok(send.some((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] })));
  });

  test('FIFO queue: explicit deduplication ids (no content-based), grouped per dataset, with a FIFO DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `sdp-${ENV}-migrations.fifo`,
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `sdp-${ENV}-migrations-dlq.fifo`,
      FifoQueue: true,
    });
  });

  test('pipe: FIFO queue -> dispatcher (synchronous express execution)', () => {
    const [, pipe] = resource(json, 'AWS::Pipes::Pipe', () => true);
    const queueId = resource(json, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `sdp-${ENV}-migrations.fifo`)[0];
    assert.deepEqual(pipe.Properties.Source, { 'Fn::GetAtt': [queueId, 'Arn'] });
    const dispatcherId = resource(
      json,
      'AWS::StepFunctions::StateMachine',
      (r) => r.Properties.StateMachineName === `sdp-${ENV}-migration-dispatcher`,
    )[0];
    assert.deepEqual(pipe.Properties.Target, { Ref: dispatcherId });
    assert.equal(pipe.Properties.TargetParameters.StepFunctionStateMachineParameters.InvocationType, 'REQUEST_RESPONSE');
    assert.equal(pipe.Properties.DesiredState, 'RUNNING');
    const statements = statementsOfRole(json, pipe.Properties.RoleArn['Fn::GetAtt'][0]);
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    assert.deepEqual(actions, [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'states:StartSyncExecution',
    ]);
  });

  test('dispatcher: express, one runner execution per event, named <datasetId>-<eventId> (debounce)', () => {
    const [, sm, def] = stateMachineDefinition(json, `sdp-${ENV}-migration-dispatcher`);
    assert.equal(sm.Properties.StateMachineType, 'EXPRESS');
    const map = def.States.EachQueuedPlan;
    assert.equal(map.Type, 'Map');
    const states = map.ItemProcessor.States;
    assert.equal(states.ParseBody.Parameters['body.$'], 'States.StringToJson($.body)');
    // The forwarder's body is the SPEC §8 payload: passed on as it is.
    assert.equal(states.PayloadAsSent.OutputPath, '$.body');
    // A body holding the migration-plan event itself is turned into that payload.
    assert.deepEqual(states.BodyIsEvent.Choices[0], { Variable: '$.body.detail', IsPresent: true, Next: 'PayloadFromEvent' });
    assert.deepEqual(states.PayloadFromEvent.Parameters, {
      'eventId.$': '$.body.id',
      'datasetId.$': '$.body.detail.datasetId',
      'migrationPlanBucket.$': '$.body.detail.migrationPlanBucket',
      migrationPlanPrefix: '',
      'migrationPlanKey.$': '$.body.detail.migrationPlanKey',
      chainWithSeeding: false,
    });
    const start = states.StartMigrationRun;
    assert.match(start.Resource, /:states:::states:startExecution$/);
    assert.equal(start.Parameters['Name.$'], "States.Format('{}-{}', $.datasetId, $.eventId)");
    assert.equal(start.Parameters['Input.$'], '$');
    assert.deepEqual(start.Catch[0].ErrorEquals, ['StepFunctions.ExecutionAlreadyExistsException']);
  });

  test(`manual re-run: sdp-${ENV}-ds-migration-runner takes the SPEC §8 payload to a Batch job`, () => {
    const [, sm, def] = stateMachineDefinition(json, `sdp-${ENV}-ds-migration-runner`);
    assert.equal(sm.Properties.StateMachineType, 'STANDARD');
    assert.equal(def.StartAt, 'LocateDatasetJob');
    const locate = def.States.LocateDatasetJob.Parameters;
    assert.equal(locate['payload.$'], 'States.JsonToString($)', 'the whole payload reaches the runner');
    assert.match(locate['alias.$'], /StringSplit\(\$\.migrationPlanKey, '\/'\), 2\), '_'\), 1\)/);
    const run = def.States.RunMigrationJob;
    assert.match(run.Resource, /:states:::batch:submitJob\.sync$/);
    assert.equal(run.Parameters['JobDefinition.$'], `States.Format('sdp-${ENV}-ds-{}', $.alias)`);
    assert.deepEqual(run.Parameters.Parameters, { 'payload.$': '$.payload' });
    assert.ok(run.Retry[0].ErrorEquals.includes('Batch.ClientException'), 'retries while a fresh job definition settles');
    assert.deepEqual(run.Catch[0].ErrorEquals, ['States.ALL']);
    assert.equal(run.Catch[0].Next, 'ReportMigrationFailure', 'any failure of the job is reported');
    assert.equal(run.Catch[0].ResultPath, '$.failure');
    assert.equal(def.States.MigrationFailed.Type, 'Fail');
    assert.equal(def.States.MigrationFailed.ErrorPath, '$.failure.Error');
  });

  test('a failed runner job is reported (state and failed event), or announced when the report fails, then ends Failed', () => {
    const [, sm, def] = stateMachineDefinition(json, `sdp-${ENV}-ds-migration-runner`);
    const report = def.States.ReportMigrationFailure;
    assert.match(report.Resource, /:states:::lambda:invoke$/);
    assert.deepEqual(report.Parameters.Payload, {
      'payload.$': 'States.StringToJson($.payload)',
      'error.$': '$.failure.Error',
      'cause.$': '$.failure.Cause',
    });
    assert.equal(report.Next, 'MigrationFailed');
    assert.equal(report.Catch[0].Next, 'AnnounceMigrationFailure');
    const announce = def.States.AnnounceMigrationFailure;
    assert.match(announce.Resource, /:states:::events:putEvents$/);
    assert.equal(announce.Parameters.Entries[0].DetailType, 'migration-lifecycle');
    assert.equal(announce.Parameters.Entries[0].Detail.event, 'failed');
    assert.equal(announce.Next, 'MigrationFailed');
    assert.equal(announce.Catch[0].Next, 'MigrationFailed');
    // The job task times out before the execution does, so the catch above runs.
    const jobTimeout = 6 * 3600;
    assert.equal(def.States.RunMigrationJob.TimeoutSeconds, jobTimeout + 3600);
    assert.ok(
      sm.Properties.DefinitionString !== undefined && def.TimeoutSeconds > def.States.RunMigrationJob.TimeoutSeconds + 120,
      'room for the report before the execution times out',
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `sdp-${ENV}-failure-reporter`,
      Environment: { Variables: Match.objectLike({ DEPOT_RUNNER_MODE: 'failure-reporter', DEPOT_ENVIRONMENT_ID: ENV }) },
      VpcConfig: Match.anyValue(),
    });
  });

  test('every dead-lettered message goes to the failure reporter, and counts in the dead-letters alarm', () => {
    const reporterMappings = resources(json, 'AWS::Lambda::EventSourceMapping')
      .map(([, m]) => m)
      .filter((m) => JSON.stringify(m.Properties.FunctionName).includes('FailureReporting'));
    assert.equal(reporterMappings.length, 2, 'the FIFO queue DLQ and the undelivered-events queue');
    for (const m of reporterMappings) assert.deepEqual(m.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
    const alarm = resource(json, 'AWS::CloudWatch::Alarm', (r) => r.Properties.AlarmName === `sdp-${ENV}-migration-dead-letters`)[1];
    const metrics = alarm.Properties.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName).filter(Boolean);
    assert.deepEqual(metrics.sort(), [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesVisible',
      'NumberOfMessagesReceived',
      'NumberOfMessagesReceived',
    ]);
  });

  test('the plan key of SPEC §4 yields the alias as the runner state machine splits it', () => {
    const key =
      'sdp-e2e404529091ed2/migrations/6d9c7969f0b1_WsDevDogSrcDeferredMigration/2025-04-28/' +
      '2025-04-28T08:31:33.816Z_MIGRATION_PLANNED_6d9c7969f0b1_WsDevDogSrcDeferredMigration_01967b85-dd5c-7306-b067-0a06ab34d6ae.json';
    assert.equal(key.split('/')[2].split('_')[1], 'WsDevDogSrcDeferredMigration');
  });

  test('runner state machine IAM: SubmitJob on this queue and this environment only', () => {
    const [, sm] = stateMachineDefinition(json, `sdp-${ENV}-ds-migration-runner`);
    const statements = statementsOfRole(json, sm.Properties.RoleArn['Fn::GetAtt'][0]);
    const submit = statements.find((s) => s.Action === 'batch:SubmitJob');
    const text = JSON.stringify(submit.Resource);
    assert.match(text, new RegExp(`job-definition/sdp-${ENV}-ds-\\*`));
    assert.match(text, new RegExp(`consumable-resource/sdp-${ENV}-\\*`));
    assert.match(text, /JobQueueArn/);
  });

  test('Batch: Fargate compute in the VPC, one job queue', () => {
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeEnvironmentName: `sdp-${ENV}-runner`,
      ComputeResources: Match.objectLike({ Type: 'FARGATE', Subnets: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: `sdp-${ENV}-migrations` });
  });

  test('each asynchronous dataset: a replenishable consumable resource of capacity 1 ...', () => {
    for (const alias of ['DemoDogs', 'DemoDogFacts']) {
      template.hasResourceProperties('AWS::Batch::ConsumableResource', {
        ConsumableResourceName: `sdp-${ENV}-${alias}`,
        ResourceType: 'REPLENISHABLE',
        TotalQuantity: 1,
      });
    }
    assert.equal(resources(json, 'AWS::Batch::ConsumableResource').length, 2, 'none for the synchronous dataset');
  });

  test('... and a job definition that takes 1 of it and runs migration-runner --payload-json Ref::payload', () => {
    for (const alias of ['DemoDogs', 'DemoDogFacts']) {
      const [crId] = resource(json, 'AWS::Batch::ConsumableResource', (r) => r.Properties.ConsumableResourceName === `sdp-${ENV}-${alias}`);
      const [, jd] = resource(json, 'AWS::Batch::JobDefinition', (r) => r.Properties.JobDefinitionName === `sdp-${ENV}-ds-${alias}`);
      assert.deepEqual(jd.Properties.ConsumableResourceProperties, {
        ConsumableResourceList: [{ ConsumableResource: { 'Fn::GetAtt': [crId, 'ConsumableResourceArn'] }, Quantity: 1 }],
      });
      const c = jd.Properties.ContainerProperties;
      assert.deepEqual(c.Command, ['migration-runner', '--payload-json', 'Ref::payload']);
      assert.deepEqual(c.RuntimePlatform, { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
      assert.deepEqual(jd.Properties.PlatformCapabilities, ['FARGATE']);
      assert.match(JSON.stringify(c.Image), /container-assets/);
    }
  });

  test('runner job role: reads the env prefix, puts events, reads the location secrets', () => {
    const statements = statementsOfRole(json, stack.resolve((stack.depot.runnerJobRole.node.defaultChild as any).logicalId));
    const actions = [...new Set(statements.flatMap((s) => [s.Action].flat()))].sort();
    assert.deepEqual(actions, ['events:PutEvents', 's3:GetObject', 'secretsmanager:GetSecretValue']);
    const s3 = statements.find((s) => s.Action === 's3:GetObject');
    assert.match(JSON.stringify(s3.Resource), new RegExp(`sdp-${ENV}/\\*`));
  });

  test('runner image: a Docker asset staged for linux/arm64 (built at publish time, not at synth)', () => {
    const assets = JSON.parse(fs.readFileSync(path.join(outdir, 'DepotDemo.assets.json'), 'utf8'));
    const images = Object.values(assets.dockerImages) as any[];
    assert.equal(images.length, 1);
    assert.equal(images[0].source.platform, 'linux/arm64');
    const dir = path.join(outdir, images[0].source.directory);
    assert.ok(fs.existsSync(path.join(dir, 'Dockerfile')));
    assert.ok(fs.existsSync(path.join(dir, 'target', 'lambda', 'migration-runner', 'bootstrap')));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['Dockerfile', 'target'], 'a minimal context, not the repository');
  });

  test('dashboard for migration errors, and alarms', () => {
    const [, dash] = resource(json, 'AWS::CloudWatch::Dashboard', () => true);
    assert.equal(dash.Properties.DashboardName, `sdp-${ENV}-migrations`);
    const body = JSON.stringify(dash.Properties.DashboardBody);
    for (const needle of ['ExecutionsFailed', 'MatchedEvents', 'ApproximateNumberOfMessagesVisible', 'Errors', 'detail.error']) {
      assert.ok(body.includes(needle), `dashboard shows ${needle}`);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `sdp-${ENV}-migration-runner-failed` });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `sdp-${ENV}-migration-dead-letters` });
  });

  test('dashboard: entity creator errors (metric filter on their JSON logs, and the latest lines)', () => {
    const creatorLogs = ['entity-creator-aurora', 'entity-creator-snowflake'].map((n) => `/depot/${ENV}/${n}`);
    const filtered = resources(json, 'AWS::Logs::MetricFilter').map(([, f]) => ({
      group: json.Resources[f.Properties.LogGroupName.Ref].Properties.LogGroupName,
      pattern: f.Properties.FilterPattern,
      metric: f.Properties.MetricTransformations[0],
    }));
    assert.deepEqual(filtered.map((f) => f.group).sort(), creatorLogs);
    for (const f of filtered) {
      assert.equal(f.pattern, '{ $.level = "ERROR" }');
      assert.deepEqual([f.metric.MetricNamespace, f.metric.MetricName, f.metric.MetricValue], [`Depot/${ENV}`, 'EntityCreatorErrors', '1']);
    }
    const body = dashboardBody();
    assert.ok(body.includes('EntityCreatorErrors'));
    const errors = logWidget(body, 'Latest entity creator errors');
    assert.deepEqual(errors.logGroups.sort(), creatorLogs);
    assert.match(errors.query, /filter level = "ERROR"/);
  });

  test('dashboard: plans refused for hazards, by the refusal depot-core writes', () => {
    // The dashboard filters on a phrase of depot-core's RefusedPlan message: it must still be there.
    const policy = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'crates', 'depot-core', 'src', 'policy.rs'), 'utf8');
    assert.ok(policy.includes(HAZARD_REFUSAL), `crates/depot-core/src/policy.rs no longer says "${HAZARD_REFUSAL}"`);
    const w = logWidget(dashboardBody(), 'Plans refused for hazards');
    assert.ok(w.query.includes(`filter @message like /${HAZARD_REFUSAL}/`));
    assert.deepEqual(w.logGroups.sort(), [`/depot/${ENV}/entity-creator-aurora`, `/depot/${ENV}/entity-creator-snowflake`, `/depot/${ENV}/migration-runner`]);
  });

  test('dashboard: migrations waiting or stuck, from every lifecycle event kept in a log group', () => {
    const [, rule] = resource(json, 'AWS::Events::Rule', (r) => r.Properties.Name === `sdp-${ENV}-migration-lifecycle`);
    assert.deepEqual(rule.Properties.EventPattern, {
      source: ['tech.stage.depot'],
      'detail-type': ['migration-lifecycle'],
      detail: { type: ['lifecycle'], environmentId: [ENV] },
    });
    const target = rule.Properties.Targets[0].Arn['Fn::Join'][1];
    assert.equal(target[target.length - 2], ':log-group:');
    assert.equal(json.Resources[target[target.length - 1].Ref].Properties.LogGroupName, `/depot/${ENV}/migration-lifecycle`);
    const [, policy] = resource(json, 'AWS::Logs::ResourcePolicy', () => true);
    const lifecycleLogId = target[target.length - 1].Ref;
    assert.ok(JSON.stringify(policy.Properties.PolicyDocument).includes(`{"Fn::GetAtt":["${lifecycleLogId}","Arn"]}`), 'EventBridge may write the log');
    const body = dashboardBody();
    const w = logWidget(body, 'Waiting migrations (stuck when older than 2 h)');
    assert.deepEqual(w.logGroups, [`/depot/${ENV}/migration-lifecycle`]);
    assert.match(w.query, /stats latest\(event\) as lastEvent, max\(@timestamp\) as since by alias, datasetId/);
    assert.match(w.query, /filter lastEvent = "desired" or lastEvent = "attempted"/);
    assert.ok(body.includes('more than 2 h'), 'the text says what stuck means');
    assert.ok(body.includes('cannot show'), 'the text says what the widget cannot show');
  });

  test('SSM parameter /depot/<env>/bootstrap-bucket holds the bucket name', () => {
    const [, param] = resource(json, 'AWS::SSM::Parameter', (r) => r.Properties.Name === `/depot/${ENV}/bootstrap-bucket`);
    assert.equal(param.Properties.Type, 'String');
    assert.deepEqual(param.Properties.Value, { Ref: logicalId(stack.depot.bucket) });
  });
});

describe('Custom::DepotDataset', () => {
  const dataset = (alias: string) => resource(json, 'Custom::DepotDataset', (r) => r.Properties.alias === alias);

  test('SPEC §2 properties, secrets only as ARNs, serviceTimeout well below one hour', () => {
    const [, r] = dataset('DemoDogs');
    const p = r.Properties;
    assert.equal(p.environmentId, ENV);
    assert.deepEqual(Object.keys(p).sort(), [
      'ServiceTimeout',
      'ServiceToken',
      'alias',
      'bootstrapBucket',
      'dependencies',
      'environmentId',
      'executor',
      'location',
      'migrationOptions',
      'package',
      'removalPolicy',
    ]);
    assert.ok(Number(p.ServiceTimeout) <= 1200, `ServiceTimeout ${p.ServiceTimeout} s`);
    assert.equal(p.location.type, 'postgres');
    assert.deepEqual(Object.keys(p.location).sort(), ['database', 'host', 'name', 'port', 'secretArn', 'type']);
    assert.deepEqual(p.location.secretArn, { Ref: 'AuroraSecretAttachmentEAAB0558' });
    assert.equal(p.package.name, 'dogs');
    assert.deepEqual(p.dependencies, { Breeds: 'DemoBreeds' });
    assert.deepEqual(p.migrationOptions.migrationMode.type, 'asynchronous');
    assert.equal(p.migrationOptions.migrationMode.customEventBinding, false);
    assert.match(JSON.stringify(p.migrationOptions.migrationMode.eventBusArn), /event-bus\/default/);
    assert.deepEqual(p.migrationOptions.allowedHazards, ['INDEX_BUILD']);
    assert.equal(p.removalPolicy, 'retain');
    for (const [, d] of resources(json, 'Custom::DepotDataset')) {
      assert.ok(!/password|privateKey|SecretString|resolve:secretsmanager/i.test(JSON.stringify(d)), 'no secret in properties');
    }
  });

  test('the entity creator of the engine is the ServiceToken', () => {
    const creator = (name: string) =>
      resource(json, 'AWS::Lambda::Function', (r) => r.Properties.FunctionName === `sdp-${ENV}-${name}`)[0];
    assert.deepEqual(dataset('DemoBreeds')[1].Properties.ServiceToken, { 'Fn::GetAtt': [creator('entity-creator-aurora'), 'Arn'] });
    assert.deepEqual(dataset('DemoDogFacts')[1].Properties.ServiceToken, {
      'Fn::GetAtt': [creator('entity-creator-snowflake'), 'Arn'],
    });
  });

  test('a dataset depends on the datasets it references', () => {
    const [breedsId] = dataset('DemoBreeds');
    const [, dogs] = dataset('DemoDogs');
    assert.ok(dogs.DependsOn.includes(breedsId));
  });

  test('an asynchronous dataset depends on its consumable resource and job definition', () => {
    const [, dogs] = dataset('DemoDogs');
    const [crId] = resource(json, 'AWS::Batch::ConsumableResource', (r) => r.Properties.ConsumableResourceName === `sdp-${ENV}-DemoDogs`);
    const [jdId] = resource(json, 'AWS::Batch::JobDefinition', (r) => r.Properties.JobDefinitionName === `sdp-${ENV}-ds-DemoDogs`);
    assert.ok(dogs.DependsOn.includes(crId) && dogs.DependsOn.includes(jdId));
  });

  test('an asynchronous dataset depends on the rule, forwarder and queue that take its first event', () => {
    const [, dogs] = dataset('DemoDogs');
    const ids = [stack.depot.migrationRule!, stack.depot.migrationForwarder, stack.depot.migrationQueue].map(logicalId);
    for (const id of ids) assert.ok(dogs.DependsOn.includes(id), `DemoDogs depends on ${id}`);
    // The forwarder's permission for the rule comes with the forwarder construct.
    const [permId] = resource(json, 'AWS::Lambda::Permission', (r) => r.Properties.Principal === 'events.amazonaws.com' && JSON.stringify(r.Properties.SourceArn).includes(logicalId(stack.depot.migrationRule!)));
    assert.ok(dogs.DependsOn.includes(permId));
    // A synchronous dataset emits no migration-plan event to the receiver: no such dependency.
    const [, breeds] = dataset('DemoBreeds');
    assert.ok(!(breeds.DependsOn ?? []).includes(ids[0]));
    // With its own rule: not on the environment's rule, still on the forwarder and the queue.
    const [, facts] = dataset('DemoDogFacts');
    assert.ok(!facts.DependsOn.includes(ids[0]) && facts.DependsOn.includes(ids[1]) && facts.DependsOn.includes(ids[2]));
  });

  test('with customEventBinding: depends on the user rule; package by packageUri (S3 asset)', () => {
    const [, facts] = dataset('DemoDogFacts');
    const [ruleId] = resource(json, 'AWS::Events::Rule', (r) => r.Properties.Description === 'DemoDogFacts migration plans, bound by the user');
    assert.ok(facts.DependsOn.includes(ruleId));
    assert.equal(facts.Properties.migrationOptions.migrationMode.customEventBinding, true);
    assert.equal(facts.Properties.package, undefined);
    assert.match(JSON.stringify(facts.Properties.packageUri), /^\{"Fn::Sub":"s3:\/\/cdk-hnb659fds-assets-/);
    assert.equal(facts.Properties.location.type, 'snowflake');
    assert.deepEqual(facts.Properties.executor, { name: 'loader', warehouse: 'DEPOT_WH', role: 'DEPOT_DEPLOYER' });
  });

  test('datasets wait for their secret grants and for the database (instances, ingress rule)', () => {
    const [, breeds] = dataset('DemoBreeds');
    const deps: string[] = breeds.DependsOn;
    assert.ok(deps.some((d) => d.startsWith('MainDbSecretAccess')), 'secret policy first');
    assert.ok(deps.some((d) => d.startsWith('AuroraWriter')), 'the writer instance first');
    const ingress = resources(json, 'AWS::EC2::SecurityGroupIngress').find(([, r]) => r.Properties.Description === `Depot ${ENV}`);
    assert.ok(ingress, 'the database accepts the Depot security group');
    assert.ok(deps.includes(ingress![0]), 'the ingress rule first');
  });
});

describe('MigrationLifecycleAlerts', () => {
  test('lifecycle failed events -> encrypted SNS topic with a one-line message', () => {
    const [, rule] = resource(json, 'AWS::Events::Rule', (r) => /to SNS$/.test(r.Properties.Description ?? ''));
    assert.deepEqual(rule.Properties.EventPattern, {
      source: ['tech.stage.depot'],
      'detail-type': ['migration-lifecycle'],
      detail: { type: ['lifecycle'], environmentId: [ENV], event: ['failed'] },
    });
    assert.match(rule.Properties.Targets[0].InputTransformer.InputTemplate, /<detail-error>/);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});
