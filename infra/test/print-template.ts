/**
 * Prints the example app's CloudFormation template (JSON, on stdout): the same offline synth as
 * the tests here (stub function artifacts, no Docker, no AWS account). The Rust tests of
 * crates/depot-runner (tests/async_runner/state_machines.rs) execute the runner and dispatcher
 * state machines of this template in moto, so they run what ships, not a copy.
 *
 * Usage: node dist/test/print-template.js   (after `npm run build`)
 */
import { App } from 'aws-cdk-lib';
import { DepotDemoStack } from '../examples/depot-demo/stack';
import { exampleContext, stubArtifacts, tempDir } from './helpers';

const app = new App({ outdir: tempDir('depot-print-template-'), context: exampleContext() });
const stack = new DepotDemoStack(app, 'DepotDemo', { artifactsDir: stubArtifacts() });
process.stdout.write(JSON.stringify(app.synth().getStackByName(stack.stackName).template));
