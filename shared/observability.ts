// One place creates the Logger and Metrics, with a fixed service name and namespace.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const SERVICE_NAME = 'privatelink-ecs';
export const METRICS_NAMESPACE = 'PrivateLinkEcs';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

/** Metric names the dashboard reads. Emit only these, so the dashboard and the code cannot drift. */
export const MetricName = {
  RemediationsStarted: 'RemediationsStarted',
  RemediationsSucceeded: 'RemediationsSucceeded',
  RemediationsFailed: 'RemediationsFailed',
  EndpointsCreated: 'EndpointsCreated',
  AgentsRestarted: 'AgentsRestarted',
  AgentsFailed: 'AgentsFailed',
  EventsDropped: 'EventsDropped',
  /** Hub: a member reported a failed run or a failed trigger decision. */
  MemberFailures: 'MemberFailures',
  /** Hub: events applied to the roll-up, and those ignored as stale or duplicate. */
  RollupEventsApplied: 'RollupEventsApplied',
  RollupEventsIgnored: 'RollupEventsIgnored',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export function countMetric(name: MetricName, value = 1): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}
