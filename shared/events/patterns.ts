// The EventBridge rules the service reacts to, as data. Each pattern is a function of the validated Config,
// so the CDK stack, the CLI's `event` command and the tests all use exactly the same patterns.
import type { Config } from '../config';
import type { EventPattern } from './matcher';

export type TriggerRuleId = 'vpc-tag-change' | 'vpc-api-call' | 'ecs-instance-state' | 'ecs-cluster-api-call';

export interface TriggerRule {
  /** Stable id; also the `trigger.kind` passed to the workflow. */
  id: TriggerRuleId;
  description: string;
  pattern: (config: Config) => EventPattern;
  /** Lambda entry file (relative to the repository root) that serves the rule. */
  handlerEntry: string;
}

export const TRIGGER_VPC_ENTRY = 'functions/trigger-vpc/index.ts';
export const TRIGGER_ECS_ENTRY = 'functions/trigger-ecs/index.ts';
export const SWEEP_ENTRY = 'functions/sweep/index.ts';

/** CloudTrail sends EC2 and ECS management calls with this detail-type; failed calls carry `errorCode`. */
const CLOUDTRAIL = 'AWS API Call via CloudTrail';

export function vpcTagChangePattern(config: Config): EventPattern {
  return {
    source: ['aws.tag'],
    'detail-type': ['Tag Change on Resource'],
    detail: {
      service: ['ec2'],
      'resource-type': ['vpc'],
      'changed-tag-keys': [config.optInTag.key],
    },
  };
}

export function vpcApiCallPattern(config: Config): EventPattern {
  const key = config.optInTag.key;
  return {
    source: ['aws.ec2'],
    'detail-type': [CLOUDTRAIL],
    detail: {
      eventSource: ['ec2.amazonaws.com'],
      errorCode: [{ exists: false }],
      $or: [
        {
          // A VPC born with the tag: CreateVpc with TagSpecifications.
          eventName: ['CreateVpc'],
          requestParameters: { tagSpecificationSet: { items: { tags: { key: [key] } } } },
        },
        {
          // One call can tag many resources of mixed types; match when any of them is a VPC.
          eventName: ['CreateTags', 'DeleteTags'],
          requestParameters: {
            resourcesSet: { items: { resourceId: [{ prefix: 'vpc-' }] } },
            tagSet: { items: { key: [key] } },
          },
        },
      ],
    },
  };
}

/**
 * The highest `detail.version` the instance rule accepts. ECS increments a container instance's version on
 * every change that emits a "Container Instance State Change" event and never resets it (duplicates repeat
 * it), so a new container instance starts with its registration and its agent's first connection, while an
 * established one is in the hundreds or thousands (the ECS developer guide's task-placement sample is 14801).
 * Two admits the registration and the connection that follows it; every later event of the instance (task
 * placements and stops, reconnects, agent restarts and updates, deregistration) has a higher version and
 * matches nothing, so it costs no invocation.
 */
export const REGISTRATION_VERSION_MAX = 2;

/**
 * A container instance that has just registered and is ACTIVE with its agent connected. Routine changes of
 * established instances never match (see REGISTRATION_VERSION_MAX): each of them used to invoke the trigger
 * and a full reconcile, many times an hour per instance.
 */
export function ecsInstanceStatePattern(_config: Config): EventPattern {
  return {
    source: ['aws.ecs'],
    'detail-type': ['ECS Container Instance State Change'],
    detail: {
      status: ['ACTIVE'],
      agentConnected: [true],
      version: [{ numeric: ['<=', REGISTRATION_VERSION_MAX] }],
    },
  };
}

export function ecsClusterApiCallPattern(config: Config): EventPattern {
  const createCluster = { eventName: ['CreateCluster'] };
  const detail: EventPattern = {
    eventSource: ['ecs.amazonaws.com'],
    errorCode: [{ exists: false }],
  };
  if (config.clusterTagOptIn) {
    // Tagging an existing cluster with the opt-in key opts its instances' VPCs in.
    detail.$or = [
      createCluster,
      {
        eventName: ['TagResource'],
        requestParameters: {
          resourceArn: [{ wildcard: 'arn:*:ecs:*:cluster/*' }],
          tags: { key: [config.optInTag.key] },
        },
      },
    ];
  } else {
    Object.assign(detail, createCluster);
  }
  return { source: ['aws.ecs'], 'detail-type': [CLOUDTRAIL], detail };
}

export const TRIGGER_RULES: readonly TriggerRule[] = [
  {
    id: 'vpc-tag-change',
    description: 'Opt-in tag added, changed or removed on a VPC (Tag Change on Resource)',
    pattern: vpcTagChangePattern,
    handlerEntry: TRIGGER_VPC_ENTRY,
  },
  {
    id: 'vpc-api-call',
    description:
      'CreateVpc with the opt-in tag, or CreateTags/DeleteTags of the opt-in key on a VPC (CloudTrail)',
    pattern: vpcApiCallPattern,
    handlerEntry: TRIGGER_VPC_ENTRY,
  },
  {
    id: 'ecs-instance-state',
    description:
      'A new ECS container instance registered and connected (ECS Container Instance State Change, detail.version <= 2)',
    pattern: ecsInstanceStatePattern,
    handlerEntry: TRIGGER_ECS_ENTRY,
  },
  {
    id: 'ecs-cluster-api-call',
    description: 'CreateCluster, or TagResource with the opt-in key when clusterTagOptIn is on (CloudTrail)',
    pattern: ecsClusterApiCallPattern,
    handlerEntry: TRIGGER_ECS_ENTRY,
  },
];

export interface SweepDescriptor {
  id: 'sweep';
  description: string;
  enabled: boolean;
  /** EventBridge schedule expression, e.g. rate(6 hours). */
  schedule: string;
  handlerEntry: string;
}

export function sweepDescriptor(config: Config): SweepDescriptor {
  return {
    id: 'sweep',
    description: 'Periodic sweep: reconcile every VPC carrying the opt-in tag',
    enabled: config.sweep.enabled,
    schedule: config.sweep.schedule,
    handlerEntry: SWEEP_ENTRY,
  };
}

/** True for the event EventBridge Scheduler/scheduled rules deliver to the sweep. */
export function isScheduledEvent(event: unknown): boolean {
  const e = event as Record<string, unknown> | null;
  return !!e && e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}
