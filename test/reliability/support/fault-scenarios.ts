// Helpers for the fault-injection scenarios (faults.reconciler.test.ts, faults.workflow.test.ts): what each
// call finally answered after the SDK's retries, the census of what a VPC ends up with (and its duplicates),
// and the check that every write that failed for good was reported as a per-item error.
import {
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { isWrite } from '../../../devkit/sim/core';
import { errorName } from '../../../shared/errors';
import { isLiveState, SECURITY_GROUP_NAME, shortServiceName } from '../../../shared/reconciler/naming';
import type { ActionKind, ActionResult } from '../../../shared/reconciler/types';

/** The error names the fault middleware injects (throttle on EC2 and elsewhere, 5xx on EC2 and elsewhere, timeout). */
export const INJECTED_ERROR_NAMES = [
  'RequestLimitExceeded',
  'ThrottlingException',
  'Unavailable',
  'InternalServerError',
  'TimeoutError',
] as const;

/** One call as its caller saw it: after every retry the SDK made, with the error it finally threw, if any. */
export interface CallOutcome {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  write: boolean;
  error?: { name: string; message: string };
}

interface InitializeStackable {
  middlewareStack: { add: (mw: never, opts: { step: 'initialize'; name: string }) => void };
}

/**
 * Records the final outcome of every call the clients make. It sits in the initialize step, outside the retry
 * middleware (and so outside the fault middleware): one record per call, not per attempt. It injects nothing.
 */
export function observeOutcomes(clients: readonly object[]): CallOutcome[] {
  const outcomes: CallOutcome[] = [];
  for (const client of clients as InitializeStackable[]) {
    const middleware =
      (
        next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) =>
      async (args: { input: Record<string, unknown> }) => {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        const outcome: CallOutcome = {
          service: (context.clientName ?? '').replace(/Client$/, '').toLowerCase(),
          operation,
          input: args.input,
          write: isWrite(operation),
        };
        outcomes.push(outcome);
        try {
          return await next(args);
        } catch (err) {
          outcome.error = { name: errorName(err), message: (err as Error).message };
          throw err;
        }
      };
    client.middlewareStack.add(middleware as never, {
      step: 'initialize',
      name: `faultScenarioOutcomes-${Math.random().toString(36).slice(2)}`,
    });
  }
  return outcomes;
}

/** The writes whose call failed for good (every retry spent, or an error the SDK does not retry). */
export function failedWrites(outcomes: readonly CallOutcome[]): CallOutcome[] {
  return outcomes.filter((o) => o.write && o.error);
}

/** Which reconciler actions can send a given EC2 write. */
const ACTIONS_SENDING: Record<string, ActionKind[]> = {
  ModifyVpcAttribute: ['enable-dns-support', 'enable-dns-hostnames'],
  CreateSecurityGroup: ['create-security-group'],
  AuthorizeSecurityGroupIngress: ['create-security-group', 'authorize-security-group-ingress'],
  CreateVpcEndpoint: ['create-interface-endpoint', 'create-gateway-endpoint'],
  // create-gateway-endpoint turns into a route-table addition when an S3 gateway appeared since the plan.
  ModifyVpcEndpoint: ['add-endpoint-subnets', 'add-gateway-route-tables', 'create-gateway-endpoint'],
};

/**
 * Pairs every write that failed for good with a distinct per-item error result of an action that sends that
 * write and names the same error. Returns the failed writes left without a report: an empty list means no
 * failure was lost.
 */
export function unreportedWriteFailures(
  failed: readonly CallOutcome[],
  results: readonly ActionResult[],
): CallOutcome[] {
  const errors = results.filter((r) => r.status === 'error');
  const used = new Set<ActionResult>();
  const lost: CallOutcome[] = [];
  for (const write of failed) {
    const kinds = ACTIONS_SENDING[write.operation] ?? [];
    const match = errors.find(
      (r) =>
        !used.has(r) &&
        kinds.includes(r.action.kind) &&
        r.errorName === write.error?.name &&
        (write.operation !== 'CreateVpcEndpoint' || r.action.serviceName === write.input.ServiceName),
    );
    if (match) used.add(match);
    else lost.push(write);
  }
  return lost;
}

export interface VpcCensus {
  /** Live interface endpoints per short service name, whoever made them. */
  interfaceEndpoints: Record<string, number>;
  /** Live S3 gateway endpoints. */
  s3Gateways: number;
  /** S3 gateway endpoints that carry each route table. */
  s3GatewaysPerRouteTable: Record<string, number>;
  /** Security groups named like ours in the VPC. */
  securityGroups: number;
  /** Their IDs and the CIDRs they admit on TCP 443. */
  groups: Array<{ id: string; https: string[] }>;
  /** Extra endpoints per service, extra S3 gateways per route table, extra security groups. Must be 0. */
  duplicates: number;
}

/** What the VPC holds now, read with a client that has no faults. */
export async function censusOf(ec2: EC2Client, vpcId: string): Promise<VpcCensus> {
  const endpoints: VpcEndpoint[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken: token }),
    );
    endpoints.push(...(page.VpcEndpoints ?? []));
    token = page.NextToken;
  } while (token);
  const live = endpoints.filter((e) => isLiveState(e.State));
  const interfaceEndpoints: Record<string, number> = {};
  for (const e of live.filter((x) => x.VpcEndpointType === 'Interface')) {
    const service = shortServiceName(e.ServiceName ?? '');
    interfaceEndpoints[service] = (interfaceEndpoints[service] ?? 0) + 1;
  }
  const gateways = live.filter((e) => e.VpcEndpointType === 'Gateway' && /\.s3$/.test(e.ServiceName ?? ''));
  const s3GatewaysPerRouteTable: Record<string, number> = {};
  for (const rt of gateways.flatMap((g) => g.RouteTableIds ?? [])) {
    s3GatewaysPerRouteTable[rt] = (s3GatewaysPerRouteTable[rt] ?? 0) + 1;
  }
  const sgs = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: [SECURITY_GROUP_NAME] },
      ],
    }),
  );
  const groups = (sgs.SecurityGroups ?? []).map((g) => ({
    id: g.GroupId!,
    https: (g.IpPermissions ?? [])
      .filter((p) => p.IpProtocol === 'tcp' && p.FromPort === 443 && p.ToPort === 443)
      .flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp!)),
  }));
  const extra = (counts: Record<string, number>) =>
    Object.values(counts).reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  return {
    interfaceEndpoints,
    s3Gateways: gateways.length,
    s3GatewaysPerRouteTable,
    securityGroups: groups.length,
    groups,
    duplicates: extra(interfaceEndpoints) + extra(s3GatewaysPerRouteTable) + Math.max(0, groups.length - 1),
  };
}

/** Faults injected, as "service:Operation ×n" (most first), for a test's failure message or a report note. */
export function describeInjected(byOperation: Record<string, number>): string {
  return Object.entries(byOperation)
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op}×${n}`)
    .join(', ');
}
