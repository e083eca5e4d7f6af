import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * The ARN to put in a policy for a secret. A secret imported by name has a partial ARN (no
 * 6-character suffix that Secrets Manager appends); `-??????` matches that suffix and nothing
 * else, so the grant stays on this one secret.
 */
export function secretArnForPolicy(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/** One statement that lets a principal read a secret's value (and nothing else). */
export function secretReadStatements(secret: secretsmanager.ISecret): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadLocationSecret',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretArnForPolicy(secret)],
    }),
  ];
  if (secret.encryptionKey) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DecryptLocationSecret',
        actions: ['kms:Decrypt'],
        resources: [secret.encryptionKey.keyArn],
      }),
    );
  }
  return statements;
}

/**
 * A policy in `scope` attached to `roles`. Grants added by Locations, Packages and Datasets live in
 * their own scope (their own stack), never in the environment's role policy: a dataset stack may
 * then reference the environment's stack without the reverse reference that would make a cycle.
 */
export function attachedPolicy(
  scope: Construct,
  id: string,
  roles: iam.IRole[],
  statements: iam.PolicyStatement[],
): iam.Policy {
  return new iam.Policy(scope, id, { roles, statements });
}

/** events:PutEvents on one bus. */
export function putEventsStatement(eventBusArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'PutDepotEvents',
    actions: ['events:PutEvents'],
    resources: [eventBusArn],
  });
}
