// Keys and shapes of the records the workflow keeps in the state store, per run.
import type { InstanceResult } from './types';

/** A container instance, compactly: EC2 instance ID, container instance ARN, cluster ARN. */
export interface InstanceRef {
  i: string;
  a: string;
  c: string;
  /** Set (1) when the container instance was already DRAINING before the run: the reboot fallback leaves it so. */
  d?: 1;
  /** Set (1) for a Windows instance: restarted with the Windows (PowerShell) document. */
  w?: 1;
}

export interface BatchRecord {
  kind: 'ssm' | 'reboot';
  refs: InstanceRef[];
}

export type ItemPhase = 'command' | 'reconnect' | 'draining' | 'rebooting' | 'updating' | 'done';

export interface ItemProgress {
  phase: ItemPhase;
  /** Elapsed seconds (sum of scheduled waits) when the phase began. */
  since: number;
  outcome?: 'restarted' | 'failed';
  reason?: string;
  /** Seconds from the restart command's end (SSM's end time) to the poll that saw it succeed. */
  age?: number;
}

export interface ProgressRecord {
  /** SendCommand calls made so far: command ID and its instance IDs. */
  commands: Array<{ id: string; ids: string[] }>;
  items: Record<string, ItemProgress>;
  /**
   * A SendCommand whose answer is not recorded yet: saved before the call (its Comment is `marker`) and cleared
   * once the answer is. A retried Task that finds it looks the command up in SSM instead of sending it again.
   */
  pending?: { marker: string; ids: string[] };
}

/**
 * The durable record that an agent was restarted (by SSM, a reboot or an agent update) for one endpoint
 * generation (see endpointGeneration). It lives in the state table under keys.restarted(vpcId, container
 * instance ARN), outside any run, and decides "already restarted"; the ECS attribute is only a hint.
 */
export interface RestartRecord {
  /** Endpoint generation the agent was restarted for. */
  g: string;
  /** When (ISO). */
  at: string;
  /** EC2 instance ID. */
  i: string;
  /** The run that restarted it. */
  run: string;
  /** When the record was last written (ISO; absent: at `at`). A run that relies on it rewrites it when old. */
  w?: string;
}

/**
 * Restart records outlive any endpoint generation in practice; after a year without a change the worst case is
 * one more restart of an agent that still has no ECS attribute hint.
 */
export const RESTART_RECORD_TTL_SECONDS = 400 * 24 * 3600;

/**
 * A record a run relies on ("already restarted for these endpoints") is rewritten, with a fresh TTL, once it is
 * this old: a fleet whose endpoints never change keeps its records for as long as runs keep reading them, at
 * the cost of one write per agent a month.
 */
export const RESTART_RECORD_REFRESH_SECONDS = 30 * 24 * 3600;

/** The records among `records` that the current generation relies on and that are due for a rewrite. */
export function restartRecordsToRefresh(
  records: ReadonlyMap<string, RestartRecord>,
  generation: string,
  now: Date,
): Array<[string, RestartRecord]> {
  const due = now.getTime() - RESTART_RECORD_REFRESH_SECONDS * 1000;
  return [...records]
    .filter(([, r]) => r.g === generation && Date.parse(r.w ?? r.at) <= due)
    .map(([key, r]) => [key, { ...r, w: now.toISOString() }]);
}

export const keys = {
  skipped: (runId: string, n: number) => `${runId}#skipped#${n}`,
  updates: (runId: string, n: number) => `${runId}#updates#${n}`,
  updateProgress: (runId: string, n: number) => `${runId}#updates-progress#${n}`,
  batch: (runId: string, k: number) => `${runId}#batch#${k}`,
  progress: (runId: string, k: number) => `${runId}#progress#${k}`,
  /** The durable restart record of one container instance in one VPC (not per run): see RestartRecord. */
  restarted: (vpcId: string, containerInstanceArn: string) => `restarted#${vpcId}#${containerInstanceArn}`,
};

/**
 * Turns finished progress items into results, in the batch's order. An unfinished item gets `unfinished` as
 * its reason, or `unfinished(item, instanceId)`: the item is undefined when nothing was started for it.
 */
export function resultsOf(
  refs: InstanceRef[],
  progress: ProgressRecord,
  unfinished: string | ((item: ItemProgress | undefined, instanceId: string) => string),
): InstanceResult[] {
  return refs.map((ref) => {
    const item = progress.items[ref.i];
    if (item?.outcome) {
      return { instanceId: ref.i, outcome: item.outcome, reason: item.reason ?? '', cluster: ref.c };
    }
    const reason = typeof unfinished === 'string' ? unfinished : unfinished(item, ref.i);
    return { instanceId: ref.i, outcome: 'failed', reason, cluster: ref.c };
  });
}
