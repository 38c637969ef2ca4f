// Issue 12, item 7, end to end: dual-stack subnets and a service served centrally through a private hosted
// zone, through the workflow (each step as its deployed role) and through a trigger Lambda, on the simulated
// account. The planner's own cases are in test/unit/reconciler (ip-address-type-sim, central-dns-sim).
import { eventForVpc } from '../fixtures/events/load';
import { addInstances, runOnSim, type SimScenario, sentTo, simScenario, simTrigger } from './support';

jest.setTimeout(180_000);

const IPV6_SERVICES = ['ecs', 'ecs-agent', 'ecs-telemetry'];

/** The interface endpoints the account holds, by short service name. */
function interfaceEndpoints(s: SimScenario) {
  return new Map(
    [...s.account.state.endpoints.values()]
      .filter((e) => e.type === 'Interface' && e.state !== 'deleted')
      .map((e) => [e.service, e]),
  );
}

describe('edge networks end to end', () => {
  it('dual-stack subnets: the workflow creates dualstack endpoints for the IPv6-capable services, waits for them and restarts the agents', async () => {
    // Prepare
    const s = await simScenario();
    for (const subnet of s.account.state.subnets.values()) {
      if (subnet.vpcId === s.vpcId) s.account.setSubnetIpv6(subnet.id);
    }
    for (const service of IPV6_SERVICES) s.account.setServiceIpv6(service, true);
    const added = addInstances(s, { clusterName: 'prod', count: 3 });

    // Act
    const run = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    const endpoints = interfaceEndpoints(s);
    for (const service of IPV6_SERVICES) expect(endpoints.get(service)?.ipAddressType).toBe('dualstack');
    for (const service of ['ecr.api', 'ecr.dkr']) expect(endpoints.get(service)?.ipAddressType).toBe('ipv4');
    expect(run.summary!.endpoints.every((e) => e.state === 'available')).toBe(true);
    expect(run.summary!.counts).toEqual({ restarted: 3, skipped: 0, failed: 0 });
    expect(sentTo(s).sort()).toEqual([...added.instanceIds].sort());
  });

  it('a service served centrally: the tag-change trigger creates the rest and starts the workflow, which restarts the agents; the zone gets no endpoint', async () => {
    // Prepare
    const s = await simScenario();
    const zoneId = s.account.associatePrivateHostedZone(s.vpcId, 'api.ecr.us-east-1.amazonaws.com');
    const added = addInstances(s, { clusterName: 'prod', count: 2 });
    const trigger = simTrigger(s, ['vpc-tag-change', 'vpc-api-call']);
    const event = eventForVpc('tag-change-vpc-opt-in', s.vpcId, 'c0000000-0000-4000-8000-000000000001');

    // Act
    const triggered = await trigger(event);
    const run = await runOnSim(s, { vpcId: s.vpcId, trigger: { eventId: event.id, kind: 'tag-change' } });

    // Assess: the trigger reconciled without ecr.api and started the workflow.
    expect(triggered.vpcs).toEqual([
      expect.objectContaining({
        vpcId: s.vpcId,
        decision: 'reconciled',
        workflow: expect.objectContaining({ started: true }),
      }),
    ]);
    expect(interfaceEndpoints(s).has('ecr.api')).toBe(false);
    expect([...interfaceEndpoints(s).keys()].sort()).toEqual([
      'ecr.dkr',
      'ecs',
      'ecs-agent',
      'ecs-telemetry',
    ]);
    // The workflow treats the set as complete: nothing held back, every agent restarted.
    expect(run.status).toBe('SUCCEEDED');
    expect(triggered.vpcs[0]!.message).toMatch(/converged/);
    expect(run.summary!.endpoints.map((e) => e.service)).toEqual([
      'ecr.dkr',
      'ecs',
      'ecs-agent',
      'ecs-telemetry',
      's3',
    ]);
    expect(run.summary!.endpoints.every((e) => e.state === 'available')).toBe(true);
    expect(s.account.state.hostedZones.get(zoneId)).toBeDefined();
    expect(run.summary!.counts).toEqual({ restarted: 2, skipped: 0, failed: 0 });
    expect(sentTo(s).sort()).toEqual([...added.instanceIds].sort());
  });
});
