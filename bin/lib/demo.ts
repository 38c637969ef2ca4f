// The world `privatelink-ecs demo` runs in: a simulated AWS account seeded with an opted-in VPC (3 AZs, private
// subnets only, no NAT, DNS hostnames off), an ECS fleet of N container instances, the tables, state machine
// and restart document the deployed stack would provide, and the "Tag Change on Resource" event EventBridge
// sends when the opt-in tag is added. Pure builders: nothing here prints.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { SimulatedAccount, type VpcLayout } from '../../devkit/sim';
import { type Config, SSM_SERVICES } from '../../shared/config';
import { InvalidInputError } from '../../shared/errors';

export const DEMO_DEFAULT_INSTANCES = 14;
export const DEMO_MAX_INSTANCES = 2000;
export const DEMO_VPC_CIDR = '10.42.0.0/16';
export const DEMO_VPC_NAME = 'payments-prod';
const DOCUMENT_NAME = 'PrivateLinkEcs-RestartAgentDocument-demo';
/** The stack's one table: Powertools idempotency records, per-VPC locks and workflow state. */
const STACK_TABLE = 'PrivateLinkEcs-State-demo';
const STATE_MACHINE = 'PrivateLinkEcs-Remediation-demo';
/** The function name the trigger Lambda's code runs under in the demo (Powertools idempotency reads it). */
export const DEMO_TRIGGER_FUNCTION = 'PrivateLinkEcs-TriggerVpc-demo';
/** Polls each interface endpoint stays `pending`: real ones take a few minutes. */
const PENDING_POLLS = 10;

/** One kind of container instance in the demo fleet. */
export interface FleetGroup {
  cluster: string;
  agentVersion: string;
  count: number;
  ssmManaged: boolean;
  usesSystemd: boolean;
  /** Why the group is in the story, for the progress view. */
  role: 'regular' | 'no-systemd' | 'not-ssm-managed' | 'agent-too-old';
}

/**
 * `--instances` as typed: a whole number from 1 to DEMO_MAX_INSTANCES. Anything else is an InvalidInput error
 * (exit 2) raised before the account is built, so nothing runs.
 */
export function parseInstanceCount(raw: string | undefined): number {
  if (raw === undefined) return DEMO_DEFAULT_INSTANCES;
  const text = raw.trim();
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > DEMO_MAX_INSTANCES) {
    throw new InvalidInputError(
      `--instances must be a whole number from 1 to ${DEMO_MAX_INSTANCES}, got ${JSON.stringify(raw)}`,
      { field: '--instances' },
    );
  }
  return n;
}

/**
 * The fleet for `total` instances. Exactly one is not managed by SSM; from 3 instances on, one agent is older
 * than 1.25.1; from 4 on, one runs on an OS without systemd. The rest are regular instances with agents at
 * 1.82.1, 1.68.2 and 1.75.0 in a 6:3:2 ratio over two clusters. The default 14 gives the same fleet the demo
 * always had: 9 payments, 4 batch-jobs, 1 legacy.
 */
export function fleetPlan(total: number): FleetGroup[] {
  if (!Number.isInteger(total) || total < 1)
    throw new RangeError(`fleet size must be at least 1, got ${total}`);
  const specials = total >= 4 ? 3 : total >= 3 ? 2 : 1;
  const regular = total - specials;
  const batch = Math.round((regular * 2) / 11);
  const paymentsOld = Math.round((regular * 3) / 11);
  const paymentsNew = regular - batch - paymentsOld;
  const group = (
    cluster: string,
    agentVersion: string,
    count: number,
    role: FleetGroup['role'] = 'regular',
  ): FleetGroup => ({
    cluster,
    agentVersion,
    count,
    ssmManaged: role !== 'not-ssm-managed',
    usesSystemd: role !== 'no-systemd',
    role,
  });
  const groups = [
    group('payments', '1.82.1', paymentsNew),
    group('payments', '1.68.2', paymentsOld),
    group('batch-jobs', '1.75.0', batch),
  ];
  // An older Amazon Linux without systemd: the restart script's `docker restart ecs-agent` branch.
  if (total >= 4) groups.push(group('batch-jobs', '1.51.0', 1, 'no-systemd'));
  groups.push(group('batch-jobs', '1.80.0', 1, 'not-ssm-managed'));
  if (total >= 3) groups.push(group('legacy', '1.21.0', 1, 'agent-too-old'));
  return groups.filter((g) => g.count > 0);
}

export interface DemoInstance {
  instanceId: string;
  cluster: string;
  agentVersion: string;
  az: string;
  role: FleetGroup['role'];
}

export interface DemoWorld {
  account: SimulatedAccount;
  layout: VpcLayout;
  fleet: DemoInstance[];
  /** The SSM-managed instance whose restart command is made to fail (--fail-instance). */
  failInstanceId?: string;
  documentName: string;
  /** The stack's one table (idempotency records, locks, workflow state), as deployed. */
  table: string;
  stateMachineArn: string;
}

/** Builds the simulated account with the VPC, the fleet and the stack's resources. */
export async function buildDemoWorld(
  config: Config,
  options: { instances: number; failInstance: boolean; account?: SimulatedAccount },
): Promise<DemoWorld> {
  const plan = fleetPlan(options.instances);
  if (options.failInstance && !plan.some((g) => g.role === 'regular')) {
    throw new InvalidInputError(
      `--fail-instance needs an SSM-managed instance to fail: use --instances 2 or more (got ${options.instances})`,
      { field: '--fail-instance' },
    );
  }
  const account = options.account ?? new SimulatedAccount({ azs: 3 });
  const layout = account.addVpc({
    cidr: DEMO_VPC_CIDR,
    layout: 'private-only',
    dnsSupport: true,
    dnsHostnames: false,
    tags: { Name: DEMO_VPC_NAME, team: 'payments' },
  });
  // Every interface endpoint the reconciler may create (SSM's three too: ssmEndpoints auto adds them here).
  for (const service of [...config.interfaceServices, ...config.extraServices, ...SSM_SERVICES]) {
    account.setEndpointBehaviour(service, { pendingPolls: PENDING_POLLS });
  }
  const azOf = new Map(
    layout.privateSubnetIds.map((id) => [id, account.state.subnets.get(id)?.az ?? 'unknown']),
  );
  const fleet: DemoInstance[] = [];
  let next = 0;
  for (const g of plan) {
    for (let i = 0; i < g.count; i += 1) {
      // One instance at a time, round robin over the private subnets, so every AZ hosts part of every group.
      const subnetId = layout.privateSubnetIds[next % layout.privateSubnetIds.length]!;
      next += 1;
      const added = account.addContainerInstances({
        vpcId: layout.vpcId,
        clusterName: g.cluster,
        count: 1,
        subnetId,
        agentVersion: g.agentVersion,
        ssmManaged: g.ssmManaged,
        usesSystemd: g.usesSystemd,
      });
      fleet.push({
        instanceId: added.instanceIds[0]!,
        cluster: g.cluster,
        agentVersion: g.agentVersion,
        az: azOf.get(subnetId)!,
        role: g.role,
      });
    }
  }
  let failInstanceId: string | undefined;
  if (options.failInstance) {
    // The last regular instance: its batch comes last, so the rollout before it shows normally.
    failInstanceId = fleet.filter((i) => i.role === 'regular').pop()!.instanceId;
    account.setInstanceBehaviour(failInstanceId, { command: 'Failed' });
  }
  // What the deployed stack provides, whose roles authorize every call the demo's Lambda code makes.
  const stateMachineArn = await account.provisionStack({
    config,
    documentName: DOCUMENT_NAME,
    tableName: STACK_TABLE,
    stateMachineName: STATE_MACHINE,
  });
  return {
    account,
    layout,
    fleet,
    ...(failInstanceId ? { failInstanceId } : {}),
    documentName: DOCUMENT_NAME,
    table: STACK_TABLE,
    stateMachineArn,
  };
}

/**
 * The event EventBridge delivers when a tag key is added to a VPC ("Tag Change on Resource" from aws.tag),
 * with the VPC's tags after the change, as in test/fixtures/events/tag-change-vpc-opt-in.json.
 */
export function tagChangeEvent(params: {
  region: string;
  accountId: string;
  vpcId: string;
  time: Date;
  changedKeys: string[];
  tags: Record<string, string>;
}): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Tag Change on Resource',
    source: 'aws.tag',
    account: params.accountId,
    time: params.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: params.region,
    resources: [`arn:aws:ec2:${params.region}:${params.accountId}:vpc/${params.vpcId}`],
    detail: {
      'changed-tag-keys': params.changedKeys,
      service: 'ec2',
      'resource-type': 'vpc',
      version: 2,
      tags: params.tags,
    },
  };
}

/** The parts of a Lambda context the trigger handler and Powertools read, for one in-process invocation. */
export function lambdaContext(
  region: string,
  accountId: string,
  functionName: string = DEMO_TRIGGER_FUNCTION,
): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'demo',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Runs `work` with AWS_LAMBDA_FUNCTION_NAME set as the Lambda runtime sets it (Powertools idempotency keys its
 * records by function name), then restores the variable as it was.
 */
export async function asLambda<T>(functionName: string, work: () => Promise<T>): Promise<T> {
  const had = Object.hasOwn(process.env, 'AWS_LAMBDA_FUNCTION_NAME');
  const before = process.env.AWS_LAMBDA_FUNCTION_NAME;
  process.env.AWS_LAMBDA_FUNCTION_NAME = functionName;
  try {
    return await work();
  } finally {
    if (had) process.env.AWS_LAMBDA_FUNCTION_NAME = before;
    else delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  }
}

/** What `work` returned or threw, with the lines it wrote to stdout either way. */
export type Collected<T> =
  | { ok: true; value: T; lines: string[] }
  | { ok: false; error: unknown; lines: string[] };

/**
 * Runs `work` with process.stdout's writes collected instead of printed, then restores it. The trigger Lambda
 * publishes its Powertools metrics as EMF lines on stdout (CloudWatch reads them from the log); in the CLI they
 * would garble the report and --json, so the demo shows them on stderr instead. Settles instead of throwing, so
 * what `work` wrote before it threw is kept too.
 */
export async function collectStdout<T>(work: () => Promise<T>): Promise<Collected<T>> {
  const chunks: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    const value = await work();
    return { ok: true, value, lines: splitLines(chunks) };
  } catch (error) {
    return { ok: false, error, lines: splitLines(chunks) };
  } finally {
    process.stdout.write = original;
  }
}

function splitLines(chunks: string[]): string[] {
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '');
}
