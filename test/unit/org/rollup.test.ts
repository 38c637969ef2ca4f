// The roll-up's pure parts: reading hub-bus events, the state of a VPC, merging under duplicate and
// out-of-order delivery, the staleness horizon and the CLI filter.
import { InvalidInputError } from '../../../shared/errors';
import { endpointCounts } from '../../../shared/org/events';
import {
  DEFAULT_STALE_AFTER_SECONDS,
  deriveState,
  executionConsoleUrl,
  mergeRollup,
  parseRollupFilter,
  type RollupEvent,
  rollupEventFromBus,
  type StoredRollup,
  staleAfterSeconds,
} from '../../../shared/org/rollup';
import { completedEvent, decisionEvent, MEMBER, VPC } from '../../support/rollup-events';

const EXECUTION_ARN = `arn:aws:states:eu-west-1:111122223333:execution:Workflow1A2B:${VPC}-00aa11bb22cc33dd`;
const NOW = new Date('2026-12-06T12:00:00.000Z');
const DAY = 86_400;

function thrown(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    return err as InvalidInputError;
  }
  throw new Error('expected a throw');
}

/** Applies events in order to an empty row, as the table would (duplicates and stale ones are no-ops). */
function replay(events: RollupEvent[]): StoredRollup | undefined {
  let stored: StoredRollup | undefined;
  for (const event of events) {
    const merged = mergeRollup(stored, event, NOW, DAY);
    if (merged.outcome === 'applied') stored = merged.stored;
  }
  return stored;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('rollupEventFromBus', () => {
  it('reads a completion event with the member account and region from the envelope', () => {
    // Prepare
    const raw = completedEvent(
      { id: 'e-1', time: '2026-12-06T10:00:00Z', resources: [EXECUTION_ARN] },
      {
        outcome: 'failed',
        error: 'RestartsFailed',
        cause: '1 instance(s) failed',
        counts: { restarted: 4, skipped: 2, failed: 1 },
        endpoints: [
          { id: 'vpce-1', service: 'ecr.api', state: 'available' },
          { id: 'vpce-2', service: 'ecr.dkr', state: 'pending' },
          { id: 'vpce-3', service: 'ecs', state: 'Failed' },
          { id: 'vpce-4', service: 'ecs-agent', state: 'deleted' },
        ],
      },
    );

    // Act
    const event = rollupEventFromBus(raw);

    // Assess
    expect(event).toEqual({
      kind: 'run',
      record: {
        eventId: 'e-1',
        accountId: MEMBER.account,
        region: MEMBER.region,
        vpcId: VPC,
        at: '2026-12-06T10:00:00.000Z',
        runId: `run#${VPC}-e-1`,
        outcome: 'failed',
        error: 'RestartsFailed',
        cause: '1 instance(s) failed',
        consoleUrl: `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION_ARN}`,
        endpoints: { total: 3, available: 1, pending: 1, failed: 1 },
        agents: { restarted: 4, failed: 1, skipped: 2 },
      },
    });
  });

  it('links the run to its execution named in the summary (executionArn)', () => {
    // Prepare
    const raw = completedEvent({ id: 'e-2', time: '2026-12-06T10:00:00Z' }, { executionArn: EXECUTION_ARN });

    // Act
    const event = rollupEventFromBus(raw);

    // Assess
    expect(event.kind === 'run' && event.record.consoleUrl).toBe(executionConsoleUrl(EXECUTION_ARN));
    expect(executionConsoleUrl(EXECUTION_ARN.replace('arn:aws:', 'arn:aws-cn:'))).toMatch(
      /^https:\/\/eu-west-1\.console\.amazonaws\.cn\/states\//,
    );
  });

  it('reads a trigger decision with its own millisecond time and the workflow it started', () => {
    // Prepare
    const raw = decisionEvent(
      { id: 'd-1', time: '2026-12-06T10:00:00Z', account: '444455556666', region: 'us-east-2' },
      {
        decision: 'reconciled',
        rule: 'vpc-tag-change',
        at: '2026-12-06T10:00:00.250Z',
        workflow: { name: `${VPC}-0011223344556677` },
        endpoints: { total: 5, available: 0, pending: 5, failed: 0 },
      },
    );

    // Act
    const event = rollupEventFromBus(raw);

    // Assess
    expect(event).toEqual({
      kind: 'decision',
      record: expect.objectContaining({
        eventId: 'd-1',
        accountId: '444455556666',
        region: 'us-east-2',
        at: '2026-12-06T10:00:00.250Z',
        decision: 'reconciled',
        rule: 'vpc-tag-change',
        workflow: `${VPC}-0011223344556677`,
        endpoints: { total: 5, available: 0, pending: 5, failed: 0 },
      }),
    });
  });

  it.each([
    ['account', { ...completedEvent({ id: 'e', time: '2026-12-06T10:00:00Z' }), account: '1234' }, 'account'],
    ['region', { ...completedEvent({ id: 'e', time: '2026-12-06T10:00:00Z' }), region: 'moon-1' }, 'region'],
    [
      'detail-type',
      { ...completedEvent({ id: 'e', time: '2026-12-06T10:00:00Z' }), 'detail-type': 'Other' },
      'detail-type',
    ],
    ['time', { ...completedEvent({ id: 'e', time: 'yesterday' }) }, 'time'],
    ['VPC id', completedEvent({ id: 'e', time: '2026-12-06T10:00:00Z' }, { vpcId: 'vpc-x' }), 'detail.vpcId'],
    ['dry run', completedEvent({ id: 'e', time: '2026-12-06T10:00:00Z' }, { dryRun: true }), 'detail.dryRun'],
    [
      'decision',
      decisionEvent({ id: 'e', time: '2026-12-06T10:00:00Z' }, { decision: 'maybe' as never }),
      'detail.decision',
    ],
  ])('rejects a malformed %s naming the field', (_what, raw, field) => {
    // Act
    const err = thrown(() => rollupEventFromBus(raw));

    // Assess
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.name).toBe('InvalidInput');
    expect(err.context.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('rejects something that is not an event at all', () => {
    // Act
    const err = thrown(() => rollupEventFromBus('hello'));

    // Assess
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.context.field).toBe('(root)');
  });
});

describe('the state of a VPC', () => {
  const run = (outcome: 'succeeded' | 'failed', time: string, error?: string) =>
    rollupEventFromBus(completedEvent({ id: `r-${time}`, time }, { outcome, ...(error ? { error } : {}) }))
      .record as Parameters<typeof deriveState>[0];
  const decision = (time: string, detail: Parameters<typeof decisionEvent>[1] = {}) =>
    rollupEventFromBus(decisionEvent({ id: `d-${time}`, time }, detail)).record as Parameters<
      typeof deriveState
    >[1];
  const T1 = '2026-12-06T10:00:00.000Z';
  const T2 = '2026-12-06T11:00:00.000Z';

  it.each([
    ['a succeeded run', run('succeeded', T1), undefined, 'converged'],
    ['a run whose restarts failed', run('failed', T1, 'RestartsFailed'), undefined, 'degraded'],
    ['a run over its error budget', run('failed', T1, 'ErrorBudgetExceeded'), undefined, 'degraded'],
    ['a run that failed on its endpoints', run('failed', T1, 'EndpointFailed'), undefined, 'failed'],
    ['a decision that started a workflow', undefined, decision(T1, { workflow: { name: 'w' } }), 'pending'],
    [
      'a newer decision that started a workflow',
      run('succeeded', T1),
      decision(T2, { workflow: { name: 'w' } }),
      'pending',
    ],
    [
      'a run newer than the decision that started it',
      run('succeeded', T2),
      decision(T1, { workflow: { name: 'w' } }),
      'converged',
    ],
    ['a routine sweep after a degraded run', run('failed', T1, 'RestartsFailed'), decision(T2), 'degraded'],
    ['a routine sweep with every endpoint available and no run', undefined, decision(T1), 'converged'],
    [
      'a routine sweep with endpoints still pending and no run',
      undefined,
      decision(T1, { endpoints: { total: 5, available: 3, pending: 2, failed: 0 } }),
      'pending',
    ],
    ['a failed decision', run('succeeded', T1), decision(T2, { decision: 'failed' }), 'failed'],
    ['a teardown', run('succeeded', T1), decision(T2, { decision: 'torn-down' }), 'removed'],
    [
      'an opt-out that keeps the endpoints',
      run('succeeded', T1),
      decision(T2, { decision: 'opted-out-kept' }),
      'removed',
    ],
    [
      'a VPC that no longer exists',
      run('succeeded', T1),
      decision(T2, { decision: 'vpc-not-found' }),
      'removed',
    ],
  ])('%s', (_what, lastRun, lastDecision, expected) => {
    // Act
    const state = deriveState(lastRun, lastDecision);

    // Assess
    expect(state).toBe(expected);
  });
});

describe('mergeRollup', () => {
  const started = rollupEventFromBus(
    decisionEvent(
      { id: 'd-1', time: '2026-12-06T10:00:00.100Z' },
      {
        rule: 'vpc-tag-change',
        workflow: { name: 'w-1' },
        endpoints: { total: 5, available: 0, pending: 5, failed: 0 },
      },
    ),
  );
  const failedRun = rollupEventFromBus(
    completedEvent(
      { id: 'r-1', time: '2026-12-06T10:20:00Z', resources: [EXECUTION_ARN] },
      {
        outcome: 'failed',
        error: 'RestartsFailed',
        cause: '1 instance(s) failed',
        counts: { restarted: 2, skipped: 0, failed: 1 },
      },
    ),
  );
  const sweep = rollupEventFromBus(decisionEvent({ id: 'd-2', time: '2026-12-06T16:00:00.000Z' }));
  const rerun = rollupEventFromBus(
    completedEvent(
      { id: 'r-2', time: '2026-12-06T17:00:00Z' },
      { counts: { restarted: 1, skipped: 0, failed: 0 } },
    ),
  );

  it('builds the row a member reported, expiring the staleness horizon after now', () => {
    // Act
    const stored = replay([started, failedRun]);

    // Assess
    expect(stored?.row).toEqual({
      accountId: MEMBER.account,
      region: MEMBER.region,
      vpcId: VPC,
      state: 'degraded',
      endpoints: { total: 5, available: 5, pending: 0, failed: 0 },
      agents: { restarted: 2, failed: 1, skipped: 0 },
      lastRun: {
        runId: `run#${VPC}-r-1`,
        outcome: 'failed',
        at: '2026-12-06T10:20:00.000Z',
        consoleUrl: executionConsoleUrl(EXECUTION_ARN),
        error: 'RestartsFailed: 1 instance(s) failed',
      },
      lastDecision: {
        decision: 'reconciled',
        at: '2026-12-06T10:00:00.100Z',
        message: `VPC ${VPC} was already converged`,
      },
      updatedAt: '2026-12-06T10:20:00.000Z',
      expiresAt: NOW.getTime() / 1000 + DAY,
    });
  });

  it('calls a repeated event a duplicate and an older one stale, changing nothing', () => {
    // Prepare
    const stored = replay([started, failedRun, sweep]);

    // Act
    const duplicate = mergeRollup(stored, failedRun, NOW, DAY);
    const stale = mergeRollup(stored, started, NOW, DAY);

    // Assess
    expect(duplicate).toEqual({ outcome: 'duplicate' });
    expect(stale).toEqual({ outcome: 'stale' });
  });

  it('breaks a tie in event time by event id', () => {
    // Prepare: two runs completed in the same second
    const a = rollupEventFromBus(
      completedEvent(
        { id: 'aaa', time: '2026-12-06T10:00:00Z' },
        { outcome: 'failed', error: 'EndpointFailed' },
      ),
    );
    const b = rollupEventFromBus(completedEvent({ id: 'bbb', time: '2026-12-06T10:00:00Z' }));

    // Act
    const ab = replay([a, b]);
    const ba = replay([b, a]);

    // Assess: the greater id wins in either order
    expect(ab?.row.lastRun?.runId).toBe(`run#${VPC}-bbb`);
    expect(ba?.row).toEqual(ab?.row);
  });

  it('converges on the same row in every delivery order, with duplicates', () => {
    // Prepare
    const events = [started, failedRun, sweep, rerun, failedRun];
    const expected = replay(events);

    // Act
    const rows = permutations(events).map((order) => replay(order)?.row);

    // Assess
    expect(expected?.row.state).toBe('converged');
    expect(expected?.row.lastRun?.runId).toBe(`run#${VPC}-r-2`);
    expect(expected?.row.updatedAt).toBe('2026-12-06T17:00:00.000Z');
    for (const row of rows) expect(row).toEqual(expected?.row);
  });
});

describe('staleAfterSeconds', () => {
  it.each([
    [{ enabled: true, schedule: 'rate(6 hours)' }, DAY],
    [{ enabled: true, schedule: 'rate(12 hours)' }, 3 * 12 * 3600],
    [{ enabled: true, schedule: 'rate(1 day)' }, 3 * DAY],
    [{ enabled: true, schedule: 'rate(30 minutes)' }, DAY],
    [{ enabled: true, schedule: 'cron(0 3 * * ? *)' }, DEFAULT_STALE_AFTER_SECONDS],
    [{ enabled: false, schedule: 'rate(6 hours)' }, DEFAULT_STALE_AFTER_SECONDS],
  ])('is three sweep intervals (at least a day) for %j', (sweep, expected) => {
    // Act
    const seconds = staleAfterSeconds({ sweep });

    // Assess
    expect(seconds).toBe(expected);
  });
});

describe('parseRollupFilter and endpointCounts', () => {
  it('accepts a valid filter and names the field of a wrong one', () => {
    // Act
    const ok = parseRollupFilter({ accountId: '111122223333', region: 'us-gov-west-1', state: 'failed' });
    const errors = [
      thrown(() => parseRollupFilter({ accountId: '1111' })),
      thrown(() => parseRollupFilter({ region: 'EU' })),
      thrown(() => parseRollupFilter({ state: 'broken' })),
    ];

    // Assess
    expect(ok).toEqual({ accountId: '111122223333', region: 'us-gov-west-1', state: 'failed' });
    expect(errors.map((e) => e.context.field)).toEqual(['accountId', 'region', 'state']);
  });

  it('counts endpoints by state and leaves out those being deleted', () => {
    // Act
    const counts = endpointCounts(['available', 'Available', 'pendingAcceptance', 'rejected', 'deleting']);

    // Assess
    expect(counts).toEqual({ total: 4, available: 2, pending: 1, failed: 1 });
  });
});
