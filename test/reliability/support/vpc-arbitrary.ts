// A fast-check arbitrary of VPC states for the planner's property tests, and a builder that realises one in a
// fresh SimulatedAccount. The arbitrary produces plain data (indices, not IDs) so fast-check can shrink it to
// a small, readable counterexample; the builder turns it into subnets, route tables, endpoints made by us and
// by others, and services missing from some AZs, all through the account's own EC2 API.
import {
  AssociateRouteTableCommand,
  AssociateVpcCidrBlockCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeRouteTablesCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { SimulatedAccount } from '../../../devkit/sim';
import type { AwsClients } from '../../../shared/clients';
import {
  type Config,
  type ConfigInput,
  DEFAULT_INTERFACE_SERVICES,
  parseConfig,
  type S3GatewayMode,
} from '../../../shared/config';
import { errorName } from '../../../shared/errors';
import { parseVpcId, type VpcId } from '../../../shared/ids';
import { reconcileVpc } from '../../../shared/reconciler';
import { fullServiceName, SECURITY_GROUP_NAME } from '../../../shared/reconciler/naming';

/** AZs of the simulated region; a VPC uses 1 to 4 of them. */
const ACCOUNT_AZS = 4;
const REGION = 'us-east-1';
const OPT_IN_KEY = 'privatelink-ecs';
export const MANAGED_KEY = 'privatelink-ecs:managed';

/** Every interface service the planner can ask for: the five defaults and the three SSM ones. */
const INTERFACE_SERVICES = [...DEFAULT_INTERFACE_SERVICES, 'ssm', 'ssmmessages', 'ec2messages'] as const;
export type InterfaceService = (typeof INTERFACE_SERVICES)[number];

/** Where a route table sends 0.0.0.0/0. */
export type RouteKind = 'internet' | 'nat' | 'none';

/** How the VPC carries (or does not carry) the opt-in tag. */
export type OptInTag =
  | { kind: 'enabled' }
  | { kind: 'absent' }
  | { kind: 'value'; value: string }
  | { kind: 'key'; key: string };

export interface SubnetSpec {
  /** Index of the AZ among the VPC's AZs (taken modulo azCount). */
  az: number;
  /** 'main': no explicit association (the main table applies); a number: one of `routeTables`. */
  table: 'main' | number;
}

export type EndpointSpec =
  | {
      type: 'Interface';
      service: InterfaceService;
      ours: boolean;
      /** Indices into the VPC's subnets; the builder keeps one per AZ, in AZs the service supports. */
      subnets: number[];
      privateDns: boolean;
      failed: boolean;
    }
  | {
      type: 'Gateway';
      ours: boolean;
      /** Indices into [main table, ...routeTables]. */
      routeTables: number[];
      failed: boolean;
    };

/** The configuration of an earlier reconcile (ours, possibly with another config) before the run. */
export interface PriorRunSpec {
  interfaceServices: InterfaceService[];
  /** 'first-az': an explicit list of the subnets in the VPC's first AZ (so later runs add AZs). */
  subnets: 'private' | 'all' | 'first-az';
  s3Gateway: S3GatewayMode;
  ssmEndpoints: 'never' | 'always';
}

export interface VpcSpec {
  azCount: number;
  optIn: OptInTag;
  dnsSupport: boolean;
  dnsHostnames: boolean;
  mainRoute: RouteKind;
  routeTables: RouteKind[];
  subnets: SubnetSpec[];
  /** Services offered only in some account AZs (by index; later entries win); others are offered in all. */
  serviceAzs: { service: InterfaceService; azs: number[] }[];
  prior: PriorRunSpec | null;
  /** A CIDR associated after the earlier run, so our security group misses it. */
  secondaryCidrAfterPrior: boolean;
  /** Others' endpoints were there before our earlier run (else they came after it). */
  othersFirst: boolean;
  endpoints: EndpointSpec[];
  /** Someone else's security group that already carries our group's name (no managed tag). */
  foreignGroupWithOurName: boolean;
}

export interface ConfigSpec {
  interfaceServices: InterfaceService[];
  extraServices: InterfaceService[];
  s3Gateway: S3GatewayMode;
  ssmEndpoints: 'never' | 'auto' | 'always';
  /** 'private' | 'all', or indices into the VPC's subnets (plus, optionally, a subnet of another VPC). */
  subnets: 'private' | 'all' | { indices: number[]; otherVpcSubnet: boolean };
}

export interface Scenario {
  vpc: VpcSpec;
  config: ConfigSpec;
}

const routeKind = fc.constantFrom<RouteKind>('none', 'nat', 'internet');
const s3GatewayMode = fc.constantFrom<S3GatewayMode>('auto', 'always', 'never');

/** `a` weightA times as often as… `b` weightB; shrinks towards `a`. */
function weighted<T>(
  a: fc.Arbitrary<T>,
  weightA: number,
  b: fc.Arbitrary<T>,
  weightB: number,
): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: a, weight: weightA }, { arbitrary: b, weight: weightB });
}

/** True about one time in five (failed endpoints, a group holding our name). */
const rarely = weighted(fc.constant(false), 4, fc.constant(true), 1);

const subnetSpec: fc.Arbitrary<SubnetSpec> = fc.record({
  az: fc.nat(3),
  table: fc.oneof(fc.constant('main' as const), fc.nat(2)),
});
const defaultServices = fc.subarray([...DEFAULT_INTERFACE_SERVICES] as InterfaceService[], { minLength: 1 });

const endpointSpec: fc.Arbitrary<EndpointSpec> = fc.oneof(
  fc.record({
    type: fc.constant('Interface' as const),
    service: fc.constantFrom(...INTERFACE_SERVICES),
    ours: fc.boolean(),
    subnets: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 4 }),
    privateDns: fc.boolean(),
    failed: rarely,
  }),
  fc.record({
    type: fc.constant('Gateway' as const),
    ours: fc.boolean(),
    routeTables: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 3 }),
    failed: rarely,
  }),
);

export const optInTagArbitrary: fc.Arbitrary<OptInTag> = fc.oneof(
  fc.constant<OptInTag>({ kind: 'enabled' }),
  fc.constant<OptInTag>({ kind: 'absent' }),
  fc.record({
    kind: fc.constant('value' as const),
    value: fc.constantFrom('disabled', 'Enabled', 'ENABLED', '', 'enabled ', 'true', 'yes'),
  }),
  fc.record({
    kind: fc.constant('key' as const),
    key: fc.constantFrom('Privatelink-ECS', 'privatelink-ecs ', 'privatelink', 'privatelink-ecs:managed'),
  }),
);

/** VPC states. `optIn` overrides the opt-in tag arbitrary (e.g. only tagged, or only not opted in). */
function vpcSpecArbitrary(optIn: fc.Arbitrary<OptInTag> = optInTagArbitrary): fc.Arbitrary<VpcSpec> {
  return fc.record({
    azCount: fc.integer({ min: 1, max: ACCOUNT_AZS }),
    optIn,
    dnsSupport: fc.boolean(),
    dnsHostnames: fc.boolean(),
    mainRoute: routeKind,
    routeTables: fc.array(routeKind, { minLength: 0, maxLength: 3 }),
    // A VPC without subnets yet is a real state (just created), but a rare one here.
    subnets: weighted(
      fc.array(subnetSpec, { minLength: 1, maxLength: 6 }),
      9,
      fc.constant<SubnetSpec[]>([]),
      1,
    ),
    serviceAzs: fc.array(
      fc.record({
        service: fc.constantFrom(...INTERFACE_SERVICES),
        azs: fc.uniqueArray(fc.nat(ACCOUNT_AZS - 1), { maxLength: ACCOUNT_AZS }),
      }),
      { maxLength: 2 },
    ),
    prior: fc.option(
      fc.record({
        interfaceServices: defaultServices,
        subnets: fc.constantFrom<PriorRunSpec['subnets']>('first-az', 'private', 'all'),
        s3Gateway: s3GatewayMode,
        ssmEndpoints: fc.constantFrom<'never' | 'always'>('never', 'always'),
      }),
      { nil: null, freq: 2 },
    ),
    secondaryCidrAfterPrior: fc.boolean(),
    othersFirst: fc.boolean(),
    endpoints: fc.array(endpointSpec, { maxLength: 5 }),
    foreignGroupWithOurName: rarely,
  });
}

const configSpecArbitrary: fc.Arbitrary<ConfigSpec> = fc.record({
  interfaceServices: defaultServices,
  extraServices: fc.subarray(['ssm', 'ssmmessages', 'ec2messages'] as InterfaceService[], { maxLength: 1 }),
  s3Gateway: s3GatewayMode,
  ssmEndpoints: fc.constantFrom<'never' | 'auto' | 'always'>('never', 'auto', 'always'),
  subnets: fc.oneof(
    fc.constant<'private'>('private'),
    fc.constant<'all'>('all'),
    fc.record({
      indices: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 3 }),
      otherVpcSubnet: fc.boolean(),
    }),
  ),
});

export function scenarioArbitrary(optIn?: fc.Arbitrary<OptInTag>): fc.Arbitrary<Scenario> {
  return fc.record({ vpc: vpcSpecArbitrary(optIn), config: configSpecArbitrary });
}

/** A realised scenario: the account, its clients and what the builder made. */
export interface BuiltVpc {
  account: SimulatedAccount;
  clients: AwsClients;
  vpcId: VpcId;
  subnetIds: string[];
  /** AZ name of each subnet, by ID. */
  subnetAz: Map<string, string>;
  /** Main table first, then the extra tables. */
  routeTableIds: string[];
  /** The route table that applies to each subnet (its explicit association, else the main table). */
  subnetTable: Map<string, string>;
  /** Where each route table sends 0.0.0.0/0, as built. */
  tableRoute: Map<string, RouteKind>;
  /** AZ names offering each interface service (every account AZ when not restricted). */
  serviceAzNames: Map<string, string[]>;
  /** Endpoints the spec asked for that EC2 refused (e.g. a second S3 route on a table, a DNS conflict). */
  refusedEndpoints: string[];
  /** The config under test. */
  config: Config;
}

/** A subnet ID that is not in the VPC (a list shared by several VPCs names other VPCs' subnets too). */
const OTHER_VPC_SUBNET = 'subnet-0000000000000dead';

function optInTags(optIn: OptInTag): { Key: string; Value: string }[] {
  switch (optIn.kind) {
    case 'enabled':
      return [{ Key: OPT_IN_KEY, Value: 'enabled' }];
    case 'absent':
      return [];
    case 'value':
      return [{ Key: OPT_IN_KEY, Value: optIn.value }];
    case 'key':
      return [{ Key: optIn.key, Value: 'enabled' }];
  }
}

function configInput(spec: ConfigSpec, subnetIds: string[]): ConfigInput {
  let subnets: ConfigInput['subnets'] = 'private';
  if (typeof spec.subnets === 'string') subnets = spec.subnets;
  else if (subnetIds.length > 0) {
    const ids = [...new Set(spec.subnets.indices.map((i) => subnetIds[i % subnetIds.length]!))];
    subnets = spec.subnets.otherVpcSubnet ? [...ids, OTHER_VPC_SUBNET] : ids;
  }
  return {
    interfaceServices: spec.interfaceServices,
    extraServices: spec.extraServices,
    s3Gateway: spec.s3Gateway,
    ssmEndpoints: spec.ssmEndpoints,
    subnets,
  };
}

async function describeOnce(ec2: EC2Client): Promise<void> {
  // The simulated account moves endpoint lifecycles on each DescribeVpcEndpoints listing.
  await ec2.send(new DescribeVpcEndpointsCommand({}));
}

async function tablesWithS3Route(ec2: EC2Client, vpcId: string): Promise<Set<string>> {
  const tables =
    (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
      .RouteTables ?? [];
  return new Set(
    tables
      .filter((t) =>
        (t.Routes ?? []).some((r) => r.DestinationPrefixListId && r.GatewayId?.startsWith('vpce-')),
      )
      .map((t) => t.RouteTableId!),
  );
}

async function addEndpoint(
  built: Omit<BuiltVpc, 'config'>,
  spec: EndpointSpec,
  index: number,
): Promise<void> {
  const { account, clients, vpcId, subnetIds, subnetAz, routeTableIds, serviceAzNames } = built;
  const ec2 = clients.ec2;
  const service = spec.type === 'Interface' ? spec.service : 's3';
  const tags = spec.ours
    ? [
        { Key: MANAGED_KEY, Value: 'privatelink-ecs' },
        { Key: 'Name', Value: `privatelink-ecs-${service}` },
      ]
    : [{ Key: 'Name', Value: `team-endpoint-${index}` }];
  if (spec.failed) account.setEndpointBehaviour(service, { outcome: 'failed', pendingPolls: 0 });
  try {
    if (spec.type === 'Interface') {
      if (subnetIds.length === 0) return;
      const offered = serviceAzNames.get(service)!;
      const perAz = new Map<string, string>();
      for (const i of spec.subnets) {
        const id = subnetIds[i % subnetIds.length]!;
        const az = subnetAz.get(id)!;
        if (offered.includes(az) && !perAz.has(az)) perAz.set(az, id);
      }
      if (perAz.size === 0) return;
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          VpcEndpointType: 'Interface',
          ServiceName: fullServiceName(REGION, service),
          SubnetIds: [...perAz.values()],
          PrivateDnsEnabled: spec.privateDns,
          TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: tags }],
        }),
      );
    } else {
      // A route table takes one S3 route: the other team's gateway goes on tables that have none yet.
      const taken = await tablesWithS3Route(ec2, vpcId);
      const tables = [
        ...new Set(spec.routeTables.map((i) => routeTableIds[i % routeTableIds.length]!)),
      ].filter((rt) => !taken.has(rt));
      if (tables.length === 0) return;
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          VpcEndpointType: 'Gateway',
          ServiceName: fullServiceName(REGION, 's3'),
          RouteTableIds: tables,
          TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: tags }],
        }),
      );
    }
    if (spec.failed) await describeOnce(ec2);
  } catch (err) {
    // EC2 refuses some combinations (a second S3 route on a table, a second private DNS name): that state
    // cannot exist, so the endpoint is left out and the VPC is still a valid one.
    built.refusedEndpoints.push(`${spec.type} ${service}: ${errorName(err)}`);
  } finally {
    if (spec.failed) account.setEndpointBehaviour(service, { outcome: 'available', pendingPolls: undefined });
  }
}

/**
 * Realises a scenario in a fresh SimulatedAccount, through its EC2 API: VPC, route tables and their default
 * routes, subnets and associations, service AZs, an earlier reconcile of ours, endpoints of ours and of
 * others, DNS attributes last (so endpoints with private DNS could be made first). Returns the account with
 * every call the builder made already in `account.calls`: callers look at the calls after `account.calls.length`.
 */
export async function buildVpc(scenario: Scenario): Promise<BuiltVpc> {
  const { vpc: spec } = scenario;
  const account = new SimulatedAccount({ region: REGION, azs: ACCOUNT_AZS });
  const clients = account.clients({ maxAttempts: 1, retryDelayMs: 0 });
  const ec2 = clients.ec2;
  const azNames = account.availabilityZones;

  const created = (
    await ec2.send(
      new CreateVpcCommand({
        CidrBlock: '10.0.0.0/16',
        TagSpecifications: [
          { ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'property' }, ...optInTags(spec.optIn)] },
        ],
      }),
    )
  ).Vpc!.VpcId;
  const vpcId = parseVpcId(created);
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  const main = (
    await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'association.main', Values: ['true'] },
        ],
      }),
    )
  ).RouteTables![0]!.RouteTableId!;

  const routeTableIds = [main];
  for (let i = 0; i < spec.routeTables.length; i++) {
    const rt = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    routeTableIds.push(rt.RouteTable!.RouteTableId!);
  }
  const subnetIds: string[] = [];
  const subnetAz = new Map<string, string>();
  const subnetTable = new Map<string, string>();
  for (const [i, s] of spec.subnets.entries()) {
    const az = azNames[s.az % spec.azCount]!;
    const subnet = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i * 16}.0/20`, AvailabilityZone: az }),
    );
    const id = subnet.Subnet!.SubnetId!;
    subnetIds.push(id);
    subnetAz.set(id, az);
    subnetTable.set(id, main);
    if (s.table !== 'main' && spec.routeTables.length > 0) {
      const table = routeTableIds[1 + (s.table % spec.routeTables.length)]!;
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: id }));
      subnetTable.set(id, table);
    }
  }

  // Default routes: an internet gateway and, for NAT routes, a NAT gateway in the first subnet.
  const routes = [spec.mainRoute, ...spec.routeTables];
  const tableRoute = new Map<string, RouteKind>(routeTableIds.map((id) => [id, 'none']));
  let igw: string | undefined;
  let nat: string | undefined;
  for (const [i, kind] of routes.entries()) {
    if (kind === 'none' || (kind === 'nat' && subnetIds.length === 0)) continue;
    tableRoute.set(routeTableIds[i]!, kind);
    if (kind === 'internet') {
      if (!igw) {
        igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
        await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
      }
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: routeTableIds[i],
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: igw,
        }),
      );
    } else {
      nat ??= (await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetIds[0] }))).NatGateway!
        .NatGatewayId!;
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: routeTableIds[i],
          DestinationCidrBlock: '0.0.0.0/0',
          NatGatewayId: nat,
        }),
      );
    }
  }

  const serviceAzNames = new Map<string, string[]>(INTERFACE_SERVICES.map((s) => [s, [...azNames]]));
  for (const { service, azs } of spec.serviceAzs) {
    const names = [...new Set(azs)].sort().map((i) => azNames[i]!);
    account.setServiceAzs(service, names);
    serviceAzNames.set(service, names);
  }

  const partial = {
    account,
    clients,
    vpcId,
    subnetIds,
    subnetAz,
    routeTableIds,
    subnetTable,
    tableRoute,
    serviceAzNames,
    refusedEndpoints: [] as string[],
  };

  const addOthers = async () => {
    for (const [i, endpoint] of spec.endpoints.entries()) await addEndpoint(partial, endpoint, i);
  };
  if (spec.othersFirst) await addOthers();
  if (spec.prior && subnetIds.length > 0) {
    const firstAz = subnetAz.get(subnetIds[0]!)!;
    const prior = parseConfig({
      interfaceServices: spec.prior.interfaceServices,
      subnets:
        spec.prior.subnets === 'first-az'
          ? subnetIds.filter((id) => subnetAz.get(id) === firstAz)
          : spec.prior.subnets,
      s3Gateway: spec.prior.s3Gateway,
      ssmEndpoints: spec.prior.ssmEndpoints,
    });
    await reconcileVpc(ec2, prior, { vpcId, force: true });
  }
  if (spec.secondaryCidrAfterPrior) {
    await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: '10.1.0.0/16' }));
  }
  if (!spec.othersFirst) await addOthers();
  if (spec.foreignGroupWithOurName) {
    try {
      await ec2.send(
        new CreateSecurityGroupCommand({
          VpcId: vpcId,
          GroupName: SECURITY_GROUP_NAME,
          Description: 'made by hand, before privatelink-ecs',
        }),
      );
    } catch (err) {
      // The earlier run already made ours under that name.
      partial.refusedEndpoints.push(`security group ${SECURITY_GROUP_NAME}: ${errorName(err)}`);
    }
  }
  if (!spec.dnsHostnames)
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: false } }));
  if (!spec.dnsSupport)
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: false } }));
  await describeOnce(ec2);

  const config = parseConfig(configInput(scenario.config, subnetIds));
  // What the properties run the planner and reconciler with: the role the stack deploys them under, so every
  // call is authorized as in a real account (the builder above is the account's administrator).
  const asDeployed = account.clients({ role: 'WorkflowEnsureEndpoints', maxAttempts: 1, retryDelayMs: 0 });
  return { ...partial, clients: asDeployed, config };
}
