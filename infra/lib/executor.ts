import { Construct } from 'constructs';
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { DepotEnvironment } from './environment';
import { attachedPolicy } from './grants';
import type { LocationType } from './location';
import { checkLogicalName } from './names';

/** A host and port to connect to (an Aurora cluster's writer or reader endpoint). */
export interface ExecutorEndpoint {
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
}

export interface ExecutorProps {
  /** The executor's name, e.g. `migrations`. */
  readonly name: string;
  /** Snowflake: the warehouse that runs the migration (defaults to the location's). */
  readonly warehouse?: string;
  /** Snowflake: the role that runs the migration (defaults to the location's). */
  readonly role?: string;
  /**
   * PostgreSQL: where migrations connect, instead of the location's host and port (an Aurora
   * cluster's writer endpoint, e.g. `cluster.clusterEndpoint`). Migrations always run on it.
   */
  readonly endpoint?: ExecutorEndpoint;
  /** PostgreSQL: a read-only endpoint (an Aurora reader); migrations never use it. */
  readonly readerEndpoint?: ExecutorEndpoint;
  /**
   * PostgreSQL: the user migrations connect as, instead of the location's or the secret's
   * `username` (the secret still gives the password, unless `iamAuth`).
   */
  readonly user?: string;
  /**
   * PostgreSQL: connect with an RDS IAM authentication token (made for each connection from the
   * Lambda's or runner's role, over TLS) instead of the secret's password. Needs `user` and
   * `clusterResourceId`: the entity creators and the runner get `rds-db:connect` on
   * `dbuser:<clusterResourceId>/<user>`.
   * @default false
   */
  readonly iamAuth?: boolean;
  /**
   * With `iamAuth`: the cluster's (or instance's) resource id, `cluster-ABC...` (Aurora:
   * `cluster.clusterResourceIdentifier`; an instance: `instance.instanceResourceId`).
   */
  readonly clusterResourceId?: string;
}

/**
 * The compute and credentials used for an operation (SPEC vocabulary). The properties carry only
 * what the Rust side accepts under `executor` (`name`, `warehouse`, `role`, and for PostgreSQL
 * `endpoint`, `readerEndpoint`, `user`, `iamAuth`): it rejects other keys. `clusterResourceId`
 * stays on this side: it only shapes the IAM grant.
 */
export class Executor extends Construct {
  readonly executorName: string;
  private readonly props: ExecutorProps;
  private readonly grants = new Map<string, iam.Policy>();

  constructor(scope: Construct, id: string, props: ExecutorProps) {
    super(scope, id);
    checkLogicalName('executor name', props.name);
    for (const [key, endpoint] of [['endpoint', props.endpoint], ['readerEndpoint', props.readerEndpoint]] as const) {
      if (endpoint === undefined) continue;
      const port = endpoint.port;
      if (port !== undefined && !Token.isUnresolved(port) && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
        throw new Error(`executor ${props.name}: \`${key}.port\` ${port} must be a port number, 1 to 65535`);
      }
      if (!Token.isUnresolved(endpoint.host) && endpoint.host.trim() === '') {
        throw new Error(`executor ${props.name}: \`${key}.host\` is empty`);
      }
    }
    if (props.iamAuth) {
      if (props.user === undefined) {
        throw new Error(`executor ${props.name}: \`iamAuth\` needs \`user\`, the database user the IAM token names`);
      }
      if (props.clusterResourceId === undefined) {
        throw new Error(
          `executor ${props.name}: \`iamAuth\` needs \`clusterResourceId\` (e.g. cluster.clusterResourceIdentifier) for the rds-db:connect grant`,
        );
      }
    } else if (props.clusterResourceId !== undefined) {
      throw new Error(`executor ${props.name}: \`clusterResourceId\` applies with \`iamAuth\` only`);
    }
    this.executorName = props.name;
    this.props = props;
  }

  toProperties(): Record<string, unknown> {
    const p = this.props;
    const endpoint = (e: ExecutorEndpoint) => ({ host: e.host, port: e.port ?? 5432 });
    return {
      name: p.name,
      ...(p.warehouse !== undefined ? { warehouse: p.warehouse } : {}),
      ...(p.role !== undefined ? { role: p.role } : {}),
      ...(p.endpoint !== undefined ? { endpoint: endpoint(p.endpoint) } : {}),
      ...(p.readerEndpoint !== undefined ? { readerEndpoint: endpoint(p.readerEndpoint) } : {}),
      ...(p.user !== undefined ? { user: p.user } : {}),
      ...(p.iamAuth ? { iamAuth: true } : {}),
    };
  }

  /**
   * Checks the executor fits the location's engine; with `iamAuth`, a policy letting the location engine's entity creator and the migration runner
   * connect as `user` (`rds-db:connect` on that one database user), or undefined without it.
   */
  grantTo(environment: DepotEnvironment, locationType: LocationType): iam.Policy | undefined {
    const p = this.props;
    if (locationType !== 'postgres') {
      const postgresOnly = (['endpoint', 'readerEndpoint', 'user', 'iamAuth'] as const).filter((k) => p[k] !== undefined);
      if (postgresOnly.length > 0) {
        throw new Error(`executor ${p.name}: \`${postgresOnly.join('`, `')}\` apply to PostgreSQL locations only`);
      }
    }
    if (!p.iamAuth || p.user === undefined || p.clusterResourceId === undefined) return undefined;
    const key = `${environment.node.addr}:${locationType}`;
    let policy = this.grants.get(key);
    if (!policy) {
      const stack = Stack.of(this);
      policy = attachedPolicy(
        this,
        `RdsConnect${environment.environmentId}`,
        [environment.entityCreatorRole(locationType), environment.runnerJobRole],
        [
          new iam.PolicyStatement({
            sid: 'ConnectAsExecutorUser',
            actions: ['rds-db:connect'],
            resources: [
              stack.formatArn({
                service: 'rds-db',
                resource: 'dbuser',
                resourceName: `${p.clusterResourceId}/${p.user}`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        ],
      );
      this.grants.set(key, policy);
    }
    return policy;
  }
}
