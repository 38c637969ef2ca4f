// The rolling restart: one batch at a time, each instance followed to a terminal state and then to a
// reconnected agent. Per-instance progress lives in the state store, so a retried Task resumes where it
// stopped. The send protocol is in command-protocol.ts, the decisions in advance.ts, the reads and actions on
// container instances in rollout-io.ts.
import { UpdateContainerInstancesStateCommand } from '@aws-sdk/client-ecs';
import { ENV } from '../env';
import { logger } from '../observability';
import {
  advance,
  limitsOf,
  type Observation,
  ROLLOUT_POLL_MAX_SECONDS,
  ROLLOUT_POLL_MIN_SECONDS,
  settleBatch,
  watchesContainer,
} from './advance';
import { commandStatuses, sendRestartCommands } from './command-protocol';
import { isTransient, RestartDocumentMissingError } from './errors';
import { backoffSeconds } from './plan';
import { type BatchRecord, keys, type ProgressRecord, resultsOf } from './records';
import { act, type Decided, describeContainers, failure, type RolloutDeps, rolloutOf } from './rollout-io';
import { mustGet } from './store';
import type { WorkflowState } from './types';

/** StartBatch: send the restart command to the batch (SSM), or drain its instance (the reboot fallback). */
export async function startBatch(
  deps: RolloutDeps<'ecs' | 'ssm'>,
  state: WorkflowState,
): Promise<WorkflowState> {
  const rollout = rolloutOf(state);
  const k = rollout.batchIndex;
  const batch = await mustGet<BatchRecord>(deps.store, keys.batch(state.runId, k));
  const progressKey = keys.progress(state.runId, k);
  const progress = (await deps.store.get<ProgressRecord>(progressKey)) ?? { commands: [], items: {} };
  if (batch.kind === 'ssm') {
    if (batch.refs.some((r) => !r.w) && !deps.documentName) throw new RestartDocumentMissingError();
    if (batch.refs.some((r) => r.w) && !deps.windowsDocumentName) {
      throw new RestartDocumentMissingError(ENV.restartWindowsDocumentName);
    }
    await sendRestartCommands(deps, batch.refs, {
      store: deps.store,
      progress,
      progressKey,
      runId: state.runId,
      vpcId: state.input.vpcId,
      batch: k,
      batchCount: rollout.batchCount,
    });
  } else {
    for (const ref of batch.refs) {
      if (progress.items[ref.i]) continue;
      try {
        await deps.clients.ecs.send(
          new UpdateContainerInstancesStateCommand({
            cluster: ref.c,
            containerInstances: [ref.a],
            status: 'DRAINING',
          }),
        );
        progress.items[ref.i] = { phase: 'draining', since: 0 };
      } catch (err) {
        if (isTransient(err)) throw err;
        progress.items[ref.i] = {
          phase: 'done',
          since: 0,
          outcome: 'failed',
          reason: `drain failed: ${failure(err)}`,
        };
      }
    }
  }
  await deps.store.put(progressKey, progress);
  return {
    ...state,
    rollout: {
      ...rollout,
      phase: 'running',
      attempts: 0,
      elapsedSeconds: 0,
      waitSeconds: ROLLOUT_POLL_MIN_SECONDS,
    },
  };
}

/**
 * What this poll reads for the batch's open items: the invocation of each command still running, then the
 * container instance of each item whose agent is watched (including those whose command just succeeded).
 */
async function observe(
  deps: RolloutDeps<'ecs' | 'ssm'>,
  batch: BatchRecord,
  progress: ProgressRecord,
  elapsedSeconds: number,
): Promise<Map<string, Observation>> {
  const items = progress.items;
  const commands = new Map<string, NonNullable<Observation['command']>>();
  for (const cmd of progress.commands) {
    const open = cmd.ids.filter((id) => items[id]?.phase === 'command');
    if (open.length === 0) continue;
    const statuses = await commandStatuses(deps.clients.ssm, cmd.id, open);
    for (const id of open) {
      const invocation = statuses.get(id);
      commands.set(id, invocation ? { id: cmd.id, invocation } : { id: cmd.id });
    }
  }
  const watched = batch.refs.filter((r) => {
    const item = items[r.i];
    return item !== undefined && watchesContainer(item, commands.get(r.i));
  });
  const containers = watched.length ? await describeContainers(deps.clients.ecs, watched) : new Map();
  const nowMs = deps.now().getTime();
  const out = new Map<string, Observation>();
  for (const ref of batch.refs) {
    const obs: Observation = { elapsedSeconds, nowMs };
    const command = commands.get(ref.i);
    if (command) obs.command = command;
    if (containers.has(ref.i)) obs.container = containers.get(ref.i);
    out.set(ref.i, obs);
  }
  return out;
}

/**
 * PollBatch: observe the batch (command invocations, container instances), decide each open item with
 * `advance`, act (record restarts, reboot, set ACTIVE again) and save the progress. A finished batch is counted
 * against the error budget and the next batch starts straight away if the budget allows.
 */
export async function pollBatch(deps: RolloutDeps, state: WorkflowState): Promise<WorkflowState> {
  const rollout = rolloutOf(state);
  const k = rollout.batchIndex;
  const elapsed = rollout.elapsedSeconds;
  const batch = await mustGet<BatchRecord>(deps.store, keys.batch(state.runId, k));
  const progressKey = keys.progress(state.runId, k);
  const progress = await mustGet<ProgressRecord>(deps.store, progressKey);

  const observed = await observe(deps, batch, progress, elapsed);
  const limits = limitsOf(deps.config.restart);
  const decided: Decided[] = [];
  for (const ref of batch.refs) {
    const item = progress.items[ref.i];
    if (!item || item.phase === 'done') continue;
    decided.push({ ref, ...advance({ ref, progress: item }, observed.get(ref.i)!, limits) });
  }
  await act(deps, state, decided, progress.items);
  await deps.store.put(progressKey, progress);

  const open = batch.refs.filter((r) => progress.items[r.i]?.phase !== 'done');
  if (open.length > 0) {
    const waitSeconds = backoffSeconds(rollout.attempts, ROLLOUT_POLL_MIN_SECONDS, ROLLOUT_POLL_MAX_SECONDS);
    return {
      ...state,
      rollout: {
        ...rollout,
        attempts: rollout.attempts + 1,
        waitSeconds,
        elapsedSeconds: elapsed + waitSeconds,
      },
    };
  }
  const results = resultsOf(batch.refs, progress, 'unfinished');
  const restarted = results.filter((r) => r.outcome === 'restarted').length;
  const failed = results.length - restarted;
  logger.info('batch finished', { vpcId: state.input.vpcId, batch: k, restarted, failed });
  const next = settleBatch(
    { ...rollout, batchIndex: k + 1, phase: 'idle', waitSeconds: 0 },
    restarted,
    failed,
  );
  // Start the next batch straight away: fewer state transitions per batch, same order and budget checks.
  if (next.more) return startBatch(deps, { ...state, rollout: next });
  return { ...state, rollout: next };
}
