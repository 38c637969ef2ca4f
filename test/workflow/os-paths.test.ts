// Every container-instance OS gets a correct path or a clear skip. The simulated account reports what real AWS
// does: ECS says `ecs.os-family` LINUX for Amazon Linux and Bottlerocket alike (WINDOWS_SERVER_… for Windows),
// and SSM's DescribeInstanceInformation tells Bottlerocket by PlatformName "Bottlerocket".

import { DescribeContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { BOTTLEROCKET_ADVICE } from '../../shared/workflow/plan';
import { addInstances, callsOf, runOnSim, sentTo, simScenario, testConfig } from './support';

describe('container-instance operating systems', () => {
  it('the simulated account reports each OS as ECS and SSM really do', async () => {
    // Prepare
    const s = await simScenario();
    const al = addInstances(s, { clusterName: 'prod', count: 1 });
    const br = addInstances(s, { clusterName: 'prod', count: 1, osFamily: 'BOTTLEROCKET' });
    const win = addInstances(s, { clusterName: 'prod', count: 1, osFamily: 'WINDOWS_SERVER_2022_FULL' });

    // Act
    const described = await s.clients.ecs.send(
      new DescribeContainerInstancesCommand({
        cluster: 'prod',
        containerInstances: [
          ...al.containerInstanceArns,
          ...br.containerInstanceArns,
          ...win.containerInstanceArns,
        ],
      }),
    );
    const info = await s.clients.ssm.send(new DescribeInstanceInformationCommand({}));

    // Assess
    const attr = (i: number, name: string) =>
      described.containerInstances![i]!.attributes!.find((a) => a.name === name)?.value;
    expect([0, 1, 2].map((i) => [attr(i, 'ecs.os-family'), attr(i, 'ecs.os-type')])).toEqual([
      ['LINUX', 'linux'],
      ['LINUX', 'linux'],
      ['WINDOWS_SERVER_2022_FULL', 'windows'],
    ]);
    const platform = Object.fromEntries(
      info.InstanceInformationList!.map((i) => [i.InstanceId, [i.PlatformType, i.PlatformName]]),
    );
    expect(platform).toEqual({
      [al.instanceIds[0]!]: ['Linux', 'Amazon Linux'],
      [br.instanceIds[0]!]: ['Linux', 'Bottlerocket'],
      [win.instanceIds[0]!]: ['Windows', 'Microsoft Windows Server 2022 Datacenter'],
    });
  });

  it('one fleet: both Linux kinds restarted by the shell document, Bottlerocket and Windows skipped with what to do, none failed', async () => {
    // Prepare
    const s = await simScenario();
    const systemd = addInstances(s, { clusterName: 'prod', count: 2 });
    const al1 = addInstances(s, { clusterName: 'prod', count: 1, usesSystemd: false });
    const br = addInstances(s, { clusterName: 'prod', count: 2, osFamily: 'BOTTLEROCKET' });
    const win = addInstances(s, { clusterName: 'prod', count: 1, osFamily: 'WINDOWS_SERVER_2022_FULL' });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const summary = result.summary!;
    const linux = [...systemd.instanceIds, ...al1.instanceIds].sort();
    expect(summary.restarted.map((r) => r.instanceId).sort()).toEqual(linux);
    expect(summary.failed).toEqual([]);
    const reasons = Object.fromEntries(summary.skipped.map((r) => [r.instanceId, r.reason]));
    for (const id of br.instanceIds) expect(reasons[id]).toBe(BOTTLEROCKET_ADVICE);
    expect(reasons[win.instanceIds[0]!]).toMatch(/Windows instance.*Restart-Service AmazonECS/);
    expect(sentTo(s).sort()).toEqual(linux);
  }, 120_000);

  it('Bottlerocket with fallback "reboot" is rebooted, never sent the shell script', async () => {
    // Prepare
    const s = await simScenario();
    const [br] = addInstances(s, { clusterName: 'prod', count: 1, osFamily: 'BOTTLEROCKET' }).instanceIds;
    const config = testConfig({ restart: { fallback: 'reboot' } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.restarted).toEqual([
      expect.objectContaining({ instanceId: br, reason: expect.stringMatching(/rebooted/) }),
    ]);
    expect(callsOf(s.account, 'ec2:RebootInstances')).toEqual([{ InstanceIds: [br] }]);
    expect(sentTo(s)).toEqual([]);
  }, 120_000);
});
