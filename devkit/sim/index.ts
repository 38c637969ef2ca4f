// A stateful simulated AWS account. It hands out REAL AWS SDK v3 clients whose requests are answered
// in-process: a middleware placed just inside the SDK's retry middleware dispatches on the command name and
// input, so serialization of the input, retries and paginators are the SDK's own, while signing, credential
// resolution and the network never happen. "Time" moves only through polls and `clock.advance(ms)`.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CreateDocumentCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { ResourceFacts } from '../../shared/authz/requests';
import type { AwsClients } from '../../shared/clients';
import { type Config, parseConfig } from '../../shared/config';
import { type DoctorClients, makeDoctorClients } from '../../shared/doctor-clients';
import { parseVpcId, type VpcId } from '../../shared/ids';
import { RESTART_DOCUMENT } from '../../shared/workflow/document';
import { IamAuthorizer } from '../iam/authorizer';
import { bindRole as bindRoleToClient, type IamCounters } from '../iam/enforce';
import { type DeployedRole, deployedRoles, type PhysicalResources } from '../iam/roles';
import { cfnThrottle, cloudformationHandlers, type SimStack } from './cloudformation';
import { cloudtrailHandlers, cloudtrailThrottle, simTrail, type TrailSetup } from './cloudtrail';
import {
  CLIENT_SERVICE,
  deepClone,
  formatCidr,
  type HandlerMap,
  hashString,
  isWrite,
  ManualClock,
  parseCidr,
  type SimService,
  UnsupportedOperationError,
} from './core';
import { dynamodbHandlers, dynamodbThrottle } from './dynamodb';
import { ec2Handlers, ec2Throttle, SIM_IMAGES } from './ec2';
import { ecsHandlers, ecsThrottle } from './ecs';
import { eventsHandlers, eventsThrottle } from './events';
import { iamHandlers, iamThrottle } from './iam';
import { route53Handlers, route53Throttle } from './route53';
import { sfnHandlers, sfnThrottle } from './sfn';
import { ssmHandlers, ssmThrottle } from './ssm';
import {
  type EndpointBehaviour,
  type InstanceBehaviour,
  LATEST_AGENT_VERSION,
  type RecordedEvent,
  type SimExecution,
  SimState,
} from './state';

export type { TrailSetup } from './cloudtrail';
export type { SimService } from './core';
export { UnsupportedOperationError } from './core';
export type {
  CommandOutcome,
  EndpointBehaviour,
  EndpointOutcome,
  InstanceBehaviour,
  RecordedEvent,
  SimExecution,
} from './state';
export { LATEST_AGENT_VERSION } from './state';

/** What the middleware of a simulated client returns in place of an HTTP exchange. */
export function simulatedResponse(output: unknown): { output: unknown; response: unknown } {
  return {
    output: { ...(output as object), $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 } },
    response: { statusCode: 200, headers: {} },
  };
}

export interface SimulatedAccountOptions {
  region?: string;
  accountId?: string;
  /** Availability Zones in the region (default 3). */
  azs?: number;
  /** Start time of the account clock (default 2025-01-15T09:00:00Z). */
  now?: Date;
  /** A clock shared with other accounts (a simulated organization's); `now` is then ignored. */
  clock?: ManualClock;
  /**
   * SendCommand rejects the whole call (InvalidInstanceId listing the bad IDs) when any target is not a
   * running SSM-managed instance, as real SSM does (default false: per-instance Undeliverable invocations).
   */
  ssmRejectsWholeCallOnInvalidTarget?: boolean;
}

/** The stack deployed into the simulated account: its config and the physical names its policies name. */
export interface SimDeployment {
  /** The CloudFormation stack name (default PrivateLinkEcs). */
  stackName?: string;
  config?: Config;
  documentName?: string;
  windowsDocumentName?: string;
  tableName?: string;
  stateMachineName?: string;
}

export const SIM_STACK_DEFAULTS = {
  stackName: 'PrivateLinkEcs',
  documentName: 'PrivateLinkEcs-RestartAgent',
  windowsDocumentName: 'PrivateLinkEcs-RestartAgentWindows',
  tableName: 'PrivateLinkEcs-State',
  stateMachineName: 'PrivateLinkEcs-Remediation',
} as const;

export interface SimClientOptions {
  /**
   * The deployed function whose role makes the calls (TriggerVpc, TriggerEcs, Sweep, Workflow<Step>): every
   * request is then authorized against that role's policies in the synthesized stack, and denied as AWS would.
   * Without a role the clients act as the account's administrator: for building scenarios only, never for
   * the product's own calls.
   */
  role?: string;
  /** Attempts per call, the SDK's maxAttempts (default AWS_MAX_ATTEMPTS, else 3). */
  maxAttempts?: number;
  /** Fixed delay between retries; default 0 so tests do not sleep. The retry decision stays the SDK's. */
  retryDelayMs?: number;
}

export interface RecordedCall {
  service: SimService;
  operation: string;
  input: unknown;
}

export interface AddVpcOptions {
  cidr: string;
  secondaryCidrs?: string[];
  tags?: Record<string, string>;
  dnsSupport?: boolean;
  dnsHostnames?: boolean;
  /** How many AZs get subnets (default all of the account's AZs). */
  azs?: number;
  /** public-private: a public subnet (IGW route) and a private subnet per AZ; private-only: private only. */
  layout?: 'public-private' | 'private-only';
  /** Give each private route table a default route through a NAT gateway (needs public subnets). */
  nat?: boolean;
}

export interface VpcLayout {
  vpcId: VpcId;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  publicRouteTableIds: string[];
  privateRouteTableIds: string[];
}

/**
 * The host OS to launch. 'BOTTLEROCKET' launches a Bottlerocket AMI, which ECS reports as `ecs.os-family` LINUX
 * like every Linux host (SSM tells it by PlatformName "Bottlerocket"); 'unknown' registers no `ecs.os-family`.
 */
export type OsFamily = 'LINUX' | 'WINDOWS_SERVER_2022_FULL' | 'BOTTLEROCKET' | 'unknown';

export interface AddContainerInstancesOptions {
  vpcId: string;
  clusterName: string;
  count: number;
  /** Default: the VPC's private subnets (else all its subnets), round robin. */
  subnetId?: string;
  agentVersion?: string;
  osFamily?: OsFamily;
  /** Registered with SSM and Online (default true). */
  ssmManaged?: boolean;
  registeredAt?: Date;
  agentConnected?: boolean;
  /** The OS runs the agent as the `ecs` systemd unit (default true; false for Amazon Linux 1). */
  usesSystemd?: boolean;
  /** The agent runs as the `ecs-agent` Docker container (default true). */
  agentContainer?: boolean;
}

export interface ContainerInstancesAdded {
  clusterArn: string;
  instanceIds: string[];
  containerInstanceArns: string[];
}

function imageFor(osFamily: OsFamily): string {
  const pattern = osFamily.startsWith('WINDOWS')
    ? /^Windows/
    : osFamily === 'BOTTLEROCKET'
      ? /^bottlerocket/
      : /^al2023/;
  return SIM_IMAGES.find((i) => pattern.test(i.name))!.id;
}

/**
 * The clients `privatelink-ecs doctor` uses (the same shape as its own DoctorClients), answered by the account
 * with the operator's (administrator) rights: doctor runs with the operator's credentials, not a stack role.
 */
export type SimDoctorClients = DoctorClients;

type SimClient =
  | EC2Client
  | ECSClient
  | SSMClient
  | SFNClient
  | EventBridgeClient
  | DynamoDBClient
  | IAMClient
  | CloudTrailClient
  | Route53Client
  | CloudFormationClient;

export class SimulatedAccount {
  public readonly region: string;
  public readonly accountId: string;
  /** The account's clock; only `advance(ms)` moves it. */
  public readonly clock: ManualClock;
  /** Every request the clients sent, including retried attempts, in order. */
  public readonly calls: RecordedCall[] = [];
  /** The raw state, for assertions that the public helpers do not cover. */
  public readonly state: SimState;

  private readonly handlers: Record<SimService, HandlerMap>;
  private readonly throttleErrors: Record<SimService, (operation: string) => Error>;
  private readonly throttles = new Map<string, number>();
  /** Calls made through role-bound clients: authorized and denied. */
  public readonly iam: IamCounters = { authorized: 0, denied: 0 };
  private authorizer: IamAuthorizer | undefined;
  private deployment: (Required<Omit<SimDeployment, 'config'>> & { config: Config }) | undefined;

  public constructor(options: SimulatedAccountOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    if (!/^\d{12}$/.test(this.accountId))
      throw new RangeError(`accountId must be 12 digits, got ${this.accountId}`);
    const azs = options.azs ?? 3;
    if (!Number.isInteger(azs) || azs < 1 || azs > 6) throw new RangeError(`azs must be 1 to 6, got ${azs}`);
    this.clock = options.clock ?? new ManualClock(options.now);
    this.state = new SimState(this.region, this.accountId, azs, this.clock);
    this.state.ssmRejectsWholeCallOnInvalidTarget = options.ssmRejectsWholeCallOnInvalidTarget ?? false;
    this.handlers = {
      ec2: ec2Handlers(this.state),
      ecs: ecsHandlers(this.state),
      ssm: ssmHandlers(this.state),
      sfn: sfnHandlers(this.state),
      events: eventsHandlers(this.state),
      dynamodb: dynamodbHandlers(this.state),
      iam: iamHandlers(() => this.iamAuthorizer()),
      cloudtrail: cloudtrailHandlers(this.state),
      route53: route53Handlers(this.state),
      cloudformation: cloudformationHandlers(this.state, () => this.deployedStack()),
    };
    this.throttleErrors = {
      ec2: ec2Throttle,
      ecs: ecsThrottle,
      ssm: ssmThrottle,
      sfn: sfnThrottle,
      events: eventsThrottle,
      dynamodb: dynamodbThrottle,
      iam: iamThrottle,
      cloudtrail: cloudtrailThrottle,
      route53: route53Throttle,
      cloudformation: cfnThrottle,
    };
    this.setTrails([{ name: 'management-events' }]);
  }

  /** EventBridge entries accepted by PutEvents, in order. */
  public get events(): RecordedEvent[] {
    return this.state.events;
  }

  /** Calls `listener` with each event PutEvents accepts from now on, after it is recorded. */
  public onEvent(listener: (event: RecordedEvent) => void): void {
    this.state.eventListeners.push(listener);
  }

  /** Step Functions executions started, in order. */
  public get executions(): SimExecution[] {
    return [...this.state.executions.values()];
  }

  /** The AZ names of the region, e.g. us-east-1a. */
  public get availabilityZones(): string[] {
    return [...this.state.azNames];
  }

  /** Calls that change something: everything but Describe*, List*, Get*, BatchGet*, Query and Scan. */
  public writeCalls(): RecordedCall[] {
    return this.calls.filter((c) => isWrite(c.operation));
  }

  /**
   * Deploys the stack's roles into the account: the policies of the stack synthesized with this config, with
   * its document, table and state machine under these names. Role-bound clients are authorized against them.
   * Without a call, the default config and SIM_STACK_DEFAULTS apply.
   */
  public deployStack(deployment: SimDeployment = {}): void {
    const config = deployment.config ?? parseConfig({});
    this.deployment = {
      config,
      stackName: deployment.stackName ?? SIM_STACK_DEFAULTS.stackName,
      documentName: deployment.documentName ?? SIM_STACK_DEFAULTS.documentName,
      windowsDocumentName: deployment.windowsDocumentName ?? SIM_STACK_DEFAULTS.windowsDocumentName,
      tableName: deployment.tableName ?? SIM_STACK_DEFAULTS.tableName,
      stateMachineName: deployment.stateMachineName ?? SIM_STACK_DEFAULTS.stateMachineName,
    };
    const physical: PhysicalResources = {
      partition: 'aws',
      region: this.region,
      account: this.accountId,
      documentName: this.deployment.documentName,
      windowsDocumentName: this.deployment.windowsDocumentName,
      tableName: this.deployment.tableName,
      stateMachineName: this.deployment.stateMachineName,
    };
    this.authorizer = new IamAuthorizer(deployedRoles(config, physical));
  }

  /**
   * The deployed role of `functionId` lacks the statement `sid`, as a stack deployed from an older version
   * would: role-bound clients and SimulatePrincipalPolicy are refused what only that statement allowed.
   */
  public removeRoleStatement(functionId: string, sid: string): void {
    const roles = new Map(this.iamAuthorizer().roles);
    const role = this.iamAuthorizer().role(functionId);
    const policies = role.policies.map((p) => ({
      ...p,
      Statement: p.Statement.filter((st) => st.Sid !== sid),
    }));
    const before = role.policies.reduce((n, p) => n + p.Statement.length, 0);
    if (policies.reduce((n, p) => n + p.Statement.length, 0) === before) {
      throw new RangeError(`the deployed role of ${functionId} has no statement ${sid}`);
    }
    roles.set(functionId, { ...role, policies } satisfies DeployedRole);
    this.authorizer = new IamAuthorizer(roles);
  }

  /** The stack as CloudFormation describes it (deployed with the defaults on first use). */
  private deployedStack(): SimStack {
    const authorizer = this.iamAuthorizer();
    const d = this.deployment!;
    return {
      stackName: d.stackName,
      config: d.config,
      documentName: d.documentName,
      windowsDocumentName: d.windowsDocumentName,
      tableName: d.tableName,
      stateMachineArn: `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${d.stateMachineName}`,
      roles: [...authorizer.roles.values()].map((r) => ({ functionId: r.functionId, roleName: r.roleName })),
    };
  }

  /** The authorizer of the deployed stack (deployed with the defaults on first use). */
  public iamAuthorizer(): IamAuthorizer {
    if (!this.authorizer) this.deployStack();
    return this.authorizer!;
  }

  /** What IAM sees of this account's resources: tags from the simulated state. */
  public resourceFacts(): ResourceFacts {
    const state = this.state;
    const plain = (tags: Map<string, string> | undefined) => Object.fromEntries(tags ?? new Map());
    return {
      partition: 'aws',
      region: this.region,
      account: this.accountId,
      ec2Tags: async (ids) =>
        new Map(ids.filter((id) => state.tags.has(id)).map((id) => [id, plain(state.tags.get(id))])),
      ecsTags: async (arns) => new Map(arns.map((arn) => [arn, plain(state.ecsTags.get(arn))])),
      documentTags: async (name) => (state.documents.has(name) ? {} : undefined),
    };
  }

  /** Real SDK clients answered by this account. Each call gives new client objects over the same state. */
  public clients(options: SimClientOptions = {}): AwsClients {
    const config = this.clientConfig(options);
    const clients: AwsClients = {
      ec2: new EC2Client(config),
      ecs: new ECSClient(config),
      ssm: new SSMClient(config),
      sfn: new SFNClient(config),
      events: new EventBridgeClient(config),
      dynamodb: new DynamoDBClient(config),
      route53: new Route53Client(config),
    };
    for (const client of Object.values(clients) as SimClient[]) {
      this.attach(client);
      if (options.role) this.bindRole(client, options.role);
    }
    return clients;
  }

  /** The clients `privatelink-ecs doctor` uses, with the operator's rights (no role binding). */
  public doctorClients(options: Omit<SimClientOptions, 'role'> = {}): SimDoctorClients {
    const clients = makeDoctorClients(this.clientConfig(options));
    for (const client of Object.values(clients) as SimClient[]) this.attach(client);
    return clients;
  }

  private clientConfig(options: SimClientOptions) {
    const envAttempts = Number(process.env.AWS_MAX_ATTEMPTS);
    const maxAttempts =
      options.maxAttempts ?? (Number.isInteger(envAttempts) && envAttempts > 0 ? envAttempts : 3);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    }
    return {
      region: this.region,
      credentials: { accessKeyId: 'SIMULATEDKEY', secretAccessKey: 'simulated-secret' },
      maxAttempts,
      retryStrategy: new ConfiguredRetryStrategy(maxAttempts, options.retryDelayMs ?? 0),
    };
  }

  /** Authorizes every request of this client as the role of the deployed function `functionId`. */
  public bindRole(client: SimClient, functionId: string): void {
    bindRoleToClient(client as unknown as Parameters<typeof bindRoleToClient>[0], {
      functionId,
      authorizer: () => this.iamAuthorizer(),
      facts: this.resourceFacts(),
      counters: this.iam,
    });
  }

  /** Serves one client from this account. Exposed for clients made elsewhere (e.g. by Powertools). */
  public attach(client: SimClient): void {
    (client.middlewareStack as { addRelativeTo: (mw: unknown, opts: unknown) => void }).addRelativeTo(
      (_next: unknown, context: { clientName?: string; commandName?: string }) =>
        async (args: { input: unknown }) => {
          const service = CLIENT_SERVICE[context.clientName ?? ''];
          const operation = (context.commandName ?? '').replace(/Command$/, '');
          if (!service)
            throw new UnsupportedOperationError(`simulated account does not serve ${context.clientName}`);
          return simulatedResponse(await this.dispatch(service, operation, args.input, true));
        },
      {
        relation: 'after',
        toMiddleware: 'retryMiddleware',
        name: 'simulatedAccountMiddleware',
        override: true,
      },
    );
  }

  /**
   * Answers one request as a client attached to this account would get it (recorded, throttled by the knobs):
   * for a simulated organization, which routes each request to the account and region of its credentials.
   */
  public async handle(service: SimService, operation: string, input: unknown): Promise<unknown> {
    return this.dispatch(service, operation, input, true);
  }

  private dispatch(service: SimService, operation: string, input: unknown, record: boolean): unknown {
    const copy = deepClone(input ?? {});
    if (record) this.calls.push({ service, operation, input: deepClone(copy) });
    const key = `${service}:${operation}`;
    const pending = this.throttles.get(key) ?? 0;
    if (record && pending > 0) {
      this.throttles.set(key, pending - 1);
      throw this.throttleErrors[service](operation);
    }
    const handler = this.handlers[service][operation];
    if (!handler) throw new UnsupportedOperationError(`simulated account does not implement ${key}`);
    const output = handler(copy);
    // IAM's SimulatePrincipalPolicy answers asynchronously (the evaluator is); every other handler at once.
    return output instanceof Promise ? output.then((o) => deepClone(o)) : deepClone(output);
  }

  /** Runs an operation without recording it: the scenario builders use the same code paths as clients. */
  private internal<T>(service: SimService, operation: string, input: unknown): T {
    return this.dispatch(service, operation, input, false) as T;
  }

  // ------------------------------------------------------------------------------------------- knobs

  /**
   * The next `times` calls of `operation` ("ec2:DescribeVpcEndpoints") fail with the service's throttling
   * error: RequestLimitExceeded (HTTP 503) for EC2 as real EC2 sends it, ThrottlingException for the others.
   */
  public throttle(operation: string, times: number): void {
    const [service, name] = operation.split(':');
    if (!service || !name || !(service in this.handlers)) {
      throw new RangeError(
        `throttle expects "<service>:<Operation>" with service one of ${Object.keys(this.handlers).join(', ')}`,
      );
    }
    if (!this.handlers[service as SimService][name]) {
      throw new UnsupportedOperationError(`simulated account does not implement ${operation}`);
    }
    if (!Number.isInteger(times) || times < 0) throw new RangeError(`times must be a non-negative integer`);
    this.throttles.set(operation, times);
  }

  /**
   * The account's CloudTrail trails, replacing the ones it has (a new account has one multi-region trail
   * logging all management events). `[]`: no trail; `[{ name, logging: false }]`: a stopped one.
   */
  public setTrails(trails: TrailSetup[]): void {
    this.state.trails.clear();
    for (const setup of trails) this.state.trails.set(setup.name, simTrail(this.state, setup));
  }

  /**
   * A Route 53 private hosted zone (e.g. "api.ecr.us-east-1.amazonaws.com") associated with the VPC, as an
   * operator's own zone would be; `owningService` makes it a zone an AWS service owns. Returns its id.
   */
  public associatePrivateHostedZone(
    vpcId: string,
    name: string,
    options: { owningService?: string } = {},
  ): string {
    if (!this.state.vpcs.has(vpcId)) throw new RangeError(`no VPC ${vpcId} in the simulated account`);
    const id = `Z${hashString(`${name}/${this.state.hostedZones.size}`).toUpperCase()}SIM${this.state.hostedZones.size}`;
    this.state.hostedZones.set(id, {
      id,
      name: name.replace(/\.$/, ''),
      vpcIds: [vpcId],
      ...(options.owningService ? { owningService: options.owningService } : {}),
    });
    return id;
  }

  /** How endpoints of one service (short name such as "ecr.api", or "s3") go through their lifecycle. */
  public setEndpointBehaviour(service: string, behaviour: EndpointBehaviour): void {
    if (
      behaviour.pendingPolls !== undefined &&
      (!Number.isInteger(behaviour.pendingPolls) || behaviour.pendingPolls < 0)
    ) {
      throw new RangeError('pendingPolls must be a non-negative integer');
    }
    this.state.endpointBehaviour.set(service, { ...this.state.endpointBehaviour.get(service), ...behaviour });
  }

  /** How Run Command, agent restarts and agent updates behave on one EC2 instance. */
  public setInstanceBehaviour(instanceId: string, behaviour: InstanceBehaviour): void {
    if (!this.state.instances.has(instanceId))
      throw new RangeError(`no instance ${instanceId} in the simulated account`);
    for (const key of [
      'commandPolls',
      'reconnectPolls',
      'agentUpdatePolls',
      'staleConnectionSeconds',
    ] as const) {
      const v = behaviour[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 0))
        throw new RangeError(`${key} must be a non-negative integer`);
    }
    this.state.instanceBehaviour.set(instanceId, {
      ...this.state.instanceBehaviour.get(instanceId),
      ...behaviour,
    });
  }

  /** Offer an endpoint service only in these AZs (DescribeVpcEndpointServices, CreateVpcEndpoint honour it). */
  public setServiceAzs(service: string, azNames: string[]): void {
    const unknown = azNames.filter((az) => !this.state.azNames.includes(az));
    if (unknown.length)
      throw new RangeError(
        `unknown AZs ${unknown.join(', ')}; the account has ${this.state.azNames.join(', ')}`,
      );
    this.state.serviceAzs.set(service, [...azNames]);
  }

  /**
   * Gives a subnet an IPv6 CIDR (a /64 of the VPC's IPv6 range): dual-stack, or with `ipv6Only` IPv6-only
   * (no IPv4 CIDR, Ipv6Native), as DescribeSubnets then reports it.
   */
  public setSubnetIpv6(subnetId: string, options: { ipv6Only?: boolean } = {}): void {
    const subnet = this.state.subnets.get(subnetId);
    if (!subnet) throw new RangeError(`no subnet ${subnetId} in the simulated account`);
    const vpc = this.state.vpcs.get(subnet.vpcId)!;
    vpc.ipv6Cidr ??= '2600:1f18:aaaa:aa00::/56';
    const n = [...this.state.subnets.values()].filter((x) => x.ipv6Cidr).length;
    subnet.ipv6Cidr = `2600:1f18:aaaa:aa${n.toString(16).padStart(2, '0')}::/64`;
    if (options.ipv6Only) subnet.ipv6Native = true;
    else delete subnet.ipv6Native;
  }

  /** Whether an interface service offers IPv6 endpoints (SupportedIpAddressTypes ipv4 and ipv6; default ipv4 only). */
  public setServiceIpv6(service: string, supported: boolean): void {
    if (supported) this.state.ipv6Services.add(service);
    else this.state.ipv6Services.delete(service);
  }

  /** Whether an EC2 instance is registered with SSM (DescribeInstanceInformation, SendCommand delivery). */
  public setSsmManaged(instanceId: string, managed: boolean): void {
    const instance = this.state.instances.get(instanceId);
    if (!instance) throw new RangeError(`no instance ${instanceId} in the simulated account`);
    instance.ssmManaged = managed;
  }

  /** Finish a Step Functions execution (the simulation does not run state machines itself). */
  public completeExecution(
    executionArn: string,
    result: {
      status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
      output?: unknown;
      error?: string;
      cause?: string;
    },
  ): void {
    const execution = this.state.executions.get(executionArn);
    if (!execution) throw new RangeError(`no execution ${executionArn}`);
    execution.status = result.status;
    execution.stopDate = this.clock.now();
    if (result.output !== undefined) execution.output = JSON.stringify(result.output);
    if (result.error !== undefined) execution.error = result.error;
    if (result.cause !== undefined) execution.cause = result.cause;
  }

  // ------------------------------------------------------------------------------------------- builders

  /** A state machine StartExecution can target; returns its ARN. */
  public addStateMachine(name: string): string {
    const arn = `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
    this.state.stateMachines.set(arn, { arn, name });
    return arn;
  }

  /** The product's restart command document, created through the SSM API as the operator. */
  public async addRestartDocument(name: string): Promise<void> {
    const { ssm } = this.clients();
    try {
      await ssm.send(
        new CreateDocumentCommand({
          Name: name,
          Content: JSON.stringify(RESTART_DOCUMENT),
          DocumentType: 'Command',
          DocumentFormat: 'JSON',
        }),
      );
    } finally {
      ssm.destroy();
    }
  }

  /**
   * What the deployed stack provides: its table, the state machine the trigger starts, the restart command
   * document, and the functions' roles (deployStack), which authorize every call the Lambda code makes.
   * Returns the state machine's ARN.
   */
  public async provisionStack(deployment: {
    config: Config;
    documentName: string;
    tableName: string;
    stateMachineName: string;
  }): Promise<string> {
    this.addTable(deployment.tableName, { partitionKey: 'id' });
    const stateMachineArn = this.addStateMachine(deployment.stateMachineName);
    this.deployStack(deployment);
    await this.addRestartDocument(deployment.documentName);
    return stateMachineArn;
  }

  /** A DynamoDB table, as CreateTable would make it (one string partition key). */
  public addTable(name: string, keys: { partitionKey: string }): string {
    const out = this.internal<{ TableDescription: { TableArn: string } }>('dynamodb', 'CreateTable', {
      TableName: name,
      KeySchema: [{ AttributeName: keys.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: keys.partitionKey, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    return out.TableDescription.TableArn;
  }

  /** A VPC with subnets and route tables across AZs, built through the same EC2 handlers the clients use. */
  public addVpc(options: AddVpcOptions): VpcLayout {
    const layout = options.layout ?? 'public-private';
    const azCount = options.azs ?? this.state.azNames.length;
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > this.state.azNames.length) {
      throw new RangeError(`azs must be 1 to ${this.state.azNames.length}`);
    }
    if (options.nat && layout === 'private-only') throw new RangeError('nat needs the public-private layout');
    const tagSpec = (resourceType: string, extra: Record<string, string> = {}) => {
      const tags = Object.entries(extra).map(([Key, Value]) => ({ Key, Value }));
      return tags.length ? [{ ResourceType: resourceType, Tags: tags }] : undefined;
    };
    const vpc = this.internal<{ Vpc: { VpcId: string } }>('ec2', 'CreateVpc', {
      CidrBlock: options.cidr,
      TagSpecifications: tagSpec('vpc', options.tags ?? {}),
    }).Vpc;
    const vpcId = parseVpcId(vpc.VpcId);
    for (const cidr of options.secondaryCidrs ?? []) {
      this.internal('ec2', 'AssociateVpcCidrBlock', { VpcId: vpcId, CidrBlock: cidr });
    }
    this.internal('ec2', 'ModifyVpcAttribute', {
      VpcId: vpcId,
      EnableDnsSupport: { Value: options.dnsSupport ?? true },
    });
    this.internal('ec2', 'ModifyVpcAttribute', {
      VpcId: vpcId,
      EnableDnsHostnames: { Value: options.dnsHostnames ?? true },
    });

    // CreateVpc accepted options.cidr, so it parses.
    const vpcCidr = parseCidr(options.cidr)!;
    const subnetPrefix = Math.min(28, vpcCidr.prefix + 4);
    const subnetCidr = (index: number) =>
      formatCidr({ base: vpcCidr.base + index * 2 ** (32 - subnetPrefix), prefix: subnetPrefix });
    const result: VpcLayout = {
      vpcId,
      publicSubnetIds: [],
      privateSubnetIds: [],
      publicRouteTableIds: [],
      privateRouteTableIds: [],
    };
    let igwId: string | undefined;
    const natByAz: string[] = [];
    if (layout === 'public-private') {
      igwId = this.internal<{ InternetGateway: { InternetGatewayId: string } }>(
        'ec2',
        'CreateInternetGateway',
        {},
      ).InternetGateway.InternetGatewayId;
      this.internal('ec2', 'AttachInternetGateway', { InternetGatewayId: igwId, VpcId: vpcId });
      const rt = this.createRouteTable(vpcId, { Name: 'public' });
      this.internal('ec2', 'CreateRoute', {
        RouteTableId: rt,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igwId,
      });
      result.publicRouteTableIds.push(rt);
      for (let i = 0; i < azCount; i += 1) {
        const subnetId = this.createSubnet(vpcId, subnetCidr(i), this.state.azNames[i]!, {
          Name: `public-${i + 1}`,
        });
        this.internal('ec2', 'AssociateRouteTable', { RouteTableId: rt, SubnetId: subnetId });
        result.publicSubnetIds.push(subnetId);
        if (options.nat) {
          const nat = this.internal<{ NatGateway: { NatGatewayId: string } }>('ec2', 'CreateNatGateway', {
            SubnetId: subnetId,
          });
          natByAz.push(nat.NatGateway.NatGatewayId);
        }
      }
    }
    for (let i = 0; i < azCount; i += 1) {
      const subnetId = this.createSubnet(vpcId, subnetCidr(azCount + i), this.state.azNames[i]!, {
        Name: `private-${i + 1}`,
      });
      const rt = this.createRouteTable(vpcId, { Name: `private-${i + 1}` });
      this.internal('ec2', 'AssociateRouteTable', { RouteTableId: rt, SubnetId: subnetId });
      if (natByAz[i]) {
        this.internal('ec2', 'CreateRoute', {
          RouteTableId: rt,
          DestinationCidrBlock: '0.0.0.0/0',
          NatGatewayId: natByAz[i],
        });
      }
      result.privateSubnetIds.push(subnetId);
      result.privateRouteTableIds.push(rt);
    }
    return result;
  }

  private createSubnet(vpcId: string, cidr: string, az: string, tags: Record<string, string>): string {
    return this.internal<{ Subnet: { SubnetId: string } }>('ec2', 'CreateSubnet', {
      VpcId: vpcId,
      CidrBlock: cidr,
      AvailabilityZone: az,
      TagSpecifications: [
        { ResourceType: 'subnet', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }).Subnet.SubnetId;
  }

  private createRouteTable(vpcId: string, tags: Record<string, string>): string {
    return this.internal<{ RouteTable: { RouteTableId: string } }>('ec2', 'CreateRouteTable', {
      VpcId: vpcId,
      TagSpecifications: [
        { ResourceType: 'route-table', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }).RouteTable.RouteTableId;
  }

  /** EC2 instances in the VPC, registered as ECS container instances (and with SSM unless ssmManaged=false). */
  public addContainerInstances(options: AddContainerInstancesOptions): ContainerInstancesAdded {
    const vpc = this.state.vpcs.get(options.vpcId);
    if (!vpc) throw new RangeError(`no VPC ${options.vpcId} in the simulated account`);
    if (!Number.isInteger(options.count) || options.count < 1)
      throw new RangeError('count must be a positive integer');
    let subnets: string[];
    if (options.subnetId) {
      const subnet = this.state.subnets.get(options.subnetId);
      if (!subnet || subnet.vpcId !== options.vpcId)
        throw new RangeError(`subnet ${options.subnetId} is not in ${options.vpcId}`);
      subnets = [options.subnetId];
    } else {
      const inVpc = [...this.state.subnets.values()].filter((s) => s.vpcId === options.vpcId);
      const privateOnes = inVpc.filter((s) => this.state.tagsOf(s.id).get('Name')?.startsWith('private'));
      subnets = (privateOnes.length ? privateOnes : inVpc).map((s) => s.id);
    }
    if (subnets.length === 0) throw new RangeError(`VPC ${options.vpcId} has no subnets`);

    let cluster = [...this.state.clusters.values()].find(
      (c) => c.name === options.clusterName && c.status === 'ACTIVE',
    );
    if (!cluster) {
      this.internal('ecs', 'CreateCluster', { clusterName: options.clusterName });
      cluster = [...this.state.clusters.values()].find((c) => c.name === options.clusterName)!;
    }
    const osFamily = options.osFamily ?? 'LINUX';
    const added: ContainerInstancesAdded = {
      clusterArn: cluster.arn,
      instanceIds: [],
      containerInstanceArns: [],
    };
    for (let i = 0; i < options.count; i += 1) {
      const subnetId = subnets[i % subnets.length]!;
      const run = this.internal<{
        Instances: Array<{ InstanceId: string; Placement: { AvailabilityZone: string } }>;
      }>('ec2', 'RunInstances', {
        ImageId: imageFor(osFamily),
        InstanceType: 'm6i.large',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'ecs-cluster', Value: options.clusterName }] },
        ],
      }).Instances[0]!;
      const instance = this.state.instances.get(run.InstanceId)!;
      instance.state = 'running';
      instance.ssmManaged = options.ssmManaged ?? true;
      const hostShell = osFamily === 'LINUX' || osFamily === 'unknown';
      instance.usesSystemd = options.usesSystemd ?? (hostShell && instance.usesSystemd);
      instance.agentContainer = options.agentContainer ?? (hostShell && instance.agentContainer);
      // What a real agent registers: LINUX for every Linux host, Bottlerocket included.
      const reported = osFamily === 'BOTTLEROCKET' ? 'LINUX' : osFamily;
      const attributes = osFamily === 'unknown' ? [] : [{ name: 'ecs.os-family', value: reported }];
      const registered = this.internal<{ containerInstance: { containerInstanceArn: string } }>(
        'ecs',
        'RegisterContainerInstance',
        {
          cluster: options.clusterName,
          instanceIdentityDocument: JSON.stringify({
            instanceId: run.InstanceId,
            region: this.region,
            accountId: this.accountId,
            availabilityZone: run.Placement.AvailabilityZone,
          }),
          versionInfo: {
            agentVersion: options.agentVersion ?? LATEST_AGENT_VERSION,
            agentHash: 'b1a4e3c',
            dockerVersion: 'DockerVersion: 25.0.8',
          },
          attributes,
        },
      );
      const arn = registered.containerInstance.containerInstanceArn;
      const ci = this.state.containerInstances.get(arn)!;
      if (options.registeredAt) ci.registeredAt = new Date(options.registeredAt.getTime());
      if (options.agentConnected === false) ci.agentConnected = false;
      added.instanceIds.push(run.InstanceId);
      added.containerInstanceArns.push(arn);
    }
    return added;
  }
}
