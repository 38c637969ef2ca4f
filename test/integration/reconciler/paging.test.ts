// Paging of the reconciler's inventory, on the simulated account: moto ignores MaxResults and always answers
// in one page, while the sim pages honestly (NextToken tied to the query, MaxResults bounds like EC2's).
import {
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { type RecordedCall, SimulatedAccount } from '../../../devkit/sim';
import { parseConfig } from '../../../shared/config';
import { planVpc, reconcileVpc } from '../../../shared/reconciler';
import { createVpcLayout } from '../../support/fixtures';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };
const PAGE = 5;
/** Interface services outside the desired set, so foreign endpoints for them do not change the plan. */
const OTHER_SERVICES = ['logs', 'kms', 'sts', 'monitoring', 'secretsmanager', 'elasticloadbalancing'];

interface PagedInput {
  MaxResults?: number;
  NextToken?: string;
}

const callsOf = (calls: RecordedCall[], operation: string) =>
  calls.filter((c) => c.service === 'ec2' && c.operation === operation).map((c) => c.input as PagedInput);

const unique = (ids: string[]) => new Set(ids).size === ids.length;

describe('reconciler inventory paging on the simulated account', () => {
  let account: SimulatedAccount;
  let ec2: EC2Client;

  beforeEach(() => {
    account = new SimulatedAccount();
    ({ ec2 } = account.clients({ maxAttempts: 1 }));
  });

  afterEach(() => ec2.destroy());

  it('reads every subnet, route table, endpoint and security group exactly once across many small pages', async () => {
    // Prepare: 120 private subnets with a route table each, 13 groups with our tag key, 126 endpoints
    const config = parseConfig({ ssmEndpoints: 'never' });
    const layout = await createVpcLayout(ec2, {
      azs: 3,
      privateSubnetsPerAz: 40,
      privateRouteTables: 'per-subnet',
      publicAndPrivate: false,
      dnsHostnames: true,
      tags: OPTED_IN,
    });
    for (let i = 0; i < 12; i += 1) {
      await ec2.send(
        new CreateSecurityGroupCommand({
          VpcId: layout.vpcId,
          GroupName: `other-tool-${i}`,
          Description: 'carries our tag key with another value',
          TagSpecifications: [
            {
              ResourceType: 'security-group',
              Tags: [{ Key: 'privatelink-ecs:managed', Value: 'other-tool' }],
            },
          ],
        }),
      );
    }
    const foreign: string[] = [];
    for (const [i, subnetId] of layout.privateSubnetIds.entries()) {
      const res = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: layout.vpcId,
          ServiceName: `com.amazonaws.us-east-1.${OTHER_SERVICES[i % OTHER_SERVICES.length]}`,
          VpcEndpointType: 'Interface',
          SubnetIds: [subnetId],
          PrivateDnsEnabled: false,
        }),
      );
      foreign.push(res.VpcEndpoint!.VpcEndpointId!);
    }
    const applied = await reconcileVpc(ec2, config, { vpcId: layout.vpcId }, { pageSize: PAGE });
    expect(applied.results.every((r) => r.status === 'ok')).toBe(true);
    const ours = applied.endpoints.filter((e) => e.managed).map((e) => e.id);
    expect(ours).toHaveLength(6);
    const allTables = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
    );
    const tableIds = allTables.RouteTables!.map((t) => t.RouteTableId!);
    expect(tableIds).toHaveLength(121); // 120 private + the main table
    const start = account.calls.length;

    // Act
    const { inventory, plan } = await planVpc(ec2, config, layout.vpcId, { pageSize: PAGE });

    // Assess: every item exactly once
    const subnetIds = inventory.subnets.map((s) => s.id);
    expect(unique(subnetIds)).toBe(true);
    expect(subnetIds.sort()).toEqual([...layout.privateSubnetIds].sort());
    const seenTables = inventory.routeTables.map((t) => t.id);
    expect(unique(seenTables)).toBe(true);
    expect(seenTables.sort()).toEqual([...tableIds].sort());
    const endpointIds = inventory.endpoints.map((e) => e.id);
    expect(unique(endpointIds)).toBe(true);
    expect(endpointIds.sort()).toEqual([...foreign, ...ours].sort());
    expect(inventory.securityGroup?.name).toBe('privatelink-ecs-endpoints');
    expect(plan.actions).toEqual([]);

    // Assess: the calls were paged, with MaxResults on each and NextToken follow-ups
    const calls = account.calls.slice(start);
    const expectedPages: Array<[string, number]> = [
      ['DescribeSubnets', Math.ceil(120 / PAGE)],
      ['DescribeRouteTables', Math.ceil(121 / PAGE)],
      ['DescribeVpcEndpoints', Math.ceil(126 / PAGE)],
      ['DescribeSecurityGroups', Math.ceil(13 / PAGE)],
      ['DescribeVpcEndpointServices', Math.ceil(6 / PAGE)],
    ];
    for (const [operation, pages] of expectedPages) {
      const inputs = callsOf(calls, operation);
      expect({ operation, pages: inputs.length }).toEqual({ operation, pages });
      expect(inputs.every((input) => input.MaxResults === PAGE)).toBe(true);
      expect(inputs[0]!.NextToken).toBeUndefined();
      expect(inputs.slice(1).every((input) => typeof input.NextToken === 'string')).toBe(true);
      expect(new Set(inputs.slice(1).map((input) => input.NextToken)).size).toBe(pages - 1);
    }
  });

  it('clamps the requested page size into each API range (route tables at most 100, others at least 5)', async () => {
    // Prepare
    const config = parseConfig({ ssmEndpoints: 'never' });
    const layout = await createVpcLayout(ec2, { azs: 1, publicAndPrivate: false, tags: OPTED_IN });
    const start = account.calls.length;

    // Act
    await planVpc(ec2, config, layout.vpcId, { pageSize: 500 });
    await planVpc(ec2, config, layout.vpcId, { pageSize: 1 });

    // Assess
    const calls = account.calls.slice(start);
    expect(callsOf(calls, 'DescribeRouteTables').map((i) => i.MaxResults)).toEqual([100, 5]);
    expect(callsOf(calls, 'DescribeSubnets').map((i) => i.MaxResults)).toEqual([500, 5]);
    // Paged calls only: with no group of ours, the inventory also asks (unpaged) for the one group with our name.
    const pagedGroups = callsOf(calls, 'DescribeSecurityGroups').filter((i) => i.MaxResults !== undefined);
    expect(pagedGroups.map((i) => i.MaxResults)).toEqual([500, 5]);
    expect(callsOf(calls, 'DescribeVpcEndpoints').map((i) => i.MaxResults)).toEqual([500, 1]);
  });
});
