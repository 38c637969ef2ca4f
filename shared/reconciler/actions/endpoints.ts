// Actions on endpoints: create an interface endpoint (private DNS, behind our group) or an S3 gateway, and add
// subnets or route tables to one of ours. Before each create the action re-reads, so a lost ClientToken (or
// moto, which ignores it) still makes no duplicate. Someone else's endpoint is never modified.
import {
  CreateVpcEndpointCommand,
  type CreateVpcEndpointCommandInput,
  ModifyVpcEndpointCommand,
} from '@aws-sdk/client-ec2';
import { DependencyFailedError } from '../../errors';
import { logger } from '../../observability';
import type { PermissionDeclaration } from '../../permissions';
import { describeEndpoints } from '../inventory';
import { clientToken, isLiveState, isManaged, managedTags } from '../naming';
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

// IAM authorizes each resource of a request on its own, and a request tag is in the context only for the
// resource being created (the SAR lists aws:RequestTag for vpc-endpoint in CreateVpcEndpoint, not for the VPC,
// subnets or route tables). So the tag condition sits on the statement for the new endpoint alone, and the
// resources a create merely names get their own statement. ec2:VpceServiceName exists only for
// CreateVpcEndpoint's vpc-endpoint: no statement here relies on it.
const CREATE_ENDPOINT: PermissionDeclaration[] = [
  ...finderReads('ec2:DescribeVpcEndpoints'),
  {
    sid: 'ReconcilerCreateEndpoint',
    actions: ['ec2:CreateVpcEndpoint'],
    resources: [ec2Arn('vpc-endpoint')],
    conditions: REQUEST_TAGGED,
    reason: 'Creates interface and S3 gateway endpoints, only with our managed tag in the request',
  },
  {
    sid: 'ReconcilerCreateEndpointInVpc',
    actions: ['ec2:CreateVpcEndpoint'],
    resources: [ec2Arn('vpc'), ec2Arn('subnet'), ec2Arn('route-table')],
    reason:
      'The VPC, subnets and route tables a new endpoint is placed in; the endpoint statement above requires our tag',
  },
  tagOnCreate('ReconcilerTagEndpointOnCreate', 'vpc-endpoint', 'CreateVpcEndpoint'),
];

const MODIFY_OWN_ENDPOINT: PermissionDeclaration[] = [
  {
    sid: 'ReconcilerModifyOwnEndpoint',
    actions: ['ec2:ModifyVpcEndpoint'],
    resources: [ec2Arn('vpc-endpoint')],
    conditions: RESOURCE_TAGGED,
    reason: 'Adds subnets or route tables to endpoints we created only',
  },
  {
    sid: 'ReconcilerModifyEndpointAttachments',
    actions: ['ec2:ModifyVpcEndpoint'],
    resources: [ec2Arn('subnet'), ec2Arn('route-table')],
    reason:
      'The subnets and route tables named in ModifyVpcEndpoint; useless without the endpoint statement above',
  },
];

async function liveEndpointsFor(ctx: ActionContext, step: PlannedAction, type: 'Interface' | 'Gateway') {
  const found = await describeEndpoints(ctx.ec2, [
    { Name: 'vpc-id', Values: [step.vpcId] },
    { Name: 'service-name', Values: [step.serviceName!] },
    { Name: 'vpc-endpoint-type', Values: [type] },
  ]);
  return found.filter(
    (e) => isLiveState(e.State) && e.VpcEndpointType === type && e.ServiceName === step.serviceName,
  );
}

/**
 * CreateVpcEndpoint with a deterministic token. EC2 answers a reused token with the endpoint it first created,
 * even when that endpoint has since been deleted (or failed): such an answer creates nothing, so the create is
 * sent once more with a token that names the dead endpoint as replaced. A second dead answer is an error, never
 * a silent success.
 */
async function createEndpoint(
  ctx: ActionContext,
  step: PlannedAction,
  type: 'Interface' | 'Gateway',
  parameters: string[],
  request: (token: string) => CreateVpcEndpointCommandInput,
): Promise<string | undefined> {
  const replaces = [...(step.replaces ?? [])];
  for (let attempt = 1; ; attempt++) {
    const token = clientToken(step.vpcId, step.service!, type, replaces, parameters);
    const created = await ctx.ec2.send(new CreateVpcEndpointCommand(request(token)));
    const endpoint = created.VpcEndpoint;
    // No state in the answer (some emulators): take it as created.
    if (!endpoint?.State || isLiveState(endpoint.State)) return endpoint?.VpcEndpointId;
    if (attempt > 1 || !endpoint.VpcEndpointId) {
      throw new DependencyFailedError(
        `CreateVpcEndpoint returned ${endpoint.VpcEndpointId ?? 'an endpoint'} in state ${endpoint.State} instead of a new endpoint`,
        { vpcId: step.vpcId, service: step.service },
      );
    }
    logger.warn('ClientToken returned an endpoint that is no longer live; creating with a fresh token', {
      vpcId: step.vpcId,
      endpointService: step.service,
      endpointId: endpoint.VpcEndpointId,
      state: endpoint.State,
    });
    replaces.push(endpoint.VpcEndpointId);
  }
}

const endpointTags = (ctx: ActionContext, step: PlannedAction) => [
  { ResourceType: 'vpc-endpoint' as const, Tags: managedTags(ctx.config, `privatelink-ecs-${step.service}`) },
];

export const createInterfaceEndpoint: ReconcilerAction<'create-interface-endpoint'> = {
  kind: 'create-interface-endpoint',
  permissions: [
    ...CREATE_ENDPOINT,
    {
      sid: 'ReconcilerAttachOwnSecurityGroup',
      actions: ['ec2:CreateVpcEndpoint'],
      resources: [ec2Arn('security-group')],
      conditions: RESOURCE_TAGGED,
      reason: 'Endpoints are placed behind our own security group only, never behind one we did not create',
    },
    {
      sid: 'ReconcilerPrivateDnsZone',
      actions: ['route53:AssociateVPCWithHostedZone'],
      resources: ['arn:{partition}:route53:::hostedzone/*'],
      reason:
        'Dependent action of CreateVpcEndpoint with private DNS: associates the VPC with the hosted zone AWS manages for the endpoint',
    },
  ],
  async run(ctx, step) {
    const groupId = step.securityGroupId ?? ctx.securityGroupId;
    if (!groupId) {
      throw new DependencyFailedError('not attempted: the endpoint security group could not be created', {
        vpcId: step.vpcId,
        service: step.service,
      });
    }
    const existing = await liveEndpointsFor(ctx, step, 'Interface');
    if (existing.length > 0) {
      const e = existing[0]!;
      const who = isManaged(ctx.config, e.Tags)
        ? 'created by privatelink-ecs'
        : 'not created by privatelink-ecs';
      return skip(`${e.VpcEndpointId} (${who}) already provides ${step.service}`, e.VpcEndpointId);
    }
    const id = await createEndpoint(ctx, step, 'Interface', [...step.resourceIds, groupId], (token) => ({
      VpcId: step.vpcId,
      VpcEndpointType: 'Interface',
      ServiceName: step.serviceName,
      SubnetIds: step.resourceIds,
      SecurityGroupIds: [groupId],
      PrivateDnsEnabled: true,
      // Dual-stack or IPv6-only subnets (the plan chose it from them and the service's support).
      ...(step.ipAddressType && step.ipAddressType !== 'ipv4'
        ? { IpAddressType: step.ipAddressType, DnsOptions: { DnsRecordIpType: step.ipAddressType } }
        : {}),
      ClientToken: token,
      TagSpecifications: endpointTags(ctx, step),
    }));
    return ok(`created ${id} in ${step.resourceIds.length} subnet(s)`, id);
  },
};

export const addEndpointSubnets: ReconcilerAction<'add-endpoint-subnets'> = {
  kind: 'add-endpoint-subnets',
  permissions: MODIFY_OWN_ENDPOINT,
  async run({ ec2 }, step) {
    await ec2.send(
      new ModifyVpcEndpointCommand({ VpcEndpointId: step.targetId, AddSubnetIds: step.resourceIds }),
    );
    return ok(`added subnet(s) ${step.resourceIds.join(', ')} to ${step.targetId}`, step.targetId);
  },
};

export const addGatewayRouteTables: ReconcilerAction<'add-gateway-route-tables'> = {
  kind: 'add-gateway-route-tables',
  permissions: MODIFY_OWN_ENDPOINT,
  async run({ ec2 }, step) {
    // The planner targets only a gateway of ours (someone else's is never modified).
    await ec2.send(
      new ModifyVpcEndpointCommand({ VpcEndpointId: step.targetId, AddRouteTableIds: step.resourceIds }),
    );
    return ok(`added route table(s) ${step.resourceIds.join(', ')} to ${step.targetId}`, step.targetId);
  },
};

export const createGatewayEndpoint: ReconcilerAction<'create-gateway-endpoint'> = {
  kind: 'create-gateway-endpoint',
  // A gateway of ours that appeared since the plan gets the route tables instead (addGatewayRouteTables).
  permissions: [...CREATE_ENDPOINT, ...addGatewayRouteTables.permissions],
  async run(ctx, step) {
    // Re-read: S3 gateways may have appeared since the plan. A route table already on one (ours or someone
    // else's) has its one S3 route and is left as it is; the rest go on a gateway of ours, never on someone
    // else's.
    const existing = await liveEndpointsFor(ctx, step, 'Gateway');
    const covered = new Set(existing.flatMap((x) => x.RouteTableIds ?? []));
    const add = step.resourceIds.filter((rt) => !covered.has(rt));
    if (add.length === 0) {
      const holders = existing.filter((x) =>
        (x.RouteTableIds ?? []).some((rt) => step.resourceIds.includes(rt)),
      );
      return skip(
        `route table(s) ${step.resourceIds.join(', ')} are already on ${holders.map((x) => x.VpcEndpointId).join(', ')}`,
        holders[0]?.VpcEndpointId,
      );
    }
    const ours = existing.find((x) => isManaged(ctx.config, x.Tags));
    if (ours) {
      // Appeared since the plan (a concurrent run): converge onto it instead of making a second one of ours.
      return addGatewayRouteTables.run(ctx, {
        ...step,
        kind: 'add-gateway-route-tables',
        resourceIds: add,
        targetId: ours.VpcEndpointId!,
      });
    }
    const id = await createEndpoint(ctx, { ...step, resourceIds: add }, 'Gateway', add, (token) => ({
      VpcId: step.vpcId,
      VpcEndpointType: 'Gateway',
      ServiceName: step.serviceName,
      RouteTableIds: add,
      ClientToken: token,
      TagSpecifications: endpointTags(ctx, step),
    }));
    return ok(`created ${id} on route table(s) ${add.join(', ')}`, id);
  },
};
