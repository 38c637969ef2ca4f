// WaitForEndpoints: polls the endpoints this VPC relies on until all are available, one poll per Task, with
// the Wait state between polls backing off. A failed, rejected or expired endpoint ends the run naming the
// endpoint; so does the bounded wait running out.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Config } from '../config';
import { EndpointFailedError, EndpointTimeoutError } from '../errors';
import { readEndpoints } from '../reconciler/inventory';
import { isFailedState, isGoneState } from '../reconciler/naming';
import { candidateServices } from '../reconciler/planner';
import type { EndpointSummary } from '../reconciler/types';
import { backoffSeconds } from './plan';
import type { EndpointPhase, EndpointView } from './types';

/** The workflow state's view of one endpoint (the reconciler's summary, cut to what the payload carries). */
export function endpointView(endpoint: EndpointSummary): EndpointView {
  const out: EndpointView = {
    id: endpoint.id,
    service: endpoint.service,
    state: endpoint.state.toLowerCase(),
    managed: endpoint.managed,
  };
  if (endpoint.lastError) out.lastError = endpoint.lastError;
  return out;
}

/**
 * Which endpoints the agents depend on: ours (managed tag and value) plus any other endpoint serving a configured
 * service. Endpoints that are gone (deleting, deleted) are ignored, ours included: AWS keeps listing a deleted
 * endpoint for a while, and waiting for it to become available would only end in EndpointTimeout. The endpoint
 * generation (endpointGeneration) is the hash of the IDs this keeps, for the workflow and the triggers alike.
 */
export function reliedOn(
  config: Config,
): (e: Pick<EndpointSummary, 'service' | 'state' | 'managed'>) => boolean {
  const wanted = candidateServices(config);
  return (e) => !isGoneState(e.state) && (e.managed || wanted.has(e.service));
}

/** The endpoints agents depend on (reliedOn), read with the reconciler's finder. */
async function observeEndpoints(ec2: EC2Client, config: Config, vpcId: string): Promise<EndpointSummary[]> {
  return (await readEndpoints(ec2, config, vpcId))
    .filter(reliedOn(config))
    .sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));
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
  const list = endpoints.map(endpointView);
  const broken = endpoints.filter((e) => isFailedState(e.state));
  if (broken.length > 0) {
    const first = broken[0]!;
    const detail = broken
      .map(
        (e) => `${e.id} (${e.service}) is ${e.state.toLowerCase()}${e.lastError ? `: ${e.lastError}` : ''}`,
      )
      .join('; ');
    throw new EndpointFailedError(`endpoint ${detail}`, {
      vpcId,
      endpointId: first.id,
      service: first.service,
      lastError: first.lastError,
    });
  }
  const waiting = endpoints.filter((e) => e.state.toLowerCase() !== 'available');
  if (waiting.length === 0) {
    const created = endpoints.map((e) => e.createdAt).filter((d): d is string => Boolean(d));
    // ISO-8601 timestamps in UTC sort chronologically as strings.
    const since = phase.attempts > 0 ? now().toISOString() : created.sort().at(-1);
    return { ...phase, ready: true, waitSeconds: 0, list, ...(since ? { since } : {}) };
  }
  const { timeoutSeconds, minIntervalSeconds, maxIntervalSeconds } = config.endpointWait;
  if (phase.elapsedSeconds >= timeoutSeconds) {
    const stuck = waiting.map((e) => `${e.id} (${e.service}, ${e.state.toLowerCase()})`).join(', ');
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
