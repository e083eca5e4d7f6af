import { Construct, IConstruct } from 'constructs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { DepotEnvironment } from './environment';
import { attachedPolicy, secretReadStatements } from './grants';
import { checkLogicalName } from './names';

/** SPEC §2 `location.type`. */
export type LocationType = 'postgres' | 'snowflake';

interface LocationCommonProps {
  /** The location's name (unique per environment), e.g. `main`. */
  readonly name: string;
  /**
   * The secret holding the credentials (PostgreSQL: a password, or the RDS secret JSON;
   * Snowflake: a password or a key pair). Only its ARN ever reaches properties, plans or events.
   */
  readonly secret: secretsmanager.ISecret;
  /** The database user, when the secret does not name it. */
  readonly user?: string;
}

/** A database defined in the same CDK app (e.g. an rds.DatabaseCluster). */
export type DatabaseConstruct = IConstruct & ec2.IConnectable;

export interface PostgresLocationProps extends LocationCommonProps {
  /** Host name of the server (an Aurora cluster endpoint, or any PostgreSQL). */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  readonly database: string;
  /**
   * The database construct, when it is in this CDK app: the Location opens its port to the
   * environment's security group, and each Dataset depends on it (its instances are up and the
   * ingress rule exists before the entity creator connects).
   * @default none: open the network path yourself
   */
  readonly databaseConstruct?: DatabaseConstruct;
}

export interface SnowflakeLocationProps extends LocationCommonProps {
  /** The account identifier, e.g. `xy12345.eu-west-1` or `myorg-myaccount`. */
  readonly account: string;
  readonly database: string;
  readonly warehouse: string;
  readonly role: string;
  /** A PrivateLink host (or a local emulator) instead of `<account>.snowflakecomputing.com`. */
  readonly endpoint?: string;
}

/**
 * A storage engine instance: a PostgreSQL/Aurora database or a Snowflake account + database.
 * Datasets that use it get read access to its secret (the entity creator of its engine, and the
 * asynchronous runner), through one policy per environment that the Location owns.
 */
export class Location extends Construct {
  static postgres(scope: Construct, id: string, props: PostgresLocationProps): Location {
    return new Location(
      scope,
      id,
      'postgres',
      props,
      { host: props.host, port: props.port ?? 5432, database: props.database },
      { databaseConstruct: props.databaseConstruct, port: props.port ?? 5432 },
    );
  }

  static snowflake(scope: Construct, id: string, props: SnowflakeLocationProps): Location {
    return new Location(scope, id, 'snowflake', props, {
      account: props.account,
      database: props.database,
      warehouse: props.warehouse,
      role: props.role,
      ...(props.endpoint !== undefined ? { endpoint: props.endpoint } : {}),
    });
  }

  readonly type: LocationType;
  readonly locationName: string;
  readonly secret: secretsmanager.ISecret;
  /** See PostgresLocationProps.databaseConstruct. */
  readonly databaseConstruct?: DatabaseConstruct;
  private readonly port?: number;
  private readonly fields: Record<string, unknown>;
  private readonly grants = new Map<string, iam.Policy>();

  private constructor(
    scope: Construct,
    id: string,
    type: LocationType,
    common: LocationCommonProps,
    fields: Record<string, unknown>,
    network: { databaseConstruct?: DatabaseConstruct; port?: number } = {},
  ) {
    super(scope, id);
    this.databaseConstruct = network.databaseConstruct;
    this.port = network.port;
    checkLogicalName('location name', common.name);
    this.type = type;
    this.locationName = common.name;
    this.secret = common.secret;
    this.fields = { ...fields, ...(common.user !== undefined ? { user: common.user } : {}) };
  }

  /** SPEC §2 `location`: the connection and the secret's ARN, never the secret. */
  toProperties(): Record<string, unknown> {
    return {
      type: this.type,
      name: this.locationName,
      ...this.fields,
      secretArn: this.secret.secretArn,
    };
  }

  /**
   * Lets the environment's entity creator for this engine and its runner read the secret. One
   * policy per environment, created on first use; a Dataset depends on it, so CloudFormation
   * never invokes the entity creator before it may read the secret.
   */
  grantTo(environment: DepotEnvironment): iam.Policy {
    let policy = this.grants.get(environment.node.addr);
    if (!policy) {
      const db = this.databaseConstruct;
      if (db) {
        if (db.connections.defaultPort) {
          db.connections.allowDefaultPortFrom(environment.connections, `Depot ${environment.environmentId}`);
        } else {
          db.connections.allowFrom(environment.connections, ec2.Port.tcp(this.port ?? 5432), `Depot ${environment.environmentId}`);
        }
      }
      policy = attachedPolicy(
        this,
        `SecretAccess${environment.environmentId}`,
        [environment.entityCreatorRole(this.type), environment.runnerJobRole, environment.failureReporting.role],
        secretReadStatements(this.secret),
      );
      this.grants.set(environment.node.addr, policy);
    }
    return policy;
  }
}
