// Task state StartBatch of the remediation workflow: drain a batch and send the restart command (ECS, SSM; DynamoDB for the state table).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import { createDynamoDbClient, createEcsClient, createSsmClient } from '../../shared/clients';
import { lambdaStep, stateStoreFromEnv } from '../../shared/workflow/lambda';
import { startBatchStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('StartBatch', (env) =>
  startBatchStep({
    clients: { ecs: createEcsClient(), ssm: createSsmClient() },
    config: env.config,
    store: stateStoreFromEnv(createDynamoDbClient()),
    documentName: env.documentName,
    windowsDocumentName: env.windowsDocumentName,
  }),
);
