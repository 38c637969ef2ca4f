// Summary: what happened to every endpoint and instance, as the execution's output (or its failure cause), a
// "PrivateLink ECS Remediation Completed" event on the bus, and the remediation metrics (neither for a dry run).
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describeError, errorName } from '../errors';
import { logger, MetricName } from '../observability';
import {
  type BatchRecord,
  type InstanceRef,
  type ItemProgress,
  keys,
  type ProgressRecord,
  resultsOf,
} from './records';
import type { StateStore } from './store';
import type { CaughtFailure, InstanceResult, RemediationSummary, SummaryState, WorkflowState } from './types';

export const EVENT_SOURCE = 'privatelink-ecs';
export const COMPLETED_DETAIL_TYPE = 'PrivateLink ECS Remediation Completed';
/** Entries per list in the summary; the state table keeps the rest. Keeps output and event far below 256 KiB. */
export const SUMMARY_LIST_LIMIT = 200;
/** Step Functions limits a Fail state's cause to 32,768 characters. */
const CAUSE_LIMIT = 32_000;

export interface SummaryDeps {
  events: EventBridgeClient;
  store: StateStore;
  eventBusName: string;
  emitMetric: (name: MetricName, value: number) => void;
}

/** Error and Cause of a caught failure; a Lambda failure's cause is a JSON document with errorMessage. */
function failureMessage(f: CaughtFailure): string {
  try {
    const parsed = JSON.parse(f.Cause) as { errorMessage?: string };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // a plain-text cause
  }
  return f.Cause;
}

/** Every per-instance result recorded for the run, in discovery order. */
async function collectResults(store: StateStore, state: WorkflowState): Promise<InstanceResult[]> {
  const results: InstanceResult[] = [];
  const fleet = state.fleet;
  if (!fleet) return results;
  const stopped = state.failure
    ? `the workflow stopped (${state.failure.Error})`
    : `error budget exceeded (${state.rollout?.failed ?? 0} failed, maxErrors ${state.rollout?.maxErrors ?? 0})`;
  const stopReason = `not attempted: ${stopped}`;
  // An instance whose command (or agent update) was already sent must not be reported as "not attempted":
  // its agent may be restarting right now.
  // Nor must one in a SendCommand whose answer was never recorded (ProgressRecord.pending): it may have arrived.
  const unfinished =
    (what: string, sent: string, maybeSent: ReadonlySet<string> = new Set()) =>
    (item: ItemProgress | undefined, instanceId: string) =>
      item
        ? `${what} unfinished: ${sent} (phase ${item.phase}), then ${stopped} before its result was known`
        : maybeSent.has(instanceId)
          ? `${what} unfinished: the command may have been sent (its answer was not recorded), then ${stopped} before its result was known`
          : `${what} unfinished: ${stopReason}`;
  for (let n = 0; n < fleet.skippedChunks; n++) {
    results.push(...((await store.get<InstanceResult[]>(keys.skipped(state.runId, n))) ?? []));
  }
  const updates = state.updates;
  for (let n = 0; n < (updates?.chunks ?? 0); n++) {
    const refs = (await store.get<InstanceRef[]>(keys.updates(state.runId, n))) ?? [];
    const progress = await store.get<ProgressRecord>(keys.updateProgress(state.runId, n));
    if (progress) {
      results.push(...resultsOf(refs, progress, unfinished('agent update', 'the update was started')));
    } else {
      // A batch the error budget (or a failure) kept from starting.
      for (const ref of refs) {
        results.push({ instanceId: ref.i, outcome: 'skipped', reason: stopReason, cluster: ref.c });
      }
    }
  }
  const rollout = state.rollout;
  for (let k = 0; k < (rollout?.batchCount ?? 0); k++) {
    const batch = await store.get<BatchRecord>(keys.batch(state.runId, k));
    if (!batch) continue;
    const progress = await store.get<ProgressRecord>(keys.progress(state.runId, k));
    if (progress) {
      const maybeSent = new Set(progress.pending?.ids ?? []);
      results.push(
        ...resultsOf(batch.refs, progress, unfinished('restart', 'the restart was started', maybeSent)),
      );
    } else {
      for (const ref of batch.refs) {
        results.push({ instanceId: ref.i, outcome: 'skipped', reason: stopReason, cluster: ref.c });
      }
    }
  }
  return results;
}

function capped(list: InstanceResult[]): { shown: InstanceResult[]; omitted: number } {
  return { shown: list.slice(0, SUMMARY_LIST_LIMIT), omitted: Math.max(0, list.length - SUMMARY_LIST_LIMIT) };
}

function buildSummary(
  state: WorkflowState | Record<string, unknown>,
  results: InstanceResult[],
): RemediationSummary {
  const s = state as Partial<WorkflowState> & { vpcId?: unknown };
  const vpcId = s.input?.vpcId ?? (typeof s.vpcId === 'string' ? s.vpcId : 'unknown');
  const restarted = capped(results.filter((r) => r.outcome === 'restarted'));
  const skipped = capped(results.filter((r) => r.outcome === 'skipped'));
  const failed = capped(results.filter((r) => r.outcome === 'failed'));
  const counts = {
    restarted: restarted.shown.length + restarted.omitted,
    skipped: skipped.shown.length + skipped.omitted,
    failed: failed.shown.length + failed.omitted,
  };
  const notes: string[] = (s.endpoints?.warnings ?? []).map((w) => `endpoints: ${w}`);
  if (s.fleet && s.fleet.ssmStatus !== 'ok') notes.push(`SSM instance status ${s.fleet.ssmStatus}`);
  if (s.rollout?.stopped) {
    notes.push(
      `rollout stopped: ${s.rollout.failed} failures exceed the error budget (maxErrors ${s.rollout.maxErrors})`,
    );
  }
  if (s.input?.dryRun) notes.push('dry run: nothing was changed and no agent was restarted');
  let error: string | undefined;
  let cause: string | undefined;
  if (s.failure) {
    error = s.failure.Error;
    cause = failureMessage(s.failure);
  } else if (s.rollout?.stopped) {
    error = 'ErrorBudgetExceeded';
    cause = `${counts.failed} instance(s) failed; the error budget allows ${s.rollout.maxErrors}`;
  } else if (counts.failed > 0) {
    error = 'RestartsFailed';
    cause = `${counts.failed} instance(s) failed`;
  }
  const summary: RemediationSummary = {
    vpcId,
    runId: s.runId ?? 'unknown',
    dryRun: s.input?.dryRun ?? false,
    restart: s.input?.restart ?? 'auto',
    outcome: error ? 'failed' : 'succeeded',
    endpoints: (s.endpoints?.list ?? []).map(({ id, service, state: st }) => ({ id, service, state: st })),
    counts,
    restarted: restarted.shown,
    skipped: skipped.shown,
    failed: failed.shown,
    omitted: { restarted: restarted.omitted, skipped: skipped.omitted, failed: failed.omitted },
    notes,
  };
  if (error) summary.error = error;
  if (cause) summary.cause = cause;
  if (s.endpoints?.plan) summary.plan = s.endpoints.plan;
  if (s.input?.trigger) summary.trigger = s.input.trigger;
  if (s.executionArn) summary.executionArn = s.executionArn;
  return summary;
}

/** The Fail state's cause: the summary as JSON, shortened to fit. */
function causeOf(summary: RemediationSummary): string {
  const full = JSON.stringify(summary);
  if (full.length <= CAUSE_LIMIT) return full;
  const small = {
    ...summary,
    restarted: summary.restarted.slice(0, 20),
    skipped: summary.skipped.slice(0, 20),
    failed: summary.failed.slice(0, 50),
    notes: [...summary.notes, 'lists shortened to fit the Step Functions cause limit'],
  };
  return JSON.stringify(small).slice(0, CAUSE_LIMIT);
}

/** Puts the completion event; a failure to deliver is noted in the summary, never thrown. */
async function publishCompletion(deps: SummaryDeps, summary: RemediationSummary): Promise<void> {
  try {
    const out = await deps.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EVENT_SOURCE,
            DetailType: COMPLETED_DETAIL_TYPE,
            Detail: JSON.stringify(summary),
            EventBusName: deps.eventBusName,
            Resources: [],
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
      summary.notes.push(
        `completion event not delivered: ${entry?.ErrorCode ?? 'error'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  } catch (err) {
    logger.error('could not put the completion event', {
      error: errorName(err),
      message: describeError(err),
    });
    summary.notes.push(`completion event not delivered: ${errorName(err)}: ${describeError(err)}`);
  }
}

/**
 * Summarize: collects every result, then publishes the completion event and the remediation metrics. A dry
 * run does neither: it makes no write at all, and the deployed notification rule would otherwise email about
 * a run that changed nothing (and the dashboard would count it as a remediation).
 */
export async function summarize(deps: SummaryDeps, state: WorkflowState): Promise<SummaryState> {
  const results = await collectResults(deps.store, state);
  const summary = buildSummary(state, results);
  const failed = summary.outcome === 'failed';
  if (summary.dryRun) {
    summary.notes.push('dry run: no completion event was published and no remediation metric was emitted');
  } else {
    await publishCompletion(deps, summary);
    deps.emitMetric(failed ? MetricName.RemediationsFailed : MetricName.RemediationsSucceeded, 1);
    deps.emitMetric(MetricName.AgentsRestarted, summary.counts.restarted);
    deps.emitMetric(MetricName.AgentsFailed, summary.counts.failed);
  }
  logger.info('remediation finished', {
    vpcId: summary.vpcId,
    outcome: summary.outcome,
    error: summary.error,
    ...summary.counts,
  });
  return {
    summary,
    outcome: { failed, error: summary.error ?? 'None', cause: failed ? causeOf(summary) : '' },
  };
}
