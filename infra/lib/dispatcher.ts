import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { EnvironmentBasics, depotLogGroup } from './functions';
import { dispatcherStateMachineName, migrationPipeName } from './names';

export interface MigrationDispatcherProps extends EnvironmentBasics {
  /** The FIFO queue the pipe reads. */
  readonly migrationQueue: sqs.IQueue;
  /** What each queued plan starts. */
  readonly runnerStateMachine: sfn.IStateMachine;
  /** `chainWithSeeding` of payloads made from raw migration-plan events. */
  readonly chainWithSeeding: boolean;
}

/**
 * From the FIFO queue to the runner: an EventBridge Pipe `sdp-<env>-migrations` reads batches of
 * queued plans and runs the express state machine `sdp-<env>-migration-dispatcher` synchronously,
 * which starts one runner execution per plan, named `<datasetId>-<eventId>` (debounce).
 *
 * Built directly in `scope` (the DepotEnvironment): see BootstrapBucket.
 */
export class MigrationDispatcher {
  readonly stateMachine: sfn.StateMachine;
  readonly pipe: pipes.CfnPipe;
  readonly pipeLogs: logs.LogGroup;
  private readonly basics: EnvironmentBasics;
  private readonly runnerStateMachine: sfn.IStateMachine;

  constructor(scope: Construct, props: MigrationDispatcherProps) {
    const envId = props.environmentId;
    this.basics = { environmentId: envId, logRetention: props.logRetention };
    this.runnerStateMachine = props.runnerStateMachine;
    this.stateMachine = this.buildDispatcher(scope, props.chainWithSeeding);

    this.pipeLogs = depotLogGroup(scope, 'PipeLogs', this.basics, 'migration-pipe');
    const pipeRole = new iam.Role(scope, 'PipeRole', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
      description: `Depot ${envId}: moves queued migration plans to the dispatcher`,
    });
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ConsumeMigrationQueue',
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [props.migrationQueue.queueArn],
      }),
    );
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartDispatcher',
        actions: ['states:StartSyncExecution'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );
    pipeRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PipeLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.pipeLogs.logGroupArn],
      }),
    );
    this.pipe = new pipes.CfnPipe(scope, 'MigrationPipe', {
      name: migrationPipeName(envId),
      description: `Depot ${envId}: migration queue to dispatcher`,
      roleArn: pipeRole.roleArn,
      source: props.migrationQueue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 10 } },
      target: this.stateMachine.stateMachineArn,
      targetParameters: { stepFunctionStateMachineParameters: { invocationType: 'REQUEST_RESPONSE' } },
      logConfiguration: {
        level: 'ERROR',
        cloudwatchLogsLogDestination: { logGroupArn: this.pipeLogs.logGroupArn },
      },
      desiredState: 'RUNNING',
    });
    this.pipe.node.addDependency(pipeRole);
  }

  private buildDispatcher(scope: Construct, chainWithSeeding: boolean): sfn.StateMachine {
    // The pipe hands over a batch of SQS records. The forwarder's message body is the runner
    // payload (SPEC §8) as JSON text; a body holding the migration-plan event itself (SPEC §6),
    // e.g. from a user's own rule straight to the queue, is turned into that payload here.
    // Pipes may already have parsed a JSON body: both forms are accepted.
    const fromEvent = new sfn.Pass(scope, 'PayloadFromEvent', {
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
    const asPayload = new sfn.Pass(scope, 'PayloadAsSent', { comment: 'The body is the SPEC §8 payload', outputPath: '$.body' });
    const shape = new sfn.Choice(scope, 'BodyIsEvent')
      .when(sfn.Condition.isPresent('$.body.detail'), fromEvent)
      .otherwise(asPayload);
    const parse = new sfn.Pass(scope, 'ParseBody', { parameters: { 'body.$': 'States.StringToJson($.body)' } });
    parse.next(shape);
    const start = new tasks.StepFunctionsStartExecution(scope, 'StartMigrationRun', {
      comment: 'Execution name = <datasetId>-<eventId>: a second delivery of one event starts nothing',
      stateMachine: this.runnerStateMachine,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      name: sfn.JsonPath.format('{}-{}', sfn.JsonPath.stringAt('$.datasetId'), sfn.JsonPath.stringAt('$.eventId')),
      input: sfn.TaskInput.fromJsonPathAt('$'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    start.addCatch(new sfn.Pass(scope, 'AlreadyStarted', { comment: 'Debounced on the event id' }), {
      errors: ['StepFunctions.ExecutionAlreadyExistsException'],
    });
    fromEvent.next(start);
    asPayload.next(start);
    const perMessage = new sfn.Choice(scope, 'BodyIsText')
      .when(sfn.Condition.isString('$.body'), parse)
      .otherwise(shape);
    const map = new sfn.Map(scope, 'EachQueuedPlan', { itemsPath: '$', maxConcurrency: 10, resultPath: sfn.JsonPath.DISCARD });
    map.itemProcessor(perMessage);
    return new sfn.StateMachine(scope, 'Dispatcher', {
      stateMachineName: dispatcherStateMachineName(this.basics.environmentId),
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(map),
      timeout: Duration.minutes(1),
      tracingEnabled: true,
      logs: {
        destination: depotLogGroup(scope, 'DispatcherLogs', this.basics, 'migration-dispatcher'),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
  }
}
