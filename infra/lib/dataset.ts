import { Construct, IDependable } from 'constructs';
import { CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { DepotEnvironment } from './environment';
import type { Executor } from './executor';
import type { Location } from './location';
import { Hazard, checkLogicalName, consumableResourceName, jobDefinitionName } from './names';
import type { Package } from './package';

/** SPEC §2 `namingStrategy`. */
export type NamingStrategy = 'snake_case' | 'UPPER_SNAKE_CASE' | 'preserve';

export interface MigrationModeProps {
  /** @default 'synchronous' */
  readonly type?: 'synchronous' | 'asynchronous';
  /**
   * Where this dataset's events go (`migrationMode.eventBusArn`).
   * @default the environment's bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Asynchronous mode only: the environment's rule ignores this dataset's migration-plan events;
   * `eventRule` (the user's own rule) takes them instead.
   * @default false
   */
  readonly customEventBinding?: boolean;
  /**
   * Required with `customEventBinding`: the dataset depends on it (and on the environment's
   * forwarder and queue), so it exists before the first event. Anything else its target needs
   * first is yours to add: `dataset.resource.node.addDependency(thing)`.
   */
  readonly eventRule?: events.IRule;
}

export interface DatasetProps {
  readonly environment: DepotEnvironment;
  /** The dataset alias, unique in its environment: `[A-Za-z][A-Za-z0-9]*`. */
  readonly alias: string;
  readonly package: Package;
  readonly location: Location;
  /** @default the Rust side's default executor (`default`) */
  readonly executor?: Executor;
  /** @default the naming strategy applied to the alias */
  readonly schemaName?: string;
  /** @default snake_case on postgres, UPPER_SNAKE_CASE on snowflake */
  readonly namingStrategy?: NamingStrategy;
  /**
   * Alias usable in view queries -> another dataset of the same environment and location.
   * The dataset depends on each (CloudFormation creates them first).
   */
  readonly dependencies?: Record<string, Dataset>;
  /** @default synchronous */
  readonly migrationMode?: MigrationModeProps;
  /** Run seeding after each migration. @default false */
  readonly triggerSeeding?: boolean;
  /** @default none */
  readonly allowedHazards?: Hazard[];
  /** What Delete does to the database objects. @default 'retain' */
  readonly removalPolicy?: 'retain' | 'destroy';
  /**
   * A plan transformer (`planTransformer.lambdaArn`): the entity creator invokes this function
   * with each plan Depot computes and runs the plan it returns, once Depot has checked it. The
   * entity creator gets `lambda:InvokeFunction` on it.
   * @default none
   */
  readonly planTransformer?: lambda.IFunction;
  /** How long the plan transformer may take (1 s to 15 min). @default 30 seconds */
  readonly planTransformerTimeout?: Duration;
}

/**
 * A package deployed into a location: one `Custom::DepotDataset` served by the entity creator of
 * the location's engine. Datasets the runner may run (asynchronous ones, and synchronous ones that
 * depend on an asynchronous one) also get their consumable resource (capacity 1) and Batch job
 * definition, created before the dataset itself.
 */
export class Dataset extends Construct {
  readonly alias: string;
  readonly environment: DepotEnvironment;
  readonly location: Location;
  readonly resource: CustomResource;
  readonly asynchronous: boolean;
  /**
   * Whether the runner may run this dataset's migrations: asynchronous datasets, and synchronous
   * ones that depend (directly or not) on an asynchronous dataset, whose entity creator hands a
   * run to the runner while a dependency is scheduled but not yet deployed.
   */
  readonly runnerMayRun: boolean;
  /** Datasets the runner may run (runnerMayRun): capacity 1, one migration at a time. */
  readonly consumableResource?: batch.CfnConsumableResource;
  readonly jobDefinition?: batch.CfnJobDefinition;

  constructor(scope: Construct, id: string, props: DatasetProps) {
    super(scope, id);
    const env = props.environment;
    this.alias = checkLogicalName('dataset alias', props.alias);
    this.environment = env;
    this.location = props.location;
    const mode = props.migrationMode ?? {};
    this.asynchronous = mode.type === 'asynchronous';
    const customEventBinding = mode.customEventBinding ?? false;
    if (customEventBinding && !this.asynchronous) {
      throw new Error(`dataset ${this.alias}: customEventBinding applies to the asynchronous mode only`);
    }
    if (customEventBinding && !mode.eventRule) {
      throw new Error(`dataset ${this.alias}: customEventBinding needs \`eventRule\`, the rule that takes its events`);
    }
    const bus = mode.eventBus ?? env.eventBus;
    const otherBus = mode.eventBus !== undefined && mode.eventBus !== env.eventBus;
    if (this.asynchronous && otherBus && !customEventBinding) {
      throw new Error(
        `dataset ${this.alias}: its events go to another bus than the environment's, where no Depot rule ` +
          'listens: use customEventBinding with your own rule, or the environment bus',
      );
    }
    const dependencies = Object.values(props.dependencies ?? {});
    this.runnerMayRun = this.asynchronous || dependencies.some((dep) => dep.runnerMayRun);
    if (!this.asynchronous && this.runnerMayRun && otherBus) {
      throw new Error(
        `dataset ${this.alias}: it depends on an asynchronous dataset, so a run may be handed to the runner ` +
          "while that dependency is scheduled, but its events go to another bus than the environment's, where " +
          'no Depot rule listens: use the environment bus',
      );
    }
    for (const [depAlias, dep] of Object.entries(props.dependencies ?? {})) {
      checkLogicalName('dependency alias', depAlias);
      if (dep.environment !== env || dep.location !== props.location) {
        throw new Error(
          `dataset ${this.alias}: dependency ${depAlias} (${dep.alias}) must be in the same environment and location (SPEC §2)`,
        );
      }
    }
    env._registerAlias(this.alias, customEventBinding);

    // Grants, each a separate policy that the custom resource waits for.
    const grants: IDependable[] = [props.location.grantTo(env)];
    const assetGrant = props.package.grantTo(env, props.location.type);
    if (assetGrant) grants.push(assetGrant);
    const executorGrant = props.executor?.grantTo(env, props.location.type);
    if (executorGrant) grants.push(executorGrant);
    let planTransformer: Record<string, unknown> | undefined;
    if (props.planTransformer) {
      const timeout = props.planTransformerTimeout?.toSeconds();
      if (timeout !== undefined && !Token.isUnresolved(timeout) && !(timeout >= 1 && timeout <= 900)) {
        throw new Error(`dataset ${this.alias}: planTransformerTimeout must be from 1 second to 15 minutes, not ${timeout} s`);
      }
      planTransformer = {
        lambdaArn: props.planTransformer.functionArn,
        ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
      };
      grants.push(
        new iam.Policy(this, 'PlanTransformerInvoke', {
          roles: [env.entityCreatorRole(props.location.type)],
          statements: [
            new iam.PolicyStatement({
              sid: 'InvokePlanTransformer',
              actions: ['lambda:InvokeFunction'],
              resources: [props.planTransformer.functionArn],
            }),
          ],
        }),
      );
    } else if (props.planTransformerTimeout !== undefined) {
      throw new Error(`dataset ${this.alias}: planTransformerTimeout applies with planTransformer only`);
    }
    if (otherBus) {
      const principals = [env.entityCreatorRole(props.location.type), env.runnerJobRole, env.failureReporting.role];
      grants.push(
        new iam.Policy(this, 'EventBusAccess', {
          roles: principals,
          statements: [env.putEventsStatement(bus.eventBusArn)],
        }),
      );
    }

    if (this.runnerMayRun) {
      this.consumableResource = new batch.CfnConsumableResource(this, 'OneMigrationAtATime', {
        consumableResourceName: consumableResourceName(env.environmentId, this.alias),
        resourceType: 'REPLENISHABLE',
        totalQuantity: 1,
      });
      this.jobDefinition = this.runnerJobDefinition(env, this.consumableResource);
    }

    const migrationMode: Record<string, unknown> = {
      type: this.asynchronous ? 'asynchronous' : 'synchronous',
      eventBusArn: bus.eventBusArn,
    };
    if (this.asynchronous) migrationMode.customEventBinding = customEventBinding;
    const migrationOptions: Record<string, unknown> = {
      migrationMode,
      triggerSeeding: props.triggerSeeding ?? false,
      allowedHazards: props.allowedHazards ?? [],
    };
    const properties: Record<string, unknown> = {
      environmentId: env.environmentId,
      alias: this.alias,
      bootstrapBucket: env.bucket.bucketName,
      ...props.package.toProperties(),
      location: props.location.toProperties(),
      ...(props.executor ? { executor: props.executor.toProperties() } : {}),
      ...(props.schemaName !== undefined ? { schemaName: props.schemaName } : {}),
      ...(props.namingStrategy !== undefined ? { namingStrategy: props.namingStrategy } : {}),
      ...(props.dependencies
        ? {
            dependencies: Object.fromEntries(
              Object.entries(props.dependencies).map(([depAlias, dep]) => [depAlias, dep.alias]),
            ),
          }
        : {}),
      migrationOptions,
      removalPolicy: props.removalPolicy ?? 'retain',
      ...(planTransformer ? { planTransformer } : {}),
    };

    this.resource = new CustomResource(this, 'Resource', {
      resourceType: 'Custom::DepotDataset',
      serviceToken: env.entityCreator(props.location.type).functionArn,
      serviceTimeout: env.serviceTimeout,
      properties,
    });
    for (const grant of grants) this.resource.node.addDependency(grant);
    if (this.consumableResource && this.jobDefinition) {
      // The Create emits the first migration-plan event: its job definition and consumable
      // resource must exist by then, and so must what carries the event to the runner: the
      // environment's rule (unless the dataset or the environment binds its own), the forwarder
      // (its permission for the rule and its queue grant are part of it) and the FIFO queue. The
      // pipe and dispatcher may come later: a plan waits in the queue.
      this.resource.node.addDependency(this.consumableResource, this.jobDefinition);
      // A synchronous dataset handed to the runner (a dependency still scheduled) takes the same path.
      this.resource.node.addDependency(env.migrationForwarder, env.migrationQueue);
      if (!customEventBinding && env.migrationRule) this.resource.node.addDependency(env.migrationRule);
    }
    if (props.location.databaseConstruct) this.resource.node.addDependency(props.location.databaseConstruct);
    for (const dep of dependencies) this.resource.node.addDependency(dep);
    if (customEventBinding && mode.eventRule) this.resource.node.addDependency(mode.eventRule);
  }

  /** The dataset id (12 hex), the PhysicalResourceId the entity creator returns. */
  get datasetId(): string {
    return this.resource.ref;
  }

  private runnerJobDefinition(env: DepotEnvironment, resource: batch.CfnConsumableResource): batch.CfnJobDefinition {
    const o = env.runnerOptions;
    const memoryMiB = o.memory.toMebibytes();
    if (!Token.isUnresolved(o.vcpu) && o.vcpu <= 0) throw new Error('runner vcpu must be positive');
    return new batch.CfnJobDefinition(this, 'RunnerJob', {
      jobDefinitionName: jobDefinitionName(env.environmentId, this.alias),
      type: 'container',
      platformCapabilities: ['FARGATE'],
      retryStrategy: { attempts: 1 },
      timeout: { attemptDurationSeconds: o.jobTimeout.toSeconds() },
      consumableResourceProperties: {
        consumableResourceList: [{ consumableResource: resource.attrConsumableResourceArn, quantity: 1 }],
      },
      containerProperties: {
        image: env.runnerImage.imageUri,
        command: ['migration-runner', '--payload-json', 'Ref::payload'],
        jobRoleArn: env.runnerJobRole.roleArn,
        executionRoleArn: env.runnerExecutionRole.roleArn,
        resourceRequirements: [
          { type: 'VCPU', value: String(o.vcpu) },
          { type: 'MEMORY', value: String(memoryMiB) },
        ],
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        networkConfiguration: { assignPublicIp: 'DISABLED' },
        fargatePlatformConfiguration: { platformVersion: 'LATEST' },
        readonlyRootFilesystem: true,
        environment: [{ name: 'AWS_REGION', value: Stack.of(this).region }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': env.runnerLogGroup.logGroupName,
            'awslogs-region': Stack.of(this).region,
            'awslogs-stream-prefix': this.alias,
          },
        },
      },
    });
  }
}
