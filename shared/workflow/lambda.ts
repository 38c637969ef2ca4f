// Lambda wiring for the workflow's step functions: clients, config and the state store are made once per
// container, outside the handler; each functions/workflow-*/index.ts exports `lambdaStep(<state name>)`.
import { createAwsClients } from '../clients';
import { configFromEnv } from '../config';
import { ConfigError } from '../errors';
import { countMetric, logger, metrics } from '../observability';
import { reconcileVpc } from '../reconciler';
import { RESTART_DOCUMENT_NAME_ENV } from './document';
import { createWorkflowSteps, type StepName, type WorkflowSteps } from './steps';
import { DynamoStateStore, STATE_TABLE_ENV } from './store';

let steps: WorkflowSteps | undefined;

function stepsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkflowSteps {
  if (steps) return steps;
  const table = env[STATE_TABLE_ENV];
  if (!table) throw new ConfigError(`${STATE_TABLE_ENV} is not set`, { field: STATE_TABLE_ENV });
  const clients = createAwsClients();
  const documentName = env[RESTART_DOCUMENT_NAME_ENV];
  steps = createWorkflowSteps({
    clients,
    config: configFromEnv(env),
    store: new DynamoStateStore(clients.dynamodb, table),
    reconcile: reconcileVpc,
    ...(documentName ? { documentName } : {}),
    eventBusName: env.EVENT_BUS_NAME ?? 'default',
    emitMetric: countMetric,
  });
  return steps;
}

/** The Lambda handler of one Task state. Errors keep their names, which the state machine's Retry/Catch use. */
export function lambdaStep(step: StepName): (event: unknown) => Promise<unknown> {
  return async (event: unknown) => {
    const run = stepsFromEnv()[step] as (input: unknown) => Promise<unknown>;
    const state = event as { runId?: string; input?: { vpcId?: string }; executionName?: string };
    logger.appendKeys({
      step,
      runId: state?.runId ?? state?.executionName,
      vpcId: state?.input?.vpcId,
    });
    try {
      return await run(event);
    } catch (err) {
      logger.error('workflow step failed', { error: err as Error });
      throw err;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
