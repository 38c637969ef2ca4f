// The synthesized state machine, run locally with its Task states bound to the real step services, against
// the simulated account: endpoint lifecycles, mixed agents, SSM outcomes, fallbacks and the error budget.
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { DeleteAttributesCommand } from '@aws-sdk/client-ecs';
import { CreateDocumentCommand } from '@aws-sdk/client-ssm';
import { RECONNECT_SETTLE_SECONDS } from '../../shared/workflow/advance';
import { RESTARTED_AT_ATTRIBUTE } from '../../shared/workflow/plan';
import { MemoryStateStore } from '../../shared/workflow/store';
import {
  addInstances,
  callsOf,
  runOnSim,
  STATE_TABLE,
  sentTo,
  simScenario,
  TEST_ENDPOINT_SERVICES,
  testConfig,
} from './support';

type SendCommandInput = { DocumentName: string; InstanceIds: string[]; TimeoutSeconds: number };

describe('remediation workflow on the simulated account', () => {
  it('happy path: waits for pending endpoints, restarts every agent that predates them, records and reports it', async () => {
    // Prepare
    const s = await simScenario();
    // The reconciler's own reads count as polls too; this keeps ecr.dkr pending into the wait loop.
    s.account.setEndpointBehaviour('ecr.dkr', { pendingPolls: 12 });
    const current = addInstances(s, { clusterName: 'prod', count: 6 });
    const older = addInstances(s, { clusterName: 'batch', count: 2, agentVersion: '1.68.2' });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.statesVisited.filter((n) => n === 'WaitForEndpoints').length).toBeGreaterThanOrEqual(1);
    const summary = result.summary!;
    expect(summary.endpoints.map((e) => e.service).sort()).toEqual(TEST_ENDPOINT_SERVICES);
    expect(summary.endpoints.every((e) => e.state === 'available')).toBe(true);
    expect(summary.counts).toEqual({ restarted: 8, skipped: 0, failed: 0 });
    const all = [...current.instanceIds, ...older.instanceIds].sort();
    expect(summary.restarted.map((r) => r.instanceId).sort()).toEqual(all);
    const sends = callsOf(s.account, 'ssm:SendCommand') as SendCommandInput[];
    expect(
      sends.every((c) => c.DocumentName === 'PrivateLinkEcs-RestartAgent' && c.InstanceIds.length <= 50),
    ).toBe(true);
    expect(sentTo(s).sort()).toEqual(all);
    const attributes = callsOf(s.account, 'ecs:PutAttributes') as Array<{
      attributes: Array<{ name: string }>;
    }>;
    expect(
      attributes.flatMap((c) => c.attributes).filter((a) => a.name === RESTARTED_AT_ATTRIBUTE),
    ).toHaveLength(8);
    const events = callsOf(s.account, 'events:PutEvents') as Array<{
      Entries: Array<{ Source: string; DetailType: string; Detail: string }>;
    }>;
    expect(events).toHaveLength(1);
    expect(events[0]!.Entries[0]).toMatchObject({
      Source: 'privatelink-ecs',
      DetailType: 'PrivateLink ECS Remediation Completed',
    });
    expect(JSON.parse(events[0]!.Entries[0]!.Detail).counts.restarted).toBe(8);
    // The batches and their progress went through DynamoStateStore into the state table.
    const table = s.account.state.tables.get(STATE_TABLE)!;
    const ids = [...table.items.values()].map((item) => (item.id as { S: string }).S);
    expect(ids.some((id) => /#batch#0$/.test(id))).toBe(true);
    expect(ids.some((id) => /#progress#0$/.test(id))).toBe(true);
    expect(callsOf(s.account, 'dynamodb:GetItem').length).toBeGreaterThan(0);
  });

  it('endpoint failed: fails with EndpointFailed naming the endpoint, its service and LastError, restarts nobody', async () => {
    // Prepare
    const s = await simScenario();
    s.account.setEndpointBehaviour('ecs-agent', {
      pendingPolls: 1,
      outcome: 'failed',
      lastError: 'Insufficient capacity in subnet',
    });
    addInstances(s, { clusterName: 'prod', count: 3 });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EndpointFailed');
    expect(result.summary?.cause).toMatch(
      /vpce-[0-9a-f]+ \(ecs-agent\) is failed: .*Insufficient capacity in subnet/,
    );
    expect(callsOf(s.account, 'ssm:SendCommand')).toHaveLength(0);
    expect(result.statesVisited).toContain('Summarize');
  });

  it('endpoint timeout: fails with EndpointTimeout listing the stuck endpoints after the bounded backoff', async () => {
    // Prepare
    const s = await simScenario();
    s.account.setEndpointBehaviour('ecr.api', { outcome: 'stuck' });
    const config = testConfig({
      endpointWait: { timeoutSeconds: 120, minIntervalSeconds: 15, maxIntervalSeconds: 60 },
    });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EndpointTimeout');
    expect(result.summary?.cause).toMatch(/after 120 s .*vpce-[0-9a-f]+ \(ecr\.api, pending\)/);
    // 15 + 30 + 60 + 15 (the rest of the 120 s budget): four waits, five polls.
    expect(result.statesVisited.filter((n) => n === 'WaitForEndpoints')).toHaveLength(4);
    expect(callsOf(s.account, 'ssm:SendCommand')).toHaveLength(0);
  });

  it('1 of 20 instances fails its command: the other 19 are restarted, the budget holds, the run fails', async () => {
    // Prepare
    const s = await simScenario();
    const { instanceIds } = addInstances(s, { clusterName: 'prod', count: 20 });
    const bad = instanceIds[7]!;
    s.account.setInstanceBehaviour(bad, { command: 'Failed' });
    const config = testConfig({ restart: { maxConcurrency: '10%', maxErrors: '10%' } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RestartsFailed');
    const summary = result.summary!;
    expect(summary.counts).toEqual({ restarted: 19, skipped: 0, failed: 1 });
    expect(summary.failed[0]).toMatchObject({
      instanceId: bad,
      reason: expect.stringMatching(/restart command Failed/),
    });
    const sends = callsOf(s.account, 'ssm:SendCommand') as SendCommandInput[];
    expect(sends).toHaveLength(10); // 10% of 20 = batches of 2
    expect(sends.every((c) => c.InstanceIds.length === 2)).toBe(true);
    expect(sentTo(s).sort()).toEqual([...instanceIds].sort());
  });

  it('error budget exceeded: the rollout stops after the failing batch and the rest is not attempted', async () => {
    // Prepare
    const s = await simScenario();
    const { instanceIds } = addInstances(s, { clusterName: 'prod', count: 20 });
    s.account.setInstanceBehaviour(instanceIds[1]!, { command: 'TimedOut' });
    const config = testConfig({ restart: { maxConcurrency: 5, maxErrors: 0 } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ErrorBudgetExceeded');
    const summary = result.summary!;
    expect(sentTo(s)).toHaveLength(5);
    expect(summary.counts).toEqual({ restarted: 4, skipped: 15, failed: 1 });
    expect(summary.failed[0]!.reason).toMatch(/TimedOut/);
    expect(summary.skipped.every((r) => /error budget exceeded/.test(r.reason))).toBe(true);
  });

  it('a non-SSM instance with fallback "report" is reported and left alone', async () => {
    // Prepare
    const s = await simScenario();
    addInstances(s, { clusterName: 'prod', count: 2 });
    const [unmanaged] = addInstances(s, { clusterName: 'prod', count: 1, ssmManaged: false }).instanceIds;

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.skipped).toEqual([
      expect.objectContaining({
        instanceId: unmanaged,
        reason: expect.stringMatching(/not managed by SSM; fallback "report"/),
      }),
    ]);
    expect(sentTo(s)).not.toContain(unmanaged);
    expect(callsOf(s.account, 'ec2:RebootInstances')).toHaveLength(0);
  });

  it('a non-SSM instance with fallback "reboot" is drained, rebooted, waited for and set ACTIVE again', async () => {
    // Prepare
    const s = await simScenario();
    const [unmanaged] = addInstances(s, { clusterName: 'prod', count: 1, ssmManaged: false }).instanceIds;
    const config = testConfig({ restart: { fallback: 'reboot' } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.restarted).toEqual([
      expect.objectContaining({ instanceId: unmanaged, reason: expect.stringMatching(/rebooted/) }),
    ]);
    const states = (callsOf(s.account, 'ecs:UpdateContainerInstancesState') as Array<{ status: string }>).map(
      (c) => c.status,
    );
    expect(states).toEqual(['DRAINING', 'ACTIVE']);
    expect(callsOf(s.account, 'ec2:RebootInstances')).toEqual([{ InstanceIds: [unmanaged] }]);
    const order = s.account.writeCalls().map((c) => c.operation);
    expect(order.indexOf('UpdateContainerInstancesState')).toBeLessThan(order.indexOf('RebootInstances'));
  });

  it('an agent older than 1.25.1 is skipped as too old without agentUpdate', async () => {
    // Prepare
    const s = await simScenario();
    const [old] = addInstances(s, { clusterName: 'legacy', count: 1, agentVersion: '1.24.0' }).instanceIds;

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.skipped).toEqual([
      expect.objectContaining({
        instanceId: old,
        reason: expect.stringMatching(/agent too old \(1\.24\.0 < 1\.25\.1\)/),
      }),
    ]);
    expect(callsOf(s.account, 'ecs:UpdateContainerAgent')).toHaveLength(0);
    expect(sentTo(s)).toHaveLength(0);
  });

  it('an agent older than 1.25.1 is updated with agentUpdate and the workflow waits for UPDATED', async () => {
    // Prepare
    const s = await simScenario();
    const added = addInstances(s, { clusterName: 'legacy', count: 1, agentVersion: '1.24.0' });
    s.account.setInstanceBehaviour(added.instanceIds[0]!, { agentUpdatePolls: 2 });
    const config = testConfig({ restart: { agentUpdate: true } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(callsOf(s.account, 'ecs:UpdateContainerAgent')).toEqual([
      { cluster: added.clusterArn, containerInstance: added.containerInstanceArns[0] },
    ]);
    expect(result.statesVisited.filter((n) => n === 'CheckAgentUpdates').length).toBeGreaterThan(1);
    expect(result.summary!.restarted).toEqual([
      expect.objectContaining({
        instanceId: added.instanceIds[0],
        reason: expect.stringMatching(/agent updated to/),
      }),
    ]);
  });

  it('an agent update that reports FAILED is a failure with its reason', async () => {
    // Prepare
    const s = await simScenario();
    const [old] = addInstances(s, { clusterName: 'legacy', count: 1, agentVersion: '1.20.0' }).instanceIds;
    s.account.setInstanceBehaviour(old!, { agentUpdate: 'FAILED' });
    const config = testConfig({ restart: { agentUpdate: true } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.summary!.failed).toEqual([
      expect.objectContaining({ instanceId: old, reason: 'agent update reported FAILED' }),
    ]);
  });

  it('an agent that never reconnects after a successful command is a failure after the bounded wait', async () => {
    // Prepare
    const s = await simScenario();
    const [stuck] = addInstances(s, { clusterName: 'prod', count: 1 }).instanceIds;
    s.account.setInstanceBehaviour(stuck!, { reconnects: false });
    const config = testConfig({ restart: { reconnectTimeoutSeconds: 60 } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.summary!.failed).toEqual([
      expect.objectContaining({
        instanceId: stuck,
        reason: expect.stringMatching(/did not reconnect within 60 s/),
      }),
    ]);
  });

  it('an instance without systemd is restarted through the ecs-agent container branch of the script', async () => {
    // Prepare
    const s = await simScenario();
    const modern = addInstances(s, { clusterName: 'prod', count: 2 });
    const [al1] = addInstances(s, { clusterName: 'prod', count: 1, usesSystemd: false }).instanceIds;

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.counts).toEqual({ restarted: 3, skipped: 0, failed: 0 });
    expect(result.summary!.restarted.map((r) => r.instanceId).sort()).toEqual(
      [...modern.instanceIds, al1!].sort(),
    );
    const invocations = [...s.account.state.invocations.values()];
    expect(invocations.find((i) => i.instanceId === al1)?.stdout).toMatch(
      /restarting the ecs-agent container/,
    );
    expect(invocations.find((i) => i.instanceId === modern.instanceIds[0])?.stdout).toMatch(
      /restarting the ecs systemd unit/,
    );
  });

  it('a restart document that only calls systemctl fails the instance without systemd, and only that one', async () => {
    // Prepare
    const s = await simScenario();
    await s.clients.ssm.send(
      new CreateDocumentCommand({
        Name: 'SystemctlOnlyRestart',
        Content: JSON.stringify({
          schemaVersion: '2.2',
          description: 'systemctl only',
          mainSteps: [
            {
              action: 'aws:runShellScript',
              name: 'restart',
              inputs: { runCommand: ['set -eu', 'systemctl restart ecs'] },
            },
          ],
        }),
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
      }),
    );
    const modern = addInstances(s, { clusterName: 'prod', count: 2 });
    const [al1] = addInstances(s, { clusterName: 'prod', count: 1, usesSystemd: false }).instanceIds;
    const config = testConfig({ restart: { maxErrors: 1 } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config, documentName: 'SystemctlOnlyRestart' });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RestartsFailed');
    expect(result.summary!.restarted.map((r) => r.instanceId).sort()).toEqual([...modern.instanceIds].sort());
    expect(result.summary!.failed).toEqual([
      expect.objectContaining({ instanceId: al1, reason: expect.stringMatching(/^restart command Failed/) }),
    ]);
  });

  it('a stale agentConnected: true right after the restart is not taken as reconnected; the real reconnect is', async () => {
    // Prepare
    const s = await simScenario();
    const { instanceIds, containerInstanceArns } = addInstances(s, { clusterName: 'prod', count: 1 });
    const id = instanceIds[0]!;
    // ECS keeps showing the old connection for 12 s after the restart, then the agent is disconnected for
    // two polls before it really connects again.
    const staleSeconds = 12;
    s.account.setInstanceBehaviour(id, { staleConnectionSeconds: staleSeconds, reconnectPolls: 2 });
    expect(staleSeconds).toBeLessThan(RECONNECT_SETTLE_SECONDS);

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.restarted.map((r) => r.instanceId)).toEqual([id]);
    const ci = s.account.state.containerInstances.get(containerInstanceArns[0]!)!;
    const commandEnd = [...s.account.state.invocations.values()].find((i) => i.instanceId === id)!.finished!;
    // The workflow kept polling through the stale window and the disconnect until the agent came back.
    expect(ci.reconnectedAt).toBeDefined();
    expect(ci.reconnectedAt!.getTime() - commandEnd.getTime()).toBeGreaterThanOrEqual(staleSeconds * 1000);
    expect(ci.staleUntil).toBeUndefined();
    const describesAfter = (
      callsOf(s.account, 'ecs:DescribeContainerInstances') as Array<{ containerInstances: string[] }>
    ).filter((c) => c.containerInstances.includes(containerInstanceArns[0]!));
    expect(describesAfter.length).toBeGreaterThanOrEqual(4);
  });

  it('an agent whose flag never drops within the settle interval is accepted only after the settle interval', async () => {
    // Prepare
    const s = await simScenario();
    const { instanceIds, containerInstanceArns } = addInstances(s, { clusterName: 'prod', count: 1 });
    const id = instanceIds[0]!;
    // A fast agent: back before the first poll after the command (reconnectPolls 0).
    s.account.setInstanceBehaviour(id, { reconnectPolls: 0 });
    let acceptedAt: Date | undefined;
    const commandEnd = () =>
      [...s.account.state.invocations.values()].find((i) => i.instanceId === id)?.finished;

    // Act
    const result = await runOnSim(
      s,
      { vpcId: s.vpcId },
      {
        onEvent: (event) => {
          const out =
            event.type === 'StateExited'
              ? (event.state.output as { rollout?: { restarted: number } })
              : undefined;
          if (!acceptedAt && out?.rollout?.restarted === 1) acceptedAt = s.account.clock.now();
        },
      },
    );

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.restarted.map((r) => r.instanceId)).toEqual([id]);
    expect(acceptedAt).toBeDefined();
    expect(acceptedAt!.getTime() - commandEnd()!.getTime()).toBeGreaterThanOrEqual(
      RECONNECT_SETTLE_SECONDS * 1000,
    );
    expect(s.account.state.containerInstances.get(containerInstanceArns[0]!)!.agentConnected).toBe(true);
  });

  it('without the Windows document, Windows, Bottlerocket and unknown OS instances are skipped with their reason', async () => {
    // Prepare
    const s = await simScenario();
    const win = addInstances(s, { clusterName: 'w', count: 1, osFamily: 'WINDOWS_SERVER_2022_FULL' });
    const br = addInstances(s, { clusterName: 'b', count: 1, osFamily: 'BOTTLEROCKET' });
    // Not SSM-managed either, so SSM's PlatformType does not tell its OS.
    const unk = addInstances(s, { clusterName: 'u', count: 1, osFamily: 'unknown', ssmManaged: false });
    // Without ecs.os-family the agent's ecs.os-type decides; remove it too so nothing tells the OS.
    await s.clients.ecs.send(
      new DeleteAttributesCommand({
        cluster: 'u',
        attributes: [{ name: 'ecs.os-type', targetId: unk.containerInstanceArns[0]! }],
      }),
    );

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { windowsDocumentName: null });

    // Assess
    const reasons = Object.fromEntries(result.summary!.skipped.map((r) => [r.instanceId, r.reason]));
    expect(reasons[win.instanceIds[0]!]).toMatch(/Windows/);
    expect(reasons[br.instanceIds[0]!]).toMatch(/Bottlerocket/);
    expect(reasons[unk.instanceIds[0]!]).toMatch(/operating system unknown/);
    expect(sentTo(s)).toHaveLength(0);
  });

  it('throttled calls are retried (SDK, then the Task Retry) and the run still succeeds', async () => {
    // Prepare
    const s = await simScenario();
    addInstances(s, { clusterName: 'prod', count: 2 });
    s.account.throttle('ec2:DescribeVpcEndpoints', 5); // more than one Task attempt's 3 SDK attempts
    s.account.throttle('ecs:ListContainerInstances', 4);

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.counts.restarted).toBe(2);
    expect(result.retries).toBeGreaterThanOrEqual(2);
    const throttledDescribes = callsOf(s.account, 'ec2:DescribeVpcEndpoints').length;
    expect(throttledDescribes).toBeGreaterThan(5);
  });

  it('a re-run restarts nobody twice', async () => {
    // Prepare
    const s = await simScenario();
    const { instanceIds } = addInstances(s, { clusterName: 'prod', count: 4 });
    // A separate store for the first run: "already restarted" must come from ECS, not from our own records.
    const first = await runOnSim(s, { vpcId: s.vpcId }, { store: new MemoryStateStore() });
    const sentBefore = sentTo(s).length;

    // Act
    const second = await runOnSim(s, { vpcId: s.vpcId, trigger: { eventId: 'evt-2', kind: 'sweep' } });

    // Assess
    expect(first.summary!.counts.restarted).toBe(4);
    expect(sentBefore).toBe(4);
    expect(second.status).toBe('SUCCEEDED');
    expect(sentTo(s)).toHaveLength(4);
    expect(second.summary!.counts).toEqual({ restarted: 0, skipped: 4, failed: 0 });
    expect(second.summary!.skipped.map((r) => r.instanceId).sort()).toEqual([...instanceIds].sort());
    expect(second.summary!.skipped.every((r) => /already restarted at/.test(r.reason))).toBe(true);
  });

  it('restart "all" restarts again; restart "none" restarts nobody', async () => {
    // Prepare
    const s = await simScenario();
    addInstances(s, { clusterName: 'prod', count: 2 });
    await runOnSim(s, { vpcId: s.vpcId });

    // Act
    const none = await runOnSim(s, { vpcId: s.vpcId, restart: 'none' });
    const all = await runOnSim(s, { vpcId: s.vpcId, restart: 'all' });

    // Assess
    expect(none.summary!.counts).toEqual({ restarted: 0, skipped: 2, failed: 0 });
    expect(none.summary!.skipped.every((r) => r.reason === 'restart "none" was requested')).toBe(true);
    expect(all.summary!.counts.restarted).toBe(2);
    expect(sentTo(s)).toHaveLength(4);
  });

  it('a dry run plans the endpoints and writes nothing, not even the completion event', async () => {
    // Prepare
    const s = await simScenario();
    addInstances(s, { clusterName: 'prod', count: 2 });
    const writesBefore = s.account.writeCalls().length;

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId, dryRun: true });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(
      result.summary!.plan!.some((p) => p.kind === 'create-interface-endpoint' && p.service === 'ecs-agent'),
    ).toBe(true);
    // No write of any kind: no endpoint, no restart, and no "Remediation Completed" event, which the deployed
    // notification rule would turn into an email about a run that changed nothing.
    expect(
      s.account
        .writeCalls()
        .slice(writesBefore)
        .map((c) => c.operation),
    ).toEqual([]);
    expect(s.account.events).toEqual([]);
    expect(result.summary!.notes).toEqual(
      expect.arrayContaining([expect.stringContaining('no completion event was published')]),
    );
  });

  it('an instance registered after the endpoints existed is not restarted', async () => {
    // Prepare
    const s = await simScenario();
    await runOnSim(s, { vpcId: s.vpcId });
    s.account.clock.advance(60_000);
    const [late] = addInstances(s, { clusterName: 'prod', count: 1 }).instanceIds;

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.summary!.skipped).toEqual([
      expect.objectContaining({
        instanceId: late,
        reason: 'registered after the endpoints became available',
      }),
    ]);
    expect(sentTo(s)).toHaveLength(0);
  });

  it('a VPC that is not opted in fails with NotOptedIn unless forced', async () => {
    // Prepare
    const s = await simScenario({ optedIn: false });
    const writesBefore = s.account.writeCalls().length;

    // Act
    const refused = await runOnSim(s, { vpcId: s.vpcId });
    const refusedWrites = s.account.writeCalls().length - writesBefore;
    const forced = await runOnSim(s, { vpcId: s.vpcId, force: true });

    // Assess
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('NotOptedIn');
    expect(refused.cause).toMatch(/tag it privatelink-ecs=enabled/);
    expect(refusedWrites).toBe(0);
    expect(forced.status).toBe('SUCCEEDED');
    expect(forced.summary!.endpoints).toHaveLength(6);
  });

  it('an unknown VPC fails with VpcNotFound and changes nothing', async () => {
    // Prepare
    const s = await simScenario();
    const writesBefore = s.account.writeCalls().length;

    // Act
    const result = await runOnSim(s, { vpcId: 'vpc-0aaaaaaaaaaaaaaaa' });

    // Assess
    expect(result.error).toBe('VpcNotFound');
    expect(s.account.writeCalls()).toHaveLength(writesBefore);
  });

  it('a VPC whose opt-in tag now has another value is refused: the tag is re-read, not trusted', async () => {
    // Prepare
    const s = await simScenario();
    await s.clients.ec2.send(
      new CreateTagsCommand({ Resources: [s.vpcId], Tags: [{ Key: 'privatelink-ecs', Value: 'disabled' }] }),
    );

    // Act
    const refused = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(refused.error).toBe('NotOptedIn');
  });
});
