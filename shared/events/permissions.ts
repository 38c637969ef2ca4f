// IAM permissions for the AWS calls the trigger code itself makes (shared/events/*), declared next to it.
// The trigger Lambdas also reconcile, and tear down on opt-out: TRIGGER_FUNCTION_PERMISSIONS adds the grants
// derived from the reconcile and teardown actions (RECONCILER_AND_TEARDOWN_PERMISSIONS).
import type { Config } from '../config';
import type { PermissionDeclaration } from '../permissions';
import { RECONCILER_AND_TEARDOWN_PERMISSIONS } from '../reconciler';
import { DECISION_EVENT_PERMISSION } from './decisions';

export const TRIGGER_PERMISSIONS: PermissionDeclaration[] = [
  {
    sid: 'TriggerStartWorkflow',
    actions: ['states:StartExecution'],
    resources: ['{stateMachineArn}'],
    reason: 'Starts the remediation workflow for a VPC (workflow.ts startRemediation)',
  },
  {
    sid: 'TriggerListRunningExecutions',
    actions: ['states:ListExecutions'],
    resources: ['{stateMachineArn}'],
    reason:
      'Finds an execution already running for the VPC before starting another (workflow.ts findRunningExecution)',
  },
  {
    sid: 'TriggerStopSupersededExecution',
    actions: ['states:StopExecution'],
    resources: ['{stateMachineExecutionsArn}'],
    reason:
      'Stops a running execution for the VPC that a new one supersedes because the endpoints changed (workflow.ts supersede)',
  },
  {
    sid: 'TriggerIdempotencyAndLock',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    resources: ['{tableArn}'],
    reason: 'Powertools idempotency records and the per-VPC lease lock (lock.ts), both in the one table',
  },
  {
    sid: 'TriggerDescribeInstances',
    actions: ['ec2:DescribeInstances'],
    resources: ['*'],
    reason: 'Resolves a container instance to its VPC; EC2 Describe* calls cannot be scoped to a resource',
  },
  {
    sid: 'TriggerDescribeEndpoints',
    actions: ['ec2:DescribeVpcEndpoints'],
    resources: ['*'],
    reason:
      'Reads creation time and state of our endpoints; EC2 Describe* calls cannot be scoped to a resource',
  },
  {
    sid: 'TriggerListClusters',
    actions: ['ecs:ListClusters'],
    resources: ['*'],
    reason:
      'Finds container instances still registered in a VPC before teardown, and tagged clusters for the sweep; ListClusters has no resource type',
  },
  {
    sid: 'TriggerReadClusters',
    actions: ['ecs:ListContainerInstances', 'ecs:ListTagsForResource', 'ecs:DescribeClusters'],
    resources: ['arn:{partition}:ecs:{region}:{account}:cluster/*'],
    reason:
      'Lists a cluster’s container instances and reads its opt-in tag (clusterTagOptIn; the sweep reads the tags of 100 clusters per DescribeClusters)',
  },
  {
    sid: 'TriggerDescribeContainerInstances',
    actions: ['ecs:DescribeContainerInstances'],
    resources: ['arn:{partition}:ecs:{region}:{account}:container-instance/*'],
    reason: 'Reads each container instance’s EC2 instance ID and registration time',
  },
];

/** Everything a trigger or sweep Lambda needs: its own calls plus the reconciler's and the teardown's. */
const TRIGGER_FUNCTION_PERMISSIONS: PermissionDeclaration[] = [
  ...TRIGGER_PERMISSIONS,
  ...RECONCILER_AND_TEARDOWN_PERMISSIONS,
];

/** What a trigger or sweep Lambda is granted: an organization member also publishes its decisions. */
export function triggerFunctionPermissions(config: Pick<Config, 'organization'>): PermissionDeclaration[] {
  return config.organization
    ? [...TRIGGER_FUNCTION_PERMISSIONS, DECISION_EVENT_PERMISSION]
    : TRIGGER_FUNCTION_PERMISSIONS;
}
