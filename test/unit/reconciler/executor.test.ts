import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../../shared/config';
import { executePlan } from '../../../shared/reconciler/executor';
import { clientToken } from '../../../shared/reconciler/naming';
import type { PlannedAction } from '../../../shared/reconciler/types';

const VPC = 'vpc-00000000000000001';
const svc = (s: string) => `com.amazonaws.us-east-1.${s}`;
const MANAGED_TAG = { Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' };

function freshPlan(): PlannedAction[] {
  const iface = (service: string): PlannedAction => ({
    kind: 'create-interface-endpoint',
    vpcId: VPC,
    service,
    serviceName: svc(service),
    resourceIds: ['subnet-a', 'subnet-b'],
    reason: `${service} has no endpoint`,
  });
  return [
    { kind: 'enable-dns-hostnames', vpcId: VPC, resourceIds: [VPC], reason: 'dns' },
    { kind: 'create-security-group', vpcId: VPC, resourceIds: [VPC], cidrs: ['10.0.0.0/16'], reason: 'sg' },
    iface('ecr.api'),
    iface('ecr.dkr'),
    {
      kind: 'create-gateway-endpoint',
      vpcId: VPC,
      service: 's3',
      serviceName: svc('s3'),
      resourceIds: ['rtb-1', 'rtb-2'],
      reason: 'no S3 gateway',
    },
  ];
}

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded', $metadata: {} });
}

describe('executor', () => {
  const ec2Mock = mockClient(EC2Client);
  const config = parseConfig({});

  beforeEach(() => {
    ec2Mock.on(ModifyVpcAttributeCommand).resolves({});
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-new' });
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    ec2Mock.on(CreateVpcEndpointCommand).callsFake((input: { ServiceName?: string }) => ({
      VpcEndpoint: { VpcEndpointId: `vpce-${input.ServiceName!.split('.').slice(3).join('-')}` },
    }));
  });

  afterEach(() => ec2Mock.reset());

  it('records one failing action as an error, still runs the rest, and reports every one', async () => {
    // Prepare
    ec2Mock.on(CreateVpcEndpointCommand, { ServiceName: svc('ecr.api') }).rejects(throttled());

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, freshPlan());

    // Assess
    expect(results.map((r) => [r.action.kind, r.action.service ?? null, r.status])).toEqual([
      ['enable-dns-hostnames', null, 'ok'],
      ['create-security-group', null, 'ok'],
      ['create-interface-endpoint', 'ecr.api', 'error'],
      ['create-interface-endpoint', 'ecr.dkr', 'ok'],
      ['create-gateway-endpoint', 's3', 'ok'],
    ]);
    expect(results[2]).toMatchObject({ errorName: 'RequestLimitExceeded', message: 'Rate exceeded' });
    expect(results[3]).toMatchObject({ resourceId: 'vpce-ecr-dkr' });
    expect(ec2Mock.commandCalls(CreateVpcEndpointCommand)).toHaveLength(3);
  });

  it('sends DNS one attribute per call, a tagged security group with 443 ingress, and tagged endpoints with private DNS and a deterministic token', async () => {
    // Act
    await executePlan({ ec2: new EC2Client({}), config }, freshPlan());

    // Assess
    expect(ec2Mock.commandCalls(ModifyVpcAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { VpcId: VPC, EnableDnsHostnames: { Value: true } },
    ]);
    const sg = ec2Mock.commandCalls(CreateSecurityGroupCommand)[0]!.args[0].input;
    expect(sg).toMatchObject({ VpcId: VPC, GroupName: 'privatelink-ecs-endpoints' });
    expect(sg.TagSpecifications).toEqual([
      {
        ResourceType: 'security-group',
        Tags: [MANAGED_TAG, { Key: 'Name', Value: 'privatelink-ecs-endpoints' }],
      },
    ]);
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]!.args[0].input).toMatchObject({
      GroupId: 'sg-new',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [expect.objectContaining({ CidrIp: '10.0.0.0/16' })],
        },
      ],
    });
    const [api, , s3] = ec2Mock.commandCalls(CreateVpcEndpointCommand).map((c) => c.args[0].input);
    expect(api).toEqual({
      VpcId: VPC,
      VpcEndpointType: 'Interface',
      ServiceName: svc('ecr.api'),
      SubnetIds: ['subnet-a', 'subnet-b'],
      SecurityGroupIds: ['sg-new'],
      PrivateDnsEnabled: true,
      ClientToken: clientToken(VPC, 'ecr.api', 'Interface', [], ['subnet-a', 'subnet-b', 'sg-new']),
      TagSpecifications: [
        {
          ResourceType: 'vpc-endpoint',
          Tags: [MANAGED_TAG, { Key: 'Name', Value: 'privatelink-ecs-ecr.api' }],
        },
      ],
    });
    expect(api!.ClientToken).toBe(
      clientToken(VPC, 'ecr.api', 'Interface', [], ['sg-new', 'subnet-b', 'subnet-a']),
    );
    expect(api!.ClientToken!.length).toBeLessThanOrEqual(64);
    expect(s3).toMatchObject({
      VpcEndpointType: 'Gateway',
      RouteTableIds: ['rtb-1', 'rtb-2'],
      ClientToken: clientToken(VPC, 's3', 'Gateway', [], ['rtb-1', 'rtb-2']),
    });
  });

  it('gives a create with other subnets or another security group another token', () => {
    // Act
    const first = clientToken(VPC, 'ecr.api', 'Interface', [], ['subnet-a', 'sg-1']);
    const newSubnet = clientToken(VPC, 'ecr.api', 'Interface', [], ['subnet-a', 'subnet-b', 'sg-1']);
    const newGroup = clientToken(VPC, 'ecr.api', 'Interface', [], ['subnet-a', 'sg-2']);

    // Assess
    expect(new Set([first, newSubnet, newGroup]).size).toBe(3);
    expect(clientToken(VPC, 'ecr.api', 'Interface', [], ['sg-1', 'subnet-a'])).toBe(first);
  });

  it('creates again with a fresh token when the token hands back an endpoint that was deleted', async () => {
    // Prepare
    const plan = freshPlan().filter((a) => a.service === 'ecr.api');
    ec2Mock
      .on(CreateVpcEndpointCommand)
      .callsFake((input: { ClientToken?: string }) =>
        input.ClientToken === clientToken(VPC, 'ecr.api', 'Interface', [], ['subnet-a', 'subnet-b', 'sg-1'])
          ? { VpcEndpoint: { VpcEndpointId: 'vpce-old', State: 'deleted' } }
          : { VpcEndpoint: { VpcEndpointId: 'vpce-new', State: 'pending' } },
      );

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config, securityGroupId: 'sg-1' }, plan);

    // Assess
    expect(results.map((r) => [r.status, r.resourceId])).toEqual([['ok', 'vpce-new']]);
    const tokens = ec2Mock.commandCalls(CreateVpcEndpointCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens).toEqual([
      clientToken(VPC, 'ecr.api', 'Interface', [], ['subnet-a', 'subnet-b', 'sg-1']),
      clientToken(VPC, 'ecr.api', 'Interface', ['vpce-old'], ['subnet-a', 'subnet-b', 'sg-1']),
    ]);
  });

  it('reports an error, not success, when the fresh token also hands back a dead endpoint', async () => {
    // Prepare
    const plan = freshPlan().filter((a) => a.service === 'ecr.api');
    ec2Mock
      .on(CreateVpcEndpointCommand)
      .resolves({ VpcEndpoint: { VpcEndpointId: 'vpce-old', State: 'Failed' } });

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config, securityGroupId: 'sg-1' }, plan);

    // Assess
    expect(results).toEqual([expect.objectContaining({ status: 'error', errorName: 'DependencyFailed' })]);
    expect(results[0]!.message).toMatch(/vpce-old in state Failed/);
    expect(ec2Mock.commandCalls(CreateVpcEndpointCommand)).toHaveLength(2);
  });

  it('reports IdempotentParameterMismatch and a quota error per endpoint and goes on with the others', async () => {
    // Prepare
    const mismatch = Object.assign(new Error('token reused with other parameters'), {
      name: 'IdempotentParameterMismatch',
      $metadata: {},
    });
    const quota = Object.assign(new Error('The maximum number of VPC endpoints has been reached.'), {
      name: 'VpcEndpointLimitExceeded',
      $metadata: {},
    });
    ec2Mock.on(CreateVpcEndpointCommand, { ServiceName: svc('ecr.api') }).rejects(mismatch);
    ec2Mock.on(CreateVpcEndpointCommand, { ServiceName: svc('ecr.dkr') }).rejects(quota);

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, freshPlan());

    // Assess
    expect(results.map((r) => [r.action.service ?? r.action.kind, r.status, r.errorName ?? null])).toEqual([
      ['enable-dns-hostnames', 'ok', null],
      ['create-security-group', 'ok', null],
      ['ecr.api', 'error', 'IdempotentParameterMismatch'],
      ['ecr.dkr', 'error', 'VpcEndpointLimitExceeded'],
      ['s3', 'ok', null],
    ]);
  });

  it('marks interface endpoints DependencyFailed when the security group cannot be created, and still creates the S3 gateway', async () => {
    // Prepare
    ec2Mock
      .on(CreateSecurityGroupCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'UnauthorizedOperation', $metadata: {} }));

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, freshPlan());

    // Assess
    expect(results.map((r) => [r.status, r.errorName ?? null])).toEqual([
      ['ok', null],
      ['error', 'UnauthorizedOperation'],
      ['error', 'DependencyFailed'],
      ['error', 'DependencyFailed'],
      ['ok', null],
    ]);
    expect(
      ec2Mock.commandCalls(CreateVpcEndpointCommand).map((c) => c.args[0].input.VpcEndpointType),
    ).toEqual(['Gateway']);
  });

  it('re-reads before creating: an endpoint that appeared since the plan is reported as skip, not duplicated', async () => {
    // Prepare
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-race',
          ServiceName: svc('ecr.dkr'),
          VpcEndpointType: 'Interface',
          State: 'Pending',
          Tags: [MANAGED_TAG],
        },
      ],
    });
    const action = freshPlan()[3]!;

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config, securityGroupId: 'sg-1' }, [action]);

    // Assess
    expect(results[0]).toMatchObject({ status: 'skip', resourceId: 'vpce-race' });
    expect(ec2Mock.commandCalls(CreateVpcEndpointCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DescribeVpcEndpointsCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'vpc-id', Values: [VPC] },
      { Name: 'service-name', Values: [svc('ecr.dkr')] },
      { Name: 'vpc-endpoint-type', Values: ['Interface'] },
    ]);
  });

  it("never modifies someone else's S3 gateway that appeared since the plan: creates ours on the tables it does not cover", async () => {
    // Prepare
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-theirs',
          ServiceName: svc('s3'),
          VpcEndpointType: 'Gateway',
          State: 'Available',
          RouteTableIds: ['rtb-1'],
        },
      ],
    });
    ec2Mock.on(ModifyVpcEndpointCommand).resolves({ Return: true });

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, [freshPlan()[4]!]);

    // Assess
    expect(results[0]).toMatchObject({
      status: 'ok',
      resourceId: 'vpce-s3',
      message: 'created vpce-s3 on route table(s) rtb-2',
    });
    expect(ec2Mock.commandCalls(ModifyVpcEndpointCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(CreateVpcEndpointCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        VpcEndpointType: 'Gateway',
        RouteTableIds: ['rtb-2'],
        ClientToken: clientToken(VPC, 's3', 'Gateway', [], ['rtb-2']),
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: expect.arrayContaining([MANAGED_TAG]) }],
      }),
    ]);
  });

  it('adds the route tables to our S3 gateway when one of ours appeared since the plan (a concurrent run)', async () => {
    // Prepare
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-theirs',
          ServiceName: svc('s3'),
          VpcEndpointType: 'Gateway',
          State: 'Available',
          RouteTableIds: ['rtb-9'],
        },
        {
          VpcEndpointId: 'vpce-ours',
          ServiceName: svc('s3'),
          VpcEndpointType: 'Gateway',
          State: 'Available',
          RouteTableIds: ['rtb-1'],
          Tags: [MANAGED_TAG],
        },
      ],
    });
    ec2Mock.on(ModifyVpcEndpointCommand).resolves({ Return: true });

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, [freshPlan()[4]!]);

    // Assess
    expect(results[0]).toMatchObject({ status: 'ok', resourceId: 'vpce-ours' });
    expect(ec2Mock.commandCalls(ModifyVpcEndpointCommand).map((c) => c.args[0].input)).toEqual([
      { VpcEndpointId: 'vpce-ours', AddRouteTableIds: ['rtb-2'] },
    ]);
    expect(ec2Mock.commandCalls(CreateVpcEndpointCommand)).toHaveLength(0);
  });

  it('skips the S3 gateway when S3 gateways that appeared since the plan already cover every route table', async () => {
    // Prepare
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-theirs',
          ServiceName: svc('s3'),
          VpcEndpointType: 'Gateway',
          State: 'Available',
          RouteTableIds: ['rtb-1', 'rtb-2'],
        },
      ],
    });

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, [freshPlan()[4]!]);

    // Assess
    expect(results[0]).toMatchObject({
      status: 'skip',
      resourceId: 'vpce-theirs',
      message: 'route table(s) rtb-1, rtb-2 are already on vpce-theirs',
    });
    expect(ec2Mock.commandCalls(ModifyVpcEndpointCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(CreateVpcEndpointCommand)).toHaveLength(0);
  });

  it('reports an already-present ingress rule as skip, not error', async () => {
    // Prepare
    ec2Mock
      .on(AuthorizeSecurityGroupIngressCommand)
      .rejects(Object.assign(new Error('dup'), { name: 'InvalidPermission.Duplicate', $metadata: {} }));
    const action: PlannedAction = {
      kind: 'authorize-security-group-ingress',
      vpcId: VPC,
      resourceIds: ['sg-1'],
      targetId: 'sg-1',
      cidrs: ['10.1.0.0/16'],
      reason: 'x',
    };

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, [action]);

    // Assess
    expect(results[0]).toMatchObject({ status: 'skip', resourceId: 'sg-1' });
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(1);
  });
  it("never uses someone else's group that took our name since the plan: the group fails with the reason, no endpoint is created behind it", async () => {
    // Prepare
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: 'sg-foreign', GroupName: 'privatelink-ecs-endpoints', Tags: [] }],
    });

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, freshPlan());

    // Assess
    expect(results[1]).toMatchObject({ status: 'error', errorName: 'DependencyFailed' });
    expect(results[1]!.message).toContain('security group sg-foreign is named privatelink-ecs-endpoints');
    expect(results.slice(2, 4).map((r) => r.errorName)).toEqual(['DependencyFailed', 'DependencyFailed']);
    expect(ec2Mock.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(
      ec2Mock.commandCalls(CreateVpcEndpointCommand).map((c) => c.args[0].input.VpcEndpointType),
    ).toEqual(['Gateway']);
  });

  it('adopts our own group when the create answers InvalidGroup.Duplicate, but not a foreign one', async () => {
    // Prepare
    const duplicate = Object.assign(new Error('exists'), { name: 'InvalidGroup.Duplicate', $metadata: {} });
    ec2Mock.on(CreateSecurityGroupCommand).rejects(duplicate);
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [] })
      .resolves({
        SecurityGroups: [{ GroupId: 'sg-ours', GroupName: 'privatelink-ecs-endpoints', Tags: [MANAGED_TAG] }],
      });

    // Act
    const adopted = await executePlan({ ec2: new EC2Client({}), config }, freshPlan());
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [] })
      .resolves({ SecurityGroups: [{ GroupId: 'sg-foreign', GroupName: 'privatelink-ecs-endpoints' }] });
    const authorizedBefore = ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand).length;
    const refused = await executePlan({ ec2: new EC2Client({}), config }, freshPlan());

    // Assess
    expect(adopted[1]).toMatchObject({ status: 'ok', resourceId: 'sg-ours' });
    expect(adopted[1]!.message).toContain('was already created');
    expect(refused[1]).toMatchObject({ status: 'error', errorName: 'DependencyFailed' });
    expect(refused[1]!.message).toContain('sg-foreign');
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(authorizedBefore);
  });
});
