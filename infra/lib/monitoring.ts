import { Construct } from 'constructs';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { FailureReporting } from './failure-reporting';
import { EnvironmentBasics, depotLogGroup } from './functions';
import {
  EVENT_SOURCE,
  dashboardName,
  deadLettersAlarmName,
  failureLogPolicyName,
  failureRuleName,
  lifecycleRuleName,
  metricNamespace,
  migrationPipeName,
  runnerFailedAlarmName,
  runnerStateMachineName,
} from './names';

/** What the dashboard and the alarms watch: the other parts of the environment. */
export interface MonitoringProps extends EnvironmentBasics {
  readonly eventBus: events.IEventBus;
  readonly auroraEntityCreator: lambda.IFunction;
  readonly snowflakeEntityCreator: lambda.IFunction;
  readonly migrationForwarder: lambda.IFunction;
  readonly undeliveredEvents: sqs.IQueue;
  readonly migrationDeadLetters: sqs.IQueue;
  readonly dispatcher: sfn.IStateMachine;
  readonly runnerStateMachine: sfn.IStateMachine;
  readonly runnerLogGroup: logs.ILogGroup;
  readonly pipeLogs: logs.ILogGroup;
  readonly auroraEntityCreatorLogs: logs.ILogGroup;
  readonly snowflakeEntityCreatorLogs: logs.ILogGroup;
  /** A dataset whose latest lifecycle event is desired/attempted for longer is stuck. */
  readonly stuckAfter: Duration;
  /** Counts the dead letters its reporter takes off the queues (for the dead-letters alarm). */
  readonly failureReporting: FailureReporting;
}

/**
 * What an operator looks at: the failure log `/depot/<env>/migration-failures` (a rule keeps the
 * `failed` lifecycle events there), the dashboard `sdp-<env>-migrations`, and the alarms
 * `sdp-<env>-migration-runner-failed` and `sdp-<env>-migration-dead-letters`.
 *
 * Built directly in `scope` (the DepotEnvironment): see BootstrapBucket.
 */
export class Monitoring {
  /** `/depot/<env>/migration-failures`: the `failed` lifecycle events. */
  failureLog!: logs.LogGroup;
  /** `/depot/<env>/migration-lifecycle`: every lifecycle event of the environment. */
  lifecycleLog!: logs.LogGroup;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];
  private readonly environmentId: string;
  private readonly basics: EnvironmentBasics;

  constructor(scope: Construct, props: MonitoringProps) {
    this.environmentId = props.environmentId;
    this.basics = { environmentId: props.environmentId, logRetention: props.logRetention };
    this.keepLifecycleEvents(scope, props.eventBus);
    const built = this.buildDashboard(scope, props, this.failureLog);
    this.dashboard = built.dashboard;
    this.alarms = built.alarms;
  }

  /**
   * Rules that keep lifecycle events in log groups: the `failed` ones in the failure log, every one
   * in the lifecycle log (what the "waiting" widget reads). One CloudWatch Logs resource policy
   * lets EventBridge write both (10 such policies per account and Region).
   */
  private keepLifecycleEvents(scope: Construct, eventBus: events.IEventBus): void {
    const stack = Stack.of(scope);
    const envId = this.environmentId;
    const failures = depotLogGroup(scope, 'FailureLog', this.basics, 'migration-failures');
    const lifecycle = depotLogGroup(scope, 'LifecycleLog', this.basics, 'migration-lifecycle');
    new logs.ResourcePolicy(scope, 'FailureLogPolicy', {
      resourcePolicyName: failureLogPolicyName(envId),
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [failures.logGroupArn, lifecycle.logGroupArn],
        }),
      ],
    });
    const keep = (id: string, ruleName: string, description: string, group: logs.LogGroup, wanted?: string[]) => {
      const rule = new events.Rule(scope, id, {
        ruleName,
        description,
        eventBus,
        eventPattern: {
          source: [EVENT_SOURCE],
          detailType: ['migration-lifecycle'],
          detail: { type: ['lifecycle'], environmentId: [envId], ...(wanted ? { event: wanted } : {}) },
        },
      });
      const target = stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: group.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      rule.addTarget({ bind: () => ({ arn: target }) });
    };
    keep('FailureRule', failureRuleName(envId), `Depot ${envId}: failed migrations, kept for the dashboard`, failures, ['failed']);
    keep('LifecycleRule', lifecycleRuleName(envId), `Depot ${envId}: lifecycle events, kept for the dashboard`, lifecycle);
    this.failureLog = failures;
    this.lifecycleLog = lifecycle;
  }

  private buildDashboard(
    scope: Construct,
    parts: MonitoringProps,
    failures: logs.LogGroup,
  ): { dashboard: cloudwatch.Dashboard; alarms: cloudwatch.Alarm[] } {
    const envId = this.environmentId;
    const period = Duration.minutes(5);
    const runnerFailed = parts.runnerStateMachine.metricFailed({ period, statistic: 'Sum' });
    const runnerTimedOut = parts.runnerStateMachine.metricTimedOut({ period, statistic: 'Sum' });
    const runnerSucceeded = parts.runnerStateMachine.metricSucceeded({ period, statistic: 'Sum' });
    const dlqDepth = parts.migrationDeadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Max' });
    const undelivered = parts.undeliveredEvents.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Max' });
    const arrivals = parts.failureReporting.deadLetterArrivals(period);
    const pipeFailed = new cloudwatch.Metric({
      namespace: 'AWS/EventBridge/Pipes',
      metricName: 'ExecutionFailed',
      dimensionsMap: { PipeName: migrationPipeName(envId) },
      period,
      statistic: 'Sum',
    });
    const failedEvents = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensionsMap: { RuleName: failureRuleName(envId) },
      period,
      statistic: 'Sum',
      label: 'failed lifecycle events',
    });
    const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
      dashboardName: dashboardName(envId),
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
        left: [parts.auroraEntityCreator, parts.snowflakeEntityCreator, parts.migrationForwarder].map((f) =>
          f.metricErrors({ period, statistic: 'Sum', label: f.node.id }),
        ),
        right: [parts.dispatcher.metricFailed({ period, statistic: 'Sum', label: 'dispatcher failed' })],
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
        logGroupNames: [parts.runnerLogGroup.logGroupName, parts.pipeLogs.logGroupName],
        queryLines: ['fields @timestamp, @logStream, @message', 'filter @message like /(?i)error|fail/', 'sort @timestamp desc', 'limit 50'],
        width: 24,
      }),
    );
    this.addEntityCreatorWidgets(scope, dashboard, parts, period);
    this.addWaitingWidgets(dashboard, parts);
    const alarms = [
      new cloudwatch.Alarm(scope, 'RunnerFailedAlarm', {
        alarmName: runnerFailedAlarmName(envId),
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
      new cloudwatch.Alarm(scope, 'DeadLettersAlarm', {
        alarmName: deadLettersAlarmName(envId),
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

  /**
   * Entity creator errors and plans refused for hazards. The entity creators (depot-lambda) write
   * one JSON object a line (tracing's JSON format: `level`, `fields.message`, `fields.reason`,
   * `span`), which Lambda's JSON log format keeps as is. A request answered FAILED to
   * CloudFormation is logged at ERROR as `request failed` with the reason; Lambda's own Errors
   * metric does not count it (the function itself succeeded), hence the metric filter.
   */
  private addEntityCreatorWidgets(scope: Construct, dashboard: cloudwatch.Dashboard, parts: MonitoringProps, period: Duration): void {
    const namespace = metricNamespace(this.environmentId);
    const groups = [parts.auroraEntityCreatorLogs, parts.snowflakeEntityCreatorLogs];
    groups.forEach(
      (group, i) =>
        new logs.MetricFilter(scope, `EntityCreatorErrorFilter${i === 0 ? 'Aurora' : 'Snowflake'}`, {
          logGroup: group,
          filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
          metricNamespace: namespace,
          metricName: ENTITY_CREATOR_ERRORS_METRIC,
          metricValue: '1',
        }),
    );
    const creatorErrors = new cloudwatch.Metric({
      namespace,
      metricName: ENTITY_CREATOR_ERRORS_METRIC,
      period,
      statistic: 'Sum',
      label: 'ERROR log lines (both entity creators)',
    });
    const groupNames = groups.map((g) => g.logGroupName);
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '## Entity creators (Custom::DepotDataset)\n' +
          'Errors: every ERROR line the entity creators log, among them `request failed` (the stack gets FAILED, ' +
          "with the reason). Hazard refusals: plans refused because they carry hazards the dataset's " +
          '`allowedHazards` does not allow (nothing was changed; the reason lists the steps and hazards), from the ' +
          'entity creators and from the migration runner. Both read the logs: a function that never ran ' +
          '(throttled, no permission to write its logs) shows nowhere here; see "Function errors".',
        width: 24,
        height: 3,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Entity creator errors', left: [creatorErrors], width: 8 }),
      new cloudwatch.LogQueryWidget({
        title: 'Latest entity creator errors',
        logGroupNames: groupNames,
        queryLines: [
          'fields @timestamp, @log, fields.message, fields.reason, fields.error',
          'filter level = "ERROR"',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 16,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Plans refused for hazards',
        logGroupNames: [...groupNames, parts.runnerLogGroup.logGroupName],
        queryLines: [
          'fields @timestamp, @log, @message',
          `filter @message like /${HAZARD_REFUSAL}/`,
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 24,
      }),
    );
  }

  /**
   * Datasets whose latest lifecycle event is `desired` or `attempted`: a migration planned or
   * running, or stuck. Logs Insights has no "now" to compare with, so the widget lists them all with
   * the time of that event, oldest first, and says which are stuck: those older than `stuckAfter`.
   */
  private addWaitingWidgets(dashboard: cloudwatch.Dashboard, parts: MonitoringProps): void {
    const after = describeDuration(parts.stuckAfter);
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '## Migrations waiting or stuck\n' +
          'Per dataset, the latest lifecycle event in the time range when it is `desired` (planned, not started) or ' +
          `\`attempted\` (running), with its time, oldest first. **Stuck: a row whose \`since\` is more than ${after} ` +
          'ago** (this environment\'s `stuckAfter`); younger rows are migrations in progress. It cannot show a dataset ' +
          'whose latest event is older than the time range (widen the range), and it reads only the events Depot ' +
          'sent: a runner that died without a `failed` event stays `attempted`.',
        width: 24,
        height: 3,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: `Waiting migrations (stuck when older than ${after})`,
        logGroupNames: [this.lifecycleLog.logGroupName],
        queryLines: [
          'fields detail.datasetAlias as alias, detail.datasetId as datasetId, detail.event as event',
          'stats latest(event) as lastEvent, max(@timestamp) as since by alias, datasetId',
          'filter lastEvent = "desired" or lastEvent = "attempted"',
          'sort since asc',
          'limit 100',
        ],
        width: 24,
      }),
    );
  }
}

/** The metric the entity creators' ERROR lines feed (namespace `Depot/<env>`). */
export const ENTITY_CREATOR_ERRORS_METRIC = 'EntityCreatorErrors';

/**
 * What a refused plan says (depot-core's RefusedPlan, shown by the entity creators' `request failed`
 * reason and the runner's error): "... carry hazards that migrationOptions.allowedHazards does not allow".
 */
export const HAZARD_REFUSAL = 'allowedHazards does not allow';

function describeDuration(d: Duration): string {
  const minutes = d.toMinutes();
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
