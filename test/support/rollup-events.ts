// Hub-bus events as a member forwards them (EventBridge keeps the member's account and region), for the
// roll-up tests.
import { DECISION_DETAIL_TYPE, type TriggerDecisionDetail } from '../../shared/org/events';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../../shared/workflow/summary';
import type { RemediationSummary } from '../../shared/workflow/types';

export const MEMBER = { account: '111122223333', region: 'eu-west-1' };
export const VPC = 'vpc-0123456789abcdef0';

interface Envelope {
  id: string;
  time: string;
  account?: string;
  region?: string;
  resources?: string[];
}

function envelope(e: Envelope, detailType: string, detail: object) {
  return {
    version: '0',
    id: e.id,
    'detail-type': detailType,
    source: EVENT_SOURCE,
    account: e.account ?? MEMBER.account,
    time: e.time,
    region: e.region ?? MEMBER.region,
    resources: e.resources ?? [],
    detail,
  };
}

/** A "Remediation Completed" event; by default a succeeded run with five available endpoints. */
export function completedEvent(e: Envelope, summary: Partial<RemediationSummary> = {}) {
  const detail: RemediationSummary = {
    vpcId: VPC,
    runId: `run#${VPC}-${e.id}`,
    dryRun: false,
    restart: 'auto',
    outcome: 'succeeded',
    endpoints: ['ecr.api', 'ecr.dkr', 'ecs-agent', 'ecs-telemetry', 'ecs'].map((service, n) => ({
      id: `vpce-0000000000000000${n}`,
      service,
      state: 'available',
    })),
    counts: { restarted: 3, skipped: 1, failed: 0 },
    restarted: [],
    skipped: [],
    failed: [],
    omitted: { restarted: 0, skipped: 0, failed: 0 },
    notes: [],
    ...summary,
  };
  return envelope(e, COMPLETED_DETAIL_TYPE, detail);
}

/** A "Trigger Decision" event; by default the sweep found the VPC converged (no workflow). */
export function decisionEvent(e: Envelope, detail: Partial<TriggerDecisionDetail> = {}) {
  const full: TriggerDecisionDetail = {
    vpcId: VPC,
    decision: 'reconciled',
    message: `VPC ${VPC} was already converged`,
    rule: 'sweep',
    triggerEventId: `trigger-${e.id}`,
    at: e.time,
    endpoints: { total: 5, available: 5, pending: 0, failed: 0 },
    ...detail,
  };
  return envelope(e, DECISION_DETAIL_TYPE, full);
}
