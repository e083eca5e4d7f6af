/**
 * Names and identifiers shared by the constructs. Each rule here mirrors a rule of SPEC.md (or of
 * the Rust side), so a mistake is reported at synth time, not an hour into a deploy.
 */

/** SPEC vocabulary: an environment id is 15 hex characters (e.g. `e2e404529091ed2`). */
export const ENVIRONMENT_ID = /^[0-9a-f]{15}$/;

/** Logical names (aliases, dependency aliases): `[A-Za-z][A-Za-z0-9]*` (depot-core's NAME_RULE). */
export const LOGICAL_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** SPEC §6: the source of every Depot event. */
export const EVENT_SOURCE = 'tech.stage.depot';

/** Hazards of SPEC §5. */
export type Hazard =
  | 'DELETES_DATA'
  | 'TABLE_REWRITE'
  | 'BLOCKS_WRITES'
  | 'BLOCKS_READS'
  | 'INDEX_BUILD'
  | 'VALIDATES_DATA'
  | 'NOT_REVERSIBLE';

export function checkEnvironmentId(id: string): string {
  if (!ENVIRONMENT_ID.test(id)) {
    throw new Error(`environmentId \`${id}\` must be 15 lowercase hex characters (e.g. e2e404529091ed2)`);
  }
  return id;
}

export function checkLogicalName(what: string, name: string): string {
  if (!LOGICAL_NAME.test(name)) {
    throw new Error(`${what} \`${name}\` is not a valid name: it must match [A-Za-z][A-Za-z0-9]*`);
  }
  return name;
}

/** The S3 prefix of an environment in its bootstrap bucket (SPEC §4), without trailing slash. */
export function environmentPrefix(environmentId: string): string {
  return `sdp-${environmentId}`;
}

/**
 * The consumable resource of a dataset: derived from the environment id and the dataset alias,
 * both known before the dataset's Create (the dataset id is not: it is chosen at Create).
 * An alias is unique within an environment (the Rust deployer finds a dataset's state by
 * environment id + alias).
 */
export function consumableResourceName(environmentId: string, alias: string): string {
  return `sdp-${environmentId}-${alias}`;
}

/** The Batch job definition of a dataset; the runner state machine derives it the same way. */
export function jobDefinitionName(environmentId: string, alias: string): string {
  return `sdp-${environmentId}-ds-${alias}`;
}

/** The manual re-run state machine of the issue: `sdp-<environmentId>-ds-migration-runner`. */
export function runnerStateMachineName(environmentId: string): string {
  return `sdp-${environmentId}-ds-migration-runner`;
}

// --- Resource names of an environment --------------------------------------------------------
// Every physical name a DepotEnvironment gives its resources is built here (and only here), so the
// constructs, the IAM wildcards, the cdk-nag suppressions, the docs and the tests agree.

/** A function of LAMBDA_ARTIFACTS: `sdp-<env>-<artifact>`, e.g. `sdp-<env>-entity-creator-aurora`. */
export function functionName(environmentId: string, artifact: string): string {
  return `sdp-${environmentId}-${artifact}`;
}

/** The log groups of an environment: `/depot/<env>/<name>`. */
export function logGroupName(environmentId: string, name: string): string {
  return `/depot/${environmentId}/${name}`;
}

/** The rule that sends migration-plan events to the forwarder. */
export function migrationRuleName(environmentId: string): string {
  return `sdp-${environmentId}-migration-plan`;
}

/** The FIFO queue of migrations waiting for the runner. */
export function migrationQueueName(environmentId: string): string {
  return `sdp-${environmentId}-migrations.fifo`;
}

/** The FIFO dead-letter queue of the migration queue. */
export function migrationDeadLetterQueueName(environmentId: string): string {
  return `sdp-${environmentId}-migrations-dlq.fifo`;
}

/** The EventBridge Pipe from the migration queue to the dispatcher. */
export function migrationPipeName(environmentId: string): string {
  return `sdp-${environmentId}-migrations`;
}

/** The express state machine that starts one runner execution per queued plan. */
export function dispatcherStateMachineName(environmentId: string): string {
  return `sdp-${environmentId}-migration-dispatcher`;
}

/** The Fargate compute environment of the runner jobs. */
export function computeEnvironmentName(environmentId: string): string {
  return `sdp-${environmentId}-runner`;
}

/** The Batch job queue of the runner jobs. */
export function jobQueueName(environmentId: string): string {
  return `sdp-${environmentId}-migrations`;
}

/** The rule keeping `failed` lifecycle events in the failure log. */
export function failureRuleName(environmentId: string): string {
  return `sdp-${environmentId}-migration-failed`;
}

/** The CloudWatch Logs resource policy that lets EventBridge write the failure log. */
export function failureLogPolicyName(environmentId: string): string {
  return `sdp-${environmentId}-migration-failures`;
}

/** The CloudWatch dashboard of an environment. */
export function dashboardName(environmentId: string): string {
  return `sdp-${environmentId}-migrations`;
}

/** The alarm on failed or timed-out runner executions. */
export function runnerFailedAlarmName(environmentId: string): string {
  return `sdp-${environmentId}-migration-runner-failed`;
}

/** The alarm on plans or events that never reached the runner. */
export function deadLettersAlarmName(environmentId: string): string {
  return `sdp-${environmentId}-migration-dead-letters`;
}

/**
 * The SSM String parameter holding the name of an environment's bootstrap bucket:
 * `/depot/<env>/bootstrap-bucket`. The `depot` CLI reads it to find an environment's bucket.
 */
export function bootstrapBucketParameterName(environmentId: string): string {
  return `/depot/${environmentId}/bootstrap-bucket`;
}

/** The rule keeping every lifecycle event of an environment in the lifecycle log. */
export function lifecycleRuleName(environmentId: string): string {
  return `sdp-${environmentId}-migration-lifecycle`;
}

/** The metric namespace of an environment's log-derived metrics (metric filters). */
export function metricNamespace(environmentId: string): string {
  return `Depot/${environmentId}`;
}
