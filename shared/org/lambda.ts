// The hub's roll-up function: every event a member forwards to the hub bus becomes (part of) a roll-up row.
// A malformed event is logged and dropped (a retried event would fail the same way); a DynamoDB error is
// thrown so EventBridge's async invocation retries it, then the on-failure destination keeps it.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../clients';
import { configFromEnv } from '../config';
import { ENV } from '../env';
import { ConfigError, describeError, InvalidInputError } from '../errors';
import { countMetric, logger, MetricName, metrics } from '../observability';
import { type ApplyOutcome, applyRollupEvent, rollupEventFromBus, staleAfterSeconds } from './rollup';

export interface RollupHandlerDeps {
  dynamodb: DynamoDBClient;
  tableName: string;
  staleAfterSeconds: number;
  now?: () => Date;
}

export type RollupResult =
  | { status: ApplyOutcome; accountId: string; region: string; vpcId: string }
  | { status: 'dropped'; reason: string };

export function createRollupHandler(deps: RollupHandlerDeps): (raw: unknown) => Promise<RollupResult> {
  return async (raw) => {
    try {
      let event: ReturnType<typeof rollupEventFromBus>;
      try {
        event = rollupEventFromBus(raw);
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        logger.warn('hub event dropped', { reason: describeError(err), field: err.context.field });
        countMetric(MetricName.EventsDropped);
        return { status: 'dropped', reason: describeError(err) };
      }
      const { accountId, region, vpcId, eventId } = event.record;
      logger.setCorrelationId(eventId);
      const status = await applyRollupEvent(deps.dynamodb, deps.tableName, event, deps.now?.(), {
        staleAfterSeconds: deps.staleAfterSeconds,
      });
      countMetric(status === 'applied' ? MetricName.RollupEventsApplied : MetricName.RollupEventsIgnored);
      const failed =
        event.kind === 'run' ? event.record.outcome === 'failed' : event.record.decision === 'failed';
      if (status === 'applied' && failed) countMetric(MetricName.MemberFailures);
      logger.info('roll-up event handled', { accountId, region, vpcId, kind: event.kind, status, failed });
      return { status, accountId, region, vpcId };
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.setCorrelationId(undefined);
    }
  };
}

/** Lambda start-up: the table from ROLLUP_TABLE_NAME, the staleness horizon from the config's sweep. */
export function rollupLambda(env: NodeJS.ProcessEnv = process.env): (raw: unknown) => Promise<RollupResult> {
  const tableName = env[ENV.rollupTable];
  if (!tableName) throw new ConfigError(`${ENV.rollupTable} is not set`, { field: ENV.rollupTable });
  return createRollupHandler({
    dynamodb: createDynamoDbClient(),
    tableName,
    staleAfterSeconds: staleAfterSeconds(configFromEnv(env)),
  });
}
