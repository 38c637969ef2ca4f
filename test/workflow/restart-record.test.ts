// Item 2 of issue 12: the restart record. The ECS attribute (privatelink-ecs.restarted-at) is only a hint: ECS
// refuses it on an instance that already carries its ten custom attributes. The durable record is in the state
// table, per VPC and container instance, with the endpoint generation the agent was restarted for.
import { DeleteVpcEndpointsCommand } from '@aws-sdk/client-ec2';
import { PutAttributesCommand } from '@aws-sdk/client-ecs';
import { CUSTOM_ATTRIBUTE_LIMIT } from '../../devkit/sim/ecs';
import { RESTARTED_AT_ATTRIBUTE } from '../../shared/workflow/plan';
import { keys } from '../../shared/workflow/records';
import {
  addInstances,
  callsOf,
  runOnSim,
  type SimScenario,
  STATE_TABLE,
  sentTo,
  simScenario,
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
