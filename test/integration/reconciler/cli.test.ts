import { DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { main } from '../../../bin/cli';
import { captureCli as capture } from '../../support/cli';
import { createVpcLayout } from '../../support/fixtures';
import { resetMoto } from '../../support/moto';

describe('privatelink-ecs plan and apply (CLI against moto)', () => {
  const ec2 = new EC2Client({ maxAttempts: 1 });

  beforeEach(resetMoto);

  afterEach(() => {
    process.exitCode = undefined;
  });

  afterAll(() => ec2.destroy());

  it('plan --json lists each action with kind, service, resource IDs and reason, and the cost, without writing', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 3, tags: { 'privatelink-ecs': 'enabled' } });
    const io = capture();

    // Act
    const code = await main(['plan', '--vpc-id', layout.vpcId, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(io.writes()).toEqual([]);
    const plan = JSON.parse(io.stdout());
    expect(plan.vpcId).toBe(layout.vpcId);
    expect(plan.actions[0]).toEqual({
      kind: 'enable-dns-hostnames',
      service: null,
      resourceIds: [layout.vpcId],
      targetId: null,
      reason: expect.stringContaining('enableDnsHostnames'),
    });
    const creates = plan.actions.filter((a: { kind: string }) => a.kind === 'create-interface-endpoint');
    // auto adds ssm, ssmmessages and ec2messages: these private subnets have no NAT or internet route
    expect(creates.map((a: { service: string }) => a.service)).toEqual([
      'ecr.api',
      'ecr.dkr',
      'ecs-agent',
      'ecs-telemetry',
      'ecs',
      'ssm',
      'ssmmessages',
      'ec2messages',
    ]);
    expect(plan.cost).toEqual({
      addedEndpointAzs: 24,
      hourlyPriceUsd: 0.01,
      priceSource: 'table',
      hoursPerMonth: 730,
      monthlyUsd: 175.2,
    });
  });

  it('plan shows the teardown plan of a VPC without the opt-in tag when teardownOnOptOut is on, without writing', async () => {
    // Prepare: converged with --force (no opt-in tag), then planned with teardownOnOptOut.
    const layout = await createVpcLayout(ec2, { azs: 2 });
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'plecs-')), 'config.json');
    writeFileSync(file, JSON.stringify({ ssmEndpoints: 'never', teardownOnOptOut: true }));
    const io = capture();
    expect(await main(['apply', '--vpc-id', layout.vpcId, '--force', '--config', file])).toBe(0);
    const ours = (
      await ec2.send(
        new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
      )
    ).VpcEndpoints!.map((e) => e.VpcEndpointId!);
    expect(ours.length).toBeGreaterThan(0);
    const writesBefore = io.writes().length;
    const stdoutBefore = io.stdout().length;

    // Act
    const code = await main(['plan', '--vpc-id', layout.vpcId, '--config', file, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(io.writes().length).toBe(writesBefore);
    const plan = JSON.parse(io.stdout().slice(stdoutBefore));
    const kinds = plan.teardown.map((a: { kind: string }) => a.kind);
    expect(kinds.slice(0, -1).every((k: string) => k === 'delete-endpoint')).toBe(true);
    expect(kinds.at(-1)).toBe('delete-security-group');
    expect(
      plan.teardown
        .slice(0, -1)
        .map((a: { targetId: string }) => a.targetId)
        .sort(),
    ).toEqual(ours.sort());
    expect(plan.teardown.at(-1).targetId).toMatch(/^sg-/);
  });

  it('plan prices endpoints with config.endpointHourlyPriceUsd when set', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 2, tags: { 'privatelink-ecs': 'enabled' } });
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'plecs-')), 'config.json');
    writeFileSync(file, JSON.stringify({ ssmEndpoints: 'never', endpointHourlyPriceUsd: 0.02 }));
    const io = capture();

    // Act
    const code = await main(['plan', '--vpc-id', layout.vpcId, '--config', file]);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout()).toContain('10 endpoint-AZ(s) x $0.02/h (config) x 730 h = $146.00/month');
  });

  it('plan names each route table routed to a NAT that s3Gateway auto leaves off the S3 gateway, and why', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 2, nat: true, tags: { 'privatelink-ecs': 'enabled' } });
    const tables = [...layout.privateRouteTableIds].sort();
    const io = capture();

    // Act
    const code = await main(['plan', '--vpc-id', layout.vpcId]);
    const text = io.stdout();
    const jsonCode = await main(['plan', '--vpc-id', layout.vpcId, '--json']);

    // Assess
    expect([code, jsonCode]).toEqual([0, 0]);
    expect(text).toContain(
      `warning: route tables ${tables.join(', ')} send 0.0.0.0/0 to ${layout.natGatewayId}: adding the S3 gateway would move their S3 traffic off the NAT`,
    );
    expect(text).toContain('set s3Gateway to "always" to include them');
    expect(text).not.toMatch(/create-gateway-endpoint|add-gateway-route-tables/);
    const plan = JSON.parse(io.stdout().slice(text.length));
    expect(plan.actions.filter((a: { service: string | null }) => a.service === 's3')).toEqual([]);
    expect(plan.warnings).toEqual([expect.stringContaining(`send 0.0.0.0/0 to ${layout.natGatewayId}`)]);
    expect(io.writes()).toEqual([]);
  });

  it('apply refuses an untagged VPC with one line on stderr and no writes; --force converges it', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 2 });
    const io = capture();

    // Act
    const refused = await main(['apply', '--vpc-id', layout.vpcId]);

    // Assess
    expect(refused).toBe(2);
    expect(io.stderr()).toBe(
      `privatelink-ecs: VPC ${layout.vpcId} is not opted in: tag it privatelink-ecs=enabled, or pass --force to act on it anyway\n`,
    );
    expect(io.writes()).toEqual([]);

    // Act
    const forced = await main(['apply', '--vpc-id', layout.vpcId, '--force', '--json']);

    // Assess
    expect(forced).toBe(0);
    const result = JSON.parse(io.stdout());
    expect(result).toMatchObject({ vpcId: layout.vpcId, optedIn: false, forced: true, converged: true });
    expect(result.results.every((r: { status: string }) => r.status === 'ok')).toBe(true);
    const endpoints = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
    );
    expect(endpoints.VpcEndpoints).toHaveLength(9);
  });

  it('a second apply reports the VPC has converged and exits 0', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 2, tags: { 'privatelink-ecs': 'enabled' } });
    const io = capture();
    expect(await main(['apply', '--vpc-id', layout.vpcId])).toBe(0);
    io.commands.length = 0;

    // Act
    const code = await main(['apply', '--vpc-id', layout.vpcId]);

    // Assess
    expect(code).toBe(0);
    expect(io.writes()).toEqual([]);
    expect(io.stdout()).toContain(`${layout.vpcId} has converged: nothing to do.`);
  });

  it.each([
    [
      ['apply', '--vpc-id', 'vpc-123'],
      'privatelink-ecs: --vpc-id must be a VPC ID like vpc-0123456789abcdef0, got "vpc-123"\n',
    ],
    [
      ['plan', '--vpc-id', 'subnet-0123456789abcdef0'],
      'privatelink-ecs: --vpc-id must be a VPC ID like vpc-0123456789abcdef0, got "subnet-0123456789abcdef0"\n',
    ],
    [
      ['apply', '--vpc-id', 'vpc-0123456789abcdef0'],
      'privatelink-ecs: VPC vpc-0123456789abcdef0 was not found in this account and region\n',
    ],
    [
      ['plan', '--vpc-id', 'vpc-0123456789abcdef0'],
      'privatelink-ecs: VPC vpc-0123456789abcdef0 was not found in this account and region\n',
    ],
  ])('rejects bad input %j with one line on stderr, exit 2 and no writes', async (argv, line) => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(argv);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr()).toBe(line);
    expect(io.stdout()).toBe('');
    expect(io.writes()).toEqual([]);
  });

  it('reports a missing region in one line with exit 2 and no AWS call', async () => {
    // Prepare
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    const io = capture();

    try {
      // Act
      const code = await main(['plan', '--vpc-id', 'vpc-0123456789abcdef0']);

      // Assess
      expect(code).toBe(2);
      expect(io.stderr()).toBe(
        'privatelink-ecs: no AWS region configured: pass --region or set AWS_REGION\n',
      );
    } finally {
      process.env.AWS_REGION = saved;
    }
  });
});
