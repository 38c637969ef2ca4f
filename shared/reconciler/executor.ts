// The executor: applies a plan in order and records ok, skip or error for every action. One failure does
// not stop the rest. Before each create it re-reads, so a lost ClientToken (or moto, which ignores it)
// still makes no duplicate. Retries with backoff come from the SDK client (shared/clients.ts).
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  type CreateVpcEndpointCommandInput,
  type EC2Client,
  type IpPermission,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
} from '@aws-sdk/client-ec2';
import type { Config } from '../config';
import { DependencyFailedError, describeError, errorName, InvalidInputError } from '../errors';
import { logger } from '../observability';
import { describeEndpoints, findSecurityGroupByName } from './inventory';
import {
  clientToken,
  foreignGroupMessage,
  isLiveState,
  isManaged,
  managedTags,
  SECURITY_GROUP_NAME,
} from './naming';
import type { ActionResult, PlannedAction } from './types';

export interface ExecutionContext {
  ec2: EC2Client;
  config: Config;
  /** The endpoint security group, once known (from the plan or created earlier in this run). */
  securityGroupId?: string;
}

type Outcome = Omit<ActionResult, 'action'>;

const ok = (message: string, resourceId?: string): Outcome => ({
  status: 'ok',
  message,
  ...(resourceId ? { resourceId } : {}),
});
const skip = (message: string, resourceId?: string): Outcome => ({
  status: 'skip',
  message,
  ...(resourceId ? { resourceId } : {}),
});

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

async function authorize(
  ctx: ExecutionContext,
  groupId: string,
  cidrs: string[],
  ipv6: string[],
): Promise<boolean> {
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

async function liveEndpointsFor(ctx: ExecutionContext, action: PlannedAction, type: 'Interface' | 'Gateway') {
  const found = await describeEndpoints(ctx.ec2, [
    { Name: 'vpc-id', Values: [action.vpcId] },
    { Name: 'service-name', Values: [action.serviceName!] },
    { Name: 'vpc-endpoint-type', Values: [type] },
  ]);
  return found.filter(
    (e) => isLiveState(e.State) && e.VpcEndpointType === type && e.ServiceName === action.serviceName,
  );
}

/**
 * CreateVpcEndpoint with a deterministic token. EC2 answers a reused token with the endpoint it first
 * created, even when that endpoint has since been deleted (or failed): such an answer creates nothing, so
 * the create is sent once more with a token that names the dead endpoint as replaced. A second dead answer
 * is an error, never a silent success.
 */
async function createEndpoint(
  ctx: ExecutionContext,
  action: PlannedAction,
  type: 'Interface' | 'Gateway',
  parameters: string[],
  request: (token: string) => CreateVpcEndpointCommandInput,
): Promise<string | undefined> {
  const replaces = [...(action.replaces ?? [])];
  for (let attempt = 1; ; attempt++) {
    const token = clientToken(action.vpcId, action.service!, type, replaces, parameters);
    const created = await ctx.ec2.send(new CreateVpcEndpointCommand(request(token)));
    const endpoint = created.VpcEndpoint;
    // No state in the answer (some emulators): take it as created.
    if (!endpoint?.State || isLiveState(endpoint.State)) return endpoint?.VpcEndpointId;
    if (attempt > 1 || !endpoint.VpcEndpointId) {
      throw new DependencyFailedError(
        `CreateVpcEndpoint returned ${endpoint.VpcEndpointId ?? 'an endpoint'} in state ${endpoint.State} instead of a new endpoint`,
        { vpcId: action.vpcId, service: action.service },
      );
    }
    logger.warn('ClientToken returned an endpoint that is no longer live; creating with a fresh token', {
      vpcId: action.vpcId,
      endpointService: action.service,
      endpointId: endpoint.VpcEndpointId,
      state: endpoint.State,
    });
    replaces.push(endpoint.VpcEndpointId);
  }
}

async function runAction(ctx: ExecutionContext, action: PlannedAction): Promise<Outcome> {
  const { ec2, config } = ctx;
  switch (action.kind) {
    case 'covered':
      return skip(action.reason, action.targetId);

    case 'enable-dns-support':
      await ec2.send(
        new ModifyVpcAttributeCommand({ VpcId: action.vpcId, EnableDnsSupport: { Value: true } }),
      );
      return ok('enabled DNS support', action.vpcId);

    case 'enable-dns-hostnames':
      await ec2.send(
        new ModifyVpcAttributeCommand({ VpcId: action.vpcId, EnableDnsHostnames: { Value: true } }),
      );
      return ok('enabled DNS hostnames', action.vpcId);

    case 'create-security-group': {
      // Re-read first: a concurrent run may have made the group since the plan. Someone else's group that
      // took the name meanwhile is never used: it need not admit 443, and it is not ours to change.
      const existing = await findSecurityGroupByName(ec2, config, action.vpcId);
      if (existing && !existing.managed) {
        throw new DependencyFailedError(foreignGroupMessage(config, existing.id), {
          vpcId: action.vpcId,
          securityGroupId: existing.id,
        });
      }
      if (existing) {
        ctx.securityGroupId = existing.id;
        return skip(`security group ${existing.id} (${SECURITY_GROUP_NAME}) already exists`, existing.id);
      }
      let groupId: string;
      let adopted = false;
      try {
        const created = await ec2.send(
          new CreateSecurityGroupCommand({
            VpcId: action.vpcId,
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
        // Converge onto it (its ingress is authorized below) instead of failing every endpoint behind it,
        // but only if it is ours.
        const found =
          errorName(err) === 'InvalidGroup.Duplicate'
            ? await findSecurityGroupByName(ec2, config, action.vpcId)
            : undefined;
        if (!found) throw err;
        if (!found.managed) {
          throw new DependencyFailedError(foreignGroupMessage(config, found.id), {
            vpcId: action.vpcId,
            securityGroupId: found.id,
          });
        }
        groupId = found.id;
        adopted = true;
      }
      ctx.securityGroupId = groupId;
      await authorize(ctx, groupId, action.cidrs ?? [], action.ipv6Cidrs ?? []);
      const cidrs = [...(action.cidrs ?? []), ...(action.ipv6Cidrs ?? [])].join(', ');
      return ok(
        adopted
          ? `${groupId} was already created (a retried or concurrent create); it admits TCP 443 from ${cidrs}`
          : `created ${groupId} admitting TCP 443 from ${cidrs}`,
        groupId,
      );
    }

    case 'authorize-security-group-ingress': {
      const added = await authorize(ctx, action.targetId!, action.cidrs ?? [], action.ipv6Cidrs ?? []);
      const cidrs = [...(action.cidrs ?? []), ...(action.ipv6Cidrs ?? [])].join(', ');
      return added
        ? ok(`${action.targetId} now admits TCP 443 from ${cidrs}`, action.targetId)
        : skip(`${action.targetId} already admits TCP 443 from ${cidrs}`, action.targetId);
    }

    case 'create-interface-endpoint': {
      const groupId = action.securityGroupId ?? ctx.securityGroupId;
      if (!groupId) {
        throw new DependencyFailedError('not attempted: the endpoint security group could not be created', {
          vpcId: action.vpcId,
          service: action.service,
        });
      }
      const existing = await liveEndpointsFor(ctx, action, 'Interface');
      if (existing.length > 0) {
        const e = existing[0]!;
        const who = isManaged(config, e.Tags)
          ? 'created by privatelink-ecs'
          : 'not created by privatelink-ecs';
        return skip(`${e.VpcEndpointId} (${who}) already provides ${action.service}`, e.VpcEndpointId);
      }
      const id = await createEndpoint(
        ctx,
        action,
        'Interface',
        [...action.resourceIds, groupId],
        (token) => ({
          VpcId: action.vpcId,
          VpcEndpointType: 'Interface',
          ServiceName: action.serviceName,
          SubnetIds: action.resourceIds,
          SecurityGroupIds: [groupId],
          PrivateDnsEnabled: true,
          // Dual-stack or IPv6-only subnets (the plan chose it from them and the service's support).
          ...(action.ipAddressType && action.ipAddressType !== 'ipv4'
            ? {
                IpAddressType: action.ipAddressType,
                DnsOptions: { DnsRecordIpType: action.ipAddressType },
              }
            : {}),
          ClientToken: token,
          TagSpecifications: [
            { ResourceType: 'vpc-endpoint', Tags: managedTags(config, `privatelink-ecs-${action.service}`) },
          ],
        }),
      );
      return ok(`created ${id} in ${action.resourceIds.length} subnet(s)`, id);
    }

    case 'add-endpoint-subnets':
      await ec2.send(
        new ModifyVpcEndpointCommand({ VpcEndpointId: action.targetId, AddSubnetIds: action.resourceIds }),
      );
      return ok(`added subnet(s) ${action.resourceIds.join(', ')} to ${action.targetId}`, action.targetId);

    case 'create-gateway-endpoint': {
      // Re-read: S3 gateways may have appeared since the plan. A route table already on one (ours or someone
      // else's) has its one S3 route and is left as it is; the rest go on a gateway of ours, never on someone
      // else's.
      const existing = await liveEndpointsFor(ctx, action, 'Gateway');
      const covered = new Set(existing.flatMap((x) => x.RouteTableIds ?? []));
      const add = action.resourceIds.filter((rt) => !covered.has(rt));
      if (add.length === 0) {
        const holders = existing.filter((x) =>
          (x.RouteTableIds ?? []).some((rt) => action.resourceIds.includes(rt)),
        );
        return skip(
          `route table(s) ${action.resourceIds.join(', ')} are already on ${holders.map((x) => x.VpcEndpointId).join(', ')}`,
          holders[0]?.VpcEndpointId,
        );
      }
      const ours = existing.find((x) => isManaged(config, x.Tags));
      if (ours) {
        // Appeared since the plan (a concurrent run): converge onto it instead of making a second one of ours.
        return runAction(ctx, {
          ...action,
          kind: 'add-gateway-route-tables',
          resourceIds: add,
          targetId: ours.VpcEndpointId!,
        });
      }
      const id = await createEndpoint(ctx, { ...action, resourceIds: add }, 'Gateway', add, (token) => ({
        VpcId: action.vpcId,
        VpcEndpointType: 'Gateway',
        ServiceName: action.serviceName,
        RouteTableIds: add,
        ClientToken: token,
        TagSpecifications: [
          { ResourceType: 'vpc-endpoint', Tags: managedTags(config, `privatelink-ecs-${action.service}`) },
        ],
      }));
      return ok(`created ${id} on route table(s) ${add.join(', ')}`, id);
    }

    case 'add-gateway-route-tables':
      // The planner targets only a gateway of ours (someone else's is never modified).
      await ec2.send(
        new ModifyVpcEndpointCommand({
          VpcEndpointId: action.targetId,
          AddRouteTableIds: action.resourceIds,
        }),
      );
      return ok(
        `added route table(s) ${action.resourceIds.join(', ')} to ${action.targetId}`,
        action.targetId,
      );

    case 'delete-endpoint':
    case 'delete-security-group':
      throw new InvalidInputError(`${action.kind} is a teardown action; use teardownVpc`, {
        vpcId: action.vpcId,
      });
  }
}

/** Applies the actions in order; returns one result per action. Never throws for a failed action. */
export async function executePlan(ctx: ExecutionContext, actions: PlannedAction[]): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const action of actions) {
    let outcome: Outcome;
    try {
      outcome = await runAction(ctx, action);
    } catch (err) {
      outcome = { status: 'error', message: describeError(err), errorName: errorName(err) };
      logger.error('reconcile action failed', {
        vpcId: action.vpcId,
        kind: action.kind,
        endpointService: action.service,
        errorName: outcome.errorName,
        error: err as Error,
      });
    }
    const result: ActionResult = { action, ...outcome };
    if (outcome.status !== 'error') {
      logger.info('reconcile action', {
        vpcId: action.vpcId,
        kind: action.kind,
        endpointService: action.service,
        status: outcome.status,
        resourceId: outcome.resourceId,
      });
    }
    results.push(result);
  }
  return results;
}
