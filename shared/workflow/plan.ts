// Pure decisions of the workflow: which instance gets what, batch sizes, error budget and backoff. No I/O.
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
  osFamily?: string;
  registeredAt?: string;
  restartedAt?: string;
  /** SSM PingStatus; undefined when the instance is not managed by SSM; 'unknown' when it could not be read. */
  ssmPing?: string;
}

export type InstanceAction =
  | { kind: 'restart' }
  | { kind: 'update' }
  | { kind: 'reboot' }
  | { kind: 'skip'; reason: string };

export interface DecisionContext {
  mode: RestartMode;
  /** When the endpoint set became complete (ISO). */
  endpointsSince?: string;
  agentUpdate: boolean;
  fallback: 'report' | 'reboot';
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

function osSkipReason(osFamily: string | undefined): string | undefined {
  const os = (osFamily ?? '').toUpperCase();
  if (os === 'LINUX') return undefined;
  if (os.startsWith('WINDOWS')) {
    return `Windows instance (${osFamily}): the restart command is Linux-only; run Restart-Service AmazonECS on it`;
  }
  if (os.includes('BOTTLEROCKET')) {
    return 'Bottlerocket instance: its agent is managed by the host; restart it through the Bottlerocket API';
  }
  return `operating system ${osFamily ? `"${osFamily}"` : 'unknown'}: not restarted (Linux only)`;
}

/** Resolution of the endpoint creation times `endpointsSince` may come from (whole seconds). */
export const CREATION_TIME_RESOLUTION_MS = 1000;

/** Decides what happens to one instance. The order of the checks is the order of the documented rules. */
export function decideInstance(facts: InstanceFacts, ctx: DecisionContext): InstanceAction {
  if (facts.status !== 'ACTIVE' && facts.status !== 'DRAINING') {
    return { kind: 'skip', reason: `container instance is ${facts.status}` };
  }
  if (ctx.mode === 'none') return { kind: 'skip', reason: 'restart "none" was requested' };
  const osReason = osSkipReason(facts.osFamily);
  if (osReason) return { kind: 'skip', reason: osReason };
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
  if (!facts.agentVersion) return { kind: 'skip', reason: 'agent version unknown' };
  const cmp = compareVersions(facts.agentVersion, MIN_AGENT_VERSION);
  if (cmp === undefined)
    return { kind: 'skip', reason: `agent version "${facts.agentVersion}" not recognised` };
  if (cmp < 0) {
    if (ctx.agentUpdate) return { kind: 'update' };
    return {
      kind: 'skip',
      reason: `agent too old (${facts.agentVersion} < ${MIN_AGENT_VERSION}); set restart.agentUpdate or update it`,
    };
  }
  if (facts.ssmPing === 'Online' || facts.ssmPing === 'unknown') return { kind: 'restart' };
  if (ctx.fallback === 'reboot') return { kind: 'reboot' };
  const why = facts.ssmPing ? `SSM agent ${facts.ssmPing}` : 'not managed by SSM';
  return {
    kind: 'skip',
    reason: `${why}; fallback "report": restart ecs-agent on it by hand, or set restart.fallback to "reboot"`,
  };
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
