// The events a member forwards to the hub bus, as the hub reads them: the workflow's "PrivateLink ECS
// Remediation Completed" (shared/workflow/summary.ts) and the triggers' "PrivateLink ECS Trigger Decision"
// (shared/events/decisions.ts publishes it). This module holds the second one's contract and the endpoint
// counting both use; it imports nothing from shared/events, so the publisher and the roll-up can both use it.

export const ORG_EVENT_SOURCE = 'privatelink-ecs';
export const DECISION_DETAIL_TYPE = 'PrivateLink ECS Trigger Decision';

/** Every decision a trigger makes for a VPC (shared/events/trigger.ts VpcDecision; decisions.ts checks both agree). */
export const DECISION_NAMES = [
  'reconciled',
  'not-opted-in',
  'opted-out-kept',
  'torn-down',
  'teardown-refused',
  'vpc-not-found',
  'failed',
] as const;
export type DecisionName = (typeof DECISION_NAMES)[number];

export interface EndpointCounts {
  total: number;
  available: number;
  pending: number;
  failed: number;
}

/** The detail of a "PrivateLink ECS Trigger Decision" event: one VPC, one decision. */
export interface TriggerDecisionDetail {
  vpcId: string;
  decision: DecisionName;
  /** One sentence a user can read. */
  message: string;
  /** The trigger rule (or `sweep`) that handled the event. */
  rule: string;
  /** The id of the event the trigger handled (the one that led to this decision). */
  triggerEventId: string;
  /** When the decision was made (ISO 8601, milliseconds). */
  at: string;
  /** The remediation workflow now running for the VPC: started by this decision, or already running. */
  workflow?: { name: string };
  /** Our endpoints as the decision left them, when the trigger read them. */
  endpoints?: EndpointCounts;
  error?: { name: string; message: string };
}

const DELETED_STATES = new Set(['deleting', 'deleted', 'expired']);
const PENDING_STATES = new Set(['pending', 'pendingacceptance']);
const FAILED_STATES = new Set(['failed', 'rejected']);

/**
 * Counts endpoints by state (case-insensitive, as EC2 reports `available` and the SDK enum `Available`).
 * Endpoints being deleted or gone are not counted: they serve nothing and will not come back.
 */
export function endpointCounts(states: readonly string[]): EndpointCounts {
  const counts: EndpointCounts = { total: 0, available: 0, pending: 0, failed: 0 };
  for (const raw of states) {
    const state = raw.toLowerCase();
    if (DELETED_STATES.has(state)) continue;
    counts.total += 1;
    if (state === 'available') counts.available += 1;
    else if (PENDING_STATES.has(state)) counts.pending += 1;
    else if (FAILED_STATES.has(state)) counts.failed += 1;
  }
  return counts;
}
