// Pure decisions of the workflow: which instance gets what, batch sizes, error budget and backoff. No I/O.
import { createHash } from 'node:crypto';
import type { RestartMode } from './types';

/** The first agent version that reaches the ECS endpoints through PrivateLink. */
export const MIN_AGENT_VERSION = '1.25.1';
/** ECS attribute recording our restart on a container instance, so no run restarts an agent twice. */
export const RESTARTED_AT_ATTRIBUTE = 'privatelink-ecs.restarted-at';
/** SendCommand accepts at most 50 instance IDs. */
export const SEND_COMMAND_LIMIT = 50;
/** Upper bound on one batch, so its record stays well under DynamoDB's 400 KB item limit. */
export const MAX_BATCH_SIZE = 500;

/** Facts about one container instance, gathered by discovery. */
export interface InstanceFacts {
  instanceId: string;
  containerInstanceArn: string;
  clusterArn: string;
  status: string;
  agentVersion?: string;
  agentConnected: boolean;
  /** ECS `ecs.os-family` (LINUX for every Linux host, Bottlerocket included; WINDOWS_SERVER_…), else `ecs.os-type`. */
  osFamily?: string;
  /** SSM DescribeInstanceInformation PlatformType (Linux | Windows | MacOS), when SSM knows the instance. */
  platformType?: string;
  /** SSM DescribeInstanceInformation PlatformName ("Amazon Linux", "Bottlerocket", "Microsoft Windows Server …"). */
  platformName?: string;
  registeredAt?: string;
  restartedAt?: string;
  /** The state table's restart record: the endpoint generation this agent was last restarted for, and when. */
  restartedFor?: { generation: string; at: string };
  /** SSM PingStatus; undefined when the instance is not managed by SSM; 'unknown' when it could not be read. */
  ssmPing?: string;
}

export type InstanceAction =
  /** Restart the agent through SSM Run Command with the document for that OS. */
  | { kind: 'restart'; os: 'linux' | 'windows' }
  | { kind: 'update' }
  | { kind: 'reboot' }
  | { kind: 'skip'; reason: string };

export interface DecisionContext {
  mode: RestartMode;
  /** When the endpoint set became complete (ISO). */
  endpointsSince?: string;
  /** The endpoint generation of this run (endpointGeneration). */
  generation?: string;
  agentUpdate: boolean;
  fallback: 'report' | 'reboot';
  /** A Windows restart document is deployed, so Windows instances are restarted with it (else skipped). */
  windowsRestart?: boolean;
}

/** Compares dotted numeric versions; returns undefined when either is not numeric. */
export function compareVersions(a: string, b: string): number | undefined {
  const parse = (v: string) => {
    const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
    return m ? m[1]!.split('.').map(Number) : undefined;
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return undefined;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** How an instance's agent can be restarted, from what ECS and SSM report about its operating system. */
export type HostOs = 'linux' | 'bottlerocket' | 'windows' | 'unknown';

/**
 * The OS of a container instance. ECS reports `ecs.os-family` LINUX for every Linux host, Bottlerocket
 * included, so Bottlerocket is told by SSM's PlatformName ("Bottlerocket"); Windows by an `ecs.os-family` of
 * WINDOWS_SERVER_… (or `ecs.os-type` windows) or SSM's PlatformType Windows.
 */
export function hostOsOf(facts: Pick<InstanceFacts, 'osFamily' | 'platformType' | 'platformName'>): HostOs {
  const family = (facts.osFamily ?? '').toUpperCase();
  if (family.startsWith('WINDOWS') || facts.platformType === 'Windows') return 'windows';
  if (/bottlerocket/i.test(facts.platformName ?? '') || family.includes('BOTTLEROCKET'))
    return 'bottlerocket';
  if (family === 'LINUX' || facts.platformType === 'Linux') return 'linux';
  return 'unknown';
}

/** What to do on Bottlerocket, where SSM commands run in the control container and cannot reach the host's agent. */
export const BOTTLEROCKET_ADVICE =
  "Bottlerocket instance: SSM commands run in its control container, which cannot restart the host's ecs " +
  'service; restart it from the admin container (apiclient exec admin sheltie, then systemctl restart ecs) or ' +
  'set restart.fallback to "reboot"';

/** Resolution of the endpoint creation times `endpointsSince` may come from (whole seconds). */
export const CREATION_TIME_RESOLUTION_MS = 1000;

/** Decides what happens to one instance. The order of the checks is the order of the documented rules. */
export function decideInstance(facts: InstanceFacts, ctx: DecisionContext): InstanceAction {
  if (facts.status !== 'ACTIVE' && facts.status !== 'DRAINING') {
    return { kind: 'skip', reason: `container instance is ${facts.status}` };
  }
  if (ctx.mode === 'none') return { kind: 'skip', reason: 'restart "none" was requested' };
  const os = hostOsOf(facts);
  if (os === 'unknown') {
    const what = facts.osFamily
      ? `"${facts.osFamily}"`
      : 'unknown (no ecs.os-family, ecs.os-type or SSM platform)';
    return { kind: 'skip', reason: `operating system ${what}: not restarted; restart its ECS agent by hand` };
  }
  // The durable record decides first: it survives a refused ECS attribute (the per-resource limit) and names
  // the endpoints it was for.
  if (ctx.mode === 'auto' && ctx.generation && facts.restartedFor?.generation === ctx.generation) {
    return {
      kind: 'skip',
      reason: `already restarted for these endpoints (generation ${ctx.generation}) at ${facts.restartedFor.at}`,
    };
  }
  if (ctx.mode === 'auto' && ctx.endpointsSince) {
    const since = Date.parse(ctx.endpointsSince);
    if (facts.restartedAt && Date.parse(facts.restartedAt) >= since) {
      return { kind: 'skip', reason: `already restarted at ${facts.restartedAt}` };
    }
    // An endpoint's CreationTimestamp can be truncated to the second (moto's is), so an instance registered in
    // that second may predate the endpoint: only a registration a full second later proves it came after.
    // Skipping wrongly would leave its agent on the old connection; restarting once too often is harmless.
    if (facts.registeredAt && Date.parse(facts.registeredAt) >= since + CREATION_TIME_RESOLUTION_MS) {
      return { kind: 'skip', reason: 'registered after the endpoints became available' };
    }
  }
  if (os === 'bottlerocket') {
    // No shell path reaches the agent; a reboot does, and UpdateContainerAgent is not supported there.
    return ctx.fallback === 'reboot' ? { kind: 'reboot' } : { kind: 'skip', reason: BOTTLEROCKET_ADVICE };
  }
  if (!facts.agentVersion) return { kind: 'skip', reason: 'agent version unknown' };
  const cmp = compareVersions(facts.agentVersion, MIN_AGENT_VERSION);
  if (cmp === undefined)
    return { kind: 'skip', reason: `agent version "${facts.agentVersion}" not recognised` };
  if (cmp < 0) {
    // ECS does not update the agent on Windows (UpdateContainerAgent is Linux only).
    if (ctx.agentUpdate && os === 'linux') return { kind: 'update' };
    return {
      kind: 'skip',
      reason:
        os === 'windows'
          ? `agent too old (${facts.agentVersion} < ${MIN_AGENT_VERSION}); Windows agents are updated by replacing the instance with a current ECS-optimized Windows AMI`
          : `agent too old (${facts.agentVersion} < ${MIN_AGENT_VERSION}); set restart.agentUpdate or update it`,
    };
  }
  if (os === 'windows' && !ctx.windowsRestart) {
    return {
      kind: 'skip',
      reason: `Windows instance (${facts.osFamily ?? facts.platformName ?? 'Windows'}): no Windows restart document is deployed; run Restart-Service AmazonECS on it`,
    };
  }
  if (facts.ssmPing === 'Online' || facts.ssmPing === 'unknown') return { kind: 'restart', os };
  if (ctx.fallback === 'reboot') return { kind: 'reboot' };
  const why = facts.ssmPing ? `SSM agent ${facts.ssmPing}` : 'not managed by SSM';
  const how = os === 'windows' ? 'run Restart-Service AmazonECS on it' : 'restart ecs-agent on it by hand';
  return {
    kind: 'skip',
    reason: `${why}; fallback "report": ${how}, or set restart.fallback to "reboot"`,
  };
}

/**
 * The endpoint generation: a short hash of the sorted IDs of the endpoints the agents rely on. It changes when
 * an endpoint is replaced or added, and not between runs over the same endpoints (unlike their "available
 * since" time, which a run that waited takes from its own poll).
 */
export function endpointGeneration(endpointIds: readonly string[]): string {
  const ids = [...new Set(endpointIds)].sort();
  return createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16);
}

/** "10%" of n (rounded up, at least 1) or a fixed count, for the batch size. */
export function resolveConcurrency(value: number | string, fleet: number): number {
  const n = typeof value === 'number' ? value : Math.ceil((fleet * Number.parseInt(value, 10)) / 100);
  return Math.min(MAX_BATCH_SIZE, Math.max(1, n));
}

/** "10%" of n (rounded down) or a fixed count: how many failures the rollout tolerates. */
export function resolveErrorBudget(value: number | string, fleet: number): number {
  if (typeof value === 'number') return value;
  return Math.floor((fleet * Number.parseInt(value, 10)) / 100);
}

/** Exponential backoff: min, 2×min, … capped at max. */
export function backoffSeconds(attempt: number, minSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, minSeconds * 2 ** Math.min(attempt, 20));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
