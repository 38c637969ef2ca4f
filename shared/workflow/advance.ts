// The rollout's decisions, pure: what one poll makes of one instance (`advance`), what a failed action makes of
// it (`afterActionFailed`) and what a finished batch does to the error budget (`settleBatch`). No I/O and no
// clock: the poll observes first and hands the time in with the observation; the caller then runs the actions.
import type { InstanceRef, ItemProgress } from './records';
import type { RolloutPhase } from './types';

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
export const COMMAND_GRACE_SECONDS = 60;
const TERMINAL_COMMAND_STATUSES = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

/** One instance's invocation of a restart command, as SSM reports it. */
export interface InvocationStatus {
  status: string;
  details?: string;
  /** When the invocation finished, as SSM reports it. */
  endedAt?: Date;
}

/** The container instance as ECS describes it: the fields the decisions read. */
export interface ContainerView {
  agentConnected?: boolean;
  runningTasksCount?: number;
  agentUpdateStatus?: string;
  agentVersion?: string;
}

/** What a poll read for one instance, and when. */
export interface Observation {
  /** Sum of the scheduled waits since the batch started: the clock an item's `since` is measured on. */
  elapsedSeconds: number;
  /** Wall-clock time of the poll in epoch milliseconds: how long ago a command ended. */
  nowMs: number;
  /** For an item in phase `command`: its command, and its invocation if SSM reports one (none: not delivered). */
  command?: { id: string; invocation?: InvocationStatus };
  /** For an item whose agent is watched: its container instance, or null when ECS no longer has it. */
  container?: ContainerView | null;
}

export interface Limits {
  commandTimeoutSeconds: number;
  reconnectTimeoutSeconds: number;
  settleSeconds: number;
  commandGraceSeconds: number;
  agentUpdateTimeoutSeconds: number;
}

/** The limits of a run: the configured timeouts and the fixed settle, grace and agent-update bounds. */
export function limitsOf(restart: {
  commandTimeoutSeconds: number;
  reconnectTimeoutSeconds: number;
}): Limits {
  return {
    commandTimeoutSeconds: restart.commandTimeoutSeconds,
    reconnectTimeoutSeconds: restart.reconnectTimeoutSeconds,
    settleSeconds: RECONNECT_SETTLE_SECONDS,
    commandGraceSeconds: COMMAND_GRACE_SECONDS,
    agentUpdateTimeoutSeconds: AGENT_UPDATE_TIMEOUT_SECONDS,
  };
}

export interface RolloutItem {
  ref: InstanceRef;
  progress: ItemProgress;
}

/**
 * What the poll must do for an item, in order. `recordRestart`: the durable restart record (and the ECS
 * attribute hint); `reboot`: RebootInstances; `setActive`: UpdateContainerInstancesState back to ACTIVE.
 */
export type RolloutAction = { kind: 'recordRestart' } | { kind: 'reboot' } | { kind: 'setActive' };

export interface Advanced {
  progress: ItemProgress;
  actions: RolloutAction[];
}

const RECORD: RolloutAction = { kind: 'recordRestart' };
const REBOOT: RolloutAction = { kind: 'reboot' };
const SET_ACTIVE: RolloutAction = { kind: 'setActive' };

const stay = (progress: ItemProgress): Advanced => ({ progress, actions: [] });
const fail = (progress: ItemProgress, reason: string, actions: RolloutAction[] = []): Advanced => ({
  progress: { ...progress, phase: 'done', outcome: 'failed', reason },
  actions,
});

/** True when the poll must describe the item's container instance before it can decide. */
export function watchesContainer(progress: ItemProgress, command?: Observation['command']): boolean {
  if (progress.phase === 'command') return command?.invocation?.status === 'Success';
  return progress.phase !== 'done';
}

/** An instance's next state and the actions to take, from what this poll observed. */
export function advance(item: RolloutItem, observation: Observation, limits: Limits): Advanced {
  const { progress } = item;
  switch (progress.phase) {
    case 'command':
      return advanceCommand(item, observation, limits);
    case 'updating':
      return advanceUpdate(progress, observation, limits);
    case 'reconnect':
    case 'draining':
    case 'rebooting':
      return advanceAgent(item, observation, limits);
    case 'done':
      return stay(progress);
  }
}

function advanceCommand(item: RolloutItem, obs: Observation, limits: Limits): Advanced {
  const { progress } = item;
  const command = obs.command;
  if (!command) return stay(progress);
  const inv = command.invocation;
  if (inv && TERMINAL_COMMAND_STATUSES.has(inv.status)) {
    if (inv.status !== 'Success') {
      const details = inv.details && inv.details !== inv.status ? ` (${inv.details})` : '';
      return fail(progress, `restart command ${inv.status}${details} [command ${command.id}]`);
    }
    const age = inv.endedAt ? Math.max(0, (obs.nowMs - inv.endedAt.getTime()) / 1000) : 0;
    const reconnecting: ItemProgress = {
      ...progress,
      phase: 'reconnect',
      since: obs.elapsedSeconds,
      age: Math.floor(age),
      reason: 'restarted through SSM Run Command',
    };
    // The restart is recorded as soon as the command succeeded; the same poll then checks the agent.
    const next = advanceAgent({ ...item, progress: reconnecting }, obs, limits);
    return { progress: next.progress, actions: [RECORD, ...next.actions] };
  }
  const waited = obs.elapsedSeconds - progress.since;
  if (waited > limits.commandTimeoutSeconds + limits.commandGraceSeconds) {
    return fail(
      progress,
      `restart command still ${inv?.status ?? 'undelivered'} after ${waited} s [command ${command.id}]`,
    );
  }
  return stay(progress);
}

function advanceAgent(item: RolloutItem, obs: Observation, limits: Limits): Advanced {
  const { progress, ref } = item;
  const ci = obs.container;
  if (ci === undefined) return stay(progress);
  if (ci === null) return fail(progress, 'container instance disappeared during the restart');
  const waited = obs.elapsedSeconds - progress.since;
  // Seconds since the restart ended: its age when first seen plus the scheduled waits since then.
  const settled = waited > 0 && (progress.age ?? 0) + waited >= limits.settleSeconds;
  const reconnected = ci.agentConnected === true && settled;
  const timedOut = waited >= limits.reconnectTimeoutSeconds;
  // An instance the operator had drained before the run stays DRAINING.
  const setActive = ref.d ? [] : [SET_ACTIVE];
  const within = `within ${limits.reconnectTimeoutSeconds} s`;
  if (progress.phase === 'reconnect') {
    if (reconnected) return { progress: { ...progress, phase: 'done', outcome: 'restarted' }, actions: [] };
    if (timedOut)
      return fail(progress, `restart command succeeded but the agent did not reconnect ${within}`);
  } else if (progress.phase === 'draining') {
    if ((ci.runningTasksCount ?? 0) === 0) {
      return { progress: { ...progress, phase: 'rebooting', since: obs.elapsedSeconds }, actions: [REBOOT] };
    }
    if (timedOut) {
      return fail(
        progress,
        `drain did not finish ${within} (${ci.runningTasksCount} tasks), not rebooted`,
        setActive,
      );
    }
  } else if (progress.phase === 'rebooting') {
    if (reconnected) {
      const reason = ref.d
        ? 'rebooted (not managed by SSM); it was DRAINING before the run and is left DRAINING'
        : 'rebooted (not managed by SSM), drained and set ACTIVE again';
      return {
        progress: { ...progress, phase: 'done', outcome: 'restarted', reason },
        actions: [...setActive, RECORD],
      };
    }
    if (timedOut) return fail(progress, `rebooted but the agent did not reconnect ${within}`, setActive);
  }
  return stay(progress);
}

function advanceUpdate(progress: ItemProgress, obs: Observation, limits: Limits): Advanced {
  const ci = obs.container;
  if (ci === undefined) return stay(progress);
  if (ci === null) return fail(progress, 'container instance disappeared');
  const status = ci.agentUpdateStatus;
  if (status === 'UPDATED') {
    const version = ci.agentVersion ? ` to ${ci.agentVersion}` : '';
    return {
      progress: {
        ...progress,
        phase: 'done',
        outcome: 'restarted',
        reason: `agent updated${version} (the update restarts it)`,
      },
      actions: [RECORD],
    };
  }
  if (status === 'FAILED') return fail(progress, 'agent update reported FAILED');
  if (obs.elapsedSeconds - progress.since >= limits.agentUpdateTimeoutSeconds) {
    return fail(
      progress,
      `agent update still ${status ?? 'pending'} after ${limits.agentUpdateTimeoutSeconds} s`,
    );
  }
  return stay(progress);
}

/**
 * An action failed for good (not a transient error, which fails the Task instead) with `message`: the item's
 * state after it, and the actions to run instead of the ones that were left.
 */
export function afterActionFailed(
  item: RolloutItem,
  action: RolloutAction,
  message: string,
  remaining: RolloutAction[],
): Advanced {
  const { progress, ref } = item;
  switch (action.kind) {
    case 'reboot':
      return fail(progress, `reboot failed: ${message}`, ref.d ? [] : [SET_ACTIVE]);
    case 'setActive': {
      const note = `could not set it ACTIVE again: ${message}`;
      // A reboot that reconnected but could not be set ACTIVE again failed, and is not recorded as restarted.
      if (progress.outcome === 'restarted') return fail(progress, `rebooted, but ${note}`);
      return { progress: { ...progress, reason: `${progress.reason ?? ''}; ${note}` }, actions: remaining };
    }
    case 'recordRestart':
      // Only the ECS attribute hint can fail this way: the durable record in the state table was written.
      return {
        progress: {
          ...progress,
          reason: `${progress.reason ?? 'restarted'} (recorded in the state table; ECS attribute hint not written: ${message})`,
        },
        actions: remaining,
      };
  }
}

/**
 * A finished batch counted against the error budget: the run stops once the failures exceed restart.maxErrors,
 * and `more` says whether another batch may start.
 */
export function settleBatch(rollout: RolloutPhase, restarted: number, failed: number): RolloutPhase {
  const totalFailed = rollout.failed + failed;
  const stopped = rollout.stopped || totalFailed > rollout.maxErrors;
  return {
    ...rollout,
    restarted: rollout.restarted + restarted,
    failed: totalFailed,
    stopped,
    more: !stopped && rollout.batchIndex < rollout.batchCount,
  };
}
