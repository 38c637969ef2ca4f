// Trigger Lambdas against moto: duplicates, concurrency, malformed input, opt-out, ECS and sweep events.
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DeleteVpcEndpointsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, PutAttributesCommand, TagResourceCommand } from '@aws-sdk/client-ecs';
import { ListExecutionsCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { type AwsClients, createAwsClients } from '../../../shared/clients';
import { logger, metrics } from '../../../shared/observability';
import { RESTARTED_AT_ATTRIBUTE } from '../../../shared/workflow/plan';
import { type AnyEvent, eventForVpc, loadEvent } from '../../fixtures/events/load';
import {
  createVpcLayout,
  recordCalls,
  registerContainerInstances,
  type VpcLayout,
} from '../../support/fixtures';
import { resetMoto } from '../../support/moto';
import { createTriggerWorld, endpointsPerService, listExecutionNames, type TriggerWorld } from './support';

const ONE_EACH = { 'ecr.api': 1, 'ecr.dkr': 1, ecs: 1, 'ecs-agent': 1, 'ecs-telemetry': 1, s3: 1 };
const OPT_IN = { 'privatelink-ecs': 'enabled' };

// moto answers in milliseconds, but a full reconcile is a few dozen calls; leave room on a busy machine.
jest.setTimeout(30_000);

describe('trigger Lambdas against moto', () => {
  let world: TriggerWorld;

  beforeEach(async () => {
    await resetMoto();
    world = await createTriggerWorld(createAwsClients());
  });

  it('turns ten deliveries of one tag-change event into one set of endpoints and one execution', async () => {
    // Prepare
    const { vpcId } = await createVpcLayout(world.clients.ec2, { azs: 2, tags: OPT_IN });
    const handler = world.handler();
    const event = eventForVpc('tag-change-vpc-opt-in', vpcId);

    // Act
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await handler(event));

    // Assess: every call the handler made went through the deployed role's policies, and none was denied.
    expect(world.iam.authorized).toBeGreaterThan(20);
    expect(world.iam.denied).toBe(0);
    expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual(ONE_EACH);
    const executions = await listExecutionNames(world.clients.sfn, world.stateMachineArn);
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatch(new RegExp(`^${vpcId}-[0-9a-f]{16}$`));
    expect(results[0]).toMatchObject({
      status: 'processed',
      vpcs: [{ vpcId, decision: 'reconciled', workflow: { started: true } }],
    });
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  });

  it('fails a duplicate delivered while the first is still running, and a redelivery after the first failed does the work', async () => {
    // Prepare: the first delivery's first CreateVpcEndpoint waits until released, then fails.
    const { vpcId } = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN });
    const handler = world.handler();
    const event = eventForVpc('tag-change-vpc-opt-in', vpcId);
    let reached!: () => void;
    const firstReachedCreate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let blockOnce = true;
    world.clients.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CreateVpcEndpointCommand' && blockOnce) {
          blockOnce = false;
          reached();
          await released;
          throw Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'blockFirstCreate' },
    );

    // Act
    const first = handler(event).then(
      () => 'resolved',
      (err: Error) => err.name,
    );
    await firstReachedCreate;
    const duplicate = await handler(event).then(
      () => 'resolved',
      (err: Error) => err.name,
    );
    release();
    const firstOutcome = await first;
    const redelivery = await handler(event);

    // Assess
    expect(duplicate).toBe('IdempotencyAlreadyInProgressError');
    expect(firstOutcome).not.toBe('resolved');
    expect(redelivery).toMatchObject({ status: 'processed', vpcs: [{ vpcId, decision: 'reconciled' }] });
    expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual(ONE_EACH);
  });

  it('gives one endpoint per service when CreateVpc and a tag change for the same VPC arrive together', async () => {
    // Prepare
    const { vpcId } = await createVpcLayout(world.clients.ec2, { azs: 2, tags: OPT_IN });
    const handler = world.handler();
    const createVpc = eventForVpc(
      'cloudtrail-create-vpc-tagged',
      vpcId,
      '11111111-2222-4333-8444-555555555555',
    );
    const tagChange = eventForVpc('tag-change-vpc-opt-in', vpcId, '66666666-7777-4888-9999-000000000000');

    // Act
    const [a, b] = await Promise.all([handler(createVpc), handler(tagChange)]);

    // Assess
    expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual(ONE_EACH);
    expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toHaveLength(1);
    const started = [a, b].filter((r) => r.vpcs[0]?.workflow?.started);
    expect(started).toHaveLength(1);
    expect([a, b].map((r) => r.vpcs[0]?.decision)).toEqual(['reconciled', 'reconciled']);
  });

  it('logs and drops a malformed event without any AWS call and returns normally', async () => {
    // Prepare
    const { vpcId } = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN });
    const logs = {
      ec2: recordCalls(world.clients.ec2),
      sfn: recordCalls(world.clients.sfn),
      dynamodb: recordCalls(world.clients.dynamodb),
    };
    const warn = jest.spyOn(logger, 'warn');
    const addMetric = jest.spyOn(metrics, 'addMetric');
    const event = eventForVpc('tag-change-vpc-opt-in', vpcId);
    event.resources = ['arn:aws:ec2:us-east-1:123456789012:vpc/not-a-vpc-id'];

    // Act
    const result = await world.handler()(event);

    // Assess
    expect(result).toMatchObject({ status: 'dropped', reason: 'resources must hold exactly one VPC ARN' });
    expect(warn).toHaveBeenCalledWith(
      'event dropped',
      expect.objectContaining({ reason: 'resources must hold exactly one VPC ARN' }),
    );
    expect(addMetric).toHaveBeenCalledWith('EventsDropped', 'Count', 1);
    expect([...logs.ec2.calls, ...logs.sfn.calls, ...logs.dynamodb.calls]).toEqual([]);
  });

  it('drops an event for a rule another function serves', async () => {
    // Act
    const result = await world.handler(['ecs-instance-state'])(loadEvent('tag-change-vpc-opt-in'));

    // Assess
    expect(result).toMatchObject({
      status: 'dropped',
      reason: expect.stringContaining('not served by this function'),
    });
  });

  it('re-reads the tags: a late opt-in event for a VPC whose tag is gone changes nothing', async () => {
    // Prepare
    const { vpcId } = await createVpcLayout(world.clients.ec2, { azs: 1 });
    const ec2Calls = recordCalls(world.clients.ec2);

    // Act
    const result = await world.handler()(eventForVpc('tag-change-vpc-opt-in', vpcId));

    // Assess
    expect(result.vpcs).toEqual([expect.objectContaining({ vpcId, decision: 'not-opted-in' })]);
    expect(ec2Calls.writes()).toEqual([]);
    expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toEqual([]);
  });

  it('reports a VPC that no longer exists without failing', async () => {
    // Act
    const result = await world.handler()(eventForVpc('tag-change-vpc-opt-in', 'vpc-0123456789abcdef0'));

    // Assess
    expect(result.vpcs).toEqual([expect.objectContaining({ decision: 'vpc-not-found' })]);
  });

  describe('opt-out', () => {
    async function convergedLayout(): Promise<VpcLayout> {
      const layout = await createVpcLayout(world.clients.ec2, { azs: 2, tags: OPT_IN });
      const { vpcId } = layout;
      await world.handler()(
        eventForVpc('tag-change-vpc-opt-in', vpcId, 'aaaaaaaa-0000-4000-8000-000000000001'),
      );
      await world.clients.ec2.send(
        new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'privatelink-ecs' }] }),
      );
      return layout;
    }

    it('keeps the endpoints by default and says so', async () => {
      // Prepare
      const { vpcId } = await convergedLayout();
      const ec2Calls = recordCalls(world.clients.ec2);

      // Act
      const result = await world.handler()(eventForVpc('tag-change-vpc-opt-out', vpcId));

      // Assess
      expect(result.vpcs).toEqual([
        expect.objectContaining({
          decision: 'opted-out-kept',
          message: expect.stringContaining('teardownOnOptOut is off'),
        }),
      ]);
      expect(ec2Calls.writes()).toEqual([]);
      expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual(ONE_EACH);
    });

    it('deletes only our endpoints and security group with teardownOnOptOut and no instances left', async () => {
      // Prepare
      const { vpcId } = await convergedLayout();

      // Act
      const result = await world.handler(undefined, { teardownOnOptOut: true })(
        eventForVpc('cloudtrail-delete-tags-vpc', vpcId),
      );

      // Assess
      expect(result.vpcs).toEqual([expect.objectContaining({ vpcId, decision: 'torn-down' })]);
      expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual({});
    });

    it('refuses teardown while a container instance is still registered in the VPC', async () => {
      // Prepare
      const { vpcId, privateSubnetIds } = await convergedLayout();
      const { instanceIds } = await registerContainerInstances(world.clients, {
        clusterName: 'payments',
        subnetId: privateSubnetIds[0]!,
        count: 1,
      });
      const ec2Calls = recordCalls(world.clients.ec2);

      // Act
      const result = await world.handler(undefined, { teardownOnOptOut: true })(
        eventForVpc('tag-change-vpc-opt-out', vpcId),
      );

      // Assess
      expect(result.vpcs).toEqual([
        expect.objectContaining({
          decision: 'teardown-refused',
          message: expect.stringContaining(instanceIds[0]!),
        }),
      ]);
      expect(ec2Calls.writes()).toEqual([]);
      expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual(ONE_EACH);
    });
  });

  describe('ECS events', () => {
    it('ensures endpoints and starts the workflow when an instance registers in an opted-in VPC', async () => {
      // Prepare
      const layout = await createVpcLayout(world.clients.ec2, { azs: 2, tags: OPT_IN });
      const registered = await registerOne(world.clients, layout);
      const event = registrationEvent(registered);

      // Act
      const result = await world.handler(['ecs-instance-state'])(event);

      // Assess
      expect(result.vpcs).toEqual([
        expect.objectContaining({
          vpcId: layout.vpcId,
          decision: 'reconciled',
          workflow: expect.objectContaining({ started: true }),
        }),
      ]);
      expect(await endpointsPerService(world.clients.ec2, layout.vpcId)).toEqual(ONE_EACH);
    });

    it('restarts an instance registered within the second an endpoint was created (creation times are whole seconds)', async () => {
      // Prepare: converge, end the run the opt-in started (moto keeps it RUNNING), then an instance whose
      // registration falls inside the newest endpoint's (truncated) creation second.
      const layout = await createVpcLayout(world.clients.ec2, { azs: 2, tags: OPT_IN });
      const first = await world.handler()(eventForVpc('tag-change-vpc-opt-in', layout.vpcId));
      await world.clients.sfn.send(
        new StopExecutionCommand({
          executionArn: `${world.stateMachineArn.replace(':stateMachine:', ':execution:')}:${first.vpcs[0]!.workflow!.name}`,
        }),
      );
      const endpoints = await world.clients.ec2.send(
        new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
      );
      const newest = Math.max(...(endpoints.VpcEndpoints ?? []).map((e) => e.CreationTimestamp!.getTime()));
      expect(newest % 1000).toBe(0);
      const registered = await registerOne(world.clients, layout);
      const event = registrationEvent(registered, { registeredAt: new Date(newest + 300) });

      // Act
      const result = await world.handler()(event);

      // Assess
      expect(result.vpcs[0]!.workflow).toMatchObject({
        started: true,
        reasons: [expect.stringContaining('registered before the endpoints were created')],
      });
    });

    it('starts nothing for an instance registered after the endpoints of an already converged VPC', async () => {
      // Prepare
      const layout = await createVpcLayout(world.clients.ec2, { azs: 2, tags: OPT_IN });
      await world.handler()(eventForVpc('tag-change-vpc-opt-in', layout.vpcId));
      const before = await listExecutionNames(world.clients.sfn, world.stateMachineArn);
      const registered = await registerOne(world.clients, layout);
      const event = registrationEvent(registered, { registeredAt: new Date(Date.now() + 60_000) });

      // Act
      const result = await world.handler()(event);

      // Assess
      expect(result.vpcs).toEqual([expect.objectContaining({ decision: 'reconciled' })]);
      expect(result.vpcs[0]!.workflow).toBeUndefined();
      expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toEqual(before);
    });

    it('starts no workflow for an instance already restarted for the current endpoints, even on a late registration event', async () => {
      // Prepare: a converged VPC whose opt-in run is over; an instance registered an hour before the endpoints,
      // which that run restarted (the workflow records privatelink-ecs.restarted-at on the container instance).
      // Its registration event is then delivered late (EventBridge retries a target for up to 6 hours).
      const layout = await createVpcLayout(world.clients.ec2, { azs: 2, tags: OPT_IN });
      const first = await world.handler()(eventForVpc('tag-change-vpc-opt-in', layout.vpcId));
      await stopExecution(world, first.vpcs[0]!.workflow!.name);
      const registered = await registerOne(world.clients, layout);
      await markRestarted(world.clients, registered, new Date(Date.now() + 5_000));
      const before = await listExecutionNames(world.clients.sfn, world.stateMachineArn);
      const event = registrationEvent(registered, {
        id: '51111111-2222-4333-8444-555555555555',
        registeredAt: new Date(Date.now() - 3_600_000),
      });

      // Act
      const result = await world.handler()(event);

      // Assess
      expect(result.vpcs).toEqual([expect.objectContaining({ decision: 'reconciled' })]);
      expect(result.vpcs[0]!.workflow).toBeUndefined();
      expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toEqual(before);
    });

    it('starts a workflow again for a restarted instance once an endpoint is newer than its restart', async () => {
      // Prepare: the instance was restarted for the endpoints as they were; then one endpoint is deleted and
      // the next event recreates it, so the agent's connection predates the new endpoint.
      const layout = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN });
      const first = await world.handler()(eventForVpc('tag-change-vpc-opt-in', layout.vpcId));
      await stopExecution(world, first.vpcs[0]!.workflow!.name);
      const registered = await registerOne(world.clients, layout);
      await markRestarted(world.clients, registered, new Date(Date.now() - 60_000));
      await deleteOneEndpoint(world.clients.ec2, layout.vpcId);
      const recreated = await world.handler()(
        eventForVpc('cloudtrail-create-vpc-tagged', layout.vpcId, '61111111-2222-4333-8444-555555555555'),
      );
      await stopExecution(world, recreated.vpcs[0]!.workflow!.name);
      const event = registrationEvent(registered, {
        id: '71111111-2222-4333-8444-555555555555',
        registeredAt: new Date(Date.now() - 3_600_000),
      });

      // Act
      const result = await world.handler()(event);

      // Assess
      expect(result.vpcs[0]!.workflow).toMatchObject({
        started: true,
        reasons: [expect.stringContaining('registered before the endpoints were created')],
      });
    });

    it('reports an instance that no longer exists and does nothing', async () => {
      // Act
      const result = await world.handler()(loadEvent('ecs-container-instance-registered'));

      // Assess
      expect(result).toMatchObject({
        status: 'processed',
        vpcs: [],
        notes: [expect.stringContaining('no longer exists')],
      });
    });

    it('logs that a new cluster without instances has nothing to do yet', async () => {
      // Prepare
      const event = loadEvent('cloudtrail-ecs-create-cluster');
      const cluster = await world.clients.ecs.send(new CreateClusterCommand({ clusterName: 'payments' }));
      event.detail.responseElements.cluster.clusterArn = cluster.cluster!.clusterArn;

      // Act
      const result = await world.handler()(event);

      // Assess
      expect(result).toMatchObject({
        vpcs: [],
        notes: [expect.stringContaining('no container instances yet')],
      });
    });
  });

  describe('sweep', () => {
    it('reconciles every opted-in VPC, then starts nothing on a converged second pass', async () => {
      // Prepare
      const a = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN });
      const b = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN, cidr: '10.1.0.0/16' });
      const untagged = await createVpcLayout(world.clients.ec2, { azs: 1, cidr: '10.2.0.0/16' });
      const sweep = world.handler(['sweep']);

      // Act
      const first = await sweep(loadEvent('scheduled-sweep'));
      const second = await sweep({
        ...loadEvent('scheduled-sweep'),
        id: 'c0d1e2f3-0000-4000-8000-00000000000f',
      });

      // Assess
      expect(first.vpcs.map((v) => v.vpcId).sort()).toEqual([a.vpcId, b.vpcId].sort());
      expect(first.vpcs.every((v) => v.workflow?.started)).toBe(true);
      expect(second.vpcs.map((v) => [v.decision, v.workflow])).toEqual([
        ['reconciled', undefined],
        ['reconciled', undefined],
      ]);
      expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toHaveLength(2);
      expect(await endpointsPerService(world.clients.ec2, untagged.vpcId)).toEqual({});
    });

    it('with clusterTagOptIn also reconciles VPCs opted in only through a tagged cluster', async () => {
      // Prepare
      const viaCluster = await createVpcLayout(world.clients.ec2, { azs: 1, cidr: '10.3.0.0/16' });
      const untaggedCluster = await createVpcLayout(world.clients.ec2, { azs: 1, cidr: '10.4.0.0/16' });
      const tagged = await registerContainerInstances(world.clients, {
        clusterName: 'payments',
        subnetId: viaCluster.privateSubnetIds[0]!,
        count: 2,
      });
      await registerContainerInstances(world.clients, {
        clusterName: 'batch',
        subnetId: untaggedCluster.privateSubnetIds[0]!,
        count: 1,
      });
      await optInCluster(world.clients, tagged.clusterArn);
      const ecsCalls = recordCalls(world.clients.ecs);

      // Act
      const result = await world.handler(['sweep'], { clusterTagOptIn: true })(loadEvent('scheduled-sweep'));

      // Assess
      expect(result.vpcs).toEqual([
        expect.objectContaining({
          vpcId: viaCluster.vpcId,
          decision: 'reconciled',
          workflow: expect.objectContaining({ started: true }),
        }),
      ]);
      expect(ecsCalls.calls).toContain('DescribeClustersCommand');
      expect(await endpointsPerService(world.clients.ec2, viaCluster.vpcId)).toEqual(ONE_EACH);
      expect(await endpointsPerService(world.clients.ec2, untaggedCluster.vpcId)).toEqual({});
    });

    it('without clusterTagOptIn leaves a VPC reached only through a tagged cluster alone', async () => {
      // Prepare
      const viaCluster = await createVpcLayout(world.clients.ec2, { azs: 1, cidr: '10.3.0.0/16' });
      const registered = await registerOne(world.clients, viaCluster);
      await optInCluster(world.clients, registered.clusterArn);
      const ecsCalls = recordCalls(world.clients.ecs);

      // Act
      const result = await world.handler(['sweep'])(loadEvent('scheduled-sweep'));

      // Assess
      expect(result.vpcs).toEqual([]);
      expect(ecsCalls.calls).toEqual([]);
      expect(await endpointsPerService(world.clients.ec2, viaCluster.vpcId)).toEqual({});
    });

    it('finishes the other VPCs when one fails, then throws so the platform retries', async () => {
      // Prepare
      const good = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN });
      const bad = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN, cidr: '10.1.0.0/16' });
      world.clients.ec2.middlewareStack.add(
        (next, context) => async (args) => {
          const input = (args as { input?: { VpcId?: string } }).input;
          if (context.commandName === 'CreateVpcEndpointCommand' && input?.VpcId === bad.vpcId) {
            throw Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' });
          }
          return next(args);
        },
        { step: 'initialize', name: 'failOneVpc' },
      );
      const sweep = world.handler(['sweep']);

      // Act + Assess
      await expect(sweep(loadEvent('scheduled-sweep'))).rejects.toThrow(/1 of 2 VPCs failed/);
      expect(await endpointsPerService(world.clients.ec2, good.vpcId)).toEqual(ONE_EACH);
      expect(await endpointsPerService(world.clients.ec2, bad.vpcId)).not.toEqual(ONE_EACH);
      // The failing VPC still got its security group and S3 gateway, so its workflow starts too; its own
      // EnsureEndpoints step and the retried event finish the rest.
      expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toHaveLength(2);
    });
  });

  it('acts on CreateTags that also tag other resource types', async () => {
    // Prepare
    const { vpcId } = await createVpcLayout(world.clients.ec2, { azs: 1 });
    await world.clients.ec2.send(
      new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'privatelink-ecs', Value: 'enabled' }] }),
    );

    // Act
    const result = await world.handler()(eventForVpc('cloudtrail-create-tags-mixed', vpcId));

    // Assess
    expect(result.vpcs).toEqual([expect.objectContaining({ vpcId, decision: 'reconciled' })]);
    expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual(ONE_EACH);
  });

  it('starts no second execution for a VPC while one is running; an event that changed the endpoints supersedes it; one starts again once none runs', async () => {
    // Prepare: moto keeps every execution RUNNING until it is stopped. Every instance event below names an
    // instance registered before the endpoints, so it has a reason to start the workflow.
    const layout = await createVpcLayout(world.clients.ec2, { azs: 1, tags: OPT_IN });
    const registered = await registerOne(world.clients, layout);
    const instanceEvent = (id: string): AnyEvent =>
      registrationEvent(registered, { id, registeredAt: new Date(Date.now() - 3_600_000) });
    const handler = world.handler();
    const stop = (name: string) =>
      world.clients.sfn.send(
        new StopExecutionCommand({
          executionArn: `${world.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
        }),
      );
    const runningExecutionNames = async () =>
      (
        (
          await world.clients.sfn.send(
            new ListExecutionsCommand({ stateMachineArn: world.stateMachineArn, statusFilter: 'RUNNING' }),
          )
        ).executions ?? []
      ).map((e) => e.name);
    const first = await handler(eventForVpc('tag-change-vpc-opt-in', layout.vpcId));
    const running = first.vpcs[0]!.workflow!.name;

    // Act: an instance event while it runs; then an event that recreates a deleted endpoint (the running
    // execution may be past its endpoint wait, so a new one takes over); then, that one stopped, another
    // instance event.
    const second = await handler(instanceEvent('21111111-2222-4333-8444-555555555555'));
    await deleteOneEndpoint(world.clients.ec2, layout.vpcId);
    const third = await handler(
      eventForVpc('cloudtrail-create-vpc-tagged', layout.vpcId, '31111111-2222-4333-8444-555555555555'),
    );
    const runningAfterThird = await runningExecutionNames();
    await stop(third.vpcs[0]!.workflow!.name);
    const fourth = await handler(instanceEvent('41111111-2222-4333-8444-555555555555'));

    // Assess
    expect(first.vpcs[0]!.workflow).toMatchObject({ started: true });
    expect(second.vpcs[0]).toMatchObject({
      decision: 'reconciled',
      workflow: {
        started: false,
        duplicate: false,
        alreadyRunning: running,
        reasons: [expect.stringContaining('registered before the endpoints were created')],
      },
    });
    expect(third.vpcs[0]!.workflow).toMatchObject({
      started: true,
      superseded: running,
      reasons: ['endpoints were created or changed'],
    });
    expect(third.vpcs[0]!.workflow!.alreadyRunning).toBeUndefined();
    expect(third.vpcs[0]!.workflow!.stopFailed).toBeUndefined();
    expect(runningAfterThird).toEqual([third.vpcs[0]!.workflow!.name]);
    expect(fourth.vpcs[0]!.workflow).toMatchObject({ started: true });
    const names = [running, third.vpcs[0]!.workflow!.name, fourth.vpcs[0]!.workflow!.name];
    expect(new Set(names).size).toBe(3);
    expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toEqual([...names].sort());
    expect(await endpointsPerService(world.clients.ec2, layout.vpcId)).toEqual(ONE_EACH);
  });
});

/** Registers one container instance in cluster "payments", in the VPC's first private subnet. */
function registerOne(clients: AwsClients, layout: VpcLayout) {
  return registerContainerInstances(clients, {
    clusterName: 'payments',
    subnetId: layout.privateSubnetIds[0]!,
    count: 1,
  });
}

/** Ends a trigger-started execution (moto keeps every execution RUNNING until it is stopped). */
async function stopExecution(world: TriggerWorld, name: string): Promise<void> {
  await world.clients.sfn.send(
    new StopExecutionCommand({
      executionArn: `${world.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
    }),
  );
}

/** Records a restart on the container instance, as the workflow's rollout does (PutAttributes). */
async function markRestarted(
  clients: AwsClients,
  registered: Awaited<ReturnType<typeof registerOne>>,
  at: Date,
): Promise<void> {
  await clients.ecs.send(
    new PutAttributesCommand({
      cluster: registered.clusterArn,
      attributes: [
        {
          name: RESTARTED_AT_ATTRIBUTE,
          value: at.toISOString(),
          targetId: registered.containerInstanceArns[0],
        },
      ],
    }),
  );
}

/** Tags the cluster privatelink-ecs=enabled, which opts its VPCs in under clusterTagOptIn. */
async function optInCluster(clients: AwsClients, clusterArn: string): Promise<void> {
  await clients.ecs.send(
    new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: 'privatelink-ecs', value: 'enabled' }] }),
  );
}

/** The ECS "container instance registered" event for an instance `registerOne` registered. */
function registrationEvent(
  registered: Awaited<ReturnType<typeof registerOne>>,
  options: { id?: string; registeredAt?: Date } = {},
): AnyEvent {
  const event: AnyEvent = loadEvent('ecs-container-instance-registered');
  if (options.id) event.id = options.id;
  event.detail.ec2InstanceId = registered.instanceIds[0];
  event.detail.clusterArn = registered.clusterArn;
  event.detail.containerInstanceArn = registered.containerInstanceArns[0];
  if (options.registeredAt) event.detail.registeredAt = options.registeredAt.toISOString();
  return event;
}

/** Deletes one interface endpoint we made in the VPC, so the next reconcile has something to recreate. */
async function deleteOneEndpoint(ec2: EC2Client, vpcId: string): Promise<void> {
  const res = await ec2.send(
    new DescribeVpcEndpointsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'vpc-endpoint-type', Values: ['Interface'] },
      ],
    }),
  );
  // moto lists a deleted endpoint for a while (state `deleted`); pick a live one.
  const id = res.VpcEndpoints?.find((e) => String(e.State).toLowerCase() !== 'deleted')?.VpcEndpointId;
  if (!id) throw new Error(`no interface endpoint in ${vpcId} to delete`);
  await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }));
}
