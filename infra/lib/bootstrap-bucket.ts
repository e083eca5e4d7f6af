import { Construct } from 'constructs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { bootstrapBucketParameterName } from './names';

export interface BootstrapBucketProps {
  readonly environmentId: string;
  /** @default a name CloudFormation generates */
  readonly bucketName?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The bootstrap bucket of an environment (environment documents, dataset states, plans: SPEC §4),
 * the bucket receiving its server access logs, and the SSM parameter `/depot/<env>/bootstrap-bucket`
 * naming the bucket (the `depot` CLI finds an environment's bucket there, with the operator's
 * credentials).
 *
 * Built directly in `scope` (the DepotEnvironment), like every part of the environment: the
 * construct paths, hence the logical ids, of an environment deployed before the split stay the
 * same, so an update never replaces its bucket or its named resources.
 */
export class BootstrapBucket {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly parameter: ssm.StringParameter;

  constructor(scope: Construct, props: BootstrapBucketProps) {
    this.accessLogsBucket = new s3.Bucket(scope, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Object ownership is left to CDK: S3 log delivery needs a bucket policy or, without the
      // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy flag, the LogDeliveryWrite ACL.
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    this.bucket = new s3.Bucket(scope, 'Bootstrap', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'bootstrap/',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.parameter = new ssm.StringParameter(scope, 'BootstrapBucketParameter', {
      parameterName: bootstrapBucketParameterName(props.environmentId),
      description: `Depot ${props.environmentId}: name of the bootstrap bucket`,
      stringValue: this.bucket.bucketName,
    });
  }
}
