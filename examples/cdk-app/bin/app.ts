import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DepotExampleStack } from '../lib/stack';

const app = new App();
// A fixed account and Region, as most production stacks have: the ARNs in Depot's policies are
// then concrete, and cdk-nag must still find nothing unexplained.
new DepotExampleStack(app, 'DepotExample', { env: { account: '123456789012', region: 'eu-west-1' } });
// cdk-nag's AwsSolutions pack: errors fail `cdk synth`; warnings are in the NagReport CSV.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true, reports: true }));
app.synth();
