import { Construct } from 'constructs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { artifactPath, resolveArtifactsDir } from './artifacts';
import { BootstrapBucket } from './bootstrap-bucket';
import { MigrationDispatcher } from './dispatcher';
import { EntityCreators } from './entity-creators';
import { FailureReporting } from './failure-reporting';
import { EnvironmentBasics } from './functions';
import { putEventsStatement } from './grants';
import type { LocationType } from './location';
import { MigrationQueue } from './migration-queue';
import { Monitoring } from './monitoring';
import { applyDepotSuppressions } from './nag';
import { checkEnvironmentId, jobDefinitionName } from './names';
import { MigrationRunner, RunnerOptions, runnerOptionsWithDefaults } from './runner';


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
  /**
   * The dashboard calls a dataset stuck when its latest lifecycle event has been `desired` or
   * `attempted` for longer than this. @default 2 hours
   */
  readonly stuckAfter?: Duration;
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
  /** `/depot/<environmentId>/bootstrap-bucket`: the bucket's name, for the `depot` CLI. */
  readonly bootstrapBucketParameter: ssm.StringParameter;
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

  constructor(scope: Construct, id: string, props: DepotEnvironmentProps) {
    super(scope, id);
    const envId = checkEnvironmentId(props.environmentId);
    this.environmentId = envId;
    this.vpc = props.vpc;
    const basics: EnvironmentBasics = {
      environmentId: envId,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    };
    this.artifactsDir = resolveArtifactsDir(props.artifactsDir);
    const creatorTimeout = props.entityCreatorTimeout ?? Duration.minutes(14);
    this.serviceTimeout = props.serviceTimeout ?? Duration.minutes(15);
    if (this.serviceTimeout.toSeconds() > 3600 || this.serviceTimeout.toSeconds() <= creatorTimeout.toSeconds()) {
      throw new Error(
        `serviceTimeout (${this.serviceTimeout.toSeconds()} s) must exceed entityCreatorTimeout ` +
          `(${creatorTimeout.toSeconds()} s) and be at most 3600 s`,
      );
    }
    this.runnerOptions = runnerOptionsWithDefaults(props.runner);
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    // Every part is built in this scope (not as a child construct): the logical ids stay those of
    // an environment deployed before the split (see BootstrapBucket).
    const storage = new BootstrapBucket(this, {
      environmentId: envId,
      bucketName: props.bootstrapBucketName,
      removalPolicy: props.bucketRemovalPolicy,
    });
    this.bucket = storage.bucket;
    this.accessLogsBucket = storage.accessLogsBucket;
    this.bootstrapBucketParameter = storage.parameter;

    this.securityGroup = new ec2.SecurityGroup(this, 'ComputeSecurityGroup', {
      vpc: props.vpc,
      description: `Depot ${envId}: entity creators and migration runner jobs`,
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    const network = { vpc: props.vpc, subnets, securityGroup: this.securityGroup };

    const creators = new EntityCreators(this, {
      ...basics,
      ...network,
      artifactsDir: this.artifactsDir,
      bucket: this.bucket,
      eventBus: this.eventBus,
      timeout: creatorTimeout,
      rdsCaBundlePath: props.rdsCaBundlePath,
    });
    this.creators = creators.functions;
    this.creatorRoles = creators.roles;
    this.auroraEntityCreator = creators.functions.postgres;
    this.snowflakeEntityCreator = creators.functions.snowflake;

    const queue = new MigrationQueue(this, {
      ...basics,
      artifactsDir: this.artifactsDir,
      eventBus: this.eventBus,
      customEventBinding: props.customEventBinding ?? false,
      chainWithSeeding: props.chainWithSeeding ?? false,
      customBoundAliases: () => this.customBoundAliases,
    });
    this.undeliveredEvents = queue.undeliveredEvents;
    this.migrationQueue = queue.queue;
    this.migrationDeadLetters = queue.deadLetters;
    this.migrationForwarder = queue.forwarder;
    this.migrationRule = queue.rule;

    // Failures outside Depot's code: failed runner jobs, dead letters.
    this.failureReporting = new FailureReporting(this, 'FailureReporting', {
      environmentId: envId,
      runnerArtifact: artifactPath(this.artifactsDir, 'migration-runner'),
      vpc: props.vpc,
      vpcSubnets: subnets,
      securityGroup: this.securityGroup,
      bucket: this.bucket,
      eventBus: this.eventBus,
      deadLetterQueues: [this.migrationDeadLetters, this.undeliveredEvents],
      logRetention: basics.logRetention,
    });

    const runner = new MigrationRunner(this, {
      ...basics,
      ...network,
      artifactsDir: this.artifactsDir,
      bucket: this.bucket,
      eventBus: this.eventBus,
      options: this.runnerOptions,
      failureReporting: this.failureReporting,
    });
    this.runnerLogGroup = runner.logGroup;
    this.runnerImage = runner.image;
    this.runnerJobRole = runner.jobRole;
    this.runnerExecutionRole = runner.executionRole;
    this.jobQueue = runner.jobQueue;
    this.runnerStateMachine = runner.stateMachine;

    const dispatcher = new MigrationDispatcher(this, {
      ...basics,
      migrationQueue: this.migrationQueue,
      runnerStateMachine: this.runnerStateMachine,
      chainWithSeeding: props.chainWithSeeding ?? false,
    });
    this.dispatcher = dispatcher.stateMachine;
    this.pipe = dispatcher.pipe;

    const monitoring = new Monitoring(this, {
      ...basics,
      eventBus: this.eventBus,
      auroraEntityCreator: this.auroraEntityCreator,
      snowflakeEntityCreator: this.snowflakeEntityCreator,
      migrationForwarder: this.migrationForwarder,
      undeliveredEvents: this.undeliveredEvents,
      migrationDeadLetters: this.migrationDeadLetters,
      dispatcher: this.dispatcher,
      runnerStateMachine: this.runnerStateMachine,
      runnerLogGroup: this.runnerLogGroup,
      pipeLogs: dispatcher.pipeLogs,
      auroraEntityCreatorLogs: creators.logGroups.postgres,
      snowflakeEntityCreatorLogs: creators.logGroups.snowflake,
      stuckAfter: props.stuckAfter ?? Duration.hours(2),
      failureReporting: this.failureReporting,
    });
    this.dashboard = monitoring.dashboard;
    this.alarms = monitoring.alarms;

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
    return putEventsStatement(eventBusArn);
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
}
