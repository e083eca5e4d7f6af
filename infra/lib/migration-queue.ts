import { Construct } from 'constructs';
import { Duration, Lazy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EnvironmentBasics, depotFunction } from './functions';
import { EVENT_SOURCE, migrationDeadLetterQueueName, migrationQueueName, migrationRuleName } from './names';

export interface MigrationQueueProps extends EnvironmentBasics {
  readonly artifactsDir: string;
  readonly eventBus: events.IEventBus;
  /** No rule at all: the user binds their own rule to the forwarder. */
  readonly customEventBinding: boolean;
  /** DEPOT_CHAIN_WITH_SEEDING of the forwarder. */
  readonly chainWithSeeding: boolean;
  /**
   * The aliases of the datasets with their own rule, read when the template is written (datasets
   * register after the environment is built): the rule excludes them.
   */
  readonly customBoundAliases: () => string[];
}

/**
 * The entry of the asynchronous pipeline: the migration-plan rule on the environment's bus ->
 * the forwarder (`sdp-<env>-migration-forwarder`) -> the FIFO queue `sdp-<env>-migrations.fifo`
 * (message group = dataset id, deduplication id = sha256 of the event detail) and its FIFO DLQ;
 * events the forwarder could not take go to `undeliveredEvents`.
 *
 * Built directly in `scope` (the DepotEnvironment): see BootstrapBucket.
 */
export class MigrationQueue {
  /** Events the forwarder could not take (rule target DLQ and the forwarder's async DLQ). */
  readonly undeliveredEvents: sqs.Queue;
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly forwarder: lambda.Function;
  /** Undefined with `customEventBinding`. */
  readonly rule?: events.Rule;

  constructor(scope: Construct, props: MigrationQueueProps) {
    const envId = props.environmentId;
    this.undeliveredEvents = new sqs.Queue(scope, 'UndeliveredEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.minutes(6), // the failure reporter consumes it (6 x its timeout)
    });
    this.deadLetters = new sqs.Queue(scope, 'MigrationDeadLetters', {
      queueName: migrationDeadLetterQueueName(envId),
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.minutes(6), // the failure reporter consumes it (6 x its timeout)
    });
    this.queue = new sqs.Queue(scope, 'MigrationQueue', {
      queueName: migrationQueueName(envId),
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
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });

    const forwarder = depotFunction(scope, 'Forwarder', {
      ...props,
      artifact: 'migration-forwarder',
      timeout: Duration.seconds(30),
      environment: {
        DEPOT_QUEUE_URL: this.queue.queueUrl,
        ...(props.chainWithSeeding ? { DEPOT_CHAIN_WITH_SEEDING: 'true' } : {}),
      },
      deadLetterQueue: this.undeliveredEvents,
    });
    this.forwarder = forwarder.fn;
    forwarder.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ForwardToMigrationQueue',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );

    if (!props.customEventBinding) {
      this.rule = new events.Rule(scope, 'MigrationPlanRule', {
        ruleName: migrationRuleName(envId),
        description: `Depot ${envId}: migration plans to be executed by the receiver`,
        eventBus: props.eventBus,
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
      (this.rule.node.defaultChild as events.CfnRule).addPropertyOverride(
        'EventPattern.detail.datasetAlias',
        Lazy.any({
          produce: () => {
            const aliases = props.customBoundAliases();
            return aliases.length ? [{ 'anything-but': [...aliases].sort() }] : undefined;
          },
        }),
      );
      this.rule.addTarget(
        new targets.LambdaFunction(this.forwarder, {
          deadLetterQueue: this.undeliveredEvents,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      );
    }
  }
}
