// "PrivateLink ECS Trigger Decision" events: what a trigger decided for each VPC, put on the account's default
// bus when the deployment is part of an organization (config.organization). The member stack forwards them to
// the hub bus, where they keep the roll-up current (shared/org/rollup.ts). Routine no-ops are not published,
// except from the sweep: its report on every opted-in VPC is the roll-up's heartbeat (a row nobody reports on
// expires), at one event per VPC per sweep.
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { describeError, errorName } from '../errors';
import { logger } from '../observability';
import {
  DECISION_DETAIL_TYPE,
  DECISION_NAMES,
  type DecisionName,
  endpointCounts,
  ORG_EVENT_SOURCE,
  type TriggerDecisionDetail,
} from '../org/events';
import type { PermissionDeclaration } from '../permissions';
import { isGoneState } from '../reconciler/naming';
import type { TriggerOutcome, VpcDecision, VpcOutcome } from './trigger';

// Both lists name the same decisions: adding one to VpcDecision without the other fails to compile.
const _everyDecisionIsPublishable: readonly VpcDecision[] = DECISION_NAMES;
const _everyPublishableIsADecision = (d: VpcDecision): DecisionName => d;
void _everyDecisionIsPublishable;
void _everyPublishableIsADecision;

/** PutEvents takes at most 10 entries a call. */
const PUT_EVENTS_LIMIT = 10;

export const DECISION_EVENT_PERMISSION: PermissionDeclaration = {
  sid: 'TriggerPutDecisionEvent',
  actions: ['events:PutEvents'],
  resources: ['{eventBusArn}'],
  reason:
    'Publishes "PrivateLink ECS Trigger Decision" on the default bus, which the member stack forwards to the organization hub (decisions.ts)',
};

/**
 * Whether the hub needs to hear about this decision: every sweep decision (the heartbeat), and otherwise
 * anything but a routine no-op (already converged, nothing started) or a VPC that was never ours.
 */
export function isNewsworthy(rule: TriggerOutcome['rule'], vpc: VpcOutcome): boolean {
  if (rule === 'sweep') return true;
  if (vpc.decision === 'not-opted-in') return false;
  if (vpc.decision === 'reconciled') {
    const running = vpc.workflow?.started || Boolean(vpc.workflow?.alreadyRunning);
    return Boolean(vpc.reconcile?.changed || running);
  }
  return true;
}

/** The event detail for one VPC's decision. */
export function decisionDetail(outcome: TriggerOutcome, vpc: VpcOutcome, at: Date): TriggerDecisionDetail {
  const workflow = vpc.workflow?.started
    ? vpc.workflow.name
    : vpc.workflow?.alreadyRunning
      ? vpc.workflow.alreadyRunning
      : undefined;
  const ours = vpc.reconcile?.endpoints.filter((e) => e.managed && !isGoneState(e.state));
  return {
    vpcId: vpc.vpcId,
    decision: vpc.decision,
    message: vpc.message,
    rule: outcome.rule,
    triggerEventId: outcome.eventId,
    at: at.toISOString(),
    ...(workflow ? { workflow: { name: workflow } } : {}),
    ...(ours ? { endpoints: endpointCounts(ours.map((e) => e.state)) } : {}),
    ...(vpc.error ? { error: vpc.error } : {}),
  };
}

/**
 * Puts the newsworthy decisions of one trigger run on `eventBusName`, 10 a call. Never throws: a decision
 * that cannot be delivered is logged (the next sweep reports the VPC again), and the trigger's work stands.
 */
export async function publishDecisions(
  events: EventBridgeClient,
  eventBusName: string,
  outcome: TriggerOutcome,
  now: () => Date = () => new Date(),
): Promise<{ published: number; failed: number }> {
  if (outcome.dryRun) return { published: 0, failed: 0 };
  const at = now();
  const entries: PutEventsRequestEntry[] = outcome.vpcs
    .filter((vpc) => isNewsworthy(outcome.rule, vpc))
    .map((vpc) => ({
      Source: ORG_EVENT_SOURCE,
      DetailType: DECISION_DETAIL_TYPE,
      Detail: JSON.stringify(decisionDetail(outcome, vpc, at)),
      EventBusName: eventBusName,
      Resources: [],
    }));
  let published = 0;
  let failed = 0;
  for (let i = 0; i < entries.length; i += PUT_EVENTS_LIMIT) {
    const chunk = entries.slice(i, i + PUT_EVENTS_LIMIT);
    try {
      const out = await events.send(new PutEventsCommand({ Entries: chunk }));
      const rejected = out.FailedEntryCount ?? 0;
      failed += rejected;
      published += chunk.length - rejected;
      if (rejected > 0) {
        const first = out.Entries?.find((e) => e.ErrorCode);
        logger.warn('some trigger decisions were not delivered', {
          eventId: outcome.eventId,
          failed: rejected,
          error: first?.ErrorCode,
          message: first?.ErrorMessage,
        });
      }
    } catch (err) {
      failed += chunk.length;
      logger.warn('could not put the trigger decisions', {
        eventId: outcome.eventId,
        error: errorName(err),
        message: describeError(err),
      });
    }
  }
  return { published, failed };
}
