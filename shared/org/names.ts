// What the hub stack, the member stack and the CLI must agree on across accounts: fixed names (a member cannot
// read the hub's outputs, and the CLI assumes a role it did not create) and the shape of one roll-up row.

/** The hub's central event bus, in the hub account and region. */
export const HUB_BUS_NAME = 'privatelink-ecs-organization';

/** IAM role names are account-wide, and the member stack is deployed once per region: the name carries it. */
export const PLANNER_ROLE_PREFIX = 'privatelink-ecs-planner';
export function plannerRoleName(region: string): string {
  return `${PLANNER_ROLE_PREFIX}-${region}`;
}

/**
 * The state of one opted-in VPC as the hub last heard it:
 * - `converged`: the last run succeeded, every endpoint available and no agent failed;
 * - `degraded`: the endpoints are in place but some agents failed to restart;
 * - `failed`: the last run failed;
 * - `pending`: a trigger started work and no run has completed since;
 * - `removed`: the VPC was opted out and torn down, or no longer exists.
 */
export const ROLLUP_STATES = ['converged', 'degraded', 'failed', 'pending', 'removed'] as const;
export type RollupState = (typeof ROLLUP_STATES)[number];

export interface RollupRow {
  accountId: string;
  region: string;
  vpcId: string;
  state: RollupState;
  endpoints: { total: number; available: number; pending: number; failed: number };
  agents: { restarted: number; failed: number; skipped: number };
  /** The last completed run (from the "PrivateLink ECS Remediation Completed" event). */
  lastRun?: {
    runId: string;
    outcome: 'succeeded' | 'failed';
    at: string;
    consoleUrl?: string;
    error?: string;
  };
  /** The last trigger decision forwarded by the member. */
  lastDecision?: { decision: string; at: string; message?: string };
  /** Time of the newest event applied (ISO 8601); an older event never overwrites a newer one. */
  updatedAt: string;
  /** DynamoDB TTL (epoch seconds): a row nobody has reported on for this long is stale and expires. */
  expiresAt: number;
}

export interface RollupFilter {
  accountId?: string;
  region?: string;
  state?: RollupState;
}

/** The hub stack's name (infra/app.ts deploys it instead of the member stack when `organization` is set). */
export const HUB_STACK_NAME = 'PrivateLinkEcsHub';

/** Output keys of the hub stack the CLI reads (`status` finds the roll-up table by its output). */
export const HUB_OUTPUTS = {
  rollupTableName: 'RollupTableName',
  busArn: 'OrganizationBusArn',
  topicArn: 'OrganizationAlarmTopicArn',
  dashboardName: 'OrganizationDashboardName',
} as const;
