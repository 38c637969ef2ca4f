// Every container-instance OS gets a correct path or a clear skip. The simulated account reports what real AWS
// does: ECS says `ecs.os-family` LINUX for Amazon Linux and Bottlerocket alike (WINDOWS_SERVER_… for Windows),
// and SSM's DescribeInstanceInformation tells Bottlerocket by PlatformName "Bottlerocket".

import { DescribeContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { BOTTLEROCKET_ADVICE } from '../../shared/workflow/plan';
import {
  addInstances,
  callsOf,
  DOCUMENT_NAME,
  runOnSim,
  sentTo,
  simScenario,
  testConfig,
  WINDOWS_DOCUMENT_NAME,
} from './support';

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

  it('one fleet: Linux (systemd and not) gets the shell document, Windows the PowerShell one, Bottlerocket a skip that says what to do; none failed', async () => {
    // Prepare
    const s = await simScenario();
    const systemd = addInstances(s, { clusterName: 'prod', count: 2 });
    const al1 = addInstances(s, { clusterName: 'prod', count: 1, usesSystemd: false });
    const br = addInstances(s, { clusterName: 'prod', count: 2, osFamily: 'BOTTLEROCKET' });
    const win = addInstances(s, { clusterName: 'prod', count: 2, osFamily: 'WINDOWS_SERVER_2022_FULL' });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const summary = result.summary!;
    const linux = [...systemd.instanceIds, ...al1.instanceIds].sort();
    const windows = [...win.instanceIds].sort();
    expect(summary.restarted.map((r) => r.instanceId).sort()).toEqual([...linux, ...windows].sort());
    expect(summary.failed).toEqual([]);
    expect(summary.skipped.map((r) => [r.instanceId, r.reason])).toEqual(
      br.instanceIds.map((id) => [id, BOTTLEROCKET_ADVICE]),
    );
    const sends = callsOf(s.account, 'ssm:SendCommand') as Array<{
      DocumentName: string;
      InstanceIds: string[];
    }>;
    // Batches follow restart.maxConcurrency; each call names one document, the one for its instances' OS.
    const sentWith = (document: string) =>
      sends
        .filter((c) => c.DocumentName === document)
        .flatMap((c) => c.InstanceIds)
        .sort();
    expect(sentWith(DOCUMENT_NAME)).toEqual(linux);
    expect(sentWith(WINDOWS_DOCUMENT_NAME)).toEqual(windows);
    expect(
      sends.every((c) => c.DocumentName === DOCUMENT_NAME || c.DocumentName === WINDOWS_DOCUMENT_NAME),
    ).toBe(true);
  }, 120_000);

  it('without the Windows document, Windows instances are skipped with what to run, and nothing is sent to them', async () => {
    // Prepare
    const s = await simScenario();
    const linux = addInstances(s, { clusterName: 'prod', count: 1 }).instanceIds;
    const [win] = addInstances(s, {
      clusterName: 'prod',
      count: 1,
      osFamily: 'WINDOWS_SERVER_2022_FULL',
    }).instanceIds;

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { windowsDocumentName: null });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.skipped).toEqual([
      expect.objectContaining({
        instanceId: win,
        reason: expect.stringMatching(
          /^Windows instance \(WINDOWS_SERVER_2022_FULL\): no Windows restart document.*Restart-Service AmazonECS/,
        ),
      }),
    ]);
    expect(sentTo(s)).toEqual(linux);
  }, 120_000);

  it('a Windows instance whose AmazonECS restart fails counts as failed with the service error', async () => {
    // Prepare
    const s = await simScenario();
    const [win] = addInstances(s, {
      clusterName: 'prod',
      count: 1,
      osFamily: 'WINDOWS_SERVER_2022_FULL',
    }).instanceIds;
    s.account.setInstanceBehaviour(win!, { command: 'Failed' });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.summary!.failed).toEqual([expect.objectContaining({ instanceId: win })]);
    expect(callsOf(s.account, 'ssm:SendCommand')).toEqual([
      expect.objectContaining({ DocumentName: WINDOWS_DOCUMENT_NAME, InstanceIds: [win] }),
    ]);
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
