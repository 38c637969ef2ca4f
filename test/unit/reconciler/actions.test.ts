// The reconciler's actions: every kind of step has one action, each action declares every call its run makes,
// the executor runs a plan only against its own registry, and the grants follow the registries a function runs.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DeleteSecurityGroupCommand,
  DeleteVpcEndpointsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../../shared/config';
import { ConfigError } from '../../../shared/errors';
import {
  RECONCILE_ACTIONS,
  type ReconcilerAction,
  TEARDOWN_ACTIONS,
} from '../../../shared/reconciler/actions';
import { executePlan } from '../../../shared/reconciler/executor';
import {
  permissionsFor,
  RECONCILER_AND_TEARDOWN_PERMISSIONS,
  RECONCILER_PERMISSIONS,
} from '../../../shared/reconciler/permissions';
import type { ActionKind, PlannedAction } from '../../../shared/reconciler/types';

const VPC = 'vpc-00000000000000001';
const MANAGED = [{ Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' }];
const S3 = 'com.amazonaws.us-east-1.s3';

/** Every kind of step; `satisfies` fails to compile when a kind is added without being listed here. */
const EVERY_KIND = Object.keys({
  covered: 1,
  'enable-dns-support': 1,
  'enable-dns-hostnames': 1,
  'create-security-group': 1,
  'authorize-security-group-ingress': 1,
  'create-interface-endpoint': 1,
  'add-endpoint-subnets': 1,
  'create-gateway-endpoint': 1,
  'add-gateway-route-tables': 1,
  'delete-endpoint': 1,
  'delete-security-group': 1,
} satisfies Record<ActionKind, 1>) as ActionKind[];

/** One step of each kind, shaped as the planner (or the teardown plan) makes it. */
const STEPS: Record<ActionKind, PlannedAction> = {
  covered: {
    kind: 'covered',
    vpcId: VPC,
    service: 'ecr.dkr',
    resourceIds: ['vpce-f'],
    targetId: 'vpce-f',
    reason: 'theirs',
  },
  'enable-dns-support': { kind: 'enable-dns-support', vpcId: VPC, resourceIds: [VPC], reason: 'dns' },
  'enable-dns-hostnames': { kind: 'enable-dns-hostnames', vpcId: VPC, resourceIds: [VPC], reason: 'dns' },
  'create-security-group': {
    kind: 'create-security-group',
    vpcId: VPC,
    resourceIds: [VPC],
    cidrs: ['10.0.0.0/16'],
    reason: 'sg',
  },
  'authorize-security-group-ingress': {
    kind: 'authorize-security-group-ingress',
    vpcId: VPC,
    resourceIds: ['sg-1'],
    targetId: 'sg-1',
    cidrs: ['10.1.0.0/16'],
    reason: 'new CIDR',
  },
  'create-interface-endpoint': {
    kind: 'create-interface-endpoint',
    vpcId: VPC,
    service: 'ecr.api',
    serviceName: 'com.amazonaws.us-east-1.ecr.api',
    resourceIds: ['subnet-a'],
    securityGroupId: 'sg-1',
    reason: 'missing',
  },
  'add-endpoint-subnets': {
    kind: 'add-endpoint-subnets',
    vpcId: VPC,
    service: 'ecr.api',
    resourceIds: ['subnet-b'],
    targetId: 'vpce-1',
    reason: 'new AZ',
  },
  'create-gateway-endpoint': {
    kind: 'create-gateway-endpoint',
    vpcId: VPC,
    service: 's3',
    serviceName: S3,
    resourceIds: ['rtb-1', 'rtb-2'],
    reason: 'no S3 gateway',
  },
  'add-gateway-route-tables': {
    kind: 'add-gateway-route-tables',
    vpcId: VPC,
    service: 's3',
    resourceIds: ['rtb-2'],
    targetId: 'vpce-s3',
    reason: 'missing table',
  },
  'delete-endpoint': {
    kind: 'delete-endpoint',
    vpcId: VPC,
    service: 'ecr.api',
    resourceIds: ['vpce-1'],
    targetId: 'vpce-1',
    reason: 'opted out',
  },
  'delete-security-group': {
    kind: 'delete-security-group',
    vpcId: VPC,
    resourceIds: ['sg-1'],
    targetId: 'sg-1',
    reason: 'opted out',
  },
};

const granted = (action: ReconcilerAction): Set<string> =>
  new Set(action.permissions.flatMap((d) => d.actions));

describe('reconciler actions', () => {
  const ec2Mock = mockClient(EC2Client);
  const config = parseConfig({});

  beforeEach(() => {
    ec2Mock.on(ModifyVpcAttributeCommand).resolves({});
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-new' });
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    ec2Mock.on(CreateVpcEndpointCommand).resolves({ VpcEndpoint: { VpcEndpointId: 'vpce-new' } });
    ec2Mock.on(ModifyVpcEndpointCommand).resolves({ Return: true });
    ec2Mock.on(DeleteVpcEndpointsCommand).resolves({ Unsuccessful: [] });
    ec2Mock.on(DeleteSecurityGroupCommand).resolves({});
  });

  afterEach(() => ec2Mock.reset());

  it('runs every kind of step by exactly one action, in the reconcile or the teardown registry', () => {
    // Act
    const reconcile = [...RECONCILE_ACTIONS.keys()];
    const teardown = [...TEARDOWN_ACTIONS.keys()];

    // Assess
    expect([...reconcile, ...teardown].sort()).toEqual([...EVERY_KIND].sort());
    expect(teardown.sort()).toEqual(['delete-endpoint', 'delete-security-group']);
  });

  it.each(EVERY_KIND)('%s declares every EC2 call its run makes', async (kind) => {
    // Prepare
    const action = RECONCILE_ACTIONS.get(kind) ?? TEARDOWN_ACTIONS.get(kind)!;

    // Act
    const outcome = await action.run({ ec2: new EC2Client({}), config }, STEPS[kind]);

    // Assess
    expect(outcome.status).not.toBe('error');
    const sent = ec2Mock.calls().map((c) => `ec2:${c.args[0].constructor.name.replace(/Command$/, '')}`);
    expect(sent.filter((call) => !granted(action).has(call))).toEqual([]);
  });

  it('declares the route-table grant on the S3 gateway create, which converges onto a gateway of ours that appeared since the plan', async () => {
    // Prepare
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-ours',
          VpcEndpointType: 'Gateway',
          ServiceName: S3,
          State: 'Available',
          RouteTableIds: ['rtb-1'],
          Tags: MANAGED,
        },
      ],
    });
    const action = RECONCILE_ACTIONS.get('create-gateway-endpoint')!;

    // Act
    const outcome = await action.run({ ec2: new EC2Client({}), config }, STEPS['create-gateway-endpoint']);

    // Assess
    expect(outcome).toMatchObject({ status: 'ok', resourceId: 'vpce-ours' });
    expect(ec2Mock.commandCalls(ModifyVpcEndpointCommand).map((c) => c.args[0].input)).toEqual([
      { VpcEndpointId: 'vpce-ours', AddRouteTableIds: ['rtb-2'] },
    ]);
    expect(ec2Mock.commandCalls(CreateVpcEndpointCommand)).toHaveLength(0);
    expect(granted(action).has('ec2:ModifyVpcEndpoint')).toBe(true);
  });

  it('refuses a teardown step in a reconcile plan as an error result, sends nothing for it, and runs the rest', async () => {
    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, [
      STEPS['delete-endpoint'],
      STEPS['enable-dns-support'],
    ]);

    // Assess
    expect(results.map((r) => [r.action.kind, r.status, r.errorName ?? null])).toEqual([
      ['delete-endpoint', 'error', 'InvalidInput'],
      ['enable-dns-support', 'ok', null],
    ]);
    expect(results[0]!.message).toContain('delete-endpoint is not an action of this plan');
    expect(ec2Mock.commandCalls(DeleteVpcEndpointsCommand)).toHaveLength(0);
  });

  it('refuses a reconcile step in a teardown plan', async () => {
    // Act
    const results = await executePlan(
      { ec2: new EC2Client({}), config },
      [STEPS['create-gateway-endpoint']],
      TEARDOWN_ACTIONS,
    );

    // Assess
    expect(results).toEqual([expect.objectContaining({ status: 'error', errorName: 'InvalidInput' })]);
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});

describe('grants derived from the actions', () => {
  const actionsOf = (decls: typeof RECONCILER_PERMISSIONS) => new Set(decls.flatMap((d) => d.actions));

  it('grants the reconcile registry no delete, and the teardown registry only deletes of what carries our tag', () => {
    // Act
    const reconcile = actionsOf(RECONCILER_PERMISSIONS);
    const teardown = RECONCILER_AND_TEARDOWN_PERMISSIONS.filter((d) => !RECONCILER_PERMISSIONS.includes(d));

    // Assess
    expect(reconcile.has('ec2:DeleteVpcEndpoints')).toBe(false);
    expect(reconcile.has('ec2:DeleteSecurityGroup')).toBe(false);
    expect(teardown.map((d) => [d.sid, d.actions, d.conditions])).toEqual([
      [
        'ReconcilerDeleteOwnEndpoint',
        ['ec2:DeleteVpcEndpoints'],
        { StringEquals: { 'aws:ResourceTag/{managedTagKey}': 'privatelink-ecs' } },
      ],
      [
        'ReconcilerDeleteOwnSecurityGroup',
        ['ec2:DeleteSecurityGroup'],
        { StringEquals: { 'aws:ResourceTag/{managedTagKey}': 'privatelink-ecs' } },
      ],
    ]);
  });

  it('lists a declaration two actions share once, and starts with the finders’ reads', () => {
    // Act
    const sids = RECONCILER_PERMISSIONS.map((d) => d.sid);

    // Assess
    expect(new Set(sids).size).toBe(sids.length);
    expect(sids.filter((s) => s === 'ReconcilerModifyVpcDns')).toHaveLength(1);
    expect(sids[0]).toBe('ReconcilerDescribeVpc');
  });

  it('refuses two actions that declare different statements under one sid, naming the sid', () => {
    // Prepare
    const clash: ReconcilerAction = {
      ...RECONCILE_ACTIONS.get('enable-dns-support')!,
      kind: 'enable-dns-hostnames',
      permissions: [
        { ...RECONCILE_ACTIONS.get('enable-dns-support')!.permissions[0]!, actions: ['ec2:DeleteVpc'] },
      ],
    };

    // Act
    const derive = () => permissionsFor(RECONCILE_ACTIONS, new Map([['enable-dns-hostnames', clash]]));

    // Assess
    expect(derive).toThrow(ConfigError);
    expect(derive).toThrow('declares another statement under the sid ReconcilerModifyVpcDns');
  });
});
