import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Construct } from 'constructs';
import { ArnFormat, Aws, Duration, Lazy, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { FailureReporting, JOB_QUEUE_ALLOWANCE } from './failure-reporting';
import type { LocationType } from './location';
import { applyDepotSuppressions } from './nag';
import {
  EVENT_SOURCE,
  checkEnvironmentId,
  environmentPrefix,
  jobDefinitionName,
  runnerStateMachineName,
} from './names';

/** The function artifacts `cargo lambda build --release --arm64` produces (`<name>/bootstrap`). */
export const LAMBDA_ARTIFACTS = [
  'entity-creator-aurora',
  'entity-creator-snowflake',
  'migration-forwarder',
  'migration-runner',
] as const;

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

export interface DepotEnvironmentProps {
  /** SPEC: 15 lowercase hex characters, e.g. `e2e404529091ed2`. */
  readonly environmentId: string;
  /** The VPC from which the entity creators and the runner reach the databases. */
  readonly vpc: ec2.IVpc;
  /** @default the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The bus Depot's events go to and the migration rule listens on.
   * @default the account's default bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The folder holding `<function>/bootstrap` for every artifact of LAMBDA_ARTIFACTS.
   * @default `$DEPOT_ARTIFACTS_DIR`, else `<repository>/target/lambda` (what `make lambdas` fills)
   */
  readonly artifactsDir?: string;
  /** @default a name CloudFormation generates */
  readonly bootstrapBucketName?: string;
  /** @default RemovalPolicy.RETAIN: the environment documents and plans are the history */
  readonly bucketRemovalPolicy?: RemovalPolicy;
  /**
   * When true, the environment creates no rule for migration-plan events: the user binds their
   * own rule to `migrationForwarder` (or anything else). Per dataset, see the Dataset's
   * `customEventBinding`.
   * @default false
   */
  readonly customEventBinding?: boolean;
  /** The entity creators' Lambda timeout. @default 14 minutes */
  readonly entityCreatorTimeout?: Duration;
  /**
   * ServiceTimeout of every Custom::DepotDataset: how long CloudFormation waits for a response
   * before it fails the resource, instead of its one-hour default. Must exceed
   * `entityCreatorTimeout`. @default 15 minutes
   */
  readonly serviceTimeout?: Duration;
  /** @default ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  readonly runner?: RunnerOptions;
  /**
   * Path of the RDS CA bundle inside the entity creator artifact, passed as DEPOT_RDS_CA_BUNDLE.
   * @default unset (the system's roots)
   */
  readonly rdsCaBundlePath?: string;
  /**
   * `chainWithSeeding` of the runner payloads the pipeline makes (the forwarder's
   * DEPOT_CHAIN_WITH_SEEDING): seed after each asynchronous migration.
   * @default false
   */
  readonly chainWithSeeding?: boolean;
}

/**
 * One Depot installation: its bootstrap bucket, the entity creators that serve
 * Custom::DepotDataset, and the asynchronous migration pipeline
 * (EventBridge rule -> forwarder -> SQS FIFO -> Pipe -> dispatcher -> runner state machine ->
 * AWS Batch job per dataset).
 */
export class DepotEnvironment extends Construct {
  readonly environmentId: string;
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly eventBus: events.IEventBus;
  readonly vpc: ec2.IVpc;
  /** The security group of the entity creators and the runner jobs: allow it into the databases. */
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly serviceTimeout: Duration;
  readonly auroraEntityCreator: lambda.Function;
  readonly snowflakeEntityCreator: lambda.Function;
  readonly migrationForwarder: lambda.Function;
  /** Events the forwarder could not take (rule target DLQ and the forwarder's async DLQ). */
  readonly undeliveredEvents: sqs.Queue;
  readonly migrationQueue: sqs.Queue;
  readonly migrationDeadLetters: sqs.Queue;
  /** The migration-plan rule; undefined with `customEventBinding`. */
  readonly migrationRule?: events.Rule;
  readonly dispatcher: sfn.StateMachine;
  /** `sdp-<environmentId>-ds-migration-runner`: takes SPEC §8's payload (manual re-runs too). */
  readonly runnerStateMachine: sfn.StateMachine;
  /** Failed runner jobs and dead-lettered messages: recorded in the dataset state and announced. */
  readonly failureReporting: FailureReporting;
  readonly pipe: pipes.CfnPipe;
  readonly jobQueue: batch.JobQueue;
  readonly runnerImage: ecrAssets.DockerImageAsset;
  readonly runnerJobRole: iam.Role;
  readonly runnerExecutionRole: iam.Role;
  readonly runnerLogGroup: logs.LogGroup;
  readonly runnerOptions: Required<RunnerOptions>;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];
  readonly artifactsDir: string;

  private readonly creatorRoles: Record<LocationType, iam.Role>;
  private readonly creators: Record<LocationType, lambda.Function>;
  private readonly aliases = new Set<string>();
  private readonly customBoundAliases: string[] = [];
  private readonly logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: DepotEnvironmentProps) {
    super(scope, id);
    const envId = checkEnvironmentId(props.environmentId);
    this.environmentId = envId;
    this.vpc = props.vpc;
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.artifactsDir = resolveArtifactsDir(props.artifactsDir);
    const creatorTimeout = props.entityCreatorTimeout ?? Duration.minutes(14);
    this.serviceTimeout = props.serviceTimeout ?? Duration.minutes(15);
    if (this.serviceTimeout.toSeconds() > 3600 || this.serviceTimeout.toSeconds() <= creatorTimeout.toSeconds()) {
      throw new Error(
        `serviceTimeout (${this.serviceTimeout.toSeconds()} s) must exceed entityCreatorTimeout ` +
          `(${creatorTimeout.toSeconds()} s) and be at most 3600 s`,
      );
    }
    this.runnerOptions = {
      vcpu: props.runner?.vcpu ?? 1,
      memory: props.runner?.memory ?? Size.gibibytes(2),
      jobTimeout: props.runner?.jobTimeout ?? Duration.hours(6),
      maxvCpus: props.runner?.maxvCpus ?? 16,
    };
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    // --- Bootstrap bucket -------------------------------------------------------------------
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Object ownership is left to CDK: S3 log delivery needs a bucket policy or, without the
      // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy flag, the LogDeliveryWrite ACL.
      removalPolicy: props.bucketRemovalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    this.bucket = new s3.Bucket(this, 'Bootstrap', {
      bucketName: props.bootstrapBucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'bootstrap/',
      removalPolicy: props.bucketRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'ComputeSecurityGroup', {
      vpc: props.vpc,
      description: `Depot ${envId}: entity creators and migration runner jobs`,
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });

    // --- Entity creators ----------------------------------------------------------------------
    const creatorEnv: Record<string, string> = props.rdsCaBundlePath
      ? { DEPOT_RDS_CA_BUNDLE: props.rdsCaBundlePath }
      : {};
    const aurora = this.entityCreatorFunction('Aurora', 'entity-creator-aurora', {
      timeout: creatorTimeout,
      vpc: props.vpc,
      subnets,
      environment: creatorEnv,
    });
    const snowflake = this.entityCreatorFunction('Snowflake', 'entity-creator-snowflake', {
      timeout: creatorTimeout,
      vpc: props.vpc,
      subnets,
      environment: {},
    });
    this.auroraEntityCreator = aurora.fn;
    this.snowflakeEntityCreator = snowflake.fn;
    this.creators = { postgres: aurora.fn, snowflake: snowflake.fn };
    this.creatorRoles = { postgres: aurora.role, snowflake: snowflake.role };
    for (const role of Object.values(this.creatorRoles)) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'EnvironmentDocuments',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [this.bucket.arnForObjects(`${environmentPrefix(envId)}/*`)],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ListEnvironmentPrefix',
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${environmentPrefix(envId)}/*`] } },
        }),
      );
      role.addToPolicy(this.putEventsStatement(this.eventBus.eventBusArn));
    }

    // --- Asynchronous pipeline: rule -> forwarder -> FIFO queue ----------------------------------
    this.undeliveredEvents = new sqs.Queue(this, 'UndeliveredEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.minutes(6), // the failure reporter consumes it (6 x its timeout)
    });
    this.migrationDeadLetters = new sqs.Queue(this, 'MigrationDeadLetters', {
      queueName: `sdp-${envId}-migrations-dlq.fifo`,
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.minutes(6), // the failure reporter consumes it (6 x its timeout)
    });
    this.migrationQueue = new sqs.Queue(this, 'MigrationQueue', {
      queueName: `sdp-${envId}-migrations.fifo`,
      fifo: true,
      // The forwarder sets MessageDeduplicationId = sha256(event content) and
      // MessageGroupId = datasetId: debounce per dataset, one migration in flight per group.
      contentBasedDeduplication: false,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.minutes(2),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.migrationDeadLetters, maxReceiveCount: 5 },
    });

    const forwarder = this.lambdaFunction('Forwarder', 'migration-forwarder', {
      timeout: Duration.seconds(30),
      environment: {
        DEPOT_QUEUE_URL: this.migrationQueue.queueUrl,
        ...(props.chainWithSeeding ? { DEPOT_CHAIN_WITH_SEEDING: 'true' } : {}),
      },
      deadLetterQueue: this.undeliveredEvents,
    });
    this.migrationForwarder = forwarder.fn;
    forwarder.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ForwardToMigrationQueue',
        actions: ['sqs:SendMessage'],
        resources: [this.migrationQueue.queueArn],
      }),
    );

    if (!props.customEventBinding) {
      this.migrationRule = new events.Rule(this, 'MigrationPlanRule', {
        ruleName: `sdp-${envId}-migration-plan`,
        description: `Depot ${envId}: migration plans to be executed by the receiver`,
        eventBus: this.eventBus,
        eventPattern: {
          source: [EVENT_SOURCE],
          detailType: ['migration-plan'],
          detail: {
            environmentId: [envId],
            executionResponsibility: ['to-be-executed-by-receiver'],
          },
        },
      });
      // Datasets with customEventBinding are left to their own rule.
      (this.migrationRule.node.defaultChild as events.CfnRule).addPropertyOverride(
        'EventPattern.detail.datasetAlias',
        Lazy.any({
          produce: () =>
            this.customBoundAliases.length ? [{ 'anything-but': [...this.customBoundAliases].sort() }] : undefined,
        }),
      );
      this.migrationRule.addTarget(
        new targets.LambdaFunction(this.migrationForwarder, {
          deadLetterQueue: this.undeliveredEvents,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      );
    }

    // --- Runner: Batch on Fargate (arm64) ---------------------------------------------------------
    this.runnerLogGroup = this.logGroup('RunnerLogs', 'migration-runner');
    this.runnerImage = new ecrAssets.DockerImageAsset(this, 'RunnerImage', {
      directory: stageRunnerImageContext(this.artifactsDir),
      platform: ecrAssets.Platform.LINUX_ARM64,
    });
    this.runnerJobRole = new iam.Role(this, 'RunnerJobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Depot ${envId}: the migration runner (Batch job role)`,
    });
    this.runnerJobRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPlansAndEnvironmentDocuments',
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${environmentPrefix(envId)}/*`)],
      }),
    );
    this.runnerJobRole.addToPolicy(this.putEventsStatement(this.eventBus.eventBusArn));
    this.runnerExecutionRole = new iam.Role(this, 'RunnerExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Depot ${envId}: pulls the runner image, writes its logs`,
    });
    this.runnerImage.repository.grantPull(this.runnerExecutionRole);
    this.runnerExecutionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RunnerLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.runnerLogGroup.logGroupArn],
      }),
    );

    const compute = new batch.FargateComputeEnvironment(this, 'RunnerCompute', {
      computeEnvironmentName: `sdp-${envId}-runner`,
      vpc: props.vpc,
      vpcSubnets: subnets,
      securityGroups: [this.securityGroup],
      maxvCpus: this.runnerOptions.maxvCpus,
      spot: false,
    });
    this.jobQueue = new batch.JobQueue(this, 'RunnerQueue', {
      jobQueueName: `sdp-${envId}-migrations`,
      priority: 1,
      computeEnvironments: [{ computeEnvironment: compute, order: 1 }],
    });

    // --- Failures outside Depot's code: failed runner jobs, dead letters ---------------------------
    this.failureReporting = new FailureReporting(this, 'FailureReporting', {
      environmentId: envId,
      runnerArtifact: this.artifact('migration-runner'),
      vpc: props.vpc,
      vpcSubnets: subnets,
      securityGroup: this.securityGroup,
      bucket: this.bucket,
      eventBus: this.eventBus,
      deadLetterQueues: [this.migrationDeadLetters, this.undeliveredEvents],
      logRetention: this.logRetention,
    });

    // --- Runner state machine (also the manual re-run entry point) ---------------------------------
    this.runnerStateMachine = this.buildRunnerStateMachine();

    // --- Dispatcher: one express execution per batch of queue messages ---------------------------
    this.dispatcher = this.buildDispatcher(props.chainWithSeeding ?? false);

    // --- Pipe: FIFO queue -> dispatcher ----------------------------------------------------------
    const pipeLogs = this.logGroup('PipeLogs', 'migration-pipe');
    const pipeRole = new iam.Role(this, 'PipeRole', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
      description: `Depot ${envId}: moves queued migration plans to the dispatcher`,
    });
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ConsumeMigrationQueue',
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [this.migrationQueue.queueArn],
      }),
    );
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartDispatcher',
        actions: ['states:StartSyncExecution'],
        resources: [this.dispatcher.stateMachineArn],
      }),
    );
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PipeLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [pipeLogs.logGroupArn],
      }),
    );
    this.pipe = new pipes.CfnPipe(this, 'MigrationPipe', {
      name: `sdp-${envId}-migrations`,
      description: `Depot ${envId}: migration queue to dispatcher`,
      roleArn: pipeRole.roleArn,
      source: this.migrationQueue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 10 } },
      target: this.dispatcher.stateMachineArn,
      targetParameters: { stepFunctionStateMachineParameters: { invocationType: 'REQUEST_RESPONSE' } },
      logConfiguration: {
        level: 'ERROR',
        cloudwatchLogsLogDestination: { logGroupArn: pipeLogs.logGroupArn },
      },
      desiredState: 'RUNNING',
    });
    this.pipe.node.addDependency(pipeRole);

    // --- Failed lifecycle events, kept in a log group for the dashboard ---------------------------
    const failures = this.failureLog();

    // --- Dashboard and alarms ----------------------------------------------------------------------
    const built = this.buildDashboard(pipeLogs, failures);
    this.dashboard = built.dashboard;
    this.alarms = built.alarms;

    applyDepotSuppressions(this, envId);
  }

  /** The entity creator (ServiceToken) of an engine. */
  entityCreator(type: LocationType): lambda.Function {
    return this.creators[type];
  }

  entityCreatorRole(type: LocationType): iam.Role {
    return this.creatorRoles[type];
  }

  get entityCreatorRoles(): iam.Role[] {
    return [this.creatorRoles.postgres, this.creatorRoles.snowflake];
  }

  /** Statement for events:PutEvents on one bus. */
  putEventsStatement(eventBusArn: string): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'PutDepotEvents',
      actions: ['events:PutEvents'],
      resources: [eventBusArn],
    });
  }

  /** The Batch job definition the runner state machine submits for this alias. */
  jobDefinitionName(alias: string): string {
    return jobDefinitionName(this.environmentId, alias);
  }

  /** @internal called by Dataset: aliases are unique within an environment. */
  _registerAlias(alias: string, customEventBinding: boolean): void {
    if (this.aliases.has(alias)) {
      throw new Error(`dataset alias \`${alias}\` is used twice in environment ${this.environmentId}`);
    }
    this.aliases.add(alias);
    if (customEventBinding) this.customBoundAliases.push(alias);
  }

  private artifact(name: string): string {
    const dir = path.join(this.artifactsDir, name);
    if (!fs.existsSync(path.join(dir, 'bootstrap'))) {
      throw new Error(
        `${path.join(dir, 'bootstrap')} is missing: build the functions first (\`make lambdas\`, i.e. ` +
          '`cargo lambda build --release --arm64`), or point `artifactsDir` / DEPOT_ARTIFACTS_DIR at them',
      );
    }
    return dir;
  }

  private logGroup(id: string, name: string): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      logGroupName: `/depot/${this.environmentId}/${name}`,
      retention: this.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private lambdaFunction(
    id: string,
    artifact: string,
    opts: {
      timeout: Duration;
      environment: Record<string, string>;
      vpc?: ec2.IVpc;
      subnets?: ec2.SubnetSelection;
      deadLetterQueue?: sqs.IQueue;
    },
  ): { fn: lambda.Function; role: iam.Role } {
    const logGroup = this.logGroup(`${id}Logs`, artifact);
    // Own role with inline statements only: no AWS managed policies (AwsSolutions-IAM4).
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Depot ${this.environmentId}: ${artifact}`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    if (opts.vpc) {
      // What AWSLambdaVPCAccessExecutionRole grants: ENI management has no resource-level scope.
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'VpcNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    const fn = new lambda.Function(this, id, {
      functionName: `sdp-${this.environmentId}-${artifact}`,
      description: `Depot ${this.environmentId}: ${artifact}`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(this.artifact(artifact)),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      timeout: opts.timeout,
      memorySize: 512,
      environment: Object.keys(opts.environment).length ? opts.environment : undefined,
      vpc: opts.vpc,
      vpcSubnets: opts.vpc ? opts.subnets : undefined,
      securityGroups: opts.vpc ? [this.securityGroup] : undefined,
      deadLetterQueue: opts.deadLetterQueue,
    });
    return { fn, role };
  }

  private entityCreatorFunction(
    id: string,
    artifact: string,
    opts: { timeout: Duration; vpc: ec2.IVpc; subnets: ec2.SubnetSelection; environment: Record<string, string> },
  ): { fn: lambda.Function; role: iam.Role } {
    return this.lambdaFunction(`EntityCreator${id}`, artifact, opts);
  }

  private buildRunnerStateMachine(): sfn.StateMachine {
    const envId = this.environmentId;
    const stack = Stack.of(this);
    // SPEC §4: the plan key is sdp-<env>/migrations/<datasetId>_<alias>/<date>/<file>; an alias is
    // [A-Za-z][A-Za-z0-9]* (no `_`), so the third segment split on `_` gives the alias back.
    const locate = new sfn.Pass(this, 'LocateDatasetJob', {
      comment: 'The job definition of the dataset, from the plan key; the payload as one JSON string',
      parameters: {
        'datasetId.$': '$.datasetId',
        'alias.$':
          "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.migrationPlanKey, '/'), 2), '_'), 1)",
        'payload.$': 'States.JsonToString($)',
      },
    });
    const submit = new sfn.CustomState(this, 'RunMigrationJob', {
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
    const failed = new sfn.Fail(this, 'MigrationFailed', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' });
    submit.addCatch(this.failureReporting.reportThenFail(failed), { errors: ['States.ALL'], resultPath: '$.failure' });
    const definition = locate.next(submit).next(new sfn.Succeed(this, 'MigrationSucceeded'));

    const sm = new sfn.StateMachine(this, 'RunnerStateMachine', {
      stateMachineName: runnerStateMachineName(envId),
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: this.runnerOptions.jobTimeout.plus(Duration.hours(2)),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup('RunnerStateMachineLogs', 'migration-runner-state-machine'),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    const arn = (resource: string, name: string) =>
      stack.formatArn({ service: 'batch', resource, resourceName: name });
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SubmitDatasetJobs',
        actions: ['batch:SubmitJob'],
        resources: [
          this.jobQueue.jobQueueArn,
          arn('job-definition', `sdp-${envId}-ds-*`),
          arn('consumable-resource', `sdp-${envId}-*`),
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

  private buildDispatcher(chainWithSeeding: boolean): sfn.StateMachine {
    // The pipe hands over a batch of SQS records. The forwarder's message body is the runner
    // payload (SPEC §8) as JSON text; a body holding the migration-plan event itself (SPEC §6),
    // e.g. from a user's own rule straight to the queue, is turned into that payload here.
    // Pipes may already have parsed a JSON body: both forms are accepted.
    const fromEvent = new sfn.Pass(this, 'PayloadFromEvent', {
      comment: 'SPEC §8 payload from a migration-plan event',
      parameters: {
        'eventId.$': '$.body.id',
        'datasetId.$': '$.body.detail.datasetId',
        'migrationPlanBucket.$': '$.body.detail.migrationPlanBucket',
        migrationPlanPrefix: '',
        'migrationPlanKey.$': '$.body.detail.migrationPlanKey',
        chainWithSeeding,
      },
    });
    const asPayload = new sfn.Pass(this, 'PayloadAsSent', { comment: 'The body is the SPEC §8 payload', outputPath: '$.body' });
    const shape = new sfn.Choice(this, 'BodyIsEvent')
      .when(sfn.Condition.isPresent('$.body.detail'), fromEvent)
      .otherwise(asPayload);
    const parse = new sfn.Pass(this, 'ParseBody', { parameters: { 'body.$': 'States.StringToJson($.body)' } });
    parse.next(shape);
    const start = new tasks.StepFunctionsStartExecution(this, 'StartMigrationRun', {
      comment: 'Execution name = <datasetId>-<eventId>: a second delivery of one event starts nothing',
      stateMachine: this.runnerStateMachine,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      name: sfn.JsonPath.format('{}-{}', sfn.JsonPath.stringAt('$.datasetId'), sfn.JsonPath.stringAt('$.eventId')),
      input: sfn.TaskInput.fromJsonPathAt('$'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    start.addCatch(new sfn.Pass(this, 'AlreadyStarted', { comment: 'Debounced on the event id' }), {
      errors: ['StepFunctions.ExecutionAlreadyExistsException'],
    });
    fromEvent.next(start);
    asPayload.next(start);
    const perMessage = new sfn.Choice(this, 'BodyIsText')
      .when(sfn.Condition.isString('$.body'), parse)
      .otherwise(shape);
    const map = new sfn.Map(this, 'EachQueuedPlan', { itemsPath: '$', maxConcurrency: 10, resultPath: sfn.JsonPath.DISCARD });
    map.itemProcessor(perMessage);
    return new sfn.StateMachine(this, 'Dispatcher', {
      stateMachineName: `sdp-${this.environmentId}-migration-dispatcher`,
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(map),
      timeout: Duration.minutes(1),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup('DispatcherLogs', 'migration-dispatcher'),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
  }

  private failureLog(): logs.LogGroup {
    const group = this.logGroup('FailureLog', 'migration-failures');
    const stack = Stack.of(this);
    new logs.ResourcePolicy(this, 'FailureLogPolicy', {
      resourcePolicyName: `sdp-${this.environmentId}-migration-failures`,
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [group.logGroupArn],
        }),
      ],
    });
    const rule = new events.Rule(this, 'FailureRule', {
      ruleName: `sdp-${this.environmentId}-migration-failed`,
      description: `Depot ${this.environmentId}: failed migrations, kept for the dashboard`,
      eventBus: this.eventBus,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: ['migration-lifecycle'],
        detail: { type: ['lifecycle'], environmentId: [this.environmentId], event: ['failed'] },
      },
    });
    const target = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: group.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    rule.addTarget({ bind: () => ({ arn: target }) });
    return group;
  }

  private buildDashboard(
    pipeLogs: logs.LogGroup,
    failures: logs.LogGroup,
  ): { dashboard: cloudwatch.Dashboard; alarms: cloudwatch.Alarm[] } {
    const envId = this.environmentId;
    const period = Duration.minutes(5);
    const runnerFailed = this.runnerStateMachine.metricFailed({ period, statistic: 'Sum' });
    const runnerTimedOut = this.runnerStateMachine.metricTimedOut({ period, statistic: 'Sum' });
    const runnerSucceeded = this.runnerStateMachine.metricSucceeded({ period, statistic: 'Sum' });
    const dlqDepth = this.migrationDeadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Max' });
    const undelivered = this.undeliveredEvents.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Max' });
    const arrivals = this.failureReporting.deadLetterArrivals(period);
    const pipeFailed = new cloudwatch.Metric({
      namespace: 'AWS/EventBridge/Pipes',
      metricName: 'ExecutionFailed',
      dimensionsMap: { PipeName: `sdp-${envId}-migrations` },
      period,
      statistic: 'Sum',
    });
    const failedEvents = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensionsMap: { RuleName: `sdp-${envId}-migration-failed` },
      period,
      statistic: 'Sum',
      label: 'failed lifecycle events',
    });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `sdp-${envId}-migrations`,
      defaultInterval: Duration.days(1),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# Depot ${envId}: migration errors\n` +
          `Re-run a migration: start \`${runnerStateMachineName(envId)}\` with the SPEC §8 payload.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failed migrations (lifecycle `failed` events)',
        left: [failedEvents],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Runner executions',
        left: [runnerFailed, runnerTimedOut],
        right: [runnerSucceeded],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stuck before the runner',
        left: [dlqDepth, undelivered, pipeFailed],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: [this.auroraEntityCreator, this.snowflakeEntityCreator, this.migrationForwarder].map((f) =>
          f.metricErrors({ period, statistic: 'Sum', label: f.node.id }),
        ),
        right: [this.dispatcher.metricFailed({ period, statistic: 'Sum', label: 'dispatcher failed' })],
        width: 8,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Latest failed migrations',
        logGroupNames: [failures.logGroupName],
        queryLines: [
          'fields @timestamp, detail.datasetAlias, detail.datasetId, detail.datasetVersionHash, detail.error',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 16,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Runner errors',
        logGroupNames: [this.runnerLogGroup.logGroupName, pipeLogs.logGroupName],
        queryLines: ['fields @timestamp, @logStream, @message', 'filter @message like /(?i)error|fail/', 'sort @timestamp desc', 'limit 50'],
        width: 24,
      }),
    );
    const alarms = [
      new cloudwatch.Alarm(this, 'RunnerFailedAlarm', {
        alarmName: `sdp-${envId}-migration-runner-failed`,
        alarmDescription: `Depot ${envId}: a migration run failed or timed out`,
        metric: new cloudwatch.MathExpression({
          expression: 'failed + timedOut',
          usingMetrics: { failed: runnerFailed, timedOut: runnerTimedOut },
          period,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
        alarmName: `sdp-${envId}-migration-dead-letters`,
        alarmDescription: `Depot ${envId}: migration plans or events that never reached the runner`,
        metric: new cloudwatch.MathExpression({
          // Messages still waiting, and those the failure reporter took (it empties the queues).
          expression: ['dlq', 'undelivered', ...arrivals.map((_, i) => `arrived${i}`)].map((m) => `FILL(${m}, 0)`).join(' + '),
          usingMetrics: {
            dlq: dlqDepth,
            undelivered,
            ...Object.fromEntries(arrivals.map((m, i) => [`arrived${i}`, m])),
          },
          period,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 }));
    return { dashboard, alarms };
  }
}

/** `props` > DEPOT_ARTIFACTS_DIR > `<repository>/target/lambda`. */
export function resolveArtifactsDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.DEPOT_ARTIFACTS_DIR) return path.resolve(process.env.DEPOT_ARTIFACTS_DIR);
  return path.join(findUp(__dirname, 'Cargo.toml') ?? path.resolve(__dirname, '..', '..', '..'), 'target', 'lambda');
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
