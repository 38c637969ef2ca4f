// The trigger service: what every trigger Lambda (and `privatelink-ecs event`) does with a validated event.
// It never trusts the event alone: it re-reads the VPC's tags, reconciles the endpoints, and starts the
// workflow only when there is something for it to do. Work is serialized per VPC by the injected lock.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Config } from '../config';
import { describeError, errorName, TriggerFailedError } from '../errors';
import { isVpcId, type VpcId } from '../ids';
import { logger } from '../observability';
import {
  type ActionResult,
  executePlan,
  listEndpoints,
  listOptedInVpcIds,
  type PlannedAction,
  planTeardownVpc,
  type ReconcileResult,
  readVpc,
  reconcileVpc,
  TEARDOWN_ACTIONS,
} from '../reconciler';
import { isGoneState } from '../reconciler/naming';
import { reliedOn } from '../workflow/endpoints';
import { CREATION_TIME_RESOLUTION_MS, endpointGeneration } from '../workflow/plan';
import { keys, type RestartRecord } from '../workflow/records';
import type { StateStore } from '../workflow/store';
import {
  clusterCarriesOptInTag,
  describeInstancePlacements,
  listClusterInstances,
  listClusterOptedInVpcIds,
  readInstanceRestart,
  registeredInstancesInVpc,
} from './ecs';
import type { VpcLock } from './lock';
import type { TriggerRuleId } from './patterns';
import type { EventEnvelope, TriggerIntent } from './schemas';
import { executionName, startRemediation, type WorkflowStart } from './workflow';

export interface TriggerDeps {
  ec2: EC2Client;
  /** Reads the VPC's private hosted zones (services served centrally); absent skips that check. */
  route53?: Route53Client;
  ecs: ECSClient;
  sfn: SFNClient;
  config: Config;
  /** Required to start the workflow; without it (CLI) the outcome says what would be started. */
  stateMachineArn?: string;
  /** Serializes work per VPC; absent in a dry run or a CLI run without a table. */
  lock?: VpcLock;
  /** Read-only: plan, decide, report; no writes, no StartExecution, no lock. */
  dryRun?: boolean;
  /**
   * The workflow's durable restart records (the state table, read only). Absent (a CLI run without a table),
   * "already restarted" is decided from the ECS attribute hint alone.
   */
  restarts?: Pick<StateStore, 'get'>;
}

export type VpcDecision =
  | 'reconciled'
  | 'not-opted-in'
  | 'opted-out-kept'
  | 'torn-down'
  | 'teardown-refused'
  | 'vpc-not-found'
  | 'failed';

export interface VpcOutcome {
  vpcId: string;
  decision: VpcDecision;
  /** One sentence a user can read. */
  message: string;
  optInSource?: 'vpc-tag' | 'cluster-tag';
  reconcile?: ReconcileResult;
  teardown?: ActionResult[];
  /** Dry run of an opt-out teardown: the delete steps a real run would execute. */
  teardownPlan?: PlannedAction[];
  /** The workflow start, when the trigger decided there is something for it to do. */
  workflow?: WorkflowStart;
  error?: { name: string; message: string };
}

export interface TriggerOutcome {
  eventId: string;
  rule: TriggerRuleId | 'sweep';
  dryRun: boolean;
  vpcs: VpcOutcome[];
  /** Things found on the way: an instance that no longer exists, a cluster without instances yet. */
  notes: string[];
}

interface VpcTarget {
  vpcId: VpcId;
  /** The cluster carries the opt-in tag (config.clusterTagOptIn): act as if the VPC were tagged. */
  clusterOptIn?: boolean;
  /** The container instance whose event brought us here. */
  instance?: {
    ec2InstanceId: string;
    containerInstanceArn: string;
    clusterArn: string;
    registeredAt?: Date;
  };
}

async function resolveTargets(
  intent: TriggerIntent,
  deps: TriggerDeps,
  notes: string[],
): Promise<VpcTarget[]> {
  const { ec2, ecs, config } = deps;
  switch (intent.kind) {
    case 'vpcs':
      return intent.vpcIds.map((vpcId) => ({ vpcId }));
    case 'sweep': {
      const tagged = await listOptedInVpcIds(ec2, config);
      const targets: VpcTarget[] = tagged.map((vpcId) => ({ vpcId }));
      if (config.clusterTagOptIn) {
        // VPCs opted in only through a tagged cluster; a VPC carrying the tag itself is already listed.
        const seen = new Set(tagged);
        for (const vpcId of await listClusterOptedInVpcIds(deps, config)) {
          if (!seen.has(vpcId)) targets.push({ vpcId, clusterOptIn: true });
        }
      }
      return targets;
    }
    case 'instance': {
      const placement = (await describeInstancePlacements(ec2, [intent.ec2InstanceId])).get(
        intent.ec2InstanceId,
      );
      if (!isVpcId(placement?.vpcId) || placement.state === 'terminated') {
        notes.push(`EC2 instance ${intent.ec2InstanceId} no longer exists (or is terminated); nothing to do`);
        return [];
      }
      const clusterOptIn =
        config.clusterTagOptIn && (await clusterCarriesOptInTag(ecs, config, intent.clusterArn));
      return [
        {
          vpcId: placement.vpcId,
          clusterOptIn,
          instance: {
            ec2InstanceId: intent.ec2InstanceId,
            containerInstanceArn: intent.containerInstanceArn,
            clusterArn: intent.clusterArn,
            ...(intent.registeredAt ? { registeredAt: new Date(intent.registeredAt) } : {}),
          },
        },
      ];
    }
    case 'cluster': {
      let instances: Awaited<ReturnType<typeof listClusterInstances>>;
      try {
        instances = await listClusterInstances(ecs, intent.clusterArn);
      } catch (err) {
        if (errorName(err) !== 'ClusterNotFoundException') throw err;
        notes.push(`cluster ${intent.clusterArn} no longer exists; nothing to do`);
        return [];
      }
      if (instances.length === 0) {
        notes.push(
          `cluster ${intent.clusterArn} has no container instances yet; nothing to do until one registers`,
        );
        return [];
      }
      const clusterOptIn =
        config.clusterTagOptIn && (await clusterCarriesOptInTag(ecs, config, intent.clusterArn));
      const placements = await describeInstancePlacements(
        ec2,
        instances.flatMap((i) => (i.ec2InstanceId ? [i.ec2InstanceId] : [])),
      );
      const vpcIds = [...new Set([...placements.values()].map((p) => p.vpcId).filter(isVpcId))].sort();
      return vpcIds.map((vpcId) => ({ vpcId, clusterOptIn }));
    }
  }
}

/** Only a time a full second after `iso` (creation times may be truncated to the second) proves "after". */
function provesAfter(time: Date | string, iso: string): boolean {
  return new Date(time).getTime() >= Date.parse(iso) + CREATION_TIME_RESOLUTION_MS;
}

/**
 * Why the workflow should run for this VPC now; empty when there is nothing for it to do. For an instance
 * event whose registration predates the endpoints, the workflow's records of the instance's last restart are
 * read: first the durable record in the state table (restarted for the current endpoint generation?), then
 * the privatelink-ecs.restarted-at attribute hint. An agent restarted for the current endpoints already uses
 * them, so its events never start a workflow again (its registeredAt never changes after a restart), even
 * when the workflow could not write the attribute.
 */
async function workflowReasons(
  deps: TriggerDeps,
  target: VpcTarget,
  result: ReconcileResult,
): Promise<string[]> {
  const reasons: string[] = [];
  if (result.changed) reasons.push('endpoints were created or changed');
  if (result.dryRun) {
    const writes = result.actions.filter((a) => a.kind !== 'covered');
    if (writes.length) reasons.push(`${writes.length} endpoint change(s) are planned`);
  }
  // Only an instance event looks at the states and ages of our endpoints, as the reconcile left them (its
  // endpoint list is re-read after any write).
  const instance = target.instance;
  if (!instance) return reasons;
  const ours = result.endpoints.filter((e) => e.managed && !isGoneState(e.state));
  if (ours.length === 0) return reasons;
  if (ours.some((e) => e.state.toLowerCase() !== 'available')) {
    reasons.push('not every endpoint is available yet');
  }
  const newestCreatedAt = ours.reduce<string | undefined>(
    (newest, e) => (e.createdAt && (!newest || e.createdAt > newest) ? e.createdAt : newest),
    undefined,
  );
  // Creation times may be truncated to the second (as the workflow's own rule says): only a registration a
  // full second after the newest endpoint proves the agent connected through the endpoints.
  if (!instance.registeredAt || !newestCreatedAt || provesAfter(instance.registeredAt, newestCreatedAt)) {
    return reasons;
  }
  const context = { instanceId: instance.ec2InstanceId, containerInstanceArn: instance.containerInstanceArn };
  if (deps.restarts) {
    const generation = endpointGeneration(result.endpoints.filter(reliedOn(deps.config)).map((e) => e.id));
    const durable = await deps.restarts.get<RestartRecord>(
      keys.restarted(target.vpcId, instance.containerInstanceArn),
    );
    if (durable?.g === generation) {
      logger.info('agent already restarted for the current endpoints (state table); no workflow needed', {
        ...context,
        generation,
        restartedAt: durable.at,
        run: durable.run,
      });
      return reasons;
    }
  }
  const record = await readInstanceRestart(deps.ecs, instance.clusterArn, instance.containerInstanceArn);
  if (!record.registered) {
    logger.info('container instance is no longer registered; no restart needed', context);
  } else if (record.restartedAt && provesAfter(record.restartedAt, newestCreatedAt)) {
    logger.info('agent already restarted for the current endpoints; no workflow needed', {
      ...context,
      restartedAt: record.restartedAt,
      newestEndpointCreatedAt: newestCreatedAt,
    });
  } else {
    reasons.push(
      `instance ${instance.ec2InstanceId} registered before the endpoints were created${record.restartedAt ? ` and was last restarted before the newest one (${record.restartedAt})` : ''}, so its agent may still use the old path`,
    );
  }
  return reasons;
}

async function handleOptedOut(deps: TriggerDeps, vpcId: VpcId): Promise<VpcOutcome> {
  const { config } = deps;
  const ours = (await listEndpoints(deps.ec2, config, vpcId)).filter((e) => e.managed);
  if (ours.length === 0) {
    return {
      vpcId,
      decision: 'not-opted-in',
      message: `VPC ${vpcId} is not opted in (${config.optInTag.key}=${config.optInTag.value}) and has no endpoints of ours; nothing to do`,
    };
  }
  if (!config.teardownOnOptOut) {
    const message = `VPC ${vpcId} is no longer opted in; its ${ours.length} endpoint(s) are kept because teardownOnOptOut is off (removing them could cut running clusters off)`;
    logger.warn('VPC opted out; endpoints kept', { vpcId, endpoints: ours.map((e) => e.id) });
    return { vpcId, decision: 'opted-out-kept', message };
  }
  const remaining = await registeredInstancesInVpc(deps, vpcId);
  if (remaining.length > 0) {
    const ids = remaining.map((i) => i.ec2InstanceId).slice(0, 5);
    const message = `VPC ${vpcId} is no longer opted in, but teardown is refused: ${remaining.length} container instance(s) are still registered (${ids.join(', ')}${remaining.length > ids.length ? ', …' : ''})`;
    logger.warn('teardown refused: container instances still registered', { vpcId, instances: ids });
    return { vpcId, decision: 'teardown-refused', message };
  }
  // Teardown is a plan like any other: a dry run shows its steps, a real run executes them.
  const steps = await planTeardownVpc(deps.ec2, config, vpcId);
  if (deps.dryRun) {
    const endpoints = steps.filter((s) => s.kind === 'delete-endpoint').length;
    const group = steps.some((s) => s.kind === 'delete-security-group') ? ' and security group' : '';
    return {
      vpcId,
      decision: 'torn-down',
      teardownPlan: steps,
      message: `would delete our ${endpoints} endpoint(s)${group} in VPC ${vpcId} (dry run: nothing deleted)`,
    };
  }
  const results = await executePlan({ ec2: deps.ec2, config }, steps, TEARDOWN_ACTIONS);
  const failed = results.filter((r) => r.status === 'error');
  if (failed.length) {
    const first = failed[0]!;
    return {
      vpcId,
      decision: 'failed',
      teardown: results,
      message: `teardown of VPC ${vpcId}: ${failed.length} of ${results.length} deletions failed (first: ${first.message})`,
      error: { name: first.errorName ?? 'Error', message: first.message },
    };
  }
  logger.info('VPC opted out; our endpoints and security group deleted', { vpcId, deleted: results.length });
  return {
    vpcId,
    decision: 'torn-down',
    teardown: results,
    message: `VPC ${vpcId} opted out: deleted ${results.length} resource(s) we had created`,
  };
}

async function processVpc(
  deps: TriggerDeps,
  event: EventEnvelope,
  rule: TriggerRuleId | 'sweep',
  target: VpcTarget,
): Promise<VpcOutcome> {
  const { vpcId } = target;
  const optIn = await readVpc(deps.ec2, deps.config, vpcId);
  if (!optIn.exists) {
    return { vpcId, decision: 'vpc-not-found', message: `VPC ${vpcId} no longer exists; nothing to do` };
  }
  if (!optIn.optedIn && !target.clusterOptIn) return handleOptedOut(deps, vpcId);

  const optInSource = optIn.optedIn ? 'vpc-tag' : 'cluster-tag';
  const result = await reconcileVpc(
    deps.ec2,
    deps.config,
    { vpcId, force: !optIn.optedIn, dryRun: Boolean(deps.dryRun) },
    { vpc: optIn.vpc, ...(deps.route53 ? { route53: deps.route53 } : {}) },
  );
  const failed = result.results.filter((r) => r.status === 'error');
  const reasons = await workflowReasons(deps, target, result);
  const outcome: VpcOutcome = {
    vpcId,
    decision: failed.length ? 'failed' : 'reconciled',
    optInSource,
    reconcile: result,
    message: result.dryRun
      ? `${result.actions.filter((a) => a.kind !== 'covered').length} change(s) planned for VPC ${vpcId}`
      : failed.length
        ? `${failed.length} of ${result.results.length} actions failed in VPC ${vpcId} (first: ${failed[0]!.message})`
        : result.changed
          ? `VPC ${vpcId} converged; endpoints created or changed`
          : `VPC ${vpcId} was already converged`,
  };
  if (failed.length) outcome.error = { name: failed[0]!.errorName ?? 'Error', message: failed[0]!.message };

  if (reasons.length) {
    // One execution per VPC and triggering event (DESIGN contract): a redelivered event maps to the same name
    // and starts nothing new, while a later event can start a fresh run. A run that finds every agent already
    // restarted since the endpoints became available restarts nobody (the workflow records each restart).
    const name = executionName(vpcId, `event@${event.id}`);
    const trigger = { eventId: event.id, kind: rule };
    if (deps.dryRun || !deps.stateMachineArn) {
      outcome.workflow = { name, attempted: false, started: false, duplicate: false, reasons };
    } else {
      outcome.workflow = await startRemediation(deps.sfn, {
        stateMachineArn: deps.stateMachineArn,
        vpcId,
        name,
        trigger,
        reasons,
        endpointsChanged: result.changed,
      });
    }
  }
  return outcome;
}

/**
 * Handles one validated event. Per-VPC outcomes are always complete: one failing VPC does not stop the
 * others. When any VPC failed (a throttled call after the SDK's retries, a failed action), the error is
 * thrown at the end so the platform retries the event; the work done so far is idempotent.
 */
export async function handleTriggerEvent(
  input: { event: EventEnvelope; rule: TriggerRuleId | 'sweep'; intent: TriggerIntent },
  deps: TriggerDeps,
  options: { throwOnFailure?: boolean } = {},
): Promise<TriggerOutcome> {
  const { event, rule, intent } = input;
  const notes: string[] = [];
  const targets = await resolveTargets(intent, deps, notes);
  for (const note of notes) logger.info(note, { eventId: event.id, rule });
  const outcomes: VpcOutcome[] = [];
  const errors: unknown[] = [];
  for (const target of targets) {
    logger.appendKeys({ vpcId: target.vpcId });
    try {
      const run = () => processVpc(deps, event, rule, target);
      const outcome = deps.lock && !deps.dryRun ? await deps.lock.withLock(target.vpcId, run) : await run();
      outcomes.push(outcome);
      if (outcome.decision === 'failed') {
        errors.push(new TriggerFailedError(outcome.message, { vpcId: target.vpcId }));
        logger.error('trigger failed for VPC', { vpcId: target.vpcId, reason: outcome.message });
      } else {
        logger.info('trigger handled VPC', {
          vpcId: target.vpcId,
          decision: outcome.decision,
          workflow: outcome.workflow?.name,
          detail: outcome.message,
        });
      }
    } catch (err) {
      errors.push(err);
      outcomes.push({
        vpcId: target.vpcId,
        decision: 'failed',
        message: describeError(err),
        error: { name: errorName(err), message: describeError(err) },
      });
      logger.error('trigger failed for VPC', { vpcId: target.vpcId, error: err as Error });
    } finally {
      logger.removeKeys(['vpcId']);
    }
  }
  const outcome: TriggerOutcome = {
    eventId: event.id,
    rule,
    dryRun: Boolean(deps.dryRun),
    vpcs: outcomes,
    notes,
  };
  if (errors.length && options.throwOnFailure !== false) {
    if (errors.length === 1 && targets.length === 1) throw errors[0];
    throw new TriggerFailedError(
      `${errors.length} of ${targets.length} VPCs failed: ${outcomes
        .filter((o) => o.decision === 'failed')
        .map((o) => `${o.vpcId}: ${o.message}`)
        .join('; ')}`,
      { eventId: event.id },
      { cause: errors[0] },
    );
  }
  return outcome;
}
