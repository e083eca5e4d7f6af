import { Construct } from 'constructs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { artifactPath } from './artifacts';
import { functionName, logGroupName } from './names';

/** What every part of an environment needs to name and keep its logs. */
export interface EnvironmentBasics {
  readonly environmentId: string;
  readonly logRetention: logs.RetentionDays;
}

/** A log group `/depot/<env>/<name>`, kept when the stack goes (the history of the migrations). */
export function depotLogGroup(scope: Construct, id: string, basics: EnvironmentBasics, name: string): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    logGroupName: logGroupName(basics.environmentId, name),
    retention: basics.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

export interface DepotFunctionProps extends EnvironmentBasics {
  /** One of LAMBDA_ARTIFACTS: the code is `<artifactsDir>/<artifact>/`. */
  readonly artifact: string;
  readonly artifactsDir: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly vpc?: ec2.IVpc;
  readonly subnets?: ec2.SubnetSelection;
  readonly securityGroup?: ec2.ISecurityGroup;
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * One of Depot's Rust functions (provided.al2023, arm64, handler `bootstrap`) named
 * `sdp-<env>-<artifact>`, with its own log group (JSON logs) and its own role holding inline
 * statements only: no AWS managed policies (AwsSolutions-IAM4).
 */
export function depotFunction(
  scope: Construct,
  id: string,
  props: DepotFunctionProps,
): { fn: lambda.Function; role: iam.Role; logGroup: logs.LogGroup } {
  const { environmentId, artifact } = props;
  const logGroup = depotLogGroup(scope, `${id}Logs`, props, artifact);
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Depot ${environmentId}: ${artifact}`,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  if (props.vpc) {
    // What AWSLambdaVPCAccessExecutionRole grants: ENI management has no resource-level scope.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
  }
  const fn = new lambda.Function(scope, id, {
    functionName: functionName(environmentId, artifact),
    description: `Depot ${environmentId}: ${artifact}`,
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(artifactPath(props.artifactsDir, artifact)),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    timeout: props.timeout,
    memorySize: 512,
    environment: Object.keys(props.environment).length ? props.environment : undefined,
    vpc: props.vpc,
    vpcSubnets: props.vpc ? props.subnets : undefined,
    securityGroups: props.vpc && props.securityGroup ? [props.securityGroup] : undefined,
    deadLetterQueue: props.deadLetterQueue,
  });
  return { fn, role, logGroup };
}
