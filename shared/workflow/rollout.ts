// The agent gate (UpdateContainerAgent for old agents) and the rolling restart: one batch at a time, each
// instance followed to a terminal state and then to a reconnected agent. Per-instance progress lives in the
// state store, so a retried Task resumes where it stopped and never sends a restart twice.
import { createHash } from 'node:crypto';
import { RebootInstancesCommand } from '@aws-sdk/client-ec2';
import {
  type ContainerInstance,
  DescribeContainerInstancesCommand,
  type ECSClient,
  PutAttributesCommand,
  UpdateContainerAgentCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import {
  GetCommandInvocationCommand,
  paginateListCommandInvocations,
  SendCommandCommand,
  type SendCommandCommandOutput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { isThrottlingError } from '@smithy/core/retry';
import type { AwsClients } from '../clients';
import type { Config } from '../config';
import { ENV } from '../env';
import { describeError, errorName } from '../errors';
import { logger } from '../observability';
import { isTransient, RestartDocumentMissingError } from './errors';
import {
  backoffSeconds,
  chunk,
  endpointGeneration,
  RESTARTED_AT_ATTRIBUTE,
  SEND_COMMAND_LIMIT,
} from './plan';
import {
  type BatchRecord,
  type InstanceRef,
  type ItemProgress,
  keys,
  type ProgressRecord,
  RESTART_RECORD_TTL_SECONDS,
  type RestartRecord,
  resultsOf,
} from './records';
import { mustGet, type StateStore } from './store';
import type { RolloutPhase, UpdatePhase, WorkflowState } from './types';

/** Poll interval while commands, reboots and agent updates run. */
export const ROLLOUT_POLL_MIN_SECONDS = 5;
export const ROLLOUT_POLL_MAX_SECONDS = 30;
/**
 * An agent's ECS-side agentConnected flag can lag its restart by a few seconds, so a `true` read right after
 * the restart may be the old connection. It is accepted only once this long has passed since the command
 * ended (SSM's ExecutionEndDateTime) or the reboot was sent, and never on the poll that saw the command end.
 */
export const RECONNECT_SETTLE_SECONDS = 15;
/** Bound on waiting for an agent update to report UPDATED or FAILED. */
export const AGENT_UPDATE_TIMEOUT_SECONDS = 900;
/** Grace on top of commandTimeoutSeconds for SSM to report a terminal status. */
const COMMAND_GRACE_SECONDS = 60;
const PUT_ATTRIBUTES_LIMIT = 10;
const TERMINAL_COMMAND_STATUSES = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

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

function failure(err: unknown): string {
  return `${errorName(err)}: ${describeError(err)}`;
}

/** DescribeContainerInstances for refs, grouped by cluster, ≤100 per call. */
async function describeRefs(ecs: ECSClient, refs: InstanceRef[]): Promise<Map<string, ContainerInstance>> {
  const byCluster = new Map<string, InstanceRef[]>();
  for (const r of refs) byCluster.set(r.c, [...(byCluster.get(r.c) ?? []), r]);
  const out = new Map<string, ContainerInstance>();
  for (const [cluster, list] of byCluster) {
    for (const part of chunk(list, 100)) {
      const res = await ecs.send(
        new DescribeContainerInstancesCommand({ cluster, containerInstances: part.map((r) => r.a) }),
      );
      for (const ci of res.containerInstances ?? []) {
        if (ci.ec2InstanceId) out.set(ci.ec2InstanceId, ci);
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
 * fatal.
 */
async function markRestarted(
  deps: RolloutDeps<'ecs'>,
  state: WorkflowState,
  refs: InstanceRef[],
  progress: Record<string, ItemProgress>,
): Promise<void> {
  const value = deps.now().toISOString();
  const generation =
    state.fleet?.generation ?? endpointGeneration((state.endpoints?.list ?? []).map((e) => e.id));
  await deps.store.putMany(
    refs.map((r): [string, RestartRecord] => [
      keys.restarted(state.input.vpcId, r.a),
      { g: generation, at: value, i: r.i, run: state.runId },
    ]),
    { ttlSeconds: RESTART_RECORD_TTL_SECONDS },
  );
  const byCluster = new Map<string, InstanceRef[]>();
  for (const r of refs) byCluster.set(r.c, [...(byCluster.get(r.c) ?? []), r]);
  for (const [cluster, list] of byCluster) {
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
        for (const r of part) {
          const item = progress[r.i];
          if (item) {
            item.reason = `${item.reason ?? 'restarted'} (recorded in the state table; ECS attribute hint not written: ${failure(err)})`;
          }
        }
      }
    }
  }
}

function rolloutOf(state: WorkflowState): RolloutPhase {
  if (!state.rollout) throw new Error('rollout phase missing from the workflow state');
  return state.rollout;
}

function nextRollout(r: RolloutPhase, restarted: number, failed: number): RolloutPhase {
  const totalFailed = r.failed + failed;
  const stopped = r.stopped || totalFailed > r.maxErrors;
  return {
    ...r,
    restarted: r.restarted + restarted,
    failed: totalFailed,
    stopped,
    more: !stopped && r.batchIndex < r.batchCount,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Agent gate

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

/**
 * Agent updates roll like the restarts: one batch (restart.maxConcurrency instances) at a time, the next one
 * only once every update of the batch is UPDATED or failed, and none after the failures exceed
 * restart.maxErrors (the same budget as the restarts).
 */
export async function startAgentUpdates(
  deps: RolloutDeps<'ecs'>,
  state: WorkflowState,
): Promise<WorkflowState> {
  const updates = state.updates!;
  const n = updates.batchIndex ?? 0;
  await startUpdateBatch(deps, state, n);
  return { ...state, updates: updatesStarted(updates, n) };
}

export async function checkAgentUpdates(
  deps: RolloutDeps<'ecs'>,
  state: WorkflowState,
): Promise<WorkflowState> {
  const updates = state.updates!;
  const n = updates.batchIndex ?? 0;
  let pending = 0;
  let restarted = 0;
  let failed = 0;
  const timedOut = updates.elapsedSeconds >= AGENT_UPDATE_TIMEOUT_SECONDS;
  const refs = await mustGet<InstanceRef[]>(deps.store, keys.updates(state.runId, n));
  const progress = await mustGet<ProgressRecord>(deps.store, keys.updateProgress(state.runId, n));
  const open = refs.filter((r) => progress.items[r.i]?.phase === 'updating');
  const seen = open.length ? await describeRefs(deps.clients.ecs, open) : new Map();
  const updated: InstanceRef[] = [];
  for (const ref of open) {
    const item = progress.items[ref.i]!;
    const ci = seen.get(ref.i);
    const status = ci?.agentUpdateStatus;
    if (status === 'UPDATED') {
      const version = ci?.versionInfo?.agentVersion;
      Object.assign(item, {
        phase: 'done',
        outcome: 'restarted',
        reason: `agent updated${version ? ` to ${version}` : ''} (the update restarts it)`,
      });
      updated.push(ref);
    } else if (status === 'FAILED') {
      Object.assign(item, { phase: 'done', outcome: 'failed', reason: 'agent update reported FAILED' });
    } else if (!ci) {
      Object.assign(item, { phase: 'done', outcome: 'failed', reason: 'container instance disappeared' });
    } else if (timedOut) {
      Object.assign(item, {
        phase: 'done',
        outcome: 'failed',
        reason: `agent update still ${status ?? 'pending'} after ${AGENT_UPDATE_TIMEOUT_SECONDS} s`,
      });
    }
  }
  if (updated.length) await markRestarted(deps, state, updated, progress.items);
  await deps.store.put(keys.updateProgress(state.runId, n), progress);
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
  const rollout = nextRollout(rolloutOf(state), restarted, failed);
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

// ---------------------------------------------------------------------------------------------------------
// Rolling restart

/** Extra SendCommand calls allowed per chunk to find the instances behind an InvalidInstanceId rejection. */
export const ISOLATION_CALL_BUDGET = 2 * Math.ceil(Math.log2(SEND_COMMAND_LIMIT));
const INSTANCE_ID_PATTERN = /\b(?:i|mi)-[0-9a-f]{8,17}\b/g;
const INVALID_TARGET_ADVICE =
  'check that the instance is running, that its SSM agent is Online (aws ssm describe-instance-information) ' +
  'and that its instance profile allows SSM, then run the restart again';

/** The chunk's instance IDs that an InvalidInstanceId message names ("Instances [[i-…, i-…]] not in a valid state …"). */
function invalidTargetsIn(message: string, ids: string[]): string[] {
  const named = new Set(message.match(INSTANCE_ID_PATTERN) ?? []);
  return ids.filter((id) => named.has(id));
}

/**
 * Sends the restart to `ids`. SSM rejects a whole SendCommand with InvalidInstanceId when a single target is not
 * a usable managed node, so on that error the bad instances are isolated (named in the message, else found by
 * bisecting, at most ISOLATION_CALL_BUDGET extra calls), each is recorded as failed with the reason, and the
 * rest are sent. Transient errors are rethrown (the Task retries; instances already sent are in `items`); other
 * errors fail the instances of the call that raised them. `send` records what it sent in `items`;
 * `saveProgress` persists `items` and runs after every accepted call, outside the error handling of the call.
 */
export async function sendIsolatingInvalidTargets(
  ids: string[],
  send: (ids: string[]) => Promise<void>,
  items: Record<string, ItemProgress>,
  saveProgress: () => Promise<void>,
): Promise<void> {
  let budget = ISOLATION_CALL_BUDGET;
  const fail = (list: string[], reason: string) => {
    for (const id of list) items[id] = { phase: 'done', since: 0, outcome: 'failed', reason };
  };
  const attempt = async (list: string[], extra: boolean): Promise<void> => {
    if (list.length === 0) return;
    if (extra) {
      if (budget <= 0) {
        fail(
          list,
          `not sent: SendCommand rejected its chunk as InvalidInstanceId and the invalid target could not be isolated within ${ISOLATION_CALL_BUDGET} extra calls; ${INVALID_TARGET_ADVICE}`,
        );
        return;
      }
      budget--;
    }
    const err = await send(list).then(
      () => undefined,
      (e: unknown) => e ?? new Error('SendCommand failed without an error'),
    );
    if (err === undefined) {
      await saveProgress();
      return;
    }
    if (isTransient(err)) throw err;
    if (errorName(err) !== 'InvalidInstanceId') {
      fail(list, `SendCommand failed: ${failure(err)}`);
      return;
    }
    const named = invalidTargetsIn(describeError(err), list);
    if (named.length > 0 || list.length === 1) {
      const bad = named.length > 0 ? named : list;
      fail(
        bad,
        `not a valid SSM target: SendCommand rejected it (${failure(err)}); ${INVALID_TARGET_ADVICE}`,
      );
      logger.warn('restart command rejected invalid targets; sending to the rest', {
        invalid: bad,
        remaining: list.length - bad.length,
      });
      await attempt(
        list.filter((id) => !bad.includes(id)),
        true,
      );
      return;
    }
    // No IDs in the message: bisect; each half is one extra call.
    const half = Math.ceil(list.length / 2);
    await attempt(list.slice(0, half), true);
    await attempt(list.slice(half), true);
  };
  await attempt(ids, false);
}

/**
 * Resolves a pending SendCommand (see ProgressRecord.pending): each of its instances whose invocation list shows
 * the command's Comment is recorded as sent, with that command; the others were never sent and stay to do.
 */
async function recoverPendingSend(ssm: SSMClient, progress: ProgressRecord): Promise<void> {
  const pending = progress.pending!;
  const found = new Map<string, string[]>();
  for (const id of pending.ids) {
    for await (const page of paginateListCommandInvocations({ client: ssm }, { InstanceId: id })) {
      const invocation = (page.CommandInvocations ?? []).find((i) => i.Comment === pending.marker);
      if (invocation?.CommandId) {
        found.set(invocation.CommandId, [...(found.get(invocation.CommandId) ?? []), id]);
        break;
      }
    }
  }
  for (const [commandId, ids] of found) {
    progress.commands.push({ id: commandId, ids });
    for (const id of ids) progress.items[id] = { phase: 'command', since: 0 };
  }
  logger.warn('recovered a restart command whose answer was not recorded', {
    marker: pending.marker,
    sent: [...found.values()].flat().length,
    notSent: pending.ids.length - [...found.values()].flat().length,
  });
  delete progress.pending;
}

/**
 * SendCommand has no idempotency token, yet the SDK's standard retry sends a request again after a timeout or a
 * 5xx answer, which may have been delivered (restarting the same agents twice). This per-command middleware,
 * inside the retry middleware, lets the SDK send again only after an attempt that certainly delivered nothing
 * (throttled). Any other retry is refused with a TimeoutError naming the first failure: the Task fails with it,
 * its Retry runs StartBatch again, and the pending marker finds out what was delivered.
 */
function sendAtMostOnce(command: SendCommandCommand): SendCommandCommand {
  let mayHaveBeenSent = false;
  let previous = 'its answer was lost';
  const stack = command.middlewareStack as { addRelativeTo: (mw: unknown, opts: unknown) => void };
  stack.addRelativeTo(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      if (mayHaveBeenSent) {
        throw Object.assign(
          new Error(`SendCommand not sent again: an earlier attempt may have been delivered (${previous})`),
          { name: 'TimeoutError' },
        );
      }
      mayHaveBeenSent = true;
      try {
        return await next(args);
      } catch (err) {
        if (
          err &&
          typeof err === 'object' &&
          isThrottlingError(err as Parameters<typeof isThrottlingError>[0])
        )
          mayHaveBeenSent = false;
        else previous = failure(err);
        throw err;
      }
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'sendCommandAtMostOnce', override: true },
  );
  return command;
}

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
    if (progress.pending) {
      // An earlier attempt of this Task sent (or tried to send) a command but could not record the answer.
      await recoverPendingSend(deps.clients.ssm, progress);
      await deps.store.put(progressKey, progress);
    }
    const todo = batch.refs.filter((r) => !progress.items[r.i]);
    const runTag = createHash('sha256').update(state.runId).digest('hex').slice(0, 12);
    const send = async (documentName: string, ids: string[]): Promise<void> => {
      // Write-ahead: SendCommand has no idempotency token, so the call is recorded before it is made. If its
      // answer cannot be saved, the retried Task finds the command by this Comment instead of restarting the
      // same agents twice.
      const marker = `privatelink-ecs restart ${runTag} batch ${k + 1}/${rollout.batchCount} call ${progress.commands.length + 1}`;
      progress.pending = { marker, ids };
      try {
        await deps.store.put(progressKey, progress);
      } catch (err) {
        delete progress.pending; // not recorded, so not sent
        throw err;
      }
      let out: SendCommandCommandOutput;
      try {
        out = await deps.clients.ssm.send(
          sendAtMostOnce(
            new SendCommandCommand({
              DocumentName: documentName,
              InstanceIds: ids,
              TimeoutSeconds: deps.config.restart.commandTimeoutSeconds,
              MaxConcurrency: String(ids.length),
              MaxErrors: String(ids.length),
              Comment: marker.slice(0, 100),
            }),
          ),
        );
      } catch (err) {
        // A rejected call sent nothing; a transient failure may have been delivered, so it stays pending.
        if (!isTransient(err)) delete progress.pending;
        throw err;
      }
      delete progress.pending;
      const commandId = out.Command?.CommandId ?? '';
      progress.commands.push({ id: commandId, ids });
      for (const id of ids) progress.items[id] = { phase: 'command', since: 0 };
      logger.info('restart command sent', {
        vpcId: state.input.vpcId,
        commandId,
        instances: ids.length,
        batch: k,
      });
    };
    // Each OS gets its own document (one SendCommand names one document): Linux first, then Windows.
    const parts = [
      ...chunk(
        todo.filter((r) => !r.w),
        SEND_COMMAND_LIMIT,
      ).map((refs) => ({ refs, document: deps.documentName ?? '' })),
      ...chunk(
        todo.filter((r) => r.w),
        SEND_COMMAND_LIMIT,
      ).map((refs) => ({ refs, document: deps.windowsDocumentName ?? '' })),
    ];
    for (const part of parts) {
      try {
        await sendIsolatingInvalidTargets(
          part.refs.map((r) => r.i),
          (ids) => send(part.document, ids),
          progress.items,
          // Saved after each accepted call, so a retried Task never sends to these instances again.
          () => deps.store.put(progressKey, progress),
        );
      } catch (err) {
        await deps.store.put(progressKey, progress);
        throw err;
      }
    }
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

interface InvocationStatus {
  status: string;
  details?: string;
  /** When the invocation finished, as SSM reports it. */
  endedAt?: Date;
}

function statusOf(status: string, details?: string, ended?: Date | string): InvocationStatus {
  const out: InvocationStatus = { status };
  if (details) out.details = details;
  const endedAt = ended === undefined || ended === '' ? undefined : new Date(ended);
  if (endedAt && !Number.isNaN(endedAt.getTime())) out.endedAt = endedAt;
  return out;
}

/** Status per instance of one command; falls back to GetCommandInvocation where ListCommandInvocations fails. */
async function commandStatuses(
  ssm: SSMClient,
  commandId: string,
  ids: string[],
): Promise<Map<string, InvocationStatus>> {
  const out = new Map<string, InvocationStatus>();
  try {
    for await (const page of paginateListCommandInvocations(
      { client: ssm },
      { CommandId: commandId, Details: true },
    )) {
      for (const inv of page.CommandInvocations ?? []) {
        if (inv.InstanceId && inv.Status) {
          const finished = (inv.CommandPlugins ?? [])
            .map((p) => p.ResponseFinishDateTime)
            .filter((d): d is Date => d instanceof Date)
            .sort((a, b) => b.getTime() - a.getTime())[0];
          out.set(inv.InstanceId, statusOf(inv.Status, inv.StatusDetails, finished));
        }
      }
    }
    return out;
  } catch (err) {
    if (isTransient(err)) throw err;
    logger.debug('ListCommandInvocations unavailable; using GetCommandInvocation', { error: failure(err) });
  }
  for (const id of ids) {
    try {
      const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }));
      if (inv.Status) out.set(id, statusOf(inv.Status, inv.StatusDetails, inv.ExecutionEndDateTime));
    } catch (err) {
      if (errorName(err) === 'InvocationDoesNotExist') continue; // not delivered yet
      if (isTransient(err)) throw err;
      out.set(id, { status: 'Failed', details: failure(err) });
    }
  }
  return out;
}

/** Sets the instance ACTIVE after a reboot; one the operator had drained before the run stays DRAINING. */
async function setActive(deps: RolloutDeps<'ecs'>, ref: InstanceRef): Promise<string | undefined> {
  if (ref.d) return undefined;
  try {
    await deps.clients.ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster: ref.c,
        containerInstances: [ref.a],
        status: 'ACTIVE',
      }),
    );
    return undefined;
  } catch (err) {
    if (isTransient(err)) throw err;
    return `could not set it ACTIVE again: ${failure(err)}`;
  }
}

export async function pollBatch(deps: RolloutDeps, state: WorkflowState): Promise<WorkflowState> {
  const rollout = rolloutOf(state);
  const k = rollout.batchIndex;
  const elapsed = rollout.elapsedSeconds;
  const { commandTimeoutSeconds, reconnectTimeoutSeconds } = deps.config.restart;
  const batch = await mustGet<BatchRecord>(deps.store, keys.batch(state.runId, k));
  const progressKey = keys.progress(state.runId, k);
  const progress = await mustGet<ProgressRecord>(deps.store, progressKey);
  const items = progress.items;

  // 1. Commands: follow each invocation to a terminal state.
  const succeeded: InstanceRef[] = [];
  for (const cmd of progress.commands) {
    const open = cmd.ids.filter((id) => items[id]?.phase === 'command');
    if (open.length === 0) continue;
    const statuses = await commandStatuses(deps.clients.ssm, cmd.id, open);
    for (const id of open) {
      const item = items[id]!;
      const st = statuses.get(id);
      if (st && TERMINAL_COMMAND_STATUSES.has(st.status)) {
        if (st.status === 'Success') {
          const age = st.endedAt ? Math.max(0, (deps.now().getTime() - st.endedAt.getTime()) / 1000) : 0;
          Object.assign(item, {
            phase: 'reconnect',
            since: elapsed,
            age: Math.floor(age),
            reason: 'restarted through SSM Run Command',
          });
          const ref = batch.refs.find((r) => r.i === id);
          if (ref) succeeded.push(ref);
        } else {
          Object.assign(item, {
            phase: 'done',
            outcome: 'failed',
            reason: `restart command ${st.status}${st.details && st.details !== st.status ? ` (${st.details})` : ''} [command ${cmd.id}]`,
          });
        }
      } else if (elapsed - item.since > commandTimeoutSeconds + COMMAND_GRACE_SECONDS) {
        Object.assign(item, {
          phase: 'done',
          outcome: 'failed',
          reason: `restart command still ${st?.status ?? 'undelivered'} after ${elapsed - item.since} s [command ${cmd.id}]`,
        });
      }
    }
  }
  if (succeeded.length) await markRestarted(deps, state, succeeded, items);

  // 2. Agents: reconnection after a restart, drain and reboot for the fallback.
  const watching = batch.refs.filter((r) => {
    const p = items[r.i]?.phase;
    return p === 'reconnect' || p === 'draining' || p === 'rebooting';
  });
  const seen = watching.length
    ? await describeRefs(deps.clients.ecs, watching)
    : new Map<string, ContainerInstance>();
  for (const ref of watching) {
    const item = items[ref.i]!;
    const ci = seen.get(ref.i);
    const waited = elapsed - item.since;
    // Seconds since the restart ended: its age when first seen plus the scheduled waits since then.
    const settled = waited > 0 && (item.age ?? 0) + waited >= RECONNECT_SETTLE_SECONDS;
    if (!ci) {
      Object.assign(item, {
        phase: 'done',
        outcome: 'failed',
        reason: 'container instance disappeared during the restart',
      });
      continue;
    }
    if (item.phase === 'reconnect') {
      if (ci.agentConnected === true && settled) {
        Object.assign(item, { phase: 'done', outcome: 'restarted' });
      } else if (waited >= reconnectTimeoutSeconds) {
        Object.assign(item, {
          phase: 'done',
          outcome: 'failed',
          reason: `restart command succeeded but the agent did not reconnect within ${reconnectTimeoutSeconds} s`,
        });
      }
    } else if (item.phase === 'draining') {
      if ((ci.runningTasksCount ?? 0) === 0) {
        try {
          await deps.clients.ec2.send(new RebootInstancesCommand({ InstanceIds: [ref.i] }));
          Object.assign(item, { phase: 'rebooting', since: elapsed });
        } catch (err) {
          if (isTransient(err)) throw err;
          const active = await setActive(deps, ref);
          Object.assign(item, {
            phase: 'done',
            outcome: 'failed',
            reason: `reboot failed: ${failure(err)}${active ? `; ${active}` : ''}`,
          });
        }
      } else if (waited >= reconnectTimeoutSeconds) {
        const active = await setActive(deps, ref);
        Object.assign(item, {
          phase: 'done',
          outcome: 'failed',
          reason: `drain did not finish within ${reconnectTimeoutSeconds} s (${ci.runningTasksCount} tasks), not rebooted${active ? `; ${active}` : ''}`,
        });
      }
    } else if (item.phase === 'rebooting') {
      if (ci.agentConnected === true && settled) {
        const active = await setActive(deps, ref);
        if (active) {
          Object.assign(item, { phase: 'done', outcome: 'failed', reason: `rebooted, but ${active}` });
        } else {
          Object.assign(item, {
            phase: 'done',
            outcome: 'restarted',
            reason: ref.d
              ? 'rebooted (not managed by SSM); it was DRAINING before the run and is left DRAINING'
              : 'rebooted (not managed by SSM), drained and set ACTIVE again',
          });
          await markRestarted(deps, state, [ref], items);
        }
      } else if (waited >= reconnectTimeoutSeconds) {
        const active = await setActive(deps, ref);
        Object.assign(item, {
          phase: 'done',
          outcome: 'failed',
          reason: `rebooted but the agent did not reconnect within ${reconnectTimeoutSeconds} s${active ? `; ${active}` : ''}`,
        });
      }
    }
  }
  await deps.store.put(progressKey, progress);

  const open = batch.refs.filter((r) => items[r.i]?.phase !== 'done');
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
  const next = nextRollout(
    { ...rollout, batchIndex: k + 1, phase: 'idle', waitSeconds: 0 },
    restarted,
    failed,
  );
  // Start the next batch straight away: fewer state transitions per batch, same order and budget checks.
  if (next.more) return startBatch(deps, { ...state, rollout: next });
  return { ...state, rollout: next };
}
