// Eight concurrent trigger invocations for one opted-in VPC, against moto: each carries a different event
// (tag change, CloudTrail CreateVpc, CreateTags and a stale DeleteTags, two container-instance state changes,
// a new cluster, the sweep) and runs in its own handler instance with its own clients, as separate Lambda
// containers would, sharing only the idempotency/lock table. They must leave one endpoint per service, one S3
// gateway and at most one RUNNING execution for the VPC; a second wave afterwards must change nothing.
//
// moto keeps every execution RUNNING until it is stopped (it never runs the definition), so "at most one
// running" here means "exactly one execution was started in total": without the gate in startRemediation,
// the instance events (registered before the endpoints, so they have a reason to restart agents) would each
// start their own.
import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { asRole } from '../../devkit/iam/enforce';
import { type AwsClients, createAwsClients } from '../../shared/clients';
import { parseConfig } from '../../shared/config';
import { createTriggerHandler, type TriggerHandler, type TriggerSummary } from '../../shared/events/handler';
import { type AnyEvent, eventForVpc, loadEvent } from '../fixtures/events/load';
import {
  createTriggerWorld,
  endpointsPerService,
  enforceRoles,
  fakeContext,
  TABLE_NAME,
} from '../integration/triggers/support';
import { injectFaults, seededRandom } from '../support/faults';
import { createVpcLayout, registerContainerInstances } from '../support/fixtures';
import { resetMoto } from '../support/moto';
import { faultCounts, recordScenario } from './support/report';

const ONE_EACH = { 'ecr.api': 1, 'ecr.dkr': 1, ecs: 1, 'ecs-agent': 1, 'ecs-telemetry': 1, s3: 1 };
const INVOCATIONS = 8;
/** Errors after which the platform redelivers the event: the lock wait ran out, or a call failed. */
const RETRYABLE = new Set(['VpcBusy', 'TriggerFailed', 'IdempotencyAlreadyInProgressError']);
/** Each seed shuffles the order the eight invocations are started in. */
const SEEDS = [11, 23];

jest.setTimeout(90_000);

/** One handler instance per invocation, with its own clients: what eight Lambda containers would be. */
function handlerInstance(clients: AwsClients, stateMachineArn: string, index: number): TriggerHandler {
  const handler = createTriggerHandler(
    {
      ...clients,
      config: parseConfig({ ssmEndpoints: 'never' }),
      stateMachineArn,
      tableName: TABLE_NAME,
      lockOptions: { initialDelayMs: 20, maxDelayMs: 200, maxWaitMs: 45_000 },
    },
    ['vpc-tag-change', 'vpc-api-call', 'ecs-instance-state', 'ecs-cluster-api-call', 'sweep'],
  );
  const context: Context = {
    ...fakeContext(),
    awsRequestId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  };
  return (event) => asRole('TriggerVpc', () => handler(event, context));
}

function uuid(wave: number, index: number, seed: number): string {
  return `${String(seed).padStart(8, '0')}-${String(wave).padStart(4, '0')}-4000-8000-${String(index).padStart(12, '0')}`;
}

/** Eight different events, all leading to the same VPC; instance events name real registered instances. */
function eventsFor(
  vpcId: string,
  fleet: { clusterArn: string; instanceIds: string[]; containerInstanceArns: string[] },
  wave: number,
  seed: number,
): Array<{ kind: string; event: AnyEvent }> {
  // Registered well before the endpoints exist: an instance event then has a reason to restart the agent.
  const registeredAt = new Date(Date.now() - 3_600_000).toISOString();
  const instanceEvent = (i: number) => {
    const event = loadEvent('ecs-container-instance-registered');
    event.detail.ec2InstanceId = fleet.instanceIds[i];
    event.detail.clusterArn = fleet.clusterArn;
    event.detail.containerInstanceArn = fleet.containerInstanceArns[i];
    event.resources = [fleet.containerInstanceArns[i]];
    event.detail.registeredAt = registeredAt;
    return event;
  };
  const createCluster = loadEvent('cloudtrail-ecs-create-cluster');
  createCluster.detail.responseElements.cluster.clusterArn = fleet.clusterArn;
  const list: Array<{ kind: string; event: AnyEvent }> = [
    { kind: 'tag-change opt-in', event: eventForVpc('tag-change-vpc-opt-in', vpcId) },
    { kind: 'CloudTrail CreateVpc', event: eventForVpc('cloudtrail-create-vpc-tagged', vpcId) },
    { kind: 'CloudTrail CreateTags', event: eventForVpc('cloudtrail-create-tags-mixed', vpcId) },
    { kind: 'instance registered (1)', event: instanceEvent(0) },
    { kind: 'instance registered (2)', event: instanceEvent(1) },
    // A stale opt-out: the tag is back on the VPC by the time it is handled, and the trigger re-reads it.
    { kind: 'CloudTrail DeleteTags (stale)', event: eventForVpc('cloudtrail-delete-tags-vpc', vpcId) },
    { kind: 'CloudTrail CreateCluster', event: createCluster },
    { kind: 'scheduled sweep', event: loadEvent('scheduled-sweep') },
  ];
  return list.map((item, index) => ({ ...item, event: { ...item.event, id: uuid(wave, index, seed) } }));
}

function shuffled<T>(items: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Settled = { kind: string; summary?: TriggerSummary; error?: string };

async function wave(handlers: TriggerHandler[], events: Array<{ kind: string; event: AnyEvent }>) {
  return Promise.all(
    events.map(({ kind, event }, i) =>
      handlers[i]!(event).then(
        (summary): Settled => ({ kind, summary }),
        (err: Error): Settled => ({ kind, error: err.name }),
      ),
    ),
  );
}

async function runningExecutionsFor(sfn: SFNClient, stateMachineArn: string, vpcId: string) {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken }),
    );
    for (const e of page.executions ?? []) if (e.name?.startsWith(`${vpcId}-`)) names.push(e.name);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/** Route tables of the VPC that carry more than one S3 gateway endpoint. */
async function routeTablesWithTwoGateways(ec2: EC2Client, vpcId: string): Promise<number> {
  const endpoints = await ec2.send(
    new DescribeVpcEndpointsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'vpc-endpoint-type', Values: ['Gateway'] },
      ],
    }),
  );
  const perTable = new Map<string, number>();
  for (const ep of endpoints.VpcEndpoints ?? []) {
    if (String(ep.State).toLowerCase() === 'deleted') continue;
    for (const rt of ep.RouteTableIds ?? []) perTable.set(rt, (perTable.get(rt) ?? 0) + 1);
  }
  return [...perTable.values()].filter((n) => n > 1).length;
}

describe('eight concurrent trigger invocations for one VPC (moto)', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  it.each(SEEDS)(
    'leave one endpoint per service and one running execution, and a second wave changes nothing (order seed %i)',
    async (seed) => {
      // Prepare
      const setup = createAwsClients();
      const world = await createTriggerWorld(setup);
      const layout = await createVpcLayout(setup.ec2, { azs: 2, tags: { 'privatelink-ecs': 'enabled' } });
      const fleet = await registerContainerInstances(setup, {
        clusterName: 'payments',
        subnetId: layout.privateSubnetIds[0]!,
        count: 2,
      });
      const instanceClients = Array.from({ length: INVOCATIONS }, () => createAwsClients({ maxAttempts: 3 }));
      const stats = injectFaults(
        instanceClients.flatMap((c) => Object.values(c)),
        { seed: 0 },
      );
      // Each Lambda instance calls moto as the deployed TriggerVpc role (faults injected below the role check).
      const handlers = instanceClients.map((c, i) =>
        handlerInstance(enforceRoles(c, setup), world.stateMachineArn, i),
      );
      const first = shuffled(eventsFor(layout.vpcId, fleet, 1, seed), seed);
      const second = shuffled(eventsFor(layout.vpcId, fleet, 2, seed), seed + 1);

      // Act
      const firstWave = await wave(handlers, first);
      const writesAfterFirst = stats.writes.length;
      const endpointsAfterFirst = await endpointsPerService(setup.ec2, layout.vpcId);
      const secondWave = await wave(handlers, second);
      const secondWaveWrites = stats.writes.slice(writesAfterFirst);

      // Assess
      for (const r of [...firstWave, ...secondWave]) {
        if (r.error) expect(RETRYABLE).toContain(r.error);
        else
          expect({ kind: r.kind, status: r.summary!.status, reason: r.summary!.reason }).toEqual({
            kind: r.kind,
            status: 'processed',
            reason: undefined,
          });
      }
      const failed = [...firstWave, ...secondWave].filter((r) => r.error);
      const perVpc = firstWave.flatMap((r) => r.summary?.vpcs ?? []);
      expect(perVpc.length).toBeGreaterThan(0);
      for (const v of perVpc) {
        expect(v.vpcId).toBe(layout.vpcId);
        expect(v.decision).toBe('reconciled');
      }
      const started = perVpc.filter((v) => v.workflow?.started);
      const refused = perVpc.filter((v) => v.workflow?.alreadyRunning);
      expect(started).toHaveLength(1);
      // The gate was exercised: at least one instance event wanted a restart while the execution ran.
      expect(refused.length).toBeGreaterThan(0);
      for (const v of refused) expect(v.workflow!.alreadyRunning).toBe(started[0]!.workflow!.name);

      expect(endpointsAfterFirst).toEqual(ONE_EACH);
      expect(await endpointsPerService(setup.ec2, layout.vpcId)).toEqual(ONE_EACH);
      expect(await routeTablesWithTwoGateways(setup.ec2, layout.vpcId)).toBe(0);
      const running = await runningExecutionsFor(setup.sfn, world.stateMachineArn, layout.vpcId);
      expect(running).toEqual([started[0]!.workflow!.name]);
      const secondPerVpc = secondWave.flatMap((r) => r.summary?.vpcs ?? []);
      expect(secondPerVpc.filter((v) => v.workflow?.started)).toEqual([]);
      // The second wave writes only its idempotency records and lock leases.
      expect(secondWaveWrites.filter((w) => !w.startsWith('dynamodb:'))).toEqual([]);

      const extraEndpoints = Object.values(await endpointsPerService(setup.ec2, layout.vpcId)).reduce(
        (sum, n) => sum + Math.max(0, n - 1),
        0,
      );
      recordScenario({
        suite: 'concurrency',
        scenario: `8 concurrent triggers, 8 event kinds, one VPC, then a second wave (order seed ${seed})`,
        backend: 'moto',
        faults: faultCounts(stats),
        writes: stats.writesDelivered,
        duplicates: extraEndpoints + Math.max(0, running.length - 1),
        reportedFailures: failed.length,
        note: `started 1, refused as already running ${refused.length}; retryable errors: ${
          failed.map((f) => `${f.kind}: ${f.error}`).join(', ') || 'none'
        }; second wave non-DynamoDB writes ${secondWaveWrites.filter((w) => !w.startsWith('dynamodb:')).length}`,
      });
      for (const c of [...instanceClients, setup]) for (const client of Object.values(c)) client.destroy();
    },
  );
});
