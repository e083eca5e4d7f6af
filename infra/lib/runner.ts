import { Construct } from 'constructs';
import { Aws, Duration, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { stageRunnerImageContext } from './artifacts';
import { FailureReporting, JOB_QUEUE_ALLOWANCE } from './failure-reporting';
import { EnvironmentBasics, depotLogGroup } from './functions';
import { putEventsStatement } from './grants';
import {
  computeEnvironmentName,
  consumableResourceName,
  environmentPrefix,
  jobDefinitionName,
  jobQueueName,
  runnerStateMachineName,
} from './names';

export interface RunnerOptions {
  /** vCPUs of one migration job (Fargate). @default 1 */
  readonly vcpu?: number;
  /** Memory of one migration job (Fargate). @default 2 GiB */
  readonly memory?: Size;
  /** A migration attempt is stopped after this long. @default 6 hours */
  readonly jobTimeout?: Duration;
  /** Upper bound of the Fargate compute environment. @default 16 */
  readonly maxvCpus?: number;
}

/** RunnerOptions with their defaults. */
export function runnerOptionsWithDefaults(options: RunnerOptions = {}): Required<RunnerOptions> {
  return {
    vcpu: options.vcpu ?? 1,
    memory: options.memory ?? Size.gibibytes(2),
    jobTimeout: options.jobTimeout ?? Duration.hours(6),
    maxvCpus: options.maxvCpus ?? 16,
  };
}

/**
 * The ARN of a Batch resource of this stack's account and Region, as the runner state machine's
 * policy names it. The cdk-nag suppressions (lib/nag.ts) are built from the same function, so they
 * match whether the stack's account and Region are fixed or CloudFormation pseudo parameters.
 */
export function batchArn(stack: Stack, resource: string, name: string): string {
  return stack.formatArn({ service: 'batch', resource, resourceName: name });
}

export interface MigrationRunnerProps extends EnvironmentBasics {
  readonly artifactsDir: string;
  readonly bucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly options: Required<RunnerOptions>;
  /** Where a failed job goes before the execution ends Failed. */
  readonly failureReporting: FailureReporting;
}

/**
 * The runner: the runner image (a DockerImageAsset built at publish time, for linux/arm64), its
 * Batch job and execution roles, the Fargate compute environment `sdp-<env>-runner` and job queue
 * `sdp-<env>-migrations`, and the runner state machine `sdp-<env>-ds-migration-runner`, which
 * takes SPEC §8's payload (from the dispatcher, or a manual re-run) and runs the dataset's Batch
 * job (each asynchronous Dataset adds its job definition and consumable resource).
 *
 * Built directly in `scope` (the DepotEnvironment): see BootstrapBucket.
 */
export class MigrationRunner {
  readonly logGroup: logs.LogGroup;
  readonly image: ecrAssets.DockerImageAsset;
  readonly jobRole: iam.Role;
  readonly executionRole: iam.Role;
  readonly jobQueue: batch.JobQueue;
  readonly stateMachine: sfn.StateMachine;
  private readonly environmentId: string;
  private readonly runnerOptions: Required<RunnerOptions>;
  private readonly basics: EnvironmentBasics;

  constructor(scope: Construct, props: MigrationRunnerProps) {
    const envId = props.environmentId;
    this.environmentId = envId;
    this.runnerOptions = props.options;
    this.basics = { environmentId: envId, logRetention: props.logRetention };
    this.logGroup = depotLogGroup(scope, 'RunnerLogs', this.basics, 'migration-runner');
    this.image = new ecrAssets.DockerImageAsset(scope, 'RunnerImage', {
      directory: stageRunnerImageContext(props.artifactsDir),
      platform: ecrAssets.Platform.LINUX_ARM64,
    });
    this.jobRole = new iam.Role(scope, 'RunnerJobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Depot ${envId}: the migration runner (Batch job role)`,
    });
    this.jobRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPlansAndEnvironmentDocuments',
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects(`${environmentPrefix(envId)}/*`)],
      }),
    );
    this.jobRole.addToPolicy(putEventsStatement(props.eventBus.eventBusArn));
    this.executionRole = new iam.Role(scope, 'RunnerExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Depot ${envId}: pulls the runner image, writes its logs`,
    });
    this.image.repository.grantPull(this.executionRole);
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RunnerLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const compute = new batch.FargateComputeEnvironment(scope, 'RunnerCompute', {
      computeEnvironmentName: computeEnvironmentName(envId),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      maxvCpus: this.runnerOptions.maxvCpus,
      spot: false,
    });
    this.jobQueue = new batch.JobQueue(scope, 'RunnerQueue', {
      jobQueueName: jobQueueName(envId),
      priority: 1,
      computeEnvironments: [{ computeEnvironment: compute, order: 1 }],
    });

    // The runner state machine (also the manual re-run entry point).
    this.stateMachine = this.buildRunnerStateMachine(scope, props.failureReporting);
  }

  private buildRunnerStateMachine(scope: Construct, failureReporting: FailureReporting): sfn.StateMachine {
    const envId = this.environmentId;
    const stack = Stack.of(scope);
    // SPEC §4: the plan key is sdp-<env>/migrations/<datasetId>_<alias>/<date>/<file>; an alias is
    // [A-Za-z][A-Za-z0-9]* (no `_`), so the third segment split on `_` gives the alias back.
    const locate = new sfn.Pass(scope, 'LocateDatasetJob', {
      comment: 'The job definition of the dataset, from the plan key; the payload as one JSON string',
      parameters: {
        'datasetId.$': '$.datasetId',
        'alias.$':
          "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.migrationPlanKey, '/'), 2), '_'), 1)",
        'payload.$': 'States.JsonToString($)',
      },
    });
    const submit = new sfn.CustomState(scope, 'RunMigrationJob', {
      stateJson: {
        Type: 'Task',
        Comment: 'One Batch job per migration; the dataset job definition holds its consumable resource (capacity 1)',
        Resource: `arn:${Aws.PARTITION}:states:::batch:submitJob.sync`,
        // Batch stops an attempt after jobTimeout; this also bounds the time queued, and ends
        // before the execution's own timeout so that the failure is caught and reported.
        TimeoutSeconds: this.runnerOptions.jobTimeout.plus(JOB_QUEUE_ALLOWANCE).toSeconds(),
        Parameters: {
          'JobName.$': "States.Format('migration-{}', $.datasetId)",
          'JobDefinition.$': `States.Format('${jobDefinitionName(envId, '{}')}', $.alias)`,
          JobQueue: this.jobQueue.jobQueueArn,
          Parameters: { 'payload.$': '$.payload' },
        },
      },
    });
    // A dataset's job definition is created before its Custom::DepotDataset, so it exists before
    // the first plan; these retries cover throttling and eventual consistency of a fresh one.
    submit.addRetry({
      errors: ['Batch.ClientException', 'Batch.ServerException', 'Batch.AWSBatchException', 'Batch.BatchException'],
      interval: Duration.seconds(15),
      backoffRate: 2,
      maxAttempts: 6,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const failed = new sfn.Fail(scope, 'MigrationFailed', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' });
    submit.addCatch(failureReporting.reportThenFail(failed), { errors: ['States.ALL'], resultPath: '$.failure' });
    const definition = locate.next(submit).next(new sfn.Succeed(scope, 'MigrationSucceeded'));

    const sm = new sfn.StateMachine(scope, 'RunnerStateMachine', {
      stateMachineName: runnerStateMachineName(envId),
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: this.runnerOptions.jobTimeout.plus(Duration.hours(2)),
      tracingEnabled: true,
      logs: {
        destination: depotLogGroup(scope, 'RunnerStateMachineLogs', this.basics, 'migration-runner-state-machine'),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    const arn = (resource: string, name: string) => batchArn(stack, resource, name);
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SubmitDatasetJobs',
        actions: ['batch:SubmitJob'],
        resources: [
          this.jobQueue.jobQueueArn,
          arn('job-definition', jobDefinitionName(envId, '*')),
          arn('consumable-resource', consumableResourceName(envId, '*')),
          arn('job', '*'),
        ],
      }),
    );
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FollowJobs',
        actions: ['batch:DescribeJobs'],
        resources: ['*'],
      }),
    );
    sm.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StopJobs', actions: ['batch:TerminateJob'], resources: [arn('job', '*')] }),
    );
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SyncIntegrationRule',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForBatchJobsRule' }),
        ],
      }),
    );
    return sm;
  }
}
