// Task state Summarize of the remediation workflow: collect results, publish the completion event (EventBridge; DynamoDB for the state table).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import { createDynamoDbClient, createEventBridgeClient } from '../../shared/clients';
import { countMetric } from '../../shared/observability';
import { lambdaStep, stateStoreFromEnv } from '../../shared/workflow/lambda';
import { summarizeStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('Summarize', (env) =>
  summarizeStep({
    clients: { events: createEventBridgeClient() },
    store: stateStoreFromEnv(createDynamoDbClient()),
    eventBusName: env.eventBusName,
    emitMetric: countMetric,
  }),
);
