// What only the simulated account models for ECS, SSM, Step Functions, EventBridge and DynamoDB: the Run
// Command invocation lifecycle, agent reconnects and updates, API limits, and execution name rules.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeContainerInstancesCommand, UpdateContainerAgentCommand } from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { LATEST_AGENT_VERSION, SimulatedAccount } from '../../../devkit/sim';
import { errorOf, RESTART } from './support';

describe('simulated ECS and SSM', () => {
  let account: SimulatedAccount;
  let vpcId: string;

  beforeEach(() => {
    account = new SimulatedAccount();
    vpcId = account.addVpc({ cidr: '10.0.0.0/16', layout: 'private-only' }).vpcId;
  });

  const poll = async (commandId: string, instanceId: string, times: number) => {
    const { ssm } = account.clients();
    const seen: string[] = [];
    for (let i = 0; i < times; i++) {
      const out = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
      );
      seen.push(out.Status!);
    }
    return seen;
  };

  const connected = async (arns: string[]) => {
    const out = await account
      .clients()
      .ecs.send(new DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: arns }));
    return out.containerInstances!.map((c) => c.agentConnected);
  };

  it('moves an invocation through InProgress to Success and reconnects the restarted agent', async () => {
    // Prepare
    const { instanceIds, containerInstanceArns } = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 1,
    });
    account.setInstanceBehaviour(instanceIds[0]!, { commandPolls: 2, reconnectPolls: 1 });

    // Act
    const sent = await account
      .clients()
      .ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: instanceIds }));
    const seen = await poll(sent.Command!.CommandId!, instanceIds[0]!, 4);
    const agent = [...(await connected(containerInstanceArns)), ...(await connected(containerInstanceArns))];

    // Assess
    expect(sent.Command!.Status).toBe('Pending');
    expect(seen).toEqual(['InProgress', 'InProgress', 'Success', 'Success']);
    expect(agent).toEqual([false, true]);
  });

  it('reports Failed and TimedOut invocations and an agent that never reconnects', async () => {
    // Prepare
    const { instanceIds, containerInstanceArns } = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 3,
    });
    const [ok, failing, slow] = instanceIds as [string, string, string];
    account.setInstanceBehaviour(ok, { commandPolls: 0, reconnects: false });
    account.setInstanceBehaviour(failing, { commandPolls: 0, command: 'Failed' });
    account.setInstanceBehaviour(slow, { commandPolls: 0, command: 'TimedOut' });

    // Act
    const sent = await account
      .clients()
      .ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: instanceIds }));
    const listed = await account
      .clients()
      .ssm.send(new ListCommandInvocationsCommand({ CommandId: sent.Command!.CommandId!, Details: true }));
    const agents = [...(await connected(containerInstanceArns)), ...(await connected(containerInstanceArns))];

    // Assess
    const byInstance = Object.fromEntries(listed.CommandInvocations!.map((i) => [i.InstanceId, i.Status]));
    expect(byInstance).toEqual({ [ok]: 'Success', [failing]: 'Failed', [slow]: 'TimedOut' });
    expect(agents).toEqual([false, true, true, false, true, true]);
  });

  it('fails an invocation on an instance that is not SSM-managed as Undeliverable, and rejects a command with none', async () => {
    // Prepare
    const managed = account.addContainerInstances({ vpcId, clusterName: 'prod', count: 1 }).instanceIds;
    const unmanaged = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 1,
      ssmManaged: false,
    }).instanceIds;
    const { ssm } = account.clients();

    // Act
    const sent = await ssm.send(
      new SendCommandCommand({ ...RESTART, InstanceIds: [...managed, ...unmanaged] }),
    );
    const undeliverable = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: unmanaged[0]! }),
    );
    const none = await errorOf(ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: unmanaged })));
    const info = await ssm.send(new DescribeInstanceInformationCommand({}));

    // Assess
    expect(undeliverable).toMatchObject({ Status: 'Failed', StatusDetails: 'Undeliverable' });
    expect(none.name).toBe('InvalidInstanceId');
    expect(info.InstanceInformationList?.map((i) => [i.InstanceId, i.PingStatus])).toEqual([
      [managed[0], 'Online'],
    ]);
  });

  it('fails a systemctl restart on an instance without systemd', async () => {
    // Prepare
    const { instanceIds } = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 1,
      usesSystemd: false,
    });
    account.setInstanceBehaviour(instanceIds[0]!, { commandPolls: 0 });

    // Act
    const sent = await account
      .clients()
      .ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: instanceIds }));
    const out = await account
      .clients()
      .ssm.send(
        new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: instanceIds[0]! }),
      );

    // Assess
    expect(out).toMatchObject({ Status: 'Failed', ResponseCode: 127 });
    expect(out.StandardErrorContent).toMatch(/systemctl: command not found/);
  });

  it('answers InvocationDoesNotExist for an instance the command did not target', async () => {
    // Prepare
    const { instanceIds } = account.addContainerInstances({ vpcId, clusterName: 'prod', count: 2 });
    const sent = await account
      .clients()
      .ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: [instanceIds[0]!] }));

    // Act
    const err = await errorOf(
      account.clients().ssm.send(
        new GetCommandInvocationCommand({
          CommandId: sent.Command!.CommandId!,
          InstanceId: instanceIds[1]!,
        }),
      ),
    );

    // Assess
    expect(err.name).toBe('InvocationDoesNotExist');
  });

  it('rejects SendCommand with more than 50 instances and DescribeContainerInstances with more than 100', async () => {
    // Prepare
    const added = account.addContainerInstances({ vpcId, clusterName: 'prod', count: 101 });

    // Act
    const send = await errorOf(
      account
        .clients()
        .ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: added.instanceIds.slice(0, 51) })),
    );
    const describe = await errorOf(
      account.clients().ecs.send(
        new DescribeContainerInstancesCommand({
          cluster: 'prod',
          containerInstances: added.containerInstanceArns,
        }),
      ),
    );

    // Assess
    expect(send.name).toBe('ValidationException');
    expect(describe.name).toBe('InvalidParameterException');
    expect(account.state.commands.size).toBe(0);
    expect(account.state.invocations.size).toBe(0);
  });

  it('walks an agent update through its stages to UPDATED, or to FAILED, and refuses an up-to-date agent', async () => {
    // Prepare
    const old = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 2,
      agentVersion: '1.20.0',
    });
    const current = account.addContainerInstances({ vpcId, clusterName: 'prod', count: 1 });
    account.setInstanceBehaviour(old.instanceIds[1]!, { agentUpdate: 'FAILED' });
    const { ecs } = account.clients();

    // Act
    for (const arn of old.containerInstanceArns) {
      await ecs.send(new UpdateContainerAgentCommand({ cluster: 'prod', containerInstance: arn }));
    }
    const stages: string[][] = [];
    let versions: string[] = [];
    for (let i = 0; i < 6; i++) {
      const out = await ecs.send(
        new DescribeContainerInstancesCommand({
          cluster: 'prod',
          containerInstances: old.containerInstanceArns,
        }),
      );
      stages.push(out.containerInstances!.map((c) => c.agentUpdateStatus!));
      versions = out.containerInstances!.map((c) => c.versionInfo!.agentVersion!);
    }
    const upToDate = await errorOf(
      ecs.send(
        new UpdateContainerAgentCommand({
          cluster: 'prod',
          containerInstance: current.containerInstanceArns[0]!,
        }),
      ),
    );

    // Assess
    expect(stages.map((s) => s[0])).toEqual([
      'PENDING',
      'STAGING',
      'STAGED',
      'UPDATING',
      'UPDATED',
      'UPDATED',
    ]);
    expect(stages.map((s) => s[1])).toEqual(['PENDING', 'STAGING', 'STAGED', 'UPDATING', 'FAILED', 'FAILED']);
    expect(versions).toEqual([LATEST_AGENT_VERSION, '1.20.0']);
    expect(upToDate.name).toBe('NoUpdateAvailableException');
  });
});

describe('simulated Step Functions, EventBridge and DynamoDB', () => {
  let account: SimulatedAccount;

  beforeEach(() => {
    account = new SimulatedAccount();
  });

  it('returns the running execution for the same name and input, and refuses the name with other input', async () => {
    // Prepare
    const stateMachineArn = account.addStateMachine('remediation');
    const { sfn } = account.clients();
    const start = (input: string) =>
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'vpc-1-evt-1', input }));

    // Act
    const first = await start('{"vpcId":"vpc-1"}');
    const again = await start('{"vpcId":"vpc-1"}');
    const other = await errorOf(start('{"vpcId":"vpc-2"}'));

    // Assess
    expect(again.executionArn).toBe(first.executionArn);
    expect(other.name).toBe('ExecutionAlreadyExists');
    expect(account.executions).toHaveLength(1);
  });

  it('records accepted events and reports malformed entries one by one', async () => {
    // Act
    const out = await account.clients().events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'privatelink-ecs', DetailType: 'Remediation', Detail: '{"vpcId":"vpc-1"}' },
          { Source: 'privatelink-ecs', DetailType: 'Remediation', Detail: 'not json' },
        ],
      }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[1]?.ErrorCode).toBe('MalformedDetail');
    expect(account.events.map((e) => e.Detail)).toEqual([{ vpcId: 'vpc-1' }]);
  });

  it('evaluates the Powertools idempotency condition and refuses expressions it does not implement', async () => {
    // Prepare
    account.addTable('idempotency', { partitionKey: 'id' });
    const { dynamodb } = account.clients();
    const put = (ConditionExpression: string) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: 'idempotency',
          Item: { id: { S: 'k' }, status: { S: 'INPROGRESS' }, expiration: { N: '10' } },
          ConditionExpression,
          ExpressionAttributeNames: {
            '#id': 'id',
            '#expiry': 'expiration',
            '#status': 'status',
            '#ip': 'in_progress_expiry',
          },
          ExpressionAttributeValues: {
            ':now': { N: '5' },
            ':inprogress': { S: 'INPROGRESS' },
            ':ms': { N: '5000' },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    const powertools =
      'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#ip) AND #ip < :ms)';

    // Act
    await put(powertools);
    const second = (await errorOf(put(powertools))) as Error & { Item?: unknown };
    const unsupported = await errorOf(put('contains(#id, :now)'));

    // Assess
    expect(second.name).toBe('ConditionalCheckFailedException');
    expect(second.Item).toMatchObject({ id: { S: 'k' } });
    expect(unsupported.name).toBe('UnsupportedOperation');
  });
});
