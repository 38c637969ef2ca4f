// IAM declarations for every AWS call the workflow's steps make, per step. The stack builds each step
// function's policy from these (shared/permissions.ts), so the grants follow the code.
import type { Config } from '../config';
import type { PermissionDeclaration } from '../permissions';
import { RECONCILER_PERMISSIONS } from '../reconciler/permissions';
import type { StepName } from './steps';

const CLUSTER_ARN = 'arn:{partition}:ecs:{region}:{account}:cluster/*';
const CONTAINER_INSTANCE_ARN = 'arn:{partition}:ecs:{region}:{account}:container-instance/*';
const INSTANCE_ARN = 'arn:{partition}:ec2:{region}:{account}:instance/*';

const STATE_READ: PermissionDeclaration = {
  sid: 'WorkflowStateRead',
  actions: ['dynamodb:GetItem'],
  resources: ['{tableArn}'],
  reason: 'Read the batch and progress records this run keeps outside the state payload',
};
const RESTART_RECORDS_READ: PermissionDeclaration = {
  sid: 'WorkflowRestartRecordsRead',
  actions: ['dynamodb:BatchGetItem'],
  resources: ['{tableArn}'],
  reason:
    'Read the durable restart records of the VPC’s container instances (which endpoint generation each agent was restarted for)',
};
const STATE_WRITE: PermissionDeclaration = {
  sid: 'WorkflowStateWrite',
  actions: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
  resources: ['{tableArn}'],
  reason:
    'Write the batch and progress records this run keeps outside the state payload, and the restart record of each agent restarted',
};
const DESCRIBE_CONTAINER_INSTANCES: PermissionDeclaration = {
  sid: 'WorkflowDescribeContainerInstances',
  actions: ['ecs:DescribeContainerInstances'],
  resources: [CONTAINER_INSTANCE_ARN],
  reason: 'Read agent version, connection, OS and update status of container instances',
};
const RECORD_RESTART: PermissionDeclaration = {
  sid: 'WorkflowRecordRestart',
  actions: ['ecs:PutAttributes'],
  resources: [CONTAINER_INSTANCE_ARN],
  reason:
    'Write the privatelink-ecs.restarted-at hint on a container instance (the state table holds the restart record)',
};

function instanceScope(config: Config, conditionKey: string): Pick<PermissionDeclaration, 'conditions'> {
  const tag = config.restart.instanceTag;
  return tag ? { conditions: { StringEquals: { [`${conditionKey}/${tag.key}`]: tag.value } } } : {};
}

/** Declarations per step for this configuration (agent updates and reboots only when configured). */
export function workflowPermissions(config: Config): Record<StepName, PermissionDeclaration[]> {
  const reboot = config.restart.fallback === 'reboot';
  const drain: PermissionDeclaration = {
    sid: 'WorkflowDrainForReboot',
    actions: ['ecs:UpdateContainerInstancesState'],
    resources: [CONTAINER_INSTANCE_ARN],
    reason: 'Reboot fallback: drain a container instance before the reboot and set it ACTIVE again after',
  };
  const updateAgent: PermissionDeclaration[] = config.restart.agentUpdate
    ? [
        {
          sid: 'WorkflowUpdateAgent',
          actions: ['ecs:UpdateContainerAgent'],
          resources: [CONTAINER_INSTANCE_ARN],
          reason:
            'restart.agentUpdate: update agents older than 1.25.1 so they can use the endpoints, one batch at a time',
        },
      ]
    : [];
  const startBatch: PermissionDeclaration[] = [
    {
      sid: 'WorkflowSendRestartDocument',
      actions: ['ssm:SendCommand'],
      resources: [
        'arn:{partition}:ssm:{region}:{account}:document/{documentName}',
        'arn:{partition}:ssm:{region}:{account}:document/{windowsDocumentName}',
      ],
      reason: 'Run only our own two restart documents (Linux shell, Windows PowerShell)',
    },
    {
      sid: 'WorkflowSendCommandToInstances',
      actions: ['ssm:SendCommand'],
      resources: [INSTANCE_ARN],
      ...instanceScope(config, 'ssm:resourceTag'),
      reason: 'Restart ecs-agent on container instances (optionally only those carrying restart.instanceTag)',
    },
    {
      sid: 'WorkflowFindSentRestart',
      actions: ['ssm:ListCommandInvocations'],
      resources: ['*'],
      reason:
        'Find a restart sent by an earlier attempt whose answer was not recorded; this SSM read has no resource type',
    },
    ...(reboot ? [drain] : []),
    STATE_READ,
    STATE_WRITE,
  ];
  return {
    ValidateInput: [
      {
        sid: 'WorkflowDescribeVpc',
        actions: ['ec2:DescribeVpcs'],
        resources: ['*'],
        reason:
          'Check the VPC exists and carries the opt-in tag; EC2 Describe calls cannot be scoped to resources',
      },
    ],
    EnsureEndpoints: [...RECONCILER_PERMISSIONS],
    CheckEndpoints: [
      {
        sid: 'WorkflowDescribeEndpoints',
        actions: ['ec2:DescribeVpcEndpoints'],
        resources: ['*'],
        reason: 'Poll endpoint states; EC2 Describe calls cannot be scoped to resources',
      },
    ],
    DiscoverInstances: [
      {
        sid: 'WorkflowListClusters',
        actions: ['ecs:ListClusters'],
        resources: ['*'],
        reason: 'Find every cluster that may hold instances in the VPC; ListClusters has no resource type',
      },
      {
        sid: 'WorkflowListContainerInstances',
        actions: ['ecs:ListContainerInstances'],
        resources: [CLUSTER_ARN],
        reason: 'List the container instances of each cluster',
      },
      DESCRIBE_CONTAINER_INSTANCES,
      {
        sid: 'WorkflowDescribeInstances',
        actions: ['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation'],
        resources: ['*'],
        reason:
          'Map container instances to the VPC and read SSM status; neither call can be scoped to resources',
      },
      RESTART_RECORDS_READ,
      STATE_WRITE,
    ],
    StartAgentUpdates: [...updateAgent, STATE_READ, STATE_WRITE],
    // CheckAgentUpdates starts the next batch of agent updates itself, with its own role.
    CheckAgentUpdates: [
      ...updateAgent,
      DESCRIBE_CONTAINER_INSTANCES,
      RECORD_RESTART,
      STATE_READ,
      STATE_WRITE,
    ],
    StartBatch: startBatch,
    // PollBatch starts the next batch itself (SendCommand, and the drain of reboot batches), with its own
    // role: it needs every permission a batch start uses.
    PollBatch: [
      ...startBatch,
      {
        sid: 'WorkflowReadCommandStatus',
        actions: ['ssm:ListCommandInvocations', 'ssm:GetCommandInvocation'],
        resources: ['*'],
        reason: 'Follow restart invocations to a terminal state; these SSM reads have no resource type',
      },
      DESCRIBE_CONTAINER_INSTANCES,
      RECORD_RESTART,
      ...(reboot
        ? [
            drain,
            {
              sid: 'WorkflowRebootInstance',
              actions: ['ec2:RebootInstances'],
              resources: [INSTANCE_ARN],
              ...instanceScope(config, 'ec2:ResourceTag'),
              reason: 'Reboot fallback for container instances SSM does not manage',
            },
          ]
        : []),
      STATE_READ,
      STATE_WRITE,
    ],
    Summarize: [
      {
        sid: 'WorkflowPutCompletedEvent',
        actions: ['events:PutEvents'],
        resources: ['{eventBusArn}'],
        reason: 'Publish "PrivateLink ECS Remediation Completed" on the default bus',
      },
      STATE_READ,
    ],
  };
}
