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
