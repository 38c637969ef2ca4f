// Contracts of the endpoint reconciler. Triggers, the workflow and the CLI depend on these shapes.

export type EndpointType = 'Interface' | 'Gateway';

/** One endpoint in the VPC, whoever made it. */
export interface EndpointSummary {
  id: string;
  /** Short service name: "ecr.api", "s3", ... */
  service: string;
  type: EndpointType;
  /** pendingAcceptance | pending | available | deleting | deleted | rejected | failed | expired */
  state: string;
  /** True when it carries our managed tag (we created it). */
  managed: boolean;
  subnetIds: string[];
  routeTableIds: string[];
  lastError?: string;
}

export type ActionKind =
  | 'enable-dns-support'
  | 'enable-dns-hostnames'
  | 'create-security-group'
  | 'authorize-security-group-ingress'
  | 'create-interface-endpoint'
  | 'add-endpoint-subnets'
  | 'create-gateway-endpoint'
  | 'add-gateway-route-tables'
  | 'covered';

/** One step of a plan. `covered` is informational and never writes. */
export interface PlannedAction {
  kind: ActionKind;
  vpcId: string;
  /** Short service name, for endpoint actions. */
  service?: string;
  /** The resources this action touches or creates in: subnet, route table, endpoint or group IDs. */
  resourceIds: string[];
  /** Why the action exists, in one sentence a user can read. */
  reason: string;
  /** Existing endpoint or security group the action modifies, when there is one. */
  targetId?: string;
  /** CIDRs for security group ingress. */
  cidrs?: string[];
}

export type ActionStatus = 'ok' | 'skip' | 'error';

export interface ActionResult {
  action: PlannedAction;
  status: ActionStatus;
  /** The resource created or modified, when known. */
  resourceId?: string;
  /** Human-readable outcome: "created vpce-…", "already present", the error message. */
  message: string;
  /** Error name (AWS error code or project error name) when status is error. */
  errorName?: string;
}

export interface ReconcileOptions {
  vpcId: string;
  /** Act on a VPC without the opt-in tag. */
  force?: boolean;
  /** Plan only: no writes. */
  dryRun?: boolean;
}

export interface ReconcileResult {
  vpcId: string;
  optedIn: boolean;
  dryRun: boolean;
  /** The plan, in the order it was (or would be) applied. */
  actions: PlannedAction[];
  /** One result per applied action; empty for a dry run. */
  results: ActionResult[];
  /** True when nothing needed writing, or every write succeeded. */
  converged: boolean;
  /** True when at least one write succeeded (endpoints created or changed). */
  changed: boolean;
  /** Every endpoint in the VPC after the run. */
  endpoints: EndpointSummary[];
  /** Monthly USD cost of the interface endpoint AZs this run adds (730 h per month). */
  addedMonthlyCostUsd: number;
}
