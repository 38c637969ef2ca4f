// The data of one simulated account. Plain records in maps: the service modules read and change them, the
// SimulatedAccount facade adds builders and knobs on top. Nothing here runs on timers.
import { IdFactory, ManualClock, type TagMap } from './core';

export type EndpointOutcome = 'available' | 'failed' | 'rejected' | 'stuck';

export interface EndpointBehaviour {
  /** DescribeVpcEndpoints listings that still show `pending` after creation (default 1). */
  pendingPolls?: number;
  outcome?: EndpointOutcome;
  /** LastError.Message for failed endpoints. */
  lastError?: string;
}

export type CommandOutcome = 'Success' | 'Failed' | 'TimedOut';

export interface InstanceBehaviour {
  /** Outcome of the next Run Command invocations on this instance (default Success). */
  command?: CommandOutcome;
  /** Observations (GetCommandInvocation / ListCommandInvocations) an invocation stays InProgress (default 1). */
  commandPolls?: number;
  /** Whether the ECS agent reconnects after a restart or reboot (default true). */
  reconnects?: boolean;
  /** DescribeContainerInstances calls the agent stays disconnected after a restart (default 1). */
  reconnectPolls?: number;
  /**
   * Seconds of account clock after a restart during which ECS still reports the old connection
   * (agentConnected: true) before the disconnect shows, as a real agent's flag lags (default 0).
   */
  staleConnectionSeconds?: number;
  /** Final state of an UpdateContainerAgent (default UPDATED). */
  agentUpdate?: 'UPDATED' | 'FAILED';
  /** DescribeContainerInstances calls spent in each agent update stage (default 1). */
  agentUpdatePolls?: number;
}

export interface SimVpc {
  id: string;
  cidrs: Array<{ associationId: string; cidr: string }>;
  /** An Amazon-provided IPv6 /56, once a subnet of the VPC got an IPv6 CIDR (setSubnetIpv6). */
  ipv6Cidr?: string;
  dnsSupport: boolean;
  dnsHostnames: boolean;
  mainRouteTableId: string;
  defaultSecurityGroupId: string;
}

export interface SimSubnet {
  id: string;
  vpcId: string;
  cidr: string;
  az: string;
  azId: string;
  mapPublicIpOnLaunch: boolean;
  /** An associated IPv6 CIDR (dual-stack, or IPv6-only with ipv6Native). */
  ipv6Cidr?: string;
  /** IPv6-only: no IPv4 CIDR. */
  ipv6Native?: boolean;
}

export interface SimRoute {
  DestinationCidrBlock?: string;
  DestinationPrefixListId?: string;
  GatewayId?: string;
  NatGatewayId?: string;
  VpcEndpointId?: string;
  Origin: 'CreateRouteTable' | 'CreateRoute' | 'CreateVpcEndpoint';
}

export interface SimRouteTable {
  id: string;
  vpcId: string;
  routes: SimRoute[];
  associations: Array<{ id: string; subnetId?: string; main: boolean }>;
}

export interface SimInternetGateway {
  id: string;
  vpcId?: string;
}

export interface SimNatGateway {
  id: string;
  vpcId: string;
  subnetId: string;
  created: Date;
}

export interface SimIpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges: Array<{ CidrIp: string; Description?: string }>;
  UserIdGroupPairs: Array<{ GroupId: string; UserId: string; Description?: string }>;
  ruleIds: string[];
}

export interface SimSecurityGroup {
  id: string;
  vpcId: string;
  name: string;
  description: string;
  ingress: SimIpPermission[];
  egress: SimIpPermission[];
}

export interface SimEndpoint {
  id: string;
  vpcId: string;
  serviceName: string;
  /** Short name: the part after com.amazonaws.<region>. */
  service: string;
  type: 'Interface' | 'Gateway';
  state: string;
  subnetIds: string[];
  routeTableIds: string[];
  groupIds: string[];
  privateDnsEnabled: boolean;
  policyDocument?: string;
  /** Interface endpoints: ipv4, dualstack or ipv6. */
  ipAddressType?: 'ipv4' | 'dualstack' | 'ipv6';
  created: Date;
  networkInterfaceIds: string[];
  pendingPollsLeft: number;
  outcome: EndpointOutcome;
  lastError?: string;
  clientToken?: string;
  /** Listings left before a deleted endpoint disappears. */
  deletingPollsLeft?: number;
}

export interface SimInstance {
  id: string;
  vpcId: string;
  subnetId: string;
  az: string;
  imageId: string;
  instanceType: string;
  privateIp: string;
  launchTime: Date;
  state: 'pending' | 'running' | 'stopped' | 'terminated';
  platform?: 'windows';
  /** A Bottlerocket host (from its AMI): ECS reports it as LINUX, SSM as PlatformName "Bottlerocket". */
  variant?: 'bottlerocket';
  ssmManaged: boolean;
  /** For agent-restart commands: does the OS have systemctl (Amazon Linux 2/2023 yes, AL1 no). */
  usesSystemd: boolean;
  /** The agent runs as the Docker container `ecs-agent` (true on every ECS-optimized Linux AMI). */
  agentContainer: boolean;
  reboots: number;
}

export interface SimCluster {
  arn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
}

export type AgentUpdateStatus = 'PENDING' | 'STAGING' | 'STAGED' | 'UPDATING' | 'UPDATED' | 'FAILED';

export interface SimContainerInstance {
  arn: string;
  clusterArn: string;
  ec2InstanceId: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE' | 'REGISTERING';
  agentVersion: string;
  agentHash: string;
  dockerVersion: string;
  agentConnected: boolean;
  registeredAt: Date;
  attributes: Map<string, { value?: string; targetType?: string }>;
  agentUpdateStatus?: AgentUpdateStatus;
  /** Describe calls left in the current agent update stage. */
  updatePollsLeft: number;
  /** Describe calls until a disconnected agent is connected again; undefined when not reconnecting. */
  reconnectPollsLeft?: number;
  /** Until then ECS still shows the pre-restart connection (see staleConnectionSeconds). */
  staleUntil?: Date;
  /** When the agent last connected again after a restart or reboot. */
  reconnectedAt?: Date;
  version: number;
}

export type InvocationStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';

export interface SimInvocation {
  commandId: string;
  instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  /** Observations left in InProgress. */
  pollsLeft: number;
  outcome: CommandOutcome | 'Undeliverable';
  requested: Date;
  started?: Date;
  finished?: Date;
  responseCode: number;
  stdout: string;
  stderr: string;
  /** Whether this invocation restarts the ECS agent when it succeeds. */
  restartsAgent: boolean;
  failureReason?: string;
}

export interface SimCommand {
  id: string;
  documentName: string;
  documentVersion?: string;
  comment?: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  requested: Date;
  expires: Date;
  maxConcurrency: string;
  maxErrors: string;
  timeoutSeconds: number;
  cloudWatchOutput?: { CloudWatchOutputEnabled?: boolean; CloudWatchLogGroupName?: string };
  serviceRoleArn?: string;
}

export interface SimDocument {
  name: string;
  content: string;
  documentType: string;
  documentFormat: string;
  created: Date;
  hash: string;
}

export interface SimStateMachine {
  arn: string;
  name: string;
}

export interface SimExecution {
  arn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
}

export interface RecordedEvent {
  EventId: string;
  Time: Date;
  Source: string;
  DetailType: string;
  Detail: unknown;
  Resources: string[];
  EventBusName: string;
}

export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface SimTable {
  name: string;
  arn: string;
  /** The one key attribute (a string); the simulator has no sort keys. */
  partitionKey: string;
  items: Map<string, Item>;
  created: Date;
}

/** A CloudTrail trail, with either basic or advanced event selectors (as a real trail has one kind). */
export interface SimTrail {
  name: string;
  arn: string;
  homeRegion: string;
  multiRegion: boolean;
  logging: boolean;
  eventSelectors?: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }>;
  advancedEventSelectors?: Array<{
    Name?: string;
    FieldSelectors: Array<{ Field: string; Equals?: string[]; NotEquals?: string[] }>;
  }>;
}

/** A Route 53 private hosted zone and the VPCs associated with it. */
export interface SimHostedZone {
  id: string;
  name: string;
  vpcIds: string[];
  /** Set when an AWS service owns the zone (ListHostedZonesByVPC reports OwningService), else the account. */
  owningService?: string;
}

export const LATEST_AGENT_VERSION = '1.89.2';

/** Interface endpoint services offered in every region of the simulation. */
export const INTERFACE_SERVICES = [
  'ecr.api',
  'ecr.dkr',
  'ecs',
  'ecs-agent',
  'ecs-telemetry',
  'ssm',
  'ssmmessages',
  'ec2messages',
  'logs',
  'secretsmanager',
  'kms',
  'sts',
  'monitoring',
  'elasticloadbalancing',
  's3',
  'dynamodb',
];
/** Services that also offer a gateway endpoint. */
export const GATEWAY_SERVICES = ['s3', 'dynamodb'];

export class SimState {
  public readonly ids: IdFactory;
  public readonly clock: ManualClock;
  public readonly azNames: string[];
  public readonly azIds: string[];

  public readonly tags = new Map<string, TagMap>();
  public readonly vpcs = new Map<string, SimVpc>();
  public readonly subnets = new Map<string, SimSubnet>();
  public readonly routeTables = new Map<string, SimRouteTable>();
  public readonly internetGateways = new Map<string, SimInternetGateway>();
  public readonly natGateways = new Map<string, SimNatGateway>();
  public readonly securityGroups = new Map<string, SimSecurityGroup>();
  public readonly endpoints = new Map<string, SimEndpoint>();
  public readonly endpointTokens = new Map<string, { endpointId: string; fingerprint: string }>();
  public readonly instances = new Map<string, SimInstance>();

  public readonly clusters = new Map<string, SimCluster>();
  public readonly containerInstances = new Map<string, SimContainerInstance>();
  /** Custom ECS tags, keyed by resource ARN. */
  public readonly ecsTags = new Map<string, TagMap>();

  public readonly commands = new Map<string, SimCommand>();
  public readonly invocations = new Map<string, SimInvocation>();
  public readonly documents = new Map<string, SimDocument>();

  public readonly stateMachines = new Map<string, SimStateMachine>();
  public readonly executions = new Map<string, SimExecution>();
  public readonly events: RecordedEvent[] = [];
  /** Called with each event PutEvents accepts, after it is recorded (a simulated organization forwards them). */
  public readonly eventListeners: Array<(event: RecordedEvent) => void> = [];
  public readonly tables = new Map<string, SimTable>();

  public readonly endpointBehaviour = new Map<string, EndpointBehaviour>();
  public readonly instanceBehaviour = new Map<string, InstanceBehaviour>();
  /** Service short name -> AZ names it is offered in (default all). */
  public readonly serviceAzs = new Map<string, string[]>();
  /** Interface services that support IPv6 endpoints (SupportedIpAddressTypes ipv4 and ipv6); others: ipv4. */
  public readonly ipv6Services = new Set<string>();
  /**
   * SendCommand with any target that is not a running, SSM-managed instance fails as a whole with
   * InvalidInstanceId naming the bad IDs, as real SSM does (see ssm.ts); off: those targets get Undeliverable
   * invocations and the rest run.
   */
  public ssmRejectsWholeCallOnInvalidTarget = false;
  /** Instances DescribeInstanceInformation still lists as Online although SSM cannot reach them (stale ping). */
  public readonly ssmStaleOnline = new Set<string>();

  /** CloudTrail trails by name (the account starts with one multi-region trail logging management events). */
  public readonly trails = new Map<string, SimTrail>();
  /** Route 53 private hosted zones by id. */
  public readonly hostedZones = new Map<string, SimHostedZone>();

  public constructor(
    public readonly region: string,
    public readonly accountId: string,
    azCount: number,
    clock?: ManualClock,
  ) {
    this.ids = new IdFactory(`${accountId}/${region}`);
    this.clock = clock ?? new ManualClock();
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const regionCode = region
      .split('-')
      .map((part, i) => (i === 2 ? part : part.slice(0, i === 0 ? 2 : 1)))
      .join('');
    this.azNames = Array.from({ length: azCount }, (_, i) => `${region}${letters[i]}`);
    this.azIds = Array.from({ length: azCount }, (_, i) => `${regionCode}-az${i + 1}`);
  }

  public tagsOf(resourceId: string): TagMap {
    let tags = this.tags.get(resourceId);
    if (!tags) {
      tags = new Map();
      this.tags.set(resourceId, tags);
    }
    return tags;
  }

  public azIdOf(azName: string): string {
    return this.azIds[this.azNames.indexOf(azName)] ?? `${azName}-id`;
  }

  public serviceName(short: string): string {
    return `com.amazonaws.${this.region}.${short}`;
  }

  public behaviourOf(instanceId: string): InstanceBehaviour {
    return this.instanceBehaviour.get(instanceId) ?? {};
  }

  public containerInstanceFor(ec2InstanceId: string): SimContainerInstance | undefined {
    for (const ci of this.containerInstances.values()) {
      if (ci.ec2InstanceId === ec2InstanceId && ci.status !== 'INACTIVE') return ci;
    }
    return undefined;
  }

  /** Agent restart or reboot: the agent drops its connection and comes back after the configured polls. */
  public disconnectAgent(ec2InstanceId: string): void {
    const ci = this.containerInstanceFor(ec2InstanceId);
    if (!ci) return;
    const behaviour = this.behaviourOf(ec2InstanceId);
    const stale = behaviour.staleConnectionSeconds ?? 0;
    if (stale > 0 && ci.agentConnected) {
      // The restart happened, but ECS keeps showing the old connection for a while (see ecs.ts).
      ci.staleUntil = new Date(this.clock.now().getTime() + stale * 1000);
      ci.reconnectPollsLeft = undefined;
      return;
    }
    this.dropConnection(ci);
  }

  /** The disconnect shows in ECS: the agent comes back after the configured polls, or never. */
  public dropConnection(ci: SimContainerInstance): void {
    const behaviour = this.behaviourOf(ci.ec2InstanceId);
    ci.staleUntil = undefined;
    ci.agentConnected = false;
    ci.reconnectPollsLeft =
      behaviour.reconnects === false ? undefined : Math.max(0, behaviour.reconnectPolls ?? 1);
    ci.version += 1;
  }
}
