// Schemas for the events our rules deliver. A trigger never trusts an event further than its shape: the
// handler re-reads current state from AWS. An event that does not parse is dropped with the reason.
import type { Config } from '../config';
import { INSTANCE_ID_PATTERN, isVpcId, VPC_ID_PATTERN, type VpcId } from '../ids';
import * as z from '../zod';
import { compilePattern } from './matcher';
import { isScheduledEvent, REGISTRATION_VERSION_MAX, TRIGGER_RULES, type TriggerRuleId } from './patterns';

/** The EventBridge envelope every event carries. Unknown extra fields are kept. */
export const eventEnvelopeSchema = z.looseObject({
  version: z.string(),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

// The resource part must be a well-formed VPC ID (8 or 17 hex digits), or a bad ID would pass here and only
// fail in the trigger, which then throws and the platform retries the event for a day.
const vpcArn = z.pipe(
  z.pipe(
    z.string().check(z.regex(/^arn:[^:]+:ec2:[^:]*:[0-9]*:vpc\/vpc-[0-9a-f]+$/, 'must be a VPC ARN')),
    z.transform((arn: string) => arn.split('/')[1]),
  ),
  z.custom<VpcId>(isVpcId, 'must name a VPC ID like vpc-0123456789abcdef0'),
);

const tagChangeDetail = z.looseObject({
  'changed-tag-keys': z.array(z.string()).check(z.minLength(1)),
  service: z.literal('ec2'),
  'resource-type': z.literal('vpc'),
  tags: z.record(z.string(), z.string()),
});

const tagItems = z.looseObject({ items: z.array(z.looseObject({ key: z.string() })) });

const ec2ApiCallDetail = z.discriminatedUnion('eventName', [
  z.looseObject({
    eventName: z.literal('CreateVpc'),
    eventSource: z.literal('ec2.amazonaws.com'),
    responseElements: z.looseObject({
      vpc: z.looseObject({
        vpcId: z.pipe(
          z.string().check(z.regex(VPC_ID_PATTERN, 'must be a VPC ID')),
          z.custom<VpcId>(isVpcId),
        ),
      }),
    }),
  }),
  z.looseObject({
    eventName: z.enum(['CreateTags', 'DeleteTags']),
    eventSource: z.literal('ec2.amazonaws.com'),
    requestParameters: z.looseObject({
      resourcesSet: z.looseObject({
        items: z.array(z.looseObject({ resourceId: z.string() })).check(z.minLength(1)),
      }),
      tagSet: z.optional(tagItems),
    }),
  }),
]);

const isoDate = z
  .string()
  .check(z.refine((s: string) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'));

const ecsInstanceDetail = z.looseObject({
  clusterArn: z.string().check(z.regex(/^arn:[^:]+:ecs:/, 'must be an ECS cluster ARN')),
  containerInstanceArn: z.string().check(z.regex(/^arn:[^:]+:ecs:/, 'must be an ECS container instance ARN')),
  ec2InstanceId: z
    .string()
    .check(z.regex(INSTANCE_ID_PATTERN, 'must be an EC2 instance ID (ECS Anywhere is not handled)')),
  status: z.string(),
  agentConnected: z.boolean(),
  registeredAt: z.optional(isoDate),
  updatedAt: z.optional(isoDate),
});

const clusterArn = z
  .string()
  .check(z.regex(/^arn:[^:]+:ecs:[^:]*:[0-9]*:cluster\/.+$/, 'must be an ECS cluster ARN'));

const ecsClusterApiDetail = z.discriminatedUnion('eventName', [
  z.looseObject({
    eventName: z.literal('CreateCluster'),
    eventSource: z.literal('ecs.amazonaws.com'),
    responseElements: z.looseObject({ cluster: z.looseObject({ clusterArn }) }),
  }),
  z.looseObject({
    eventName: z.literal('TagResource'),
    eventSource: z.literal('ecs.amazonaws.com'),
    requestParameters: z.looseObject({ resourceArn: clusterArn }),
  }),
]);

/** What an event asks the trigger to look at. */
export type TriggerIntent =
  | { kind: 'vpcs'; vpcIds: VpcId[] }
  | {
      kind: 'instance';
      ec2InstanceId: string;
      containerInstanceArn: string;
      clusterArn: string;
      registeredAt?: string;
    }
  | { kind: 'cluster'; clusterArn: string; eventName: 'CreateCluster' | 'TagResource' }
  | { kind: 'sweep' };

export type ClassifiedEvent =
  | { ok: true; event: EventEnvelope; rule: TriggerRuleId | 'sweep'; intent: TriggerIntent }
  | { ok: false; invalidEnvelope: boolean; reason: string; rule?: TriggerRuleId | 'sweep'; eventId?: string };

function zodReason(error: z.core.$ZodError): string {
  const problems = error.issues.map(
    (issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
  return problems.length > 3
    ? `${problems.slice(0, 3).join('; ')}; and ${problems.length - 3} more`
    : problems.join('; ');
}

/** Parses the envelope only: null with the reason when the input is not an EventBridge event at all. */
export function parseEnvelope(raw: unknown): { event: EventEnvelope } | { reason: string } {
  const parsed = eventEnvelopeSchema.safeParse(raw);
  return parsed.success ? { event: parsed.data } : { reason: zodReason(parsed.error) };
}

const compiledCache = new WeakMap<Config, Array<{ id: TriggerRuleId; match: (e: unknown) => boolean }>>();

/** Ids of every trigger rule whose pattern (for this config) matches the event, in TRIGGER_RULES order. */
export function matchingRules(config: Config, event: unknown): TriggerRuleId[] {
  let compiled = compiledCache.get(config);
  if (!compiled) {
    compiled = TRIGGER_RULES.map((r) => ({ id: r.id, match: compilePattern(r.pattern(config)) }));
    compiledCache.set(config, compiled);
  }
  return compiled.filter((r) => r.match(event)).map((r) => r.id);
}

function intentFor(
  rule: TriggerRuleId,
  event: EventEnvelope,
): { intent: TriggerIntent } | { reason: string } {
  switch (rule) {
    case 'vpc-tag-change': {
      const detail = tagChangeDetail.safeParse(event.detail);
      if (!detail.success) return { reason: `detail: ${zodReason(detail.error)}` };
      const arn = vpcArn.safeParse(event.resources[0]);
      if (!arn.success || event.resources.length !== 1) {
        return { reason: 'resources must hold exactly one VPC ARN' };
      }
      return { intent: { kind: 'vpcs', vpcIds: [arn.data] } };
    }
    case 'vpc-api-call': {
      const detail = ec2ApiCallDetail.safeParse(event.detail);
      if (!detail.success) return { reason: `detail: ${zodReason(detail.error)}` };
      const d = detail.data;
      if (d.eventName === 'CreateVpc')
        return { intent: { kind: 'vpcs', vpcIds: [d.responseElements.vpc.vpcId] } };
      const vpcIds = [
        ...new Set(d.requestParameters.resourcesSet.items.map((i) => i.resourceId).filter(isVpcId)),
      ];
      if (vpcIds.length === 0)
        return { reason: 'detail.requestParameters.resourcesSet names no valid VPC ID' };
      return { intent: { kind: 'vpcs', vpcIds } };
    }
    case 'ecs-instance-state': {
      const detail = ecsInstanceDetail.safeParse(event.detail);
      if (!detail.success) return { reason: `detail: ${zodReason(detail.error)}` };
      const d = detail.data;
      return {
        intent: {
          kind: 'instance',
          ec2InstanceId: d.ec2InstanceId,
          containerInstanceArn: d.containerInstanceArn,
          clusterArn: d.clusterArn,
          ...(d.registeredAt ? { registeredAt: d.registeredAt } : {}),
        },
      };
    }
    case 'ecs-cluster-api-call': {
      const detail = ecsClusterApiDetail.safeParse(event.detail);
      if (!detail.success) return { reason: `detail: ${zodReason(detail.error)}` };
      const d = detail.data;
      const arn =
        d.eventName === 'CreateCluster'
          ? d.responseElements.cluster.clusterArn
          : d.requestParameters.resourceArn;
      return { intent: { kind: 'cluster', clusterArn: arn, eventName: d.eventName } };
    }
  }
}

/** For a container-instance event no rule matches: why (the rule takes a new instance's registration only). */
function routineInstanceNote(event: EventEnvelope): string {
  if (event.source !== 'aws.ecs' || event['detail-type'] !== 'ECS Container Instance State Change') return '';
  const { version, status, agentConnected } = event.detail;
  return (
    `: the instance rule takes only a new container instance (ACTIVE, agent connected, detail.version <= ${REGISTRATION_VERSION_MAX}); ` +
    `this one is ${String(status)}, agentConnected ${String(agentConnected)}, version ${String(version)}, a routine change that needs nothing`
  );
}

/**
 * Validates an event and works out what it asks for. Never throws: an unknown or malformed event comes back
 * as `ok: false` with a one-line reason (`invalidEnvelope` when it is not an EventBridge event at all).
 */
export function classifyEvent(raw: unknown, config: Config): ClassifiedEvent {
  const envelope = parseEnvelope(raw);
  if ('reason' in envelope) {
    return { ok: false, invalidEnvelope: true, reason: `not an EventBridge event: ${envelope.reason}` };
  }
  const event = envelope.event;
  if (isScheduledEvent(event)) return { ok: true, event, rule: 'sweep', intent: { kind: 'sweep' } };
  const [rule] = matchingRules(config, event);
  if (!rule) {
    return {
      ok: false,
      invalidEnvelope: false,
      eventId: event.id,
      reason: `no trigger rule matches source=${event.source} detail-type="${event['detail-type']}"${routineInstanceNote(event)}`,
    };
  }
  const result = intentFor(rule, event);
  if ('reason' in result)
    return { ok: false, invalidEnvelope: false, rule, eventId: event.id, reason: result.reason };
  return { ok: true, event, rule, intent: result.intent };
}
