// Contract: ECS, SSM Run Command and DynamoDB behave alike in moto and in the simulated account, for the
// behaviours moto models. The shared fixtures build through API calls, so they run on both too.
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeNatGatewaysCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { createVpcLayout, registerContainerInstances } from '../../support/fixtures';
import { errorOf } from '../../unit/sim/support';
import { type ContractTarget, TARGETS } from './targets';

describe.each(TARGETS)('ECS, SSM and DynamoDB contract against %s', (_name, makeTarget) => {
  let target: ContractTarget;

  beforeEach(async () => {
    target = await makeTarget();
  });

  it('builds the shared fixture layout with a NAT gateway and container instances', async () => {
    // Act
    const layout = await createVpcLayout(target.clients.ec2, {
      azs: 3,
      nat: true,
      secondaryCidr: '10.1.0.0/16',
    });
    const registered = await registerContainerInstances(target.clients, {
      clusterName: 'fixture',
      subnetId: layout.privateSubnetIds[0]!,
      count: 2,
    });
    const nat = await target.clients.ec2.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
    );
    const privateTables = await target.clients.ec2.send(
      new DescribeRouteTablesCommand({ RouteTableIds: layout.privateRouteTableIds }),
    );

    // Assess
    expect(layout.privateSubnetIds).toHaveLength(3);
    expect(layout.publicSubnetIds).toHaveLength(3);
    expect(layout.cidrs).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
    expect(nat.NatGateways?.map((n) => n.NatGatewayId)).toEqual([layout.natGatewayId]);
    for (const table of privateTables.RouteTables ?? []) {
      expect(table.Routes).toContainEqual(
        expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: layout.natGatewayId }),
      );
    }
    expect(registered.instanceIds).toHaveLength(2);
    expect(registered.containerInstanceArns).toHaveLength(2);
  }, 30_000);

  it('registers, lists and describes container instances', async () => {
    // Prepare
    const layout = await createVpcLayout(target.clients.ec2, { azs: 1, publicAndPrivate: false });
    const registered = await registerContainerInstances(target.clients, {
      clusterName: 'prod',
      subnetId: layout.privateSubnetIds[0]!,
      count: 3,
    });

    // Act
    const listed = await target.clients.ecs.send(new ListContainerInstancesCommand({ cluster: 'prod' }));
    const described = await target.clients.ecs.send(
      new DescribeContainerInstancesCommand({
        cluster: 'prod',
        containerInstances: listed.containerInstanceArns,
      }),
    );
    const clusters = await target.clients.ecs.send(
      new DescribeClustersCommand({ clusters: ['prod', 'missing'], include: ['TAGS'] }),
    );

    // Assess
    expect(listed.containerInstanceArns?.sort()).toEqual([...registered.containerInstanceArns].sort());
    expect(described.containerInstances?.map((c) => c.ec2InstanceId).sort()).toEqual(
      [...registered.instanceIds].sort(),
    );
    for (const ci of described.containerInstances ?? []) {
      expect(ci).toMatchObject({ status: 'ACTIVE', agentConnected: true });
      expect(ci.versionInfo?.agentVersion).toEqual(expect.any(String));
    }
    expect(clusters.clusters?.map((c) => c.clusterArn)).toEqual([registered.clusterArn]);
    expect(clusters.failures?.map((f) => f.reason)).toEqual(['MISSING']);
  });

  it('runs a shell command through SSM and reports the terminal invocation status', async () => {
    // Prepare
    const layout = await createVpcLayout(target.clients.ec2, { azs: 1, publicAndPrivate: false });
    const { instanceIds } = await registerContainerInstances(target.clients, {
      clusterName: 'ssm',
      subnetId: layout.privateSubnetIds[0]!,
      count: 1,
    });
    target.markSsmManaged(instanceIds);

    // Act
    const sent = await target.clients.ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: instanceIds,
        Parameters: { commands: ['echo hello'] },
        TimeoutSeconds: 60,
      }),
    );
    const commandId = sent.Command!.CommandId!;
    let status: string | undefined;
    for (let poll = 0; poll < 10 && !['Success', 'Failed', 'TimedOut'].includes(status ?? ''); poll++) {
      const invocation = await target.clients.ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceIds[0]! }),
      );
      status = invocation.Status;
    }

    // Assess
    expect(sent.Command).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: instanceIds });
    expect(status).toBe('Success');
  });

  describe('DynamoDB', () => {
    const TableName = 'contract-state';
    beforeEach(async () => {
      await target.clients.dynamodb.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [
            { AttributeName: 'id', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'id', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    });

    it('puts, gets and queries items on the partition key', async () => {
      // Act
      for (const sk of ['v#b', 'v#a', 'v#c']) {
        await target.clients.dynamodb.send(
          new PutItemCommand({ TableName, Item: { id: { S: 'vpc-1' }, sk: { S: sk }, n: { N: '1' } } }),
        );
      }
      await target.clients.dynamodb.send(
        new PutItemCommand({ TableName, Item: { id: { S: 'vpc-2' }, sk: { S: 'a' } } }),
      );
      const got = await target.clients.dynamodb.send(
        new GetItemCommand({ TableName, Key: { id: { S: 'vpc-1' }, sk: { S: 'v#a' } } }),
      );
      const queried = await target.clients.dynamodb.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: '#id = :id AND begins_with(#sk, :p)',
          ExpressionAttributeNames: { '#id': 'id', '#sk': 'sk' },
          ExpressionAttributeValues: { ':id': { S: 'vpc-1' }, ':p': { S: 'v#' } },
        }),
      );

      // Assess
      expect(got.Item).toEqual({ id: { S: 'vpc-1' }, sk: { S: 'v#a' }, n: { N: '1' } });
      expect(queried.Items?.map((i) => i.sk?.S)).toEqual(['v#a', 'v#b', 'v#c']);
    });

    it('rejects an empty string in a key attribute with ValidationException', async () => {
      // Act
      const err = await errorOf(
        target.clients.dynamodb.send(
          new PutItemCommand({ TableName, Item: { id: { S: 'x' }, sk: { S: '' } } }),
        ),
      );

      // Assess
      expect(err.name).toBe('ValidationException');
    });

    it('rejects a conditional put on an existing key with ConditionalCheckFailedException', async () => {
      // Prepare
      const put = () =>
        target.clients.dynamodb.send(
          new PutItemCommand({
            TableName,
            Item: { id: { S: 'lock' }, sk: { S: 'vpc-1' }, owner: { S: 'a' } },
            ConditionExpression: 'attribute_not_exists(#id) OR #exp < :now',
            ExpressionAttributeNames: { '#id': 'id', '#exp': 'expires' },
            ExpressionAttributeValues: { ':now': { N: '100' } },
          }),
        );
      await put();

      // Act
      const err = await errorOf(put());
      await target.clients.dynamodb.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: 'lock' }, sk: { S: 'vpc-1' } },
          UpdateExpression: 'SET #exp = :past',
          ExpressionAttributeNames: { '#exp': 'expires' },
          ExpressionAttributeValues: { ':past': { N: '50' } },
        }),
      );
      await put();
      const got = await target.clients.dynamodb.send(
        new GetItemCommand({ TableName, Key: { id: { S: 'lock' }, sk: { S: 'vpc-1' } } }),
      );

      // Assess
      expect(err).toBeInstanceOf(ConditionalCheckFailedException);
      expect(got.Item?.owner).toEqual({ S: 'a' });
      expect(got.Item?.expires).toBeUndefined();
    });
  });
});
