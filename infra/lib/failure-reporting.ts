import { Construct } from 'constructs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { EVENT_SOURCE, environmentPrefix, functionName, logGroupName } from './names';

/** The reporter's name in `sdp-<env>-<name>` and `/depot/<env>/<name>`: migration-runner's Lambda mode. */
const FAILURE_REPORTER = 'failure-reporter';

/** The runner state machine's job task may run this long beyond `runner.jobTimeout` (time queued in Batch). */
export const JOB_QUEUE_ALLOWANCE = Duration.hours(1);

/** How long the failure reporter waits for a dataset's lock (a run still holding it). */
const REPORTER_LOCK_WAIT = Duration.seconds(20);
const REPORTER_TIMEOUT = Duration.minutes(1);

export interface FailureReportingProps {
  readonly environmentId: string;
  /** The `migration-runner` artifact folder (`<dir>/bootstrap`): the reporter is its Lambda mode. */
  readonly runnerArtifact: string;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly bucket: s3.IBucket;
  /** The environment's bus: where failures without a readable plan are announced. */
  readonly eventBus: events.IEventBus;
  /** Every message reaching one of these is reported as a failed migration. */
  readonly deadLetterQueues: sqs.IQueue[];
  readonly logRetention: logs.RetentionDays;
}

/**
 * Every failure of the asynchronous chain is announced (a `failed` lifecycle event) and recorded
 * in the dataset's state, including those outside Depot's code:
 * - the runner state machine catches any failure of its Batch job (timeout, out-of-memory kill,
 *   image pull failure, non-zero exit) and passes it to the failure reporter, `migration-runner`
 *   in its Lambda mode `DEPOT_RUNNER_MODE=failure-reporter`, which records the failure through
 *   the lifecycle (idempotently) and sends the event; should the reporter fail, the state
 *   machine sends the `failed` event itself; either way the execution ends Failed (the
 *   RunnerFailed alarm);
 * - each message that reaches a dead-letter queue is reported the same way (the reporter is
 *   their SQS consumer), and counts in the dead-letters alarm (`deadLetterArrivals`).
 */
export class FailureReporting extends Construct {
  readonly reporter: lambda.Function;
  readonly role: iam.Role;
  private readonly environmentId: string;
  private readonly eventBus: events.IEventBus;
  private readonly deadLetterQueues: sqs.IQueue[];

  constructor(scope: Construct, id: string, props: FailureReportingProps) {
    super(scope, id);
    const envId = props.environmentId;
    this.environmentId = envId;
    this.eventBus = props.eventBus;
    this.deadLetterQueues = props.deadLetterQueues;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: logGroupName(envId, FAILURE_REPORTER),
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Depot ${envId}: failure reporter (records and announces failed migrations)`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.role.addToPolicy(
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
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPlansAndEnvironmentDocuments',
        actions: ['s3:GetObject'],
        resources: [props.bucket.arnForObjects(`${environmentPrefix(envId)}/*`)],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PutDepotEvents',
        actions: ['events:PutEvents'],
        resources: [props.eventBus.eventBusArn],
      }),
    );
    this.reporter = new lambda.Function(this, 'Function', {
      functionName: functionName(envId, FAILURE_REPORTER),
      description: `Depot ${envId}: records and announces failed migrations (runner jobs, dead letters)`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(props.runnerArtifact),
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      timeout: REPORTER_TIMEOUT,
      memorySize: 512,
      environment: {
        DEPOT_RUNNER_MODE: 'failure-reporter',
        DEPOT_ENVIRONMENT_ID: envId,
        DEPOT_EVENT_BUS_ARN: props.eventBus.eventBusArn,
        DEPOT_LOCK_WAIT_SECS: `${REPORTER_LOCK_WAIT.toSeconds()}`,
      },
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
    });
    for (const queue of props.deadLetterQueues) {
      // One message at a time keeps a FIFO dead-letter queue's order and bounds a retry to it.
      this.reporter.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true }));
    }
  }

  /**
   * The states the runner state machine goes to when its job failed (the failure at
   * `$.failure`, the payload as JSON text at `$.payload`): report it, or announce it when the
   * report failed, then `failed`.
   */
  reportThenFail(failed: sfn.Fail): sfn.IChainable {
    const report = new tasks.LambdaInvoke(this, 'ReportMigrationFailure', {
      comment: 'Records the failure in the dataset state and sends the failed event (migration-runner failure-reporter mode)',
      lambdaFunction: this.reporter,
      payload: sfn.TaskInput.fromObject({
        payload: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.payload')),
        error: sfn.JsonPath.stringAt('$.failure.Error'),
        cause: sfn.JsonPath.stringAt('$.failure.Cause'),
      }),
      resultSelector: { 'answer.$': '$.Payload' },
      resultPath: '$.report',
      taskTimeout: sfn.Timeout.duration(REPORTER_TIMEOUT.plus(Duration.seconds(30))),
      retryOnServiceExceptions: true,
    });
    // The reporter failed: nothing is recorded, but the failure is still announced (on the
    // environment's bus, with what the state machine knows: no version, no migration id).
    const announce = new tasks.EventBridgePutEvents(this, 'AnnounceMigrationFailure', {
      comment: 'The failure reporter failed: the failed event is sent from here, the state is not recorded',
      entries: [
        {
          eventBus: this.eventBus,
          source: EVENT_SOURCE,
          detailType: 'migration-lifecycle',
          detail: sfn.TaskInput.fromObject({
            type: 'lifecycle',
            environmentId: this.environmentId,
            datasetId: sfn.JsonPath.stringAt('$.datasetId'),
            datasetAlias: sfn.JsonPath.stringAt('$.alias'),
            environmentUri: '',
            datasetVersionHash: '',
            event: 'failed',
            error: sfn.JsonPath.format(
              'the migration job failed ({}) and recording the failure failed too ({}): the dataset state was not updated; see the runner state machine execution {}',
              sfn.JsonPath.stringAt('$.failure.Error'),
              sfn.JsonPath.stringAt('$.reportFailure.Error'),
              sfn.JsonPath.executionId,
            ),
          }),
        },
      ],
      resultPath: sfn.JsonPath.DISCARD,
    });
    report.addCatch(announce, { errors: ['States.ALL'], resultPath: '$.reportFailure' });
    announce.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.announceFailure' });
    report.next(failed);
    announce.next(failed);
    return report;
  }

  /** Messages the reporter took from each dead-letter queue (a consumed one is never "visible"). */
  deadLetterArrivals(period: Duration): cloudwatch.IMetric[] {
    return this.deadLetterQueues.map((queue) =>
      queue.metricNumberOfMessagesReceived({ period, statistic: 'Sum' }),
    );
  }
}
