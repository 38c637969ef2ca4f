// Event volume: what routine ECS events cost once deployed, and how late a VPC is handled without CloudTrail.
// A realistic hour for 200 container instances (bench/replay.ts: 2,000 task placements, reconnects, scale-in,
// scale-out, a new cluster) is replayed through the deployed rule patterns and the trigger Lambdas on the
// simulated account. Reported per 1,000 routine events: Lambda invocations, AWS calls and executions started
// (target 0), and what each new instance costs. Without a trail that logs management events, the CloudTrail
// rules never fire, so a VPC whose best-effort tag-change event is lost waits for the sweep: the worst case is
// the sweep interval from the configuration.
import { type Config, parseConfig } from '../shared/config';
import { compilePattern } from '../shared/events/matcher';
import { sweepDescriptor, TRIGGER_RULES } from '../shared/events/patterns';
import { logger } from '../shared/observability';
import { type BenchContext, type Figure, perThousand, scheduleIntervalSeconds } from './lib';
import {
  REALISTIC_HOUR,
  type ReplayCounts,
  type ReplayEvent,
  ROUTINE_KINDS,
  realisticHour,
  replay,
  replayWorld,
  total,
} from './replay';

export const title =
  'Event volume: routine ECS events through the deployed rules, and the path without CloudTrail';

const SECTION = 'Event volume';
const ONE_REPLAY = 'one replay: counts are the same every run';

/**
 * The instance rule before issue 12: every ACTIVE, connected "Container Instance State Change". Kept here only
 * to show what the same hour cost then; each match was a Lambda invocation and a full reconcile.
 */
const PREVIOUS_INSTANCE_PATTERN = {
  source: ['aws.ecs'],
  'detail-type': ['ECS Container Instance State Change'],
  detail: { status: ['ACTIVE'], agentConnected: [true] },
};

function previousMatches(events: readonly ReplayEvent[]): number {
  const match = compilePattern(PREVIOUS_INSTANCE_PATTERN);
  return events.filter((e) => ROUTINE_KINDS.has(e.kind) && match(e.event)).length;
}

function routineFigures(routine: ReplayCounts, previous: number): Figure[] {
  const label = `${REALISTIC_HOUR.instances} instances, 1 h: ${routine.events} routine events`;
  const rows: Array<[string, number, string]> = [
    [
      'Lambda invocations per 1,000',
      routine.invocations,
      `previous rule (ACTIVE and connected): ${perThousand(previous, routine.events).toFixed(0)} per 1,000, each a full reconcile`,
    ],
    ['AWS calls per 1,000', routine.awsCalls, 'every request, DynamoDB idempotency and lock included'],
    [
      'executions started per 1,000',
      routine.executionsStarted,
      'task placements, reconnects, draining, deregistrations',
    ],
  ];
  return rows.map(([figure, count, note]) => ({
    section: SECTION,
    case: label,
    figure,
    samples: [perThousand(count, routine.events)],
    digits: 1,
    reference: { label: 'target', value: 0, digits: 0 },
    note,
    runsNote: ONE_REPLAY,
  }));
}

function registrationFigures(counts: ReplayCounts, newInstances: number): Figure[] {
  const label = `new instance (registration + first connection, ${newInstances} in the hour)`;
  const per = (n: number) => (newInstances === 0 ? 0 : n / newInstances);
  return [
    {
      section: SECTION,
      case: label,
      figure: 'Lambda invocations per instance',
      samples: [per(counts.invocations)],
      digits: 1,
      note: 'the first connection matches (detail.version 2); the registration itself (agent not yet connected) does not',
      runsNote: ONE_REPLAY,
    },
    {
      section: SECTION,
      case: label,
      figure: 'AWS calls per instance',
      samples: [per(counts.awsCalls)],
      digits: 1,
      note: 'placement, reconcile of the converged VPC, idempotency record and lock',
      runsNote: ONE_REPLAY,
    },
    {
      section: SECTION,
      case: label,
      figure: 'executions started per instance',
      samples: [per(counts.executionsStarted)],
      digits: 1,
      note: 'registered after the endpoints: its agent already uses them',
      runsNote: ONE_REPLAY,
    },
  ];
}

/**
 * The worst case without CloudTrail: a newly tagged VPC whose best-effort tag-change event is lost waits one
 * sweep interval. Nothing to report when the sweep is disabled (never caught up) or runs on a cron() schedule
 * (its gaps vary); the footnote says so.
 */
function withoutCloudTrailFigures(config: Config): Figure[] {
  const sweep = sweepDescriptor(config);
  const interval = sweep.enabled ? scheduleIntervalSeconds(sweep.schedule) : undefined;
  if (interval === undefined) return [];
  const cloudTrailRules = TRIGGER_RULES.filter((r) => r.id.endsWith('api-call')).map((r) => r.id);
  return [
    {
      section: SECTION,
      case: `without CloudTrail (sweep.schedule ${sweep.schedule})`,
      figure: 'worst-case s to remediation start',
      samples: [interval],
      note: `= one sweep interval (${(interval / 3600).toFixed(1)} h), then the remediation itself; ${cloudTrailRules.join(', ')} need a trail, the aws.tag tag change is best effort`,
      runsNote: 'computed from the configuration',
    },
  ];
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  logger.setLogLevel('SILENT');
  const world = await replayWorld();
  const events = realisticHour(world);
  ctx.progress(`event volume: replaying ${events.length} events for ${world.established.length} instances`);
  const counts = await replay(world, events);
  const routine = total(counts, ROUTINE_KINDS);
  const failed = total(counts, counts.keys()).failedInvocations;
  if (failed > 0) throw new Error(`event volume: ${failed} trigger invocation(s) failed during the replay`);
  const registration = total(counts, ['registration', 'first connection']);
  return [
    ...routineFigures(routine, previousMatches(events)),
    ...registrationFigures(registration, world.newcomers.length),
    ...withoutCloudTrailFigures(parseConfig({})),
  ];
}

export function footnotes(): string[] {
  return [
    'Event volume: a realistic hour for 200 container instances on the simulated account (bench/replay.ts), after a ' +
      'real workflow run converged the VPC and restarted every agent: 2,000 task placements, 2 disconnect/reconnect ' +
      'pairs per instance, 10 instances drained and deregistered, 10 registered (every third into a cluster created ' +
      'in the hour). Each event is matched against the deployed rule patterns (TRIGGER_RULES); each match invokes ' +
      'the trigger Lambda of its rule with idempotency and the per-VPC lock on a DynamoDB table, its calls authorized ' +
      'against its role in the synthesized stack (as are the workflow steps). AWS calls are every ' +
      'request the simulated account answered during those invocations. Without CloudTrail: the CloudTrail rules ' +
      'fire only where a trail logs management events; the tag-change event is best effort, so the worst case for a ' +
      'newly tagged VPC is one sweep interval (sweep.schedule) before the remediation starts (no figure when the ' +
      'sweep is disabled: then it is never caught up; none for a cron() schedule, whose gaps vary).',
  ];
}
