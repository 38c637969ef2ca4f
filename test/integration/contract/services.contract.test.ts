// Contract: ECS, SSM Run Command and DynamoDB behave alike in moto and in the simulated account, for the
// behaviours moto models. The shared fixtures build through API calls, so they run on both too.
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
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

  describe('DynamoDB (the calls the product makes)', () => {
    const TableName = 'contract-state';
    beforeEach(async () => {
      await target.clients.dynamodb.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    });

    it('puts, batch-writes and gets items by partition key (the workflow state store)', async () => {
      // Act
      await target.clients.dynamodb.send(
        new PutItemCommand({ TableName, Item: { id: { S: 'run-1' }, n: { N: '1' } } }),
      );
      await target.clients.dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [TableName]: ['run-1#0', 'run-1#1'].map((id) => ({
              PutRequest: { Item: { id: { S: id }, batch: { L: [{ S: 'i-1' }] } } },
            })),
          },
        }),
      );
      const get = (id: string) =>
        target.clients.dynamodb.send(
          new GetItemCommand({ TableName, Key: { id: { S: id } }, ConsistentRead: true }),
        );
      const [first, batched, missing] = await Promise.all([get('run-1'), get('run-1#1'), get('run-2')]);

      // Assess
      expect(first.Item).toEqual({ id: { S: 'run-1' }, n: { N: '1' } });
      expect(batched.Item).toEqual({ id: { S: 'run-1#1' }, batch: { L: [{ S: 'i-1' }] } });
      expect(missing.Item).toBeUndefined();
    });

    it('rejects an empty string in a key attribute with ValidationException', async () => {
      // Act
      const err = await errorOf(
        target.clients.dynamodb.send(new PutItemCommand({ TableName, Item: { id: { S: '' } } })),
      );

      // Assess
      expect(err.name).toBe('ValidationException');
    });

    it('takes, refuses and releases a lease with conditional writes (the per-VPC lock)', async () => {
      // Prepare
      const take = (owner: string, now: number) =>
        target.clients.dynamodb.send(
          new PutItemCommand({
            TableName,
            Item: { id: { S: 'lock#vpc-1' }, owner: { S: owner }, leaseUntilMs: { N: String(now + 100) } },
            ConditionExpression: 'attribute_not_exists(id) OR leaseUntilMs < :now',
            ExpressionAttributeValues: { ':now': { N: String(now) } },
          }),
        );
      const release = (owner: string) =>
        target.clients.dynamodb.send(
          new DeleteItemCommand({
            TableName,
            Key: { id: { S: 'lock#vpc-1' } },
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': { S: owner } },
          }),
        );
      await take('a', 1000);

      // Act
      const held = await errorOf(take('b', 1050));
      const notMine = await errorOf(release('b'));
      await take('b', 1200);
      await release('b');
      const after = await target.clients.dynamodb.send(
        new GetItemCommand({ TableName, Key: { id: { S: 'lock#vpc-1' } } }),
      );

      // Assess
      expect(held).toBeInstanceOf(ConditionalCheckFailedException);
      expect(notMine).toBeInstanceOf(ConditionalCheckFailedException);
      expect(after.Item).toBeUndefined();
    });

    it('evaluates the idempotency put condition and updates the record with SET (Powertools idempotency)', async () => {
      // Prepare: the condition and update DynamoDBPersistenceLayer sends
      const put = () =>
        target.clients.dynamodb.send(
          new PutItemCommand({
            TableName,
            Item: { id: { S: 'fn#hash' }, expiration: { N: '200' }, status: { S: 'INPROGRESS' } },
            ConditionExpression:
              'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
            ExpressionAttributeNames: {
              '#id': 'id',
              '#expiry': 'expiration',
              '#in_progress_expiry': 'in_progress_expiration',
              '#status': 'status',
            },
            ExpressionAttributeValues: {
              ':now': { N: '100' },
              ':now_in_millis': { N: '100000' },
              ':inprogress': { S: 'INPROGRESS' },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      await put();

      // Act
      const again = (await errorOf(put())) as Error & { Item?: unknown };
      await target.clients.dynamodb.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: 'fn#hash' } },
          UpdateExpression: 'SET #expiry = :expiry, #status = :status, #response_data = :response_data',
          ExpressionAttributeNames: {
            '#expiry': 'expiration',
            '#status': 'status',
            '#response_data': 'data',
          },
          ExpressionAttributeValues: {
            ':expiry': { N: '50' },
            ':status': { S: 'COMPLETED' },
            ':response_data': { S: '{"ok":true}' },
          },
        }),
      );
      await put();
      const got = await target.clients.dynamodb.send(
        new GetItemCommand({ TableName, Key: { id: { S: 'fn#hash' } }, ConsistentRead: true }),
      );

      // Assess: refused while in progress and unexpired, with the old item; accepted once expired
      expect(again).toBeInstanceOf(ConditionalCheckFailedException);
      expect(again.Item).toMatchObject({ id: { S: 'fn#hash' }, status: { S: 'INPROGRESS' } });
      expect(got.Item).toEqual({
        id: { S: 'fn#hash' },
        expiration: { N: '200' },
        status: { S: 'INPROGRESS' },
      });
    });
  });
});
