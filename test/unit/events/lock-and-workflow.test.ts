import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { VpcBusyError } from '../../../shared/errors';
import { DynamoDbVpcLock } from '../../../shared/events/lock';
import { executionName, startRemediation } from '../../../shared/events/workflow';

const dynamo = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const VPC = 'vpc-0a1b2c3d4e5f60718';

afterEach(() => {
  dynamo.reset();
  sfn.reset();
});

function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1_700_000_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe('per-VPC lease lock', () => {
  it('takes the lease with a conditional put, runs the work, and releases only its own lease', async () => {
    // Prepare
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    const lock = new DynamoDbVpcLock(new DynamoDBClient({}), { tableName: 'table', owner: 'worker-1' });

    // Act
    const result = await lock.withLock(VPC, async () => 'done');

    // Assess
    expect(result).toBe('done');
    const put = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      TableName: 'table',
      Item: { id: { S: `lock#${VPC}` } },
      ConditionExpression: 'attribute_not_exists(id) OR leaseUntilMs < :now',
    });
    const del = dynamo.commandCalls(DeleteItemCommand)[0]!.args[0].input;
    expect(del).toMatchObject({ Key: { id: { S: `lock#${VPC}` } }, ConditionExpression: '#owner = :owner' });
    expect(del.ExpressionAttributeValues?.[':owner']).toEqual(put.Item?.owner);
  });

  it('waits with growing back-off while the lease is held, then throws VpcBusy after the bounded wait', async () => {
    // Prepare
    dynamo
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'held', $metadata: {} }));
    const clock = fakeClock();
    const lock = new DynamoDbVpcLock(new DynamoDBClient({}), {
      tableName: 'table',
      maxWaitMs: 5_000,
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      now: clock.now,
      sleep: clock.sleep,
    });
    const work = jest.fn(async () => 'never');

    // Act + Assess
    await expect(lock.withLock(VPC, work)).rejects.toBeInstanceOf(VpcBusyError);
    expect(work).not.toHaveBeenCalled();
    expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(0);
    expect(clock.slept.length).toBeGreaterThan(3);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
    expect(Math.max(...clock.slept)).toBeLessThanOrEqual(1_000);
    expect(clock.slept[3]!).toBeGreaterThan(clock.slept[0]!);
  });

  it('releases the lease when the work throws, and rethrows', async () => {
    // Prepare
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    const lock = new DynamoDbVpcLock(new DynamoDBClient({}), { tableName: 'table' });

    // Act + Assess
    await expect(lock.withLock(VPC, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(1);
  });
});

describe('workflow start', () => {
  it('names executions deterministically within the Step Functions name rules', () => {
    const name = executionName(VPC, 'event@5c2f6a1e');
    expect(name).toBe(executionName(VPC, 'event@5c2f6a1e'));
    expect(name).not.toBe(executionName(VPC, 'event@other'));
    expect(name).toMatch(/^[a-z0-9-]{1,80}$/);
    expect(name.startsWith(`${VPC}-`)).toBe(true);
  });

  it('sends the VPC and trigger as input and treats ExecutionAlreadyExists as a duplicate', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:x',
        startDate: new Date(),
      })
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const params = {
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm',
      vpcId: VPC,
      name: 'n',
      trigger: { eventId: 'e-1', kind: 'vpc-tag-change' },
      reasons: ['endpoints were created or changed'],
    };

    // Act
    const first = await startRemediation(new SFNClient({}), params);
    const second = await startRemediation(new SFNClient({}), params);

    // Assess
    expect(first).toMatchObject({ started: true, duplicate: false });
    expect(second).toMatchObject({ started: false, duplicate: true });
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({
      vpcId: VPC,
      trigger: { eventId: 'e-1', kind: 'vpc-tag-change' },
    });
  });

  it('throws any other StartExecution error so the platform retries', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(
      startRemediation(new SFNClient({}), {
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm',
        vpcId: VPC,
        name: 'n',
        trigger: { eventId: 'e-1', kind: 'sweep' },
        reasons: [],
      }),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
