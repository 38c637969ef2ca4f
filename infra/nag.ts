// cdk-nag acknowledgements. Every acknowledgement is made on the construct it concerns and carries a reason;
// wildcard resources in IAM policies are acknowledged one by one with the reason of the permission
// declaration (or the AWS limitation) that produced them, so nothing is acknowledged in bulk.
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { PermissionDeclaration } from '../shared/permissions';
import { isReadOnlyAction } from './permissions';

/**
 * Write actions AWS only accepts on `Resource: "*"`, each with the reason. The infra tests allow exactly these
 * (plus read-only Describe/List/Get calls) on "*" without a condition.
 */
export const UNSCOPABLE_ACTIONS: Readonly<Record<string, string>> = {
  'xray:PutTraceSegments': 'X-Ray trace segments have no resource type; AWS requires Resource "*"',
  'xray:PutTelemetryRecords': 'X-Ray telemetry records have no resource type; AWS requires Resource "*"',
  'xray:GetSamplingRules': 'X-Ray sampling rules are read with Resource "*" by the tracing SDK',
  'xray:GetSamplingTargets': 'X-Ray sampling targets are read with Resource "*" by the tracing SDK',
  'logs:CreateLogDelivery': 'Step Functions log delivery setup does not support resource-level permissions',
  'logs:GetLogDelivery': 'Step Functions log delivery setup does not support resource-level permissions',
  'logs:UpdateLogDelivery': 'Step Functions log delivery setup does not support resource-level permissions',
  'logs:DeleteLogDelivery': 'Step Functions log delivery setup does not support resource-level permissions',
  'logs:ListLogDeliveries': 'Step Functions log delivery setup does not support resource-level permissions',
  'logs:PutResourcePolicy':
    'Step Functions log delivery writes the CloudWatch Logs resource policy ("*" only)',
  'logs:DescribeResourcePolicies': 'Step Functions log delivery reads CloudWatch Logs resource policies',
  'logs:DescribeLogGroups': 'Step Functions log delivery lists log groups; the API cannot be scoped',
};

/** Reason for `<function ARN>:*` grants CDK makes when Step Functions invokes our own functions. */
const QUALIFIED_FUNCTION_REASON =
  'Step Functions invokes our own step functions; CDK grants the function ARN and its versions/aliases (":*")';

/** The string cdk-nag prints for a resolved IAM resource: intrinsics become <Logical.Attr> or <AWS::Region>. */
export function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (Array.isArray(obj['Fn::Join'])) {
      const [delimiter, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(flattenForNag).join(delimiter);
    }
    if ('Fn::Sub' in obj) return flattenForNag(obj['Fn::Sub']);
    if (Array.isArray(obj['Fn::GetAtt'])) {
      const [res, attr] = obj['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenForNag(res)}.${flattenForNag(attr)}>`;
    }
    if ('Fn::ImportValue' in obj) return flattenForNag(obj['Fn::ImportValue']);
    if ('Ref' in obj) return `<${flattenForNag(obj.Ref)}>`;
  }
  return JSON.stringify(value);
}

interface ResolvedStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/**
 * Acknowledges AwsSolutions-IAM5 for each wildcard resource in each IAM policy of the stack. The reason comes
 * from the permission declaration whose sid the statement carries, from UNSCOPABLE_ACTIONS, or from the
 * qualified-function-ARN rule. A wildcard nobody explains throws, so it cannot slip through acknowledged.
 */
export function acknowledgeWildcardResources(
  stack: Stack,
  declarations: readonly PermissionDeclaration[],
  /** The reason for a policy CDK itself writes (e.g. a BucketDeployment handler's), when none is declared. */
  reasonFor: (policy: CfnPolicy) => string | undefined = () => undefined,
): void {
  const reasonBySid = new Map(declarations.map((d) => [d.sid, d.reason]));
  const visit = (node: IConstruct): void => {
    // A stack inside this one (the hub's StackSet member stack) acknowledges its own policies.
    if (node !== stack && Stack.isStack(node)) return;
    if (node instanceof CfnPolicy) acknowledgePolicy(stack, node, reasonBySid, reasonFor(node));
    for (const child of node.node.children) visit(child);
  };
  visit(stack);
}

function acknowledgePolicy(
  stack: Stack,
  policy: CfnPolicy,
  reasonBySid: Map<string, string>,
  fallbackReason: string | undefined,
): void {
  const document = stack.resolve(policy.policyDocument) as { Statement?: ResolvedStatement[] };
  const acknowledged = new Set<string>();
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    const actions = asArray(statement.Action);
    for (const resource of asArray(statement.Resource)) {
      const flat = flattenForNag(resource);
      if (!flat.includes('*')) continue;
      const reason = wildcardReason(statement, actions, flat, reasonBySid) ?? fallbackReason;
      if (!reason) {
        throw new Error(
          `${policy.node.path}: statement ${statement.Sid ?? actions.join(',')} grants wildcard resource ${flat} ` +
            'with no declared reason',
        );
      }
      const id = `AwsSolutions-IAM5[Resource::${flat}]`;
      if (acknowledged.has(id)) continue;
      acknowledged.add(id);
      Validations.of(policy).acknowledge({ id, reason });
    }
  }
}

function wildcardReason(
  statement: ResolvedStatement,
  actions: string[],
  flatResource: string,
  reasonBySid: Map<string, string>,
): string | undefined {
  // Split SendCommand grants carry the declaration's sid with an "Instances" suffix (infra/permissions.ts).
  for (const sid of [statement.Sid, statement.Sid?.replace(/Instances$/, '')]) {
    if (sid && reasonBySid.has(sid)) return reasonBySid.get(sid);
  }
  if (actions.every((a) => a in UNSCOPABLE_ACTIONS || isReadOnlyAction(a)) && flatResource === '*') {
    return [
      ...new Set(actions.map((a) => UNSCOPABLE_ACTIONS[a] ?? `${a} is read-only and cannot be scoped`)),
    ].join('; ');
  }
  if (actions.every((a) => a === 'lambda:InvokeFunction') && /^<[A-Za-z0-9]+\.Arn>:\*$/.test(flatResource)) {
    return QUALIFIED_FUNCTION_REASON;
  }
  return undefined;
}

/** Acknowledges one rule on one construct (its CloudFormation resource and everything below it). */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/** The CfnResource behind an L2 construct, for acknowledgements that concern exactly that resource. */
export function cfnOf(construct: IConstruct): CfnResource {
  const child = construct.node.defaultChild;
  if (!child || !CfnResource.isCfnResource(child)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource to acknowledge a finding on`);
  }
  return child;
}
