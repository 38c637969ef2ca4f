// A realistic hour of ECS events for 200 container instances, replayed through the deployed rule patterns and
// the trigger Lambdas on the simulated account (bench/replay.ts): routine events must cost nothing at all.
import {
  REALISTIC_HOUR,
  type ReplayCounts,
  type ReplayKind,
  type ReplayWorld,
  ROUTINE_KINDS,
  realisticHour,
  replay,
  replayWorld,
  total,
} from '../../../bench/replay';
import { RESTARTED_AT_ATTRIBUTE } from '../../../shared/workflow/plan';

// The world is built by a real run of the workflow over 200 instances; leave room on a busy 2-core machine.
jest.setTimeout(120_000);

describe('a realistic hour of ECS events for 200 instances', () => {
  let world: ReplayWorld;
  let counts: Map<ReplayKind, ReplayCounts>;

  beforeAll(async () => {
    // Prepare: a converged opted-in VPC whose 200 instances registered before the endpoints and were restarted
    // by the workflow; then an hour of scale-in, scale-out, a new cluster, reconnects and task placements.
    world = await replayWorld();

    // Act
    counts = await replay(world, realisticHour(world));
  });

  it('is the hour the issue describes', () => {
    // Assess
    const events = (kind: ReplayKind) => counts.get(kind)?.events ?? 0;
    expect(world.established).toHaveLength(REALISTIC_HOUR.instances);
    expect(events('task placement')).toBe(2000);
    expect(events('agent reconnect')).toBe(400);
    expect(events('agent disconnect')).toBe(400);
    expect(events('draining')).toBe(10);
    expect(events('deregistration')).toBe(10);
    expect(events('registration')).toBe(10);
    expect(events('first connection')).toBe(10);
    expect(events('cluster creation')).toBe(1);
    const restarted = world.account.state.containerInstances;
    expect(
      world.established.every((i) =>
        restarted.get(i.containerInstanceArn)?.attributes.has(RESTARTED_AT_ATTRIBUTE),
      ),
    ).toBe(true);
  });

  it('gives no rule match, no Lambda invocation, no AWS call and no execution for any routine event', () => {
    // Act
    const routine = total(counts, ROUTINE_KINDS);

    // Assess
    expect(routine).toEqual({
      events: 2820,
      ruleMatches: 0,
      invocations: 0,
      awsCalls: 0,
      executionsStarted: 0,
      failedInvocations: 0,
    });
  });

  it('handles each new instance once, on its first connection, and starts no workflow for it', () => {
    // Act
    const registration = counts.get('registration')!;
    const connection = counts.get('first connection')!;

    // Assess: registered after the endpoints, so the agents already use them.
    expect(registration).toMatchObject({ ruleMatches: 0, invocations: 0, awsCalls: 0 });
    expect(connection).toMatchObject({
      ruleMatches: 10,
      invocations: 10,
      executionsStarted: 0,
      failedInvocations: 0,
    });
    expect(connection.awsCalls).toBeGreaterThan(0);
  });

  it('handles the new cluster once and starts no workflow for a converged VPC', () => {
    // Assess
    expect(counts.get('cluster creation')).toMatchObject({
      ruleMatches: 1,
      invocations: 1,
      executionsStarted: 0,
      failedInvocations: 0,
    });
  });

  it('made every trigger and workflow call as the deployed roles, with no denial', () => {
    // Assess
    expect(world.account.iam.authorized).toBeGreaterThan(0);
    expect(world.account.iam.denied).toBe(0);
  });

  it('starts nothing for a late registration event of an agent the workflow already restarted', async () => {
    // Prepare: the first-connection event of an established instance, delivered two days late (or replayed):
    // it registered before the endpoints, and the workflow restarted it after they were created.
    const [template] = realisticHour(world).filter((e) => e.kind === 'first connection');
    const instance = world.established[REALISTIC_HOUR.deregistrations]!;
    const event = structuredClone(template!.event) as { id: string; detail: Record<string, unknown> };
    event.id = '1a7e0000-0000-4000-8000-000000000001';
    Object.assign(event.detail, {
      ec2InstanceId: instance.ec2InstanceId,
      containerInstanceArn: instance.containerInstanceArn,
      clusterArn: instance.clusterArn,
      registeredAt: instance.registeredAt.toISOString(),
      version: 2,
    });
    const callsBefore = world.account.calls.length;

    // Act
    const late = (await replay(world, [{ kind: 'first connection', event }])).get('first connection');

    // Assess: one invocation that reads the durable restart record from the stack table (as TriggerEcs) and
    // starts nothing; the ECS attribute hint is not even read.
    expect(late).toMatchObject({ invocations: 1, executionsStarted: 0, failedInvocations: 0 });
    const calls = world.account.calls.slice(callsBefore);
    expect(
      calls.some(
        (c) =>
          c.operation === 'GetItem' &&
          JSON.stringify(c.input).includes(`restarted#${world.vpcId}#${instance.containerInstanceArn}`),
      ),
    ).toBe(true);
    expect(calls.some((c) => c.operation === 'DescribeContainerInstances')).toBe(false);
  });
});
