// Lambda entry: the periodic sweep of every opted-in VPC (scheduled event).
// Thin: clients, config and environment are built once per container; the shared handler validates the
// event and calls the trigger service (shared/events/trigger.ts).
import { createAwsClients } from '../../shared/clients';
import { configFromEnv } from '../../shared/config';
import { createTriggerHandler, triggerEnvironment } from '../../shared/events/handler';

const clients = createAwsClients();
const env = triggerEnvironment();

export const handler = createTriggerHandler(
  { ...clients, config: configFromEnv(), stateMachineArn: env.stateMachineArn, tableName: env.tableName },
  ['sweep'],
);
