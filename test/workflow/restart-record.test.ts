// Item 2 of issue 12: the restart record. The ECS attribute (privatelink-ecs.restarted-at) is only a hint: ECS
// refuses it on an instance that already carries its ten custom attributes. The durable record is in the state
// table, per VPC and container instance, with the endpoint generation the agent was restarted for.
import { DeleteVpcEndpointsCommand } from '@aws-sdk/client-ec2';
import { PutAttributesCommand } from '@aws-sdk/client-ecs';
import { CUSTOM_ATTRIBUTE_LIMIT } from '../../devkit/sim/ecs';
import { RESTARTED_AT_ATTRIBUTE } from '../../shared/workflow/plan';
import { keys } from '../../shared/workflow/records';
import { loadEvent } from '../fixtures/events/load';
import {
  addInstances,
  callsOf,
  runOnSim,
  type SimScenario,
  STATE_TABLE,
  sentTo,
  simScenario,
  simTrigger,
} from './support';

/** Fills every custom attribute slot ECS allows on the container instances, as other tooling might. */
async function fillCustomAttributes(s: SimScenario, cluster: string, arns: string[]): Promise<void> {
  for (const arn of arns) {
    await s.clients.ecs.send(
      new PutAttributesCommand({
        cluster,
        attributes: Array.from({ length: CUSTOM_ATTRIBUTE_LIMIT }, (_, n) => ({
          name: `team.label-${n}`,
          value: 'x',
          targetId: arn,
        })),
      }),
    );
  }
}

function stateIds(s: SimScenario): string[] {
  const table = s.account.state.tables.get(STATE_TABLE)!;
  return [...table.items.values()].map((item) => (item.id as { S: string }).S);
}

/** A registration event for one container instance, as ECS sends it (detail version 2). */
function registrationEvent(s: SimScenario, cluster: string, arn: string, id: string) {
  const ci = s.account.state.containerInstances.get(arn)!;
  const event = loadEvent('ecs-container-instance-registered');
  Object.assign(event, { id, account: s.account.accountId, region: s.account.region, resources: [arn] });
  Object.assign(event.detail, {
    clusterArn: cluster,
    containerInstanceArn: arn,
    ec2InstanceId: ci.ec2InstanceId,
    registeredAt: ci.registeredAt.toISOString(),
  });
  return event;
}

jest.setTimeout(180_000);

describe('the restart record', () => {
  it('PutAttributes fails (attribute limit): the re-run restarts no agent twice, from the state-table record', async () => {
    // Prepare
    const s = await simScenario();
    const added = addInstances(s, { clusterName: 'prod', count: 4 });
    await fillCustomAttributes(s, added.clusterArn, added.containerInstanceArns);
    const fillCalls = callsOf(s.account, 'ecs:PutAttributes').length;
    const first = await runOnSim(s, { vpcId: s.vpcId });
    const attributeCalls = callsOf(s.account, 'ecs:PutAttributes').length - fillCalls;

    // Act
    const second = await runOnSim(s, { vpcId: s.vpcId, trigger: { eventId: 'evt-2', kind: 'sweep' } });

    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(first.summary!.counts).toEqual({ restarted: 4, skipped: 0, failed: 0 });
    // The hint was tried and refused: no instance carries it.
    expect(attributeCalls).toBeGreaterThan(0);
    const ci = s.account.state.containerInstances.get(added.containerInstanceArns[0]!)!;
    expect(ci.attributes.has(RESTARTED_AT_ATTRIBUTE)).toBe(false);
    expect(second.status).toBe('SUCCEEDED');
    const sent = sentTo(s);
    expect(sent.sort()).toEqual([...added.instanceIds].sort());
    expect(new Set(sent).size).toBe(sent.length);
    expect(second.summary!.counts).toEqual({ restarted: 0, skipped: 4, failed: 0 });
    // The durable record: one per VPC and container instance.
    for (const arn of added.containerInstanceArns) {
      expect(stateIds(s)).toContain(keys.restarted(s.vpcId, arn));
    }
    expect(first.summary!.restarted.every((r) => /ECS attribute hint not written/.test(r.reason))).toBe(true);
    expect(
      second.summary!.skipped.every((r) =>
        /already restarted for these endpoints \(generation /.test(r.reason),
      ),
    ).toBe(true);
  });

  it('a redelivered registration of an agent restarted without the hint starts no workflow: the trigger reads the state-table record', async () => {
    // Prepare: agents registered before the endpoints; the workflow restarts them, but ECS refuses the hint.
    const s = await simScenario();
    const twoDaysAgo = new Date(s.account.clock.now().getTime() - 2 * 24 * 3_600_000);
    const added = addInstances(s, { clusterName: 'prod', count: 2, registeredAt: twoDaysAgo });
    await fillCustomAttributes(s, added.clusterArn, added.containerInstanceArns);
    const run = await runOnSim(s, { vpcId: s.vpcId });
    s.account.clock.advance(10 * 60_000);
    const handler = simTrigger(s, ['ecs-instance-state']);
    const [first, second] = added.containerInstanceArns as [string, string];
    // The second agent's record is gone (as if its restart had never been recorded): the control case.
    s.account.state.tables.get(STATE_TABLE)!.items.delete(keys.restarted(s.vpcId, second));

    // Act
    const recorded = await handler(
      registrationEvent(s, added.clusterArn, first, 'a0000000-0000-4000-8000-000000000001'),
    );
    const unrecorded = await handler(
      registrationEvent(s, added.clusterArn, second, 'a0000000-0000-4000-8000-000000000002'),
    );

    // Assess
    expect(run.summary!.counts.restarted).toBe(2);
    expect(s.account.state.containerInstances.get(first)!.attributes.has(RESTARTED_AT_ATTRIBUTE)).toBe(false);
    expect(recorded.vpcs).toEqual([expect.objectContaining({ vpcId: s.vpcId, decision: 'reconciled' })]);
    expect(recorded.vpcs[0]!.workflow).toBeUndefined();
    expect(unrecorded.vpcs[0]!.workflow).toEqual(expect.objectContaining({ started: true }));
    expect(s.account.state.executions.size).toBe(1);
  });

  it('a record the runs keep relying on is rewritten with a fresh TTL once a month, and not more often', async () => {
    // Prepare
    const s = await simScenario();
    const added = addInstances(s, { clusterName: 'prod', count: 2 });
    await runOnSim(s, { vpcId: s.vpcId });
    const table = s.account.state.tables.get(STATE_TABLE)!;
    const key = keys.restarted(s.vpcId, added.containerInstanceArns[0]!);
    const expiration = () => Number((table.items.get(key)!.expiration as { N: string }).N);
    const written = expiration();

    // Act: a sweep a day later, then one 31 days after the restart.
    s.account.clock.advance(24 * 3_600_000);
    await runOnSim(s, { vpcId: s.vpcId, trigger: { eventId: 'evt-2', kind: 'sweep' } });
    const afterADay = expiration();
    s.account.clock.advance(30 * 24 * 3_600_000);
    const later = await runOnSim(s, { vpcId: s.vpcId, trigger: { eventId: 'evt-3', kind: 'sweep' } });

    // Assess
    expect(afterADay).toBe(written);
    // Rewritten during the last run (its waits move the clock a little), 400 days from then.
    expect(expiration() - written).toBeGreaterThanOrEqual(31 * 24 * 3600);
    expect(expiration() - written).toBeLessThan(31 * 24 * 3600 + 3600);
    const record = JSON.parse((table.items.get(key)!.data as { S: string }).S) as { at: string; w?: string };
    expect(s.account.clock.now().getTime() - Date.parse(record.w!)).toBeLessThan(3_600_000);
    expect(s.account.clock.now().getTime() - Date.parse(record.at)).toBeGreaterThan(31 * 24 * 3_600_000);
    expect(later.summary!.counts).toEqual({ restarted: 0, skipped: 2, failed: 0 });
    expect(sentTo(s)).toHaveLength(2);
  });

  it('new endpoints (a new generation) restart the agents again despite the record', async () => {
    // Prepare
    const s = await simScenario();
    const added = addInstances(s, { clusterName: 'prod', count: 2 });
    await fillCustomAttributes(s, added.clusterArn, added.containerInstanceArns);
    await runOnSim(s, { vpcId: s.vpcId });
    // The ecs-agent endpoint is replaced: the agents' connection must move again.
    const ecsAgent = [...s.account.state.endpoints.values()].find((e) => e.service === 'ecs-agent')!;
    await s.clients.ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ecsAgent.id] }));
    s.account.clock.advance(60_000);

    // Act
    const second = await runOnSim(s, { vpcId: s.vpcId, trigger: { eventId: 'evt-2', kind: 'sweep' } });

    // Assess
    expect(second.status).toBe('SUCCEEDED');
    expect(second.summary!.counts.restarted).toBe(2);
    expect(sentTo(s)).toHaveLength(4);
  });
});
