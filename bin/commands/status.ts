// `privatelink-ecs status`: the organization roll-up the hub keeps, one row per opted-in VPC of every member
// account and region, read from the hub's roll-up table. Read-only; runs in the hub account.

import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { createDynamoDbClient } from '../../shared/clients';
import { InvalidInputError } from '../../shared/errors';
import {
  HUB_OUTPUTS,
  HUB_STACK_NAME,
  ROLLUP_STATES,
  type RollupRow,
  type RollupState,
} from '../../shared/org/names';
import { listRollup, parseRollupFilter } from '../../shared/org/rollup';
import { EXIT_OK } from '../lib/common';
import { type Row, renderTable } from '../lib/render';
import { cloudFormationClient, stackOutputs } from '../lib/stack';

export const order = 45;

export interface StatusOptions {
  region?: string;
  tableName?: string;
  stackName?: string;
  account?: string;
  state?: string;
  /** --region filters rows; the hub's own region is --hub-region (default the SDK chain). */
  hubRegion?: string;
  json?: boolean;
}

export interface StatusDeps {
  dynamodb: DynamoDBClient;
  cloudformation: CloudFormationClient;
  stdout: (text: string) => void;
}

export interface StatusTotals {
  vpcs: number;
  byState: Record<RollupState, number>;
  endpoints: { total: number; available: number; pending: number; failed: number };
  agents: { restarted: number; failed: number; skipped: number };
}

export function statusTotals(rows: readonly RollupRow[]): StatusTotals {
  const byState = Object.fromEntries(ROLLUP_STATES.map((s) => [s, 0])) as Record<RollupState, number>;
  const endpoints = { total: 0, available: 0, pending: 0, failed: 0 };
  const agents = { restarted: 0, failed: 0, skipped: 0 };
  for (const row of rows) {
    byState[row.state] += 1;
    for (const k of Object.keys(endpoints) as Array<keyof typeof endpoints>) endpoints[k] += row.endpoints[k];
    for (const k of Object.keys(agents) as Array<keyof typeof agents>) agents[k] += row.agents[k];
  }
  return { vpcs: rows.length, byState, endpoints, agents };
}

/** One table row per VPC. ENDPOINTS reads available/total, then what is pending or failed. */
export function statusRows(rows: readonly RollupRow[]): Row[] {
  return rows.map((r) => {
    const extra = [
      r.endpoints.pending ? `${r.endpoints.pending} pending` : '',
      r.endpoints.failed ? `${r.endpoints.failed} failed` : '',
    ].filter(Boolean);
    const last = r.lastRun
      ? `${r.lastRun.at.replace(/\.\d{3}Z$/, 'Z')} ${r.lastRun.outcome}`
      : r.lastDecision
        ? `${r.lastDecision.at.replace(/\.\d{3}Z$/, 'Z')} ${r.lastDecision.decision} (no run)`
        : '-';
    return {
      ACCOUNT: r.accountId,
      REGION: r.region,
      VPC: r.vpcId,
      STATE: r.state,
      ENDPOINTS: `${r.endpoints.available}/${r.endpoints.total}${extra.length ? ` (${extra.join(', ')})` : ''}`,
      RESTARTED: r.agents.restarted,
      FAILED: r.agents.failed,
      SKIPPED: r.agents.skipped,
      'LAST RUN': last,
      CONSOLE: r.lastRun?.consoleUrl ?? '-',
    };
  });
}

/** The text `status` prints: the table, then one line of totals. */
export function renderStatus(rows: readonly RollupRow[]): string {
  const t = statusTotals(rows);
  const states = ROLLUP_STATES.filter((s) => t.byState[s] > 0)
    .map((s) => `${t.byState[s]} ${s}`)
    .join(', ');
  return (
    `${renderTable(statusRows(rows))}\n` +
    `${t.vpcs} VPC(s)${states ? `: ${states}` : ''}; endpoints ${t.endpoints.available}/${t.endpoints.total} ` +
    `available; agents ${t.agents.restarted} restarted, ${t.agents.failed} failed, ${t.agents.skipped} skipped\n`
  );
}

/** The roll-up table: --table-name, else the hub stack's RollupTableName output. */
async function tableNameOf(opts: StatusOptions, cloudformation: () => CloudFormationClient): Promise<string> {
  if (opts.tableName !== undefined) {
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(opts.tableName)) {
      throw new InvalidInputError(
        `--table-name must be a DynamoDB table name, got ${JSON.stringify(opts.tableName)}`,
        {
          field: '--table-name',
        },
      );
    }
    return opts.tableName;
  }
  const stackName = opts.stackName ?? HUB_STACK_NAME;
  const outputs = await stackOutputs(cloudformation(), stackName, '--table-name');
  const name = outputs.find((o) => o.OutputKey === HUB_OUTPUTS.rollupTableName)?.OutputValue;
  if (!name) {
    throw new InvalidInputError(
      `stack ${stackName} has no ${HUB_OUTPUTS.rollupTableName} output: is it the hub stack? Pass --stack-name or --table-name`,
      { field: '--stack-name' },
    );
  }
  return name;
}

/** Validates the filters, naming the flag at fault. */
function filterOf(opts: StatusOptions) {
  const flags = { accountId: '--account', region: '--region', state: '--state' } as const;
  try {
    return parseRollupFilter({ accountId: opts.account, region: opts.region, state: opts.state });
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    const field = err.context.field as keyof typeof flags | undefined;
    const flag = field ? flags[field] : undefined;
    if (!flag) throw err;
    throw new InvalidInputError(`${flag}: ${err.message}`, { field: flag }, { cause: err });
  }
}

export async function runStatus(opts: StatusOptions, deps: Partial<StatusDeps> = {}): Promise<number> {
  const filter = filterOf(opts);
  const hub = opts.hubRegion ? { region: opts.hubRegion } : {};
  const dynamodb = deps.dynamodb ?? createDynamoDbClient(hub);
  const stdout = deps.stdout ?? ((text: string) => process.stdout.write(text));
  try {
    const tableName = await tableNameOf(
      opts,
      () => deps.cloudformation ?? cloudFormationClient(opts.hubRegion),
    );
    const rows = await listRollup(dynamodb, tableName, filter);
    if (opts.json) {
      stdout(`${JSON.stringify({ tableName, filter, rows, totals: statusTotals(rows) }, null, 2)}\n`);
    } else {
      stdout(renderStatus(rows));
    }
  } finally {
    if (!deps.dynamodb) dynamodb.destroy();
  }
  process.exitCode = EXIT_OK;
  return EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('status')
    .summary("every opted-in VPC of the organization, from the hub's roll-up (read-only)")
    .description(
      'Reads the roll-up the hub stack keeps from the events every member forwards to the hub bus, and prints ' +
        'one row per opted-in VPC of every member account and region: account, region, VPC, state, endpoints ' +
        '(available/total), agents restarted/failed/skipped in the last run, the last run and its console link. ' +
        'Run it in the hub account. The table is --table-name, else the RollupTableName output of the hub ' +
        `stack (--stack-name, default ${HUB_STACK_NAME}) in --hub-region.\n\n` +
        `States: ${ROLLUP_STATES.join(', ')}. A row nobody reported on for a while expires (TTL).`,
    )
    .option('--account <id>', 'only this member account (12 digits)')
    .option('--region <region>', 'only VPCs in this region (a filter: the hub region is --hub-region)')
    .option('--state <state>', `only VPCs in this state: ${ROLLUP_STATES.join(', ')}`)
    .option('--hub-region <region>', 'the hub stack region (default: the SDK chain, e.g. AWS_REGION)')
    .option('--table-name <name>', "the roll-up table, instead of reading the hub stack's output")
    .option('--stack-name <name>', `the hub stack whose output names the table (default ${HUB_STACK_NAME})`)
    .option('--json', 'print {tableName, filter, rows, totals} as JSON; rows have the RollupRow shape')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs status\n' +
        '  privatelink-ecs status --state failed\n' +
        '  privatelink-ecs status --account 123456789012 --region eu-west-1 --json\n' +
        '  privatelink-ecs status --hub-region us-east-1 --table-name PrivateLinkEcsHub-Rollup\n',
    )
    .action(async (opts: StatusOptions) => {
      await runStatus(opts);
    });
}
