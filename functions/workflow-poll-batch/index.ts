// Task state PollBatch of the remediation workflow: follow commands, reboots and reconnects (EC2, ECS, SSM; DynamoDB for the state table).
// The step is built alone from its own clients, so this bundle carries no other step's code or SDK client.
import {
  createDynamoDbClient,
  createEc2Client,
  createEcsClient,
  createSsmClient,
} from '../../shared/clients';
import { lambdaStep, stateStoreFromEnv } from '../../shared/workflow/lambda';
import { pollBatchStep } from '../../shared/workflow/steps';

export const handler = lambdaStep('PollBatch', (env) =>
  pollBatchStep({
    clients: { ec2: createEc2Client(), ecs: createEcsClient(), ssm: createSsmClient() },
    config: env.config,
    store: stateStoreFromEnv(createDynamoDbClient()),
    documentName: env.documentName,
    windowsDocumentName: env.windowsDocumentName,
  }),
);
