// The simulated account's option for real SSM's whole-call rejection: SendCommand with any target that is not
// a running, SSM-managed instance fails with InvalidInstanceId naming the bad IDs, and nothing runs anywhere.
import {
  DescribeInstanceInformationCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { SimulatedAccount } from '../../../devkit/sim';
import { errorOf, RESTART } from './support';

describe('simulated SSM with ssmRejectsWholeCallOnInvalidTarget', () => {
  function accountWith(reject: boolean) {
    const account = new SimulatedAccount({ ssmRejectsWholeCallOnInvalidTarget: reject });
    const { vpcId } = account.addVpc({ cidr: '10.0.0.0/16', layout: 'private-only' });
    const managed = account.addContainerInstances({ vpcId, clusterName: 'prod', count: 2 }).instanceIds;
    const unmanaged = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 2,
      ssmManaged: false,
    }).instanceIds;
    return { account, managed, unmanaged, ssm: account.clients({ maxAttempts: 1 }).ssm };
  }

  it('rejects the whole SendCommand with InvalidInstanceId naming only the invalid targets', async () => {
    // Prepare
    const { managed, unmanaged, ssm } = accountWith(true);

    // Act
    const err = await errorOf(
      ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: [managed[0]!, ...unmanaged, managed[1]!] })),
    );
    const commands = await ssm.send(new ListCommandsCommand({}));

    // Assess
    expect(err.name).toBe('InvalidInstanceId');
    expect(err.message).toBe(
      `Instances [[${unmanaged.join(', ')}]] not in a valid state for account 123456789012`,
    );
    expect(err.message).not.toContain(managed[0]);
    expect(commands.Commands).toEqual([]);
  });

  it('rejects a target whose instance is stopped even though SSM manages it', async () => {
    // Prepare
    const { account, managed, ssm } = accountWith(true);
    account.state.instances.get(managed[1]!)!.state = 'stopped';

    // Act
    const err = await errorOf(ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: managed })));

    // Assess
    expect(err.name).toBe('InvalidInstanceId');
    expect(err.message).toMatch(new RegExp(`^Instances \\[\\[${managed[1]}\\]\\] not in a valid state`));
  });

  it('accepts a SendCommand whose targets are all valid', async () => {
    // Prepare
    const { managed, ssm } = accountWith(true);

    // Act
    const out = await ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: managed }));

    // Assess
    expect(out.Command?.InstanceIds).toEqual(managed);
    expect(out.Command?.Status).toBe('Pending');
  });

  it('without the option sends to the valid targets and keeps the per-instance Undeliverable model', async () => {
    // Prepare
    const { managed, unmanaged, ssm } = accountWith(false);

    // Act
    const out = await ssm.send(
      new SendCommandCommand({ ...RESTART, InstanceIds: [...managed, unmanaged[0]!] }),
    );

    // Assess
    expect(out.Command?.InstanceIds).toEqual([...managed, unmanaged[0]]);
  });

  it('lists an instance with a stale ping as Online although SendCommand rejects it', async () => {
    // Prepare
    const { account, unmanaged, ssm } = accountWith(true);
    account.state.ssmStaleOnline.add(unmanaged[0]!);

    // Act
    const info = await ssm.send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [unmanaged[0]!] }] }),
    );
    const err = await errorOf(ssm.send(new SendCommandCommand({ ...RESTART, InstanceIds: [unmanaged[0]!] })));

    // Assess
    expect(info.InstanceInformationList?.map((i) => [i.InstanceId, i.PingStatus])).toEqual([
      [unmanaged[0], 'Online'],
    ]);
    expect(err.name).toBe('InvalidInstanceId');
  });
});
