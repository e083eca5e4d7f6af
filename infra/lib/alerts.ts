import { Construct } from 'constructs';
import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Dataset } from './dataset';
import type { DepotEnvironment } from './environment';
import { EVENT_SOURCE } from './names';

/** SPEC §6 lifecycle events. */
export type LifecycleEvent = 'desired' | 'attempted' | 'deployed' | 'failed';

export interface MigrationLifecycleAlertsProps {
  readonly environment: DepotEnvironment;
  /** @default ['failed'] */
  readonly events?: LifecycleEvent[];
  /** Only these datasets. @default every dataset of the environment */
  readonly datasets?: Dataset[];
  /** @default a new topic, encrypted with a new customer-managed key */
  readonly topic?: sns.ITopic;
  /** E-mail addresses subscribed to the topic. @default none */
  readonly emails?: string[];
}

/**
 * The lifecycle -> SNS alert pattern: a rule on `migration-lifecycle` events of one environment
 * (by default the `failed` ones) that publishes a one-line message per event to a topic.
 */
export class MigrationLifecycleAlerts extends Construct {
  readonly topic: sns.ITopic;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: MigrationLifecycleAlertsProps) {
    super(scope, id);
    const env = props.environment;
    const wanted = props.events ?? ['failed'];
    if (wanted.length === 0) throw new Error('MigrationLifecycleAlerts: `events` must name at least one event');
    if (props.topic) {
      this.topic = props.topic;
    } else {
      const key = new kms.Key(this, 'TopicKey', {
        description: `Depot ${env.environmentId}: migration alerts topic`,
        enableKeyRotation: true,
      });
      // EventBridge publishes to the encrypted topic: it needs the key.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EventBridgePublishes',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: `Depot ${env.environmentId} migration alerts`,
        masterKey: key,
        enforceSSL: true,
      });
    }
    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    const detail: Record<string, unknown> = {
      type: ['lifecycle'],
      environmentId: [env.environmentId],
      event: wanted,
    };
    if (props.datasets?.length) detail.datasetAlias = props.datasets.map((d) => d.alias);
    this.rule = new events.Rule(this, 'Rule', {
      description: `Depot ${env.environmentId}: migration lifecycle (${wanted.join(', ')}) to SNS`,
      eventBus: env.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: ['migration-lifecycle'], detail },
    });
    this.rule.addTarget(
      new targets.SnsTopic(this.topic, {
        message: events.RuleTargetInput.fromText(
          `Depot ${env.environmentId}: dataset ${events.EventField.fromPath('$.detail.datasetAlias')} ` +
            `(${events.EventField.fromPath('$.detail.datasetId')}) migration ${events.EventField.fromPath('$.detail.event')} ` +
            `at version ${events.EventField.fromPath('$.detail.datasetVersionHash')}. ` +
            `Error: ${events.EventField.fromPath('$.detail.error')}`,
        ),
      }),
    );
  }
}
