// Counterexamples the planner's property tests (test/reliability/planner.property.test.ts) found, kept as
// plain unit tests: each one failed before the fix it names.
import {
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DescribeVpcEndpointsCommand,
} from '@aws-sdk/client-ec2';
import { SimulatedAccount } from '../../../devkit/sim';
import { isWrite } from '../../../devkit/sim/core';
import { type ConfigInput, parseConfig } from '../../../shared/config';
import { planVpc, reconcileVpc } from '../../../shared/reconciler';
import { planActions } from '../../../shared/reconciler/planner';
import type { EndpointSummary, VpcInventory } from '../../../shared/reconciler/types';

const REGION = 'us-east-1';

/** One AZ, one isolated subnet on the main table, no group of ours, DNS off: the shrunk counterexamples' VPC. */
function inventory(overrides: Partial<VpcInventory> = {}): VpcInventory {
  return {
    vpcId: 'vpc-00000000000000001',
    region: REGION,
    tags: {},
    cidrs: ['10.0.0.0/16'],
    ipv6Cidrs: [],
    dnsSupport: false,
    dnsHostnames: false,
    subnets: [{ id: 'subnet-a', azName: 'us-east-1a', azId: 'use1-az6', routeTableId: 'rtb-main' }],
    routeTables: [{ id: 'rtb-main', main: true, defaultRoute: 'none', subnetIds: [] }],
    endpoints: [],
    offerings: [
      {
        service: 'ecs-telemetry',
        serviceName: `com.amazonaws.${REGION}.ecs-telemetry`,
        type: 'Interface',
        azIds: ['use1-az6'],
      },
      { service: 'ecs', serviceName: `com.amazonaws.${REGION}.ecs`, type: 'Interface', azIds: ['use1-az6'] },
      { service: 's3', serviceName: `com.amazonaws.${REGION}.s3`, type: 'Gateway', azIds: ['use1-az6'] },
    ],
    ...overrides,
  };
}

const plan = (config: ConfigInput, inv: VpcInventory) => planActions(parseConfig(config), inv);

const failedGateway: EndpointSummary = {
  id: 'vpce-team',
  service: 's3',
  type: 'Gateway',
  state: 'failed',
  managed: false,
  subnetIds: [],
  routeTableIds: ['rtb-main'],
};

describe('planner counterexamples found by the property tests', () => {
  it('plans neither a group nor interface endpoints while someone else’s group holds our group name, and says why', () => {
    // Act
    const result = plan(
      { interfaceServices: ['ecs-telemetry'], s3Gateway: 'never', ssmEndpoints: 'never', subnets: 'all' },
      inventory({ groupNameTakenBy: 'sg-team' }),
    );

    // Assess
    expect(result.actions.map((a) => a.kind)).toEqual(['enable-dns-support', 'enable-dns-hostnames']);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^security group sg-team is named privatelink-ecs-endpoints but does not carry the tag privatelink-ecs:managed=privatelink-ecs.*ecs-telemetry/,
      ),
    ]);
    expect(result.heldBack).toEqual(['ecs-telemetry']);
  });

  it('still adds subnets to our own endpoints while the group name is taken (that needs no new group)', () => {
    // Prepare
    const ours: EndpointSummary = {
      id: 'vpce-ours',
      service: 'ecs-telemetry',
      type: 'Interface',
      state: 'available',
      managed: true,
      subnetIds: [],
      routeTableIds: [],
    };

    // Act
    const result = plan(
      { interfaceServices: ['ecs-telemetry'], s3Gateway: 'never', ssmEndpoints: 'never', subnets: 'all' },
      inventory({ groupNameTakenBy: 'sg-team', endpoints: [ours], dnsSupport: true, dnsHostnames: true }),
    );

    // Assess
    expect(result.actions.map((a) => [a.kind, a.targetId, a.resourceIds])).toEqual([
      ['add-endpoint-subnets', 'vpce-ours', ['subnet-a']],
    ]);
    expect(result.warnings).toEqual([]);
    expect(result.heldBack).toBeUndefined();
  });

  it('plans no S3 gateway on a route table that a failed S3 gateway still holds, and says which', () => {
    // Act
    const result = plan(
      { interfaceServices: ['ecs'], s3Gateway: 'auto', ssmEndpoints: 'never', subnets: 'private' },
      inventory({ endpoints: [failedGateway], dnsSupport: true, dnsHostnames: true }),
    );

    // Assess
    expect(result.actions.filter((a) => a.service === 's3')).toEqual([]);
    expect(result.warnings).toEqual([
      'route table(s) rtb-main still carry the S3 route of vpce-team (failed); a route table takes one S3 route, so the S3 gateway cannot be added there until that endpoint is deleted',
    ]);
  });

  it('still creates the S3 gateway on the route tables a failed one does not hold', () => {
    // Prepare
    const inv = inventory({
      endpoints: [failedGateway],
      dnsSupport: true,
      dnsHostnames: true,
      subnets: [
        { id: 'subnet-a', azName: 'us-east-1a', azId: 'use1-az6', routeTableId: 'rtb-main' },
        { id: 'subnet-b', azName: 'us-east-1a', azId: 'use1-az6', routeTableId: 'rtb-b' },
      ],
      routeTables: [
        { id: 'rtb-main', main: true, defaultRoute: 'none', subnetIds: [] },
        { id: 'rtb-b', main: false, defaultRoute: 'none', subnetIds: ['subnet-b'] },
      ],
    });

    // Act
    const result = plan({ interfaceServices: ['ecs'], ssmEndpoints: 'never' }, inv);

    // Assess
    expect(result.actions.filter((a) => a.service === 's3').map((a) => [a.kind, a.resourceIds])).toEqual([
      ['create-gateway-endpoint', ['rtb-b']],
    ]);
  });
});

describe('reconcile on the simulated account, counterexamples replayed', () => {
  it('leaves a VPC whose group name is taken with no write on the second run, and never attaches that group', async () => {
    // Prepare: the shrunk counterexample of "plan → apply → plan is empty" (seed 7001)
    const account = new SimulatedAccount({ azs: 1 });
    const { vpcId } = account.addVpc({ cidr: '10.0.0.0/16', layout: 'private-only', azs: 1 });
    const { ec2 } = account.clients({ maxAttempts: 1 });
    const team = await ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: 'privatelink-ecs-endpoints',
        Description: 'made by hand',
      }),
    );
    const config = parseConfig({
      interfaceServices: ['ecs-telemetry'],
      s3Gateway: 'never',
      ssmEndpoints: 'never',
      subnets: 'all',
    });

    // Act
    const first = await reconcileVpc(ec2, config, { vpcId, force: true });
    const mark = account.calls.length;
    const second = await reconcileVpc(ec2, config, { vpcId, force: true });

    // Assess
    expect(first.results.filter((r) => r.status === 'error')).toEqual([]);
    expect(account.calls.filter((c) => c.operation === 'CreateVpcEndpoint')).toEqual([]);
    expect(second.actions).toEqual([]);
    expect(second.warnings).toEqual([expect.stringContaining(`security group ${team.GroupId} is named`)]);
    expect(account.calls.slice(mark).filter((c) => isWrite(c.operation))).toEqual([]);
  });

  it('reports the route table a failed S3 gateway holds instead of failing on RouteAlreadyExists every run', async () => {
    // Prepare: the shrunk counterexample of "no route table gets a second S3 gateway" (seed 7003)
    const account = new SimulatedAccount({ azs: 1 });
    const layout = account.addVpc({ cidr: '10.0.0.0/16', layout: 'private-only', azs: 1 });
    const { ec2 } = account.clients({ maxAttempts: 1 });
    account.setEndpointBehaviour('s3', { outcome: 'failed', pendingPolls: 0 });
    const failed = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: layout.vpcId,
        VpcEndpointType: 'Gateway',
        ServiceName: `com.amazonaws.${REGION}.s3`,
        RouteTableIds: layout.privateRouteTableIds,
      }),
    );
    await ec2.send(new DescribeVpcEndpointsCommand({}));
    account.setEndpointBehaviour('s3', { outcome: 'available' });
    const config = parseConfig({ interfaceServices: ['ecs'], ssmEndpoints: 'never' });

    // Act
    const applied = await reconcileVpc(ec2, config, { vpcId: layout.vpcId, force: true });
    const { plan: again } = await planVpc(ec2, config, layout.vpcId);

    // Assess
    expect(applied.results.filter((r) => r.status === 'error')).toEqual([]);
    expect(applied.results.map((r) => r.action.kind)).not.toContain('create-gateway-endpoint');
    expect(again.actions).toEqual([]);
    expect(again.warnings).toEqual([
      expect.stringContaining(`still carry the S3 route of ${failed.VpcEndpoint!.VpcEndpointId} (failed)`),
    ]);
  });
});
