// A realistic hour of ECS events for a fleet on the simulated account, replayed through the deployed trigger
// rules: every event is matched against the rule patterns the stack deploys (TRIGGER_RULES, the same objects
// infra/constructs/triggers.ts turns into AWS::Events::Rule), and each match invokes the trigger Lambda that
// rule targets, built exactly as the entry files build it (Powertools idempotency and the per-VPC lock on a
// DynamoDB table). Counted per kind of event: rule matches, Lambda invocations, AWS calls (every request the
// simulated account answered, DynamoDB included) and workflow executions started.
//
// Shared by bench/events.bench.ts (the figures per 1,000 routine events) and test/unit/events/replay.test.ts.
import { lambdaContext } from '../bin/lib/demo';
import { SimulatedAccount } from '../devkit/sim';
import { runWorkflowLocally } from '../devkit/workflow/local';
import { type Config, parseConfig } from '../shared/config';
import { createTriggerHandler, type TriggerHandler } from '../shared/events/handler';
import { TRIGGER_RULES, type TriggerRuleId } from '../shared/events/patterns';
import { matchingRules } from '../shared/events/schemas';
import { DynamoStateStore, MemoryStateStore } from '../shared/workflow/store';

/** What ECS (or CloudTrail) reports. Only the registration burst and the new cluster are not routine. */
export type ReplayKind =
  | 'registration'
  | 'first connection'
  | 'cluster creation'
  | 'task placement'
  | 'agent disconnect'
  | 'agent reconnect'
  | 'draining'
  | 'deregistration';

export const ROUTINE_KINDS: ReadonlySet<ReplayKind> = new Set([
  'task placement',
  'agent disconnect',
  'agent reconnect',
  'draining',
  'deregistration',
]);

export interface ReplayEvent {
  kind: ReplayKind;
  /** An EventBridge event as the default bus delivers it. */
  event: Record<string, unknown>;
}

export interface HourShape {
  /** Container instances running when the hour starts (registered two days earlier). */
  instances: number;
  /** Task placements over the hour, across the instances (new ones included once connected). */
  taskPlacements: number;
  /** Disconnect + reconnect pairs per established instance in the hour ("several times per hour"). */
  reconnectsPerInstance: number;
  /** Instances scaled in: DRAINING, then deregistered. */
  deregistrations: number;
  /** Instances scaled out during the hour; some of them join the cluster created in the hour. */
  registrations: number;
}

/** The hour: 200 instances, 2,000 task placements, reconnects, scale-in and scale-out, a new cluster. */
export const REALISTIC_HOUR: HourShape = {
  instances: 200,
  taskPlacements: 2000,
  reconnectsPerInstance: 2,
  deregistrations: 10,
  registrations: 10,
};

const CLUSTERS = ['payments', 'search'];
const NEW_CLUSTER = 'batch';
const DOCUMENT_NAME = 'PrivateLinkEcs-RestartAgent';
const STATE_MACHINE_NAME = 'PrivateLinkEcs-Remediation';
export const IDEMPOTENCY_TABLE = 'PrivateLinkEcs-Idempotency';

interface Instance {
  ec2InstanceId: string;
  containerInstanceArn: string;
  clusterArn: string;
  registeredAt: Date;
  /** detail.version of the last event sent for it. */
  version: number;
}

export interface ReplayWorld {
  account: SimulatedAccount;
  config: Config;
  vpcId: string;
  stateMachineArn: string;
  /** The established instances, all restarted by the workflow for the current endpoints. */
  established: Instance[];
  /** Instances that register during the hour (already present in EC2 and ECS, as after the hour). */
  newcomers: Instance[];
  /** The cluster created during the hour. */
  newClusterArn: string;
  hourStart: Date;
}

/**
 * The account before the hour: an opted-in private VPC whose established instances registered before the
 * endpoints existed, converged and restarted by a real run of the workflow (so each carries
 * privatelink-ecs.restarted-at), plus the instances that register during the hour.
 */
export async function replayWorld(shape: HourShape = REALISTIC_HOUR): Promise<ReplayWorld> {
  const account = new SimulatedAccount();
  const config = parseConfig({});
  const { vpcId } = account.addVpc({ cidr: '10.40.0.0/16', tags: { 'privatelink-ecs': 'enabled' } });
  // Every call the workflow and the triggers make is authorized against their roles in the synthesized stack.
  const stateMachineArn = await account.provisionStack({
    config,
    documentName: DOCUMENT_NAME,
    tableName: IDEMPOTENCY_TABLE,
    stateMachineName: STATE_MACHINE_NAME,
  });
  const clients = account.clients();
  const twoDaysAgo = new Date(account.clock.now().getTime() - 2 * 24 * 3_600_000);
  const established: Instance[] = [];
  for (const [c, clusterName] of CLUSTERS.entries()) {
    const count = c === 0 ? Math.ceil(shape.instances / 2) : Math.floor(shape.instances / 2);
    if (count < 1) continue;
    const added = account.addContainerInstances({ vpcId, clusterName, count, registeredAt: twoDaysAgo });
    added.instanceIds.forEach((ec2InstanceId, i) => {
      established.push({
        ec2InstanceId,
        containerInstanceArn: added.containerInstanceArns[i]!,
        clusterArn: added.clusterArn,
        registeredAt: twoDaysAgo,
        version: 300 + ((established.length * 37) % 4000),
      });
    });
  }
  const run = await runWorkflowLocally(
    { vpcId },
    {
      clients,
      clientsFor: (functionId) => account.clients({ role: functionId }),
      config,
      store: new MemoryStateStore(),
      // As deployed: the workflow's records (the durable restart records among them) in the one stack table,
      // written by each step's role; the triggers read them from there.
      storeFor: (stepClients) => new DynamoStateStore(stepClients.dynamodb, IDEMPOTENCY_TABLE),
      documentName: DOCUMENT_NAME,
      fastWaits: true,
      now: () => account.clock.now(),
      advanceClock: (seconds) => account.clock.advance(seconds * 1000),
    },
  );
  if (run.status !== 'SUCCEEDED' || run.summary?.counts.restarted !== established.length) {
    throw new Error(`replay world: the workflow ended ${run.status} (${run.error ?? ''} ${run.cause ?? ''})`);
  }
  account.clock.advance(10 * 60_000);
  const hourStart = account.clock.now();
  // The newcomers are registered now, before the hour: the generator needs their IDs, and the simulated account
  // cannot register them mid-replay. So the CreateCluster at minute 5 finds instances and reconciles the
  // (converged) VPC, where a real one would note "no container instances yet": a cost on the non-routine side.
  const newClusterArn = `arn:aws:ecs:${account.region}:${account.accountId}:cluster/${NEW_CLUSTER}`;
  const newcomers: Instance[] = [];
  for (let n = 0; n < shape.registrations; n++) {
    // Spread over the hour; every third one joins the cluster created at minute 5.
    const registeredAt = new Date(hourStart.getTime() + (6 + (n * 50) / shape.registrations) * 60_000);
    const clusterName = n % 3 === 0 ? NEW_CLUSTER : CLUSTERS[n % CLUSTERS.length]!;
    const added = account.addContainerInstances({ vpcId, clusterName, count: 1, registeredAt });
    newcomers.push({
      ec2InstanceId: added.instanceIds[0]!,
      containerInstanceArn: added.containerInstanceArns[0]!,
      clusterArn: added.clusterArn,
      registeredAt,
      version: 0,
    });
  }
  return { account, config, vpcId, stateMachineArn, established, newcomers, newClusterArn, hourStart };
}

/** Deterministic UUID-shaped event ids. */
function eventId(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `5e1ec7ed-0000-4000-8000-${hex}`;
}

function containerInstanceEvent(
  world: ReplayWorld,
  ci: Instance,
  at: Date,
  change: { status: string; agentConnected: boolean; runningTasks: number },
): Record<string, unknown> {
  ci.version += 1;
  return {
    version: '0',
    id: '',
    'detail-type': 'ECS Container Instance State Change',
    source: 'aws.ecs',
    account: world.account.accountId,
    time: `${at.toISOString().slice(0, 19)}Z`,
    region: world.account.region,
    resources: [ci.containerInstanceArn],
    detail: {
      agentConnected: change.agentConnected,
      attributes: [
        { name: 'ecs.os-type', value: 'linux' },
        { name: 'ecs.os-family', value: 'LINUX' },
        { name: 'ecs.instance-type', value: 'm6i.large' },
      ],
      clusterArn: ci.clusterArn,
      containerInstanceArn: ci.containerInstanceArn,
      ec2InstanceId: ci.ec2InstanceId,
      pendingTasksCount: 0,
      registeredAt: ci.registeredAt.toISOString(),
      registeredResources: [
        { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
        { name: 'MEMORY', type: 'INTEGER', integerValue: 7680 },
      ],
      remainingResources: [
        { name: 'CPU', type: 'INTEGER', integerValue: Math.max(0, 2048 - 256 * change.runningTasks) },
        { name: 'MEMORY', type: 'INTEGER', integerValue: Math.max(0, 7680 - 512 * change.runningTasks) },
      ],
      runningTasksCount: change.runningTasks,
      status: change.status,
      version: ci.version,
      versionInfo: { agentHash: 'b1a4e3c', agentVersion: '1.89.2', dockerVersion: 'DockerVersion: 25.0.8' },
      updatedAt: at.toISOString(),
    },
  };
}

function createClusterEvent(world: ReplayWorld, at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: '',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ecs',
    account: world.account.accountId,
    time: `${at.toISOString().slice(0, 19)}Z`,
    region: world.account.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventTime: `${at.toISOString().slice(0, 19)}Z`,
      eventSource: 'ecs.amazonaws.com',
      eventName: 'CreateCluster',
      awsRegion: world.account.region,
      requestParameters: { clusterName: NEW_CLUSTER },
      responseElements: {
        cluster: { clusterArn: world.newClusterArn, clusterName: NEW_CLUSTER, status: 'ACTIVE' },
      },
      eventType: 'AwsApiCall',
      managementEvent: true,
    },
  };
}

/**
 * The hour, in delivery order. Established instances start with versions in the hundreds or thousands; a new
 * instance reports its registration (version 1, agent not yet connected) and its first connection (2), then
 * takes its share of the task placements.
 */
export function realisticHour(world: ReplayWorld, shape: HourShape = REALISTIC_HOUR): ReplayEvent[] {
  const start = world.hourStart.getTime();
  const at = (minute: number) => new Date(start + Math.round(minute * 60_000));
  const timed: Array<{ t: number; order: number; make: () => ReplayEvent }> = [];
  let order = 0;
  const push = (minute: number, make: () => ReplayEvent) => {
    timed.push({ t: at(minute).getTime(), order: order++, make });
  };
  const running = new Map<string, number>();
  const tasks = (ci: Instance) => running.get(ci.containerInstanceArn) ?? 0;
  const leaving = new Set(
    world.established.slice(0, shape.deregistrations).map((i) => i.containerInstanceArn),
  );

  push(5, () => ({ kind: 'cluster creation', event: createClusterEvent(world, at(5)) }));
  for (const ci of world.newcomers) {
    const minute = (ci.registeredAt.getTime() - start) / 60_000;
    push(minute, () => ({
      kind: 'registration',
      event: containerInstanceEvent(world, ci, at(minute), {
        status: 'ACTIVE',
        agentConnected: false,
        runningTasks: 0,
      }),
    }));
    push(minute + 0.05, () => ({
      kind: 'first connection',
      event: containerInstanceEvent(world, ci, at(minute + 0.05), {
        status: 'ACTIVE',
        agentConnected: true,
        runningTasks: 0,
      }),
    }));
  }
  world.established.forEach((ci, i) => {
    for (let r = 0; r < shape.reconnectsPerInstance; r++) {
      const minute = ((i * 7 + r * 29) % 58) + 1;
      push(minute, () => ({
        kind: 'agent disconnect',
        event: containerInstanceEvent(world, ci, at(minute), {
          status: 'ACTIVE',
          agentConnected: false,
          runningTasks: tasks(ci),
        }),
      }));
      push(minute + 0.2, () => ({
        kind: 'agent reconnect',
        event: containerInstanceEvent(world, ci, at(minute + 0.2), {
          status: 'ACTIVE',
          agentConnected: true,
          runningTasks: tasks(ci),
        }),
      }));
    }
  });
  world.established.slice(0, shape.deregistrations).forEach((ci, i) => {
    const minute = 40 + i;
    push(minute, () => ({
      kind: 'draining',
      event: containerInstanceEvent(world, ci, at(minute), {
        status: 'DRAINING',
        agentConnected: true,
        runningTasks: tasks(ci),
      }),
    }));
    push(minute + 0.5, () => ({
      kind: 'deregistration',
      event: containerInstanceEvent(world, ci, at(minute + 0.5), {
        status: 'INACTIVE',
        agentConnected: false,
        runningTasks: 0,
      }),
    }));
  });
  // Task placements go round robin over the instances placeable at that minute: established ones until they
  // start draining, new ones once connected.
  for (let p = 0; p < shape.taskPlacements; p++) {
    const minute = (p * 59.5) / shape.taskPlacements;
    const placeable = [
      ...world.established.filter((ci, i) => !leaving.has(ci.containerInstanceArn) || minute < 40 + i - 0.1),
      ...world.newcomers.filter((ci) => ci.registeredAt.getTime() + 6_000 < at(minute).getTime()),
    ];
    const ci = placeable[p % placeable.length]!;
    push(minute, () => {
      running.set(ci.containerInstanceArn, tasks(ci) + 1);
      return {
        kind: 'task placement',
        event: containerInstanceEvent(world, ci, at(minute), {
          status: 'ACTIVE',
          agentConnected: true,
          runningTasks: tasks(ci),
        }),
      };
    });
  }
  timed.sort((a, b) => a.t - b.t || a.order - b.order);
  return timed.map((entry, n) => {
    const made = entry.make();
    made.event.id = eventId(n + 1);
    return made;
  });
}

export interface ReplayCounts {
  events: number;
  ruleMatches: number;
  invocations: number;
  awsCalls: number;
  executionsStarted: number;
  /** Invocations that threw (the platform would retry them). */
  failedInvocations: number;
}

function emptyCounts(): ReplayCounts {
  return {
    events: 0,
    ruleMatches: 0,
    invocations: 0,
    awsCalls: 0,
    executionsStarted: 0,
    failedInvocations: 0,
  };
}

/** The function the stack deploys for a handler entry: functions/trigger-ecs/index.ts -> TriggerEcs. */
function functionIdOf(entry: string): string {
  const folder = entry.split('/')[1] ?? entry;
  return folder
    .split('-')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * One handler per Lambda entry, serving the rules that target it, as the stack wires them, each with clients
 * bound to its function's role.
 */
function triggerLambdas(world: ReplayWorld): Map<string, TriggerHandler> {
  const byEntry = new Map<string, TriggerRuleId[]>();
  for (const rule of TRIGGER_RULES) {
    byEntry.set(rule.handlerEntry, [...(byEntry.get(rule.handlerEntry) ?? []), rule.id]);
  }
  const lambdas = new Map<string, TriggerHandler>();
  for (const [entry, rules] of byEntry) {
    const clients = world.account.clients({ role: functionIdOf(entry) });
    lambdas.set(
      entry,
      createTriggerHandler(
        {
          ...clients,
          config: world.config,
          stateMachineArn: world.stateMachineArn,
          tableName: IDEMPOTENCY_TABLE,
          lockOptions: { initialDelayMs: 5, maxDelayMs: 50, maxWaitMs: 10_000 },
        },
        rules,
      ),
    );
  }
  return lambdas;
}

/**
 * Delivers the events in order: each is matched against the deployed rule patterns, and every matching rule
 * invokes its Lambda. Returns the counts per kind of event.
 */
export async function replay(
  world: ReplayWorld,
  events: readonly ReplayEvent[],
): Promise<Map<ReplayKind, ReplayCounts>> {
  const lambdas = triggerLambdas(world);
  const entryOf = new Map(TRIGGER_RULES.map((r) => [r.id, r.handlerEntry]));
  const counts = new Map<ReplayKind, ReplayCounts>();
  for (const { kind, event } of events) {
    const c = counts.get(kind) ?? emptyCounts();
    counts.set(kind, c);
    c.events += 1;
    for (const rule of matchingRules(world.config, event)) {
      c.ruleMatches += 1;
      c.invocations += 1;
      const callsBefore = world.account.calls.length;
      const executionsBefore = world.account.executions.length;
      try {
        const context = lambdaContext(
          world.account.region,
          world.account.accountId,
          'privatelink-ecs-replay',
        );
        await lambdas.get(entryOf.get(rule)!)!(event, context);
      } catch {
        c.failedInvocations += 1;
      }
      c.awsCalls += world.account.calls.length - callsBefore;
      c.executionsStarted += world.account.executions.length - executionsBefore;
    }
  }
  return counts;
}

/** The counts of the given kinds added up. */
export function total(counts: Map<ReplayKind, ReplayCounts>, kinds: Iterable<ReplayKind>): ReplayCounts {
  const sum = emptyCounts();
  for (const kind of kinds) {
    const c = counts.get(kind);
    if (!c) continue;
    for (const key of Object.keys(sum) as Array<keyof ReplayCounts>) sum[key] += c[key];
  }
  return sum;
}
