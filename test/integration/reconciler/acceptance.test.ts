// The reconciler's acceptance scenarios, one test body run against both backends: moto (through
// AWS_ENDPOINT_URL) and the simulated account (devkit/sim), whose paging and endpoint lifecycle are honest.
import {
  AssociateVpcCidrBlockCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import { parseConfig } from '../../../shared/config';
import { NotOptedInError } from '../../../shared/errors';
import { reconcileVpc } from '../../../shared/reconciler';
import { createForeignEndpoint, createVpcLayout, recordCalls } from '../../support/fixtures';
import { TARGETS } from '../contract/targets';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };
const MANAGED = { Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' };
const ECS_ECR = ['ecr.api', 'ecr.dkr', 'ecs-agent', 'ecs-telemetry', 'ecs'];
const svc = (s: string) => `com.amazonaws.us-east-1.${s}`;

async function endpointsOf(ec2: EC2Client, vpcId: string) {
  const res = await ec2.send(
    new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  return res.VpcEndpoints ?? [];
}

const hasTag = (tags: Tag[] | undefined, tag: Tag) =>
  (tags ?? []).some((t) => t.Key === tag.Key && t.Value === tag.Value);

describe.each(TARGETS)('reconciler acceptance on %s', (_backend, makeTarget) => {
  let ec2: EC2Client;

  beforeEach(async () => {
    ({ ec2 } = (await makeTarget()).clients);
  });

  afterEach(() => ec2.destroy());

  it('converges a fresh 3-AZ VPC, then makes zero write calls on a second apply', async () => {
    // Prepare
    const config = parseConfig({ ssmEndpoints: 'never' });
    const layout = await createVpcLayout(ec2, {
      azs: 3,
      publicAndPrivate: true,
      dnsHostnames: false,
      tags: OPTED_IN,
    });
    const log = recordCalls(ec2);

    // Act
    const first = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess: DNS attributes, one at a time
    expect(first.converged).toBe(true);
    expect(first.results.every((r) => r.status === 'ok')).toBe(true);
    for (const attribute of ['enableDnsSupport', 'enableDnsHostnames'] as const) {
      const res = await ec2.send(
        new DescribeVpcAttributeCommand({ VpcId: layout.vpcId, Attribute: attribute }),
      );
      expect((res.EnableDnsSupport ?? res.EnableDnsHostnames)?.Value).toBe(true);
    }
    expect(log.writes().filter((c) => c === 'ModifyVpcAttributeCommand')).toHaveLength(1);
    // exactly one security group, tagged, admitting 443 from the VPC CIDR
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
    );
    const ours = (groups.SecurityGroups ?? []).filter((g) => g.GroupName !== 'default');
    expect(ours).toHaveLength(1);
    const sg = ours[0]!;
    expect(hasTag(sg.Tags, MANAGED)).toBe(true);
    expect(sg.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        IpRanges: [expect.objectContaining({ CidrIp: '10.0.0.0/16' })],
      }),
    ]);
    // exactly five interface endpoints, private DNS, one private subnet per AZ, our SG, tagged
    const endpoints = await endpointsOf(ec2, layout.vpcId);
    const iface = endpoints.filter((e) => e.VpcEndpointType === 'Interface');
    expect(iface.map((e) => e.ServiceName).sort()).toEqual(ECS_ECR.map(svc).sort());
    for (const e of iface) {
      expect(e.PrivateDnsEnabled).toBe(true);
      expect([...(e.SubnetIds ?? [])].sort()).toEqual([...layout.privateSubnetIds].sort());
      expect(e.Groups?.map((g) => g.GroupId)).toEqual([sg.GroupId]);
      expect(hasTag(e.Tags, MANAGED)).toBe(true);
      expect(
        hasTag(e.Tags, {
          Key: 'Name',
          Value: `privatelink-ecs-${e.ServiceName!.split('.').slice(3).join('.')}`,
        }),
      ).toBe(true);
    }
    // ECS endpoints were created agent, telemetry, ecs
    const createdOrder = first.results
      .filter((r) => r.action.kind === 'create-interface-endpoint')
      .map((r) => r.action.service);
    expect(createdOrder).toEqual(ECS_ECR);
    // one S3 gateway on the three private route tables
    const gateways = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
    expect(gateways).toHaveLength(1);
    expect(gateways[0]!.ServiceName).toBe(svc('s3'));
    expect([...(gateways[0]!.RouteTableIds ?? [])].sort()).toEqual([...layout.privateRouteTableIds].sort());
    expect(hasTag(gateways[0]!.Tags, MANAGED)).toBe(true);

    // Act: second apply
    log.clear();
    const second = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess: reads only, and the VPC is read once (opt-in decision and inventory share it)
    expect(log.writes()).toEqual([]);
    expect([...log.calls].sort()).toEqual(
      [
        'DescribeVpcsCommand',
        'DescribeVpcAttributeCommand',
        'DescribeVpcAttributeCommand',
        'DescribeSubnetsCommand',
        'DescribeRouteTablesCommand',
        'DescribeVpcEndpointsCommand',
        'DescribeSecurityGroupsCommand',
        'DescribeVpcEndpointServicesCommand',
      ].sort(),
    );
    expect(second.actions).toEqual([]);
    expect(second.converged).toBe(true);
    expect(second.changed).toBe(false);
  });

  it('adds the SSM endpoints under ssmEndpoints=auto when private subnets have no NAT or internet route', async () => {
    // Prepare
    const config = parseConfig({});
    const layout = await createVpcLayout(ec2, { azs: 2, tags: OPTED_IN });

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    const iface = (await endpointsOf(ec2, layout.vpcId)).filter((e) => e.VpcEndpointType === 'Interface');
    expect(iface.map((e) => e.ServiceName).sort()).toEqual(
      [...ECS_ECR, 'ssm', 'ssmmessages', 'ec2messages'].map(svc).sort(),
    );
    expect(result.converged).toBe(true);
  });

  it('leaves out the SSM endpoints under ssmEndpoints=auto when private subnets route through a NAT', async () => {
    // Prepare
    const config = parseConfig({});
    const layout = await createVpcLayout(ec2, { azs: 2, nat: true, tags: OPTED_IN });

    // Act
    await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    const iface = (await endpointsOf(ec2, layout.vpcId)).filter((e) => e.VpcEndpointType === 'Interface');
    expect(iface.map((e) => e.ServiceName).sort()).toEqual(ECS_ECR.map(svc).sort());
  });

  it("leaves someone else's S3 gateway as it is and puts the other private route tables on a gateway of ours", async () => {
    // Prepare
    const config = parseConfig({ ssmEndpoints: 'never' });
    const layout = await createVpcLayout(ec2, { azs: 3, tags: OPTED_IN });
    const [theirTable, ...otherTables] = layout.privateRouteTableIds;
    const foreign = await createForeignEndpoint(ec2, {
      vpcId: layout.vpcId,
      service: 's3',
      type: 'Gateway',
      routeTableIds: [theirTable!],
    });
    const log = recordCalls(ec2);

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess: theirs untouched, ours on the rest, no ModifyVpcEndpoint at all
    const gateways = (await endpointsOf(ec2, layout.vpcId)).filter((e) => e.VpcEndpointType === 'Gateway');
    const theirs = gateways.find((g) => g.VpcEndpointId === foreign)!;
    const ours = gateways.filter((g) => g.VpcEndpointId !== foreign);
    expect(theirs.RouteTableIds).toEqual([theirTable]);
    expect(hasTag(theirs.Tags, MANAGED)).toBe(false);
    expect(ours).toHaveLength(1);
    expect(hasTag(ours[0]!.Tags, MANAGED)).toBe(true);
    expect([...(ours[0]!.RouteTableIds ?? [])].sort()).toEqual([...otherTables].sort());
    expect(log.writes().filter((c) => c === 'ModifyVpcEndpointCommand')).toEqual([]);
    const s3 = result.results.filter((r) => r.action.service === 's3');
    expect(s3.map((r) => [r.action.kind, r.status])).toEqual([
      ['covered', 'skip'],
      ['create-gateway-endpoint', 'ok'],
    ]);
    expect(s3[0]!.action.targetId).toBe(foreign);
  });

  it.each([
    ['auto (the default) leaves them off and names each with its NAT', {}, false],
    ['always puts them on the S3 gateway', { s3Gateway: 'always' as const }, true],
  ])('NAT-routed private route tables: %s', async (_name, s3Config, included) => {
    // Prepare
    const config = parseConfig({ ssmEndpoints: 'never', ...s3Config });
    const layout = await createVpcLayout(ec2, { azs: 2, nat: true, tags: OPTED_IN });
    const tables = [...layout.privateRouteTableIds].sort();

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    const gateways = (await endpointsOf(ec2, layout.vpcId)).filter((e) => e.VpcEndpointType === 'Gateway');
    const natWarnings = (result.warnings ?? []).filter((w) => w.includes(layout.natGatewayId!));
    if (included) {
      expect(gateways.map((g) => [...(g.RouteTableIds ?? [])].sort())).toEqual([tables]);
      expect(natWarnings).toEqual([]);
      expect(result.actions.find((a) => a.service === 's3')!.reason).toContain('s3Gateway is "always"');
    } else {
      expect(gateways).toEqual([]);
      expect(result.actions.filter((a) => a.service === 's3')).toEqual([]);
      expect(natWarnings).toEqual([
        `route tables ${tables.join(', ')} send 0.0.0.0/0 to ${layout.natGatewayId}: adding the S3 gateway would move their S3 traffic off the NAT (open connections break, bucket policies keyed on the NAT's address with aws:SourceIp deny), so s3Gateway "auto" leaves them off; set s3Gateway to "always" to include them`,
      ]);
    }
  });

  it("reports someone else's ecr.dkr endpoint as covering the service and leaves it alone", async () => {
    // Prepare: an interface endpoint defaults to private DNS, which needs DNS hostnames (the sim enforces it)
    const config = parseConfig({ ssmEndpoints: 'never' });
    const layout = await createVpcLayout(ec2, { azs: 3, dnsHostnames: true, tags: OPTED_IN });
    const foreign = await createForeignEndpoint(ec2, {
      vpcId: layout.vpcId,
      service: 'ecr.dkr',
      type: 'Interface',
      subnetIds: [layout.privateSubnetIds[0]!],
    });
    const log = recordCalls(ec2);

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    const covered = result.results.find((r) => r.action.service === 'ecr.dkr')!;
    expect(covered.action.kind).toBe('covered');
    expect(covered.status).toBe('skip');
    expect(covered.message).toContain(`covered by ${foreign}`);
    const dkr = (await endpointsOf(ec2, layout.vpcId)).filter((e) => e.ServiceName === svc('ecr.dkr'));
    expect(dkr.map((e) => e.VpcEndpointId)).toEqual([foreign]);
    expect(dkr[0]!.SubnetIds).toEqual([layout.privateSubnetIds[0]]);
    expect(log.writes().filter((c) => c === 'ModifyVpcEndpointCommand')).toEqual([]);
  });

  it('makes the security group admit 443 from a secondary CIDR, also when it is added later', async () => {
    // Prepare
    const config = parseConfig({ ssmEndpoints: 'never' });
    const layout = await createVpcLayout(ec2, { azs: 2, tags: OPTED_IN, secondaryCidr: '10.1.0.0/16' });
    const admitted = async (): Promise<string[]> => {
      const groups = await ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [layout.vpcId] },
            { Name: 'group-name', Values: ['privatelink-ecs-endpoints'] },
          ],
        }),
      );
      expect(groups.SecurityGroups).toHaveLength(1);
      return groups
        .SecurityGroups![0]!.IpPermissions!.flatMap((p) =>
          p.FromPort === 443 ? (p.IpRanges ?? []).map((r) => r.CidrIp!) : [],
        )
        .sort();
    };

    // Act
    await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    expect(await admitted()).toEqual(['10.0.0.0/16', '10.1.0.0/16']);

    // Act: a third CIDR is associated after the group exists
    await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: layout.vpcId, CidrBlock: '10.2.0.0/16' }));
    const later = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    expect(later.actions.map((a) => a.kind)).toEqual(['authorize-security-group-ingress']);
    expect(later.actions[0]!.cidrs).toEqual(['10.2.0.0/16']);
    expect(await admitted()).toEqual(['10.0.0.0/16', '10.1.0.0/16', '10.2.0.0/16']);
  });

  it('refuses an untagged VPC with NotOptedIn and no writes, and goes ahead with force', async () => {
    // Prepare
    const config = parseConfig({ ssmEndpoints: 'never' });
    const layout = await createVpcLayout(ec2, { azs: 2 });
    const log = recordCalls(ec2);

    // Act + Assess: refused
    await expect(reconcileVpc(ec2, config, { vpcId: layout.vpcId })).rejects.toThrow(NotOptedInError);
    await expect(reconcileVpc(ec2, config, { vpcId: layout.vpcId })).rejects.toThrow(
      'tag it privatelink-ecs=enabled',
    );
    expect(log.writes()).toEqual([]);

    // Act: forced
    const forced = await reconcileVpc(ec2, config, { vpcId: layout.vpcId, force: true });

    // Assess
    expect(forced.optedIn).toBe(false);
    expect(forced.converged).toBe(true);
    expect((await endpointsOf(ec2, layout.vpcId)).length).toBe(6);
  });
});
