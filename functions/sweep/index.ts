// Lambda entry: the periodic sweep of every opted-in VPC (scheduled event).
// Thin: clients, config and environment are built once per container; the shared handler validates the
// event and calls the trigger service (shared/events/trigger.ts). Only the four clients the trigger service
// uses are built, so the bundle carries no other SDK client.
import {
  createDynamoDbClient,
  createEc2Client,
  createEcsClient,
  createSfnClient,
} from '../../shared/clients';
import { configFromEnv } from '../../shared/config';
import { createTriggerHandler, triggerEnvironment } from '../../shared/events/handler';

const env = triggerEnvironment();
const config = configFromEnv();

export const handler = createTriggerHandler(
  {
    ec2: createEc2Client(),
    ecs: createEcsClient(),
    sfn: createSfnClient(),
    dynamodb: createDynamoDbClient(),
    config,
    stateMachineArn: env.stateMachineArn,
    tableName: env.tableName,
  },
  ['sweep'],
);
