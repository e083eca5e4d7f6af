import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DepotDemoStack } from './stack';

const app = new App();
const ctx = (key: string): string | undefined => app.node.tryGetContext(key);
new DepotDemoStack(app, 'DepotDemo', {
  environmentId: ctx('depot:environmentId'),
  artifactsDir: ctx('depot:artifactsDir'),
  snowflakeAccount: ctx('depot:snowflakeAccount'),
  snowflakeSecretName: ctx('depot:snowflakeSecretName'),
  alertEmails: ctx('depot:alertEmails') ? String(ctx('depot:alertEmails')).split(',') : undefined,
});
// cdk-nag's AwsSolutions pack: findings are reported at synth (errors fail `cdk synth`).
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
app.synth();
