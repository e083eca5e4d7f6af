import * as path from 'node:path';
import { Construct } from 'constructs';
import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Dataset, DepotEnvironment, Location, MigrationLifecycleAlerts, Package } from '@stage-tech/depot-cdk';

/**
 * A user's stack: their own VPC and database secret (types from their aws-cdk-lib, which is also
 * the one Depot uses: a peer dependency), one Depot environment, a synchronous dataset and an
 * asynchronous one that depends on it.
 */
export class DepotExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    // With a fixed account, the VPC's availability zones come from cdk.context.json (committed, as
    // CDK recommends), so synth needs no AWS credentials.
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      ),
    });
    // The database and its secret exist already (created elsewhere): imported by name.
    const secret = secretsmanager.Secret.fromSecretNameV2(this, 'DbSecret', 'app/postgres/depot');

    const depot = new DepotEnvironment(this, 'Depot', { environmentId: '0123456789abcde', vpc });
    const main = Location.postgres(this, 'Main', {
      name: 'main',
      host: 'app.cluster-abc.eu-west-1.rds.amazonaws.com',
      database: 'app',
      secret,
    });
    const breeds = new Dataset(this, 'Breeds', {
      environment: depot,
      alias: 'Breeds',
      location: main,
      package: Package.fromFile(this, 'BreedsPackage', path.join(__dirname, '..', '..', 'packages', 'breeds.json')),
    });
    new Dataset(this, 'Dogs', {
      environment: depot,
      alias: 'Dogs',
      location: main,
      package: Package.fromObject(this, 'DogsPackage', {
        name: 'dogs',
        version: '1.0.0',
        schemas: {
          Dog: {
            kind: 'object',
            fields: { id: { type: 'uuid' }, name: { type: 'string', maxLength: 100 } },
            primaryKey: ['id'],
          },
        },
      }),
      dependencies: { Breeds: breeds },
      migrationMode: { type: 'asynchronous' },
    });
    new MigrationLifecycleAlerts(this, 'Alerts', { environment: depot });
  }
}
