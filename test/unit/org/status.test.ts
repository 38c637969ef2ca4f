// `privatelink-ecs status` on the roll-up of a simulated organization: one row per VPC, filtered by account,
// region and state, as text or JSON; a bad filter names its flag; a missing hub stack says what to pass.
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { runStatus } from '../../../bin/commands/status';
import { SimulatedOrganization } from '../../../devkit/sim/org';
import type { RollupRow } from '../../../shared/org/names';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../../../shared/workflow/summary';

/** Each member account-region reports one VPC: the first member's runs fail, the others succeed. */
async function buildRollup(): Promise<{ org: SimulatedOrganization; table: string }> {
  const org = new SimulatedOrganization();
  const table = org.addRollupTable();
  for (const { accountId, region } of org.memberRegions()) {
    const account = org.account(accountId, region);
    const { vpcId } = account.addVpc({ cidr: '10.1.0.0/16', layout: 'private-only', azs: 1 });
    const failed = accountId === org.memberAccountIds[0];
    org.clock.advance(1000);
    await account.clients().events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EVENT_SOURCE,
            DetailType: COMPLETED_DETAIL_TYPE,
            Resources: [
              `arn:aws:states:${region}:${accountId}:execution:PrivateLinkEcs-Remediation:${vpcId}-run`,
            ],
            Detail: JSON.stringify({
              vpcId,
              runId: `${vpcId}-run`,
              dryRun: false,
              outcome: failed ? 'failed' : 'succeeded',
              ...(failed ? { error: 'RestartsFailed', cause: '1 instance(s) failed' } : {}),
              endpoints: [{ id: 'vpce-1', service: 'ecs', state: 'available' }],
              counts: { restarted: 2, skipped: 1, failed: failed ? 1 : 0 },
            }),
          },
        ],
      }),
    );
  }
  await org.deliverHubEvents(org.rollupConsumer(table));
  return { org, table };
}

async function status(org: SimulatedOrganization, opts: Parameters<typeof runStatus>[0]) {
  const out: string[] = [];
  const code = await runStatus(opts, {
    dynamodb: org.hub().clients().dynamodb,
    cloudformation: org.hub().doctorClients().cloudformation,
    stdout: (t) => out.push(t),
  });
  return { code, text: out.join('') };
}

describe('privatelink-ecs status', () => {
  let org: SimulatedOrganization;
  let table: string;
  beforeAll(async () => {
    ({ org, table } = await buildRollup());
  });

  it('lists every VPC of every member account and region, with its state, agents and console link', async () => {
    // Act
    const { code, text } = await status(org, { tableName: table });

    // Assess
    expect(code).toBe(0);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^\s+ACCOUNT\s+REGION\s+VPC\s+STATE\s+ENDPOINTS\s+RESTARTED\s+FAILED\s+SKIPPED\s+LAST RUN\s+CONSOLE$/,
    );
    const rows = lines.filter((l) => /^\s+\d{12}\s/.test(l));
    expect(rows).toHaveLength(6);
    expect(rows.filter((l) => / degraded /.test(l))).toHaveLength(2);
    expect(rows.every((l) => l.includes('https://') && l.includes('/states/home?region='))).toBe(true);
    expect(lines.at(-1)).toBe(
      '6 VPC(s): 4 converged, 2 degraded; endpoints 6/6 available; agents 12 restarted, 2 failed, 6 skipped',
    );
  });

  it('filters by account, region and state, and prints JSON rows', async () => {
    // Prepare
    const [first, second] = org.memberAccountIds as [string, string];

    // Act
    const byAccount = JSON.parse(
      (await status(org, { tableName: table, account: second, json: true })).text,
    ) as {
      rows: RollupRow[];
      totals: { vpcs: number };
    };
    const byRegion = JSON.parse(
      (await status(org, { tableName: table, region: 'eu-west-1', state: 'degraded', json: true })).text,
    ) as { rows: RollupRow[]; filter: unknown };

    // Assess
    expect(byAccount.rows.map((r) => `${r.accountId}/${r.region}`)).toEqual([
      `${second}/eu-west-1`,
      `${second}/us-east-1`,
    ]);
    expect(byAccount.totals.vpcs).toBe(2);
    expect(byRegion.filter).toEqual({ region: 'eu-west-1', state: 'degraded' });
    expect(byRegion.rows).toHaveLength(1);
    expect(byRegion.rows[0]).toMatchObject({
      accountId: first,
      region: 'eu-west-1',
      state: 'degraded',
      agents: { restarted: 2, failed: 1, skipped: 1 },
      lastRun: { outcome: 'failed', error: 'RestartsFailed: 1 instance(s) failed' },
    });
  });

  it('names the flag of a bad filter and reads nothing', async () => {
    // Prepare
    const scans = () => org.hub().calls.filter((c) => c.operation === 'Scan').length;
    const before = scans();

    // Act + Assess
    await expect(status(org, { tableName: table, account: '12345' })).rejects.toMatchObject({
      name: 'InvalidInput',
      context: { field: '--account' },
    });
    await expect(status(org, { tableName: table, state: 'happy' })).rejects.toMatchObject({
      context: { field: '--state' },
    });
    expect(scans()).toBe(before);
  });

  it('without --table-name, reads the hub stack output and says what to pass when there is no hub stack', async () => {
    // Act
    const attempt = status(org, {});

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining('stack PrivateLinkEcsHub was not found'),
    });
    expect(
      org
        .hub()
        .calls.filter((c) => c.operation === 'DescribeStacks')
        .at(-1)?.input,
    ).toEqual({
      StackName: 'PrivateLinkEcsHub',
    });
  });
});
