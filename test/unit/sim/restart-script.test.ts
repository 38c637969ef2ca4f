// The simulated account judges a restart command by running its script against the instance: systemd with
// an `ecs` unit (Amazon Linux 2/2023) or the agent as the `ecs-agent` container without systemd (Amazon
// Linux 1). Our document's script has a branch for each; a systemctl-only script fails without systemd.
import { CreateDocumentCommand, GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { SimulatedAccount } from '../../../devkit/sim';
import { runShellScript } from '../../../devkit/sim/shell';
import { RESTART_DOCUMENT, RESTART_SCRIPT } from '../../../shared/workflow/document';

const SYSTEMD = { systemd: true, agentContainer: true };
const NO_SYSTEMD = { systemd: false, agentContainer: true };
const NEITHER = { systemd: false, agentContainer: false };

describe('simulated shell: the restart script', () => {
  it('our script restarts the ecs unit through systemctl where systemd has it', () => {
    // Act
    const run = runShellScript(RESTART_SCRIPT, SYSTEMD);

    // Assess
    expect(run).toEqual({
      exitCode: 0,
      stdout: 'privatelink-ecs: restarting the ecs systemd unit\n',
      stderr: '',
      restartedAgent: true,
    });
  });

  it('our script restarts the ecs-agent container on an instance without systemd', () => {
    // Act
    const run = runShellScript(RESTART_SCRIPT, NO_SYSTEMD);

    // Assess
    expect(run).toEqual({
      exitCode: 0,
      stdout: 'privatelink-ecs: restarting the ecs-agent container\necs-agent\n',
      stderr: '',
      restartedAgent: true,
    });
  });

  it('our script exits 1 with its own message when there is neither a unit nor a container', () => {
    // Act
    const run = runShellScript(RESTART_SCRIPT, NEITHER);

    // Assess
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      'privatelink-ecs: no ecs systemd unit and no ecs-agent container on this instance\n',
    );
    expect(run.restartedAgent).toBe(false);
  });

  it('a systemctl-only script fails with 127 on an instance without systemd and restarts nothing', () => {
    // Act
    const run = runShellScript(['set -eu', 'systemctl restart ecs', 'echo done'], NO_SYSTEMD);

    // Assess
    expect(run.exitCode).toBe(127);
    expect(run.stderr).toMatch(/systemctl: command not found/);
    expect(run.stdout).toBe('');
    expect(run.restartedAgent).toBe(false);
  });

  it('without set -e a failing command does not stop the script; the last status is the exit code', () => {
    // Act
    const run = runShellScript(['systemctl restart ecs', 'echo carried on'], NO_SYSTEMD);

    // Assess
    expect(run).toMatchObject({ exitCode: 0, stdout: 'carried on\n', restartedAgent: false });
  });

  it('&&, ||, ! and a pipe into grep -q follow the shell rules', () => {
    // Act
    const or = runShellScript(['systemctl restart ecs 2>/dev/null || docker restart ecs-agent'], NO_SYSTEMD);
    const and = runShellScript(['command -v systemctl && systemctl restart ecs'], NO_SYSTEMD);
    const not = runShellScript(
      ['if ! command -v systemctl >/dev/null; then echo no-systemd; fi'],
      NO_SYSTEMD,
    );
    const grep = runShellScript(
      ['systemctl list-unit-files ecs.service | grep -q "^nothing" || exit 3'],
      SYSTEMD,
    );

    // Assess
    expect(or).toMatchObject({ exitCode: 0, stderr: '', restartedAgent: true });
    expect(and).toMatchObject({ exitCode: 1, restartedAgent: false });
    expect(not).toMatchObject({ exitCode: 0, stdout: 'no-systemd\n' });
    expect(grep.exitCode).toBe(3);
  });

  it('a command the model does not know is "command not found", never a silent success', () => {
    // Act
    const run = runShellScript(['set -e', 'yum update -y ecs-init'], SYSTEMD);

    // Assess
    expect(run.exitCode).toBe(127);
    expect(run.stderr).toMatch(/yum: command not found/);
  });
});

describe('simulated SSM runs the document against the instance', () => {
  async function runOn(usesSystemd: boolean, document: { name: string; content: unknown }) {
    const account = new SimulatedAccount();
    const { vpcId } = account.addVpc({ cidr: '10.0.0.0/16', layout: 'private-only' });
    const { instanceIds, containerInstanceArns } = account.addContainerInstances({
      vpcId,
      clusterName: 'prod',
      count: 1,
      usesSystemd,
    });
    const id = instanceIds[0]!;
    account.setInstanceBehaviour(id, { commandPolls: 0 });
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

  it('a systemctl-only document fails on an instance without systemd and leaves the agent alone', async () => {
    // Act
    const { inv, agentDisconnected } = await runOn(false, systemctlOnly);

    // Assess
    expect(inv).toMatchObject({ Status: 'Failed', ResponseCode: 127 });
    expect(inv.StandardErrorContent).toMatch(
      /systemctl: command not found\nfailed to run commands: exit status 127$/,
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
