// Shapes that flow between the workflow's states. The payload stays small whatever the fleet size: lists of
// instances live in the state table (see store.ts) and states pass counters and batch indexes only.
import type { VpcId } from '../ids';

export type RestartMode = 'auto' | 'all' | 'none';

export interface WorkflowTrigger {
  eventId: string;
  kind: string;
}

/** The validated execution input. */
export interface WorkflowInput {
  vpcId: VpcId;
  force: boolean;
  dryRun: boolean;
  restart: RestartMode;
  trigger?: WorkflowTrigger;
}

/** Error and cause of a caught failure, as Step Functions puts them at a Catch's ResultPath. */
export interface CaughtFailure {
  Error: string;
  Cause: string;
}

export interface EndpointView {
  id: string;
  service: string;
  state: string;
  managed: boolean;
  lastError?: string;
}

export interface PlannedStep {
  kind: string;
  service?: string;
  reason: string;
}

export interface EndpointPhase {
  /** The reconciler created or changed something in this run. */
  changed: boolean;
  /** Dry run: what the reconciler would do. */
  plan?: PlannedStep[];
  attempts: number;
  /** Sum of the scheduled waits so far; the bounded wait compares this with endpointWait.timeoutSeconds. */
  elapsedSeconds: number;
  waitSeconds: number;
  ready: boolean;
  /**
   * When the endpoint set became available: the poll that saw it so, if this run waited for it; otherwise the
   * newest creation time among the endpoints (see pollEndpoints).
   */
  since?: string;
  list: EndpointView[];
  /**
   * What the reconciler could not do and why (e.g. a foreign group holds our security group's name, a route
   * table already has someone's S3 route): at most ENDPOINT_WARNINGS_KEPT, each shortened. The summary lists them.
   */
  warnings?: string[];
}

export interface FleetPhase {
  /** Container instances seen in any cluster. */
  scanned: number;
  /** Of those, the ones whose EC2 instance is in this VPC. */
  inVpc: number;
  toRestart: number;
  toReboot: number;
  toUpdate: number;
  skipped: number;
  skippedChunks: number;
  /** SSM status source: `ok`, or why it could not be read (the restart then relies on the command result). */
  ssmStatus: string;
  /** The endpoint generation the restarts of this run are recorded for (endpointGeneration). */
  generation?: string;
}

export interface UpdatePhase {
  /** Number of update batches (records of restart.maxConcurrency instances) in the state store. */
  chunks: number;
  /** The batch being updated; the next starts only when it is finished and the error budget allows. */
  batchIndex?: number;
  /** Agent updates not finished yet, this batch's and the later batches'. */
  pending: number;
  /** Agent updates in batches not started yet. */
  queued?: number;
  attempts: number;
  elapsedSeconds: number;
  waitSeconds: number;
  done: boolean;
}

export type BatchPhase = 'idle' | 'running';

export interface RolloutPhase {
  batchIndex: number;
  batchCount: number;
  batchSize: number;
  maxErrors: number;
  phase: BatchPhase;
  attempts: number;
  elapsedSeconds: number;
  waitSeconds: number;
  restarted: number;
  failed: number;
  stopped: boolean;
  /** More batches remain and the error budget allows them. */
  more: boolean;
}

/** The document every state after ValidateInput receives and returns. */
export interface WorkflowState {
  input: WorkflowInput;
  runId: string;
  startedAt: string;
  endpoints?: EndpointPhase;
  fleet?: FleetPhase;
  updates?: UpdatePhase;
  rollout?: RolloutPhase;
  failure?: CaughtFailure;
}

export type InstanceOutcome = 'restarted' | 'skipped' | 'failed';

export interface InstanceResult {
  instanceId: string;
  outcome: InstanceOutcome;
  reason: string;
  cluster?: string;
}

export interface RemediationSummary {
  vpcId: string;
  runId: string;
  dryRun: boolean;
  restart: RestartMode;
  outcome: 'succeeded' | 'failed';
  error?: string;
  cause?: string;
  endpoints: Array<{ id: string; service: string; state: string }>;
  plan?: PlannedStep[];
  counts: { restarted: number; skipped: number; failed: number };
  restarted: InstanceResult[];
  skipped: InstanceResult[];
  failed: InstanceResult[];
  /** How many entries each list left out to keep the summary small; the full record is in the state table. */
  omitted: { restarted: number; skipped: number; failed: number };
  notes: string[];
  trigger?: WorkflowTrigger;
}

/** What the last state hands to the Succeed/Fail states. */
export interface SummaryState {
  summary: RemediationSummary;
  outcome: { failed: boolean; error: string; cause: string };
}
