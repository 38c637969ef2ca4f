// What IAM authorizes for each AWS call the product makes. IAM checks every resource of a request on its own:
// CreateVpcEndpoint is checked on the new vpc-endpoint, the VPC, each subnet, each security group and each
// route table, and SendCommand on the document and on each instance. The context of each resource holds only
// the condition keys the Service Authorization Reference (SAR) lists for that action and resource type, plus
// global keys: a request tag is present only for the resource being created. Tag-on-create is a second
// authorization (ec2:CreateTags with ec2:CreateAction), and private DNS on an interface endpoint needs the
// dependent action route53:AssociateVPCWithHostedZone.
//
// Ships with the product: `privatelink-ecs doctor` turns these checks into iam:SimulatePrincipalPolicy calls
// for the deployed roles. The local kit (devkit/iam) evaluates the same checks against the synthesized
// policies on every simulated call, and verifies each context key against the SAR data.
import { InvalidInputError } from '../errors';

export type ContextValue = string | string[];
export type RequestContext = Record<string, ContextValue>;

/** One resource of a request as IAM authorizes it: its ARN (or "*") and its own request context. */
export interface AuthzResource {
  arn: string;
  /** The SAR resource type ("vpc", "vpc-endpoint", "document"), or undefined for an action without one. */
  resourceType: string | undefined;
  context: RequestContext;
}

export type AuthzKind = 'call' | 'tag-on-create' | 'dependent';

/** One IAM action the request needs, on every resource IAM checks it against. */
export interface AuthzCheck {
  /** IAM action, e.g. ec2:CreateVpcEndpoint. */
  action: string;
  kind: AuthzKind;
  resources: AuthzResource[];
}

/**
 * The one table of the SDK clients the product uses (AwsClients keys plus the doctor's clients): the client
 * class name the SDK puts in the middleware context, and the service's IAM action prefix.
 */
const CLIENTS = {
  ec2: { client: 'EC2Client', iamPrefix: 'ec2' },
  ecs: { client: 'ECSClient', iamPrefix: 'ecs' },
  ssm: { client: 'SSMClient', iamPrefix: 'ssm' },
  sfn: { client: 'SFNClient', iamPrefix: 'states' },
  events: { client: 'EventBridgeClient', iamPrefix: 'events' },
  dynamodb: { client: 'DynamoDBClient', iamPrefix: 'dynamodb' },
  iam: { client: 'IAMClient', iamPrefix: 'iam' },
  cloudtrail: { client: 'CloudTrailClient', iamPrefix: 'cloudtrail' },
  route53: { client: 'Route53Client', iamPrefix: 'route53' },
  cloudformation: { client: 'CloudFormationClient', iamPrefix: 'cloudformation' },
} as const satisfies Record<string, { client: string; iamPrefix: string }>;

/** The SDK client's service id as the product uses it. */
export type ClientService = keyof typeof CLIENTS;

/** The service of each SDK client class, by the client name the SDK puts in the middleware context. */
export const CLIENT_SERVICE: Readonly<Record<string, ClientService>> = Object.fromEntries(
  (Object.keys(CLIENTS) as ClientService[]).map((service) => [CLIENTS[service].client, service]),
);

/** The IAM action of an SDK operation: ("sfn", "StartExecution") -> "states:StartExecution". */
export function iamAction(service: ClientService, operation: string): string {
  return `${CLIENTS[service].iamPrefix}:${operation}`;
}

/**
 * Facts about existing resources that IAM puts in the context (their tags, their VPC, their cluster). The
 * simulated account answers from its state; the doctor from Describe calls. `undefined` means unknown, which
 * leaves the key out of the context, as AWS does for a resource that does not exist.
 */
export interface ResourceFacts {
  partition: string;
  region: string;
  account: string;
  /** Tags of EC2 resources by ID (vpc-, subnet-, sg-, rtb-, vpce-, i-). */
  ec2Tags(ids: readonly string[]): Promise<Map<string, Record<string, string>>>;
  /** Tags of ECS resources (cluster or container instance) by ARN. */
  ecsTags(arns: readonly string[]): Promise<Map<string, Record<string, string>>>;
  /** Tags of an SSM document by name. */
  documentTags(name: string): Promise<Record<string, string> | undefined>;
}

/** An operation the product calls that this module does not describe: add it before calling it. */
export class UnmodelledOperationError extends InvalidInputError {
  public constructor(service: string, operation: string) {
    super(
      `no IAM authorization model for ${service}:${operation}; describe its resources in shared/authz/requests.ts`,
      { service, operation },
    );
    this.name = 'UnmodelledOperation';
  }
}

type Input = Record<string, unknown>;

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function ec2Arn(f: ResourceFacts, type: string, id: string): string {
  return `arn:${f.partition}:ec2:${f.region}:${f.account}:${type}/${id}`;
}

/** aws:ResourceTag/<k> (and the service's own <prefix>:ResourceTag/<k>) for each tag. */
function resourceTagContext(
  tags: Record<string, string> | undefined,
  servicePrefix?: string,
): RequestContext {
  const context: RequestContext = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    context[`aws:ResourceTag/${key}`] = value;
    if (servicePrefix) context[`${servicePrefix}:ResourceTag/${key}`] = value;
  }
  return context;
}

/** aws:RequestTag/<k> and aws:TagKeys from the request's TagSpecifications for one resource type. */
function requestTagContext(input: Input, resourceType: string): RequestContext {
  const specs = Array.isArray(input.TagSpecifications)
    ? (input.TagSpecifications as Array<{
        ResourceType?: string;
        Tags?: Array<{ Key?: string; Value?: string }>;
      }>)
    : [];
  const tags = specs.filter((s) => s.ResourceType === resourceType).flatMap((s) => s.Tags ?? []);
  if (tags.length === 0) return {};
  const context: RequestContext = { 'aws:TagKeys': tags.map((t) => t.Key ?? '') };
  for (const tag of tags) context[`aws:RequestTag/${tag.Key ?? ''}`] = tag.Value ?? '';
  return context;
}

function hasRequestTags(input: Input, resourceType: string): boolean {
  return Object.keys(requestTagContext(input, resourceType)).length > 0;
}

const ID_KEY: Record<string, string> = {
  vpc: 'ec2:VpcID',
  subnet: 'ec2:SubnetID',
  'security-group': 'ec2:SecurityGroupID',
  'route-table': 'ec2:RouteTableID',
  instance: 'ec2:InstanceID',
};

const EC2_TYPE_BY_PREFIX: Record<string, string> = {
  vpc: 'vpc',
  subnet: 'subnet',
  sg: 'security-group',
  rtb: 'route-table',
  vpce: 'vpc-endpoint',
  i: 'instance',
};

/** Existing EC2 resources of one type: ARN, ec2:Region, tags and the type's ID key. */
async function existingEc2(f: ResourceFacts, type: string, ids: readonly string[]): Promise<AuthzResource[]> {
  const tags = await f.ec2Tags(ids);
  return ids.map((id) => ({
    arn: ec2Arn(f, type, id),
    resourceType: type,
    context: {
      'ec2:Region': f.region,
      ...(ID_KEY[type] ? { [ID_KEY[type]]: id } : {}),
      ...resourceTagContext(tags.get(id), 'ec2'),
    },
  }));
}

/** The resource a create makes: `<type>/*` with the request's tags, and the keys the caller passes in. */
function createdEc2(f: ResourceFacts, type: string, input: Input, extra: RequestContext = {}): AuthzResource {
  return {
    arn: ec2Arn(f, type, '*'),
    resourceType: type,
    context: { 'ec2:Region': f.region, ...requestTagContext(input, type), ...extra },
  };
}

function tagOnCreate(f: ResourceFacts, type: string, input: Input, createAction: string): AuthzCheck[] {
  if (!hasRequestTags(input, type)) return [];
  return [
    {
      action: 'ec2:CreateTags',
      kind: 'tag-on-create',
      resources: [createdEc2(f, type, input, { 'ec2:CreateAction': createAction })],
    },
  ];
}

const wildcard = (context: RequestContext = {}): AuthzResource[] => [
  { arn: '*', resourceType: undefined, context },
];

function call(action: string, resources: AuthzResource[]): AuthzCheck {
  return { action, kind: 'call', resources };
}

/** ECS names or ARNs -> ARNs. Container instances use the long format (container-instance/<cluster>/<id>). */
function clusterArn(f: ResourceFacts, cluster: string | undefined): string {
  const name = cluster ?? 'default';
  return name.startsWith('arn:') ? name : `arn:${f.partition}:ecs:${f.region}:${f.account}:cluster/${name}`;
}

function clusterName(arnOrName: string): string {
  return arnOrName.startsWith('arn:') ? arnOrName.split('/').pop()! : arnOrName;
}

function containerInstanceArn(f: ResourceFacts, cluster: string | undefined, id: string): string {
  if (id.startsWith('arn:')) return id;
  return `arn:${f.partition}:ecs:${f.region}:${f.account}:container-instance/${clusterName(cluster ?? 'default')}/${id}`;
}

async function containerInstances(
  f: ResourceFacts,
  cluster: string | undefined,
  ids: readonly string[],
): Promise<AuthzResource[]> {
  const arns = ids.map((id) => containerInstanceArn(f, cluster, id));
  const tags = await f.ecsTags(arns);
  return arns.map((arn) => ({
    arn,
    resourceType: 'container-instance',
    context: { 'ecs:cluster': clusterArn(f, cluster), ...resourceTagContext(tags.get(arn)) },
  }));
}

async function clusters(f: ResourceFacts, names: readonly string[]): Promise<AuthzResource[]> {
  const arns = names.map((n) => clusterArn(f, n));
  const tags = await f.ecsTags(arns);
  return arns.map((arn) => ({ arn, resourceType: 'cluster', context: resourceTagContext(tags.get(arn)) }));
}

function ecsResourceType(arn: string): string | undefined {
  const resource = arn.split(':')[5] ?? '';
  return resource.split('/')[0] || undefined;
}

function dynamoTable(f: ResourceFacts, name: string): AuthzResource {
  const arn = name.startsWith('arn:')
    ? name
    : `arn:${f.partition}:dynamodb:${f.region}:${f.account}:table/${name}`;
  return { arn, resourceType: 'table', context: {} };
}

function eventBusArn(f: ResourceFacts, name: string | undefined): string {
  const bus = name ?? 'default';
  return bus.startsWith('arn:') ? bus : `arn:${f.partition}:events:${f.region}:${f.account}:event-bus/${bus}`;
}

/** The hosted zone AWS manages for an interface endpoint's private DNS; its id is never visible to the caller. */
export function privateDnsZoneArn(f: Pick<ResourceFacts, 'partition'>, serviceName: string): string {
  return `arn:${f.partition}:route53:::hostedzone/PrivateDns-${serviceName}`;
}

type Expander = (input: Input, f: ResourceFacts) => Promise<AuthzCheck[]>;

/** A List/Read call that has no resource type in the SAR: authorized on "*". */
const unscoped =
  (action: string, context: (f: ResourceFacts) => RequestContext = () => ({})): Expander =>
  async (_input, f) => [call(action, wildcard(context(f)))];

const ec2Region = (f: ResourceFacts): RequestContext => ({ 'ec2:Region': f.region });

const EXPANDERS: Record<string, Expander> = {
  // ------------------------------------------------------------------------------------------------ EC2
  'ec2:DescribeVpcs': unscoped('ec2:DescribeVpcs', ec2Region),
  'ec2:DescribeSubnets': unscoped('ec2:DescribeSubnets', ec2Region),
  'ec2:DescribeRouteTables': unscoped('ec2:DescribeRouteTables', ec2Region),
  'ec2:DescribeVpcEndpoints': unscoped('ec2:DescribeVpcEndpoints', ec2Region),
  'ec2:DescribeVpcEndpointServices': unscoped('ec2:DescribeVpcEndpointServices', ec2Region),
  'ec2:DescribeSecurityGroups': unscoped('ec2:DescribeSecurityGroups', ec2Region),
  'ec2:DescribeInstances': unscoped('ec2:DescribeInstances', ec2Region),
  'ec2:DescribeNatGateways': unscoped('ec2:DescribeNatGateways', ec2Region),
  'ec2:DescribeVpcAttribute': async (i, f) => [
    call('ec2:DescribeVpcAttribute', await existingEc2(f, 'vpc', [str(i.VpcId) ?? ''])),
  ],
  'ec2:ModifyVpcAttribute': async (i, f) => [
    call('ec2:ModifyVpcAttribute', await existingEc2(f, 'vpc', [str(i.VpcId) ?? ''])),
  ],
  'ec2:CreateSecurityGroup': async (i, f) => [
    call('ec2:CreateSecurityGroup', [
      createdEc2(f, 'security-group', i),
      ...(await existingEc2(f, 'vpc', [str(i.VpcId) ?? ''])),
    ]),
    ...tagOnCreate(f, 'security-group', i, 'CreateSecurityGroup'),
  ],
  'ec2:AuthorizeSecurityGroupIngress': async (i, f) => [
    call('ec2:AuthorizeSecurityGroupIngress', await existingEc2(f, 'security-group', [str(i.GroupId) ?? ''])),
  ],
  'ec2:DeleteSecurityGroup': async (i, f) => [
    call('ec2:DeleteSecurityGroup', await existingEc2(f, 'security-group', [str(i.GroupId) ?? ''])),
  ],
  'ec2:CreateVpcEndpoint': async (i, f) => {
    const serviceName = str(i.ServiceName) ?? '';
    const type = str(i.VpcEndpointType) ?? 'Gateway';
    const checks: AuthzCheck[] = [
      call('ec2:CreateVpcEndpoint', [
        createdEc2(f, 'vpc-endpoint', i, { 'ec2:VpceServiceName': serviceName }),
        ...(await existingEc2(f, 'vpc', [str(i.VpcId) ?? ''])),
        ...(await existingEc2(f, 'subnet', list(i.SubnetIds))),
        ...(await existingEc2(f, 'security-group', list(i.SecurityGroupIds))),
        ...(await existingEc2(f, 'route-table', list(i.RouteTableIds))),
      ]),
      ...tagOnCreate(f, 'vpc-endpoint', i, 'CreateVpcEndpoint'),
    ];
    // Private DNS (on by default for AWS services' interface endpoints) associates the VPC with a hosted zone
    // AWS manages: the SAR lists route53:AssociateVPCWithHostedZone as a dependent action.
    if (type === 'Interface' && i.PrivateDnsEnabled !== false) {
      checks.push({
        action: 'route53:AssociateVPCWithHostedZone',
        kind: 'dependent',
        resources: [
          {
            arn: privateDnsZoneArn(f, serviceName),
            resourceType: 'hostedzone',
            context: { 'route53:VPCs': [str(i.VpcId) ?? ''] },
          },
        ],
      });
    }
    return checks;
  },
  'ec2:ModifyVpcEndpoint': async (i, f) => [
    call('ec2:ModifyVpcEndpoint', [
      ...(await existingEc2(f, 'vpc-endpoint', [str(i.VpcEndpointId) ?? ''])),
      ...(await existingEc2(f, 'subnet', [...list(i.AddSubnetIds), ...list(i.RemoveSubnetIds)])),
      ...(await existingEc2(f, 'route-table', [...list(i.AddRouteTableIds), ...list(i.RemoveRouteTableIds)])),
      ...(await existingEc2(f, 'security-group', [
        ...list(i.AddSecurityGroupIds),
        ...list(i.RemoveSecurityGroupIds),
      ])),
    ]),
  ],
  'ec2:DeleteVpcEndpoints': async (i, f) => [
    call('ec2:DeleteVpcEndpoints', await existingEc2(f, 'vpc-endpoint', list(i.VpcEndpointIds))),
  ],
  'ec2:CreateTags': async (i, f) => {
    const tags = Array.isArray(i.Tags) ? (i.Tags as Array<{ Key?: string; Value?: string }>) : [];
    const requested: RequestContext = { 'aws:TagKeys': tags.map((t) => t.Key ?? '') };
    for (const tag of tags) requested[`aws:RequestTag/${tag.Key ?? ''}`] = tag.Value ?? '';
    const resources: AuthzResource[] = [];
    for (const id of list(i.Resources)) {
      const type = EC2_TYPE_BY_PREFIX[id.split('-')[0] ?? ''];
      if (!type)
        throw new InvalidInputError(`CreateTags on ${id}: unknown EC2 resource type`, { resource: id });
      const [existing] = await existingEc2(f, type, [id]);
      resources.push({ ...existing!, context: { ...existing!.context, ...requested } });
    }
    return [call('ec2:CreateTags', resources)];
  },
  'ec2:RebootInstances': async (i, f) => [
    call('ec2:RebootInstances', await existingEc2(f, 'instance', list(i.InstanceIds))),
  ],

  // ------------------------------------------------------------------------------------------------ ECS
  'ecs:ListClusters': unscoped('ecs:ListClusters'),
  'ecs:ListContainerInstances': async (i, f) => [
    call('ecs:ListContainerInstances', await clusters(f, [str(i.cluster) ?? 'default'])),
  ],
  'ecs:DescribeClusters': async (i, f) => [
    call('ecs:DescribeClusters', await clusters(f, list(i.clusters).length ? list(i.clusters) : ['default'])),
  ],
  'ecs:DescribeContainerInstances': async (i, f) => [
    call(
      'ecs:DescribeContainerInstances',
      await containerInstances(f, str(i.cluster), list(i.containerInstances)),
    ),
  ],
  'ecs:ListTagsForResource': async (i, f) => {
    const arn = str(i.resourceArn) ?? '';
    const tags = await f.ecsTags([arn]);
    return [
      call('ecs:ListTagsForResource', [
        { arn, resourceType: ecsResourceType(arn), context: resourceTagContext(tags.get(arn)) },
      ]),
    ];
  },
  'ecs:PutAttributes': async (i, f) => {
    const targets = (Array.isArray(i.attributes) ? (i.attributes as Array<{ targetId?: string }>) : [])
      .map((a) => a.targetId)
      .filter((t): t is string => typeof t === 'string');
    return [call('ecs:PutAttributes', await containerInstances(f, str(i.cluster), [...new Set(targets)]))];
  },
  'ecs:UpdateContainerInstancesState': async (i, f) => [
    call(
      'ecs:UpdateContainerInstancesState',
      await containerInstances(f, str(i.cluster), list(i.containerInstances)),
    ),
  ],
  'ecs:UpdateContainerAgent': async (i, f) => [
    call(
      'ecs:UpdateContainerAgent',
      await containerInstances(f, str(i.cluster), [str(i.containerInstance) ?? '']),
    ),
  ],

  // ------------------------------------------------------------------------------------------------ SSM
  'ssm:SendCommand': async (i, f) => {
    const documentName = str(i.DocumentName) ?? '';
    const documentArn = documentName.startsWith('arn:')
      ? documentName
      : `arn:${f.partition}:ssm:${f.region}:${f.account}:document/${documentName}`;
    const docTags = await f.documentTags(documentName);
    const ids = list(i.InstanceIds);
    const tags = await f.ec2Tags(ids);
    return [
      call('ssm:SendCommand', [
        {
          arn: documentArn,
          resourceType: 'document',
          context: { ...resourceTagContext(docTags), ...ssmTagContext(docTags) },
        },
        ...ids.map((id) => ({
          arn: ec2Arn(f, 'instance', id),
          resourceType: 'instance',
          context: { ...resourceTagContext(tags.get(id)), ...ssmTagContext(tags.get(id)) },
        })),
      ]),
    ];
  },
  'ssm:ListCommandInvocations': unscoped('ssm:ListCommandInvocations'),
  'ssm:GetCommandInvocation': unscoped('ssm:GetCommandInvocation'),
  'ssm:DescribeInstanceInformation': unscoped('ssm:DescribeInstanceInformation'),

  // ------------------------------------------------------------------------------------------ Step Functions
  'sfn:StartExecution': async (i) => [
    call('states:StartExecution', [
      { arn: str(i.stateMachineArn) ?? '', resourceType: 'statemachine', context: {} },
    ]),
  ],
  'sfn:ListExecutions': async (i) => [
    call('states:ListExecutions', [
      { arn: str(i.stateMachineArn) ?? '', resourceType: 'statemachine', context: {} },
    ]),
  ],
  'sfn:StopExecution': async (i) => [
    call('states:StopExecution', [
      { arn: str(i.executionArn) ?? '', resourceType: 'execution', context: {} },
    ]),
  ],
  'sfn:DescribeExecution': async (i) => [
    call('states:DescribeExecution', [
      { arn: str(i.executionArn) ?? '', resourceType: 'execution', context: {} },
    ]),
  ],

  // ------------------------------------------------------------------------------------------ EventBridge
  'events:PutEvents': async (i, f) => {
    const entries = Array.isArray(i.Entries)
      ? (i.Entries as Array<{ EventBusName?: string; Source?: string; DetailType?: string }>)
      : [];
    return entries.map((e) =>
      call('events:PutEvents', [
        {
          arn: eventBusArn(f, e.EventBusName),
          resourceType: 'event-bus',
          context: {
            ...(e.Source ? { 'events:source': e.Source } : {}),
            ...(e.DetailType ? { 'events:detail-type': e.DetailType } : {}),
          },
        },
      ]),
    );
  },

  // ------------------------------------------------------------------------------------------ DynamoDB
  ...Object.fromEntries(
    ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'].map((op) => [
      `dynamodb:${op}`,
      (async (i, f) => [call(`dynamodb:${op}`, [dynamoTable(f, str(i.TableName) ?? '')])]) as Expander,
    ]),
  ),
  'dynamodb:BatchGetItem': async (i, f) => [
    call(
      'dynamodb:BatchGetItem',
      Object.keys((i.RequestItems as Record<string, unknown>) ?? {}).map((t) => dynamoTable(f, t)),
    ),
  ],
  'dynamodb:BatchWriteItem': async (i, f) => [
    call(
      'dynamodb:BatchWriteItem',
      Object.keys((i.RequestItems as Record<string, unknown>) ?? {}).map((t) => dynamoTable(f, t)),
    ),
  ],

  // ------------------------------------------------------------------------------------------ doctor's reads
  'iam:SimulatePrincipalPolicy': async (i) => [
    call('iam:SimulatePrincipalPolicy', [
      { arn: str(i.PolicySourceArn) ?? '', resourceType: 'role', context: {} },
    ]),
  ],
  'cloudtrail:DescribeTrails': unscoped('cloudtrail:DescribeTrails'),
  'cloudformation:DescribeStacks': async (i, f) => [
    call('cloudformation:DescribeStacks', [stack(f, str(i.StackName))]),
  ],
  'cloudformation:ListStackResources': async (i, f) => [
    call('cloudformation:ListStackResources', [stack(f, str(i.StackName))]),
  ],
  'cloudformation:GetTemplate': async (i, f) => [
    call('cloudformation:GetTemplate', [stack(f, str(i.StackName))]),
  ],
  'route53:ListHostedZonesByVPC': unscoped('route53:ListHostedZonesByVPC'),
  'ec2:DescribeTags': unscoped('ec2:DescribeTags', ec2Region),
  'ssm:ListTagsForResource': async (i, f) => {
    // The doctor reads the tags of the restart document only.
    const name = str(i.ResourceId) ?? '';
    const tags = await f.documentTags(name);
    return [
      call('ssm:ListTagsForResource', [
        {
          arn: `arn:${f.partition}:ssm:${f.region}:${f.account}:document/${name}`,
          resourceType: 'document',
          context: resourceTagContext(tags),
        },
      ]),
    ];
  },
  'cloudtrail:GetTrailStatus': async (i, f) => [call('cloudtrail:GetTrailStatus', [trail(f, str(i.Name))])],
  'cloudtrail:GetEventSelectors': async (i, f) => [
    call('cloudtrail:GetEventSelectors', [trail(f, str(i.TrailName))]),
  ],
};

/** A stack by name or id. IAM matches stack/<name>/<uuid>: a name alone is matched as stack/<name>/*. */
function stack(f: ResourceFacts, nameOrId: string | undefined): AuthzResource {
  const name = nameOrId ?? '';
  const arn = name.startsWith('arn:')
    ? name
    : `arn:${f.partition}:cloudformation:${f.region}:${f.account}:stack/${name}/*`;
  return { arn, resourceType: 'stack', context: {} };
}

function trail(f: ResourceFacts, nameOrArn: string | undefined): AuthzResource {
  const name = nameOrArn ?? '';
  const arn = name.startsWith('arn:')
    ? name
    : `arn:${f.partition}:cloudtrail:${f.region}:${f.account}:trail/${name}`;
  return { arn, resourceType: 'trail', context: {} };
}

/** SendCommand's ssm:resourceTag/<k>, the SSM spelling of the resource tag key. */
function ssmTagContext(tags: Record<string, string> | undefined): RequestContext {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`ssm:resourceTag/${k}`, v]));
}

/** Whether this module describes an operation. */
export function isModelled(service: ClientService, operation: string): boolean {
  return `${service}:${operation}` in EXPANDERS;
}

/**
 * The IAM checks one call needs: the action itself on every resource it names, tag-on-create, and dependent
 * actions. Throws UnmodelledOperationError for an operation not described here, so a new call cannot slip
 * past the checks unseen.
 */
export async function authzChecks(
  service: ClientService,
  operation: string,
  input: unknown,
  facts: ResourceFacts,
): Promise<AuthzCheck[]> {
  const expand = EXPANDERS[`${service}:${operation}`];
  if (!expand) throw new UnmodelledOperationError(service, operation);
  return expand((input ?? {}) as Input, facts);
}
