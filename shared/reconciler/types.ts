// Contracts of the endpoint reconciler. Triggers, the workflow and the CLI depend on these shapes.
import type { S3GatewayMode } from '../config';
import type { VpcId } from '../ids';

export type EndpointType = 'Interface' | 'Gateway';

/** One endpoint in the VPC, whoever made it. */
export interface EndpointSummary {
  id: string;
  /** Short service name: "ecr.api", "s3", ... */
  service: string;
  type: EndpointType;
  /** pendingAcceptance | pending | available | deleting | deleted | rejected | failed | expired */
  state: string;
  /** True when it carries our managed tag (we created it). */
  managed: boolean;
  subnetIds: string[];
  routeTableIds: string[];
  lastError?: string;
  /** Full service name, e.g. com.amazonaws.us-east-1.ecr.api. */
  serviceName?: string;
  /** Interface endpoints: whether private DNS is on. */
  privateDnsEnabled?: boolean;
  /** Interface endpoints: attached security groups. */
  securityGroupIds?: string[];
  /** Interface endpoints: IpAddressType (ipv4, dualstack, ipv6) as EC2 reports it. */
  ipAddressType?: string;
  /** CreationTimestamp as ISO 8601 (EC2 and moto may truncate it to the second). */
  createdAt?: string;
}

export type ActionKind =
  | 'enable-dns-support'
  | 'enable-dns-hostnames'
  | 'create-security-group'
  | 'authorize-security-group-ingress'
  | 'create-interface-endpoint'
  | 'add-endpoint-subnets'
  | 'create-gateway-endpoint'
  | 'add-gateway-route-tables'
  | 'covered'
  // Teardown plans only (planTeardown); never produced by the planner.
  | 'delete-endpoint'
  | 'delete-security-group';

/** One step of a plan. `covered` is informational and never writes. */
export interface PlannedAction {
  kind: ActionKind;
  vpcId: string;
  /** Short service name, for endpoint actions. */
  service?: string;
  /** The resources this action touches or creates in: subnet, route table, endpoint or group IDs. */
  resourceIds: string[];
  /** Why the action exists, in one sentence a user can read. */
  reason: string;
  /** Existing endpoint or security group the action modifies, when there is one. */
  targetId?: string;
  /** CIDRs for security group ingress. */
  cidrs?: string[];
  /** IPv6 CIDRs for security group ingress. */
  ipv6Cidrs?: string[];
  /** Full endpoint service name, for endpoint actions. */
  serviceName?: string;
  /** Existing security group to attach; absent when the plan creates it earlier in the same run. */
  securityGroupId?: string;
  /** Our endpoints for the same service that are failed/rejected/expired, which a create replaces. */
  replaces?: string[];
  /** Interface endpoint creates: the IP address type the subnets need; absent means ipv4. */
  ipAddressType?: EndpointIpAddressType;
}

export type EndpointIpAddressType = 'ipv4' | 'dualstack' | 'ipv6';

export type ActionStatus = 'ok' | 'skip' | 'error';

export interface ActionResult {
  action: PlannedAction;
  status: ActionStatus;
  /** The resource created or modified, when known. */
  resourceId?: string;
  /** Human-readable outcome: "created vpce-…", "already present", the error message. */
  message: string;
  /** Error name (AWS error code or project error name) when status is error. */
  errorName?: string;
}

export interface ReconcileOptions {
  /** Validated at the entry point (parseVpcId, the workflow input, an event schema). */
  vpcId: VpcId;
  /** Act on a VPC without the opt-in tag. */
  force?: boolean;
  /** Plan only: no writes. */
  dryRun?: boolean;
}

export interface ReconcileResult {
  vpcId: string;
  optedIn: boolean;
  dryRun: boolean;
  /** The plan, in the order it was (or would be) applied. */
  actions: PlannedAction[];
  /** One result per applied action; empty for a dry run. */
  results: ActionResult[];
  /** True when nothing needed writing, or every write succeeded. */
  converged: boolean;
  /** True when at least one write succeeded (endpoints created or changed). */
  changed: boolean;
  /** Every endpoint in the VPC after the run. */
  endpoints: EndpointSummary[];
  /** Monthly USD cost of the interface endpoint AZs this run adds (730 h per month). */
  addedMonthlyCostUsd: number;
  /** Things the planner could not do and why (e.g. no subnet to host endpoints, service not offered). */
  warnings?: string[];
  /** Interface services the plan held back (see Plan.heldBack); the workflow restarts no agent then. */
  heldBack?: string[];
}

// ---- Inventory: what the finders read (shared/reconciler/inventory.ts), input of the pure planner. ----

/** Where a route table sends 0.0.0.0/0: an internet gateway, a NAT gateway, or nowhere. */
export type DefaultRoute = 'internet' | 'nat' | 'none';

export interface SubnetInfo {
  id: string;
  azName: string;
  azId: string;
  /** The route table that applies: the explicit association, else the VPC's main table. */
  routeTableId?: string;
  /** False for an IPv6-only subnet (no IPv4 CIDR); absent means true. */
  ipv4?: boolean;
  /** True when the subnet has an associated IPv6 CIDR (dual-stack or IPv6-only). */
  ipv6?: boolean;
}

export interface RouteTableInfo {
  id: string;
  main: boolean;
  defaultRoute: DefaultRoute;
  /** The NAT gateway 0.0.0.0/0 goes to, when defaultRoute is 'nat'. */
  natGatewayId?: string;
  /** Subnets explicitly associated with this table. */
  subnetIds: string[];
}

/** Where an endpoint service is offered, as DescribeVpcEndpointServices reports it. */
export interface ServiceOffering {
  /** Short name, e.g. "ecr.api". */
  service: string;
  serviceName: string;
  type: EndpointType;
  /** AZ IDs the service supports (AZ names mapped to IDs when the API only returns names). */
  azIds: string[];
  /** SupportedIpAddressTypes ("ipv4", "ipv6"); absent means ipv4 only. */
  ipAddressTypes?: string[];
  /** Interface services: the private DNS names (lower case, no trailing dot) the endpoint would serve. */
  privateDnsNames?: string[];
}

/** A Route 53 private hosted zone associated with the VPC that no AWS service owns (someone's own zone). */
export interface PrivateZoneInfo {
  id: string;
  /** Lower case, no trailing dot. */
  name: string;
}

export interface SecurityGroupInfo {
  id: string;
  name: string;
  /** CIDRs already admitted on TCP 443. */
  ingressCidrs: string[];
  ingressIpv6Cidrs: string[];
}

export interface VpcInventory {
  vpcId: string;
  region: string;
  tags: Record<string, string>;
  /** Associated IPv4 CIDRs, primary first. */
  cidrs: string[];
  ipv6Cidrs: string[];
  dnsSupport: boolean;
  dnsHostnames: boolean;
  subnets: SubnetInfo[];
  routeTables: RouteTableInfo[];
  /** Every endpoint in the VPC, whoever made it. */
  endpoints: EndpointSummary[];
  offerings: ServiceOffering[];
  /** Our security group (carrying the managed tag), if it exists. */
  securityGroup?: SecurityGroupInfo;
  /**
   * Private hosted zones associated with the VPC that no AWS service owns (ListHostedZonesByVPC); undefined
   * when they were not read (no Route 53 client). A zone for a service's private DNS name serves it centrally.
   */
  privateZones?: PrivateZoneInfo[];
  /**
   * When we have no group: the ID of someone else's group (no managed tag) that already carries our group's
   * name, which blocks creating ours (group names are unique per VPC).
   */
  groupNameTakenBy?: string;
}

/** The desired endpoint set, from config and (for ssmEndpoints=auto) the VPC's routes. */
export interface DesiredSet {
  /** Interface services in creation order. */
  interfaceServices: string[];
  /** config.s3Gateway: `auto` leaves route tables whose 0.0.0.0/0 goes to a NAT gateway off the S3 gateway. */
  s3Gateway: S3GatewayMode;
  /** Subnets that may host interface endpoints and whose route tables get the S3 gateway (see s3Gateway). */
  subnetIds: string[];
  /** Why the SSM services are in or out, for the plan output. */
  ssmDecision: string;
}

export interface Plan {
  vpcId: string;
  desired: DesiredSet;
  actions: PlannedAction[];
  warnings: string[];
  /**
   * Interface services whose endpoint the plan held back (a warning says why, e.g. a foreign group holds our
   * security group's name): the endpoint set stays incomplete until the cause is fixed.
   */
  heldBack?: string[];
}
