// The simulated account judges a restart command by running its real script under real bash, on a stand-in
// host whose PATH holds `systemctl` and `docker` stand-ins for the instance's profile: systemd with an `ecs`
// unit (Amazon Linux 2/2023), the agent as the `ecs-agent` container without systemd (Amazon Linux 1),
// neither, or restart commands that fail. shellcheck checks the script itself.
import { spawnSync } from 'node:child_process';
import { CreateDocumentCommand, GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { SimulatedAccount } from '../../../devkit/sim';
import { type HostProfile, runScriptOnHost } from '../../../devkit/sim/host';
import {
  RESTART_DOCUMENT,
  RESTART_SCRIPT,
  WINDOWS_RESTART_DOCUMENT,
} from '../../../shared/workflow/document';

const SYSTEMD: HostProfile = { systemd: true, agentContainer: true };
const NO_SYSTEMD: HostProfile = { systemd: false, agentContainer: true };
const NEITHER: HostProfile = { systemd: false, agentContainer: false };

describe('the restart script under real bash on a stand-in host', () => {
  it('restarts the ecs unit through systemctl where systemd has it', () => {
    // Act
    const run = runScriptOnHost(RESTART_SCRIPT, SYSTEMD);

    // Assess
    expect(run).toEqual({
      exitCode: 0,
      stdout: 'privatelink-ecs: restarting the ecs systemd unit\n',
      stderr: '',
      restartedAgent: true,
      timedOut: false,
    });
  });

  it('restarts the ecs-agent container on an instance without systemd', () => {
    // Act
    const run = runScriptOnHost(RESTART_SCRIPT, NO_SYSTEMD);

    // Assess
    expect(run).toEqual({
      exitCode: 0,
      stdout: 'privatelink-ecs: restarting the ecs-agent container\necs-agent\n',
      stderr: '',
      restartedAgent: true,
      timedOut: false,
    });
  });

  it('exits 1 with its own message when there is neither a unit nor a container', () => {
    // Act
    const run = runScriptOnHost(RESTART_SCRIPT, NEITHER);

    // Assess
    expect(run).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'privatelink-ecs: no ecs systemd unit and no ecs-agent container on this instance\n',
      restartedAgent: false,
      timedOut: false,
    });
  });

  it.each([
    ['systemd', { ...SYSTEMD, failing: true }, /^Job for ecs\.service failed because the control process/],
    ['no systemd', { ...NO_SYSTEMD, failing: true }, /^Error response from daemon: Cannot restart container/],
  ])(
    'stops with the failing restart command status on a %s host whose restart fails',
    (_l, host, message) => {
      // Act
      const run = runScriptOnHost(RESTART_SCRIPT, host);

      // Assess
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.restartedAgent).toBe(false);
    },
  );

  it('a systemctl-only script fails with 127 on an instance without systemd and restarts nothing', () => {
    // Act
    const run = runScriptOnHost(['set -eu', 'systemctl restart ecs', 'echo done'], NO_SYSTEMD);

    // Assess
    expect(run).toEqual({
      exitCode: 127,
      stdout: '',
      stderr: '_script.sh: line 2: systemctl: command not found\n',
      restartedAgent: false,
      timedOut: false,
    });
  });

  it('a command the host does not have is "command not found", never a silent success', () => {
    // Act
    const run = runScriptOnHost(['set -e', 'yum update -y ecs-init'], SYSTEMD);

    // Assess
    expect(run.exitCode).toBe(127);
    expect(run.stderr).toMatch(/yum: command not found/);
  });

  it('a script that runs past the timeout is killed and reported as timed out', () => {
    // Act
    const run = runScriptOnHost(['while :; do :; done'], SYSTEMD, { timeoutMs: 200 });

    // Assess
    expect(run.timedOut).toBe(true);
    expect(run.restartedAgent).toBe(false);
  });

  it('the same script on the same profile runs bash once: later runs come from the cache', () => {
    // Prepare
    const script = ['echo "cached $RANDOM"'];

    // Act
    const first = runScriptOnHost(script, SYSTEMD);
    const second = runScriptOnHost(script, SYSTEMD);

    // Assess
    expect(second).toEqual(first);
  });
});

describe('shellcheck on the restart script', () => {
  const found = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  const installed = found.status === 0;
  const missing =
    'shellcheck is not installed: apt-get install -y shellcheck (.ci/run installs it; CI fails without it)';
  if (!installed && !process.env.CI) {
    // Visible in the run: a skipped test and this warning; CI (CI=true) fails instead.
    console.warn(`skipping the shellcheck test: ${missing}`);
  }
  const check = installed || process.env.CI ? it : it.skip;

  // SSM's aws:runShellScript may run the file through sh (dash on Ubuntu), so the script is POSIX sh as well.
  check.each(['sh', 'bash'])('passes shellcheck as %s with no finding at any severity', (shell) => {
    if (!installed) throw new Error(missing);

    // Act
    const run = spawnSync('shellcheck', ['--shell', shell, '--severity', 'style', '-'], {
      input: `${RESTART_SCRIPT.join('\n')}\n`,
      encoding: 'utf8',
    });

    // Assess
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('simulated SSM runs the document against the instance', () => {
  async function runOn(
    usesSystemd: boolean,
    document: { name: string; content: unknown },
    command?: 'Failed',
    osFamily?: 'WINDOWS_SERVER_2022_FULL',
  ) {
    const account = new SimulatedAccount();
    const { vpcId } = account.addVpc({ cidr: '10.0.0.0/16', layout: 'private-only' });
    const { instanceIds, containerInstanceArns } = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 1,
      usesSystemd,
      ...(osFamily ? { osFamily } : {}),
    });
    const id = instanceIds[0]!;
    account.setInstanceBehaviour(id, { commandPolls: 0, ...(command ? { command } : {}) });
    const { ssm } = account.clients();
    await ssm.send(
      new CreateDocumentCommand({
        Name: document.name,
        Content: JSON.stringify(document.content),
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
      }),
    );
    const sent = await ssm.send(new SendCommandCommand({ DocumentName: document.name, InstanceIds: [id] }));
    const inv = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: sent.Command!.CommandId!, InstanceId: id }),
    );
    const ci = account.state.containerInstances.get(containerInstanceArns[0]!)!;
    return { inv, agentDisconnected: !ci.agentConnected };
  }

  const systemctlOnly = {
    name: 'SystemctlOnly',
    content: {
      schemaVersion: '2.2',
      description: 'restart through systemctl only',
      mainSteps: [
        { action: 'aws:runShellScript', name: 'restart', inputs: { runCommand: ['systemctl restart ecs'] } },
      ],
    },
  };
  const ours = { name: 'PrivateLinkEcs-RestartAgent', content: RESTART_DOCUMENT };
  const oursWindows = { name: 'PrivateLinkEcs-RestartAgentWindows', content: WINDOWS_RESTART_DOCUMENT };

  it('each of our documents runs only on its own platform: the other one is skipped by its precondition', async () => {
    // Act
    const windowsOnLinux = await runOn(true, oursWindows);
    const linuxOnWindows = await runOn(false, ours, undefined, 'WINDOWS_SERVER_2022_FULL');
    const windowsOnWindows = await runOn(false, oursWindows, undefined, 'WINDOWS_SERVER_2022_FULL');

    // Assess
    for (const skipped of [windowsOnLinux, linuxOnWindows]) {
      expect(skipped.inv).toMatchObject({ Status: 'Success', ResponseCode: 0 });
      expect(skipped.inv.StandardOutputContent).toMatch(
        /^Step execution skipped due to unsatisfied preconditions/,
      );
      expect(skipped.agentDisconnected).toBe(false);
    }
    expect(windowsOnWindows.inv).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    expect(windowsOnWindows.inv.StandardOutputContent).toMatch(/restarting the AmazonECS service/);
    expect(windowsOnWindows.agentDisconnected).toBe(true);
  });

  it.each([
    ['systemd', true],
    ['no systemd (ecs-agent container)', false],
  ])(
    'our restart document succeeds on an instance with %s and restarts the agent',
    async (_label, systemd) => {
      // Act
      const { inv, agentDisconnected } = await runOn(systemd, ours);

      // Assess
      expect(inv).toMatchObject({ Status: 'Success', ResponseCode: 0 });
      expect(inv.StandardOutputContent).toMatch(
        systemd ? /restarting the ecs systemd unit/ : /restarting the ecs-agent container/,
      );
      expect(agentDisconnected).toBe(true);
    },
  );

  it('our document fails with the unit error where the failing knob makes systemctl restart fail', async () => {
    // Act
    const { inv, agentDisconnected } = await runOn(true, ours, 'Failed');

    // Assess
    expect(inv).toMatchObject({ Status: 'Failed', ResponseCode: 1 });
    expect(inv.StandardErrorContent).toMatch(
      /^Job for ecs\.service failed because the control process exited with error code\.\n[\s\S]*failed to run commands: exit status 1$/,
    );
    expect(agentDisconnected).toBe(false);
  });

  it('a systemctl-only document fails on an instance without systemd and leaves the agent alone', async () => {
    // Act
    const { inv, agentDisconnected } = await runOn(false, systemctlOnly);

    // Assess
    expect(inv).toMatchObject({ Status: 'Failed', ResponseCode: 127 });
    expect(inv.StandardErrorContent).toBe(
      '_script.sh: line 1: systemctl: command not found\nfailed to run commands: exit status 127',
    );
    expect(agentDisconnected).toBe(false);
  });

  it('a systemctl-only document succeeds where systemd runs the agent', async () => {
    // Act
    const { inv, agentDisconnected } = await runOn(true, systemctlOnly);

    // Assess
    expect(inv).toMatchObject({ Status: 'Success', ResponseCode: 0 });
    expect(agentDisconnected).toBe(true);
  });
});
