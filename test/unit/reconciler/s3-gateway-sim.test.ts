// The S3 gateway rule, end to end on the simulated account (devkit/sim), checked on the calls the account
// recorded: someone else's S3 gateway is never modified (before, its route tables were extended: "the S3
// gateway exception"), and under s3Gateway "auto" no route table routed to a NAT gets the S3 gateway.
import { CreateVpcEndpointCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { type RecordedCall, SimulatedAccount } from '../../../devkit/sim';
import { isWrite } from '../../../devkit/sim/core';
import { type ConfigInput, parseConfig } from '../../../shared/config';
import { reconcileVpc } from '../../../shared/reconciler';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };
const MANAGED = { Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' };
const S3 = 'com.amazonaws.us-east-1.s3';

interface EndpointCallInput {
  VpcEndpointId?: string;
  VpcEndpointIds?: string[];
  ServiceName?: string;
  RouteTableIds?: string[];
  AddRouteTableIds?: string[];
  TagSpecifications?: { Tags?: { Key?: string; Value?: string }[] }[];
}

const inputOf = (call: RecordedCall) => call.input as EndpointCallInput;
const named = (calls: RecordedCall[], operation: string) => calls.filter((c) => c.operation === operation);

function setUp(vpc: { nat?: boolean; azs: number }) {
  const account = new SimulatedAccount({ azs: 3 });
  const layout = account.addVpc({
    cidr: '10.0.0.0/16',
    tags: OPTED_IN,
    azs: vpc.azs,
    layout: vpc.nat ? 'public-private' : 'private-only',
    nat: vpc.nat ?? false,
  });
  // The scenario is built as the account's administrator; the reconcile runs as EnsureEndpoints' role in the
  // synthesized stack, so every call it sends is also authorized as AWS would (an unexpected denial fails).
  const { ec2: admin } = account.clients({ maxAttempts: 1 });
  const { ec2 } = account.clients({ role: 'WorkflowEnsureEndpoints', maxAttempts: 1 });
  return { account, layout, admin, ec2 };
}

describe('S3 gateway on the simulated account', () => {
  it("sends no ModifyVpcEndpoint to someone else's S3 gateway on some route tables, and creates ours on the others", async () => {
    // Prepare
    const { account, layout, admin, ec2 } = setUp({ azs: 3 });
    const [theirTable, ...otherTables] = layout.privateRouteTableIds;
    const theirs = (
      await admin.send(
        new CreateVpcEndpointCommand({
          VpcId: layout.vpcId,
          VpcEndpointType: 'Gateway',
          ServiceName: S3,
          RouteTableIds: [theirTable!],
          TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'Name', Value: 'team-s3' }] }],
        }),
      )
    ).VpcEndpoint!.VpcEndpointId!;
    const config = parseConfig({ ssmEndpoints: 'never' });
    const mark = account.calls.length;

    // Act
    const first = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
    const secondMark = account.calls.length;
    const second = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess: the calls sent
    const calls = account.calls.slice(mark, secondMark);
    expect(
      [...named(calls, 'ModifyVpcEndpoint'), ...named(calls, 'DeleteVpcEndpoints')].filter(
        (c) => inputOf(c).VpcEndpointId === theirs || inputOf(c).VpcEndpointIds?.includes(theirs),
      ),
    ).toEqual([]);
    const s3Creates = named(calls, 'CreateVpcEndpoint').filter((c) => inputOf(c).ServiceName === S3);
    expect(s3Creates.map((c) => [...(inputOf(c).RouteTableIds ?? [])].sort())).toEqual([
      [...otherTables].sort(),
    ]);
    expect(inputOf(s3Creates[0]!).TagSpecifications?.[0]?.Tags).toContainEqual(MANAGED);
    // …the results, and a second run that writes nothing
    expect(first.results.filter((r) => r.status === 'error')).toEqual([]);
    expect(second.actions.filter((a) => a.kind !== 'covered')).toEqual([]);
    expect(account.calls.slice(secondMark).filter((c) => isWrite(c.operation))).toEqual([]);
    expect(account.iam).toEqual({ authorized: expect.any(Number), denied: 0 });
    expect(account.iam.authorized).toBeGreaterThan(0);
    // …and the final state: theirs is as it was, each private table on exactly one S3 gateway
    const gateways = second.endpoints.filter((e) => e.service === 's3');
    expect(gateways.find((g) => g.id === theirs)).toMatchObject({
      managed: false,
      routeTableIds: [theirTable],
    });
    expect(gateways.filter((g) => g.managed).map((g) => g.routeTableIds)).toEqual([[...otherTables].sort()]);
  });

  it.each<[string, ConfigInput['s3Gateway'], boolean]>([
    ['auto sends no S3 gateway call for route tables routed to a NAT', 'auto', false],
    ['always creates the S3 gateway on them', 'always', true],
    ['never sends no S3 gateway call', 'never', false],
  ])('s3Gateway %s', async (_name, s3Gateway, created) => {
    // Prepare: every private route table sends 0.0.0.0/0 to its AZ's NAT gateway
    const { account, layout, admin, ec2 } = setUp({ azs: 2, nat: true });
    const tables = (
      await admin.send(new DescribeRouteTablesCommand({ RouteTableIds: layout.privateRouteTableIds }))
    ).RouteTables!;
    const natOf = new Map(
      tables.map((t) => [
        t.RouteTableId!,
        t.Routes!.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')!.NatGatewayId!,
      ]),
    );
    const mark = account.calls.length;

    // Act
    const result = await reconcileVpc(ec2, parseConfig({ ssmEndpoints: 'never', s3Gateway }), {
      vpcId: layout.vpcId,
    });

    // Assess
    const calls = account.calls.slice(mark);
    const s3Writes = calls.filter(
      (c) =>
        isWrite(c.operation) &&
        (inputOf(c).ServiceName === S3 || inputOf(c).RouteTableIds || inputOf(c).AddRouteTableIds),
    );
    expect(s3Writes.map((c) => [c.operation, [...(inputOf(c).RouteTableIds ?? [])].sort()])).toEqual(
      created ? [['CreateVpcEndpoint', [...layout.privateRouteTableIds].sort()]] : [],
    );
    const natWarnings = (result.warnings ?? []).filter((w) => w.includes('0.0.0.0/0 to nat-'));
    expect(natWarnings).toEqual(
      s3Gateway === 'auto'
        ? [...layout.privateRouteTableIds]
            .sort()
            .map((rt) =>
              expect.stringMatching(
                new RegExp(`^route table ${rt} sends 0\\.0\\.0\\.0/0 to ${natOf.get(rt)}: `),
              ),
            )
        : [],
    );
  });
});
