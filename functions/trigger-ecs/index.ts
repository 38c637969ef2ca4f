// Lambda entry: ECS container instance state changes, CreateCluster and (with clusterTagOptIn) cluster tags.
// Thin: shared/events/lambda.ts builds the clients and config once; the shared handler validates the event
// and calls the trigger service (shared/events/trigger.ts).
import { triggerLambda } from '../../shared/events/lambda';

export const handler = triggerLambda(['ecs-instance-state', 'ecs-cluster-api-call']);
