// The at-most-once SendCommand protocol of the rolling restart. SendCommand has no idempotency token, so a send
// is written ahead to the batch's progress record with a per-run marker as the command's Comment, the SDK may
// not repeat a request that could have been delivered, and a retried Task that finds the marker looks the
// command up in SSM instead of sending it again. Also here: isolating the targets SSM rejects, and reading
// each instance's invocation back.
import { createHash } from 'node:crypto';
import {
  GetCommandInvocationCommand,
  paginateListCommandInvocations,
  SendCommandCommand,
  type SendCommandCommandOutput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { isThrottlingError } from '@smithy/core/retry';
import { describeError, errorName } from '../errors';
import { logger } from '../observability';
import type { InvocationStatus } from './advance';
import { CommandMayHaveBeenSentError, isTransient, SendCommandFailedError } from './errors';
import { chunk, SEND_COMMAND_LIMIT } from './plan';
import type { InstanceRef, ItemProgress, ProgressRecord } from './records';
import { failure, type RolloutDeps } from './rollout-io';
import type { StateStore } from './store';

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
      (e: unknown) =>
        e ?? new SendCommandFailedError('SendCommand failed without an error', { instances: list.length }),
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
 * (throttled). Any other retry is refused with a CommandMayHaveBeenSentError naming the first failure: the Task fails with it,
 * its Retry runs StartBatch again, and the pending marker finds out what was delivered.
 */
function sendAtMostOnce(command: SendCommandCommand): SendCommandCommand {
  let mayHaveBeenSent = false;
  let previous = 'its answer was lost';
  const stack = command.middlewareStack as { addRelativeTo: (mw: unknown, opts: unknown) => void };
  stack.addRelativeTo(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      if (mayHaveBeenSent) {
        throw new CommandMayHaveBeenSentError(previous);
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

/** Where one batch's sends are recorded, and what names them. */
export interface BatchSend {
  store: StateStore;
  /** The batch's progress record and its key: every send is written there ahead of the call. */
  progress: ProgressRecord;
  progressKey: string;
  runId: string;
  vpcId: string;
  /** Zero-based batch index and the number of batches, for the marker. */
  batch: number;
  batchCount: number;
}

/**
 * Sends the restart to each of `refs` not sent before, at most once each: Linux instances with `documentName`
 * first, then Windows ones with `windowsDocumentName` (one SendCommand names one document), SEND_COMMAND_LIMIT
 * per call. A pending send left by an earlier attempt is resolved first. Every accepted call is saved in the
 * progress record before the next one, so a retried Task never sends to those instances again.
 */
export async function sendRestartCommands(
  deps: Pick<RolloutDeps<'ssm'>, 'clients' | 'config' | 'documentName' | 'windowsDocumentName'>,
  refs: readonly InstanceRef[],
  at: BatchSend,
): Promise<void> {
  const { progress, progressKey, store } = at;
  const save = () => store.put(progressKey, progress);
  if (progress.pending) {
    // An earlier attempt of this Task sent (or tried to send) a command but could not record the answer.
    await recoverPendingSend(deps.clients.ssm, progress);
    await save();
  }
  const todo = refs.filter((r) => !progress.items[r.i]);
  const runTag = createHash('sha256').update(at.runId).digest('hex').slice(0, 12);
  const send = async (documentName: string, ids: string[]): Promise<void> => {
    // Write-ahead: the call is recorded before it is made. If its answer cannot be saved, the retried Task
    // finds the command by this Comment instead of restarting the same agents twice.
    const marker = `privatelink-ecs restart ${runTag} batch ${at.batch + 1}/${at.batchCount} call ${progress.commands.length + 1}`;
    progress.pending = { marker, ids };
    try {
      await save();
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
      vpcId: at.vpcId,
      commandId,
      instances: ids.length,
      batch: at.batch,
    });
  };
  const parts = [
    ...chunk(
      todo.filter((r) => !r.w),
      SEND_COMMAND_LIMIT,
    ).map((list) => ({ list, document: deps.documentName ?? '' })),
    ...chunk(
      todo.filter((r) => r.w),
      SEND_COMMAND_LIMIT,
    ).map((list) => ({ list, document: deps.windowsDocumentName ?? '' })),
  ];
  for (const part of parts) {
    try {
      await sendIsolatingInvalidTargets(
        part.list.map((r) => r.i),
        (ids) => send(part.document, ids),
        progress.items,
        save,
      );
    } catch (err) {
      await save();
      throw err;
    }
  }
}

function statusOf(status: string, details?: string, ended?: Date | string): InvocationStatus {
  const out: InvocationStatus = { status };
  if (details) out.details = details;
  const endedAt = ended === undefined || ended === '' ? undefined : new Date(ended);
  if (endedAt && !Number.isNaN(endedAt.getTime())) out.endedAt = endedAt;
  return out;
}

/** Status per instance of one command; falls back to GetCommandInvocation where ListCommandInvocations fails. */
export async function commandStatuses(
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
