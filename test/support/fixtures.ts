// Shared integration fixtures. Every builder uses real EC2/ECS API calls, so the same fixture works against
// moto and against the project's simulated account (which implements the same operations).
import {
  type _InstanceType,
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AssociateVpcCidrBlockCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  ModifyVpcAttributeCommand,
  RunInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, type ECSClient, RegisterContainerInstanceCommand } from '@aws-sdk/client-ecs';
import { parseVpcId, type VpcId } from '../../shared/ids';

export interface VpcLayoutOptions {
  /** Number of Availability Zones to spread subnets over (1..6). Default 3. */
  azs?: number;
  /** One public subnet (routed to an internet gateway) per AZ besides the private ones. Default true. */
  publicAndPrivate?: boolean;
  /** Private subnets per AZ. Default 1. */
  privateSubnetsPerAz?: number;
  /** 'per-az' (default): one private route table per AZ; 'per-subnet': one per private subnet. */
  privateRouteTables?: 'per-az' | 'per-subnet';
  /** Give the private route tables a 0.0.0.0/0 route to a NAT gateway in the first public subnet. */
  nat?: boolean;
  /** enableDnsHostnames; default false (the AWS default for a non-default VPC). */
  dnsHostnames?: boolean;
  /** enableDnsSupport; default true (the AWS default). */
  dnsSupport?: boolean;
  /** Tags on the VPC, e.g. { 'privatelink-ecs': 'enabled' }. */
  tags?: Record<string, string>;
  /** Primary CIDR; default 10.0.0.0/16. Subnets are /24s carved from its first two octets. */
  cidr?: string;
  /** A secondary IPv4 CIDR associated after creation, e.g. 10.1.0.0/16. */
  secondaryCidr?: string;
  /**
   * Subnet size: 24 (default) gives up to 128 private /24s; 28 gives up to 2048 private /28s, for layouts
   * with hundreds or thousands of subnets (benches, paging).
   */
  subnetPrefixLength?: 24 | 28;
}

export interface VpcLayout {
  vpcId: VpcId;
  cidrs: string[];
  /** AZ names used, in order. */
  azNames: string[];
  /** AZ name → AZ ID. */
  azIds: Record<string, string>;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  /** AZ name of every subnet. */
  subnetAz: Record<string, string>;
  publicRouteTableId?: string;
  privateRouteTableIds: string[];
  internetGatewayId?: string;
  natGatewayId?: string;
}

export function toTags(tags: Record<string, string> = {}): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Builds a VPC with public/private subnets per AZ and their route tables, through real API calls. */
export async function createVpcLayout(ec2: EC2Client, options: VpcLayoutOptions = {}): Promise<VpcLayout> {
  const azCount = options.azs ?? 3;
  const perAz = options.privateSubnetsPerAz ?? 1;
  const withPublic = options.publicAndPrivate ?? true;
  const cidr = options.cidr ?? '10.0.0.0/16';
  const prefix = cidr.split('.').slice(0, 2).join('.');
  const bits = options.subnetPrefixLength ?? 24;
  // Subnet slots per /24: 1 for /24s, 16 for /28s. Public subnets take the first slots, private ones start
  // half-way through the /16.
  const perOctet = 2 ** (bits - 24);
  const privateStart = 128 * perOctet;
  if (azCount > privateStart || azCount * perAz > privateStart) {
    throw new Error(`createVpcLayout: too many subnets for /${bits}s in a /16`);
  }
  const slotCidr = (slot: number) =>
    `${prefix}.${Math.floor(slot / perOctet)}.${(slot % perOctet) * 2 ** (32 - bits)}/${bits}`;

  const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  const available = (zones.AvailabilityZones ?? []).filter((z) => z.ZoneName && z.ZoneId);
  if (available.length < azCount) throw new Error(`createVpcLayout: region has only ${available.length} AZs`);
  const azNames = available.slice(0, azCount).map((z) => z.ZoneName!);
  const azIds = Object.fromEntries(available.slice(0, azCount).map((z) => [z.ZoneName!, z.ZoneId!]));

  const { Vpc } = await ec2.send(
    new CreateVpcCommand({
      CidrBlock: cidr,
      TagSpecifications: options.tags ? [{ ResourceType: 'vpc', Tags: toTags(options.tags) }] : undefined,
    }),
  );
  const vpcId = parseVpcId(Vpc!.VpcId);
  if (options.tags && !(Vpc!.Tags ?? []).length) {
    // Some emulators drop TagSpecifications on CreateVpc; tag explicitly so the layout is the same everywhere.
    await ec2.send(new CreateTagsCommand({ Resources: [vpcId], Tags: toTags(options.tags) }));
  }
  await ec2.send(
    new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: options.dnsSupport ?? true } }),
  );
  await ec2.send(
    new ModifyVpcAttributeCommand({
      VpcId: vpcId,
      EnableDnsHostnames: { Value: options.dnsHostnames ?? false },
    }),
  );
  const cidrs = [cidr];
  if (options.secondaryCidr) {
    await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: options.secondaryCidr }));
    cidrs.push(options.secondaryCidr);
  }

  const layout: VpcLayout = {
    vpcId,
    cidrs,
    azNames,
    azIds,
    publicSubnetIds: [],
    privateSubnetIds: [],
    subnetAz: {},
    privateRouteTableIds: [],
  };

  const subnet = async (slot: number, az: string, name: string): Promise<string> => {
    const res = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: slotCidr(slot),
        AvailabilityZone: az,
        TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: name }] }],
      }),
    );
    const id = res.Subnet!.SubnetId!;
    layout.subnetAz[id] = az;
    return id;
  };
  const routeTable = async (name: string): Promise<string> => {
    const res = await ec2.send(
      new CreateRouteTableCommand({
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'route-table', Tags: [{ Key: 'Name', Value: name }] }],
      }),
    );
    return res.RouteTable!.RouteTableId!;
  };

  if (withPublic) {
    const igw = await ec2.send(new CreateInternetGatewayCommand({}));
    layout.internetGatewayId = igw.InternetGateway!.InternetGatewayId!;
    await ec2.send(
      new AttachInternetGatewayCommand({ VpcId: vpcId, InternetGatewayId: layout.internetGatewayId }),
    );
    layout.publicRouteTableId = await routeTable('public');
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: layout.publicRouteTableId,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: layout.internetGatewayId,
      }),
    );
    for (const [i, az] of azNames.entries()) {
      const id = await subnet(i, az, `public-${az}`);
      layout.publicSubnetIds.push(id);
      await ec2.send(
        new AssociateRouteTableCommand({ RouteTableId: layout.publicRouteTableId, SubnetId: id }),
      );
    }
  }

  if (options.nat) {
    if (!layout.publicSubnetIds[0]) throw new Error('createVpcLayout: nat needs publicAndPrivate');
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const nat = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: layout.publicSubnetIds[0], AllocationId: eip.AllocationId }),
    );
    layout.natGatewayId = nat.NatGateway!.NatGatewayId!;
  }

  let slot = privateStart;
  for (const az of azNames) {
    let azTable: string | undefined;
    for (let n = 0; n < perAz; n++) {
      const id = await subnet(slot++, az, `private-${az}-${n}`);
      layout.privateSubnetIds.push(id);
      let table = azTable;
      if (!table || options.privateRouteTables === 'per-subnet') {
        table = await routeTable(`private-${az}-${n}`);
        layout.privateRouteTableIds.push(table);
        if (layout.natGatewayId) {
          await ec2.send(
            new CreateRouteCommand({
              RouteTableId: table,
              DestinationCidrBlock: '0.0.0.0/0',
              NatGatewayId: layout.natGatewayId,
            }),
          );
        }
        azTable = table;
      }
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: id }));
    }
  }
  return layout;
}

/** Someone else's endpoint (no managed tag), e.g. to test that we leave it alone. */
export async function createForeignEndpoint(
  ec2: EC2Client,
  input: {
    vpcId: string;
    service: string;
    region?: string;
    type: 'Interface' | 'Gateway';
    subnetIds?: string[];
    routeTableIds?: string[];
    tags?: Record<string, string>;
  },
): Promise<string> {
  const region = input.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const res = await ec2.send(
    new CreateVpcEndpointCommand({
      VpcId: input.vpcId,
      ServiceName: `com.amazonaws.${region}.${input.service}`,
      VpcEndpointType: input.type,
      SubnetIds: input.subnetIds,
      RouteTableIds: input.routeTableIds,
      TagSpecifications: [
        {
          ResourceType: 'vpc-endpoint',
          Tags: toTags(input.tags ?? { Name: `someone-elses-${input.service}` }),
        },
      ],
    }),
  );
  return res.VpcEndpoint!.VpcEndpointId!;
}

export interface ContainerInstancesOptions {
  clusterName: string;
  subnetId: string;
  count: number;
  /** AMI to run; default: the first image the account can see. */
  imageId?: string;
  instanceType?: _InstanceType;
  /** Tags on the EC2 instances. */
  tags?: Record<string, string>;
}

export interface ContainerInstances {
  clusterArn: string;
  instanceIds: string[];
  containerInstanceArns: string[];
}

/** Runs EC2 instances in a subnet and registers them with an ECS cluster (created if missing). */
export async function registerContainerInstances(
  clients: { ec2: EC2Client; ecs: ECSClient },
  options: ContainerInstancesOptions,
): Promise<ContainerInstances> {
  const { ec2, ecs } = clients;
  const cluster = await ecs.send(new CreateClusterCommand({ clusterName: options.clusterName }));
  const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [options.subnetId] }));
  const subnet = subnets.Subnets?.[0];
  if (!subnet) throw new Error(`registerContainerInstances: subnet ${options.subnetId} not found`);
  let imageId = options.imageId;
  if (!imageId) {
    const images = await ec2.send(new DescribeImagesCommand({ MaxResults: 5 }));
    imageId = images.Images?.[0]?.ImageId;
    if (!imageId) throw new Error('registerContainerInstances: no AMI visible; pass imageId');
  }
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: options.instanceType ?? 't3.micro',
      MinCount: options.count,
      MaxCount: options.count,
      SubnetId: options.subnetId,
      TagSpecifications: options.tags
        ? [{ ResourceType: 'instance', Tags: toTags(options.tags) }]
        : undefined,
    }),
  );
  const instanceIds = (run.Instances ?? []).map((i) => i.InstanceId!);
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const accountId = subnet.OwnerId ?? '123456789012';
  const containerInstanceArns: string[] = [];
  for (const instanceId of instanceIds) {
    const reg = await ecs.send(
      new RegisterContainerInstanceCommand({
        cluster: options.clusterName,
        instanceIdentityDocument: JSON.stringify({
          instanceId,
          region,
          accountId,
          availabilityZone: subnet.AvailabilityZone,
        }),
      }),
    );
    containerInstanceArns.push(reg.containerInstance!.containerInstanceArn!);
  }
  return { clusterArn: cluster.cluster!.clusterArn!, instanceIds, containerInstanceArns };
}

export interface CallLog {
  /** Command names sent so far, in order, e.g. "DescribeVpcsCommand". */
  readonly calls: string[];
  /** Calls that are not read-only (anything but Describe*, List*, Get*). */
  writes(): string[];
  clear(): void;
}

const READ_ONLY = /^(Describe|List|Get)/;

/** Records every command a client sends (after validation, before the network), for counting API calls. */
export function recordCalls(client: {
  middlewareStack: { add: (mw: never, opts: { step: 'initialize'; name: string }) => void };
}): CallLog {
  const calls: string[] = [];
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    (args: unknown): Promise<unknown> => {
      calls.push(context.commandName ?? 'unknown');
      return next(args);
    };
  client.middlewareStack.add(middleware as never, {
    step: 'initialize',
    name: `recordCalls-${Math.random().toString(36).slice(2)}`,
  });
  return {
    calls,
    writes: () => calls.filter((c) => !READ_ONLY.test(c)),
    clear: () => {
      calls.length = 0;
    },
  };
}
