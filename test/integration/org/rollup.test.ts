// The roll-up store against moto's DynamoDB and the simulated account's (the CLI and `npm start -- --org` use
// the latter): duplicate and out-of-order delivery, the TTL attribute, concurrent writers and paginated lists.
import { CreateTableCommand, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvalidInputError } from '../../../shared/errors';
import { applyRollupEvent, listRollup, rollupKey } from '../../../shared/org/rollup';
import { completedEvent, decisionEvent, MEMBER, VPC } from '../../support/rollup-events';
import { type ContractTarget, TARGETS } from '../contract/targets';

const TableName = 'privatelink-ecs-rollup';
const HOUR = 3600;

describe.each(TARGETS)('organization roll-up store against %s', (_name, makeTarget) => {
  let target: ContractTarget;
  const ddb = () => target.clients.dynamodb;

  async function storedItem(accountId = MEMBER.account, region = MEMBER.region, vpcId = VPC) {
    const out = await ddb().send(
      new GetItemCommand({
        TableName,
        Key: { id: { S: rollupKey({ accountId, region, vpcId }) } },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  beforeEach(async () => {
    target = await makeTarget();
    await ddb().send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  it('applies an event once: its redelivery is a duplicate and changes nothing', async () => {
    // Prepare
    const event = completedEvent({ id: 'run-1', time: '2026-12-06T10:00:00Z' });
    const now = new Date('2026-12-06T10:00:05Z');

    // Act
    const first = await applyRollupEvent(ddb(), TableName, event, now);
    const before = await storedItem();
    const again = await applyRollupEvent(ddb(), TableName, event, new Date('2026-12-06T11:00:00Z'));
    const after = await storedItem();

    // Assess
    expect([first, again]).toEqual(['applied', 'duplicate']);
    expect(after).toEqual(before);
    expect(after?.revision).toEqual({ N: '1' });
  });

  it('never lets an older event overwrite a newer one, and converges whatever the order', async () => {
    // Prepare: a trigger starts a run that fails on restarts, then a re-run succeeds
    const events = [
      decisionEvent(
        { id: 'd-1', time: '2026-12-06T09:59:59.500Z' },
        { rule: 'vpc-tag-change', workflow: { name: 'w-1' } },
      ),
      completedEvent(
        { id: 'run-1', time: '2026-12-06T10:10:00Z' },
        { outcome: 'failed', error: 'RestartsFailed', counts: { restarted: 1, skipped: 0, failed: 2 } },
      ),
      completedEvent({ id: 'run-2', time: '2026-12-06T12:00:00Z' }),
    ];
    const now = new Date('2026-12-06T12:00:01Z');

    // Act: newest first, then the older ones, then everything again
    const outcomes: string[] = [];
    for (const e of [events[2], events[1], events[0], ...events]) {
      outcomes.push(await applyRollupEvent(ddb(), TableName, e, now));
    }
    const [row] = await listRollup(ddb(), TableName);

    // Assess
    expect(outcomes).toEqual(['applied', 'stale', 'applied', 'duplicate', 'stale', 'duplicate']);
    expect(row).toMatchObject({
      accountId: MEMBER.account,
      region: MEMBER.region,
      vpcId: VPC,
      state: 'converged',
      agents: { restarted: 3, failed: 0, skipped: 1 },
      lastRun: { runId: `run#${VPC}-run-2`, outcome: 'succeeded', at: '2026-12-06T12:00:00.000Z' },
      lastDecision: { decision: 'reconciled', at: '2026-12-06T09:59:59.500Z' },
      updatedAt: '2026-12-06T12:00:00.000Z',
    });
  });

  it('refreshes expiresAt on every applied event and not on a stale one', async () => {
    // Prepare
    const staleAfterSeconds = 18 * HOUR;
    const t0 = new Date('2026-12-06T10:00:00Z');
    const t1 = new Date('2026-12-06T16:00:00Z');

    // Act
    await applyRollupEvent(
      ddb(),
      TableName,
      decisionEvent({ id: 'sweep-1', time: '2026-12-06T10:00:00Z' }),
      t0,
      { staleAfterSeconds },
    );
    const afterFirst = (await storedItem())?.expiresAt;
    await applyRollupEvent(
      ddb(),
      TableName,
      decisionEvent({ id: 'sweep-2', time: '2026-12-06T16:00:00Z' }),
      t1,
      { staleAfterSeconds },
    );
    const afterSecond = (await storedItem())?.expiresAt;
    const stale = await applyRollupEvent(
      ddb(),
      TableName,
      decisionEvent({ id: 'sweep-0', time: '2026-12-06T04:00:00Z' }),
      new Date('2026-12-06T20:00:00Z'),
      { staleAfterSeconds },
    );
    const afterStale = (await storedItem())?.expiresAt;

    // Assess: the TTL attribute is a number of epoch seconds, as DynamoDB's TTL requires
    expect(afterFirst).toEqual({ N: String(t0.getTime() / 1000 + staleAfterSeconds) });
    expect(afterSecond).toEqual({ N: String(t1.getTime() / 1000 + staleAfterSeconds) });
    expect(stale).toBe('stale');
    expect(afterStale).toEqual(afterSecond);
  });

  it('keeps both events two concurrent writers apply to one row', async () => {
    // Prepare
    const run = completedEvent({ id: 'run-1', time: '2026-12-06T10:10:00Z' });
    const decision = decisionEvent({ id: 'sweep-1', time: '2026-12-06T16:00:00Z' });

    // Act
    const outcomes = await Promise.all([
      applyRollupEvent(ddb(), TableName, run),
      applyRollupEvent(ddb(), TableName, decision),
    ]);
    const [row] = await listRollup(ddb(), TableName);

    // Assess
    expect(outcomes).toEqual(['applied', 'applied']);
    expect(row?.lastRun?.runId).toBe(`run#${VPC}-run-1`);
    expect(row?.lastDecision?.at).toBe('2026-12-06T16:00:00.000Z');
    expect((await storedItem())?.revision).toEqual({ N: '2' });
  });

  it('refuses a malformed event naming the field, writing nothing', async () => {
    // Prepare
    const bad = { ...completedEvent({ id: 'run-1', time: '2026-12-06T10:00:00Z' }), account: 'member' };

    // Act
    const err = await applyRollupEvent(ddb(), TableName, bad).catch((e: unknown) => e);
    const scan = await ddb().send(new ScanCommand({ TableName }));

    // Assess
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).context.field).toBe('account');
    expect(scan.Items).toEqual([]);
  });

  it('lists every row of 3 accounts x 2 regions across Scan pages, filtered and sorted', async () => {
    // Prepare: 3 accounts x 2 regions x 3 VPCs, written in a scrambled order; one failed run
    const accounts = ['333333333333', '111111111111', '222222222222'];
    const regions = ['us-east-2', 'eu-west-1'];
    const vpcs = ['vpc-0000000000000000c', 'vpc-0000000000000000a', 'vpc-0000000000000000b'];
    let n = 0;
    for (const account of accounts) {
      for (const region of regions) {
        for (const vpcId of vpcs) {
          n += 1;
          const failed = account === '222222222222' && region === 'eu-west-1' && vpcId.endsWith('b');
          await applyRollupEvent(
            ddb(),
            TableName,
            completedEvent(
              { id: `run-${n}`, time: '2026-12-06T10:00:00Z', account, region },
              failed ? { vpcId, outcome: 'failed', error: 'EndpointFailed' } : { vpcId },
            ),
          );
        }
      }
    }

    // Act
    const all = await listRollup(ddb(), TableName, {}, { pageSize: 4 });
    const failed = await listRollup(ddb(), TableName, { state: 'failed' }, { pageSize: 4 });
    const oneAccountRegion = await listRollup(ddb(), TableName, {
      accountId: '111111111111',
      region: 'us-east-2',
    });

    // Assess
    const keys = all.map((r) => `${r.accountId}/${r.region}/${r.vpcId.slice(-1)}`);
    expect(all).toHaveLength(18);
    expect(keys.slice(0, 4)).toEqual([
      '111111111111/eu-west-1/a',
      '111111111111/eu-west-1/b',
      '111111111111/eu-west-1/c',
      '111111111111/us-east-2/a',
    ]);
    expect(keys).toEqual([...keys].sort());
    expect(failed.map((r) => [r.accountId, r.region, r.vpcId])).toEqual([
      ['222222222222', 'eu-west-1', 'vpc-0000000000000000b'],
    ]);
    expect(oneAccountRegion.map((r) => r.vpcId)).toEqual([...vpcs].sort());
  });
});
