// Lambda entry: the periodic sweep of every opted-in VPC (scheduled event).
// Thin: shared/events/lambda.ts builds the clients and config once; the shared handler validates the event
// and calls the trigger service (shared/events/trigger.ts).
import { triggerLambda } from '../../shared/events/lambda';

export const handler = triggerLambda(['sweep']);
