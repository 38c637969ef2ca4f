import { DescribeSecurityGroupsCommand, DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { parseConfig } from '../../../shared/config';
import { VpcNotFoundError } from '../../../shared/errors';
import { parseVpcId } from '../../../shared/ids';
import {
  listEndpoints,
  listOptedInVpcIds,
  readVpcOptIn,
  reconcileVpc,
  teardownVpc,
} from '../../../shared/reconciler';
import { createForeignEndpoint, createVpcLayout, recordCalls } from '../../support/fixtures';
import { resetMoto } from '../../support/moto';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };

describe('reconciler exports used by triggers and the workflow (moto)', () => {
  let ec2: EC2Client;
  const config = parseConfig({ ssmEndpoints: 'never' });

  beforeEach(async () => {
    await resetMoto();
    ec2 = new EC2Client({ maxAttempts: 1 });
  });

  afterEach(() => ec2.destroy());

  it('readVpcOptIn and listOptedInVpcIds tell tagged, untagged and unknown VPCs apart', async () => {
    // Prepare
    const tagged = await createVpcLayout(ec2, { azs: 1, tags: OPTED_IN });
    const other = await createVpcLayout(ec2, {
      azs: 1,
      tags: { 'privatelink-ecs': 'disabled' },
      cidr: '10.9.0.0/16',
    });

    // Act
    const ids = await listOptedInVpcIds(ec2, config);
    const a = await readVpcOptIn(ec2, config, tagged.vpcId);
    const b = await readVpcOptIn(ec2, config, other.vpcId);
    const c = await readVpcOptIn(ec2, config, parseVpcId('vpc-0123456789abcdef0'));

    // Assess
    expect(ids).toEqual([tagged.vpcId]);
    expect(a).toEqual({ exists: true, optedIn: true, tags: OPTED_IN });
    expect(b).toMatchObject({ exists: true, optedIn: false });
    expect(c).toEqual({ exists: false, optedIn: false, tags: {} });
  });

  it('reconcileVpc rejects an unknown VPC before any write; dryRun writes nothing', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 2, tags: OPTED_IN });
    const log = recordCalls(ec2);

    // Act + Assess
    await expect(reconcileVpc(ec2, config, { vpcId: parseVpcId('vpc-0123456789abcdef0') })).rejects.toThrow(
      VpcNotFoundError,
    );
    const dry = await reconcileVpc(ec2, config, { vpcId: layout.vpcId, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.results).toEqual([]);
    expect(dry.actions.length).toBeGreaterThan(0);
    expect(dry.converged).toBe(false);
    expect(dry.addedMonthlyCostUsd).toBe(73);
    expect(log.writes()).toEqual([]);
  });

  it('listEndpoints marks ours as managed; teardownVpc deletes only ours and our security group', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 2, tags: OPTED_IN });
    const foreign = await createForeignEndpoint(ec2, {
      vpcId: layout.vpcId,
      service: 'ecr.dkr',
      type: 'Interface',
      subnetIds: [layout.privateSubnetIds[0]!],
    });
    await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
    const before = await listEndpoints(ec2, config, layout.vpcId);

    // Act
    const results = await teardownVpc(ec2, config, layout.vpcId);

    // Assess
    expect(before.filter((e) => !e.managed).map((e) => e.id)).toEqual([foreign]);
    const ours = before
      .filter((e) => e.managed)
      .map((e) => e.id)
      .sort();
    expect(ours).toHaveLength(5); // ecr.api, ecs-agent, ecs-telemetry, ecs, s3 (ecr.dkr was covered)
    expect(
      results
        .filter((r) => r.action.kind === 'delete-endpoint')
        .map((r) => r.resourceId)
        .sort(),
    ).toEqual(ours);
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(results.at(-1)!.action.kind).toBe('delete-security-group');
    const left = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [layout.vpcId] }] }),
    );
    expect(
      (left.VpcEndpoints ?? [])
        .filter((e) => !['deleted', 'deleting'].includes(String(e.State).toLowerCase()))
        .map((e) => e.VpcEndpointId),
    ).toEqual([foreign]);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'group-name', Values: ['privatelink-ecs-endpoints'] }],
      }),
    );
    expect(groups.SecurityGroups).toEqual([]);
  });
});
