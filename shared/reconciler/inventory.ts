// Finders: read-only, paginated reads of one VPC's state. No decisions here; the planner makes those.
import {
  DescribeSecurityGroupsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
  type RouteTable,
  type SecurityGroup,
  type ServiceDetail,
  type Subnet,
  type Vpc,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { ListHostedZonesByVPCCommand, type Route53Client, type VPCRegion } from '@aws-sdk/client-route-53';
import type { Config } from '../config';
import { errorName, PrivateLinkEcsError, VpcNotFoundError } from '../errors';
import type { PermissionDeclaration } from '../permissions';
import { isManaged, SECURITY_GROUP_NAME, shortServiceName, tagsToRecord } from './naming';
import type {
  DefaultRoute,
  EndpointSummary,
  EndpointType,
  PrivateZoneInfo,
  RouteTableInfo,
  SecurityGroupInfo,
  ServiceOffering,
  SubnetInfo,
  VpcInventory,
} from './types';

/**
 * MaxResults bounds of each paginated Describe call, from the EC2 API reference: most accept 5..1000,
 * DescribeRouteTables only 5..100; DescribeVpcEndpoints and DescribeVpcEndpointServices serve at most 1000
 * (larger values are served as 1000). The simulated account enforces the same bounds.
 */
export const PAGE_LIMITS = {
  DescribeVpcs: { min: 5, max: 1000 },
  DescribeSubnets: { min: 5, max: 1000 },
  DescribeRouteTables: { min: 5, max: 100 },
  DescribeVpcEndpoints: { min: 1, max: 1000 },
  DescribeSecurityGroups: { min: 5, max: 1000 },
  DescribeVpcEndpointServices: { min: 5, max: 1000 },
} as const;

type PagedCall = keyof typeof PAGE_LIMITS;

/** How the finders read. Production leaves it empty; tests and benches force small pages. */
export interface InventoryOptions {
  /** The VPC as DescribeVpcs returned it, when the caller already has it (saves one call). */
  vpc?: Vpc;
  /**
   * MaxResults for every paginated Describe call, clamped into the range each API accepts. Default: each
   * API's maximum, i.e. the fewest calls.
   */
  pageSize?: number;
  /** Reads the private hosted zones associated with the VPC (services served centrally); without it, not read. */
  route53?: Route53Client;
}

/** The MaxResults to send for `call`: the requested size clamped into the API's range, else its maximum. */
export function pageSizeFor(call: PagedCall, requested?: number): number {
  const { min, max } = PAGE_LIMITS[call];
  if (requested === undefined) return max;
  return Math.min(max, Math.max(min, Math.floor(requested)));
}

/** Read-only calls the finders make. EC2 Describe* actions do not support resource-level permissions. */
export const INVENTORY_PERMISSIONS: PermissionDeclaration[] = [
  {
    sid: 'ReconcilerDescribeVpc',
    actions: [
      'ec2:DescribeVpcs',
      'ec2:DescribeVpcAttribute',
      'ec2:DescribeSubnets',
      'ec2:DescribeRouteTables',
    ],
    resources: ['*'],
    reason:
      'Inventory of VPC, DNS attributes, subnets and route tables; EC2 Describe* cannot be scoped to a resource',
  },
  {
    sid: 'ReconcilerDescribeEndpoints',
    actions: ['ec2:DescribeVpcEndpoints', 'ec2:DescribeVpcEndpointServices'],
    resources: ['*'],
    reason:
      'Existing endpoints and the AZs each service supports; EC2 Describe* cannot be scoped to a resource',
  },
  {
    sid: 'ReconcilerDescribeSecurityGroups',
    actions: ['ec2:DescribeSecurityGroups'],
    resources: ['*'],
    reason:
      'Finds our endpoint security group and its 443 rules; EC2 Describe* cannot be scoped to a resource',
  },
  {
    sid: 'ReconcilerListPrivateZones',
    actions: ['route53:ListHostedZonesByVPC'],
    resources: ['*'],
    reason:
      'Finds a private hosted zone that serves a service centrally (nothing is created for it); this read has no resource type',
  },
];

export async function regionOf(ec2: EC2Client): Promise<string> {
  const region = await ec2.config.region();
  if (!region) throw new PrivateLinkEcsError('Region is missing');
  return region;
}

const vpcFilter = (vpcId: string): Filter => ({ Name: 'vpc-id', Values: [vpcId] });

/** DescribeVpcs for one ID; undefined when the VPC does not exist. */
export async function describeVpc(ec2: EC2Client, vpcId: string): Promise<Vpc | undefined> {
  try {
    const res = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    return res.Vpcs?.find((v) => v.VpcId === vpcId);
  } catch (err) {
    if (errorName(err) === 'InvalidVpcID.NotFound') return undefined;
    throw err;
  }
}

export async function listVpcIdsByTag(
  ec2: EC2Client,
  key: string,
  value: string,
  pageSize?: number,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateDescribeVpcs(
    { client: ec2, pageSize: pageSizeFor('DescribeVpcs', pageSize) },
    { Filters: [{ Name: `tag:${key}`, Values: [value] }] },
  )) {
    for (const vpc of page.Vpcs ?? []) if (vpc.VpcId) ids.push(vpc.VpcId);
  }
  return ids;
}

export async function describeSubnets(ec2: EC2Client, vpcId: string, pageSize?: number): Promise<Subnet[]> {
  const out: Subnet[] = [];
  for await (const page of paginateDescribeSubnets(
    { client: ec2, pageSize: pageSizeFor('DescribeSubnets', pageSize) },
    { Filters: [vpcFilter(vpcId)] },
  )) {
    out.push(...(page.Subnets ?? []));
  }
  return out;
}

export async function describeRouteTables(
  ec2: EC2Client,
  vpcId: string,
  pageSize?: number,
): Promise<RouteTable[]> {
  const out: RouteTable[] = [];
  for await (const page of paginateDescribeRouteTables(
    { client: ec2, pageSize: pageSizeFor('DescribeRouteTables', pageSize) },
    { Filters: [vpcFilter(vpcId)] },
  )) {
    out.push(...(page.RouteTables ?? []));
  }
  return out;
}

export async function describeEndpoints(
  ec2: EC2Client,
  filters: Filter[],
  pageSize?: number,
): Promise<VpcEndpoint[]> {
  const out: VpcEndpoint[] = [];
  for await (const page of paginateDescribeVpcEndpoints(
    { client: ec2, pageSize: pageSizeFor('DescribeVpcEndpoints', pageSize) },
    { Filters: filters },
  )) {
    out.push(...(page.VpcEndpoints ?? []));
  }
  return out;
}

export function summarizeEndpoint(config: Config, endpoint: VpcEndpoint): EndpointSummary {
  const summary: EndpointSummary = {
    id: endpoint.VpcEndpointId ?? '',
    service: shortServiceName(endpoint.ServiceName ?? ''),
    type: (endpoint.VpcEndpointType === 'Gateway' ? 'Gateway' : 'Interface') as EndpointType,
    state: String(endpoint.State ?? 'unknown'),
    managed: isManaged(config, endpoint.Tags),
    subnetIds: [...(endpoint.SubnetIds ?? [])].sort(),
    routeTableIds: [...(endpoint.RouteTableIds ?? [])].sort(),
    serviceName: endpoint.ServiceName ?? '',
  };
  if (summary.type === 'Interface') {
    summary.privateDnsEnabled = endpoint.PrivateDnsEnabled ?? false;
    summary.securityGroupIds = (endpoint.Groups ?? []).map((g) => g.GroupId!).filter(Boolean);
    if (endpoint.IpAddressType) summary.ipAddressType = endpoint.IpAddressType;
  }
  const error = endpoint.LastError;
  if (error?.Message) summary.lastError = error.Code ? `${error.Code}: ${error.Message}` : error.Message;
  if (endpoint.CreationTimestamp) summary.createdAt = new Date(endpoint.CreationTimestamp).toISOString();
  return summary;
}

/** Every endpoint in the VPC, whoever made it. */
export async function readEndpoints(
  ec2: EC2Client,
  config: Config,
  vpcId: string,
  pageSize?: number,
): Promise<EndpointSummary[]> {
  const endpoints = await describeEndpoints(ec2, [vpcFilter(vpcId)], pageSize);
  return endpoints.map((e) => summarizeEndpoint(config, e)).sort((a, b) => a.id.localeCompare(b.id));
}

async function describeServiceDetails(
  ec2: EC2Client,
  serviceNames: string[],
  pageSize?: number,
): Promise<ServiceDetail[]> {
  const out: ServiceDetail[] = [];
  const maxResults = pageSizeFor('DescribeVpcEndpointServices', pageSize);
  let nextToken: string | undefined;
  do {
    const res = await ec2.send(
      new DescribeVpcEndpointServicesCommand({
        ServiceNames: serviceNames,
        MaxResults: maxResults,
        NextToken: nextToken,
      }),
    );
    out.push(...(res.ServiceDetails ?? []));
    nextToken = res.NextToken;
  } while (nextToken);
  return out;
}

/**
 * Where the requested services are offered. One call for all names; if the region does not offer one of
 * them (InvalidServiceName), asks per name so the others are still found and the missing one is just absent.
 */
export async function describeOfferings(
  ec2: EC2Client,
  serviceNames: string[],
  azNameToId: Map<string, string>,
  pageSize?: number,
): Promise<ServiceOffering[]> {
  if (serviceNames.length === 0) return [];
  let details: ServiceDetail[];
  try {
    details = await describeServiceDetails(ec2, serviceNames, pageSize);
  } catch (err) {
    if (errorName(err) !== 'InvalidServiceName') throw err;
    details = [];
    for (const name of serviceNames) {
      try {
        details.push(...(await describeServiceDetails(ec2, [name], pageSize)));
      } catch (inner) {
        if (errorName(inner) !== 'InvalidServiceName') throw inner;
      }
    }
  }
  const out: ServiceOffering[] = [];
  for (const detail of details) {
    if (!detail.ServiceName || !serviceNames.includes(detail.ServiceName)) continue;
    const ids = new Set(detail.AvailabilityZoneIds ?? []);
    for (const name of detail.AvailabilityZones ?? []) {
      const id = azNameToId.get(name);
      if (id) ids.add(id);
    }
    for (const t of detail.ServiceType ?? []) {
      if (t.ServiceType !== 'Interface' && t.ServiceType !== 'Gateway') continue;
      out.push({
        service: shortServiceName(detail.ServiceName),
        serviceName: detail.ServiceName,
        type: t.ServiceType,
        azIds: [...ids].sort(),
        ...(t.ServiceType === 'Interface' && (detail.PrivateDnsName || detail.PrivateDnsNames?.length)
          ? {
              privateDnsNames: [
                ...new Set(
                  [detail.PrivateDnsName, ...(detail.PrivateDnsNames ?? []).map((n) => n.PrivateDnsName)]
                    .filter((n): n is string => Boolean(n))
                    .map(dnsName),
                ),
              ],
            }
          : {}),
        ...(detail.SupportedIpAddressTypes?.includes('ipv6')
          ? { ipAddressTypes: [...detail.SupportedIpAddressTypes] }
          : {}),
      });
    }
  }
  return out;
}

/** A DNS name as the planner compares them: lower case, no wildcard label, no trailing dot. */
const dnsName = (name: string): string => name.replace(/^\*\./, '').replace(/\.$/, '').toLowerCase();

/**
 * The private hosted zones associated with the VPC that no AWS service owns (an interface endpoint's own private
 * DNS zone is owned by the service and is not listed as someone's zone).
 */
export async function readPrivateZones(
  route53: Route53Client,
  vpcId: string,
  region: string,
): Promise<PrivateZoneInfo[]> {
  const zones: PrivateZoneInfo[] = [];
  let NextToken: string | undefined;
  do {
    const out = await route53.send(
      new ListHostedZonesByVPCCommand({ VPCId: vpcId, VPCRegion: region as VPCRegion, NextToken }),
    );
    for (const z of out.HostedZoneSummaries ?? []) {
      if (z.Owner?.OwningService) continue;
      zones.push({ id: (z.HostedZoneId ?? '').replace(/^\/hostedzone\//, ''), name: dnsName(z.Name ?? '') });
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return zones.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Where the table's active 0.0.0.0/0 route goes, and the NAT gateway's ID when it is one. */
function defaultRouteOf(table: RouteTable): { route: DefaultRoute; natGatewayId?: string } {
  let result: { route: DefaultRoute; natGatewayId?: string } = { route: 'none' };
  for (const route of table.Routes ?? []) {
    if (route.DestinationCidrBlock !== '0.0.0.0/0' || route.State === 'blackhole') continue;
    if (route.GatewayId?.startsWith('igw-')) return { route: 'internet' };
    if (route.NatGatewayId) result = { route: 'nat', natGatewayId: route.NatGatewayId };
  }
  return result;
}

export function summarizeRouteTables(tables: RouteTable[]): RouteTableInfo[] {
  return tables
    .map((t) => {
      const { route, natGatewayId } = defaultRouteOf(t);
      const info: RouteTableInfo = {
        id: t.RouteTableId!,
        main: (t.Associations ?? []).some((a) => a.Main),
        defaultRoute: route,
        subnetIds: (t.Associations ?? [])
          .map((a) => a.SubnetId)
          .filter((id): id is string => Boolean(id))
          .sort(),
      };
      if (natGatewayId) info.natGatewayId = natGatewayId;
      return info;
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function summarizeSubnets(subnets: Subnet[], tables: RouteTableInfo[]): SubnetInfo[] {
  const explicit = new Map<string, string>();
  for (const t of tables) for (const s of t.subnetIds) explicit.set(s, t.id);
  const main = tables.find((t) => t.main)?.id;
  return subnets
    .map((s) => {
      const info: SubnetInfo = {
        id: s.SubnetId!,
        azName: s.AvailabilityZone ?? '',
        azId: s.AvailabilityZoneId ?? '',
      };
      const rt = explicit.get(info.id) ?? main;
      if (rt) info.routeTableId = rt;
      if (s.Ipv6Native || !s.CidrBlock) info.ipv4 = false;
      if ((s.Ipv6CidrBlockAssociationSet ?? []).some((a) => a.Ipv6CidrBlockState?.State === 'associated'))
        info.ipv6 = true;
      return info;
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

function admitted443(group: SecurityGroup): { v4: string[]; v6: string[] } {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const perm of group.IpPermissions ?? []) {
    const all = perm.IpProtocol === '-1';
    const tcp443 = perm.IpProtocol === 'tcp' && (perm.FromPort ?? 0) <= 443 && (perm.ToPort ?? 65535) >= 443;
    if (!all && !tcp443) continue;
    for (const r of perm.IpRanges ?? []) if (r.CidrIp) v4.add(r.CidrIp);
    for (const r of perm.Ipv6Ranges ?? []) if (r.CidrIpv6) v6.add(r.CidrIpv6);
  }
  return { v4: [...v4].sort(), v6: [...v6].sort() };
}

/** Our endpoint security group in the VPC: carries the managed tag (and normally our name). */
export async function findOurSecurityGroup(
  ec2: EC2Client,
  config: Config,
  vpcId: string,
  pageSize?: number,
): Promise<SecurityGroupInfo | undefined> {
  const groups: SecurityGroup[] = [];
  for await (const page of paginateDescribeSecurityGroups(
    { client: ec2, pageSize: pageSizeFor('DescribeSecurityGroups', pageSize) },
    { Filters: [vpcFilter(vpcId), { Name: 'tag-key', Values: [config.managedTagKey] }] },
  )) {
    groups.push(...(page.SecurityGroups ?? []));
  }
  const ours = groups
    .filter((g) => isManaged(config, g.Tags))
    .sort(
      (a, b) => Number(b.GroupName === SECURITY_GROUP_NAME) - Number(a.GroupName === SECURITY_GROUP_NAME),
    );
  const group = ours[0];
  if (!group?.GroupId) return undefined;
  const { v4, v6 } = admitted443(group);
  return { id: group.GroupId, name: group.GroupName ?? '', ingressCidrs: v4, ingressIpv6Cidrs: v6 };
}

/** The security group named privatelink-ecs-endpoints in a VPC, and whether it carries our managed tag. */
export interface NamedGroup {
  id: string;
  managed: boolean;
}

/** The security group with our name in the VPC, whoever made it (used to re-read before creating). */
export async function findSecurityGroupByName(
  ec2: EC2Client,
  config: Config,
  vpcId: string,
): Promise<NamedGroup | undefined> {
  const res = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [vpcFilter(vpcId), { Name: 'group-name', Values: [SECURITY_GROUP_NAME] }],
    }),
  );
  const group = res.SecurityGroups?.[0];
  return group?.GroupId ? { id: group.GroupId, managed: isManaged(config, group.Tags) } : undefined;
}

async function dnsAttribute(
  ec2: EC2Client,
  vpcId: string,
  attribute: 'enableDnsSupport' | 'enableDnsHostnames',
): Promise<boolean> {
  const res = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute }));
  return (
    (attribute === 'enableDnsSupport' ? res.EnableDnsSupport?.Value : res.EnableDnsHostnames?.Value) ?? false
  );
}

/**
 * Reads everything the planner needs about one VPC. `serviceNames` are the full endpoint service names of
 * the desired set (interface candidates and s3). Throws VpcNotFoundError for an unknown VPC. Pass
 * `options.vpc` when the VPC has just been read (reconcileVpc's opt-in check) to skip DescribeVpcs.
 */
export async function readInventory(
  ec2: EC2Client,
  config: Config,
  vpcId: string,
  serviceNames: string[],
  options: InventoryOptions = {},
): Promise<VpcInventory> {
  const vpc = options.vpc?.VpcId === vpcId ? options.vpc : await describeVpc(ec2, vpcId);
  if (!vpc) throw new VpcNotFoundError(vpcId);
  const region = await regionOf(ec2);
  const size = options.pageSize;
  const [dnsSupport, dnsHostnames, rawSubnets, rawTables, endpoints, securityGroup] = await Promise.all([
    dnsAttribute(ec2, vpcId, 'enableDnsSupport'),
    dnsAttribute(ec2, vpcId, 'enableDnsHostnames'),
    describeSubnets(ec2, vpcId, size),
    describeRouteTables(ec2, vpcId, size),
    readEndpoints(ec2, config, vpcId, size),
    findOurSecurityGroup(ec2, config, vpcId, size),
  ]);
  const routeTables = summarizeRouteTables(rawTables);
  const subnets = summarizeSubnets(rawSubnets, routeTables);
  const azNameToId = new Map(subnets.map((s) => [s.azName, s.azId]));
  const offerings = await describeOfferings(ec2, serviceNames, azNameToId, size);
  const privateZones = options.route53 ? await readPrivateZones(options.route53, vpcId, region) : undefined;
  const live = (state: string | undefined) => state === 'associated';
  const inventory: VpcInventory = {
    vpcId,
    region,
    tags: tagsToRecord(vpc.Tags),
    cidrs: (vpc.CidrBlockAssociationSet ?? [])
      .filter((a) => live(a.CidrBlockState?.State) && a.CidrBlock)
      .map((a) => a.CidrBlock!),
    ipv6Cidrs: (vpc.Ipv6CidrBlockAssociationSet ?? [])
      .filter((a) => live(a.Ipv6CidrBlockState?.State) && a.Ipv6CidrBlock)
      .map((a) => a.Ipv6CidrBlock!),
    dnsSupport,
    dnsHostnames,
    subnets,
    routeTables,
    endpoints,
    offerings,
  };
  if (inventory.cidrs.length === 0 && vpc.CidrBlock) inventory.cidrs.push(vpc.CidrBlock);
  if (privateZones) inventory.privateZones = privateZones;
  if (securityGroup) inventory.securityGroup = securityGroup;
  else {
    // Only when we have no group: a group of someone else's with our name would block creating ours.
    const named = await findSecurityGroupByName(ec2, config, vpcId);
    if (named && !named.managed) inventory.groupNameTakenBy = named.id;
  }
  return inventory;
}
