// AWS API calls the reconciler makes as a VPC grows: `apply` on a fresh VPC, then `plan` on the converged
// one. Runs on the simulated account (in-process, pages like EC2: DescribeRouteTables at most 100 per page)
// at 1 to 1,000 subnets, and on moto at 1 to 100 subnets when moto_server is installed (moto answers every
// Describe in one page, so its counts never show paging). Each private subnet has its own route table.
import { EC2Client } from '@aws-sdk/client-ec2';
import { parseConfig } from '../shared/config';
import { logger } from '../shared/observability';
import { planVpc, reconcileVpc } from '../shared/reconciler';
import { SimulatedAccount } from '../shared/sim';
import { createVpcLayout } from '../test/support/fixtures';
import { startMotoServer } from '../test/support/moto-global-setup';

// The SDK's multi-line Node-version notice would land in the middle of the table.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const title =
  'Reconciler API calls: apply on a fresh VPC, plan on the converged one (sim: 1-1,000 subnets; moto: 1-100)';

type Row = Record<string, string | number>;

interface Shape {
  subnets: number;
  azs: number;
  perAz: number;
}

const SIM_SHAPES: Shape[] = [
  { subnets: 1, azs: 1, perAz: 1 },
  { subnets: 10, azs: 2, perAz: 5 },
  { subnets: 100, azs: 4, perAz: 25 },
  { subnets: 1000, azs: 4, perAz: 250 },
];
const MOTO_SHAPES = SIM_SHAPES.filter((s) => s.subnets <= 100);

interface Call {
  name: string;
  followUp: boolean;
}

/** Records every command the client sends, and whether it carried a NextToken (a follow-up page). */
function recordPages(client: EC2Client): Call[] {
  const calls: Call[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as { NextToken?: string };
      calls.push({
        name: (context.commandName ?? 'unknown').replace(/Command$/, ''),
        followUp: !!input.NextToken,
      });
      return next(args);
    },
    { step: 'initialize', name: 'benchRecordPages' },
  );
  return calls;
}

/** "Vpcs 1, VpcAttribute 2, ...": calls per API, Describe prefix dropped to keep the column short. */
function tally(calls: Call[]): string {
  const counts = new Map<string, number>();
  for (const c of calls) {
    const key = c.name.replace(/^Describe/, '');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
}

const isRead = (name: string) => /^(Describe|List|Get)/.test(name);

async function measure(backend: string, ec2: EC2Client, shape: Shape): Promise<Row> {
  const config = parseConfig({});
  const layout = await createVpcLayout(ec2, {
    azs: shape.azs,
    privateSubnetsPerAz: shape.perAz,
    privateRouteTables: 'per-subnet',
    publicAndPrivate: false,
    subnetPrefixLength: shape.subnets > 100 ? 28 : 24,
    tags: { 'privatelink-ecs': 'enabled' },
  });
  const calls = recordPages(ec2);
  const applied = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
  const applyCalls = calls.splice(0);
  const { plan, inventory } = await planVpc(ec2, config, layout.vpcId);
  const planCalls = calls.splice(0);
  return {
    backend,
    subnets: shape.subnets,
    routeTables: inventory.routeTables.length,
    endpoints: inventory.endpoints.length,
    'apply (fresh) calls': applyCalls.length,
    'apply writes': applyCalls.filter((c) => !isRead(c.name)).length,
    'plan (converged) calls': planCalls.length,
    'plan follow-up pages': planCalls.filter((c) => c.followUp).length,
    'plan actions': plan.actions.length,
    converged: String(applied.converged),
    'plan calls by API (Describe*)': tally(planCalls),
  };
}

async function simRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const shape of SIM_SHAPES) {
    // A fresh account per shape, so every VPC starts alone in it.
    const account = new SimulatedAccount({ azs: 4 });
    const { ec2 } = account.clients({ maxAttempts: 1 });
    rows.push(await measure('sim', ec2, shape));
    ec2.destroy();
  }
  return rows;
}

async function motoRows(): Promise<Row[]> {
  const moto = await startMotoServer();
  if (!moto) {
    process.stdout.write('  moto_server not found on PATH: moto rows skipped, sim rows only\n');
    return [];
  }
  const { url } = moto;
  const rows: Row[] = [];
  try {
    for (const shape of MOTO_SHAPES) {
      const ec2 = new EC2Client({
        region: 'us-east-1',
        endpoint: url,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        maxAttempts: 1,
      });
      rows.push(await measure('moto', ec2, shape));
      ec2.destroy();
    }
  } finally {
    moto.process.kill('SIGTERM');
  }
  return rows;
}

export async function run(): Promise<Row[]> {
  logger.setLogLevel('ERROR');
  const sim = await simRows();
  const moto = await motoRows();
  return [...sim, ...moto];
}
