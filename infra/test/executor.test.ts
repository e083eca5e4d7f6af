/** The Executor construct (PostgreSQL endpoints, user and IAM authentication, its grant) and a dataset's plan transformer. */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Dataset, DepotEnvironment, Executor, Location, Package } from '../lib';
import { resources, stubArtifacts } from './helpers';

const ARTIFACTS = stubArtifacts();
const SMALL = { name: 'dogs', schemas: { Dog: { kind: 'object', fields: { id: { type: 'uuid' } }, primaryKey: ['id'] } } };

function fixture() {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const env = new DepotEnvironment(stack, 'Depot', {
    environmentId: '0123456789abcde',
    vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 2 }),
    artifactsDir: ARTIFACTS,
  });
  const secret = new secretsmanager.Secret(stack, 'DbSecret');
  const pg = Location.postgres(stack, 'Pg', { name: 'main', host: 'db.internal', database: 'app', secret });
  const pkg = Package.fromObject(stack, 'Pkg', SMALL);
  return { stack, env, pg, pkg };
}

/** Every statement of every policy that grants rds-db:connect, with the roles it is attached to. */
function rdsConnectGrants(template: Template): { roles: string[]; resource: unknown }[] {
  return resources(template.toJSON(), 'AWS::IAM::Policy').flatMap(([, p]) =>
    (p.Properties.PolicyDocument.Statement as any[])
      .filter((s) => s.Action === 'rds-db:connect')
      .map((s) => ({ roles: (p.Properties.Roles as any[]).map((r) => r.Ref).sort(), resource: s.Resource })),
  );
}

describe('executor', () => {
  test('endpoints, user and iamAuth become the properties the Rust side reads', () => {
    const { stack } = fixture();
    const e = new Executor(stack, 'E', {
      name: 'migrations',
      endpoint: { host: 'c.cluster-x.eu-west-1.rds.amazonaws.com' },
      readerEndpoint: { host: 'c.cluster-ro-x.eu-west-1.rds.amazonaws.com', port: 5433 },
      user: 'depot_migrator',
      iamAuth: true,
      clusterResourceId: 'cluster-ABCDEFGHIJKL',
    });
    assert.deepEqual(e.toProperties(), {
      name: 'migrations',
      endpoint: { host: 'c.cluster-x.eu-west-1.rds.amazonaws.com', port: 5432 },
      readerEndpoint: { host: 'c.cluster-ro-x.eu-west-1.rds.amazonaws.com', port: 5433 },
      user: 'depot_migrator',
      iamAuth: true,
    });
    assert.deepEqual(new Executor(stack, 'Plain', { name: 'plain' }).toProperties(), { name: 'plain' });
  });

  test('iamAuth grants rds-db:connect on the one database user to the entity creator and the runner', () => {
    const { stack, env, pg, pkg } = fixture();
    const executor = new Executor(stack, 'E', {
      name: 'migrations',
      user: 'depot_migrator',
      iamAuth: true,
      clusterResourceId: 'cluster-ABCDEFGHIJKL',
    });
    new Dataset(stack, 'Dogs', { environment: env, alias: 'Dogs', package: pkg, location: pg, executor });
    const template = Template.fromStack(stack);
    const grants = rdsConnectGrants(template);
    assert.equal(grants.length, 1, JSON.stringify(grants));
    assert.deepEqual(grants[0].resource, {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:eu-west-1:123456789012:dbuser:cluster-ABCDEFGHIJKL/depot_migrator']],
    });
    const roleIds = [env.entityCreatorRole('postgres'), env.runnerJobRole].map((r) => stack.getLogicalId(r.node.defaultChild as any)).sort();
    assert.deepEqual(grants[0].roles, roleIds);
    // The dataset waits for the grant, as for its other grants.
    const [, resource] = resources(template.toJSON(), 'Custom::DepotDataset')[0];
    const policyId = resources(template.toJSON(), 'AWS::IAM::Policy').find(([, p]) =>
      (p.Properties.PolicyDocument.Statement as any[]).some((s) => s.Action === 'rds-db:connect'),
    )![0];
    assert.ok((resource.DependsOn ?? []).includes(policyId), JSON.stringify(resource.DependsOn));
  });

  test('without iamAuth there is no rds-db:connect grant', () => {
    const { stack, env, pg, pkg } = fixture();
    const executor = new Executor(stack, 'E', { name: 'migrations', user: 'depot_migrator' });
    new Dataset(stack, 'Dogs', { environment: env, alias: 'Dogs', package: pkg, location: pg, executor });
    assert.deepEqual(rdsConnectGrants(Template.fromStack(stack)), []);
  });

  test('bad settings are refused at synth, naming the executor and the key', () => {
    const { stack, env, pkg } = fixture();
    assert.throws(() => new Executor(stack, 'A', { name: 'a', iamAuth: true, clusterResourceId: 'cluster-X' }), /executor a: `iamAuth` needs `user`/);
    assert.throws(() => new Executor(stack, 'B', { name: 'b', iamAuth: true, user: 'u' }), /executor b: `iamAuth` needs `clusterResourceId`/);
    assert.throws(() => new Executor(stack, 'C', { name: 'c', clusterResourceId: 'cluster-X' }), /executor c: `clusterResourceId` applies with `iamAuth` only/);
    assert.throws(() => new Executor(stack, 'D', { name: 'd', endpoint: { host: 'h', port: 70000 } }), /executor d: `endpoint.port` 70000/);
    const sf = Location.snowflake(stack, 'Sf', { name: 'wh', account: 'org-acct', database: 'DB', warehouse: 'WH', role: 'R', secret: new secretsmanager.Secret(stack, 'SfSecret') });
    const pgOnly = new Executor(stack, 'E', { name: 'e', warehouse: 'WH', user: 'u' });
    assert.throws(
      () => new Dataset(stack, 'SfDogs', { environment: env, alias: 'SfDogs', package: pkg, location: sf, executor: pgOnly }),
      /executor e: `user` apply to PostgreSQL locations only/,
    );
  });
});

describe('plan transformer', () => {
  test('a dataset passes the function ARN and grants the entity creator lambda:InvokeFunction on it', () => {
    const { stack, env, pg, pkg } = fixture();
    const fn = new lambda.Function(stack, 'Adjust', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(plan, context):\n    return plan\n'),
    });
    new Dataset(stack, 'Dogs', {
      environment: env,
      alias: 'Dogs',
      package: pkg,
      location: pg,
      planTransformer: fn,
      planTransformerTimeout: Duration.minutes(2),
    });
    const json = Template.fromStack(stack).toJSON();
    const [, dataset] = resources(json, 'Custom::DepotDataset')[0];
    const fnId = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    assert.deepEqual(dataset.Properties.planTransformer, { lambdaArn: { 'Fn::GetAtt': [fnId, 'Arn'] }, timeoutSeconds: 120 });
    const onTransformer = (s: any) =>
      s.Action === 'lambda:InvokeFunction' && JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] });
    const invoke = resources(json, 'AWS::IAM::Policy').filter(([, p]) => (p.Properties.PolicyDocument.Statement as any[]).some(onTransformer));
    assert.equal(invoke.length, 1);
    const [policyId, policy] = invoke[0];
    const creator = stack.getLogicalId(env.entityCreatorRole('postgres').node.defaultChild as any);
    assert.deepEqual(policy.Properties.Roles.map((r: any) => r.Ref), [creator]);
    assert.ok((dataset.DependsOn ?? []).includes(policyId), JSON.stringify(dataset.DependsOn));
  });

  test('a timeout without a transformer, or out of range, is refused', () => {
    const { stack, env, pg, pkg } = fixture();
    assert.throws(
      () => new Dataset(stack, 'A', { environment: env, alias: 'A', package: pkg, location: pg, planTransformerTimeout: Duration.seconds(5) }),
      /dataset A: planTransformerTimeout applies with planTransformer only/,
    );
    const fn = lambda.Function.fromFunctionArn(stack, 'F', 'arn:aws:lambda:eu-west-1:123456789012:function:adjust');
    assert.throws(
      () => new Dataset(stack, 'B', { environment: env, alias: 'B', package: pkg, location: pg, planTransformer: fn, planTransformerTimeout: Duration.minutes(20) }),
      /dataset B: planTransformerTimeout must be from 1 second to 15 minutes/,
    );
  });
});
