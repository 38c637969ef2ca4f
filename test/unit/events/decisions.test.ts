// Trigger decisions an organization member publishes for the hub: which, with what detail, 10 per PutEvents
// call, and never an error thrown at the trigger (the next sweep reports the VPC again).
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { decisionDetail, isNewsworthy, publishDecisions } from '../../../shared/events/decisions';
import type { TriggerOutcome, VpcOutcome } from '../../../shared/events/trigger';
import { rollupEventFromBus } from '../../../shared/org/rollup';

const events = mockClient(EventBridgeClient);
const AT = new Date('2026-12-06T10:00:00.250Z');

function vpc(n: number, over: Partial<VpcOutcome> = {}): VpcOutcome {
  return {
    vpcId: `vpc-${String(n).padStart(17, '0')}`,
    decision: 'reconciled',
    message: 'already converged',
    ...over,
  };
}

function outcome(rule: TriggerOutcome['rule'], vpcs: VpcOutcome[], dryRun = false): TriggerOutcome {
  return { eventId: 'evt-1', rule, dryRun, vpcs, notes: [] };
}

afterEach(() => events.reset());

describe('trigger decisions for the organization hub', () => {
  it.each([
    ['sweep', vpc(1), true],
    ['vpc-tag-change', vpc(1), false],
    ['vpc-tag-change', vpc(1, { decision: 'not-opted-in' }), false],
    ['vpc-tag-change', vpc(1, { decision: 'torn-down' }), true],
    ['vpc-tag-change', vpc(1, { decision: 'failed' }), true],
    [
      'ecs-instance-state',
      vpc(1, { workflow: { name: 'w', attempted: true, started: true, duplicate: false, reasons: ['x'] } }),
      true,
    ],
  ] as const)('for rule %s, %j is newsworthy: %s', (rule, v, expected) => {
    // Act
    const newsworthy = isNewsworthy(rule, v);

    // Assess
    expect(newsworthy).toBe(expected);
  });

  it('puts each sweep decision in calls of 10, with a detail the hub reads', async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const run = outcome(
      'sweep',
      Array.from({ length: 12 }, (_, n) => vpc(n)),
    );

    // Act
    const result = await publishDecisions(new EventBridgeClient({}), 'default', run, () => AT);

    // Assess
    const calls = events.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 2]);
    const first = calls[0]!.args[0].input.Entries![0]!;
    expect(first).toMatchObject({
      Source: 'privatelink-ecs',
      DetailType: 'PrivateLink ECS Trigger Decision',
      EventBusName: 'default',
    });
    const parsed = rollupEventFromBus({
      version: '0',
      id: 'e',
      'detail-type': first.DetailType,
      source: first.Source,
      account: '111122223333',
      region: 'eu-west-1',
      time: '2026-12-06T10:00:00Z',
      resources: [],
      detail: JSON.parse(first.Detail!),
    });
    expect(parsed.record).toMatchObject({ decision: 'reconciled', at: AT.toISOString(), rule: 'sweep' });
    expect(result).toEqual({ published: 12, failed: 0 });
  });

  it('reports the workflow a decision started and the state of our endpoints', () => {
    // Prepare
    const v = vpc(1, {
      workflow: { name: 'wf-1', attempted: true, started: true, duplicate: false, reasons: ['changed'] },
      reconcile: {
        endpoints: [
          { state: 'available', managed: true },
          { state: 'pending', managed: true },
          { state: 'available', managed: false },
          { state: 'deleted', managed: true },
        ],
      } as never,
    });

    // Act
    const detail = decisionDetail(outcome('vpc-tag-change', [v]), v, AT);

    // Assess
    expect(detail).toEqual({
      vpcId: v.vpcId,
      decision: 'reconciled',
      message: 'already converged',
      rule: 'vpc-tag-change',
      triggerEventId: 'evt-1',
      at: AT.toISOString(),
      workflow: { name: 'wf-1' },
      endpoints: { total: 2, available: 1, pending: 1, failed: 0 },
    });
  });

  it('never throws when EventBridge refuses, and publishes nothing for a dry run', async () => {
    // Prepare
    events.on(PutEventsCommand).rejects(new Error('AccessDeniedException'));
    const client = new EventBridgeClient({});

    // Act
    const refused = await publishDecisions(client, 'default', outcome('sweep', [vpc(1), vpc(2)]));
    const dry = await publishDecisions(client, 'default', outcome('sweep', [vpc(1)], true));

    // Assess
    expect(refused).toEqual({ published: 0, failed: 2 });
    expect(dry).toEqual({ published: 0, failed: 0 });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
