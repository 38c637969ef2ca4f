// The trigger Lambda shape, shared by functions/trigger-*/ and functions/sweep/: validate (drop malformed
// events, never throw for them), then run the trigger service once per event id (Powertools idempotency)
// under the per-VPC lock. Clients, config and environment are injected; the entry files build them once.
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { ENV } from '../env';
import { ConfigError } from '../errors';
import { countMetric, logger, MetricName, metrics } from '../observability';
import { DynamoStateStore } from '../workflow/store';
import { DynamoDbVpcLock, type VpcLockOptions } from './lock';
import type { TriggerRuleId } from './patterns';
import { classifyEvent, type EventEnvelope, type TriggerIntent } from './schemas';
import { handleTriggerEvent, type TriggerDeps, type TriggerOutcome, type VpcDecision } from './trigger';

export interface TriggerHandlerDeps extends Omit<TriggerDeps, 'lock' | 'dryRun' | 'restarts'> {
  dynamodb: DynamoDBClient;
  /** The idempotency table; also holds the per-VPC lock items. */
  tableName: string;
  stateMachineArn: string;
  lockOptions?: Omit<VpcLockOptions, 'tableName'>;
}

/** What the Lambda returns (and Powertools stores as the idempotent result): small and JSON-safe. */
export interface TriggerSummary {
  status: 'processed' | 'dropped';
  eventId?: string;
  rule?: TriggerRuleId | 'sweep';
  reason?: string;
  notes: string[];
  vpcs: Array<{
    vpcId: string;
    decision: VpcDecision;
    message: string;
    workflow?: {
      name: string;
      started: boolean;
      duplicate: boolean;
      /** The execution already running for the VPC, when this event started nothing because of it. */
      alreadyRunning?: string;
      /** The running execution this one superseded (stopped) because the endpoints changed. */
      superseded?: string;
      /** Why the superseded execution could not be stopped. */
      stopFailed?: string;
      reasons: string[];
    };
  }>;
}

export function summarize(outcome: TriggerOutcome): TriggerSummary {
  return {
    status: 'processed',
    eventId: outcome.eventId,
    rule: outcome.rule,
    notes: outcome.notes,
    vpcs: outcome.vpcs.map((v) => ({
      vpcId: v.vpcId,
      decision: v.decision,
      message: v.message,
      ...(v.workflow
        ? {
            workflow: {
              name: v.workflow.name,
              started: v.workflow.started,
              duplicate: v.workflow.duplicate,
              ...(v.workflow.alreadyRunning ? { alreadyRunning: v.workflow.alreadyRunning } : {}),
              ...(v.workflow.superseded ? { superseded: v.workflow.superseded } : {}),
              ...(v.workflow.stopFailed ? { stopFailed: v.workflow.stopFailed } : {}),
              reasons: v.workflow.reasons,
            },
          }
        : {}),
    })),
  };
}

export type TriggerHandler = (event: unknown, context?: Context) => Promise<TriggerSummary>;

function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/**
 * Builds a trigger Lambda handler serving `rules`. A malformed or unknown event, or one for a rule another
 * function serves, is logged with the reason, counted as EventsDropped and returned normally (a thrown
 * event would be retried for a day). Processing errors are thrown so the platform retries.
 */
export function createTriggerHandler(
  deps: TriggerHandlerDeps,
  rules: ReadonlyArray<TriggerRuleId | 'sweep'>,
): TriggerHandler {
  const lock = new DynamoDbVpcLock(deps.dynamodb, { tableName: deps.tableName, ...deps.lockOptions });
  const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: deps.tableName,
    awsSdkV3Client: deps.dynamodb,
  });
  // The workflow's durable restart records live in the same table (keys.restarted): read-only here.
  const restarts = new DynamoStateStore(deps.dynamodb, deps.tableName);
  const serviceDeps: TriggerDeps = { ...deps, lock, restarts };

  const process = makeIdempotent(
    async (event: EventEnvelope, classified: { rule: TriggerRuleId | 'sweep'; intent: TriggerIntent }) =>
      summarize(await handleTriggerEvent({ event, ...classified }, serviceDeps)),
    { persistenceStore, config: idempotencyConfig },
  );

  return async (raw, context) => {
    if (context) {
      logger.addContext(context);
      idempotencyConfig.registerLambdaContext(context);
    }
    try {
      const classified = classifyEvent(raw, deps.config);
      const dropReason = !classified.ok
        ? classified.reason
        : !rules.includes(classified.rule)
          ? `rule ${classified.rule} is not served by this function (it serves ${rules.join(', ')})`
          : undefined;
      if (!classified.ok || dropReason) {
        const eventId = classified.ok ? classified.event.id : classified.eventId;
        logger.warn('event dropped', { reason: dropReason, eventId, rule: classified.rule });
        countMetric(MetricName.EventsDropped);
        return { status: 'dropped', reason: dropReason, eventId, notes: [], vpcs: [] };
      }
      logger.setCorrelationId(classified.event.id);
      logger.info('event accepted', { eventId: classified.event.id, rule: classified.rule });
      return await process(classified.event, { rule: classified.rule, intent: classified.intent });
    } finally {
      flushMetrics();
      logger.setCorrelationId(undefined);
    }
  };
}

export interface TriggerEnvironment {
  stateMachineArn: string;
  tableName: string;
}

/** Lambda start-up: the two variables every trigger needs. A missing one fails the cold start loudly. */
export function triggerEnvironment(env: NodeJS.ProcessEnv = process.env): TriggerEnvironment {
  const stateMachineArn = env[ENV.stateMachineArn];
  const tableName = env[ENV.idempotencyTable];
  if (!stateMachineArn)
    throw new ConfigError(`${ENV.stateMachineArn} is not set`, { field: ENV.stateMachineArn });
  if (!tableName)
    throw new ConfigError(`${ENV.idempotencyTable} is not set`, { field: ENV.idempotencyTable });
  return { stateMachineArn, tableName };
}
