// AWS API calls `plan` makes on a converged VPC as subnets, route tables and endpoints grow, and the calls
// `apply` makes on a fresh VPC (one endpoint per service, so endpoints do not grow with subnets). Runs against a moto_server it starts itself; counts calls with middleware.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import { parseConfig } from '../shared/config';
import { logger } from '../shared/observability';
import { planVpc, reconcileVpc } from '../shared/reconciler';
import { createVpcLayout, recordCalls } from '../test/support/fixtures';
import { waitForMoto } from '../test/support/moto-global-setup';

export const title = 'Reconciler API calls (moto): plan on a converged VPC, apply on a fresh one';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tally(calls: string[]): string {
  const counts = new Map<string, number>();
  for (const c of calls)
    counts.set(c.replace(/Command$/, ''), (counts.get(c.replace(/Command$/, '')) ?? 0) + 1);
  return [...counts.entries()].map(([k, v]) => `${k}x${v}`).join(' ');
}

const SHAPES = [
  { subnets: 1, azs: 1, perAz: 1 },
  { subnets: 10, azs: 2, perAz: 5 },
  { subnets: 100, azs: 4, perAz: 25 },
];

export async function run(): Promise<Array<Record<string, string | number>>> {
  logger.setLogLevel('ERROR');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const rows: Array<Record<string, string | number>> = [];
  try {
    await waitForMoto(url);
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: url,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      maxAttempts: 1,
    });
    const config = parseConfig({});
    const log = recordCalls(ec2);
    for (const shape of SHAPES) {
      const layout = await createVpcLayout(ec2, {
        azs: shape.azs,
        privateSubnetsPerAz: shape.perAz,
        privateRouteTables: 'per-subnet',
        publicAndPrivate: false,
        tags: { 'privatelink-ecs': 'enabled' },
      });
      log.clear();
      const applied = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
      const applyCalls = [...log.calls];
      log.clear();
      const { plan, inventory } = await planVpc(ec2, config, layout.vpcId);
      const planCalls = [...log.calls];
      rows.push({
        subnets: shape.subnets,
        routeTables: inventory.routeTables.length,
        endpoints: inventory.endpoints.length,
        'apply (fresh) calls': applyCalls.length,
        'apply writes': applyCalls.filter((c) => !/^(Describe|List|Get)/.test(c)).length,
        'plan (converged) calls': planCalls.length,
        'plan actions': plan.actions.length,
        converged: String(applied.converged),
        'plan calls by API': tally(planCalls),
      });
    }
    ec2.destroy();
  } finally {
    moto.kill('SIGTERM');
  }
  return rows;
}
