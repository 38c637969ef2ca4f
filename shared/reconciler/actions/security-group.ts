// Actions on the security group that fronts our interface endpoints: create it (tagged as ours, admitting TCP
// 443 from the VPC's CIDRs) and admit CIDRs the VPC gained since. Someone else's group is never used or
// changed, even when it carries our group's name.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { DependencyFailedError, errorName } from '../../errors';
import type { PermissionDeclaration } from '../../permissions';
import { findSecurityGroupByName } from '../inventory';
import { foreignGroupMessage, managedTags, SECURITY_GROUP_NAME } from '../naming';
import type { PlannedAction } from '../types';
import {
  type ActionContext,
  ec2Arn,
  finderReads,
  ok,
  REQUEST_TAGGED,
  RESOURCE_TAGGED,
  type ReconcilerAction,
  skip,
  tagOnCreate,
} from './action';

const AUTHORIZE_OWN_GROUP: PermissionDeclaration = {
  sid: 'ReconcilerAuthorizeOwnSecurityGroup',
  actions: ['ec2:AuthorizeSecurityGroupIngress'],
  resources: [ec2Arn('security-group')],
  conditions: RESOURCE_TAGGED,
  reason: 'Admits TCP 443 from the VPC CIDRs on the security group we created only',
};

function ingressPermission(cidrs: string[], ipv6Cidrs: string[]): IpPermission {
  const description = 'privatelink-ecs: HTTPS from the VPC to its interface endpoints';
  return {
    IpProtocol: 'tcp',
    FromPort: 443,
    ToPort: 443,
    IpRanges: cidrs.map((CidrIp) => ({ CidrIp, Description: description })),
    Ipv6Ranges: ipv6Cidrs.map((CidrIpv6) => ({ CidrIpv6, Description: description })),
  };
}

/** Admits TCP 443 from the step's CIDRs; false when there was nothing to add or it was already there. */
async function authorize(ctx: ActionContext, groupId: string, step: PlannedAction): Promise<boolean> {
  const cidrs = step.cidrs ?? [];
  const ipv6 = step.ipv6Cidrs ?? [];
  if (cidrs.length + ipv6.length === 0) return false;
  try {
    await ctx.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [ingressPermission(cidrs, ipv6)],
      }),
    );
    return true;
  } catch (err) {
    // Already present (e.g. a concurrent run added it): the desired state holds.
    if (errorName(err) === 'InvalidPermission.Duplicate') return false;
    throw err;
  }
}

const cidrText = (step: PlannedAction): string =>
  [...(step.cidrs ?? []), ...(step.ipv6Cidrs ?? [])].join(', ');

function refuseForeign(ctx: ActionContext, step: PlannedAction, groupId: string): never {
  throw new DependencyFailedError(foreignGroupMessage(ctx.config, groupId), {
    vpcId: step.vpcId,
    securityGroupId: groupId,
  });
}

export const createSecurityGroup: ReconcilerAction<'create-security-group'> = {
  kind: 'create-security-group',
  permissions: [
    ...finderReads('ec2:DescribeSecurityGroups'),
    {
      sid: 'ReconcilerCreateSecurityGroup',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [ec2Arn('security-group')],
      conditions: REQUEST_TAGGED,
      reason: 'Creates the endpoint security group, only with our managed tag in the request',
    },
    {
      sid: 'ReconcilerCreateSecurityGroupInVpc',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [ec2Arn('vpc')],
      reason:
        'The VPC a new security group is created in; the request tag is not in its context, and the group statement above requires our tag',
    },
    tagOnCreate('ReconcilerTagSecurityGroupOnCreate', 'security-group', 'CreateSecurityGroup'),
    AUTHORIZE_OWN_GROUP,
  ],
  async run(ctx, step) {
    const { ec2, config } = ctx;
    // Re-read first: a concurrent run may have made the group since the plan. Someone else's group that took
    // the name meanwhile is never used: it need not admit 443, and it is not ours to change.
    const existing = await findSecurityGroupByName(ec2, config, step.vpcId);
    if (existing && !existing.managed) refuseForeign(ctx, step, existing.id);
    if (existing) {
      ctx.securityGroupId = existing.id;
      return skip(`security group ${existing.id} (${SECURITY_GROUP_NAME}) already exists`, existing.id);
    }
    let groupId: string;
    let adopted = false;
    try {
      const created = await ec2.send(
        new CreateSecurityGroupCommand({
          VpcId: step.vpcId,
          GroupName: SECURITY_GROUP_NAME,
          Description: 'privatelink-ecs: HTTPS to the ECS and ECR interface endpoints',
          TagSpecifications: [
            { ResourceType: 'security-group', Tags: managedTags(config, SECURITY_GROUP_NAME) },
          ],
        }),
      );
      groupId = created.GroupId!;
    } catch (err) {
      // The group exists after all: an SDK retry of a create whose answer was lost, or a concurrent run.
      // Converge onto it (its ingress is authorized below) instead of failing every endpoint behind it, but
      // only if it is ours.
      const found =
        errorName(err) === 'InvalidGroup.Duplicate'
          ? await findSecurityGroupByName(ec2, config, step.vpcId)
          : undefined;
      if (!found) throw err;
      if (!found.managed) refuseForeign(ctx, step, found.id);
      groupId = found.id;
      adopted = true;
    }
    ctx.securityGroupId = groupId;
    await authorize(ctx, groupId, step);
    return ok(
      adopted
        ? `${groupId} was already created (a retried or concurrent create); it admits TCP 443 from ${cidrText(step)}`
        : `created ${groupId} admitting TCP 443 from ${cidrText(step)}`,
      groupId,
    );
  },
};

export const authorizeSecurityGroupIngress: ReconcilerAction<'authorize-security-group-ingress'> = {
  kind: 'authorize-security-group-ingress',
  permissions: [AUTHORIZE_OWN_GROUP],
  async run(ctx, step) {
    const added = await authorize(ctx, step.targetId!, step);
    return added
      ? ok(`${step.targetId} now admits TCP 443 from ${cidrText(step)}`, step.targetId)
      : skip(`${step.targetId} already admits TCP 443 from ${cidrText(step)}`, step.targetId);
  },
};
