// Lambda wiring shared by functions/trigger-*/ and functions/sweep/: the environment, the config and the
// four clients the trigger service uses are made once per container, at module load, outside the handler.
import {
  createDynamoDbClient,
  createEc2Client,
  createEcsClient,
  createEventBridgeClient,
  createRoute53Client,
  createSfnClient,
} from '../clients';
import { configFromEnv } from '../config';
import { ENV } from '../env';
import { publishDecisions } from './decisions';
import { createTriggerHandler, type TriggerHandler, triggerEnvironment } from './handler';
import type { TriggerRuleId } from './patterns';

/** The handler for a trigger Lambda serving `rules`. A missing variable or a bad config fails the cold start. */
export function triggerLambda(
  rules: ReadonlyArray<TriggerRuleId | 'sweep'>,
  env: NodeJS.ProcessEnv = process.env,
): TriggerHandler {
  const { stateMachineArn, tableName } = triggerEnvironment(env);
  const config = configFromEnv(env);
  // An organization member tells the hub what it decided (the member stack forwards the events to the hub bus).
  const events = config.organization ? createEventBridgeClient() : undefined;
  const eventBusName = env[ENV.eventBusName] || 'default';
  return createTriggerHandler(
    {
      ec2: createEc2Client(),
      route53: createRoute53Client(),
      ecs: createEcsClient(),
      sfn: createSfnClient(),
      dynamodb: createDynamoDbClient(),
      config,
      stateMachineArn,
      tableName,
      ...(events ? { publishDecisions: (outcome) => publishDecisions(events, eventBusName, outcome) } : {}),
    },
    rules,
  );
}
