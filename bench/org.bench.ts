// Organization scale: (1) the roll-up at 1,000 accounts x 3 regions x 5 VPCs (15,000 rows, each written by the
// hub's roll-up code from a completion event) in the simulated hub account's DynamoDB: the time `status` takes
// (listRollup: every Scan page, then the rendered table), and the hub's indicative monthly cost at that size
// (shared/pricing.ts hubMonthlyCost); (2) `plan --org` over 300 simulated account-regions (150 member
// accounts x 2 regions, one opted-in VPC each) at the default concurrency: wall time, and calls per
// account-region. In-process: no network latency, which is what concurrency hides in a real organization.
import { runPlanOrg } from '../bin/commands/plan';
import { renderStatus } from '../bin/commands/status';
import { orgClients } from '../bin/lib/org';
import { type HubEvent, SimulatedOrganization } from '../devkit/sim/org';
import { DEFAULT_MEMORY_MB } from '../infra/constructs/function';
import { parseConfig } from '../shared/config';
import { applyRollupEvent, listRollup } from '../shared/org/rollup';
import { hubMonthlyCost } from '../shared/pricing';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../shared/workflow/summary';
import { type BenchContext, type Figure, repeat } from './lib';

export const title =
  'Organization: status over a 15,000-row roll-up, hub cost, plan --org over 300 account-regions';

const ACCOUNTS = 1000;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const VPCS = 5;
/** The default sweep, rate(6 hours), reports every opted-in VPC 4 times a day; plus 2 runs a month (decision + completion each). */
const EVENTS_PER_VPC_MONTH = Math.round(4 * 30.4) + 2 * 2;
/** Indicative: one GetItem and one PutItem per event. */
const ROLLUP_LAMBDA_MS = 100;
const PLAN_ACCOUNTS = 150;
const PLAN_CONCURRENCY = 8;

function completion(accountId: string, region: string, vpc: number, n: number): HubEvent {
  const vpcId = `vpc-${(0x1000000 + n).toString(16).padStart(17, '0')}`;
  return {
    version: '0',
    id: `event-${n}`,
    'detail-type': COMPLETED_DETAIL_TYPE,
    source: EVENT_SOURCE,
    account: accountId,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, n % 3600)).toISOString(),
    region,
    resources: [`arn:aws:states:${region}:${accountId}:execution:PrivateLinkEcs-Remediation:${vpcId}-${vpc}`],
    detail: {
      vpcId,
      runId: `run-${n}`,
      dryRun: false,
      outcome: n % 17 === 0 ? 'failed' : 'succeeded',
      ...(n % 17 === 0 ? { error: 'RestartsFailed', cause: '1 instance(s) failed' } : {}),
      endpoints: ['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 's3'].map((service, i) => ({
        id: `vpce-${n}-${i}`,
        service,
        state: 'available',
      })),
      counts: { restarted: 12, skipped: 1, failed: n % 17 === 0 ? 1 : 0 },
    },
  };
}

async function buildRollup(ctx: BenchContext) {
  const org = new SimulatedOrganization({ members: 1, regions: ['us-east-1'] });
  const table = org.addRollupTable();
  const { dynamodb } = org.hub().clients();
  const now = new Date('2026-01-02T00:00:00Z');
  let n = 0;
  for (let a = 0; a < ACCOUNTS; a++) {
    const accountId = String(300_000_000_000 + a);
    const batch: Promise<unknown>[] = [];
    for (const region of REGIONS) {
      for (let v = 0; v < VPCS; v++)
        batch.push(applyRollupEvent(dynamodb, table, completion(accountId, region, v, n++), now));
    }
    await Promise.all(batch);
    if ((a + 1) % 250 === 0) ctx.progress(`roll-up: ${n} rows written`);
  }
  const items = [...org.hub().state.tables.get(table)!.items.values()];
  const itemBytes = Math.round(
    items.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item), 'utf8'), 0) / items.length,
  );
  return { org, table, dynamodb, rows: n, itemBytes };
}

function buildPlanOrg(): SimulatedOrganization {
  const org = new SimulatedOrganization({
    members: PLAN_ACCOUNTS,
    regions: ['us-east-1', 'eu-west-1'],
    azs: 2,
  });
  for (const { accountId, region } of org.memberRegions()) {
    org.putPlannerRole(accountId, region);
    org
      .account(accountId, region)
      .addVpc({ cidr: '10.1.0.0/16', layout: 'private-only', tags: { 'privatelink-ecs': 'enabled' } });
  }
  return org;
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const rollup = await buildRollup(ctx);
  const status = await repeat(ctx.runs, async (i) => {
    const started = process.hrtime.bigint();
    const rows = await listRollup(rollup.dynamodb, rollup.table);
    const scanned = process.hrtime.bigint();
    const text = renderStatus(rows);
    const done = process.hrtime.bigint();
    if (rows.length !== rollup.rows) throw new Error(`status listed ${rows.length} of ${rollup.rows} rows`);
    const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
    ctx.progress(
      `status run ${i + 1}: ${rows.length} rows, list ${ms(started, scanned).toFixed(0)} ms, render ${ms(scanned, done).toFixed(0)} ms, ${text.length} chars`,
    );
    return { list: ms(started, scanned), render: ms(scanned, done), total: ms(started, done) };
  });
  const cost = hubMonthlyCost({
    rows: rollup.rows,
    itemBytes: rollup.itemBytes,
    eventsPerVpcMonth: EVENTS_PER_VPC_MONTH,
    lambdaMemoryMb: DEFAULT_MEMORY_MB,
    lambdaMs: ROLLUP_LAMBDA_MS,
    alarms: 1,
    dashboards: 1,
  });
  ctx.progress(`hub cost: ${JSON.stringify(cost)} (item ${rollup.itemBytes} bytes)`);

  const config = parseConfig({
    organization: { id: 'o-pl1nkecs01', targets: ['ou-pl1n-workload'], regions: ['us-east-1', 'eu-west-1'] },
  });
  const plans = await repeat(ctx.runs, async (i) => {
    const org = buildPlanOrg();
    const clients = orgClients({
      region: org.hubRegion,
      credentials: org.operatorCredentials(),
      onClient: (c) => org.attach(c),
    });
    let out = '';
    const started = process.hrtime.bigint();
    const code = await runPlanOrg(
      { org: true, json: true, concurrency: String(PLAN_CONCURRENCY) },
      { clients, config, stdout: (t) => (out += t) },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const totals = (JSON.parse(out) as { totals: { accountRegions: number; failed: number } }).totals;
    if (code !== 0 || totals.accountRegions !== 2 * PLAN_ACCOUNTS || totals.failed !== 0) {
      throw new Error(`plan --org: exit ${code}, ${JSON.stringify(totals)}`);
    }
    const calls = org
      .memberRegions()
      .reduce((n, m) => n + org.account(m.accountId, m.region).calls.length, 0);
    ctx.progress(
      `plan --org run ${i + 1}: ${totals.accountRegions} account-regions in ${seconds.toFixed(1)} s`,
    );
    return { seconds, callsPerAccountRegion: calls / totals.accountRegions + 1 /* AssumeRole */ };
  });
  const rollupCase = `${ACCOUNTS} accounts x ${REGIONS.length} regions x ${VPCS} VPCs (${rollup.rows} rows)`;
  const planCase = `${2 * PLAN_ACCOUNTS} account-regions, concurrency ${PLAN_CONCURRENCY}`;
  return [
    {
      section: 'Organization',
      case: rollupCase,
      figure: 'status: listRollup ms',
      samples: status.map((s) => s.list),
    },
    {
      section: 'Organization',
      case: rollupCase,
      figure: 'status: render ms',
      samples: status.map((s) => s.render),
    },
    {
      section: 'Organization',
      case: rollupCase,
      figure: 'status: total ms',
      samples: status.map((s) => s.total),
    },
    {
      section: 'Organization',
      case: rollupCase,
      figure: 'hub USD/month',
      samples: [cost.totalUsd],
      digits: 2,
      runsNote: 'a calculation (see the footnote)',
      note:
        `${(cost.eventsPerMonth / 1e6).toFixed(2)} M events: EventBridge $${cost.eventBridgeUsd}, Lambda $${cost.lambdaUsd}, ` +
        `DynamoDB requests $${cost.dynamodbRequestsUsd} + storage $${cost.dynamodbStorageUsd} (${rollup.itemBytes} B/item), ` +
        `alarm $${cost.alarmsUsd}, dashboard $${cost.dashboardsUsd}`,
    },
    {
      section: 'Organization',
      case: planCase,
      figure: 'plan --org wall s',
      samples: plans.map((p) => p.seconds),
      digits: 1,
    },
    {
      section: 'Organization',
      case: planCase,
      figure: 'calls per account-region',
      samples: plans.map((p) => p.callsPerAccountRegion),
      digits: 1,
    },
  ];
}

export const footnotes = [
  `Organization hub cost: ${EVENTS_PER_VPC_MONTH} events per VPC a month (the default rate(6 hours) sweep reports every ` +
    `opted-in VPC 4 times a day, plus 2 runs with their decisions), each crossing accounts once, invoking the ` +
    `${DEFAULT_MEMORY_MB} MB roll-up Lambda for ~${ROLLUP_LAMBDA_MS} ms and costing one consistent GetItem and one ` +
    'PutItem; us-east-1 list prices in shared/pricing.ts; free tiers not subtracted.',
];
