// Lambda wiring for the workflow's step functions. Each functions/workflow-*/index.ts exports
// `lambdaStep(<state name>, build)`, where `build` makes that one step with only the SDK clients it calls
// (shared/clients.ts factories) and the step factory from ./steps. Nothing here imports a client or a step,
// so a step's bundle carries no other step's code. `build` runs once per container, on the first invocation.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Config, configFromEnv } from '../config';
import { ENV } from '../env';
import { ConfigError } from '../errors';
import { logger, metrics } from '../observability';
import type { StepName } from './steps';
import { DynamoStateStore, type StateStore } from './store';

/** What the stack passes to every workflow function, read once per container. */
export interface StepEnvironment {
  /** PRIVATELINK_ECS_CONFIG, validated. */
  config: Config;
  /** RESTART_DOCUMENT_NAME: the deployed restart command document, when restarts are enabled. */
  documentName: string | undefined;
  /** RESTART_WINDOWS_DOCUMENT_NAME: the Windows (PowerShell) restart document; unset skips Windows instances. */
  windowsDocumentName: string | undefined;
  /** EVENT_BUS_NAME for the completion event; `default` unless set. */
  eventBusName: string;
}

export function stepEnvironment(env: NodeJS.ProcessEnv = process.env): StepEnvironment {
  return {
    config: configFromEnv(env),
    documentName: env[ENV.restartDocumentName] || undefined,
    windowsDocumentName: env[ENV.restartWindowsDocumentName] || undefined,
    eventBusName: env[ENV.eventBusName] || 'default',
  };
}

/**
 * The workflow state table (STATE_TABLE_NAME) over `dynamodb`, for the steps that keep records; a ConfigError
 * names the variable when it is unset. A separate function, so the steps without records bundle no DynamoDB.
 */
export function stateStoreFromEnv(
  dynamodb: DynamoDBClient,
  env: NodeJS.ProcessEnv = process.env,
): StateStore {
  const table = env[ENV.stateTable];
  if (!table) throw new ConfigError(`${ENV.stateTable} is not set`, { field: ENV.stateTable });
  return new DynamoStateStore(dynamodb, table);
}

/** A built step: the state document in, the next one out. */
export type StepHandler<I> = (input: I) => Promise<unknown>;

/**
 * The Lambda handler of one Task state. `build` makes the step from the environment on the first invocation
 * (a configuration error fails that invocation and the next one tries again). Errors keep their names, which
 * the state machine's Retry/Catch use.
 */
export function lambdaStep<I>(
  step: StepName,
  build: (env: StepEnvironment) => StepHandler<I>,
  env: NodeJS.ProcessEnv = process.env,
): (event: unknown) => Promise<unknown> {
  let run: StepHandler<I> | undefined;
  return async (event: unknown) => {
    run ??= build(stepEnvironment(env));
    const state = event as { runId?: string; input?: { vpcId?: string }; executionName?: string };
    logger.appendKeys({
      step,
      runId: state?.runId ?? state?.executionName,
      vpcId: state?.input?.vpcId,
    });
    try {
      return await run(event as I);
    } catch (err) {
      logger.error('workflow step failed', { error: err as Error });
      throw err;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
