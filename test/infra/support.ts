// Helpers for the infra tests: synthesize the stack once per file (inline code stand-ins: the template shape is
// the same as with real bundles, which test/infra/function.test.ts and `npx cdk synth` cover), and read IAM.
import { App, type PolicyValidationPluginReport, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { PrivateLinkEcsStack } from '../../infra/stack';
import { type ConfigInput, parseConfig } from '../../shared/config';

export interface Synthesized {
  app: App;
  stack: PrivateLinkEcsStack;
  template: Template;
}

export function synthStack(config: ConfigInput = {}): Synthesized {
  const app = new App();
  const stack = new PrivateLinkEcsStack(app, 'PrivateLinkEcsTest', {
    config: parseConfig(config),
    codeMode: 'inline',
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The cdk-nag packs the app runs as validation plugins (infra/app.ts), as it.each rows. */
export const NAG_PACKS: Array<[string, () => NagPack]> = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['Serverless', () => new ServerlessChecks()],
];

/** Runs a cdk-nag pack on a stack; its unacknowledged findings as "rule constructPath" lines. */
export function nagReport(
  pack: () => NagPack,
  stack: Stack,
): { report: PolicyValidationPluginReport; findings: string[] } {
  const report = pack().validateScope(stack);
  const findings = report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`);
  return { report, findings };
}

export interface IamStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyStatementRef {
  /** Logical id of the AWS::IAM::Policy. */
  policy: string;
  statement: IamStatement;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every statement of every IAM policy in the template (inline role policies included). */
export function allStatements(template: Template): PolicyStatementRef[] {
  const out: PolicyStatementRef[] = [];
  for (const [id, res] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    for (const statement of res.Properties.PolicyDocument.Statement as IamStatement[]) {
      out.push({ policy: id, statement });
    }
  }
  for (const [id, res] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const policy of (res.Properties.Policies ?? []) as Array<{
      PolicyDocument: { Statement: IamStatement[] };
    }>) {
      for (const statement of policy.PolicyDocument.Statement) out.push({ policy: id, statement });
    }
  }
  return out;
}

/** Statements that allow a given action. */
export function statementsAllowing(template: Template, action: string): PolicyStatementRef[] {
  return allStatements(template).filter(
    (s) => s.statement.Effect === 'Allow' && asArray(s.statement.Action).includes(action),
  );
}

/** The logical id of the policy attached to a function's role, by the function's construct id. */
export function policyOf(template: Template, functionId: string): string {
  const ids = Object.keys(template.findResources('AWS::IAM::Policy')).filter((id) =>
    id.startsWith(`${functionId}RoleDefaultPolicy`),
  );
  if (ids.length !== 1)
    throw new Error(`expected one policy for ${functionId}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
