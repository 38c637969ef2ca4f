// Task state CheckAgentUpdates of the remediation workflow: poll the agent updates (ECS; DynamoDB for the state table).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import { createDynamoDbClient, createEcsClient } from '../../shared/clients';
import { lambdaStep, stateStoreFromEnv } from '../../shared/workflow/lambda';
import { checkAgentUpdatesStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('CheckAgentUpdates', (env) =>
  checkAgentUpdatesStep({
    clients: { ecs: createEcsClient() },
    config: env.config,
    store: stateStoreFromEnv(createDynamoDbClient()),
  }),
);
