import { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EnvironmentBasics, depotFunction } from './functions';
import { putEventsStatement } from './grants';
import type { LocationType } from './location';
import { environmentPrefix } from './names';

export interface EntityCreatorsProps extends EnvironmentBasics {
  readonly artifactsDir: string;
  readonly bucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly timeout: Duration;
  /** DEPOT_RDS_CA_BUNDLE of the Aurora entity creator. */
  readonly rdsCaBundlePath?: string;
}

/**
 * The functions that serve Custom::DepotDataset, one per engine (`sdp-<env>-entity-creator-aurora`
 * and `-snowflake`), in the VPC, each with its own role: the environment's documents under
 * `sdp-<env>/` of the bootstrap bucket, and PutEvents on the environment's bus. Locations, Packages
 * and Datasets add their grants as policies of their own.
 *
 * Built directly in `scope` (the DepotEnvironment): see BootstrapBucket.
 */
export class EntityCreators {
  readonly functions: Record<LocationType, lambda.Function>;
  readonly roles: Record<LocationType, iam.Role>;
  /** Their JSON logs (`/depot/<env>/entity-creator-aurora`, `-snowflake`). */
  readonly logGroups: Record<LocationType, logs.LogGroup>;

  constructor(scope: Construct, props: EntityCreatorsProps) {
    const network = { vpc: props.vpc, subnets: props.subnets, securityGroup: props.securityGroup };
    const aurora = depotFunction(scope, 'EntityCreatorAurora', {
      ...props,
      ...network,
      artifact: 'entity-creator-aurora',
      timeout: props.timeout,
      environment: props.rdsCaBundlePath ? { DEPOT_RDS_CA_BUNDLE: props.rdsCaBundlePath } : {},
    });
    const snowflake = depotFunction(scope, 'EntityCreatorSnowflake', {
      ...props,
      ...network,
      artifact: 'entity-creator-snowflake',
      timeout: props.timeout,
      environment: {},
    });
    this.functions = { postgres: aurora.fn, snowflake: snowflake.fn };
    this.roles = { postgres: aurora.role, snowflake: snowflake.role };
    this.logGroups = { postgres: aurora.logGroup, snowflake: snowflake.logGroup };
    const prefix = environmentPrefix(props.environmentId);
    for (const role of Object.values(this.roles)) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'EnvironmentDocuments',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [props.bucket.arnForObjects(`${prefix}/*`)],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ListEnvironmentPrefix',
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
        }),
      );
      role.addToPolicy(putEventsStatement(props.eventBus.eventBusArn));
    }
  }
}
