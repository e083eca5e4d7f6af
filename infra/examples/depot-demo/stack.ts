import * as path from 'node:path';
import { Construct } from 'constructs';
import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import {
  Dataset,
  DepotEnvironment,
  EVENT_SOURCE,
  Executor,
  Location,
  MigrationLifecycleAlerts,
  Package,
} from '../../lib';

export interface DepotDemoStackProps extends StackProps {
  /** @default 'e2e404529091ed2' */
  readonly environmentId?: string;
  /** Where `<function>/bootstrap` are; see DepotEnvironmentProps.artifactsDir. */
  readonly artifactsDir?: string;
  readonly snowflakeAccount?: string;
  readonly snowflakeSecretName?: string;
  /** E-mail addresses for failed-migration alerts. */
  readonly alertEmails?: string[];
}

/** The packages of this example, next to this file in the source tree. */
const PACKAGES = path.resolve(__dirname, '..', '..', '..', 'examples', 'depot-demo', 'packages');

/**
 * The example: a VPC, an Aurora PostgreSQL cluster, a Depot environment, and three datasets:
 * - DemoBreeds (PostgreSQL, synchronous);
 * - DemoDogs (PostgreSQL, asynchronous), whose view reads DemoBreeds: it depends on it;
 * - DemoDogFacts (Snowflake, asynchronous with its own event rule; package as an S3 asset).
 */
export class DepotDemoStack extends Stack {
  readonly depot: DepotEnvironment;
  readonly breeds: Dataset;
  readonly dogs: Dataset;
  readonly dogFacts: Dataset;
  readonly cluster: rds.DatabaseCluster;
  readonly factsRule: events.Rule;

  constructor(scope: Construct, id: string, props: DepotDemoStackProps = {}) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'compute', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      ),
    });

    this.cluster = new rds.DatabaseCluster(this, 'Aurora', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      readers: [rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true })],
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 4,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      port: 5433,
      defaultDatabaseName: 'app',
      credentials: rds.Credentials.fromGeneratedSecret('depot_admin'),
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: true,
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });

    this.depot = new DepotEnvironment(this, 'Depot', {
      environmentId: props.environmentId ?? 'e2e404529091ed2',
      vpc,
      artifactsDir: props.artifactsDir,
    });

    const main = Location.postgres(this, 'MainDb', {
      name: 'main',
      host: this.cluster.clusterEndpoint.hostname,
      port: this.cluster.clusterEndpoint.port,
      database: 'app',
      secret: this.cluster.secret!,
      databaseConstruct: this.cluster,
    });
    const warehouse = Location.snowflake(this, 'Warehouse', {
      name: 'analytics',
      account: props.snowflakeAccount ?? 'myorg-myaccount',
      database: 'ANALYTICS',
      warehouse: 'DEPOT_WH',
      role: 'DEPOT_DEPLOYER',
      secret: secretsmanager.Secret.fromSecretNameV2(
        this,
        'SnowflakeSecret',
        props.snowflakeSecretName ?? 'depot/snowflake/analytics',
      ),
    });
    const migrations = new Executor(this, 'Migrations', { name: 'migrations' });

    this.breeds = new Dataset(this, 'Breeds', {
      environment: this.depot,
      alias: 'DemoBreeds',
      package: Package.fromFile(this, 'BreedsPackage', path.join(PACKAGES, 'breeds.json')),
      location: main,
      executor: migrations,
      triggerSeeding: true,
    });

    this.dogs = new Dataset(this, 'Dogs', {
      environment: this.depot,
      alias: 'DemoDogs',
      package: Package.fromFile(this, 'DogsPackage', path.join(PACKAGES, 'dogs.json')),
      location: main,
      executor: migrations,
      dependencies: { Breeds: this.breeds },
      migrationMode: { type: 'asynchronous' },
      allowedHazards: ['INDEX_BUILD'],
    });

    // A dataset whose migration-plan events the user routes with their own rule (here straight to
    // Depot's forwarder; it could add an approval step first).
    this.factsRule = new events.Rule(this, 'DogFactsPlans', {
      description: 'DemoDogFacts migration plans, bound by the user',
      eventBus: this.depot.eventBus,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: ['migration-plan'],
        detail: {
          environmentId: [this.depot.environmentId],
          datasetAlias: ['DemoDogFacts'],
          executionResponsibility: ['to-be-executed-by-receiver'],
        },
      },
    });
    this.factsRule.addTarget(
      new targets.LambdaFunction(this.depot.migrationForwarder, {
        deadLetterQueue: this.depot.undeliveredEvents,
        retryAttempts: 8,
      }),
    );
    this.dogFacts = new Dataset(this, 'DogFacts', {
      environment: this.depot,
      alias: 'DemoDogFacts',
      package: Package.fromFile(this, 'DogFactsPackage', path.join(PACKAGES, 'dog-facts.json'), { mode: 'asset' }),
      location: warehouse,
      executor: new Executor(this, 'WarehouseExecutor', { name: 'loader', warehouse: 'DEPOT_WH', role: 'DEPOT_DEPLOYER' }),
      migrationMode: { type: 'asynchronous', customEventBinding: true, eventRule: this.factsRule },
      removalPolicy: 'retain',
    });

    new MigrationLifecycleAlerts(this, 'FailedMigrationAlerts', {
      environment: this.depot,
      emails: props.alertEmails,
    });

    NagSuppressions.addResourceSuppressions(
      this.cluster,
      [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'The demo cluster secret is not rotated automatically: rotation would need a rotation Lambda in the VPC, ' +
            'out of scope here. Depot reads the secret at every run, so a rotated secret is picked up without change.',
        },
      ],
      true,
    );
  }
}
