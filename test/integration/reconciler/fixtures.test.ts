import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { createAwsClients } from '../../../shared/clients';
import { createVpcLayout, registerContainerInstances } from '../../support/fixtures';
import { resetMoto } from '../../support/moto';

describe('shared integration fixtures', () => {
  const clients = createAwsClients();

  beforeEach(resetMoto);

  it('builds a 3-AZ public/private layout with one public and three private route tables', async () => {
    // Act
    const layout = await createVpcLayout(clients.ec2, {
      azs: 3,
      publicAndPrivate: true,
      dnsHostnames: false,
      tags: { 'privatelink-ecs': 'enabled' },
      secondaryCidr: '10.1.0.0/16',
    });

    // Assess
    const vpc = await clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [layout.vpcId] }));
    expect(vpc.Vpcs![0]!.Tags).toEqual([{ Key: 'privatelink-ecs', Value: 'enabled' }]);
    expect(vpc.Vpcs![0]!.CidrBlockAssociationSet!.map((c) => c.CidrBlock).sort()).toEqual([
      '10.0.0.0/16',
      '10.1.0.0/16',
    ]);
    const hostnames = await clients.ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: layout.vpcId, Attribute: 'enableDnsHostnames' }),
    );
    expect(hostnames.EnableDnsHostnames?.Value).toBe(false);
    const subnets = await clients.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
    );
    expect(subnets.Subnets).toHaveLength(6);
    expect(new Set(subnets.Subnets!.map((s) => s.AvailabilityZone)).size).toBe(3);
    expect(layout.privateRouteTableIds).toHaveLength(3);
    const tables = await clients.ec2.send(
      new DescribeRouteTablesCommand({ RouteTableIds: [layout.publicRouteTableId!] }),
    );
    expect(tables.RouteTables![0]!.Routes).toContainEqual(
      expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: layout.internetGatewayId }),
    );
    expect(tables.RouteTables![0]!.Associations!.map((a) => a.SubnetId).sort()).toEqual(
      [...layout.publicSubnetIds].sort(),
    );
  });

  it('registers EC2 instances as ECS container instances of a cluster', async () => {
    // Prepare
    const layout = await createVpcLayout(clients.ec2, { azs: 1 });

    // Act
    const created = await registerContainerInstances(clients, {
      clusterName: 'fixture-cluster',
      subnetId: layout.privateSubnetIds[0]!,
      count: 2,
    });

    // Assess
    expect(created.instanceIds).toHaveLength(2);
    const described = await clients.ecs.send(
      new DescribeContainerInstancesCommand({
        cluster: 'fixture-cluster',
        containerInstances: created.containerInstanceArns,
      }),
    );
    expect(described.containerInstances!.map((c) => c.ec2InstanceId).sort()).toEqual(
      [...created.instanceIds].sort(),
    );
  });
});
