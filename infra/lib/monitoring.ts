import { Construct } from 'constructs';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { EnvironmentBasics, depotLogGroup } from './functions';
import {
  EVENT_SOURCE,
  dashboardName,
  deadLettersAlarmName,
  failureLogPolicyName,
  failureRuleName,
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
}

/**
 * What an operator looks at: the failure log `/depot/<env>/migration-failures` (a rule keeps the
 * `failed` lifecycle events there), the dashboard `sdp-<env>-migrations`, and the alarms
 * `sdp-<env>-migration-runner-failed` and `sdp-<env>-migration-dead-letters`.
 *
 * Built directly in `scope` (the DepotEnvironment): see BootstrapBucket.
 */
export class Monitoring {
  readonly failureLog: logs.LogGroup;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];
  private readonly environmentId: string;
  private readonly basics: EnvironmentBasics;

  constructor(scope: Construct, props: MonitoringProps) {
    this.environmentId = props.environmentId;
    this.basics = { environmentId: props.environmentId, logRetention: props.logRetention };
    this.failureLog = this.keepFailedEvents(scope, props.eventBus);
    const built = this.buildDashboard(scope, props, this.failureLog);
    this.dashboard = built.dashboard;
    this.alarms = built.alarms;
  }

  private keepFailedEvents(scope: Construct, eventBus: events.IEventBus): logs.LogGroup {
    const group = depotLogGroup(scope, 'FailureLog', this.basics, 'migration-failures');
    const stack = Stack.of(scope);
    new logs.ResourcePolicy(scope, 'FailureLogPolicy', {
      resourcePolicyName: failureLogPolicyName(this.environmentId),
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [group.logGroupArn],
        }),
      ],
    });
    const rule = new events.Rule(scope, 'FailureRule', {
      ruleName: failureRuleName(this.environmentId),
      description: `Depot ${this.environmentId}: failed migrations, kept for the dashboard`,
      eventBus,
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
          expression: 'dlq + undelivered',
          usingMetrics: { dlq: dlqDepth, undelivered },
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
