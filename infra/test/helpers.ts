import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LAMBDA_ARTIFACTS } from '../lib';
import { DepotDemoStack, DepotDemoStackProps } from '../examples/depot-demo/stack';

/**
 * A folder laid out like `target/lambda` after `cargo lambda build`, with a small stub `bootstrap`
 * per function: synth needs the files to exist (it hashes and stages them), not real binaries.
 */
const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process ends. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function stubArtifacts(): string {
  const dir = tempDir('depot-artifacts-');
  for (const name of LAMBDA_ARTIFACTS) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'bootstrap'), `#!/bin/sh\necho stub ${name}\n`, { mode: 0o755 });
  }
  return dir;
}

export const EXAMPLE_DIR = path.resolve(__dirname, '..', '..', 'examples', 'depot-demo');

/** The context of the example's cdk.json (feature flags included), so tests synth as `cdk synth` does. */
export function exampleContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLE_DIR, 'cdk.json'), 'utf8')).context;
}

export interface Synthesized {
  app: App;
  stack: DepotDemoStack;
  template: Template;
  outdir: string;
}

/** The example app, synthesized offline into a fresh cdk.out, with the AwsSolutions pack. */
export function synthDemo(props: Partial<DepotDemoStackProps> = {}): Synthesized {
  const outdir = tempDir('depot-cdk-out-');
  const app = new App({ outdir, context: exampleContext() });
  const stack = new DepotDemoStack(app, 'DepotDemo', { artifactsDir: stubArtifacts(), ...props });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return { app, stack, template: Template.fromStack(stack), outdir };
}

/** Every unsuppressed cdk-nag finding (errors and warnings) of a stack. */
export function nagFindings(stack: Stack): string[] {
  const a = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-');
  return [...a.findError('*', pattern), ...a.findWarning('*', pattern)].map(
    (m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`,
  );
}

type Resources = Record<string, any>;

/** All resources of a type, as [logicalId, resource]. */
export function resources(template: any, type: string): [string, any][] {
  return Object.entries(template.Resources as Resources).filter(([, r]) => r.Type === type);
}

/** The one resource of a type that matches; fails unless there is exactly one. */
export function resource(template: any, type: string, where: (r: any) => boolean): [string, any] {
  const found = resources(template, type).filter(([, r]) => where(r));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** Every statement of every AWS::IAM::Policy attached to a role (by logical id). */
export function statementsOfRole(template: any, roleId: string): any[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/** A state machine by name, with its definition parsed (tokens replaced by the string TOKEN). */
export function stateMachineDefinition(template: any, name: string): [string, any, any] {
  const [id, sm] = resource(template, 'AWS::StepFunctions::StateMachine', (r) => r.Properties.StateMachineName === name);
  const body = sm.Properties.DefinitionString;
  const text =
    typeof body === 'string'
      ? body
      : (body['Fn::Join'][1] as any[]).map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return [id, sm, JSON.parse(text)];
}
