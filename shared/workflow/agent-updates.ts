// The agent gate: UpdateContainerAgent for agents too old to use the endpoints. Updates roll like the restarts:
// one batch (restart.maxConcurrency instances) at a time, the next one only once every update of the batch is
// UPDATED or failed, and none after the failures exceed restart.maxErrors (the same budget as the restarts).
import { UpdateContainerAgentCommand } from '@aws-sdk/client-ecs';
import { errorName } from '../errors';
import { logger } from '../observability';
import {
  advance,
  limitsOf,
  ROLLOUT_POLL_MAX_SECONDS,
  ROLLOUT_POLL_MIN_SECONDS,
  settleBatch,
} from './advance';
import { isTransient } from './errors';
import { backoffSeconds } from './plan';
import { type InstanceRef, keys, type ProgressRecord } from './records';
import {
  type Decided,
  describeContainers,
  failure,
  type RolloutDeps,
  recordDecided,
  rolloutOf,
} from './rollout-io';
import { mustGet } from './store';
import type { UpdatePhase, WorkflowState } from './types';

/**
 * UpdateContainerAgent for the instances of update batch `n` (restart.maxConcurrency of them). An instance with
 * a progress item was started by an earlier attempt of the Task and is not sent again.
 */
async function startUpdateBatch(deps: RolloutDeps<'ecs'>, state: WorkflowState, n: number): Promise<number> {
  const refs = await mustGet<InstanceRef[]>(deps.store, keys.updates(state.runId, n));
  const progress = (await deps.store.get<ProgressRecord>(keys.updateProgress(state.runId, n))) ?? {
    commands: [],
    items: {},
  };
  for (const ref of refs) {
    if (progress.items[ref.i]) continue; // started by an earlier attempt of this Task
    try {
      await deps.clients.ecs.send(
        new UpdateContainerAgentCommand({ cluster: ref.c, containerInstance: ref.a }),
      );
      progress.items[ref.i] = { phase: 'updating', since: 0 };
    } catch (err) {
      if (errorName(err) === 'UpdateInProgressException') {
        progress.items[ref.i] = { phase: 'updating', since: 0 };
      } else if (isTransient(err)) {
        await deps.store.put(keys.updateProgress(state.runId, n), progress);
        throw err;
      } else {
        progress.items[ref.i] = {
          phase: 'done',
          since: 0,
          outcome: 'failed',
          reason: `agent update could not start: ${failure(err)}`,
        };
      }
    }
  }
  await deps.store.put(keys.updateProgress(state.runId, n), progress);
  logger.info('agent update batch started', {
    vpcId: state.input.vpcId,
    batch: n,
    batches: state.updates?.chunks,
    instances: refs.length,
  });
  return refs.length;
}

/** The phase right after update batch `n` started: polls from the shortest interval, the timeout from zero. */
function updatesStarted(updates: UpdatePhase, n: number): UpdatePhase {
  return {
    ...updates,
    batchIndex: n,
    attempts: 0,
    elapsedSeconds: 0,
    waitSeconds: ROLLOUT_POLL_MIN_SECONDS,
    done: false,
  };
}

/** StartAgentUpdates: the first (or, on a retried Task, the current) update batch. */
export async function startAgentUpdates(
  deps: RolloutDeps<'ecs'>,
  state: WorkflowState,
): Promise<WorkflowState> {
  const updates = state.updates!;
  const n = updates.batchIndex ?? 0;
  await startUpdateBatch(deps, state, n);
  return { ...state, updates: updatesStarted(updates, n) };
}

/**
 * CheckAgentUpdates: one poll of the current update batch. Observe (DescribeContainerInstances of the updates
 * still running), decide (`advance` per instance), act (record the updated agents as restarted); once the batch
 * is finished, count it against the error budget and start the next batch or end the gate.
 */
export async function checkAgentUpdates(
  deps: RolloutDeps<'ecs'>,
  state: WorkflowState,
): Promise<WorkflowState> {
  const updates = state.updates!;
  const n = updates.batchIndex ?? 0;
  const refs = await mustGet<InstanceRef[]>(deps.store, keys.updates(state.runId, n));
  const progress = await mustGet<ProgressRecord>(deps.store, keys.updateProgress(state.runId, n));

  // Observe
  const open = refs.filter((r) => progress.items[r.i]?.phase === 'updating');
  const seen = open.length ? await describeContainers(deps.clients.ecs, open) : new Map();
  const nowMs = deps.now().getTime();

  // Decide
  const limits = limitsOf(deps.config.restart);
  const decided: Decided[] = open.map((ref) => ({
    ref,
    ...advance(
      { ref, progress: progress.items[ref.i]! },
      { elapsedSeconds: updates.elapsedSeconds, nowMs, container: seen.get(ref.i) ?? null },
      limits,
    ),
  }));

  // Act
  await recordDecided(deps, state, decided, progress.items);
  await deps.store.put(keys.updateProgress(state.runId, n), progress);

  let pending = 0;
  let restarted = 0;
  let failed = 0;
  for (const ref of refs) {
    const item = progress.items[ref.i];
    if (item?.phase !== 'done') pending++;
    else if (item.outcome === 'restarted') restarted++;
    else failed++;
  }
  if (pending > 0) {
    const waitSeconds = backoffSeconds(updates.attempts, ROLLOUT_POLL_MIN_SECONDS, ROLLOUT_POLL_MAX_SECONDS);
    const next: UpdatePhase = {
      ...updates,
      pending: pending + (updates.queued ?? 0),
      attempts: updates.attempts + 1,
      waitSeconds,
      elapsedSeconds: updates.elapsedSeconds + waitSeconds,
      done: false,
    };
    return { ...state, updates: next };
  }
  // The batch is finished: count it against the error budget, then start the next batch or end the gate.
  const rollout = settleBatch(rolloutOf(state), restarted, failed);
  logger.info('agent update batch finished', { vpcId: state.input.vpcId, batch: n, restarted, failed });
  if (!rollout.stopped && n + 1 < updates.chunks) {
    const next = { ...state, rollout };
    const started = await startUpdateBatch(deps, next, n + 1);
    const queued = Math.max(0, (updates.queued ?? 0) - started);
    return { ...next, updates: { ...updatesStarted(updates, n + 1), pending: started + queued, queued } };
  }
  return {
    ...state,
    updates: { ...updates, pending: 0, done: true, waitSeconds: 0 },
    rollout,
  };
}
