// `privatelink-ecs event` against moto: rule matching, dry run vs --apply, and exit codes.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { main } from '../../../bin/cli';
import { createAwsClients } from '../../../shared/clients';
import { eventForVpc, loadEvent } from '../../fixtures/events/load';
import { captureCli } from '../../support/cli';
import { createVpcLayout, registerContainerInstances } from '../../support/fixtures';
import { resetMoto } from '../../support/moto';
import { createTriggerWorld, endpointsPerService, listExecutionNames, type TriggerWorld } from './support';

function eventFile(event: unknown): string {
  const file = join(tmpdir(), `plecs-event-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof event === 'string' ? event : JSON.stringify(event));
  return file;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureCli();
  try {
    const code = await main(args);
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  } finally {
    process.exitCode = undefined;
  }
}

// moto answers in milliseconds, but a full reconcile is a few dozen calls; leave room on a busy machine.
jest.setTimeout(30_000);

describe('privatelink-ecs event', () => {
  let world: TriggerWorld;

  beforeEach(async () => {
    await resetMoto();
    world = await createTriggerWorld(createAwsClients());
  });

  it('names the matching rule and plans without writing in a dry run', async () => {
    // Prepare
    const { vpcId } = await createVpcLayout(world.clients.ec2, {
      azs: 1,
      tags: { 'privatelink-ecs': 'enabled' },
    });
    const file = eventFile(eventForVpc('tag-change-vpc-opt-in', vpcId));

    // Act
    const result = await run(['event', '--file', file]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Matches rule vpc-tag-change');
    expect(result.stdout).toContain('Dry run');
    expect(result.stdout).toMatch(/would create-interface-endpoint ecr\.api/);
    expect(result.stdout).toMatch(/would start workflow execution vpc-/);
    expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual({});
  });

  it('shows the teardown plan of an opted-out VPC with teardownOnOptOut in a dry run, and deletes nothing', async () => {
    // Prepare: converged by its opt-in event, then the opt-in tag removed.
    const { vpcId } = await createVpcLayout(world.clients.ec2, {
      azs: 1,
      tags: { 'privatelink-ecs': 'enabled' },
    });
    await world.handler()(eventForVpc('tag-change-vpc-opt-in', vpcId));
    await world.clients.ec2.send(
      new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'privatelink-ecs' }] }),
    );
    const before = await endpointsPerService(world.clients.ec2, vpcId);
    const config = eventFile({ ssmEndpoints: 'never', teardownOnOptOut: true });

    // Act
    const result = await run([
      'event',
      eventFile(eventForVpc('tag-change-vpc-opt-out', vpcId)),
      '--config',
      config,
    ]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dry run: nothing deleted');
    expect(result.stdout).toMatch(
      /would delete-endpoint ecr\.api: vpce-\w+ \(ecr\.api\) was created by privatelink-ecs/,
    );
    expect(result.stdout).toMatch(/would delete-security-group: sg-\w+ was created by privatelink-ecs/);
    expect(before).toMatchObject({ 'ecr.api': 1, s3: 1 });
    expect(await endpointsPerService(world.clients.ec2, vpcId)).toEqual(before);
  });

  it('acts with --apply and starts the workflow it is given', async () => {
    // Prepare
    const { vpcId } = await createVpcLayout(world.clients.ec2, {
      azs: 1,
      tags: { 'privatelink-ecs': 'enabled' },
    });
    const file = eventFile(eventForVpc('cloudtrail-create-vpc-tagged', vpcId));

    // Act
    const result = await run([
      'event',
      file,
      '--apply',
      '--json',
      '--state-machine-arn',
      world.stateMachineArn,
    ]);

    // Assess
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      matched: ['vpc-api-call'],
      dryRun: false,
      vpcs: [{ vpcId, decision: 'reconciled' }],
    });
    expect(json.vpcs[0].workflow).toMatchObject({ started: true });
    expect(await endpointsPerService(world.clients.ec2, vpcId)).toMatchObject({ 'ecr.api': 1, s3: 1 });
    expect(await listExecutionNames(world.clients.sfn, world.stateMachineArn)).toHaveLength(1);
  });

  it('makes no AWS call for a task placement on an instance in a converged opted-in VPC: no rule matches', async () => {
    // Prepare: the VPC converged by its opt-in event; then ECS reports a task placement on one of its
    // instances, shaped after the published sample (detail.version 14801).
    const layout = await createVpcLayout(world.clients.ec2, {
      azs: 1,
      tags: { 'privatelink-ecs': 'enabled' },
    });
    await world.handler()(eventForVpc('tag-change-vpc-opt-in', layout.vpcId));
    const fleet = await registerContainerInstances(world.clients, {
      clusterName: 'payments',
      subnetId: layout.privateSubnetIds[0]!,
      count: 1,
    });
    const placement = loadEvent('ecs-container-instance-task-placement');
    placement.detail.ec2InstanceId = fleet.instanceIds[0];
    placement.detail.clusterArn = fleet.clusterArn;
    placement.detail.containerInstanceArn = fleet.containerInstanceArns[0];
    placement.resources = [fleet.containerInstanceArns[0]];
    const io = captureCli();

    // Act
    let code: number;
    try {
      code = await main(['event', eventFile(placement), '--json']);
    } finally {
      process.exitCode = undefined;
    }

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ matched: [], action: 'drop' });
    expect(io.commands).toEqual([]);
  });

  it('says no rule matches and exits 0', async () => {
    // Act
    const result = await run([
      'event',
      '--file',
      eventFile(loadEvent('cloudtrail-create-tags-security-group')),
    ]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No trigger rule matches this event');
  });

  it('reports a VPC that no longer exists and exits 0', async () => {
    // Act
    const result = await run(['event', '--file', eventFile(loadEvent('tag-change-vpc-opt-in'))]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /vpc-0a1b2c3d4e5f60718: vpc-not-found - VPC vpc-0a1b2c3d4e5f60718 no longer exists/,
    );
  });

  it('reports an instance that no longer exists and exits 0', async () => {
    // Act
    const result = await run(['event', '--file', eventFile(loadEvent('ecs-container-instance-registered'))]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Note: EC2 instance i-0abc1234def567890 no longer exists');
  });

  it.each([
    ['not JSON', '{"id": '],
    ['JSON that is not an EventBridge event', '{"hello": "world"}'],
  ])('exits 2 with one line on stderr for %s', async (_label, text) => {
    // Act
    const result = await run(['event', '--file', eventFile(text)]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^privatelink-ecs: (the input is not JSON|not an EventBridge event)/);
  });

  it('exits 2 for a file that cannot be read', async () => {
    const result = await run(['event', '--file', '/nonexistent/event.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read /nonexistent/event.json');
  });
});
