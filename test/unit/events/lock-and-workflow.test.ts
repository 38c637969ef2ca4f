import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { VpcBusyError } from '../../../shared/errors';
import { DynamoDbVpcLock } from '../../../shared/events/lock';
import { executionName, findRunningExecution, startRemediation } from '../../../shared/events/workflow';

const dynamo = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const VPC = 'vpc-0a1b2c3d4e5f60718';
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:sm';

/** A ListExecutions page with one RUNNING execution of the test state machine. */
function runningPage(name: string) {
  return {
    executions: [
      {
        name,
        executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${name}`,
        stateMachineArn: SM,
        status: 'RUNNING' as const,
        startDate: new Date(),
      },
    ],
  };
}

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
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
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
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
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

  it('starts nothing while an execution for the same VPC is running, and says which one', async () => {
    // Prepare
    const running = executionName(VPC, 'event@earlier');
    sfn.on(ListExecutionsCommand).resolves(runningPage(running));

    // Act
    const outcome = await startRemediation(new SFNClient({}), {
      stateMachineArn: SM,
      vpcId: VPC,
      name: executionName(VPC, 'event@later'),
      trigger: { eventId: 'later', kind: 'ecs-instance-state' },
      reasons: ['not every endpoint is available yet'],
    });

    // Assess
    expect(outcome).toEqual({
      name: executionName(VPC, 'event@later'),
      attempted: true,
      started: false,
      duplicate: false,
      alreadyRunning: running,
      reasons: ['not every endpoint is available yet'],
    });
    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: SM,
      statusFilter: 'RUNNING',
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('supersedes a running execution when this event changed the endpoints: starts the new one, then stops the old', async () => {
    // Prepare: the running execution may be past its endpoint wait, so it would not restart for the change.
    const running = executionName(VPC, 'event@earlier');
    sfn.on(ListExecutionsCommand).resolves(runningPage(running));
    const name = executionName(VPC, 'event@sweep');
    sfn.on(StartExecutionCommand).resolves({
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${name}`,
      startDate: new Date(),
    });

    // Act
    const outcome = await startRemediation(new SFNClient({}), {
      stateMachineArn: SM,
      vpcId: VPC,
      name,
      trigger: { eventId: 'sweep', kind: 'sweep' },
      reasons: ['endpoints were created or changed'],
      endpointsChanged: true,
    });

    // Assess
    expect(outcome).toMatchObject({
      name,
      attempted: true,
      started: true,
      duplicate: false,
      superseded: running,
    });
    expect(outcome.alreadyRunning).toBeUndefined();
    expect(outcome.stopFailed).toBeUndefined();
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: SM,
        name,
        input: JSON.stringify({ vpcId: VPC, trigger: { eventId: 'sweep', kind: 'sweep' } }),
      },
    ]);
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${running}`,
        error: 'Superseded',
        cause: `the endpoints changed while it ran; execution ${name} takes over`,
      },
    ]);
    const [start] = sfn.commandCalls(StartExecutionCommand);
    const [stop] = sfn.commandCalls(StopExecutionCommand);
    expect(start!.calledBefore(stop!)).toBe(true);
  });

  it('reports a superseded execution it could not stop, and still counts the new one as started', async () => {
    // Prepare
    const running = executionName(VPC, 'event@earlier');
    sfn.on(ListExecutionsCommand).resolves(runningPage(running));
    const name = executionName(VPC, 'event@sweep-2');
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${name}` });
    sfn
      .on(StopExecutionCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: {} }));

    // Act
    const outcome = await startRemediation(new SFNClient({}), {
      stateMachineArn: SM,
      vpcId: VPC,
      name,
      trigger: { eventId: 'sweep-2', kind: 'sweep' },
      reasons: ['endpoints were created or changed'],
      endpointsChanged: true,
    });

    // Assess
    expect(outcome).toMatchObject({
      started: true,
      superseded: running,
      stopFailed: 'AccessDeniedException: not authorized',
    });
  });

  it('follows every page of running executions and ignores other VPCs, even one whose ID extends this one', async () => {
    // Prepare: vpc-0a1b…18 is a prefix of vpc-0a1b…18ff, which must not count as the same VPC.
    const other = `${VPC}ff`;
    const summary = (name: string) => ({
      name,
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${name}`,
      stateMachineArn: SM,
      status: 'RUNNING' as const,
      startDate: new Date(),
    });
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({ executions: [summary(executionName(other, 'event@a'))], nextToken: 'page-2' })
      .resolvesOnce({ executions: [summary(`cli-${VPC}-1700000000000-0a1b2c3d`)] });

    // Act
    const found = await findRunningExecution(new SFNClient({}), SM, VPC);

    // Assess
    expect(found).toBeUndefined();
    expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      'page-2',
    ]);
  });

  it('throws a failed ListExecutions so the platform retries, and starts nothing', async () => {
    // Prepare
    sfn
      .on(ListExecutionsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const outcome = startRemediation(new SFNClient({}), {
      stateMachineArn: SM,
      vpcId: VPC,
      name: executionName(VPC, 'event@e'),
      trigger: { eventId: 'e', kind: 'sweep' },
      reasons: [],
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
