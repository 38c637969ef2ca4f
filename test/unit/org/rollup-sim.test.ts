// The roll-up on a simulated organization (3 member accounts x 2 regions): each member publishes its runs'
// "Remediation Completed" events (as its Summarize function's role) and trigger decisions; the organization
// forwards them to the hub bus, and the hub applies them with the roll-up code. Delivered duplicated and in any
// order, the roll-up converges to the true state: per VPC, its newest run and newest decision.
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { type HubEvent, SimulatedOrganization } from '../../../devkit/sim/org';
import { DECISION_DETAIL_TYPE, type TriggerDecisionDetail } from '../../../shared/org/events';
import type { RollupRow } from '../../../shared/org/names';
import { listRollup } from '../../../shared/org/rollup';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../../../shared/workflow/summary';

interface Truth {
  accountId: string;
  region: string;
  vpcId: string;
  lastRun: {
    runId: string;
    outcome: 'succeeded' | 'failed';
    error?: string;
    restarted: number;
    failed: number;
  };
  lastDecision?: string;
}

const OUTCOMES = [
  { outcome: 'succeeded', counts: { restarted: 4, skipped: 1, failed: 0 } },
  { outcome: 'failed', error: 'RestartsFailed', counts: { restarted: 3, skipped: 1, failed: 1 } },
  { outcome: 'failed', error: 'EndpointFailed', counts: { restarted: 0, skipped: 5, failed: 0 } },
] as const;

/** Every member account-region runs each of its 2 VPCs 3 times, a second apart, then makes one decision. */
async function publishHistory(org: SimulatedOrganization): Promise<Truth[]> {
  const truth: Truth[] = [];
  let n = 0;
  for (const { accountId, region } of org.memberRegions()) {
    const account = org.account(accountId, region);
    const summarize = account.clients({ role: 'WorkflowSummarize' }).events;
    const admin = account.clients().events;
    for (const cidr of ['10.1.0.0/16', '10.2.0.0/16']) {
      const { vpcId } = account.addVpc({ cidr, layout: 'private-only', azs: 1 });
      let last: Truth['lastRun'] | undefined;
      for (let run = 0; run < 3; run++) {
        const o = OUTCOMES[(n + run) % OUTCOMES.length]!;
        const runId = `run-${accountId}-${region}-${vpcId}-${run}`;
        org.clock.advance(1000);
        await summarize.send(
          new PutEventsCommand({
            Entries: [
              {
                Source: EVENT_SOURCE,
                DetailType: COMPLETED_DETAIL_TYPE,
                EventBusName: 'default',
                Resources: [],
                Detail: JSON.stringify({
                  vpcId,
                  runId,
                  dryRun: false,
                  restart: 'auto',
                  outcome: o.outcome,
                  ...('error' in o ? { error: o.error } : {}),
                  endpoints: [
                    { id: 'vpce-1', service: 'ecr.api', state: 'available' },
                    { id: 'vpce-2', service: 'ecs', state: run === 2 ? 'available' : 'pending' },
                  ],
                  counts: o.counts,
                  restarted: [],
                  skipped: [],
                  failed: [],
                  omitted: { restarted: 0, skipped: 0, failed: 0 },
                  notes: [],
                }),
              },
            ],
          }),
        );
        last = {
          runId,
          outcome: o.outcome,
          ...('error' in o ? { error: o.error } : {}),
          restarted: o.counts.restarted,
          failed: o.counts.failed,
        };
      }
      n += 1;
      org.clock.advance(1000);
      // An older decision than the last run for half the VPCs would need a backdated clock; a routine one after
      // it leaves the run's verdict standing.
      const decision: TriggerDecisionDetail = {
        vpcId,
        decision: 'reconciled',
        message: 'endpoints converged',
        rule: 'sweep',
        triggerEventId: `sweep-${n}`,
        at: org.clock.now().toISOString(),
      };
      await admin.send(
        new PutEventsCommand({
          Entries: [
            { Source: EVENT_SOURCE, DetailType: DECISION_DETAIL_TYPE, Detail: JSON.stringify(decision) },
          ],
        }),
      );
      truth.push({ accountId, region, vpcId, lastRun: last!, lastDecision: 'reconciled' });
    }
  }
  return truth;
}

const comparable = (rows: RollupRow[]) => rows.map(({ expiresAt: _ttl, ...rest }) => rest);

describe('the roll-up on a simulated organization', () => {
  let org: SimulatedOrganization;
  let truth: Truth[];

  // Prepare (shared): the history is published once; the first deploy of the member roles may synthesize.
  beforeAll(async () => {
    org = new SimulatedOrganization();
    truth = await publishHistory(org);
  }, 120_000);

  it('gets every member event on the hub bus with the member account and region', () => {
    // Assess
    expect(org.hubBus).toHaveLength(truth.length * 4);
    for (const { accountId, region, vpcId } of truth) {
      const mine = org.hubBus.filter(
        (e) => (e.detail as { vpcId: string }).vpcId === vpcId && e.account === accountId,
      );
      expect(mine.map((e) => e.region)).toEqual([region, region, region, region]);
    }
    expect(org.hub().events.filter((e) => e.EventBusName === 'privatelink-ecs-organization')).toHaveLength(
      truth.length * 4,
    );
  });

  it('converges to the true state of every VPC after duplicate and out-of-order delivery', async () => {
    // Prepare
    const events = [...org.pendingHubEvents];
    const inOrder = org.addRollupTable('Rollup-InOrder');
    await org.deliverHubEvents(org.rollupConsumer(inOrder));
    const { dynamodb } = org.hub().clients();
    const expected = await listRollup(dynamodb, inOrder);

    // Act + Assess: any shuffle of the events, each delivered one to three times.
    let table = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: events.length, maxLength: events.length }),
        async (shuffled, copies) => {
          const name = org.addRollupTable(`Rollup-${table++}`);
          const consume = org.rollupConsumer(name);
          const delivery: HubEvent[] = shuffled.flatMap((e, i) => Array<HubEvent>(copies[i]!).fill(e));
          const outcomes = [];
          for (const e of delivery) outcomes.push(await consume(e));
          const rows = await listRollup(dynamodb, name);
          expect(comparable(rows)).toEqual(comparable(expected));
          expect(outcomes.filter((o) => o === 'duplicate').length).toBeGreaterThanOrEqual(
            delivery.length - events.length - outcomes.filter((o) => o === 'stale').length,
          );
        },
      ),
      { numRuns: 15, seed: 14 },
    );

    // ... and that state is the truth: per VPC, the newest run speaks (a routine decision after it keeps it).
    expect(expected).toHaveLength(truth.length);
    for (const t of truth) {
      const row = expected.find(
        (r) => r.accountId === t.accountId && r.region === t.region && r.vpcId === t.vpcId,
      );
      expect(row).toMatchObject({
        state:
          t.lastRun.outcome === 'succeeded'
            ? 'converged'
            : t.lastRun.error === 'RestartsFailed'
              ? 'degraded'
              : 'failed',
        endpoints: { total: 2, available: 2, pending: 0, failed: 0 },
        agents: { restarted: t.lastRun.restarted, failed: t.lastRun.failed },
        lastRun: { runId: t.lastRun.runId, outcome: t.lastRun.outcome },
        lastDecision: { decision: t.lastDecision },
      });
    }
  });
});
