// Planning across an AWS Organization, the way c7n-org runs a policy across accounts: list the accounts of the
// target OUs (child OUs included, as StackSets deploys to them), then for each account and region assume the
// member stack's read-only planner role and plan every opted-in VPC with the same planner as `plan`. Bounded
// concurrency; the SDK's retries with backoff absorb throttling; one account-region that fails is recorded and
// the others go on.
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { Route53Client } from '@aws-sdk/client-route-53';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../../shared/clients';
import type { Config } from '../../shared/config';
import { describeError, errorName, InvalidInputError } from '../../shared/errors';
import { plannerRoleName } from '../../shared/org/names';
import { addedEndpointAzs, listOptedInVpcIds, planCostUsd, planVpc } from '../../shared/reconciler';

/** Which accounts and regions to plan: config `organization` (targets, regions, excludeAccounts). */
export interface OrgTargets {
  /** OU ids (or the root id) whose accounts, child OUs included, are planned. */
  targets: readonly string[];
  regions: readonly string[];
  excludeAccounts?: readonly string[];
}

/** The config's `organization` section, which `plan --org` needs: a clear error naming it when absent. */
export function orgTargetsOf(config: Config): OrgTargets {
  const org = config.organization;
  if (!org) {
    throw new InvalidInputError(
      'plan --org needs the organization section in the config (--config): targets (OU ids) and regions',
      { field: 'organization' },
    );
  }
  return org;
}

export interface TargetAccount {
  id: string;
  name: string;
}

/** AWS credentials as AssumeRole returns them, in the SDK's identity shape. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

type AnyClient = EC2Client | Route53Client | STSClient | OrganizationsClient;

/** The clients `plan --org` makes: the caller's STS and Organizations, and each member's with its session. */
export interface OrgClientFactory {
  sts: STSClient;
  organizations: OrganizationsClient;
  member(region: string, credentials: SessionCredentials): { ec2: EC2Client; route53: Route53Client };
}

export interface OrgClientOptions {
  /** The caller's region (STS's regional endpoint); default the SDK chain. */
  region?: string;
  /** The caller's credentials; default the SDK chain. */
  credentials?: SessionCredentials;
  /** Attempts per call (default AWS_MAX_ATTEMPTS, else 5): the SDK retries throttling with backoff. */
  maxAttempts?: number;
  /** Receives every client made, before its first call (a simulated organization serves them this way). */
  onClient?: (client: AnyClient) => void;
}

/** Real SDK clients, configured like every other client of the CLI (AWS_MAX_ATTEMPTS, standard retries). */
export function orgClients(options: OrgClientOptions = {}): OrgClientFactory {
  const attempts = options.maxAttempts ? { maxAttempts: options.maxAttempts } : {};
  const base = {
    ...clientConfig({ ...attempts, ...(options.region ? { region: options.region } : {}) }),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const made = <C extends AnyClient>(client: C): C => {
    options.onClient?.(client);
    return client;
  };
  return {
    sts: made(new STSClient(base)),
    // Organizations has one endpoint, in us-east-1 (aws partition).
    organizations: made(new OrganizationsClient({ ...base, region: 'us-east-1' })),
    member: (region, credentials) => {
      const config = { ...clientConfig({ ...attempts, region }), credentials };
      return { ec2: made(new EC2Client(config)), route53: made(new Route53Client(config)) };
    },
  };
}

const OU_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

/** Every ACTIVE account under the target OUs (child OUs included), minus the excluded ones, sorted by id. */
export async function listTargetAccounts(
  organizations: OrganizationsClient,
  targets: OrgTargets,
): Promise<TargetAccount[]> {
  if (targets.targets.length === 0) {
    throw new InvalidInputError('organization.targets names no OU to plan', {
      field: 'organization.targets',
    });
  }
  for (const id of targets.targets) {
    if (!OU_ID.test(id)) {
      throw new InvalidInputError(`organization.targets: ${JSON.stringify(id)} is not an OU or root id`, {
        field: 'organization.targets',
      });
    }
  }
  const excluded = new Set(targets.excludeAccounts ?? []);
  const found = new Map<string, TargetAccount>();
  const queue = [...targets.targets];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const parentId = queue.shift()!;
    if (seen.has(parentId)) continue;
    seen.add(parentId);
    let token: string | undefined;
    do {
      const page = await organizations.send(
        new ListAccountsForParentCommand({ ParentId: parentId, NextToken: token }),
      );
      for (const a of page.Accounts ?? []) {
        const active = (a.State ?? a.Status) === 'ACTIVE';
        if (a.Id && active && !excluded.has(a.Id)) found.set(a.Id, { id: a.Id, name: a.Name ?? a.Id });
      }
      token = page.NextToken;
    } while (token);
    do {
      const page = await organizations.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken: token }),
      );
      for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) queue.push(ou.Id);
      token = page.NextToken;
    } while (token);
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The partition of a region, for the ARNs of the roles assumed there. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export interface VpcPlanSummary {
  vpcId: string;
  /** Endpoints the plan creates (interface and gateway). */
  endpointsToCreate: number;
  /** Interface endpoint AZs added: what the monthly cost counts. */
  endpointAzs: number;
  monthlyUsd: number;
  /** Writes the plan makes (every action but `covered`): 0 means converged. */
  changes: number;
  warnings: string[];
}

export interface AccountRegionPlan {
  accountId: string;
  accountName: string;
  region: string;
  roleArn: string;
  ok: boolean;
  vpcs: VpcPlanSummary[];
  endpointsToCreate: number;
  monthlyUsd: number;
  /** Why the account-region could not be planned. */
  error?: { name: string; message: string };
}

export interface OrgPlanTotals {
  accountRegions: number;
  failed: number;
  vpcs: number;
  endpointsToCreate: number;
  monthlyUsd: number;
}

export interface OrgPlanOptions {
  clients: OrgClientFactory;
  config: Config;
  targets: OrgTargets;
  concurrency: number;
  /** Called with each account-region's result as it arrives. */
  onResult?: (result: AccountRegionPlan) => void;
}

/** Plans every opted-in VPC of one account-region through its planner role. Never throws: a failure is recorded. */
export async function planAccountRegion(
  clients: OrgClientFactory,
  config: Config,
  account: TargetAccount,
  region: string,
): Promise<AccountRegionPlan> {
  const roleArn = `arn:${partitionOf(region)}:iam::${account.id}:role/${plannerRoleName(region)}`;
  const base = { accountId: account.id, accountName: account.name, region, roleArn };
  try {
    const assumed = await clients.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'privatelink-ecs-plan',
        DurationSeconds: 3600,
      }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    const { ec2, route53 } = clients.member(region, {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    });
    try {
      const vpcs: VpcPlanSummary[] = [];
      for (const vpcId of await listOptedInVpcIds(ec2, config)) {
        const { inventory, plan } = await planVpc(ec2, config, vpcId, { route53 });
        vpcs.push({
          vpcId,
          endpointsToCreate: plan.actions.filter(
            (a) => a.kind === 'create-interface-endpoint' || a.kind === 'create-gateway-endpoint',
          ).length,
          endpointAzs: addedEndpointAzs(plan.actions),
          monthlyUsd: planCostUsd(plan.actions, inventory.region, config),
          changes: plan.actions.filter((a) => a.kind !== 'covered').length,
          warnings: plan.warnings,
        });
      }
      return {
        ...base,
        ok: true,
        vpcs,
        endpointsToCreate: vpcs.reduce((n, v) => n + v.endpointsToCreate, 0),
        monthlyUsd: roundCents(vpcs.reduce((n, v) => n + v.monthlyUsd, 0)),
      };
    } finally {
      ec2.destroy();
      route53.destroy();
    }
  } catch (err) {
    return {
      ...base,
      ok: false,
      vpcs: [],
      endpointsToCreate: 0,
      monthlyUsd: 0,
      error: { name: errorName(err), message: describeError(err) },
    };
  }
}

function roundCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** Runs `work` on every item with at most `limit` at a time; results in the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function totalsOf(results: readonly AccountRegionPlan[]): OrgPlanTotals {
  return {
    accountRegions: results.length,
    failed: results.filter((r) => !r.ok).length,
    vpcs: results.reduce((n, r) => n + r.vpcs.length, 0),
    endpointsToCreate: results.reduce((n, r) => n + r.endpointsToCreate, 0),
    monthlyUsd: roundCents(results.reduce((n, r) => n + r.monthlyUsd, 0)),
  };
}

/** Plans every account-region of the targets; listing the accounts is the only step that can throw. */
export async function planOrganization(
  options: OrgPlanOptions,
): Promise<{ accounts: TargetAccount[]; results: AccountRegionPlan[]; totals: OrgPlanTotals }> {
  const accounts = await listTargetAccounts(options.clients.organizations, options.targets);
  const work = accounts.flatMap((account) => options.targets.regions.map((region) => ({ account, region })));
  const results = await mapBounded(work, options.concurrency, async ({ account, region }) => {
    const result = await planAccountRegion(options.clients, options.config, account, region);
    options.onResult?.(result);
    return result;
  });
  return { accounts, results, totals: totalsOf(results) };
}
