// WaitForEndpoints: polls the endpoints this VPC relies on until all are available, one poll per Task, with
// the Wait state between polls backing off. failed/rejected ends the run naming the endpoint; so does the
// bounded wait running out.
import { type EC2Client, paginateDescribeVpcEndpoints, type VpcEndpoint } from '@aws-sdk/client-ec2';
import { type Config, configuredInterfaceServices } from '../config';
import { EndpointFailedError, EndpointTimeoutError } from '../errors';
import { shortServiceName } from '../reconciler/naming';
import { backoffSeconds } from './plan';
import type { EndpointPhase, EndpointView } from './types';

export interface ObservedEndpoint extends EndpointView {
  createdAt?: string;
}

function view(ep: VpcEndpoint, managedTagKey: string): ObservedEndpoint {
  const out: ObservedEndpoint = {
    id: ep.VpcEndpointId ?? '',
    service: shortServiceName(ep.ServiceName ?? ''),
    state: (ep.State ?? 'unknown').toLowerCase(),
    managed: (ep.Tags ?? []).some((t) => t.Key === managedTagKey),
  };
  if (ep.LastError?.Message) out.lastError = `${ep.LastError.Code ?? 'Error'}: ${ep.LastError.Message}`;
  if (ep.CreationTimestamp) out.createdAt = new Date(ep.CreationTimestamp).toISOString();
  return out;
}

const GONE = new Set(['deleting', 'deleted', 'expired']);

/**
 * Which endpoints the agents depend on: ours (managed tag) plus any other endpoint serving a configured
 * service. Endpoints on their way out (deleting, deleted, expired) are ignored, ours included: AWS keeps listing
 * a deleted endpoint for a while, and waiting for it to become available would only end in EndpointTimeout.
 * The endpoint generation (endpointGeneration) is the hash of the IDs this keeps, for the workflow and the
 * triggers alike.
 */
export function reliedOn(
  config: Config,
): (e: { service: string; state: string; managed: boolean }) => boolean {
  const wanted = new Set<string>([
    ...configuredInterfaceServices(config),
    'ssm',
    'ssmmessages',
    'ec2messages',
  ]);
  if (config.s3Gateway !== 'never') wanted.add('s3');
  return (e) => !GONE.has(e.state.toLowerCase()) && (e.managed || wanted.has(e.service));
}

/** The endpoints agents depend on (reliedOn), read from EC2. */
async function observeEndpoints(ec2: EC2Client, config: Config, vpcId: string): Promise<ObservedEndpoint[]> {
  const relied = reliedOn(config);
  const found: ObservedEndpoint[] = [];
  for await (const page of paginateDescribeVpcEndpoints(
    { client: ec2 },
    { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] },
  )) {
    for (const ep of page.VpcEndpoints ?? []) {
      const v = view(ep, config.managedTagKey);
      if (relied(v)) found.push(v);
    }
  }
  return found.sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));
}

/**
 * One poll. Returns the next phase, or throws EndpointFailed / EndpointTimeout.
 *
 * `since` (when the endpoint set became available) decides which agents predate it. DescribeVpcEndpoints has
 * no "available at" time: when this run saw an endpoint not yet available, the poll that finds them all
 * available (`now`) is the bound, so an agent registered while they were pending is still restarted; when the
 * first poll finds them all available, the newest creation time is used, so re-runs restart nobody twice.
 */
export async function pollEndpoints(
  ec2: EC2Client,
  config: Config,
  vpcId: string,
  phase: EndpointPhase,
  now: () => Date = () => new Date(),
): Promise<EndpointPhase> {
  const endpoints = await observeEndpoints(ec2, config, vpcId);
  const list: EndpointView[] = endpoints.map(({ createdAt: _c, ...rest }) => rest);
  const broken = endpoints.filter((e) => e.state === 'failed' || e.state === 'rejected');
  if (broken.length > 0) {
    const first = broken[0]!;
    const detail = broken
      .map((e) => `${e.id} (${e.service}) is ${e.state}${e.lastError ? `: ${e.lastError}` : ''}`)
      .join('; ');
    throw new EndpointFailedError(`endpoint ${detail}`, {
      vpcId,
      endpointId: first.id,
      service: first.service,
      lastError: first.lastError,
    });
  }
  const waiting = endpoints.filter((e) => e.state !== 'available');
  if (waiting.length === 0) {
    const created = endpoints.map((e) => e.createdAt).filter((d): d is string => Boolean(d));
    // ISO-8601 timestamps in UTC sort chronologically as strings.
    const since = phase.attempts > 0 ? now().toISOString() : created.sort().at(-1);
    return { ...phase, ready: true, waitSeconds: 0, list, ...(since ? { since } : {}) };
  }
  const { timeoutSeconds, minIntervalSeconds, maxIntervalSeconds } = config.endpointWait;
  if (phase.elapsedSeconds >= timeoutSeconds) {
    const stuck = waiting.map((e) => `${e.id} (${e.service}, ${e.state})`).join(', ');
    throw new EndpointTimeoutError(
      `endpoints not available after ${phase.elapsedSeconds} s (endpointWait.timeoutSeconds ${timeoutSeconds}): ${stuck}`,
      { vpcId, stuck: waiting.map((e) => e.id) },
    );
  }
  const next = backoffSeconds(phase.attempts, minIntervalSeconds, maxIntervalSeconds);
  const waitSeconds = Math.max(1, Math.min(next, timeoutSeconds - phase.elapsedSeconds));
  return {
    ...phase,
    ready: false,
    attempts: phase.attempts + 1,
    waitSeconds,
    elapsedSeconds: phase.elapsedSeconds + waitSeconds,
    list,
  };
}
