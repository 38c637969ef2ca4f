// Simulated EC2: VPCs, subnets, route tables, gateways, security groups, VPC endpoints (with a pending ->
// available/failed lifecycle driven by DescribeVpcEndpoints polls), tags and instances. Error codes and
// messages follow the EC2 API reference.

import type {
  AllocateAddressRequest,
  AllocateAddressResult,
  AssociateRouteTableRequest,
  AssociateRouteTableResult,
  AssociateVpcCidrBlockRequest,
  AssociateVpcCidrBlockResult,
  AttachInternetGatewayRequest,
  AuthorizeSecurityGroupIngressRequest,
  AuthorizeSecurityGroupIngressResult,
  CreateInternetGatewayRequest,
  CreateInternetGatewayResult,
  CreateNatGatewayRequest,
  CreateNatGatewayResult,
  CreateRouteRequest,
  CreateRouteResult,
  CreateRouteTableRequest,
  CreateRouteTableResult,
  CreateSecurityGroupRequest,
  CreateSecurityGroupResult,
  CreateSubnetRequest,
  CreateSubnetResult,
  CreateTagsRequest,
  CreateVpcEndpointRequest,
  CreateVpcEndpointResult,
  CreateVpcRequest,
  CreateVpcResult,
  DeleteSecurityGroupRequest,
  DeleteSecurityGroupResult,
  DeleteTagsRequest,
  DeleteVpcEndpointsRequest,
  DeleteVpcEndpointsResult,
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
  DescribeImagesRequest,
  DescribeImagesResult,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  DescribeNatGatewaysRequest,
  DescribeNatGatewaysResult,
  DescribeRouteTablesRequest,
  DescribeRouteTablesResult,
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  DescribeSubnetsRequest,
  DescribeSubnetsResult,
  DescribeTagsRequest,
  DescribeTagsResult,
  DescribeVpcAttributeRequest,
  DescribeVpcAttributeResult,
  DescribeVpcEndpointServicesRequest,
  DescribeVpcEndpointServicesResult,
  DescribeVpcEndpointsRequest,
  DescribeVpcEndpointsResult,
  DescribeVpcsRequest,
  DescribeVpcsResult,
  Image,
  Instance,
  IpPermission,
  ModifyVpcAttributeRequest,
  ModifyVpcEndpointRequest,
  ModifyVpcEndpointResult,
  RebootInstancesRequest,
  Reservation,
  RouteTable,
  RunInstancesRequest,
  SecurityGroup,
  ServiceDetail,
  Subnet,
  TagSpecification,
  Vpc,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';
import * as ec2sdk from '@aws-sdk/client-ec2';
import {
  type Cidr,
  cidrContains,
  cidrOverlaps,
  formatIp,
  type HandlerMap,
  hashString,
  matchesFilters,
  op,
  paginate,
  parseCidr,
  serviceKit,
  type TagMap,
  tagList,
  UnsupportedOperationError,
} from './core';
import {
  GATEWAY_SERVICES,
  INTERFACE_SERVICES,
  type SimEndpoint,
  type SimInstance,
  type SimIpPermission,
  type SimRouteTable,
  type SimSecurityGroup,
  type SimState,
  type SimSubnet,
  type SimVpc,
} from './state';

// Real EC2 throttles with HTTP 503 but a client fault.
export const {
  error: ec2Error,
  throttle: ec2Throttle,
  invalid: invalidParam,
  page: ec2Page,
} = serviceKit(ec2sdk, ec2sdk.EC2ServiceException, {
  throttle: {
    name: 'RequestLimitExceeded',
    message: 'Request limit exceeded.',
    status: 503,
    fault: 'client',
  },
  invalid: 'InvalidParameterValue',
  page: { min: 5, max: 1000, defaultSize: Number.POSITIVE_INFINITY },
});
const FULL_ACCESS_POLICY =
  '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';
/** AMIs every simulated account can see (DescribeImages, RunInstances). */
export const SIM_IMAGES = [
  {
    id: 'ami-0ec5a1e2023000001',
    name: 'al2023-ami-ecs-hvm-2023.0.20250110-kernel-6.1-x86_64',
    platform: undefined,
  },
  { id: 'ami-0ec5a1e2000000002', name: 'amzn2-ami-ecs-hvm-2.0.20250110-x86_64-ebs', platform: undefined },
  { id: 'ami-0b0771e0c0e000003', name: 'bottlerocket-aws-ecs-2-x86_64-v1.30.0', platform: undefined },
  {
    id: 'ami-0a1d0a522022f0004',
    name: 'Windows_Server-2022-English-Full-ECS_Optimized-2025.01.15',
    platform: 'windows' as const,
  },
];
const S3_PREFIX_LISTS: Record<string, string> = { s3: 'pl-63a5400a', dynamodb: 'pl-02cd2c6b' };

function toBool(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (value && typeof value === 'object' && 'Value' in value) return (value as { Value?: boolean }).Value;
  return undefined;
}

export function ec2Handlers(state: SimState): HandlerMap {
  const owner = state.accountId;
  const arn = (type: string, id: string) => `arn:aws:ec2:${state.region}:${owner}:${type}/${id}`;

  // ------------------------------------------------------------------ lookups with EC2's own error codes
  function idCheck(id: unknown, prefix: string, code: string): string {
    if (typeof id !== 'string' || !new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`).test(id)) {
      throw ec2Error(`${code}.Malformed`, `Invalid id: "${String(id)}"`);
    }
    return id;
  }
  function getVpc(id: unknown): SimVpc {
    const vpcId = idCheck(id, 'vpc', 'InvalidVpcID');
    const vpc = state.vpcs.get(vpcId);
    if (!vpc) throw ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    return vpc;
  }
  function getSubnet(id: unknown): SimSubnet {
    const subnetId = idCheck(id, 'subnet', 'InvalidSubnetID');
    const subnet = state.subnets.get(subnetId);
    if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
    return subnet;
  }
  function getRouteTable(id: unknown): SimRouteTable {
    const rt = typeof id === 'string' ? state.routeTables.get(id) : undefined;
    if (!rt)
      throw ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${String(id)}' does not exist`);
    return rt;
  }
  function getGroup(id: unknown): SimSecurityGroup {
    const sg = typeof id === 'string' ? state.securityGroups.get(id) : undefined;
    if (!sg) throw ec2Error('InvalidGroup.NotFound', `The security group '${String(id)}' does not exist`);
    return sg;
  }
  function getEndpoint(id: unknown): SimEndpoint {
    const ep = typeof id === 'string' ? state.endpoints.get(id) : undefined;
    if (!ep || ep.state === 'deleted') {
      throw ec2Error('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${String(id)}' does not exist`);
    }
    return ep;
  }
  function getInstance(id: unknown): SimInstance {
    const instanceId = idCheck(id, 'i', 'InvalidInstanceID');
    const instance = state.instances.get(instanceId);
    if (!instance || instance.state === 'terminated') {
      throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    }
    return instance;
  }
  function resourceExists(id: string): void {
    const checks: Array<[string, () => unknown]> = [
      ['vpc-', () => getVpc(id)],
      ['subnet-', () => getSubnet(id)],
      ['rtb-', () => getRouteTable(id)],
      ['sg-', () => getGroup(id)],
      ['vpce-', () => getEndpoint(id)],
      ['i-', () => getInstance(id)],
      [
        'igw-',
        () => {
          if (!state.internetGateways.has(id)) {
            throw ec2Error(
              'InvalidInternetGatewayID.NotFound',
              `The internetGateway ID '${id}' does not exist`,
            );
          }
        },
      ],
      [
        'nat-',
        () => {
          if (!state.natGateways.has(id))
            throw ec2Error('NatGatewayNotFound', `The Nat Gateway ${id} was not found`);
        },
      ],
    ];
    const check = checks.find(([prefix]) => id.startsWith(prefix));
    if (!check) throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
    check[1]();
  }
  function resourceType(id: string): string {
    const types: Record<string, string> = {
      vpc: 'vpc',
      subnet: 'subnet',
      rtb: 'route-table',
      sg: 'security-group',
      vpce: 'vpc-endpoint',
      i: 'instance',
      igw: 'internet-gateway',
      nat: 'natgateway',
    };
    return types[id.split('-')[0] ?? ''] ?? 'unknown';
  }

  // ------------------------------------------------------------------ tags
  function validateTags(tags: Array<{ Key?: string; Value?: string }>): void {
    for (const tag of tags) {
      if (!tag.Key || tag.Key.length > 128)
        throw invalidParam(`Tag key must be 1 to 128 characters, got "${tag.Key ?? ''}"`);
      if ((tag.Value ?? '').length > 256)
        throw invalidParam(`Tag value exceeds the maximum length of 256 characters`);
      if (tag.Key.toLowerCase().startsWith('aws:')) {
        throw invalidParam(`Tag keys starting with 'aws:' are reserved for internal use`);
      }
    }
  }
  function setTags(resourceId: string, tags: Array<{ Key?: string; Value?: string }>): void {
    validateTags(tags);
    const map = state.tagsOf(resourceId);
    for (const tag of tags) map.set(tag.Key!, tag.Value ?? '');
    if (map.size > 50)
      throw ec2Error('TagLimitExceeded', `The maximum number of Tags for a resource has been reached.`);
  }
  function applyTagSpecs(resourceId: string, specs: TagSpecification[] | undefined, type: string): void {
    for (const spec of specs ?? []) {
      if (spec.ResourceType !== type) {
        throw invalidParam(
          `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
        );
      }
    }
    const tags = (specs ?? []).flatMap((s) => s.Tags ?? []);
    if (tags.length) setTags(resourceId, tags);
  }
  function checkTagSpecs(specs: TagSpecification[] | undefined, allowed: string[]): void {
    for (const spec of specs ?? []) {
      if (!allowed.includes(spec.ResourceType ?? '')) {
        throw invalidParam(
          `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
        );
      }
      validateTags(spec.Tags ?? []);
    }
  }
  const tagsOut = (id: string) => {
    const tags = state.tags.get(id);
    return tags?.size ? tagList(tags) : undefined;
  };
  const tagsOf = (id: string): TagMap => state.tags.get(id) ?? new Map();

  // ------------------------------------------------------------------ renderers
  function renderVpc(vpc: SimVpc): Vpc {
    return {
      VpcId: vpc.id,
      CidrBlock: vpc.cidrs[0]!.cidr,
      State: 'available',
      DhcpOptionsId: 'dopt-0a1b2c3d4e5f60718',
      InstanceTenancy: 'default',
      IsDefault: false,
      OwnerId: owner,
      CidrBlockAssociationSet: vpc.cidrs.map((c) => ({
        AssociationId: c.associationId,
        CidrBlock: c.cidr,
        CidrBlockState: { State: 'associated' },
      })),
      ...(vpc.ipv6Cidr
        ? {
            Ipv6CidrBlockAssociationSet: [
              {
                AssociationId: `vpc-cidr-assoc-${hashString(vpc.ipv6Cidr)}`,
                Ipv6CidrBlock: vpc.ipv6Cidr,
                Ipv6CidrBlockState: { State: 'associated' as const },
                NetworkBorderGroup: state.region,
              },
            ],
          }
        : {}),
      Tags: tagsOut(vpc.id),
    };
  }
  function renderSubnet(s: SimSubnet): Subnet {
    const size = 2 ** (32 - parseCidr(s.cidr)!.prefix);
    const used = [...state.instances.values()].filter(
      (i) => i.subnetId === s.id && i.state !== 'terminated',
    ).length;
    const enis = [...state.endpoints.values()].filter(
      (e) => e.subnetIds.includes(s.id) && e.state !== 'deleted',
    ).length;
    return {
      SubnetId: s.id,
      SubnetArn: arn('subnet', s.id),
      VpcId: s.vpcId,
      ...(s.ipv6Native ? { Ipv6Native: true } : { CidrBlock: s.cidr }),
      AvailabilityZone: s.az,
      AvailabilityZoneId: s.azId,
      AvailableIpAddressCount: size - 5 - used - enis,
      DefaultForAz: false,
      MapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
      State: 'available',
      OwnerId: owner,
      AssignIpv6AddressOnCreation: Boolean(s.ipv6Native),
      Ipv6CidrBlockAssociationSet: s.ipv6Cidr
        ? [
            {
              AssociationId: `subnet-cidr-assoc-${hashString(s.ipv6Cidr)}`,
              Ipv6CidrBlock: s.ipv6Cidr,
              Ipv6CidrBlockState: { State: 'associated' },
            },
          ]
        : [],
      Tags: tagsOut(s.id),
    };
  }
  function renderRouteTable(rt: SimRouteTable): RouteTable {
    return {
      RouteTableId: rt.id,
      VpcId: rt.vpcId,
      OwnerId: owner,
      PropagatingVgws: [],
      Routes: rt.routes.map((r) => {
        const natGone = r.NatGatewayId && !state.natGateways.has(r.NatGatewayId);
        return {
          ...(r.DestinationCidrBlock ? { DestinationCidrBlock: r.DestinationCidrBlock } : {}),
          ...(r.DestinationPrefixListId ? { DestinationPrefixListId: r.DestinationPrefixListId } : {}),
          ...(r.GatewayId ? { GatewayId: r.GatewayId } : {}),
          ...(r.NatGatewayId ? { NatGatewayId: r.NatGatewayId } : {}),
          Origin: r.Origin === 'CreateVpcEndpoint' ? 'CreateRoute' : r.Origin,
          State: natGone ? 'blackhole' : 'active',
        };
      }),
      Associations: rt.associations.map((a) => ({
        Main: a.main,
        RouteTableAssociationId: a.id,
        RouteTableId: rt.id,
        ...(a.subnetId ? { SubnetId: a.subnetId } : {}),
        AssociationState: { State: 'associated' },
      })),
      Tags: tagsOut(rt.id) ?? [],
    };
  }
  function renderPermission(p: SimIpPermission): IpPermission {
    return {
      IpProtocol: p.IpProtocol,
      ...(p.FromPort !== undefined ? { FromPort: p.FromPort } : {}),
      ...(p.ToPort !== undefined ? { ToPort: p.ToPort } : {}),
      IpRanges: p.IpRanges.map((r) => ({ ...r })),
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: p.UserIdGroupPairs.map((g) => ({ ...g })),
    };
  }
  function renderGroup(sg: SimSecurityGroup): SecurityGroup {
    return {
      GroupId: sg.id,
      GroupName: sg.name,
      Description: sg.description,
      VpcId: sg.vpcId,
      OwnerId: owner,
      SecurityGroupArn: arn('security-group', sg.id),
      IpPermissions: sg.ingress.map(renderPermission),
      IpPermissionsEgress: sg.egress.map(renderPermission),
      Tags: tagsOut(sg.id),
    };
  }
  function privateDnsName(service: string): string {
    if (service === 'ecr.api') return `api.ecr.${state.region}.amazonaws.com`;
    if (service === 'ecr.dkr') return `*.dkr.ecr.${state.region}.amazonaws.com`;
    return `${service}.${state.region}.amazonaws.com`;
  }
  function renderEndpoint(ep: SimEndpoint): VpcEndpoint {
    const base: VpcEndpoint = {
      VpcEndpointId: ep.id,
      VpcEndpointType: ep.type,
      VpcId: ep.vpcId,
      ServiceName: ep.serviceName,
      State: ep.state as VpcEndpoint['State'],
      PolicyDocument: ep.policyDocument,
      RouteTableIds: [...ep.routeTableIds],
      SubnetIds: [...ep.subnetIds],
      Groups: ep.groupIds.map((id) => ({ GroupId: id, GroupName: state.securityGroups.get(id)?.name ?? id })),
      PrivateDnsEnabled: ep.privateDnsEnabled,
      RequesterManaged: false,
      NetworkInterfaceIds: [...ep.networkInterfaceIds],
      DnsEntries:
        ep.type === 'Interface'
          ? [
              {
                DnsName: `${ep.id}-${hashString(ep.id).slice(0, 8)}.${ep.service}.${state.region}.vpce.amazonaws.com`,
                HostedZoneId: 'Z7HUB22UULQXV',
              },
              ...(ep.privateDnsEnabled
                ? [{ DnsName: privateDnsName(ep.service), HostedZoneId: 'ZONEIDPENDING' }]
                : []),
            ]
          : [],
      CreationTimestamp: new Date(ep.created.getTime()),
      Tags: tagsOut(ep.id) ?? [],
      OwnerId: owner,
      ...(ep.type === 'Interface'
        ? {
            IpAddressType: ep.ipAddressType ?? 'ipv4',
            DnsOptions: { DnsRecordIpType: ep.ipAddressType ?? 'ipv4' },
          }
        : {}),
    };
    if (ep.state === 'failed' && ep.lastError)
      base.LastError = { Code: 'CreationFailed', Message: ep.lastError };
    return base;
  }
  function renderInstance(i: SimInstance, stateName?: string): Instance {
    const codes: Record<string, number> = { pending: 0, running: 16, stopped: 80, terminated: 48 };
    const name = stateName ?? i.state;
    return {
      InstanceId: i.id,
      ImageId: i.imageId,
      InstanceType: i.instanceType as Instance['InstanceType'],
      State: { Code: codes[name] ?? 16, Name: name as 'running' },
      SubnetId: i.subnetId,
      VpcId: i.vpcId,
      Placement: { AvailabilityZone: i.az, Tenancy: 'default', GroupName: '' },
      PrivateIpAddress: i.privateIp,
      PrivateDnsName: `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal`,
      LaunchTime: new Date(i.launchTime.getTime()),
      Architecture: 'x86_64',
      ...(i.platform
        ? { Platform: 'windows' as Instance['Platform'], PlatformDetails: 'Windows' }
        : { PlatformDetails: 'Linux/UNIX' }),
      Tags: tagsOut(i.id),
      AmiLaunchIndex: 0,
    };
  }

  // ------------------------------------------------------------------ endpoint lifecycle
  function endpointBehaviour(service: string) {
    return state.endpointBehaviour.get(service) ?? {};
  }
  /** One "poll": every endpoint that is still settling moves one step towards its outcome. */
  function advanceEndpoints(): void {
    for (const ep of [...state.endpoints.values()]) {
      if (ep.state === 'deleting') {
        ep.deletingPollsLeft = (ep.deletingPollsLeft ?? 1) - 1;
        if (ep.deletingPollsLeft <= 0) {
          ep.state = 'deleted';
          state.endpoints.delete(ep.id);
        }
        continue;
      }
      if (ep.state !== 'pending' || ep.outcome === 'stuck') continue;
      if (ep.pendingPollsLeft > 0) {
        ep.pendingPollsLeft -= 1;
        continue;
      }
      ep.state = ep.outcome;
      if (ep.outcome === 'failed') {
        ep.lastError = ep.lastError ?? `The VPC endpoint for ${ep.serviceName} could not be created.`;
      }
    }
  }

  function serviceAzs(service: string): string[] {
    return state.serviceAzs.get(service) ?? [...state.azNames];
  }

  function parseServiceName(serviceName: string | undefined): string {
    const prefix = `com.amazonaws.${state.region}.`;
    const short = serviceName?.startsWith(prefix) ? serviceName.slice(prefix.length) : undefined;
    if (!short || !INTERFACE_SERVICES.includes(short)) {
      throw ec2Error('InvalidServiceName', `The Vpc Endpoint Service '${serviceName ?? ''}' does not exist`);
    }
    return short;
  }

  /** As EC2 does: every subnet of an endpoint has the addresses its IP address type needs. */
  function checkSubnetsIpType(ipType: string, subnetIds: readonly string[]): void {
    const subnets = subnetIds.map((id) => state.subnets.get(id)).filter((x) => x !== undefined);
    const noV4 = subnets.filter((x) => x.ipv6Native).map((x) => x.id);
    const noV6 = subnets.filter((x) => !x.ipv6Cidr).map((x) => x.id);
    if (ipType !== 'ipv6' && noV4.length)
      throw ec2Error(
        'InvalidParameter',
        `The following subnets do not have an IPv4 CIDR block, as IP address type ${ipType} needs: ${noV4.join(', ')}`,
      );
    if (ipType !== 'ipv4' && noV6.length)
      throw ec2Error(
        'InvalidParameter',
        `The following subnets do not have an IPv6 CIDR block, as IP address type ${ipType} needs: ${noV6.join(', ')}`,
      );
  }

  function checkEndpointSubnets(
    ep: { vpcId: string; service: string; serviceName: string },
    subnetIds: string[],
  ): void {
    const seenAz = new Map<string, string>();
    const offered = serviceAzs(ep.service);
    for (const id of subnetIds) {
      const subnet = getSubnet(id);
      if (subnet.vpcId !== ep.vpcId) {
        throw ec2Error('InvalidParameter', `The subnet ID '${id}' does not belong to the VPC ${ep.vpcId}.`);
      }
      if (!offered.includes(subnet.az)) {
        throw ec2Error(
          'InvalidParameter',
          `The VPC endpoint service ${ep.serviceName} does not support the availability zone of the subnet: ${id}.`,
        );
      }
      const other = seenAz.get(subnet.az);
      if (other) {
        throw ec2Error(
          'DuplicateSubnetsInSameZone',
          `Found another VPC endpoint subnet in the availability zone of ${id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`,
        );
      }
      seenAz.set(subnet.az, id);
    }
  }

  function checkPrivateDns(vpc: SimVpc, service: string, selfId?: string): void {
    if (!vpc.dnsSupport || !vpc.dnsHostnames) {
      throw ec2Error(
        'InvalidParameter',
        `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpc.id}`,
      );
    }
    const conflict = [...state.endpoints.values()].find(
      (e) =>
        e.id !== selfId &&
        e.vpcId === vpc.id &&
        e.service === service &&
        e.type === 'Interface' &&
        e.privateDnsEnabled &&
        !['deleting', 'deleted', 'failed', 'rejected'].includes(e.state),
    );
    if (conflict) {
      throw ec2Error(
        'InvalidParameter',
        `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ${privateDnsName(service)} in the VPC ${vpc.id}`,
      );
    }
  }

  function addGatewayRoutes(ep: SimEndpoint, routeTableIds: string[]): void {
    const prefixList = S3_PREFIX_LISTS[ep.service]!;
    for (const id of routeTableIds) {
      const rt = getRouteTable(id);
      if (rt.vpcId !== ep.vpcId) {
        throw ec2Error('InvalidParameter', `The route table ${id} does not belong to the VPC ${ep.vpcId}.`);
      }
      if (rt.routes.some((r) => r.DestinationPrefixListId === prefixList && r.GatewayId !== ep.id)) {
        throw ec2Error(
          'RouteAlreadyExists',
          `route table ${id} already has a route with destination-prefix-list-id ${prefixList}`,
        );
      }
    }
    for (const id of routeTableIds) {
      const rt = getRouteTable(id);
      if (!rt.routes.some((r) => r.GatewayId === ep.id)) {
        rt.routes.push({
          DestinationPrefixListId: prefixList,
          GatewayId: ep.id,
          Origin: 'CreateVpcEndpoint',
        });
      }
      if (!ep.routeTableIds.includes(id)) ep.routeTableIds.push(id);
    }
  }

  function removeGatewayRoutes(ep: SimEndpoint, routeTableIds: string[]): void {
    for (const id of routeTableIds) {
      const rt = state.routeTables.get(id);
      if (rt) rt.routes = rt.routes.filter((r) => r.GatewayId !== ep.id);
      ep.routeTableIds = ep.routeTableIds.filter((r) => r !== id);
    }
  }

  // ------------------------------------------------------------------ security group rules
  function normalizePermissions(input: AuthorizeSecurityGroupIngressRequest): IpPermission[] {
    if (input.IpPermissions?.length) return input.IpPermissions;
    if (input.IpProtocol) {
      return [
        {
          IpProtocol: input.IpProtocol,
          FromPort: input.FromPort,
          ToPort: input.ToPort,
          IpRanges: input.CidrIp ? [{ CidrIp: input.CidrIp }] : [],
        },
      ];
    }
    throw ec2Error('MissingParameter', 'Either IpPermissions or IpProtocol must be specified');
  }

  function newGroup(vpcId: string, name: string, description: string): SimSecurityGroup {
    const sg: SimSecurityGroup = {
      id: state.ids.next('sg'),
      vpcId,
      name,
      description,
      ingress: [],
      egress: [
        {
          IpProtocol: '-1',
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          UserIdGroupPairs: [],
          ruleIds: [state.ids.next('sgr')],
        },
      ],
    };
    state.securityGroups.set(sg.id, sg);
    return sg;
  }

  function newRouteTable(vpc: SimVpc, main: boolean): SimRouteTable {
    const rt: SimRouteTable = {
      id: state.ids.next('rtb'),
      vpcId: vpc.id,
      routes: vpc.cidrs.map((c) => ({
        DestinationCidrBlock: c.cidr,
        GatewayId: 'local',
        Origin: 'CreateRouteTable' as const,
      })),
      associations: main ? [{ id: state.ids.next('rtbassoc'), main: true }] : [],
    };
    state.routeTables.set(rt.id, rt);
    return rt;
  }

  const reservations = new Map<string, string>();
  const addresses = new Map<string, string>();
  const ipCounters = new Map<string, number>();
  function allocateIp(subnet: SimSubnet): string {
    const c = parseCidr(subnet.cidr)!;
    const n = (ipCounters.get(subnet.id) ?? 4) + 1;
    ipCounters.set(subnet.id, n);
    return formatIp(c.base + (n % (2 ** (32 - c.prefix) - 1)));
  }

  function validCidr(text: string | undefined, param: string): Cidr {
    const c = text ? parseCidr(text) : undefined;
    if (!c)
      throw invalidParam(
        `Value (${text ?? ''}) for parameter ${param} is invalid. This is not a valid CIDR block.`,
      );
    return c;
  }

  return {
    // ---------------------------------------------------------------- VPCs
    CreateVpc: op<CreateVpcRequest, CreateVpcResult>((input) => {
      const c = validCidr(input.CidrBlock, 'cidrBlock');
      if (c.prefix < 16 || c.prefix > 28)
        throw ec2Error('InvalidVpc.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
      checkTagSpecs(input.TagSpecifications, ['vpc']);
      const vpc: SimVpc = {
        id: state.ids.next('vpc'),
        cidrs: [{ associationId: state.ids.next('vpc-cidr-assoc'), cidr: input.CidrBlock! }],
        dnsSupport: true,
        dnsHostnames: false,
        mainRouteTableId: '',
        defaultSecurityGroupId: '',
      };
      state.vpcs.set(vpc.id, vpc);
      vpc.mainRouteTableId = newRouteTable(vpc, true).id;
      vpc.defaultSecurityGroupId = newGroup(vpc.id, 'default', 'default VPC security group').id;
      applyTagSpecs(vpc.id, input.TagSpecifications, 'vpc');
      return { Vpc: { ...renderVpc(vpc), State: 'pending' } };
    }),
    DescribeVpcs: op<DescribeVpcsRequest, DescribeVpcsResult>((input) => {
      for (const id of input.VpcIds ?? []) getVpc(id);
      const all = [...state.vpcs.values()]
        .filter((v) => !input.VpcIds?.length || input.VpcIds.includes(v.id))
        .filter((v) =>
          matchesFilters(
            input.Filters,
            {
              'vpc-id': v.id,
              cidr: v.cidrs[0]!.cidr,
              'cidr-block-association.cidr-block': v.cidrs.map((c) => c.cidr),
              'is-default': 'false',
              state: 'available',
              'owner-id': owner,
            },
            tagsOf(v.id),
            'DescribeVpcs',
          ),
        );
      const page = ec2Page(all, input.MaxResults, input.NextToken, [input.VpcIds, input.Filters]);
      return { Vpcs: page.items.map(renderVpc), NextToken: page.nextToken };
    }),
    DescribeVpcAttribute: op<DescribeVpcAttributeRequest, DescribeVpcAttributeResult>((input) => {
      const vpc = getVpc(input.VpcId);
      if (input.Attribute === 'enableDnsSupport')
        return { VpcId: vpc.id, EnableDnsSupport: { Value: vpc.dnsSupport } };
      if (input.Attribute === 'enableDnsHostnames')
        return { VpcId: vpc.id, EnableDnsHostnames: { Value: vpc.dnsHostnames } };
      if (input.Attribute === 'enableNetworkAddressUsageMetrics') {
        return { VpcId: vpc.id, EnableNetworkAddressUsageMetrics: { Value: false } };
      }
      throw invalidParam(`Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`);
    }),
    ModifyVpcAttribute: op<ModifyVpcAttributeRequest, Record<string, never>>((input) => {
      const vpc = getVpc(input.VpcId);
      const support = toBool(input.EnableDnsSupport);
      const hostnames = toBool(input.EnableDnsHostnames);
      const given = [support, hostnames, toBool(input.EnableNetworkAddressUsageMetrics)].filter(
        (v) => v !== undefined,
      );
      if (given.length !== 1) {
        throw ec2Error(
          'InvalidParameterCombination',
          given.length
            ? 'Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames'
            : 'No attributes specified.',
        );
      }
      if (support !== undefined) vpc.dnsSupport = support;
      if (hostnames !== undefined) vpc.dnsHostnames = hostnames;
      return {};
    }),
    AssociateVpcCidrBlock: op<AssociateVpcCidrBlockRequest, AssociateVpcCidrBlockResult>((input) => {
      const vpc = getVpc(input.VpcId);
      if (!input.CidrBlock)
        throw new UnsupportedOperationError('simulated account only associates IPv4 CidrBlock');
      const c = validCidr(input.CidrBlock, 'cidrBlock');
      if (c.prefix < 16 || c.prefix > 28)
        throw ec2Error('InvalidVpc.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
      if (vpc.cidrs.some((x) => cidrOverlaps(parseCidr(x.cidr)!, c))) {
        throw ec2Error(
          'InvalidVpc.Range',
          `The CIDR '${input.CidrBlock}' conflicts with another CIDR block in ${vpc.id}.`,
        );
      }
      if (vpc.cidrs.length >= 5)
        throw ec2Error(
          'CidrLimitExceeded',
          `This network '${vpc.id}' has met its maximum number of allowed CIDRs: 5`,
        );
      const association = { associationId: state.ids.next('vpc-cidr-assoc'), cidr: input.CidrBlock };
      vpc.cidrs.push(association);
      for (const rt of state.routeTables.values()) {
        if (rt.vpcId === vpc.id)
          rt.routes.push({
            DestinationCidrBlock: input.CidrBlock,
            GatewayId: 'local',
            Origin: 'CreateRouteTable',
          });
      }
      return {
        VpcId: vpc.id,
        CidrBlockAssociation: {
          AssociationId: association.associationId,
          CidrBlock: association.cidr,
          CidrBlockState: { State: 'associating' },
        },
      };
    }),

    // ---------------------------------------------------------------- subnets and AZs
    CreateSubnet: op<CreateSubnetRequest, CreateSubnetResult>((input) => {
      const vpc = getVpc(input.VpcId);
      const c = validCidr(input.CidrBlock, 'cidrBlock');
      checkTagSpecs(input.TagSpecifications, ['subnet']);
      if (!vpc.cidrs.some((x) => cidrContains(parseCidr(x.cidr)!, c)) || c.prefix > 28) {
        throw ec2Error('InvalidSubnet.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
      }
      for (const other of state.subnets.values()) {
        if (other.vpcId === vpc.id && cidrOverlaps(parseCidr(other.cidr)!, c)) {
          throw ec2Error(
            'InvalidSubnet.Conflict',
            `The CIDR '${input.CidrBlock}' conflicts with another subnet`,
          );
        }
      }
      let az = input.AvailabilityZone;
      if (!az && input.AvailabilityZoneId) az = state.azNames[state.azIds.indexOf(input.AvailabilityZoneId)];
      az = az ?? state.azNames[0]!;
      if (!state.azNames.includes(az)) {
        throw invalidParam(
          `Value (${az}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${state.azNames.join(', ')}.`,
        );
      }
      const subnet: SimSubnet = {
        id: state.ids.next('subnet'),
        vpcId: vpc.id,
        cidr: input.CidrBlock!,
        az,
        azId: state.azIdOf(az),
        mapPublicIpOnLaunch: false,
      };
      state.subnets.set(subnet.id, subnet);
      applyTagSpecs(subnet.id, input.TagSpecifications, 'subnet');
      return { Subnet: renderSubnet(subnet) };
    }),
    DescribeSubnets: op<DescribeSubnetsRequest, DescribeSubnetsResult>((input) => {
      for (const id of input.SubnetIds ?? []) getSubnet(id);
      const all = [...state.subnets.values()]
        .filter((s) => !input.SubnetIds?.length || input.SubnetIds.includes(s.id))
        .filter((s) =>
          matchesFilters(
            input.Filters,
            {
              'vpc-id': s.vpcId,
              'subnet-id': s.id,
              'availability-zone': s.az,
              'availability-zone-id': s.azId,
              'cidr-block': s.cidr,
              state: 'available',
              'default-for-az': 'false',
            },
            tagsOf(s.id),
            'DescribeSubnets',
          ),
        );
      const page = ec2Page(all, input.MaxResults, input.NextToken, [input.SubnetIds, input.Filters]);
      return { Subnets: page.items.map(renderSubnet), NextToken: page.nextToken };
    }),
    DescribeAvailabilityZones: op<DescribeAvailabilityZonesRequest, DescribeAvailabilityZonesResult>(
      (input) => {
        const zones = state.azNames.map((name, i) => ({ name, id: state.azIds[i]! }));
        for (const name of input.ZoneNames ?? []) {
          if (!state.azNames.includes(name)) throw invalidParam(`The zone '${name}' does not exist.`);
        }
        const selected = zones
          .filter((z) => !input.ZoneNames?.length || input.ZoneNames.includes(z.name))
          .filter((z) => !input.ZoneIds?.length || input.ZoneIds.includes(z.id))
          .filter((z) =>
            matchesFilters(
              input.Filters,
              {
                'zone-name': z.name,
                'zone-id': z.id,
                state: 'available',
                'region-name': state.region,
                'zone-type': 'availability-zone',
              },
              new Map(),
              'DescribeAvailabilityZones',
            ),
          );
        return {
          AvailabilityZones: selected.map((z) => ({
            ZoneName: z.name,
            ZoneId: z.id,
            State: 'available',
            RegionName: state.region,
            ZoneType: 'availability-zone',
            GroupName: state.region,
            NetworkBorderGroup: state.region,
            OptInStatus: 'opt-in-not-required',
            Messages: [],
          })),
        };
      },
    ),

    // ---------------------------------------------------------------- route tables and gateways
    CreateRouteTable: op<CreateRouteTableRequest, CreateRouteTableResult>((input) => {
      const vpc = getVpc(input.VpcId);
      checkTagSpecs(input.TagSpecifications, ['route-table']);
      const rt = newRouteTable(vpc, false);
      applyTagSpecs(rt.id, input.TagSpecifications, 'route-table');
      return { RouteTable: renderRouteTable(rt) };
    }),
    AssociateRouteTable: op<AssociateRouteTableRequest, AssociateRouteTableResult>((input) => {
      const rt = getRouteTable(input.RouteTableId);
      if (!input.SubnetId)
        throw new UnsupportedOperationError('simulated account only associates route tables with subnets');
      const subnet = getSubnet(input.SubnetId);
      if (subnet.vpcId !== rt.vpcId) {
        throw invalidParam(`Route table ${rt.id} and subnet ${subnet.id} belong to different networks`);
      }
      for (const other of state.routeTables.values()) {
        if (other.associations.some((a) => a.subnetId === subnet.id)) {
          throw ec2Error(
            'Resource.AlreadyAssociated',
            `the specified association for route table ${other.id} conflicts with an existing association`,
          );
        }
      }
      const id = state.ids.next('rtbassoc');
      rt.associations.push({ id, subnetId: subnet.id, main: false });
      return { AssociationId: id, AssociationState: { State: 'associated' } };
    }),
    DescribeRouteTables: op<DescribeRouteTablesRequest, DescribeRouteTablesResult>((input) => {
      for (const id of input.RouteTableIds ?? []) getRouteTable(id);
      const all = [...state.routeTables.values()]
        .filter((rt) => !input.RouteTableIds?.length || input.RouteTableIds.includes(rt.id))
        .filter((rt) =>
          matchesFilters(
            input.Filters,
            {
              'vpc-id': rt.vpcId,
              'route-table-id': rt.id,
              'association.subnet-id': rt.associations.flatMap((a) => (a.subnetId ? [a.subnetId] : [])),
              'association.main': rt.associations.some((a) => a.main) ? 'true' : 'false',
              'association.route-table-association-id': rt.associations.map((a) => a.id),
              'route.destination-cidr-block': rt.routes.flatMap((r) =>
                r.DestinationCidrBlock ? [r.DestinationCidrBlock] : [],
              ),
              'route.destination-prefix-list-id': rt.routes.flatMap((r) =>
                r.DestinationPrefixListId ? [r.DestinationPrefixListId] : [],
              ),
              'route.gateway-id': rt.routes.flatMap((r) => (r.GatewayId ? [r.GatewayId] : [])),
              'route.nat-gateway-id': rt.routes.flatMap((r) => (r.NatGatewayId ? [r.NatGatewayId] : [])),
            },
            tagsOf(rt.id),
            'DescribeRouteTables',
          ),
        );
      const limits = { min: 5, max: 100, defaultSize: Number.POSITIVE_INFINITY };
      const page = paginate(
        all,
        input.MaxResults,
        input.NextToken,
        limits,
        [input.RouteTableIds, input.Filters],
        invalidParam,
      );
      return { RouteTables: page.items.map(renderRouteTable), NextToken: page.nextToken };
    }),
    CreateInternetGateway: op<CreateInternetGatewayRequest, CreateInternetGatewayResult>((input) => {
      checkTagSpecs(input.TagSpecifications, ['internet-gateway']);
      const id = state.ids.next('igw');
      state.internetGateways.set(id, { id });
      applyTagSpecs(id, input.TagSpecifications, 'internet-gateway');
      return {
        InternetGateway: { InternetGatewayId: id, OwnerId: owner, Attachments: [], Tags: tagsOut(id) ?? [] },
      };
    }),
    AttachInternetGateway: op<AttachInternetGatewayRequest, Record<string, never>>((input) => {
      const igw = state.internetGateways.get(input.InternetGatewayId ?? '');
      if (!igw) {
        throw ec2Error(
          'InvalidInternetGatewayID.NotFound',
          `The internetGateway ID '${input.InternetGatewayId}' does not exist`,
        );
      }
      const vpc = getVpc(input.VpcId);
      if (igw.vpcId)
        throw ec2Error(
          'Resource.AlreadyAssociated',
          `resource ${igw.id} is already attached to network ${igw.vpcId}`,
        );
      igw.vpcId = vpc.id;
      return {};
    }),
    CreateNatGateway: op<CreateNatGatewayRequest, CreateNatGatewayResult>((input) => {
      const subnet = getSubnet(input.SubnetId);
      checkTagSpecs(input.TagSpecifications, ['natgateway']);
      const id = state.ids.next('nat');
      state.natGateways.set(id, { id, vpcId: subnet.vpcId, subnetId: subnet.id, created: state.clock.now() });
      applyTagSpecs(id, input.TagSpecifications, 'natgateway');
      return {
        ClientToken: input.ClientToken,
        NatGateway: {
          NatGatewayId: id,
          SubnetId: subnet.id,
          VpcId: subnet.vpcId,
          State: 'pending',
          CreateTime: state.clock.now(),
          ConnectivityType: input.ConnectivityType ?? 'public',
          NatGatewayAddresses: [],
          Tags: tagsOut(id),
        },
      };
    }),
    DescribeNatGateways: op<DescribeNatGatewaysRequest, DescribeNatGatewaysResult>((input) => {
      const all = [...state.natGateways.values()]
        .filter((n) => !input.NatGatewayIds?.length || input.NatGatewayIds.includes(n.id))
        .filter((n) =>
          matchesFilters(
            input.Filter,
            { 'vpc-id': n.vpcId, 'subnet-id': n.subnetId, 'nat-gateway-id': n.id, state: 'available' },
            tagsOf(n.id),
            'DescribeNatGateways',
          ),
        );
      const page = ec2Page(all, input.MaxResults, input.NextToken, [input.NatGatewayIds, input.Filter]);
      return {
        NatGateways: page.items.map((n) => ({
          NatGatewayId: n.id,
          SubnetId: n.subnetId,
          VpcId: n.vpcId,
          State: 'available',
          CreateTime: new Date(n.created.getTime()),
          ConnectivityType: 'public',
          NatGatewayAddresses: [],
          Tags: tagsOut(n.id) ?? [],
        })),
        NextToken: page.nextToken,
      };
    }),
    CreateRoute: op<CreateRouteRequest, CreateRouteResult>((input) => {
      const rt = getRouteTable(input.RouteTableId);
      const destination = input.DestinationCidrBlock;
      if (!destination)
        throw new UnsupportedOperationError(
          'simulated account only creates routes with DestinationCidrBlock',
        );
      validCidr(destination, 'destinationCidrBlock');
      if (rt.routes.some((r) => r.DestinationCidrBlock === destination)) {
        throw ec2Error('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
      }
      if (input.GatewayId) {
        const igw = state.internetGateways.get(input.GatewayId);
        if (!igw)
          throw ec2Error('InvalidGatewayID.NotFound', `The gateway ID '${input.GatewayId}' does not exist`);
        if (igw.vpcId !== rt.vpcId) {
          throw invalidParam(
            `route table ${rt.id} and network gateway ${igw.id} belong to different networks`,
          );
        }
        rt.routes.push({ DestinationCidrBlock: destination, GatewayId: igw.id, Origin: 'CreateRoute' });
      } else if (input.NatGatewayId) {
        if (!state.natGateways.has(input.NatGatewayId)) {
          throw ec2Error('NatGatewayNotFound', `The Nat Gateway ${input.NatGatewayId} was not found`);
        }
        rt.routes.push({
          DestinationCidrBlock: destination,
          NatGatewayId: input.NatGatewayId,
          Origin: 'CreateRoute',
        });
      } else {
        throw new UnsupportedOperationError('simulated account only routes to internet or NAT gateways');
      }
      return { Return: true };
    }),

    // ---------------------------------------------------------------- security groups
    CreateSecurityGroup: op<CreateSecurityGroupRequest, CreateSecurityGroupResult>((input) => {
      if (!input.VpcId) throw ec2Error('VPCIdNotSpecified', 'No default VPC for this user');
      const vpc = getVpc(input.VpcId);
      if (!input.GroupName)
        throw ec2Error('MissingParameter', `The request must contain the parameter groupName`);
      if (!input.Description)
        throw ec2Error('MissingParameter', `The request must contain the parameter groupDescription`);
      if (input.GroupName === 'default')
        throw ec2Error('InvalidGroup.Reserved', `The security group 'default' is reserved`);
      if (input.GroupName.startsWith('sg-')) throw invalidParam(`Group names may not be in the format sg-*.`);
      checkTagSpecs(input.TagSpecifications, ['security-group']);
      for (const sg of state.securityGroups.values()) {
        if (sg.vpcId === vpc.id && sg.name === input.GroupName) {
          throw ec2Error(
            'InvalidGroup.Duplicate',
            `The security group '${input.GroupName}' already exists for VPC '${vpc.id}'`,
          );
        }
      }
      const sg = newGroup(vpc.id, input.GroupName, input.Description);
      applyTagSpecs(sg.id, input.TagSpecifications, 'security-group');
      return { GroupId: sg.id, SecurityGroupArn: arn('security-group', sg.id), Tags: tagsOut(sg.id) };
    }),
    DescribeSecurityGroups: op<DescribeSecurityGroupsRequest, DescribeSecurityGroupsResult>((input) => {
      for (const id of input.GroupIds ?? []) getGroup(id);
      if (input.GroupNames?.length) {
        throw new UnsupportedOperationError(
          'simulated account has no default VPC: filter by group-name instead of GroupNames',
        );
      }
      const all = [...state.securityGroups.values()]
        .filter((sg) => !input.GroupIds?.length || input.GroupIds.includes(sg.id))
        .filter((sg) =>
          matchesFilters(
            input.Filters,
            {
              'vpc-id': sg.vpcId,
              'group-name': sg.name,
              'group-id': sg.id,
              description: sg.description,
              'owner-id': owner,
              'ip-permission.from-port': sg.ingress.map((p) => String(p.FromPort ?? '')),
              'ip-permission.to-port': sg.ingress.map((p) => String(p.ToPort ?? '')),
              'ip-permission.cidr': sg.ingress.flatMap((p) => p.IpRanges.map((r) => r.CidrIp)),
              'ip-permission.protocol': sg.ingress.map((p) => p.IpProtocol),
            },
            tagsOf(sg.id),
            'DescribeSecurityGroups',
          ),
        );
      const page = ec2Page(all, input.MaxResults, input.NextToken, [input.GroupIds, input.Filters]);
      return { SecurityGroups: page.items.map(renderGroup), NextToken: page.nextToken };
    }),
    AuthorizeSecurityGroupIngress: op<
      AuthorizeSecurityGroupIngressRequest,
      AuthorizeSecurityGroupIngressResult
    >((input) => {
      if (!input.GroupId)
        throw new UnsupportedOperationError('simulated account needs GroupId (no default VPC group names)');
      const sg = getGroup(input.GroupId);
      const permissions = normalizePermissions(input);
      const added: NonNullable<AuthorizeSecurityGroupIngressResult['SecurityGroupRules']> = [];
      // Validate everything first: a failed call changes nothing.
      for (const p of permissions) {
        const protocol = String(p.IpProtocol ?? '').toLowerCase();
        if (!['tcp', 'udp', 'icmp', '-1', '6', '17', '1'].includes(protocol)) {
          throw invalidParam(`Invalid value '${p.IpProtocol}' for IP protocol. Unknown protocol.`);
        }
        if (
          ['tcp', 'udp', '6', '17'].includes(protocol) &&
          (p.FromPort === undefined || p.ToPort === undefined)
        ) {
          throw invalidParam(
            'Invalid value for portRange. Must specify both from and to ports with TCP/UDP.',
          );
        }
        for (const r of p.IpRanges ?? []) validCidr(r.CidrIp, 'cidrIp');
        for (const g of p.UserIdGroupPairs ?? []) getGroup(g.GroupId);
        const existing = sg.ingress.find(
          (x) => x.IpProtocol === protocol && x.FromPort === p.FromPort && x.ToPort === p.ToPort,
        );
        for (const r of p.IpRanges ?? []) {
          if (existing?.IpRanges.some((x) => x.CidrIp === r.CidrIp)) {
            throw ec2Error(
              'InvalidPermission.Duplicate',
              `the specified rule "peer: ${r.CidrIp}, ${protocol.toUpperCase()}, from port: ${p.FromPort}, to port: ${p.ToPort}, ALLOW" already exists`,
            );
          }
        }
      }
      for (const p of permissions) {
        const protocol = String(p.IpProtocol).toLowerCase();
        let target = sg.ingress.find(
          (x) => x.IpProtocol === protocol && x.FromPort === p.FromPort && x.ToPort === p.ToPort,
        );
        if (!target) {
          target = {
            IpProtocol: protocol,
            FromPort: p.FromPort,
            ToPort: p.ToPort,
            IpRanges: [],
            UserIdGroupPairs: [],
            ruleIds: [],
          };
          sg.ingress.push(target);
        }
        for (const r of p.IpRanges ?? []) {
          target.IpRanges.push({
            CidrIp: r.CidrIp!,
            ...(r.Description ? { Description: r.Description } : {}),
          });
          const ruleId = state.ids.next('sgr');
          target.ruleIds.push(ruleId);
          added.push({
            SecurityGroupRuleId: ruleId,
            GroupId: sg.id,
            GroupOwnerId: owner,
            IsEgress: false,
            IpProtocol: protocol,
            FromPort: p.FromPort,
            ToPort: p.ToPort,
            CidrIpv4: r.CidrIp,
            Description: r.Description,
          });
        }
        for (const g of p.UserIdGroupPairs ?? []) {
          target.UserIdGroupPairs.push({ GroupId: g.GroupId!, UserId: owner });
        }
      }
      return { Return: true, SecurityGroupRules: added };
    }),
    DeleteSecurityGroup: op<DeleteSecurityGroupRequest, DeleteSecurityGroupResult>((input) => {
      const sg = getGroup(input.GroupId);
      if (sg.name === 'default')
        throw ec2Error(
          'CannotDelete',
          `the specified group: "${sg.id}" name: "default" cannot be deleted by a user`,
        );
      const inUse = [...state.endpoints.values()].some(
        (e) => e.groupIds.includes(sg.id) && e.state !== 'deleted',
      );
      if (inUse) throw ec2Error('DependencyViolation', `resource ${sg.id} has a dependent object`);
      state.securityGroups.delete(sg.id);
      state.tags.delete(sg.id);
      return { Return: true, GroupId: sg.id };
    }),

    // ---------------------------------------------------------------- VPC endpoints
    CreateVpcEndpoint: op<CreateVpcEndpointRequest, CreateVpcEndpointResult>((input) => {
      const type = input.VpcEndpointType ?? 'Gateway';
      const fingerprint = hashString(
        JSON.stringify([
          input.VpcId,
          input.ServiceName,
          type,
          input.SubnetIds,
          input.RouteTableIds,
          input.SecurityGroupIds,
          input.PrivateDnsEnabled,
        ]),
      );
      if (input.ClientToken) {
        const previous = state.endpointTokens.get(input.ClientToken);
        if (previous) {
          if (previous.fingerprint !== fingerprint) {
            throw ec2Error(
              'IdempotentParameterMismatch',
              `The client token you have provided is associated with a resource that is already deleted or has different parameters.`,
            );
          }
          const existing = state.endpoints.get(previous.endpointId);
          if (existing) return { VpcEndpoint: renderEndpoint(existing), ClientToken: input.ClientToken };
        }
      }
      const vpc = getVpc(input.VpcId);
      const service = parseServiceName(input.ServiceName);
      checkTagSpecs(input.TagSpecifications, ['vpc-endpoint']);
      if (type !== 'Interface' && type !== 'Gateway') {
        throw new UnsupportedOperationError(`simulated account does not model ${type} endpoints`);
      }
      if (type === 'Gateway' && !GATEWAY_SERVICES.includes(service)) {
        throw ec2Error(
          'InvalidParameter',
          `The Vpc Endpoint Service '${input.ServiceName}' does not support the Gateway endpoint type`,
        );
      }
      if (input.PolicyDocument !== undefined) {
        try {
          JSON.parse(input.PolicyDocument);
        } catch {
          throw ec2Error('InvalidPolicyDocument', 'The policy document is not valid JSON.');
        }
      }
      const behaviour = endpointBehaviour(service);
      const ep: SimEndpoint = {
        id: state.ids.next('vpce'),
        vpcId: vpc.id,
        serviceName: input.ServiceName!,
        service,
        type,
        state: 'pending',
        subnetIds: [],
        routeTableIds: [],
        groupIds: [],
        privateDnsEnabled: false,
        policyDocument: input.PolicyDocument ?? FULL_ACCESS_POLICY,
        created: state.clock.now(),
        networkInterfaceIds: [],
        pendingPollsLeft: behaviour.pendingPolls ?? (type === 'Gateway' ? 0 : 1),
        outcome: behaviour.outcome ?? 'available',
        lastError: behaviour.lastError,
        clientToken: input.ClientToken,
      };
      if (type === 'Interface') {
        if (input.RouteTableIds?.length)
          throw ec2Error('InvalidParameter', 'Route tables are not supported for Interface endpoints.');
        const subnetIds = input.SubnetIds ?? [];
        checkEndpointSubnets(ep, subnetIds);
        // As EC2 does: the endpoint's IP address type must suit the service and every subnet.
        const ipType = input.IpAddressType ?? 'ipv4';
        if (ipType !== 'ipv4' && ipType !== 'dualstack' && ipType !== 'ipv6')
          throw ec2Error('InvalidParameter', `IpAddressType ${ipType} is not valid.`);
        if (ipType !== 'ipv4' && !state.ipv6Services.has(service))
          throw ec2Error(
            'InvalidParameter',
            `The VPC endpoint service ${input.ServiceName} does not support the IP address type ${ipType}.`,
          );
        checkSubnetsIpType(ipType, subnetIds);
        ep.ipAddressType = ipType;
        const groups = input.SecurityGroupIds?.length ? input.SecurityGroupIds : [vpc.defaultSecurityGroupId];
        for (const g of groups) {
          const sg = getGroup(g);
          if (sg.vpcId !== vpc.id)
            throw ec2Error(
              'InvalidParameter',
              `The security group ${g} does not belong to the VPC ${vpc.id}.`,
            );
        }
        const privateDns = input.PrivateDnsEnabled ?? true;
        if (privateDns) checkPrivateDns(vpc, service);
        ep.subnetIds = [...subnetIds];
        ep.groupIds = [...groups];
        ep.privateDnsEnabled = privateDns;
        ep.networkInterfaceIds = subnetIds.map(() => state.ids.next('eni'));
      } else {
        if (input.SubnetIds?.length || input.SecurityGroupIds?.length) {
          throw ec2Error(
            'InvalidParameter',
            'Subnets and security groups are not supported for Gateway endpoints.',
          );
        }
        if (input.PrivateDnsEnabled)
          throw ec2Error('InvalidParameter', 'Private DNS is not supported for Gateway endpoints.');
        addGatewayRoutes(ep, input.RouteTableIds ?? []);
      }
      if (ep.pendingPollsLeft === 0 && ep.outcome === 'available' && type === 'Gateway')
        ep.state = 'available';
      state.endpoints.set(ep.id, ep);
      if (input.ClientToken) state.endpointTokens.set(input.ClientToken, { endpointId: ep.id, fingerprint });
      applyTagSpecs(ep.id, input.TagSpecifications, 'vpc-endpoint');
      return {
        VpcEndpoint: renderEndpoint(ep),
        ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
      };
    }),
    DescribeVpcEndpoints: op<DescribeVpcEndpointsRequest, DescribeVpcEndpointsResult>((input) => {
      if (input.NextToken === undefined) advanceEndpoints();
      for (const id of input.VpcEndpointIds ?? []) getEndpoint(id);
      const all = [...state.endpoints.values()]
        .filter((e) => !input.VpcEndpointIds?.length || input.VpcEndpointIds.includes(e.id))
        .filter((e) =>
          matchesFilters(
            input.Filters,
            {
              'vpc-id': e.vpcId,
              'service-name': e.serviceName,
              'vpc-endpoint-type': e.type,
              'vpc-endpoint-state': e.state,
              'vpc-endpoint-id': e.id,
            },
            tagsOf(e.id),
            'DescribeVpcEndpoints',
          ),
        );
      const limits = { min: 1, max: 1000, defaultSize: 1000, clamp: true };
      const page = paginate(
        all,
        input.MaxResults,
        input.NextToken,
        limits,
        [input.VpcEndpointIds, input.Filters],
        invalidParam,
      );
      return { VpcEndpoints: page.items.map(renderEndpoint), NextToken: page.nextToken };
    }),
    ModifyVpcEndpoint: op<ModifyVpcEndpointRequest, ModifyVpcEndpointResult>((input) => {
      const ep = getEndpoint(input.VpcEndpointId);
      const vpc = getVpc(ep.vpcId);
      if (ep.type === 'Interface') {
        if (input.AddRouteTableIds?.length || input.RemoveRouteTableIds?.length) {
          throw ec2Error('InvalidParameter', 'Route tables are not supported for Interface endpoints.');
        }
        const remove = input.RemoveSubnetIds ?? [];
        for (const id of remove) {
          if (!ep.subnetIds.includes(id))
            throw ec2Error('InvalidParameter', `The subnet ${id} is not associated with ${ep.id}.`);
        }
        const next = [
          ...ep.subnetIds.filter((s) => !remove.includes(s)),
          ...(input.AddSubnetIds ?? []).filter((s) => !ep.subnetIds.includes(s)),
        ];
        checkEndpointSubnets(ep, next);
        // A subnet joins only if it has the addresses the endpoint's IP address type needs.
        checkSubnetsIpType(ep.ipAddressType ?? 'ipv4', input.AddSubnetIds ?? []);
        for (const g of input.AddSecurityGroupIds ?? []) getGroup(g);
        if (input.PrivateDnsEnabled === true && !ep.privateDnsEnabled)
          checkPrivateDns(vpc, ep.service, ep.id);
        const keptEnis = ep.subnetIds
          .map((s, i) => [s, ep.networkInterfaceIds[i]] as const)
          .filter(([s]) => next.includes(s));
        ep.networkInterfaceIds = next.map(
          (s) => keptEnis.find(([k]) => k === s)?.[1] ?? state.ids.next('eni'),
        );
        ep.subnetIds = next;
        ep.groupIds = [
          ...ep.groupIds.filter((g) => !(input.RemoveSecurityGroupIds ?? []).includes(g)),
          ...(input.AddSecurityGroupIds ?? []).filter((g) => !ep.groupIds.includes(g)),
        ];
        if (input.PrivateDnsEnabled !== undefined) ep.privateDnsEnabled = input.PrivateDnsEnabled;
      } else {
        if (input.AddSubnetIds?.length || input.RemoveSubnetIds?.length) {
          throw ec2Error('InvalidParameter', 'Subnets are not supported for Gateway endpoints.');
        }
        for (const id of input.RemoveRouteTableIds ?? []) getRouteTable(id);
        addGatewayRoutes(ep, input.AddRouteTableIds ?? []);
        removeGatewayRoutes(ep, input.RemoveRouteTableIds ?? []);
      }
      if (input.ResetPolicy) ep.policyDocument = FULL_ACCESS_POLICY;
      else if (input.PolicyDocument !== undefined) ep.policyDocument = input.PolicyDocument;
      return { Return: true };
    }),
    DeleteVpcEndpoints: op<DeleteVpcEndpointsRequest, DeleteVpcEndpointsResult>((input) => {
      if (!input.VpcEndpointIds?.length)
        throw ec2Error('MissingParameter', 'The request must contain the parameter VpcEndpointId');
      const unsuccessful: NonNullable<DeleteVpcEndpointsResult['Unsuccessful']> = [];
      for (const id of input.VpcEndpointIds) {
        const ep = state.endpoints.get(id);
        if (!ep || ep.state === 'deleting' || ep.state === 'deleted') {
          unsuccessful.push({
            ResourceId: id,
            Error: {
              Code: 'InvalidVpcEndpoint.NotFound',
              Message: `The VPC endpoint '${id}' does not exist`,
            },
          });
          continue;
        }
        if (ep.type === 'Gateway') removeGatewayRoutes(ep, [...ep.routeTableIds]);
        ep.state = 'deleting';
        ep.deletingPollsLeft = 1;
      }
      return { Unsuccessful: unsuccessful };
    }),
    DescribeVpcEndpointServices: op<DescribeVpcEndpointServicesRequest, DescribeVpcEndpointServicesResult>(
      (input) => {
        for (const name of input.ServiceNames ?? []) parseServiceName(name);
        const details: ServiceDetail[] = [];
        for (const service of [...INTERFACE_SERVICES].sort()) {
          const serviceName = state.serviceName(service);
          for (const type of GATEWAY_SERVICES.includes(service)
            ? (['Gateway', 'Interface'] as const)
            : (['Interface'] as const)) {
            const azs = type === 'Gateway' ? [...state.azNames] : serviceAzs(service);
            details.push({
              ServiceName: serviceName,
              ServiceId: `vpce-svc-${hashString(`${serviceName}/${type}`)}${hashString(type).slice(0, 9)}`,
              ServiceType: [{ ServiceType: type }],
              AvailabilityZones: azs,
              Owner: 'amazon',
              BaseEndpointDnsNames: [
                `${service}.${state.region}.${type === 'Interface' ? 'vpce.' : ''}amazonaws.com`,
              ],
              ...(type === 'Interface'
                ? {
                    PrivateDnsName: privateDnsName(service),
                    PrivateDnsNameVerificationState: 'verified' as const,
                  }
                : {}),
              VpcEndpointPolicySupported: true,
              AcceptanceRequired: false,
              ManagesVpcEndpoints: false,
              SupportedIpAddressTypes:
                type === 'Interface' && state.ipv6Services.has(service) ? ['ipv4', 'ipv6'] : ['ipv4'],
              Tags: [],
            });
          }
        }
        const selected = details
          .filter((d) => !input.ServiceNames?.length || input.ServiceNames.includes(d.ServiceName!))
          .filter((d) =>
            matchesFilters(
              input.Filters,
              { 'service-name': d.ServiceName, 'service-type': d.ServiceType?.[0]?.ServiceType },
              new Map(),
              'DescribeVpcEndpointServices',
            ),
          );
        const page = ec2Page(selected, input.MaxResults, input.NextToken, [
          input.ServiceNames,
          input.Filters,
        ]);
        return {
          ServiceDetails: page.items,
          ServiceNames: [...new Set(page.items.map((d) => d.ServiceName!))],
          NextToken: page.nextToken,
        };
      },
    ),

    // ---------------------------------------------------------------- tags
    CreateTags: op<CreateTagsRequest, Record<string, never>>((input) => {
      if (!input.Resources?.length)
        throw ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet');
      for (const id of input.Resources) resourceExists(id);
      validateTags(input.Tags ?? []);
      for (const id of input.Resources) setTags(id, input.Tags ?? []);
      return {};
    }),
    DeleteTags: op<DeleteTagsRequest, Record<string, never>>((input) => {
      if (!input.Resources?.length)
        throw ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet');
      for (const id of input.Resources) resourceExists(id);
      for (const id of input.Resources) {
        const tags = state.tags.get(id);
        if (!tags) continue;
        if (!input.Tags) {
          tags.clear();
          continue;
        }
        for (const tag of input.Tags) {
          // A value, when given, must match; an empty-string value only deletes tags whose value is empty.
          if (tag.Value === undefined || tags.get(tag.Key!) === tag.Value) tags.delete(tag.Key!);
        }
      }
      return {};
    }),
    DescribeTags: op<DescribeTagsRequest, DescribeTagsResult>((input) => {
      const rows: Array<{ ResourceId: string; ResourceType: string; Key: string; Value: string }> = [];
      for (const [id, tags] of state.tags) {
        for (const [Key, Value] of tags)
          rows.push({ ResourceId: id, ResourceType: resourceType(id), Key, Value });
      }
      const all = rows.filter((r) =>
        matchesFilters(
          input.Filters,
          { 'resource-id': r.ResourceId, 'resource-type': r.ResourceType, key: r.Key, value: r.Value },
          new Map(),
          'DescribeTags',
        ),
      );
      const page = ec2Page(all, input.MaxResults, input.NextToken, input.Filters);
      return { Tags: page.items as DescribeTagsResult['Tags'], NextToken: page.nextToken };
    }),

    AllocateAddress: op<AllocateAddressRequest, AllocateAddressResult>((input) => {
      if (input.Domain && input.Domain !== 'vpc')
        throw invalidParam(`Value (${input.Domain}) for parameter domain is invalid.`);
      const id = state.ids.next('eipalloc');
      const n = addresses.size + 10;
      const publicIp = `198.51.100.${n % 250}`;
      addresses.set(id, publicIp);
      return {
        AllocationId: id,
        PublicIp: publicIp,
        Domain: 'vpc',
        PublicIpv4Pool: 'amazon',
        NetworkBorderGroup: state.region,
      };
    }),

    // ---------------------------------------------------------------- instances
    DescribeImages: op<DescribeImagesRequest, DescribeImagesResult>((input) => {
      for (const id of input.ImageIds ?? []) {
        if (!SIM_IMAGES.some((i) => i.id === id))
          throw ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
      }
      const all = SIM_IMAGES.filter((i) => !input.ImageIds?.length || input.ImageIds.includes(i.id)).filter(
        (i) =>
          matchesFilters(
            input.Filters,
            {
              'image-id': i.id,
              name: i.name,
              platform: i.platform,
              state: 'available',
              architecture: 'x86_64',
              'owner-alias': 'amazon',
            },
            new Map(),
            'DescribeImages',
          ),
      );
      const page = ec2Page(all, input.MaxResults, input.NextToken, [input.ImageIds, input.Filters]);
      return {
        Images: page.items.map((i) => ({
          ImageId: i.id,
          Name: i.name,
          State: 'available',
          OwnerId: '591542846629',
          ImageOwnerAlias: 'amazon',
          Public: true,
          Architecture: 'x86_64',
          ImageType: 'machine',
          RootDeviceType: 'ebs',
          VirtualizationType: 'hvm',
          CreationDate: '2025-01-10T00:00:00.000Z',
          ...(i.platform
            ? { Platform: i.platform as Image['Platform'], PlatformDetails: 'Windows' }
            : { PlatformDetails: 'Linux/UNIX' }),
        })),
        NextToken: page.nextToken,
      };
    }),
    RunInstances: op<RunInstancesRequest, Reservation>((input) => {
      if (!input.ImageId)
        throw ec2Error('MissingParameter', 'The request must contain the parameter ImageId');
      if (!/^ami-[0-9a-f]{8,17}$/.test(input.ImageId)) {
        throw ec2Error('InvalidAMIID.Malformed', `Invalid id: "${input.ImageId}"`);
      }
      const image = SIM_IMAGES.find((i) => i.id === input.ImageId);
      if (!image) throw ec2Error('InvalidAMIID.NotFound', `The image id '[${input.ImageId}]' does not exist`);
      const min = input.MinCount ?? 0;
      const max = input.MaxCount ?? 0;
      if (!Number.isInteger(min) || min < 1 || max < min) {
        throw invalidParam(
          `Value (${min}) for parameter minCount is invalid. Expected a value between 1 and maxCount (${max}).`,
        );
      }
      if (!input.SubnetId)
        throw new UnsupportedOperationError(
          'simulated account has no default VPC: RunInstances needs SubnetId',
        );
      const subnet = getSubnet(input.SubnetId);
      checkTagSpecs(input.TagSpecifications, ['instance', 'volume', 'network-interface']);
      const reservationId = state.ids.next('r');
      const created: SimInstance[] = [];
      for (let n = 0; n < max; n += 1) {
        const instance: SimInstance = {
          id: state.ids.next('i'),
          vpcId: subnet.vpcId,
          subnetId: subnet.id,
          az: subnet.az,
          imageId: input.ImageId,
          instanceType: input.InstanceType ?? 'm1.small',
          privateIp: allocateIp(subnet),
          launchTime: state.clock.now(),
          state: 'running',
          ssmManaged: false,
          // Bottlerocket: SSM runs commands in its control container, where neither the host's ecs unit nor
          // the agent's container is reachable.
          usesSystemd: !image.name.startsWith('bottlerocket'),
          agentContainer: !image.name.startsWith('bottlerocket'),
          reboots: 0,
          ...(image.platform ? { platform: image.platform } : {}),
          ...(image.name.startsWith('bottlerocket') ? { variant: 'bottlerocket' as const } : {}),
        };
        state.instances.set(instance.id, instance);
        reservations.set(instance.id, reservationId);
        const tags = (input.TagSpecifications ?? [])
          .filter((s) => s.ResourceType === 'instance')
          .flatMap((s) => s.Tags ?? []);
        if (tags.length) setTags(instance.id, tags);
        created.push(instance);
      }
      return {
        ReservationId: reservationId,
        OwnerId: owner,
        Groups: [],
        Instances: created.map((i) => renderInstance(i, 'pending')),
      };
    }),
    DescribeInstances: op<DescribeInstancesRequest, DescribeInstancesResult>((input) => {
      if (input.InstanceIds?.length && input.MaxResults !== undefined) {
        throw ec2Error(
          'InvalidParameterCombination',
          'The parameter instancesSet cannot be used with the parameter maxResults',
        );
      }
      for (const id of input.InstanceIds ?? []) getInstance(id);
      const all = [...state.instances.values()]
        .filter((i) => !input.InstanceIds?.length || input.InstanceIds.includes(i.id))
        .filter((i) =>
          matchesFilters(
            input.Filters,
            {
              'vpc-id': i.vpcId,
              'instance-id': i.id,
              'subnet-id': i.subnetId,
              'availability-zone': i.az,
              'instance-state-name': i.state,
              'image-id': i.imageId,
              'private-ip-address': i.privateIp,
              platform: i.platform,
            },
            tagsOf(i.id),
            'DescribeInstances',
          ),
        );
      const page = ec2Page(all, input.MaxResults, input.NextToken, [input.InstanceIds, input.Filters]);
      const byReservation = new Map<string, Instance[]>();
      for (const i of page.items) {
        const r = reservations.get(i.id) ?? i.id;
        byReservation.set(r, [...(byReservation.get(r) ?? []), renderInstance(i)]);
      }
      return {
        Reservations: [...byReservation.entries()].map(([ReservationId, Instances]) => ({
          ReservationId,
          OwnerId: owner,
          Groups: [],
          Instances,
        })),
        NextToken: page.nextToken,
      };
    }),
    RebootInstances: op<RebootInstancesRequest, Record<string, never>>((input) => {
      if (!input.InstanceIds?.length)
        throw ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
      const instances = input.InstanceIds.map(getInstance);
      for (const i of instances) {
        if (i.state !== 'running')
          throw ec2Error(
            'IncorrectState',
            `The instance '${i.id}' is not in a state from which it can be rebooted.`,
          );
      }
      for (const i of instances) {
        i.reboots += 1;
        state.disconnectAgent(i.id);
      }
      return {};
    }),
  };
}
