// The workflow's step services, one per Task state. Each takes the state document and returns the next one;
// the state machine only orchestrates. Clients, config and the state store are injected, so the same code
// runs in Lambda, in the local runner (CLI, tests) against the simulated account, moto or real AWS.
//
// Every step has its own factory taking only the clients and collaborators it uses, so a Lambda entry
// (functions/workflow-*/index.ts) builds one step and its bundle carries only that step's code and SDK
// clients. createWorkflowSteps composes all nine for the local runner and the tests.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { AwsClients } from '../clients';
import type { Config } from '../config';
import { logger, type MetricName } from '../observability';
import type { ReconcileOptions, ReconcileResult } from '../reconciler/types';
import { checkAgentUpdates, startAgentUpdates } from './agent-updates';
import { discoverInstances } from './discovery';
import { endpointView, pollEndpoints } from './endpoints';
import { EndpointsNotConvergedError, RestartDocumentMissingError } from './errors';
import { assertVpcEligible, parseWorkflowInput } from './input';
import {
  chunk,
  decideInstance,
  endpointGeneration,
  type InstanceFacts,
  MAX_BATCH_SIZE,
  resolveConcurrency,
  resolveErrorBudget,
} from './plan';
import {
  type BatchRecord,
  type InstanceRef,
  keys,
  RESTART_RECORD_TTL_SECONDS,
  type RestartRecord,
  restartRecordsToRefresh,
} from './records';
import { pollBatch, startBatch } from './rollout';
import type { RolloutClientName, RolloutDeps } from './rollout-io';
import type { StateStore } from './store';
import { summarize } from './summary';
import type { InstanceResult, SummaryState, WorkflowState } from './types';

export type ReconcileFn = (
  ec2: EC2Client,
  config: Config,
  options: ReconcileOptions,
  reads?: { route53?: Route53Client },
) => Promise<ReconcileResult>;

export interface WorkflowDeps {
  clients: Pick<AwsClients, 'ec2' | 'ecs' | 'ssm' | 'events' | 'route53'>;
  config: Config;
  store: StateStore;
  /** The endpoint reconciler (shared/reconciler reconcileVpc). */
  reconcile: ReconcileFn;
  /** Name of the deployed restart command document (RESTART_DOCUMENT_NAME). */
  documentName?: string;
  /** Name of the deployed Windows restart document (RESTART_WINDOWS_DOCUMENT_NAME); unset skips Windows. */
  windowsDocumentName?: string;
  eventBusName?: string;
  emitMetric?: (name: MetricName, value: number) => void;
  now?: () => Date;
}

/** Task state names, in execution order. Each has a Lambda entry under functions/workflow-<kebab-name>/. */
export const STEP_NAMES = [
  'ValidateInput',
  'EnsureEndpoints',
  'CheckEndpoints',
  'DiscoverInstances',
  'StartAgentUpdates',
  'CheckAgentUpdates',
  'StartBatch',
  'PollBatch',
  'Summarize',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** What ValidateInput receives: the execution input plus context fields the state machine adds. */
export interface ValidateInputEvent {
  input: unknown;
  executionName?: string;
  startTime?: string;
}

export type WorkflowSteps = {
  ValidateInput: (event: ValidateInputEvent) => Promise<WorkflowState>;
  Summarize: (state: WorkflowState) => Promise<SummaryState>;
} & Record<
  Exclude<StepName, 'ValidateInput' | 'Summarize'>,
  (state: WorkflowState) => Promise<WorkflowState>
>;

const SKIPPED_CHUNK = 500;

function refOf(f: InstanceFacts): InstanceRef {
  return { i: f.instanceId, a: f.containerInstanceArn, c: f.clusterArn };
}

/** What one step factory needs: the clients it calls (a subset of AwsClients), config and the clock. */
export interface StepDeps<K extends keyof AwsClients> {
  clients: Pick<AwsClients, K>;
  config: Config;
  now?: () => Date;
}

export type ValidateInputStep = WorkflowSteps['ValidateInput'];
export type StateStep = (state: WorkflowState) => Promise<WorkflowState>;
export type SummarizeStep = WorkflowSteps['Summarize'];

const systemClock = (): Date => new Date();

/** ValidateInput: parse the execution input and check the VPC exists and is opted in (or forced). */
export function validateInputStep(deps: StepDeps<'ec2'>): ValidateInputStep {
  const now = deps.now ?? systemClock;
  const { clients, config } = deps;
  return async (event) => {
    const input = parseWorkflowInput(event?.input);
    await assertVpcEligible(clients.ec2, config, input);
    const name =
      typeof event.executionName === 'string' && event.executionName ? event.executionName : undefined;
    const runId = `run#${name ?? `${input.vpcId}-${now().getTime()}`}`;
    logger.info('remediation input accepted', { vpcId: input.vpcId, runId, restart: input.restart });
    return { input, runId, startedAt: event.startTime ?? now().toISOString() };
  };
}

/** How many reconciler warnings the state carries, and how long each may be (the state payload is bounded). */
export const ENDPOINT_WARNINGS_KEPT = 5;
const ENDPOINT_WARNING_MAX_CHARS = 400;

/** The first ENDPOINT_WARNINGS_KEPT warnings, each cut to ENDPOINT_WARNING_MAX_CHARS, plus a count of the rest. */
export function keptWarnings(warnings: readonly string[]): string[] {
  const kept = warnings
    .slice(0, ENDPOINT_WARNINGS_KEPT)
    .map((w) =>
      w.length > ENDPOINT_WARNING_MAX_CHARS ? `${w.slice(0, ENDPOINT_WARNING_MAX_CHARS - 1)}…` : w,
    );
  const rest = warnings.length - kept.length;
  return rest > 0 ? [...kept, `… and ${rest} more (see the "reconcile plan" log line)`] : kept;
}

/**
 * EnsureEndpoints: run the endpoint reconciler; anything not converged or held back (outside a dry run) fails
 * the step, so no agent is restarted onto an incomplete endpoint set.
 */
export function ensureEndpointsStep(
  deps: StepDeps<'ec2' | 'route53'> & { reconcile: ReconcileFn },
): StateStep {
  const { clients, config } = deps;
  return async (state) => {
    const { vpcId, force, dryRun } = state.input;
    const result = await deps.reconcile(
      clients.ec2,
      config,
      { vpcId, force, dryRun },
      clients.route53 ? { route53: clients.route53 } : {},
    );
    // Endpoints the plan held back leave the set incomplete: agents restarted now could not reach ECS.
    if (!dryRun && result.heldBack?.length) {
      throw new EndpointsNotConvergedError(
        `endpoints not converged: no endpoint for ${result.heldBack.join(', ')}: ${keptWarnings(result.warnings ?? []).join('; ')}`,
        { vpcId },
      );
    }
    if (!dryRun && !result.converged) {
      const errors = result.results.filter((r) => r.status === 'error');
      throw new EndpointsNotConvergedError(
        `endpoints not converged: ${errors.map((r) => `${r.action.kind}${r.action.service ? ` ${r.action.service}` : ''}: ${r.message}`).join('; ')}`,
        { vpcId },
      );
    }
    const plan = dryRun
      ? result.actions
          .filter((a) => a.kind !== 'covered')
          .map((a) => ({ kind: a.kind, reason: a.reason, ...(a.service ? { service: a.service } : {}) }))
      : undefined;
    const list = result.endpoints.map(endpointView);
    const warnings = keptWarnings(result.warnings ?? []);
    return {
      ...state,
      endpoints: {
        changed: result.changed,
        attempts: 0,
        elapsedSeconds: 0,
        waitSeconds: 0,
        ready: false,
        list,
        ...(plan ? { plan } : {}),
        ...(warnings.length ? { warnings } : {}),
      },
    };
  };
}

/** CheckEndpoints: one poll of the endpoints' states, with the next backoff. */
export function checkEndpointsStep(deps: StepDeps<'ec2'>): StateStep {
  const { clients, config } = deps;
  const now = deps.now ?? systemClock;
  return async (state) => {
    const phase = state.endpoints!;
    return {
      ...state,
      endpoints: await pollEndpoints(clients.ec2, config, state.input.vpcId, phase, now),
    };
  };
}

/** DiscoverInstances: find the VPC's container instances, decide each one, store the batches. */
export function discoverInstancesStep(
  deps: StepDeps<'ec2' | 'ecs' | 'ssm'> & {
    store: StateStore;
    documentName?: string | undefined;
    windowsDocumentName?: string | undefined;
  },
): StateStep {
  const { clients, config, store } = deps;
  const now = deps.now ?? systemClock;
  return async (state) => {
    const { vpcId, restart } = state.input;
    const found = await discoverInstances(clients, vpcId);
    const generation = endpointGeneration((state.endpoints?.list ?? []).map((e) => e.id));
    // The durable restart records of these container instances (the ECS attribute is only a hint).
    const records = await store.getMany<RestartRecord>(
      found.facts.map((f) => keys.restarted(vpcId, f.containerInstanceArn)),
    );
    for (const f of found.facts) {
      const record = records.get(keys.restarted(vpcId, f.containerInstanceArn));
      if (record) f.restartedFor = { generation: record.g, at: record.at };
    }
    // Records this run relies on outlive their TTL only if rewritten now and then (not in a dry run).
    const refresh = state.input.dryRun ? [] : restartRecordsToRefresh(records, generation, now());
    if (refresh.length) {
      await store.putMany(refresh, { ttlSeconds: RESTART_RECORD_TTL_SECONDS });
      logger.info('restart records refreshed', { vpcId, refreshed: refresh.length });
    }
    const ctx = {
      mode: restart,
      agentUpdate: config.restart.agentUpdate,
      fallback: config.restart.fallback,
      windowsRestart: Boolean(deps.windowsDocumentName),
      generation,
      ...(state.endpoints?.since ? { endpointsSince: state.endpoints.since } : {}),
    };
    const restartRefs: InstanceRef[] = [];
    const rebootRefs: InstanceRef[] = [];
    const updateRefs: InstanceRef[] = [];
    const skipped: InstanceResult[] = [];
    for (const f of found.facts) {
      const action = decideInstance(f, ctx);
      if (action.kind === 'restart')
        restartRefs.push(action.os === 'windows' ? { ...refOf(f), w: 1 } : refOf(f));
      else if (action.kind === 'reboot')
        rebootRefs.push(f.status === 'DRAINING' ? { ...refOf(f), d: 1 } : refOf(f));
      else if (action.kind === 'update') updateRefs.push(refOf(f));
      else
        skipped.push({
          instanceId: f.instanceId,
          outcome: 'skipped',
          reason: action.reason,
          cluster: f.clusterArn,
        });
    }
    if (restartRefs.some((r) => !r.w) && !deps.documentName) throw new RestartDocumentMissingError();
    const acting = restartRefs.length + rebootRefs.length + updateRefs.length;
    const batchSize = resolveConcurrency(config.restart.maxConcurrency, restartRefs.length || 1);
    const batches: BatchRecord[] = [
      ...chunk(restartRefs, Math.min(batchSize, MAX_BATCH_SIZE)).map((refs) => ({
        kind: 'ssm' as const,
        refs,
      })),
      // The reboot fallback takes one instance at a time.
      ...rebootRefs.map((ref) => ({ kind: 'reboot' as const, refs: [ref] })),
    ];
    const skippedChunks = chunk(skipped, SKIPPED_CHUNK);
    // Agent updates roll in batches of the same size and under the same error budget as the restarts.
    const updateBatchSize = resolveConcurrency(config.restart.maxConcurrency, updateRefs.length || 1);
    const updateChunks = chunk(updateRefs, Math.min(updateBatchSize, MAX_BATCH_SIZE));
    await store.putMany([
      ...skippedChunks.map((c, n) => [keys.skipped(state.runId, n), c] as [string, unknown]),
      ...updateChunks.map((c, n) => [keys.updates(state.runId, n), c] as [string, unknown]),
      ...batches.map((b, k) => [keys.batch(state.runId, k), b] as [string, unknown]),
    ]);
    const maxErrors = resolveErrorBudget(config.restart.maxErrors, acting);
    logger.info('container instances discovered', {
      vpcId,
      scanned: found.scanned,
      inVpc: found.facts.length,
      restart: restartRefs.length,
      reboot: rebootRefs.length,
      update: updateRefs.length,
      skipped: skipped.length,
      batches: batches.length,
      maxErrors,
    });
    return {
      ...state,
      fleet: {
        scanned: found.scanned,
        inVpc: found.facts.length,
        toRestart: restartRefs.length,
        toReboot: rebootRefs.length,
        toUpdate: updateRefs.length,
        skipped: skipped.length,
        skippedChunks: skippedChunks.length,
        ssmStatus: found.ssmStatus,
        generation,
      },
      updates: {
        chunks: updateChunks.length,
        batchIndex: 0,
        pending: updateRefs.length,
        queued: updateRefs.length - (updateChunks[0]?.length ?? 0),
        attempts: 0,
        elapsedSeconds: 0,
        waitSeconds: 0,
        done: updateRefs.length === 0,
      },
      rollout: {
        batchIndex: 0,
        batchCount: batches.length,
        batchSize,
        maxErrors,
        phase: 'idle',
        attempts: 0,
        elapsedSeconds: 0,
        waitSeconds: 0,
        restarted: 0,
        failed: 0,
        stopped: false,
        more: batches.length > 0,
      },
    };
  };
}

/** What a rollout step factory takes: its clients, config, the state store and the restart document. */
export type RolloutStepDeps<K extends RolloutClientName> = StepDeps<K> & {
  store: StateStore;
  /** Name of the deployed restart command document; StartBatch fails without it when it has to restart. */
  documentName?: string | undefined;
  /** Name of the deployed Windows restart document; StartBatch fails without it when it has to use it. */
  windowsDocumentName?: string | undefined;
};

function rolloutDeps<K extends RolloutClientName>(deps: RolloutStepDeps<K>): RolloutDeps<K> {
  return {
    clients: deps.clients,
    config: deps.config,
    store: deps.store,
    now: deps.now ?? systemClock,
    ...(deps.documentName ? { documentName: deps.documentName } : {}),
    ...(deps.windowsDocumentName ? { windowsDocumentName: deps.windowsDocumentName } : {}),
  };
}

/** StartAgentUpdates: UpdateContainerAgent for the instances whose agent is too old. */
export function startAgentUpdatesStep(deps: RolloutStepDeps<'ecs'>): StateStep {
  const rollout = rolloutDeps(deps);
  return (state) => startAgentUpdates(rollout, state);
}

/** CheckAgentUpdates: one poll of the agent updates started. */
export function checkAgentUpdatesStep(deps: RolloutStepDeps<'ecs'>): StateStep {
  const rollout = rolloutDeps(deps);
  return (state) => checkAgentUpdates(rollout, state);
}

/** StartBatch: drain the next batch and send the restart command. */
export function startBatchStep(deps: RolloutStepDeps<'ecs' | 'ssm'>): StateStep {
  const rollout = rolloutDeps(deps);
  return (state) => startBatch(rollout, state);
}

/** PollBatch: follow the batch's commands, reboots and reconnects one poll further. */
export function pollBatchStep(deps: RolloutStepDeps<RolloutClientName>): StateStep {
  const rollout = rolloutDeps(deps);
  return (state) => pollBatch(rollout, state);
}

/** Summarize: collect the per-instance results, publish the completion event and the metrics. */
export function summarizeStep(deps: {
  clients: Pick<AwsClients, 'events'>;
  store: StateStore;
  eventBusName?: string;
  emitMetric?: (name: MetricName, value: number) => void;
}): SummarizeStep {
  const summaryDeps = {
    events: deps.clients.events,
    store: deps.store,
    eventBusName: deps.eventBusName ?? 'default',
    emitMetric: deps.emitMetric ?? (() => undefined),
  };
  return (state) => summarize(summaryDeps, state);
}

/** Every step from one set of dependencies: the composition the local runner, the CLI and the tests use. */
export function createWorkflowSteps(deps: WorkflowDeps): WorkflowSteps {
  const { clients, config, store } = deps;
  const common = {
    config,
    ...(deps.now ? { now: deps.now } : {}),
  };
  const rollout = {
    ...common,
    clients,
    store,
    ...(deps.documentName ? { documentName: deps.documentName } : {}),
    ...(deps.windowsDocumentName ? { windowsDocumentName: deps.windowsDocumentName } : {}),
  };
  return {
    ValidateInput: validateInputStep({ ...common, clients }),
    EnsureEndpoints: ensureEndpointsStep({ ...common, clients, reconcile: deps.reconcile }),
    CheckEndpoints: checkEndpointsStep({ ...common, clients }),
    DiscoverInstances: discoverInstancesStep(rollout),
    StartAgentUpdates: startAgentUpdatesStep(rollout),
    CheckAgentUpdates: checkAgentUpdatesStep(rollout),
    StartBatch: startBatchStep(rollout),
    PollBatch: pollBatchStep(rollout),
    Summarize: summarizeStep({
      clients,
      store,
      ...(deps.eventBusName ? { eventBusName: deps.eventBusName } : {}),
      ...(deps.emitMetric ? { emitMetric: deps.emitMetric } : {}),
    }),
  };
}
