// Task state StartAgentUpdates of the remediation workflow: UpdateContainerAgent for old agents (ECS; DynamoDB for the state table).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import { createDynamoDbClient, createEcsClient } from '../../shared/clients';
import { lambdaStep, stateStoreFromEnv } from '../../shared/workflow/lambda';
import { startAgentUpdatesStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('StartAgentUpdates', (env) =>
  startAgentUpdatesStep({
    clients: { ecs: createEcsClient() },
    config: env.config,
    store: stateStoreFromEnv(createDynamoDbClient()),
  }),
);
