// API calls: the EC2 calls of `apply` (reconcileVpc on a fresh opted-in VPC) and `plan` (planVpc on the
// converged VPC), as subnets grow (each subnet with its own route table) and as route tables grow
// independently of subnets (subnet i uses route table i mod R; tables beyond the subnet count have no
// subnet, as leftover tables do). Counted with a middleware on the EC2 client: every command sent, reads
// (Describe/List/Get) apart from writes, and follow-up pages (requests carrying a NextToken).
// Runs on the simulated account (in-process; pages like EC2, e.g. DescribeRouteTables at most 100 per page) and, when moto_server is installed, on moto for the smaller shapes (moto answers every
// Describe in one page, so its counts never show paging).
import {
  AssociateRouteTableCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { SimulatedAccount } from '../devkit/sim';
import { type Config, parseConfig } from '../shared/config';
import { parseVpcId, type VpcId } from '../shared/ids';
import { logger } from '../shared/observability';
import { planVpc, reconcileVpc } from '../shared/reconciler';
import { startMotoServer } from '../test/support/moto-global-setup';
import { type BenchContext, type Figure, repeat } from './lib';

export const title = 'API calls: plan and apply as subnets and route tables grow';

const SECTION = 'API calls';

export interface Shape {
  subnets: number;
  routeTables: number;
}

/** Subnets grow with a route table each; then route tables vary at a fixed subnet count. */
export const SIM_SHAPES: Shape[] = [
  { subnets: 1, routeTables: 1 },
  { subnets: 10, routeTables: 10 },
  { subnets: 100, routeTables: 100 },
  { subnets: 1000, routeTables: 1000 },
  { subnets: 10, routeTables: 1 },
  { subnets: 10, routeTables: 100 },
  { subnets: 100, routeTables: 1 },
  { subnets: 1000, routeTables: 1 },
];
/** moto is slower per call and never pages: a few shapes show that its counts agree with the sim's. */
const MOTO_SHAPES: Shape[] = [
  { subnets: 1, routeTables: 1 },
  { subnets: 10, routeTables: 10 },
  { subnets: 100, routeTables: 100 },
  { subnets: 10, routeTables: 100 },
];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

interface Call {
  name: string;
  followUp: boolean;
}

/** Records every command the client sends, and whether it carried a NextToken (a follow-up page). */
function recordCalls(client: EC2Client): Call[] {
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
    { step: 'initialize', name: 'benchRecordCalls' },
  );
  return calls;
}

const isRead = (name: string) => /^(Describe|List|Get)/.test(name);

/** The i-th /28 of 10.0.0.0/16 (4,096 of them). */
export function subnetCidr(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= 4096)
    throw new RangeError(`subnet index ${i} is outside 0..4095`);
  return `10.0.${i >> 4}.${(i & 15) << 4}/28`;
}

/** An opted-in VPC with `subnets` private subnets over up to 4 AZs and `routeTables` route tables. */
async function createLayout(ec2: EC2Client, shape: Shape): Promise<VpcId> {
  const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  const azs = (zones.AvailabilityZones ?? []).map((z) => z.ZoneName!).slice(0, 4);
  if (azs.length === 0) throw new Error('the account lists no Availability Zones');
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = parseVpcId(vpc.Vpc!.VpcId);
  await ec2.send(
    new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'privatelink-ecs', Value: 'enabled' }] }),
  );
  const tables: string[] = [];
  for (let t = 0; t < shape.routeTables; t++) {
    const res = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    tables.push(res.RouteTable!.RouteTableId!);
  }
  for (let i = 0; i < shape.subnets; i++) {
    const res = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: subnetCidr(i),
        AvailabilityZone: azs[i % azs.length],
      }),
    );
    await ec2.send(
      new AssociateRouteTableCommand({
        RouteTableId: tables[i % tables.length]!,
        SubnetId: res.Subnet!.SubnetId!,
      }),
    );
  }
  return vpcId;
}

interface Counts {
  applyReads: number;
  applyWrites: number;
  planReads: number;
  planWrites: number;
  planFollowUps: number;
  routeTableCalls: number;
  routeTablesSeen: number;
}

async function measureOnce(ec2: EC2Client, config: Config, shape: Shape): Promise<Counts> {
  const vpcId = await createLayout(ec2, shape);
  const calls = recordCalls(ec2);
  const applied = await reconcileVpc(ec2, config, { vpcId });
  const applyCalls = calls.splice(0);
  if (!applied.converged) {
    throw new Error(`apply did not converge on ${JSON.stringify(shape)}: ${JSON.stringify(applied)}`);
  }
  const { plan, inventory } = await planVpc(ec2, config, vpcId);
  const planCalls = calls.splice(0);
  if (plan.actions.length !== 0) {
    throw new Error(`plan after apply still has ${plan.actions.length} actions on ${JSON.stringify(shape)}`);
  }
  return {
    applyReads: applyCalls.filter((c) => isRead(c.name)).length,
    applyWrites: applyCalls.filter((c) => !isRead(c.name)).length,
    planReads: planCalls.filter((c) => isRead(c.name)).length,
    planWrites: planCalls.filter((c) => !isRead(c.name)).length,
    planFollowUps: planCalls.filter((c) => c.followUp).length,
    routeTableCalls: planCalls.filter((c) => c.name === 'DescribeRouteTables').length,
    routeTablesSeen: inventory.routeTables.length,
  };
}

function figuresOf(backend: string, shape: Shape, runs: Counts[]): Figure[] {
  const label = `${backend}, ${plural(shape.subnets, 'subnet')} / ${plural(shape.routeTables, 'route table')}`;
  const pick = (k: keyof Counts) => runs.map((r) => r[k]);
  const last = runs[runs.length - 1]!;
  return [
    { section: SECTION, case: label, figure: 'apply (fresh VPC) reads', samples: pick('applyReads') },
    { section: SECTION, case: label, figure: 'apply (fresh VPC) writes', samples: pick('applyWrites') },
    {
      section: SECTION,
      case: label,
      figure: 'plan (converged) reads',
      samples: pick('planReads'),
      note: `${plural(last.planFollowUps, 'follow-up page')}; DescribeRouteTables ×${last.routeTableCalls} for ${last.routeTablesSeen} tables (main included); ${last.planWrites} writes`,
    },
  ];
}

async function simFigures(ctx: BenchContext, config: Config): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const shape of SIM_SHAPES) {
    const runs = await repeat(ctx.runs, async () => {
      // A fresh account per run, so every VPC starts alone in it.
      const account = new SimulatedAccount({ azs: 4 });
      const { ec2 } = account.clients({ maxAttempts: 1 });
      try {
        return await measureOnce(ec2, config, shape);
      } finally {
        ec2.destroy();
      }
    });
    ctx.progress(`api calls: sim ${shape.subnets} subnets / ${shape.routeTables} route tables`);
    figures.push(...figuresOf('sim', shape, runs));
  }
  return figures;
}

async function motoFigures(ctx: BenchContext, config: Config): Promise<Figure[]> {
  const moto = await startMotoServer();
  if (!moto) {
    ctx.progress('api calls: moto_server not found on PATH, moto rows skipped (sim rows only)');
    return [];
  }
  const figures: Figure[] = [];
  try {
    for (const shape of MOTO_SHAPES) {
      const runs = await repeat(ctx.runs, async () => {
        // Each run starts from an empty moto account.
        const reset = await fetch(`${moto.url}/moto-api/reset`, { method: 'POST' });
        if (!reset.ok) throw new Error(`moto reset failed: HTTP ${reset.status}`);
        const ec2 = new EC2Client({
          region: 'us-east-1',
          endpoint: moto.url,
          credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
          maxAttempts: 1,
        });
        try {
          return await measureOnce(ec2, config, shape);
        } finally {
          ec2.destroy();
        }
      });
      ctx.progress(`api calls: moto ${shape.subnets} subnets / ${shape.routeTables} route tables`);
      figures.push(...figuresOf('moto', shape, runs));
    }
  } finally {
    moto.process.kill('SIGTERM');
  }
  return figures;
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  logger.setLogLevel('SILENT');
  const config = parseConfig({});
  return [...(await simFigures(ctx, config)), ...(await motoFigures(ctx, config))];
}

export const footnotes = [
  'API calls: EC2 requests counted on the client (reads = Describe/List/Get, follow-up pages = requests with a NextToken). ' +
    '"apply" reconciles a fresh opted-in VPC, "plan" reads the converged one; subnet i uses route table i mod R. ' +
    'The simulated account pages like EC2; moto answers in one page, so moto rows never show paging.',
];
