// The rollout steps' reads and writes on container instances: describe them (observe), and run the actions
// `advance` returns (act): record a restart, reboot, set ACTIVE again. Results are recorded per item; a
// transient error fails the Task (its Retry polls again), any other fails the one item with its reason.
import { RebootInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  type ECSClient,
  PutAttributesCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import type { AwsClients } from '../clients';
import type { Config } from '../config';
import { describeError, errorName } from '../errors';
import { logger } from '../observability';
import { type Advanced, afterActionFailed, type ContainerView, type RolloutAction } from './advance';
import { isTransient, WorkflowStateError } from './errors';
import { chunk, endpointGeneration, RESTARTED_AT_ATTRIBUTE } from './plan';
import { type InstanceRef, type ItemProgress, keys, RESTART_RECORD_TTL_SECONDS } from './records';
import type { StateStore } from './store';
import type { RolloutPhase, WorkflowState } from './types';

/** The clients a rollout step may use; each step names the ones it calls (RolloutDeps<'ecs'> and so on). */
export type RolloutClientName = 'ec2' | 'ecs' | 'ssm';

export interface RolloutDeps<K extends RolloutClientName = RolloutClientName> {
  clients: Pick<AwsClients, K>;
  config: Config;
  store: StateStore;
  documentName?: string;
  /** The Windows (PowerShell) restart document, for refs marked `w`. */
  windowsDocumentName?: string;
  now: () => Date;
}

const PUT_ATTRIBUTES_LIMIT = 10;

/** The rollout phase, which DiscoverInstances writes for every later step. */
export function rolloutOf(state: WorkflowState): RolloutPhase {
  if (!state.rollout) {
    throw new WorkflowStateError('rollout phase missing from the workflow state', { runId: state.runId });
  }
  return state.rollout;
}

/** An error as one line for a per-item reason: its name and first message line. */
export function failure(err: unknown): string {
  return `${errorName(err)}: ${describeError(err)}`;
}

function byCluster(refs: readonly InstanceRef[]): Map<string, InstanceRef[]> {
  const out = new Map<string, InstanceRef[]>();
  for (const r of refs) out.set(r.c, [...(out.get(r.c) ?? []), r]);
  return out;
}

/**
 * The container instances of `refs` by EC2 instance ID, each as the decisions read it, or null when ECS no
 * longer has it: DescribeContainerInstances grouped by cluster, ≤100 per call.
 */
export async function describeContainers(
  ecs: ECSClient,
  refs: readonly InstanceRef[],
): Promise<Map<string, ContainerView | null>> {
  const out = new Map<string, ContainerView | null>(refs.map((r) => [r.i, null]));
  for (const [cluster, list] of byCluster(refs)) {
    for (const part of chunk(list, 100)) {
      const res = await ecs.send(
        new DescribeContainerInstancesCommand({ cluster, containerInstances: part.map((r) => r.a) }),
      );
      for (const ci of res.containerInstances ?? []) {
        if (!ci.ec2InstanceId || !out.has(ci.ec2InstanceId)) continue;
        const view: ContainerView = {};
        if (ci.agentConnected !== undefined) view.agentConnected = ci.agentConnected;
        if (ci.runningTasksCount !== undefined) view.runningTasksCount = ci.runningTasksCount;
        if (ci.agentUpdateStatus !== undefined) view.agentUpdateStatus = ci.agentUpdateStatus;
        if (ci.versionInfo?.agentVersion) view.agentVersion = ci.versionInfo.agentVersion;
        out.set(ci.ec2InstanceId, view);
      }
    }
  }
  return out;
}

/**
 * Records the restart of each container instance: first the durable record in the state table (per VPC and
 * container instance, with the endpoint generation), which decides "already restarted" for every later run;
 * its failure fails the Task, whose Retry records again. Then the ECS attribute, only a hint for operators and
 * older runs: ECS refuses it on an instance that already has its ten custom attributes, which is noted, not
 * fatal. Returns, per EC2 instance ID, why its hint was not written.
 */
async function recordRestarts(
  deps: RolloutDeps<'ecs'>,
  state: WorkflowState,
  refs: InstanceRef[],
): Promise<Map<string, string>> {
  const value = deps.now().toISOString();
  const generation =
    state.fleet?.generation ?? endpointGeneration((state.endpoints?.list ?? []).map((e) => e.id));
  await deps.store.putMany(
    refs.map((r) => [
      keys.restarted(state.input.vpcId, r.a),
      { g: generation, at: value, i: r.i, run: state.runId },
    ]),
    { ttlSeconds: RESTART_RECORD_TTL_SECONDS },
  );
  const hintsMissing = new Map<string, string>();
  for (const [cluster, list] of byCluster(refs)) {
    for (const part of chunk(list, PUT_ATTRIBUTES_LIMIT)) {
      try {
        await deps.clients.ecs.send(
          new PutAttributesCommand({
            cluster,
            attributes: part.map((r) => ({ name: RESTARTED_AT_ATTRIBUTE, value, targetId: r.a })),
          }),
        );
      } catch (err) {
        if (isTransient(err)) throw err;
        logger.warn('could not write the restart attribute hint; the state table records the restart', {
          cluster,
          error: failure(err),
        });
        for (const r of part) hintsMissing.set(r.i, failure(err));
      }
    }
  }
  return hintsMissing;
}

/** One decided item: where its progress is kept, its ref, and what `advance` returned for it. */
export interface Decided extends Advanced {
  ref: InstanceRef;
}

/** Runs one action; undefined when it succeeded, else why it failed (a transient error is thrown). */
async function runAction(
  deps: RolloutDeps<'ec2' | 'ecs'>,
  ref: InstanceRef,
  action: RolloutAction,
): Promise<string | undefined> {
  try {
    if (action.kind === 'reboot') {
      await deps.clients.ec2.send(new RebootInstancesCommand({ InstanceIds: [ref.i] }));
    } else if (action.kind === 'setActive') {
      await deps.clients.ecs.send(
        new UpdateContainerInstancesStateCommand({
          cluster: ref.c,
          containerInstances: [ref.a],
          status: 'ACTIVE',
        }),
      );
    }
    return undefined;
  } catch (err) {
    if (isTransient(err)) throw err;
    return failure(err);
  }
}

/**
 * Runs the decided actions and writes each item's resulting progress into `items`. Per item in order: reboot
 * and set ACTIVE, each failure turned into the item's next state by afterActionFailed; then the restarts to
 * record, all at once (recordDecided).
 */
export async function act(
  deps: RolloutDeps<'ec2' | 'ecs'>,
  state: WorkflowState,
  decided: readonly Decided[],
  items: Record<string, ItemProgress>,
): Promise<void> {
  const done: Decided[] = [];
  for (const d of decided) {
    let { progress, actions } = d;
    while (actions[0] && actions[0].kind !== 'recordRestart') {
      const [action, ...rest] = actions as [RolloutAction, ...RolloutAction[]];
      const failed = await runAction(deps, d.ref, action);
      ({ progress, actions } =
        failed === undefined
          ? { progress, actions: rest }
          : afterActionFailed({ ref: d.ref, progress }, action, failed, rest));
    }
    done.push({ ref: d.ref, progress, actions });
  }
  await recordDecided(deps, state, done, items);
}

/**
 * Writes each decided item's progress into `items` and records the restarts of those whose next action is
 * `recordRestart` (the last action `advance` ever returns), all at once. The agent-update poll, whose
 * decisions hold no other action, calls this alone.
 */
export async function recordDecided(
  deps: RolloutDeps<'ecs'>,
  state: WorkflowState,
  decided: readonly Decided[],
  items: Record<string, ItemProgress>,
): Promise<void> {
  for (const d of decided) items[d.ref.i] = d.progress;
  const toRecord = decided.filter((d) => d.actions[0]?.kind === 'recordRestart');
  if (toRecord.length === 0) return;
  const hintsMissing = await recordRestarts(
    deps,
    state,
    toRecord.map((d) => d.ref),
  );
  for (const d of toRecord) {
    const missing = hintsMissing.get(d.ref.i);
    if (missing === undefined) continue;
    items[d.ref.i] = afterActionFailed(d, { kind: 'recordRestart' }, missing, []).progress;
  }
}
