// Item 7 of issue 12: agent updates (UpdateContainerAgent, restart.agentUpdate) roll in batches of
// restart.maxConcurrency under the same error budget (restart.maxErrors) as the restarts, not all at once.
import { addInstances, callsOf, runOnSim, sentTo, simScenario, testConfig } from './support';

jest.setTimeout(180_000);

type UpdateInput = { cluster: string; containerInstance: string };

describe('agent updates in batches', () => {
  it('six old agents, maxConcurrency 2: at most two updates run at a time, each batch followed to UPDATED', async () => {
    // Prepare
    const s = await simScenario();
    const old = addInstances(s, { clusterName: 'legacy', count: 6, agentVersion: '1.24.0' });
    const config = testConfig({ restart: { agentUpdate: true, maxConcurrency: 2, maxErrors: 0 } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.counts).toEqual({ restarted: 6, skipped: 0, failed: 0 });
    const updates = callsOf(s.account, 'ecs:UpdateContainerAgent') as UpdateInput[];
    expect(updates.map((u) => u.containerInstance).sort()).toEqual([...old.containerInstanceArns].sort());
    // Between two batches the workflow waits for the first batch to report UPDATED: the updates are not sent
    // back to back, and every batch of two is described before the next batch starts.
    const order = s.account.calls
      .filter((c) => c.operation === 'UpdateContainerAgent' || c.operation === 'DescribeContainerInstances')
      .map((c) => (c.operation === 'UpdateContainerAgent' ? 'U' : 'D'))
      .join('')
      .replace(/^D+/, ''); // discovery's describes
    expect(order).toMatch(/^UUD+UUD+UUD+$/);
    expect(sentTo(s)).toHaveLength(0);
  });

  it('failed updates with maxErrors 1 stop the updates after their batch; the rest are not attempted', async () => {
    // Prepare
    const s = await simScenario();
    const old = addInstances(s, { clusterName: 'legacy', count: 6, agentVersion: '1.24.0' });
    const config = testConfig({ restart: { agentUpdate: true, maxConcurrency: 2, maxErrors: 1 } });
    for (const id of old.instanceIds) s.account.setInstanceBehaviour(id, { agentUpdate: 'FAILED' });
    const current = addInstances(s, { clusterName: 'prod', count: 2 });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ErrorBudgetExceeded');
    const updates = callsOf(s.account, 'ecs:UpdateContainerAgent') as UpdateInput[];
    expect(updates).toHaveLength(2);
    const summary = result.summary!;
    expect(summary.failed.map((r) => r.reason)).toEqual([
      'agent update reported FAILED',
      'agent update reported FAILED',
    ]);
    // The other old agents and the restarts were not attempted, and say why.
    expect(summary.counts).toEqual({ restarted: 0, skipped: 6, failed: 2 });
    expect(summary.skipped.map((r) => r.instanceId).sort()).toEqual(
      [
        ...old.instanceIds.filter((id) => !summary.failed.some((f) => f.instanceId === id)),
        ...current.instanceIds,
      ].sort(),
    );
    expect(summary.skipped.every((r) => /not attempted: error budget exceeded/.test(r.reason))).toBe(true);
    expect(sentTo(s)).toHaveLength(0);
  });
});
