// Names, tags and tokens the reconciler puts on what it creates. Pure helpers, no I/O.
import { createHash } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-ec2';
import type { Config } from '../config';

/** Value of the managed tag (config.managedTagKey) on everything we create. */
export const MANAGED_TAG_VALUE = 'privatelink-ecs';

/** Name of the security group that fronts our interface endpoints (one per VPC). */
export const SECURITY_GROUP_NAME = 'privatelink-ecs-endpoints';

/** Endpoint service prefix: com.amazonaws.<region>. (cn.com.amazonaws in the China regions). */
export function servicePrefix(region: string): string {
  return region.startsWith('cn-') ? `cn.com.amazonaws.${region}.` : `com.amazonaws.${region}.`;
}

export function fullServiceName(region: string, service: string): string {
  return `${servicePrefix(region)}${service}`;
}

/** com.amazonaws.us-east-1.ecr.api → ecr.api. Names of other shapes (partner services) are returned whole. */
export function shortServiceName(serviceName: string): string {
  const match = /^(?:cn\.)?com\.amazonaws\.[a-z0-9-]+\.(.+)$/.exec(serviceName);
  return match ? match[1]! : serviceName;
}

/**
 * Deterministic ClientToken per (VPC, service, endpoint type, request parameters): a retried or duplicated
 * create returns the first endpoint on real EC2. At most 64 ASCII characters.
 * `parameters` are the request's subnet or route-table IDs and security groups: EC2 rejects a token reused
 * with other parameters (IdempotentParameterMismatch), which after a teardown and a new opt-in (new security
 * group) or a new subnet would block the create for good, so a different request gets a different token.
 */
export function clientToken(
  vpcId: string,
  service: string,
  type: 'Interface' | 'Gateway',
  replaces: string[] = [],
  parameters: string[] = [],
): string {
  // A replacement for a failed endpoint needs a fresh token, or EC2 would hand back the failed one.
  const key = [
    vpcId,
    service,
    type,
    ...[...replaces].sort(),
    ...(parameters.length ? ['params', ...[...parameters].sort()] : []),
  ].join('|');
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 40);
  return `plecs-${digest}`;
}

export function managedTags(config: Config, name: string): Tag[] {
  return [
    { Key: config.managedTagKey, Value: MANAGED_TAG_VALUE },
    { Key: 'Name', Value: name },
  ];
}

/** Why a security group that carries our name but not our tag stops us: one wording for planner and executor. */
export function foreignGroupMessage(config: Config, groupId: string): string {
  return `security group ${groupId} is named ${SECURITY_GROUP_NAME} but does not carry the tag ${config.managedTagKey}=${MANAGED_TAG_VALUE}, so privatelink-ecs cannot create its own group`;
}

export function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key) out[tag.Key] = tag.Value ?? '';
  return out;
}

export function isManaged(config: Config, tags: Tag[] | undefined): boolean {
  return tagsToRecord(tags)[config.managedTagKey] === MANAGED_TAG_VALUE;
}

/**
 * One rule for an endpoint's state, from EC2's State values (PendingAcceptance | Pending | Available | Deleting |
 * Deleted | Rejected | Failed | Expired | Partial, compared without case):
 * - live: provides the service, or is about to;
 * - gone: being deleted or deleted (EC2 keeps listing it for a while): no longer counted, ours included;
 * - failed: failed, rejected or expired. It will never become available, yet it still exists (an expired
 *   endpoint of ours still has to be deleted, and the workflow must not wait for it nor overlook it).
 */
export const LIVE_ENDPOINT_STATES = new Set(['pendingacceptance', 'pending', 'available', 'modifying']);
const GONE_ENDPOINT_STATES = new Set(['deleting', 'deleted']);
const FAILED_ENDPOINT_STATES = new Set(['failed', 'rejected', 'expired']);

export function isLiveState(state: string | undefined): boolean {
  return LIVE_ENDPOINT_STATES.has((state ?? '').toLowerCase());
}

/** An endpoint being deleted or already deleted: no longer one of the VPC's endpoints. */
export function isGoneState(state: string | undefined): boolean {
  return GONE_ENDPOINT_STATES.has((state ?? '').toLowerCase());
}

/** An endpoint that will never become available: failed, rejected or expired. */
export function isFailedState(state: string | undefined): boolean {
  return FAILED_ENDPOINT_STATES.has((state ?? '').toLowerCase());
}
