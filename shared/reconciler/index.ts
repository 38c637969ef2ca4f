// The endpoint reconciler: inventory (finders) → pure planner → executor. Triggers, the workflow and the
// CLI call these functions; the EC2 client is injected.
import type { EC2Client, Vpc } from '@aws-sdk/client-ec2';
import type { Config } from '../config';
import { describeError, errorName, InvalidInputError, NotOptedInError, VpcNotFoundError } from '../errors';
import { isVpcId, type VpcId } from '../ids';
import { countMetric, logger, MetricName } from '../observability';
import { endpointHourlyPrice, monthlyEndpointCost } from '../pricing';
import { executePlan } from './executor';
import {
  describeVpc,
  type InventoryOptions,
  listVpcIdsByTag,
  readEndpoints,
  readInventory,
  regionOf,
} from './inventory';
import { tagsToRecord } from './naming';
import { candidateServiceNames, planActions } from './planner';
import type {
  EndpointSummary,
  Plan,
  PlannedAction,
  ReconcileOptions,
  ReconcileResult,
  VpcInventory,
} from './types';

export { type ActionRegistry, RECONCILE_ACTIONS, TEARDOWN_ACTIONS } from './actions';
export { executePlan } from './executor';
export { type InventoryOptions, PAGE_LIMITS, pageSizeFor, readInventory } from './inventory';
export { RECONCILER_AND_TEARDOWN_PERMISSIONS, RECONCILER_PERMISSIONS } from './permissions';
export { planActions } from './planner';
export { planTeardown, planTeardownVpc, teardownVpc } from './teardown';
export type * from './types';

export interface VpcOptIn {
  exists: boolean;
  optedIn: boolean;
  tags: Record<string, string>;
}

export function isOptedIn(config: Config, tags: Record<string, string>): boolean {
  return tags[config.optInTag.key] === config.optInTag.value;
}

/**
 * readVpcOptIn plus the DescribeVpcs answer itself, for a caller that goes on to reconcileVpc: passing
 * `vpc` back as `reads.vpc` saves reconcileVpc a second DescribeVpcs.
 */
export async function readVpc(
  ec2: EC2Client,
  config: Config,
  vpcId: VpcId,
): Promise<VpcOptIn & { vpc?: Vpc }> {
  const vpc = await describeVpc(ec2, vpcId);
  if (!vpc) return { exists: false, optedIn: false, tags: {} };
  const tags = tagsToRecord(vpc.Tags);
  return { exists: true, optedIn: isOptedIn(config, tags), tags, vpc };
}

/** Whether the VPC exists and carries the opt-in tag. */
export async function readVpcOptIn(ec2: EC2Client, config: Config, vpcId: VpcId): Promise<VpcOptIn> {
  const { vpc: _vpc, ...optIn } = await readVpc(ec2, config, vpcId);
  return optIn;
}

/** Every VPC carrying the opt-in tag (paginated, filtered server-side by tag). */
export async function listOptedInVpcIds(ec2: EC2Client, config: Config): Promise<VpcId[]> {
  return (await listVpcIdsByTag(ec2, config.optInTag.key, config.optInTag.value)).filter(isVpcId).sort();
}

/** Every endpoint in the VPC, whoever made it. */
export async function listEndpoints(
  ec2: EC2Client,
  config: Config,
  vpcId: VpcId,
): Promise<EndpointSummary[]> {
  return readEndpoints(ec2, config, vpcId);
}

/** Number of endpoint-AZ attachments a plan adds (interface endpoints only; gateways cost nothing hourly). */
export function addedEndpointAzs(actions: PlannedAction[]): number {
  return actions
    .filter((a) => a.kind === 'create-interface-endpoint' || a.kind === 'add-endpoint-subnets')
    .reduce((sum, a) => sum + a.resourceIds.length, 0);
}

export function planCostUsd(actions: PlannedAction[], region: string, config: Config): number {
  return monthlyEndpointCost(addedEndpointAzs(actions), endpointHourlyPrice(region, config).usd);
}

/** Inventory and plan for one VPC, without the opt-in check. Read-only. */
export async function planVpc(
  ec2: EC2Client,
  config: Config,
  vpcId: VpcId,
  options: InventoryOptions = {},
): Promise<{ inventory: VpcInventory; plan: Plan }> {
  const region = await regionOf(ec2);
  const inventory = await readInventory(ec2, config, vpcId, candidateServiceNames(config, region), options);
  return { inventory, plan: planActions(config, inventory) };
}

/**
 * Converges one VPC on the desired endpoint set (the entry point validated its ID). Fails with
 * VpcNotFoundError for an unknown VPC and NotOptedInError for a VPC without the opt-in tag unless
 * options.force. dryRun plans only. A failed action is recorded in `results`, never thrown. Only the reads
 * before the first write can throw; once the plan is applied the results are always returned (a failed
 * re-read of the endpoints becomes a warning).
 * The VPC is read once: the same DescribeVpcs answer decides opt-in (before any write) and feeds the
 * inventory; `reads.vpc` (the caller's own DescribeVpcs answer, see readVpc) skips that call. `reads.pageSize`
 * forces small pages (tests and benches); production leaves it out.
 */
export async function reconcileVpc(
  ec2: EC2Client,
  config: Config,
  options: ReconcileOptions,
  reads: Pick<InventoryOptions, 'pageSize' | 'vpc' | 'route53'> = {},
): Promise<ReconcileResult> {
  if (!options || typeof options !== 'object')
    throw new InvalidInputError('options with a vpcId are required');
  const { vpcId } = options;
  const vpc = reads.vpc?.VpcId === vpcId ? reads.vpc : await describeVpc(ec2, vpcId);
  if (!vpc) throw new VpcNotFoundError(vpcId);
  const optedIn = isOptedIn(config, tagsToRecord(vpc.Tags));
  if (!optedIn && !options.force) {
    throw new NotOptedInError(vpcId, config.optInTag.key, config.optInTag.value);
  }
  const { inventory, plan } = await planVpc(ec2, config, vpcId, { ...reads, vpc });
  const writes = plan.actions.filter((a) => a.kind !== 'covered');
  const addedMonthlyCostUsd = planCostUsd(plan.actions, inventory.region, config);
  const base = {
    vpcId,
    optedIn,
    dryRun: Boolean(options.dryRun),
    actions: plan.actions,
    addedMonthlyCostUsd,
    warnings: plan.warnings,
    ...(plan.heldBack ? { heldBack: plan.heldBack } : {}),
  };
  logger.info('reconcile plan', {
    vpcId,
    dryRun: base.dryRun,
    force: Boolean(options.force),
    actions: plan.actions.map((a) => ({ kind: a.kind, service: a.service })),
    warnings: plan.warnings,
  });
  if (options.dryRun) {
    return {
      ...base,
      results: [],
      converged: writes.length === 0,
      changed: false,
      endpoints: inventory.endpoints,
    };
  }
  const results = await executePlan({ ec2, config }, plan.actions);
  const changed = results.some((r) => r.status === 'ok');
  const failed = results.filter((r) => r.status === 'error');
  const created = results.filter(
    (r) =>
      r.status === 'ok' &&
      (r.action.kind === 'create-interface-endpoint' || r.action.kind === 'create-gateway-endpoint'),
  ).length;
  countMetric(MetricName.EndpointsCreated, created);
  // Once writes were sent the per-item results are the record of what happened: a failed re-read must not
  // throw them away (a caller would lose which actions failed). It is reported as a warning instead, and the
  // endpoints are those read before this run.
  let endpoints = inventory.endpoints;
  let warnings = plan.warnings;
  if (changed) {
    try {
      endpoints = await readEndpoints(ec2, config, vpcId, reads.pageSize);
    } catch (err) {
      const warning = `could not re-read the endpoints after applying the plan (${errorName(err)}: ${describeError(err)}); the endpoint list is the one read before this run`;
      logger.warn('reconcile re-read failed', { vpcId, errorName: errorName(err), error: err as Error });
      warnings = [...warnings, warning];
    }
  }
  logger.info('reconcile done', { vpcId, changed, failed: failed.length, created });
  return { ...base, warnings, results, converged: failed.length === 0, changed, endpoints };
}
