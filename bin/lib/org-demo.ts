// `privatelink-ecs demo --org` (`npm start -- --org`): the story on a simulated AWS Organization. Every member
// account-region has one VPC and a small fleet; the opt-in tag is added in each, the trigger Lambda's code and
// the synthesized state machine run there as the deployed roles, each member's trigger decisions and completion
// events are forwarded to the hub's bus, the hub applies them to its roll-up (delivered twice: EventBridge
// delivers at least once), and `status` lists every VPC. Progress on stderr, the report on stdout.
import { SimulatedOrganization } from '../../devkit/sim/org';
import { type Config, parseConfig } from '../../shared/config';
import { HUB_BUS_NAME, type RollupRow } from '../../shared/org/names';
import { listRollup } from '../../shared/org/rollup';
import { endpointHourlyPrice, monthlyEndpointCost } from '../../shared/pricing';
import { renderStatus, statusTotals } from '../commands/status';
import { EXIT_FAILED, EXIT_OK } from './common';
import { buildDemoWorld, collectStdout, parseInstanceCount } from './demo';
import { runExecution, tagAndTrigger } from './demo-steps';
import { formatUsd } from './render';

type Writer = (line: string) => void;

/** Container instances per member VPC unless --instances says otherwise: small, so the story is quick. */
export const ORG_DEMO_INSTANCES = 4;

interface MemberRun {
  accountId: string;
  region: string;
  vpcId: string;
  status: string;
  endpoints: number;
  endpointAzs: number;
  monthlyUsd: number;
  restarted: number;
  skipped: number;
  failed: number;
  iam: { authorized: number; denied: number };
  error?: string;
}

export async function runOrgDemo(
  opts: { instances?: string; json?: boolean },
  stdout: Writer,
  stderr: Writer,
): Promise<number> {
  const instances = opts.instances === undefined ? ORG_DEMO_INSTANCES : parseInstanceCount(opts.instances);
  const org = new SimulatedOrganization();
  const config: Config = parseConfig({
    organization: { id: org.orgId, targets: [org.workloadsOuId], regions: [...org.regions] },
  });
  const members = org.memberRegions();
  stderr(
    'privatelink-ecs demo --org: a simulated AWS Organization (no credentials; nothing leaves this process)',
  );
  stderr('');
  stderr(
    `[1/4] Organization ${org.orgId}: hub ${org.hubAccountId} (management account, ${org.hubRegion}), ` +
      `${org.memberAccountIds.length} member accounts in OU ${org.workloadsOuId} (one in its child OU), ` +
      `regions ${org.regions.join(', ')}`,
  );
  stderr(
    `  each member account-region: one VPC (private subnets, no NAT), ${instances} container instance(s)`,
  );
  stderr('');
  stderr(
    `[2/4] Each member remediates its VPC: the opt-in tag, the trigger, the workflow (as the deployed roles)`,
  );
  const runs: MemberRun[] = [];
  // The last member account-region shows a failed agent restart (the roll-up marks it degraded).
  const failing = members.at(-1)!;
  for (const { accountId, region } of members) {
    const account = org.account(accountId, region);
    const failInstance = instances >= 2 && failing.accountId === accountId && failing.region === region;
    const world = await buildDemoWorld(config, { instances, failInstance, account });
    const triggered = await tagAndTrigger(world, config);
    const execution = triggered.kind === 'ran' ? triggered.execution : undefined;
    const result = execution ? await runExecution(world, config, execution) : undefined;
    const summary = result?.summary;
    const live = [...account.state.endpoints.values()].filter(
      (e) => e.vpcId === world.layout.vpcId && e.state !== 'deleted',
    );
    const endpointAzs = live
      .filter((e) => e.type === 'Interface')
      .reduce((n, e) => n + new Set(e.subnetIds.map((s) => account.state.subnets.get(s)?.az)).size, 0);
    const run: MemberRun = {
      accountId,
      region,
      vpcId: world.layout.vpcId,
      status: result?.status ?? (triggered.kind === 'ran' ? 'NOT STARTED' : triggered.kind.toUpperCase()),
      endpoints: live.length,
      endpointAzs,
      monthlyUsd: monthlyEndpointCost(endpointAzs, endpointHourlyPrice(region, config).usd),
      restarted: summary?.counts.restarted ?? 0,
      skipped: summary?.counts.skipped ?? 0,
      failed: summary?.counts.failed ?? 0,
      iam: { ...account.iam },
      ...(summary?.error ? { error: summary.error } : {}),
    };
    runs.push(run);
    stderr(
      `  ${accountId} ${region.padEnd(10)} ${run.vpcId}  ${run.endpoints} endpoints, agents ${run.restarted} restarted, ` +
        `${run.skipped} skipped, ${run.failed} failed  (workflow ${run.status}${run.error ? `, ${run.error}` : ''})`,
    );
  }

  stderr('');
  const forwarded = org.pendingHubEvents.length;
  stderr(
    `[3/4] ${forwarded} events forwarded to the hub bus ${HUB_BUS_NAME} (trigger decisions, runs completed)`,
  );
  const table = org.addRollupTable();
  // EventBridge delivers at least once: every event reaches the roll-up twice, the copies out of order.
  // The roll-up Lambda publishes its metrics as EMF lines on stdout: kept off the report, shown on stderr.
  const delivered = await collectStdout(() =>
    org.deliverHubEvents(org.rollupConsumer(table), (events) => [...events, ...[...events].reverse()]),
  );
  for (const line of delivered.lines) stderr(`  roll-up Lambda: ${line}`);
  if (!delivered.ok) throw delivered.error;
  const outcomes = delivered.value;
  const count = (o: string) => outcomes.filter((x) => x === o).length;
  stderr(
    `  delivered twice each (at least once, any order): ${count('applied')} applied, ` +
      `${count('duplicate')} duplicates and ${count('stale')} older than the row ignored`,
  );

  stderr('');
  stderr(`[4/4] privatelink-ecs status (the hub's roll-up table ${table})`);
  const { dynamodb } = org.hub().clients();
  const rows: RollupRow[] = await listRollup(dynamodb, table);
  // The members' deployed roles, and the hub's roll-up function role (org.iam) for every roll-up call.
  const iam = runs.reduce(
    (t, r) => ({ authorized: t.authorized + r.iam.authorized, denied: t.denied + r.iam.denied }),
    { ...org.iam },
  );
  const totals = {
    accountRegions: runs.length,
    vpcs: rows.length,
    endpoints: runs.reduce((n, r) => n + r.endpoints, 0),
    monthlyUsd: Math.round(runs.reduce((n, r) => n + r.monthlyUsd, 0) * 100) / 100,
    agents: statusTotals(rows).agents,
    byState: statusTotals(rows).byState,
    iam,
  };
  if (opts.json) {
    stdout(
      JSON.stringify(
        {
          organization: {
            id: org.orgId,
            hubAccountId: org.hubAccountId,
            hubRegion: org.hubRegion,
            members: org.memberAccountIds,
            regions: org.regions,
          },
          members: runs,
          hub: {
            bus: HUB_BUS_NAME,
            forwarded,
            delivered: outcomes.length,
            outcomes: { applied: count('applied'), duplicate: count('duplicate'), stale: count('stale') },
          },
          status: rows,
          totals,
        },
        null,
        2,
      ),
    );
  } else {
    stdout(renderStatus(rows).trimEnd());
    stdout('');
    stdout(
      `Totals: ${totals.accountRegions} member account-regions, ${totals.vpcs} VPCs in the roll-up, ` +
        `${totals.endpoints} endpoints, ${formatUsd(totals.monthlyUsd)}/month of interface endpoints`,
    );
    stdout(
      `IAM: ${iam.authorized} calls authorized against the members' deployed roles and the hub's roll-up role, ${iam.denied} denied`,
    );
    stdout(
      'Try it on your organization: privatelink-ecs plan --org --config <file>, then status (docs/organization-operations.md)',
    );
  }
  const complete =
    rows.length === members.length && runs.every((r) => r.status === 'SUCCEEDED' || r.status === 'FAILED');
  return complete && iam.denied === 0 ? EXIT_OK : EXIT_FAILED;
}
