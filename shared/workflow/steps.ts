// The workflow's step services, one per Task state. Each takes the state document and returns the next one;
// the state machine only orchestrates. Clients, config and the state store are injected, so the same code
// runs in Lambda, in the local runner (CLI, tests) against the simulated account, moto or real AWS.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../config';
import { logger, type MetricName } from '../observability';
import type { ReconcileOptions, ReconcileResult } from '../reconciler/types';
import { discoverInstances } from './discovery';
import { pollEndpoints } from './endpoints';
import { EndpointsNotConvergedError, RestartDocumentMissingError } from './errors';
import { assertVpcEligible, parseWorkflowInput } from './input';
import {
  chunk,
  decideInstance,
  type InstanceFacts,
  MAX_BATCH_SIZE,
  resolveConcurrency,
  resolveErrorBudget,
} from './plan';
import { type BatchRecord, type InstanceRef, keys } from './records';
import { checkAgentUpdates, pollBatch, type RolloutDeps, startAgentUpdates, startBatch } from './rollout';
import type { StateStore } from './store';
import { summarize } from './summary';
import type { InstanceResult, SummaryState, WorkflowState } from './types';

export type ReconcileFn = (
  ec2: EC2Client,
  config: Config,
  options: ReconcileOptions,
) => Promise<ReconcileResult>;

export interface WorkflowDeps {
  clients: { ec2: EC2Client; ecs: ECSClient; ssm: SSMClient; events: EventBridgeClient };
  config: Config;
  store: StateStore;
  /** The endpoint reconciler (shared/reconciler reconcileVpc). */
  reconcile: ReconcileFn;
  /** Name of the deployed restart command document (RESTART_DOCUMENT_NAME). */
  documentName?: string;
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

export function createWorkflowSteps(deps: WorkflowDeps): WorkflowSteps {
  const now = deps.now ?? (() => new Date());
  const { config, store, clients } = deps;
  const rolloutDeps: RolloutDeps = {
    clients: { ec2: clients.ec2, ecs: clients.ecs, ssm: clients.ssm },
    config,
    store,
    now,
    ...(deps.documentName ? { documentName: deps.documentName } : {}),
  };

  return {
    async ValidateInput(event) {
      const input = parseWorkflowInput(event?.input);
      await assertVpcEligible(clients.ec2, config, input);
      const name =
        typeof event.executionName === 'string' && event.executionName ? event.executionName : undefined;
      const runId = `run#${name ?? `${input.vpcId}-${now().getTime()}`}`;
      logger.info('remediation input accepted', { vpcId: input.vpcId, runId, restart: input.restart });
      return { input, runId, startedAt: event.startTime ?? now().toISOString() };
    },

    async EnsureEndpoints(state) {
      const { vpcId, force, dryRun } = state.input;
      const result = await deps.reconcile(clients.ec2, config, { vpcId, force, dryRun });
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
      const list = result.endpoints.map((e) => ({
        id: e.id,
        service: e.service,
        state: e.state,
        managed: e.managed,
      }));
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
        },
      };
    },

    async CheckEndpoints(state) {
      const phase = state.endpoints!;
      return { ...state, endpoints: await pollEndpoints(clients.ec2, config, state.input.vpcId, phase) };
    },

    async DiscoverInstances(state) {
      const { vpcId, restart } = state.input;
      const found = await discoverInstances(clients, vpcId);
      const ctx = {
        mode: restart,
        agentUpdate: config.restart.agentUpdate,
        fallback: config.restart.fallback,
        ...(state.endpoints?.since ? { endpointsSince: state.endpoints.since } : {}),
      };
      const restartRefs: InstanceRef[] = [];
      const rebootRefs: InstanceRef[] = [];
      const updateRefs: InstanceRef[] = [];
      const skipped: InstanceResult[] = [];
      for (const f of found.facts) {
        const action = decideInstance(f, ctx);
        if (action.kind === 'restart') restartRefs.push(refOf(f));
        else if (action.kind === 'reboot') rebootRefs.push(refOf(f));
        else if (action.kind === 'update') updateRefs.push(refOf(f));
        else
          skipped.push({
            instanceId: f.instanceId,
            outcome: 'skipped',
            reason: action.reason,
            cluster: f.clusterArn,
          });
      }
      if (restartRefs.length > 0 && !deps.documentName) throw new RestartDocumentMissingError();
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
      const updateChunks = chunk(updateRefs, MAX_BATCH_SIZE);
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
        },
        updates: {
          chunks: updateChunks.length,
          pending: updateRefs.length,
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
    },

    StartAgentUpdates: (state) => startAgentUpdates(rolloutDeps, state),
    CheckAgentUpdates: (state) => checkAgentUpdates(rolloutDeps, state),
    StartBatch: (state) => startBatch(rolloutDeps, state),
    PollBatch: (state) => pollBatch(rolloutDeps, state),

    Summarize: (state) =>
      summarize(
        {
          events: clients.events,
          store,
          eventBusName: deps.eventBusName ?? 'default',
          emitMetric: deps.emitMetric ?? (() => undefined),
        },
        state,
      ),
  };
}
