// Contract: the simulated account's EC2 behaves like moto's for everything moto can answer.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVpcEndpointCommand,
  DeleteTagsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { createVpcLayout, type VpcLayout } from '../../support/fixtures';
import { errorOf } from '../../unit/sim/support';
import { type ContractTarget, TARGETS } from './targets';

const REGION = 'us-east-1';
const svc = (name: string) => `com.amazonaws.${REGION}.${name}`;

/** Endpoints settle asynchronously on real AWS and in the simulation; moto shows them available at once. */
async function waitAvailable(ec2: EC2Client, id: string): Promise<VpcEndpoint> {
  for (let poll = 0; poll < 10; poll++) {
    const { VpcEndpoints } = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
    const ep = VpcEndpoints?.[0];
    if (ep?.State?.toLowerCase() === 'available') return ep;
  }
  throw new Error(`endpoint ${id} did not become available within 10 polls`);
}

describe.each(TARGETS)('EC2 contract against %s', (_name, makeTarget) => {
  let target: ContractTarget;
  let ec2: EC2Client;

  beforeEach(async () => {
    target = await makeTarget();
    ec2 = target.clients.ec2;
  });

  describe('VPCs', () => {
    let layout: VpcLayout;
    beforeEach(async () => {
      layout = await createVpcLayout(ec2, {
        azs: 2,
        tags: { 'privatelink-ecs': 'enabled', team: 'platform' },
      });
    });

    it('finds a tagged VPC by vpc-id, tag:<key>, tag-key and cidr filters', async () => {
      // Act
      const byTag = await ec2.send(
        new DescribeVpcsCommand({ Filters: [{ Name: 'tag:privatelink-ecs', Values: ['enabled'] }] }),
      );
      const byKey = await ec2.send(
        new DescribeVpcsCommand({ Filters: [{ Name: 'tag-key', Values: ['team'] }] }),
      );
      const byCidr = await ec2.send(
        new DescribeVpcsCommand({
          Filters: [
            { Name: 'cidr', Values: ['10.0.0.0/16'] },
            { Name: 'vpc-id', Values: [layout.vpcId] },
          ],
        }),
      );
      const wrongValue = await ec2.send(
        new DescribeVpcsCommand({ Filters: [{ Name: 'tag:privatelink-ecs', Values: ['disabled'] }] }),
      );

      // Assess
      expect(byTag.Vpcs?.map((v) => v.VpcId)).toEqual([layout.vpcId]);
      expect(byKey.Vpcs?.map((v) => v.VpcId)).toEqual([layout.vpcId]);
      expect(byCidr.Vpcs?.map((v) => v.VpcId)).toEqual([layout.vpcId]);
      expect(byTag.Vpcs?.[0]?.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'privatelink-ecs', Value: 'enabled' },
          { Key: 'team', Value: 'platform' },
        ]),
      );
      expect(wrongValue.Vpcs).toEqual([]);
    });

    it('rejects an unknown VPC ID with InvalidVpcID.NotFound', async () => {
      // Act
      const err = await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })));

      // Assess
      expect(err.name).toBe('InvalidVpcID.NotFound');
    });

    it('reports and changes the DNS attributes', async () => {
      // Act
      const before = await ec2.send(
        new DescribeVpcAttributeCommand({ VpcId: layout.vpcId, Attribute: 'enableDnsHostnames' }),
      );
      await ec2.send(
        new ModifyVpcAttributeCommand({ VpcId: layout.vpcId, EnableDnsHostnames: { Value: true } }),
      );
      const after = await ec2.send(
        new DescribeVpcAttributeCommand({ VpcId: layout.vpcId, Attribute: 'enableDnsHostnames' }),
      );
      const support = await ec2.send(
        new DescribeVpcAttributeCommand({ VpcId: layout.vpcId, Attribute: 'enableDnsSupport' }),
      );

      // Assess
      expect(before.EnableDnsHostnames?.Value).toBe(false);
      expect(after.EnableDnsHostnames?.Value).toBe(true);
      expect(support.EnableDnsSupport?.Value).toBe(true);
    });

    it('filters subnets by vpc-id and availability-zone', async () => {
      // Act
      const all = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
      );
      const inFirstAz = await ec2.send(
        new DescribeSubnetsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [layout.vpcId] },
            { Name: 'availability-zone', Values: [layout.azNames[0]!] },
          ],
        }),
      );

      // Assess
      expect(all.Subnets?.map((s) => s.SubnetId).sort()).toEqual(
        [...layout.publicSubnetIds, ...layout.privateSubnetIds].sort(),
      );
      expect(inFirstAz.Subnets?.map((s) => s.SubnetId).sort()).toEqual(
        [layout.publicSubnetIds[0]!, layout.privateSubnetIds[0]!].sort(),
      );
      expect(inFirstAz.Subnets?.every((s) => s.AvailabilityZone === layout.azNames[0])).toBe(true);
    });

    it('shows the main route table and subnet associations through filters', async () => {
      // Act
      const main = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [layout.vpcId] },
            { Name: 'association.main', Values: ['true'] },
          ],
        }),
      );
      const forSubnet = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: 'association.subnet-id', Values: [layout.privateSubnetIds[1]!] }],
        }),
      );

      // Assess
      expect(main.RouteTables).toHaveLength(1);
      expect(main.RouteTables?.[0]?.Associations?.some((a) => a.Main)).toBe(true);
      expect(forSubnet.RouteTables?.map((r) => r.RouteTableId)).toEqual([layout.privateRouteTableIds[1]]);
      expect(forSubnet.RouteTables?.[0]?.Routes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }),
        ]),
      );
    });

    it('creates a security group, finds it by name and records a 443 ingress rule once', async () => {
      // Prepare
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({
          VpcId: layout.vpcId,
          GroupName: 'endpoints',
          Description: 'endpoints',
        }),
      );
      const rule = {
        GroupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
        ],
      };

      // Act
      await ec2.send(new AuthorizeSecurityGroupIngressCommand(rule));
      const duplicate = await errorOf(ec2.send(new AuthorizeSecurityGroupIngressCommand(rule)));
      const found = await ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [layout.vpcId] },
            { Name: 'group-name', Values: ['endpoints'] },
          ],
        }),
      );

      // Assess
      expect(duplicate.name).toBe('InvalidPermission.Duplicate');
      expect(found.SecurityGroups?.map((g) => g.GroupId)).toEqual([GroupId]);
      expect(found.SecurityGroups?.[0]?.IpPermissions).toEqual([
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: '10.0.0.0/16' }],
        }),
      ]);
    });

    it('rejects a duplicate security group name in the same VPC', async () => {
      // Prepare
      await ec2.send(
        new CreateSecurityGroupCommand({ VpcId: layout.vpcId, GroupName: 'dup', Description: 'x' }),
      );

      // Act
      const err = await errorOf(
        ec2.send(new CreateSecurityGroupCommand({ VpcId: layout.vpcId, GroupName: 'dup', Description: 'x' })),
      );

      // Assess
      expect(err.name).toBe('InvalidGroup.Duplicate');
    });

    it('adds and removes tags', async () => {
      // Act
      await ec2.send(
        new CreateTagsCommand({ Resources: [layout.vpcId], Tags: [{ Key: 'extra', Value: '1' }] }),
      );
      const tagged = await ec2.send(new DescribeVpcsCommand({ VpcIds: [layout.vpcId] }));
      await ec2.send(new DeleteTagsCommand({ Resources: [layout.vpcId], Tags: [{ Key: 'extra' }] }));
      const untagged = await ec2.send(new DescribeVpcsCommand({ VpcIds: [layout.vpcId] }));

      // Assess
      expect(tagged.Vpcs?.[0]?.Tags).toContainEqual({ Key: 'extra', Value: '1' });
      expect(untagged.Vpcs?.[0]?.Tags?.map((t) => t.Key)).not.toContain('extra');
    });
  });

  describe('VPC endpoints', () => {
    let layout: VpcLayout;
    let groupId: string;
    beforeEach(async () => {
      layout = await createVpcLayout(ec2, { azs: 2, dnsHostnames: true });
      groupId = (
        await ec2.send(
          new CreateSecurityGroupCommand({ VpcId: layout.vpcId, GroupName: 'vpce', Description: 'vpce' }),
        )
      ).GroupId!;
    });

    it('creates an interface endpoint with private DNS and finds it through every filter', async () => {
      // Act
      const created = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: layout.vpcId,
          ServiceName: svc('ecr.api'),
          VpcEndpointType: 'Interface',
          SubnetIds: [layout.privateSubnetIds[0]!],
          SecurityGroupIds: [groupId],
          PrivateDnsEnabled: true,
          TagSpecifications: [
            {
              ResourceType: 'vpc-endpoint',
              Tags: [{ Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' }],
            },
          ],
        }),
      );
      const id = created.VpcEndpoint!.VpcEndpointId!;
      const available = await waitAvailable(ec2, id);
      const filtered = await ec2.send(
        new DescribeVpcEndpointsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [layout.vpcId] },
            { Name: 'service-name', Values: [svc('ecr.api')] },
            { Name: 'vpc-endpoint-type', Values: ['Interface'] },
            { Name: 'tag:privatelink-ecs:managed', Values: ['privatelink-ecs'] },
            { Name: 'tag-key', Values: ['privatelink-ecs:managed'] },
          ],
        }),
      );
      const otherService = await ec2.send(
        new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'service-name', Values: [svc('ecr.dkr')] }] }),
      );

      // Assess
      expect(id).toMatch(/^vpce-[0-9a-f]+$/);
      expect(available).toMatchObject({
        VpcId: layout.vpcId,
        ServiceName: svc('ecr.api'),
        VpcEndpointType: 'Interface',
        SubnetIds: [layout.privateSubnetIds[0]],
        PrivateDnsEnabled: true,
      });
      expect(available.Groups?.map((g) => g.GroupId)).toEqual([groupId]);
      expect(available.CreationTimestamp).toBeInstanceOf(Date);
      expect(filtered.VpcEndpoints?.map((e) => e.VpcEndpointId)).toEqual([id]);
      expect(otherService.VpcEndpoints).toEqual([]);
    });

    it('adds a subnet to an interface endpoint with ModifyVpcEndpoint', async () => {
      // Prepare
      const created = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: layout.vpcId,
          ServiceName: svc('ecs'),
          VpcEndpointType: 'Interface',
          SubnetIds: [layout.privateSubnetIds[0]!],
          SecurityGroupIds: [groupId],
        }),
      );
      const id = created.VpcEndpoint!.VpcEndpointId!;

      // Act
      await ec2.send(
        new ModifyVpcEndpointCommand({ VpcEndpointId: id, AddSubnetIds: [layout.privateSubnetIds[1]!] }),
      );
      const { VpcEndpoints } = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));

      // Assess
      expect(VpcEndpoints?.[0]?.SubnetIds?.sort()).toEqual([...layout.privateSubnetIds].sort());
    });

    it('creates an S3 gateway endpoint that routes the given route tables, and adds one more', async () => {
      // Act
      const created = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: layout.vpcId,
          ServiceName: svc('s3'),
          VpcEndpointType: 'Gateway',
          RouteTableIds: [layout.privateRouteTableIds[0]!],
        }),
      );
      const id = created.VpcEndpoint!.VpcEndpointId!;
      await ec2.send(
        new ModifyVpcEndpointCommand({
          VpcEndpointId: id,
          AddRouteTableIds: [layout.privateRouteTableIds[1]!],
        }),
      );
      const gateways = await ec2.send(
        new DescribeVpcEndpointsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [layout.vpcId] },
            { Name: 'vpc-endpoint-type', Values: ['Gateway'] },
          ],
        }),
      );
      const interfaces = await ec2.send(
        new DescribeVpcEndpointsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [layout.vpcId] },
            { Name: 'vpc-endpoint-type', Values: ['Interface'] },
          ],
        }),
      );
      const tables = await ec2.send(
        new DescribeRouteTablesCommand({ RouteTableIds: [layout.privateRouteTableIds[0]!] }),
      );

      // Assess
      expect(gateways.VpcEndpoints?.map((e) => e.VpcEndpointId)).toEqual([id]);
      expect(gateways.VpcEndpoints?.[0]?.RouteTableIds?.sort()).toEqual(
        [...layout.privateRouteTableIds].sort(),
      );
      expect(interfaces.VpcEndpoints).toEqual([]);
      expect(tables.RouteTables?.[0]?.Routes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ GatewayId: id, DestinationPrefixListId: expect.stringMatching(/^pl-/) }),
        ]),
      );
    });
  });
});
