// The IAM table of docs/iam.md, generated from the synthesized template (default configuration): for every function,
// each statement its role holds, as function → actions → resources → conditions. `npx tsx infra/iam-docs.ts`
// prints it; an infra test checks docs/iam.md contains exactly this table, so it cannot drift from the stack.
import { App } from 'aws-cdk-lib';
import { type Config, parseConfig } from '../shared/config';
import { PrivateLinkEcsStack } from './stack';

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** CloudFormation intrinsics as readable text: Refs and GetAtts of the stack's resources by their kind. */
function render(value: unknown, names: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => render(v, names)).join(', ');
  const obj = (value ?? {}) as Record<string, unknown>;
  if ('Ref' in obj) {
    const ref = String(obj.Ref);
    return ref.startsWith('AWS::') ? `{${ref.slice(5)}}` : `{${names[ref] ?? ref}}`;
  }
  if ('Fn::GetAtt' in obj) {
    const [id, attribute] = obj['Fn::GetAtt'] as [string, string];
    return `{${names[id] ?? id}.${attribute}}`;
  }
  if ('Fn::Join' in obj) {
    const [separator, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => render(p, names)).join(separator);
  }
  if ('Fn::Select' in obj) {
    const [index, list] = obj['Fn::Select'] as [number, unknown];
    return `{${render(list, names)}[${index}]}`;
  }
  if ('Fn::Split' in obj) {
    const [separator, source] = obj['Fn::Split'] as [string, unknown];
    return `split(${render(source, names)}, "${separator}")`;
  }
  return JSON.stringify(value);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function conditionText(condition: unknown, names: Record<string, string>): string {
  if (!condition) return '—';
  return Object.entries(condition as Record<string, Record<string, unknown>>)
    .flatMap(([operator, block]) =>
      Object.entries(block).map(
        ([key, value]) =>
          `${operator} \`${render(key, names)}\` = ${asList(value)
            .map((v) => `\`${render(v, names)}\``)
            .join(' or ')}`,
      ),
    )
    .join('; ');
}

/** Markdown table of every function role's statements in the stack synthesized with `config`. */
export function iamTable(config: Config = parseConfig({})): string {
  const app = new App({ analyticsReporting: false });
  const stack = new PrivateLinkEcsStack(app, 'PrivateLinkEcs', { config, codeMode: 'inline' });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  const names: Record<string, string> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    const kind: Record<string, string> = {
      'AWS::SSM::Document': 'RestartDocument',
      'AWS::DynamoDB::Table': 'Table',
      'AWS::StepFunctions::StateMachine': 'StateMachine',
      'AWS::Logs::LogGroup': 'LogGroup',
      'AWS::SQS::Queue': 'Queue',
    };
    if (kind[resource.Type]) names[id] = kind[resource.Type]!;
    if (resource.Type === 'AWS::SSM::Document' && id.startsWith('RestartAgentWindowsDocument'))
      names[id] = 'WindowsRestartDocument';
  }
  const rows: string[] = [];
  for (const [functionId, fn] of stack.resources.functions) {
    const roleId = stack.getLogicalId(fn.role.node.defaultChild as import('aws-cdk-lib').CfnElement);
    const statements = Object.values(template.Resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          ((r.Properties?.Roles as Array<{ Ref?: string }>) ?? []).some((ref) => ref.Ref === roleId),
      )
      .flatMap(
        (r) => (r.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
    // Statements from the permission declarations carry their Sid; the CDK's own grants (the function's log
    // group, X-Ray traces) are the same for every function and are left out of the table.
    for (const s of statements.filter((statement) => statement.Sid)) {
      const actions = asList(s.Action)
        .map((a) => `\`${String(a)}\``)
        .join(', ');
      const resources = asList(s.Resource)
        .map((r) => `\`${render(r, names)}\``)
        .join(', ');
      rows.push(
        `| \`${functionId}\` | \`${String(s.Sid)}\` | ${actions} | ${resources} | ${conditionText(s.Condition, names)} |`,
      );
    }
  }
  return [
    '| Function | Statement | Actions | Resources | Conditions |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => row.replace(/\n/g, ' ')),
  ].join('\n');
}

if (require.main === module) {
  process.stdout.write(`${iamTable()}\n`);
}
