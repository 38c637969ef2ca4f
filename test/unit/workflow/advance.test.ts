// Every transition of the rollout's pure decisions, one row each: an item and what the poll observed go in,
// the item's next state and the actions to take come out.
import {
  type Advanced,
  advance,
  afterActionFailed,
  type ContainerView,
  limitsOf,
  type Observation,
  RECONNECT_SETTLE_SECONDS,
  type RolloutAction,
  settleBatch,
  watchesContainer,
} from '../../../shared/workflow/advance';
import type { InstanceRef, ItemProgress } from '../../../shared/workflow/records';
import type { RolloutPhase } from '../../../shared/workflow/types';

const limits = limitsOf({ commandTimeoutSeconds: 600, reconnectTimeoutSeconds: 300 });
const ref: InstanceRef = { i: 'i-0123456789abcdef0', a: 'arn:ci/1', c: 'arn:cluster/prod' };
const drainedBefore: InstanceRef = { ...ref, d: 1 };
const NOW = Date.parse('2026-12-06T12:00:00Z');
const CMD = 'cmd-1';

const RECORD: RolloutAction = { kind: 'recordRestart' };
const REBOOT: RolloutAction = { kind: 'reboot' };
const SET_ACTIVE: RolloutAction = { kind: 'setActive' };

const connected: ContainerView = { agentConnected: true, runningTasksCount: 0 };
const disconnected: ContainerView = { agentConnected: false, runningTasksCount: 0 };
const busy: ContainerView = { agentConnected: true, runningTasksCount: 3 };

function seen(elapsedSeconds: number, extra: Partial<Observation> = {}): Observation {
  return { elapsedSeconds, nowMs: NOW, ...extra };
}
function invocation(status: string, details?: string, endedSecondsAgo?: number) {
  return {
    id: CMD,
    invocation: {
      status,
      ...(details ? { details } : {}),
      ...(endedSecondsAgo === undefined ? {} : { endedAt: new Date(NOW - endedSecondsAgo * 1000) }),
    },
  };
}
const failed = (item: ItemProgress, reason: string): ItemProgress => ({
  ...item,
  phase: 'done',
  outcome: 'failed',
  reason,
});

const command: ItemProgress = { phase: 'command', since: 0 };
const reconnect: ItemProgress = {
  phase: 'reconnect',
  since: 20,
  age: 2,
  reason: 'restarted through SSM Run Command',
};
const draining: ItemProgress = { phase: 'draining', since: 0 };
const rebooting: ItemProgress = { phase: 'rebooting', since: 40 };
const updating: ItemProgress = { phase: 'updating', since: 0 };

interface Row {
  name: string;
  item: ItemProgress;
  ref?: InstanceRef;
  observed: Observation;
  expected: Advanced;
}

const rows: Row[] = [
  // Restart command
  {
    name: 'command pending (no invocation yet) within the timeout: waits',
    item: command,
    observed: seen(30, { command: { id: CMD } }),
    expected: { progress: command, actions: [] },
  },
  {
    name: 'command in progress within the timeout: waits',
    item: command,
    observed: seen(30, { command: invocation('InProgress') }),
    expected: { progress: command, actions: [] },
  },
  {
    name: 'command succeeded: recorded, reconnect watched from now with the age of its end',
    item: command,
    observed: seen(30, { command: invocation('Success', 'Success', 7.6), container: connected }),
    expected: {
      progress: { phase: 'reconnect', since: 30, age: 7, reason: 'restarted through SSM Run Command' },
      actions: [RECORD],
    },
  },
  {
    name: 'command succeeded but its container instance is gone: recorded, then failed',
    item: command,
    observed: seen(30, { command: invocation('Success'), container: null }),
    expected: {
      progress: {
        phase: 'done',
        since: 30,
        age: 0,
        outcome: 'failed',
        reason: 'container instance disappeared during the restart',
      },
      actions: [RECORD],
    },
  },
  {
    name: 'command failed: failed with SSM details and the command id',
    item: command,
    observed: seen(30, { command: invocation('Failed', 'Undeliverable') }),
    expected: {
      progress: failed(command, 'restart command Failed (Undeliverable) [command cmd-1]'),
      actions: [],
    },
  },
  {
    name: 'command timed out in SSM: failed, details equal to the status are not repeated',
    item: command,
    observed: seen(30, { command: invocation('TimedOut', 'TimedOut') }),
    expected: { progress: failed(command, 'restart command TimedOut [command cmd-1]'), actions: [] },
  },
  {
    name: 'command cancelled: failed',
    item: command,
    observed: seen(30, { command: invocation('Cancelled') }),
    expected: { progress: failed(command, 'restart command Cancelled [command cmd-1]'), actions: [] },
  },
  {
    name: 'command still in progress past its timeout plus grace: failed',
    item: command,
    observed: seen(661, { command: invocation('InProgress') }),
    expected: {
      progress: failed(command, 'restart command still InProgress after 661 s [command cmd-1]'),
      actions: [],
    },
  },
  {
    name: 'command in progress exactly at its timeout plus grace: still waits',
    item: command,
    observed: seen(660, { command: invocation('InProgress') }),
    expected: { progress: command, actions: [] },
  },
  {
    name: 'command never delivered past its timeout plus grace: failed as undelivered',
    item: command,
    observed: seen(700, { command: { id: CMD } }),
    expected: {
      progress: failed(command, 'restart command still undelivered after 700 s [command cmd-1]'),
      actions: [],
    },
  },
  {
    name: 'item in phase command with no command observed: unchanged',
    item: command,
    observed: seen(9999),
    expected: { progress: command, actions: [] },
  },
  // Reconnect after a restart command
  {
    name: 'agent connected once settled: restarted',
    item: reconnect,
    observed: seen(20 + RECONNECT_SETTLE_SECONDS - 2, { container: connected }),
    expected: { progress: { ...reconnect, phase: 'done', outcome: 'restarted' }, actions: [] },
  },
  {
    name: 'agent connected but not settled yet: waits',
    item: reconnect,
    observed: seen(20 + RECONNECT_SETTLE_SECONDS - 3, { container: connected }),
    expected: { progress: reconnect, actions: [] },
  },
  {
    name: 'agent connected on the poll that saw the command end: never accepted',
    item: { ...reconnect, age: 60 },
    observed: seen(20, { container: connected }),
    expected: { progress: { ...reconnect, age: 60 }, actions: [] },
  },
  {
    name: 'agent not connected within the reconnect window: waits',
    item: reconnect,
    observed: seen(319, { container: disconnected }),
    expected: { progress: reconnect, actions: [] },
  },
  {
    name: 'agent not reconnected when the reconnect window ends: failed',
    item: reconnect,
    observed: seen(320, { container: disconnected }),
    expected: {
      progress: failed(reconnect, 'restart command succeeded but the agent did not reconnect within 300 s'),
      actions: [],
    },
  },
  {
    name: 'container instance gone while reconnecting: failed',
    item: reconnect,
    observed: seen(25, { container: null }),
    expected: {
      progress: failed(reconnect, 'container instance disappeared during the restart'),
      actions: [],
    },
  },
  {
    name: 'container instance not described on this poll: unchanged',
    item: reconnect,
    observed: seen(25),
    expected: { progress: reconnect, actions: [] },
  },
  // Reboot fallback: drain, reboot, reconnect, ACTIVE again
  {
    name: 'drained (no running tasks): reboot',
    item: draining,
    observed: seen(10, { container: { ...busy, runningTasksCount: 0 } }),
    expected: { progress: { ...draining, phase: 'rebooting', since: 10 }, actions: [REBOOT] },
  },
  {
    name: 'still draining within the window: waits',
    item: draining,
    observed: seen(10, { container: busy }),
    expected: { progress: draining, actions: [] },
  },
  {
    name: 'drain not finished when the window ends: failed, set ACTIVE again',
    item: draining,
    observed: seen(300, { container: busy }),
    expected: {
      progress: failed(draining, 'drain did not finish within 300 s (3 tasks), not rebooted'),
      actions: [SET_ACTIVE],
    },
  },
  {
    name: 'drain not finished on an instance drained before the run: failed, left DRAINING',
    item: draining,
    ref: drainedBefore,
    observed: seen(300, { container: busy }),
    expected: {
      progress: failed(draining, 'drain did not finish within 300 s (3 tasks), not rebooted'),
      actions: [],
    },
  },
  {
    name: 'rebooted agent reconnected and settled: restarted, set ACTIVE, recorded',
    item: rebooting,
    observed: seen(40 + RECONNECT_SETTLE_SECONDS, { container: connected }),
    expected: {
      progress: {
        ...rebooting,
        phase: 'done',
        outcome: 'restarted',
        reason: 'rebooted (not managed by SSM), drained and set ACTIVE again',
      },
      actions: [SET_ACTIVE, RECORD],
    },
  },
  {
    name: 'rebooted agent reconnected on an instance drained before the run: restarted, left DRAINING',
    item: rebooting,
    ref: drainedBefore,
    observed: seen(40 + RECONNECT_SETTLE_SECONDS, { container: connected }),
    expected: {
      progress: {
        ...rebooting,
        phase: 'done',
        outcome: 'restarted',
        reason: 'rebooted (not managed by SSM); it was DRAINING before the run and is left DRAINING',
      },
      actions: [RECORD],
    },
  },
  {
    name: 'rebooted agent connected before the settle: waits',
    item: rebooting,
    observed: seen(40 + RECONNECT_SETTLE_SECONDS - 1, { container: connected }),
    expected: { progress: rebooting, actions: [] },
  },
  {
    name: 'rebooted agent not reconnected when the window ends: failed, set ACTIVE again',
    item: rebooting,
    observed: seen(340, { container: disconnected }),
    expected: {
      progress: failed(rebooting, 'rebooted but the agent did not reconnect within 300 s'),
      actions: [SET_ACTIVE],
    },
  },
  // Agent updates
  {
    name: 'agent update UPDATED: restarted with the new version, recorded',
    item: updating,
    observed: seen(30, { container: { agentUpdateStatus: 'UPDATED', agentVersion: '1.89.0' } }),
    expected: {
      progress: {
        ...updating,
        phase: 'done',
        outcome: 'restarted',
        reason: 'agent updated to 1.89.0 (the update restarts it)',
      },
      actions: [RECORD],
    },
  },
  {
    name: 'agent update UPDATED without a version: restarted',
    item: updating,
    observed: seen(30, { container: { agentUpdateStatus: 'UPDATED' } }),
    expected: {
      progress: {
        ...updating,
        phase: 'done',
        outcome: 'restarted',
        reason: 'agent updated (the update restarts it)',
      },
      actions: [RECORD],
    },
  },
  {
    name: 'agent update FAILED: failed',
    item: updating,
    observed: seen(30, { container: { agentUpdateStatus: 'FAILED' } }),
    expected: { progress: failed(updating, 'agent update reported FAILED'), actions: [] },
  },
  {
    name: 'agent update still STAGING within the bound: waits',
    item: updating,
    observed: seen(899, { container: { agentUpdateStatus: 'STAGING' } }),
    expected: { progress: updating, actions: [] },
  },
  {
    name: 'agent update still STAGING at the bound: failed',
    item: updating,
    observed: seen(900, { container: { agentUpdateStatus: 'STAGING' } }),
    expected: { progress: failed(updating, 'agent update still STAGING after 900 s'), actions: [] },
  },
  {
    name: 'agent update not reported at the bound: failed as pending',
    item: updating,
    observed: seen(900, { container: {} }),
    expected: { progress: failed(updating, 'agent update still pending after 900 s'), actions: [] },
  },
  {
    name: 'container instance gone during the agent update: failed',
    item: updating,
    observed: seen(30, { container: null }),
    expected: { progress: failed(updating, 'container instance disappeared'), actions: [] },
  },
  // Finished items
  {
    name: 'finished item: unchanged whatever is observed',
    item: { phase: 'done', since: 0, outcome: 'restarted' },
    observed: seen(30, { command: invocation('Failed'), container: null }),
    expected: { progress: { phase: 'done', since: 0, outcome: 'restarted' }, actions: [] },
  },
];

describe('advance: one poll of one item', () => {
  it.each(rows)('$name', ({ item, ref: itemRef, observed, expected }) => {
    // Prepare
    const before = structuredClone(item);

    // Act
    const next = advance({ ref: itemRef ?? ref, progress: item }, observed, limits);

    // Assess
    expect(next).toEqual(expected);
    expect(item).toEqual(before); // pure: the input item is not changed
  });
});

interface FailureRow {
  name: string;
  item: ItemProgress;
  ref?: InstanceRef;
  action: RolloutAction;
  remaining?: RolloutAction[];
  expected: Advanced;
}

const afterReboot: ItemProgress = { phase: 'rebooting', since: 10 };
const reconnectedReboot: ItemProgress = {
  phase: 'done',
  since: 40,
  outcome: 'restarted',
  reason: 'rebooted (not managed by SSM), drained and set ACTIVE again',
};
const drainTimedOut = failed(draining, 'drain did not finish within 300 s (3 tasks), not rebooted');

const failureRows: FailureRow[] = [
  {
    name: 'reboot refused: failed, set ACTIVE again',
    item: afterReboot,
    action: REBOOT,
    expected: {
      progress: failed(afterReboot, 'reboot failed: IncorrectState: stopped'),
      actions: [SET_ACTIVE],
    },
  },
  {
    name: 'reboot refused on an instance drained before the run: failed, left DRAINING',
    item: afterReboot,
    ref: drainedBefore,
    action: REBOOT,
    expected: { progress: failed(afterReboot, 'reboot failed: IncorrectState: stopped'), actions: [] },
  },
  {
    name: 'set ACTIVE refused after a reconnected reboot: failed, and not recorded as restarted',
    item: reconnectedReboot,
    action: SET_ACTIVE,
    remaining: [RECORD],
    expected: {
      progress: failed(
        reconnectedReboot,
        'rebooted, but could not set it ACTIVE again: IncorrectState: stopped',
      ),
      actions: [],
    },
  },
  {
    name: 'set ACTIVE refused after a failure: the reason says so too',
    item: drainTimedOut,
    action: SET_ACTIVE,
    expected: {
      progress: {
        ...drainTimedOut,
        reason:
          'drain did not finish within 300 s (3 tasks), not rebooted; could not set it ACTIVE again: IncorrectState: stopped',
      },
      actions: [],
    },
  },
  {
    name: 'restart attribute hint refused: still restarted, the reason notes the state table has it',
    item: reconnect,
    action: RECORD,
    expected: {
      progress: {
        ...reconnect,
        reason:
          'restarted through SSM Run Command (recorded in the state table; ECS attribute hint not written: IncorrectState: stopped)',
      },
      actions: [],
    },
  },
];

describe('afterActionFailed: an action refused for good', () => {
  it.each(failureRows)('$name', ({ item, ref: itemRef, action, remaining, expected }) => {
    // Act
    const next = afterActionFailed(
      { ref: itemRef ?? ref, progress: item },
      action,
      'IncorrectState: stopped',
      remaining ?? [],
    );

    // Assess
    expect(next).toEqual(expected);
  });
});

const running: RolloutPhase = {
  batchIndex: 1,
  batchCount: 3,
  batchSize: 2,
  maxErrors: 1,
  phase: 'idle',
  attempts: 0,
  elapsedSeconds: 0,
  waitSeconds: 0,
  restarted: 2,
  failed: 0,
  stopped: false,
  more: true,
};

describe('settleBatch: a finished batch against the error budget', () => {
  it.each([
    {
      name: 'no failure: counted, the next batch may start',
      rollout: running,
      restarted: 2,
      failed: 0,
      expected: { restarted: 4, failed: 0, stopped: false, more: true },
    },
    {
      name: 'failures reach the budget but do not exceed it: the next batch may start',
      rollout: running,
      restarted: 1,
      failed: 1,
      expected: { restarted: 3, failed: 1, stopped: false, more: true },
    },
    {
      name: 'failures exceed the budget: stopped, no further batch',
      rollout: running,
      restarted: 0,
      failed: 2,
      expected: { restarted: 2, failed: 2, stopped: true, more: false },
    },
    {
      name: 'last batch finished within the budget: no more batches',
      rollout: { ...running, batchIndex: 3 },
      restarted: 2,
      failed: 0,
      expected: { restarted: 4, failed: 0, stopped: false, more: false },
    },
    {
      name: 'already stopped: stays stopped whatever the batch did',
      rollout: { ...running, stopped: true, more: false },
      restarted: 2,
      failed: 0,
      expected: { restarted: 4, failed: 0, stopped: true, more: false },
    },
  ])('$name', ({ rollout, restarted, failed: failures, expected }) => {
    // Act
    const next = settleBatch(rollout, restarted, failures);

    // Assess
    expect(next).toEqual({ ...rollout, ...expected });
  });
});

describe('watchesContainer: which items a poll describes', () => {
  it.each([
    { name: 'command without an invocation', item: command, cmd: { id: CMD }, expected: false },
    { name: 'command in progress', item: command, cmd: invocation('InProgress'), expected: false },
    { name: 'command just succeeded', item: command, cmd: invocation('Success'), expected: true },
    { name: 'command failed', item: command, cmd: invocation('Failed'), expected: false },
    { name: 'reconnecting', item: reconnect, cmd: undefined, expected: true },
    { name: 'draining', item: draining, cmd: undefined, expected: true },
    { name: 'rebooting', item: rebooting, cmd: undefined, expected: true },
    { name: 'updating', item: updating, cmd: undefined, expected: true },
    { name: 'finished', item: reconnectedReboot, cmd: undefined, expected: false },
  ])('$name: $expected', ({ item, cmd, expected }) => {
    // Act / Assess
    expect(watchesContainer(item, cmd)).toBe(expected);
  });
});
