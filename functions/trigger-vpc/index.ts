// Lambda entry: VPC opt-in tag changes and EC2 API calls (CreateVpc, CreateTags, DeleteTags).
// Thin: shared/events/lambda.ts builds the clients and config once; the shared handler validates the event
// and calls the trigger service (shared/events/trigger.ts).
import { triggerLambda } from '../../shared/events/lambda';

export const handler = triggerLambda(['vpc-tag-change', 'vpc-api-call']);
