// Defects found in the correctness review of the workflow, each pinned by a scenario on the simulated account.
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { UpdateContainerInstancesStateCommand } from '@aws-sdk/client-ecs';
import { keptWarnings } from '../../shared/workflow/steps';
import {
  addInstances,
  callsOf,
  runOnSim,
  sentTo,
  simScenario,
  TEST_ENDPOINT_SERVICES,
  testConfig,
} from './support';

describe('workflow review: endpoint wait and restart decisions', () => {
  it('a managed endpoint AWS still lists as deleted or deleting does not hold up the endpoint wait', async () => {
    // Prepare: a converged VPC, plus two of our endpoints that were deleted earlier and are still listed.
    const s = await simScenario();
    const first = await runOnSim(s, { vpcId: s.vpcId });
    expect(first.status).toBe('SUCCEEDED');
    const live = [...s.account.state.endpoints.values()].find((e) => e.service === 'ecs')!;
    for (const [id, state] of [
      ['vpce-0deleted000000001', 'deleted'],
      ['vpce-0deleting00000001', 'deleting'],
    ] as const) {
      s.account.state.endpoints.set(id, { ...live, id, state, deletingPollsLeft: 1_000 });
      s.account.state.tagsOf(id).set('privatelink-ecs:managed', 'true');
    }
    addInstances(s, { clusterName: 'prod', count: 1 });
    const config = testConfig({
      endpointWait: { timeoutSeconds: 60, minIntervalSeconds: 15, maxIntervalSeconds: 60 },
    });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId, restart: 'all' }, { config });

    // Assess
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.statesVisited.filter((n) => n === 'WaitForEndpoints')).toHaveLength(0);
    expect(result.summary!.endpoints.map((e) => e.id)).not.toContain('vpce-0deleted000000001');
    expect(result.summary!.endpoints.map((e) => e.id)).not.toContain('vpce-0deleting00000001');
  });

  it('an agent registered while the endpoints were still pending is restarted once they are available', async () => {
    // Prepare: a first run times out while the endpoints are pending; an instance registers meanwhile.
    const s = await simScenario();
    for (const service of TEST_ENDPOINT_SERVICES)
      s.account.setEndpointBehaviour(service, { pendingPolls: 8 });
    const config = testConfig({
      endpointWait: { timeoutSeconds: 60, minIntervalSeconds: 15, maxIntervalSeconds: 60 },
    });
    const timedOut = await runOnSim(s, { vpcId: s.vpcId }, { config });
    expect(timedOut.error).toBe('EndpointTimeout');
    s.account.clock.advance(120_000);
    const [duringPending] = addInstances(s, { clusterName: 'prod', count: 1 }).instanceIds;

    // Act: the next run still sees them pending, waits, and then decides.
    const result = await runOnSim(
      s,
      { vpcId: s.vpcId },
      { config: testConfig({ endpointWait: { timeoutSeconds: 900 } }) },
    );

    // Assess
    expect(result.statesVisited).toContain('WaitForEndpoints');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.restarted.map((r) => r.instanceId)).toEqual([duringPending]);
    expect(sentTo(s)).toEqual([duringPending]);
  });

  it('a re-run after the pending-window restart still restarts nobody twice', async () => {
    // Prepare
    const s = await simScenario();
    addInstances(s, { clusterName: 'prod', count: 2 });
    const first = await runOnSim(s, { vpcId: s.vpcId });
    expect(first.summary!.counts.restarted).toBe(2);
    s.account.clock.advance(60_000);

    // Act
    const second = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(second.status).toBe('SUCCEEDED');
    expect(second.summary!.counts.restarted).toBe(0);
    expect(sentTo(s)).toHaveLength(2);
  });
});

describe('workflow review: reboot fallback', () => {
  it('an instance the operator had already drained is rebooted but left DRAINING, not set ACTIVE', async () => {
    // Prepare
    const s = await simScenario();
    const added = addInstances(s, { clusterName: 'prod', count: 1, ssmManaged: false });
    const [instanceId] = added.instanceIds;
    await s.clients.ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster: added.clusterArn,
        containerInstances: added.containerInstanceArns,
        status: 'DRAINING',
      }),
    );
    const before = s.account.calls.length;
    const config = testConfig({ restart: { fallback: 'reboot' } });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(callsOf(s.account, 'ec2:RebootInstances')).toEqual([{ InstanceIds: [instanceId] }]);
    const statuses = s.account.calls
      .slice(before)
      .filter((c) => c.operation === 'UpdateContainerInstancesState')
      .map((c) => (c.input as { status: string }).status);
    expect(statuses).not.toContain('ACTIVE');
    expect(result.summary!.restarted).toEqual([
      expect.objectContaining({ instanceId, reason: expect.stringMatching(/left DRAINING/) }),
    ]);
  });

  it('a rebooted instance whose agent never reconnects is reported as failed and set ACTIVE again', async () => {
    // Prepare
    const s = await simScenario();
    const [instanceId] = addInstances(s, { clusterName: 'prod', count: 1, ssmManaged: false }).instanceIds;
    s.account.setInstanceBehaviour(instanceId!, { reconnects: false });
    const config = testConfig({
      restart: { fallback: 'reboot', reconnectTimeoutSeconds: 120, maxErrors: 1 },
    });

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { config });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RestartsFailed');
    expect(result.summary!.failed).toEqual([
      expect.objectContaining({
        instanceId,
        reason: expect.stringMatching(/rebooted but the agent did not reconnect within 120 s/),
      }),
    ]);
    const statuses = (
      callsOf(s.account, 'ecs:UpdateContainerInstancesState') as Array<{ status: string }>
    ).map((c) => c.status);
    expect(statuses).toEqual(['DRAINING', 'ACTIVE']);
  });
});

describe('workflow review: what the reconciler could not do', () => {
  it("stops before any restart when a foreign group holding our group's name held back the interface endpoints", async () => {
    // Prepare: someone else's security group already carries the name privatelink-ecs-endpoints.
    const s = await simScenario();
    addInstances(s, { clusterName: 'prod', count: 2 });
    const foreign = await s.clients.ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: s.vpcId,
        GroupName: 'privatelink-ecs-endpoints',
        Description: 'made by another team',
      }),
    );

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EndpointsNotConverged');
    expect(result.cause).toContain('no endpoint for ecr.api, ecr.dkr');
    expect(result.cause).toContain(`security group ${foreign.GroupId} is named privatelink-ecs-endpoints`);
    expect(sentTo(s)).toEqual([]);
    expect(
      callsOf(s.account, 'ec2:CreateVpcEndpoint').map(
        (c) => (c as { VpcEndpointType?: string }).VpcEndpointType,
      ),
    ).not.toContain('Interface');
  });

  it("lists the reconciler's other warnings in the summary notes: a service not offered in one AZ", async () => {
    // Prepare: ecs-telemetry is offered in one AZ only; the other AZs get no ecs-telemetry endpoint.
    const s = await simScenario();
    const azs = [...new Set([...s.account.state.subnets.values()].map((sn) => sn.az))].sort();
    expect(azs.length).toBeGreaterThan(1);
    s.account.setServiceAzs('ecs-telemetry', [azs[0]!]);

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.notes).toContainEqual(
      expect.stringMatching(
        /^endpoints: ecs-telemetry is not offered in .+; those AZs get no ecs-telemetry endpoint$/,
      ),
    );
  });

  it('keeps at most five warnings in the state, each shortened, and says how many more there were', () => {
    // Act
    const kept = keptWarnings([...Array.from({ length: 7 }, (_, i) => `warning ${i}`), 'x'.repeat(1000)]);

    // Assess
    expect(kept).toHaveLength(6);
    expect(kept.slice(0, 5)).toEqual(['warning 0', 'warning 1', 'warning 2', 'warning 3', 'warning 4']);
    expect(kept[5]).toBe('… and 3 more (see the "reconcile plan" log line)');
    expect(keptWarnings(['x'.repeat(1000)])[0]).toHaveLength(400);
  });
});
