// The deployed stack as `privatelink-ecs doctor` needs it: the account and partition (from the stack id), the
// function roles (AWS::IAM::Role resources whose logical id is <FunctionId>Role<hash>, next to a
// <FunctionId>Function<hash> Lambda function, as infra/constructs/function.ts names them), the table, the
// restart document and the state machine, and the config the functions were deployed with.
import {
  type CloudFormationClient,
  GetTemplateCommand,
  paginateListStackResources,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { type Config, parseConfig } from '../../../shared/config';
import { ENV } from '../../../shared/env';
import { InvalidInputError } from '../../../shared/errors';
import { describeStack } from '../stack';

export interface FunctionRole {
  /** The function's construct id: TriggerVpc, TriggerEcs, Sweep, Workflow<Step>. */
  functionId: string;
  roleName: string;
  roleArn: string;
}

export interface DeployedStack {
  stackName: string;
  stackId: string;
  partition: string;
  region: string;
  account: string;
  roles: FunctionRole[];
  tableName?: string;
  documentName?: string;
  windowsDocumentName?: string;
  stateMachineArn?: string;
  /** The config in the functions' environment; undefined when the template does not carry one. */
  config?: Config;
}

const CDK_HASH = /^(.+?)(Role|Function)[0-9A-F]{8}$/;
/** CloudFormation stack names: a letter, then letters, digits and hyphens, 128 at most (or a stack id). */
export const STACK_NAME =
  /^([A-Za-z][A-Za-z0-9-]{0,127}|arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:stack\/.+)$/;

async function listResources(cfn: CloudFormationClient, stackName: string): Promise<StackResourceSummary[]> {
  const all: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client: cfn }, { StackName: stackName })) {
    all.push(...(page.StackResourceSummaries ?? []));
  }
  return all;
}

/** The function roles: a role <Id>Role<hash> whose function <Id>Function<hash> is in the same stack. */
export function functionRoles(
  resources: ReadonlyArray<
    Pick<StackResourceSummary, 'LogicalResourceId' | 'ResourceType' | 'PhysicalResourceId'>
  >,
  arnOf: (roleName: string) => string,
): FunctionRole[] {
  const functions = new Set<string>();
  const roles = new Map<string, string>();
  for (const r of resources) {
    const m = CDK_HASH.exec(r.LogicalResourceId ?? '');
    if (!m || !r.PhysicalResourceId) continue;
    if (m[2] === 'Function' && r.ResourceType === 'AWS::Lambda::Function') functions.add(m[1]!);
    if (m[2] === 'Role' && r.ResourceType === 'AWS::IAM::Role') roles.set(m[1]!, r.PhysicalResourceId);
  }
  return [...roles.entries()]
    .filter(([id]) => functions.has(id))
    .map(([functionId, roleName]) => ({ functionId, roleName, roleArn: arnOf(roleName) }))
    .sort((a, b) => a.functionId.localeCompare(b.functionId));
}

/** The config the stack's functions carry in PRIVATELINK_ECS_CONFIG, read from the deployed template. */
export function configFromTemplate(body: string | undefined): Config | undefined {
  let template: { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };
  try {
    template = JSON.parse(body ?? '{}');
  } catch {
    return undefined; // a YAML template: not what the CDK app deploys
  }
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const env = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const raw = env?.[ENV.config];
    if (typeof raw === 'string') return parseConfig(JSON.parse(raw), `${ENV.config} of the deployed stack`);
  }
  return undefined;
}

export async function readDeployedStack(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<DeployedStack> {
  const hint = '--stack-name with the name you deployed';
  // DescribeStacks for the id (account, partition) and outputs; a missing stack is bad input.
  const described = await describeStack(cfn, stackName, hint);
  const outputs = described.Outputs ?? [];
  const stackId = described.StackId ?? '';
  const [, partition = 'aws', , region = '', account = ''] = stackId.split(':');
  const resources = await listResources(cfn, stackName);
  const roles = functionRoles(resources, (name) => `arn:${partition}:iam::${account}:role/${name}`);
  if (roles.length === 0) {
    throw new InvalidInputError(
      `stack ${stackName} has no function roles: is it a privatelink-ecs stack? Pass ${hint}`,
      { field: '--stack-name' },
    );
  }
  const physical = (type: string) => resources.find((r) => r.ResourceType === type)?.PhysicalResourceId;
  const template = await cfn.send(
    new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
  );
  const config = configFromTemplate(template.TemplateBody);
  const stateMachineArn =
    outputs.find((o) => o.OutputKey === 'StateMachineArn')?.OutputValue ??
    physical('AWS::StepFunctions::StateMachine');
  const document = (prefix: string) =>
    resources.find((r) => r.ResourceType === 'AWS::SSM::Document' && r.LogicalResourceId?.startsWith(prefix))
      ?.PhysicalResourceId;
  const documentName =
    outputs.find((o) => o.OutputKey === 'RestartDocumentName')?.OutputValue ??
    document('RestartAgentDocument');
  // A stack deployed before the Windows document has none.
  const windowsDocumentName =
    outputs.find((o) => o.OutputKey === 'RestartWindowsDocumentName')?.OutputValue ??
    document('RestartAgentWindowsDocument');
  const tableName = physical('AWS::DynamoDB::Table');
  return {
    stackName,
    stackId,
    partition,
    region,
    account,
    roles,
    ...(tableName ? { tableName } : {}),
    ...(documentName ? { documentName } : {}),
    ...(windowsDocumentName ? { windowsDocumentName } : {}),
    ...(stateMachineArn ? { stateMachineArn } : {}),
    ...(config ? { config } : {}),
  };
}
