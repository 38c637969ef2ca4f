// One remediation reads the VPC (DescribeVpcs) and its inventory once, where one process can pass the data on:
// the reconciler path (`apply`, EnsureEndpoints) and the trigger path, opted in or opted out with teardown.
// Counted in the simulated account's call log, with the calls made as the deployed functions' roles.
import { SimulatedAccount } from '../../../devkit/sim';
import { type ConfigInput, parseConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/schemas';
import { handleTriggerEvent } from '../../../shared/events/trigger';
import type { VpcId } from '../../../shared/ids';
import { reconcileVpc } from '../../../shared/reconciler';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };
const settings: ConfigInput = { ssmEndpoints: 'never', s3Gateway: 'never', teardownOnOptOut: true };

function setUp(tags: Record<string, string>) {
  const account = new SimulatedAccount({ azs: 2 });
  const { vpcId } = account.addVpc({ cidr: '10.0.0.0/16', tags, azs: 2, layout: 'private-only' });
  return { account, vpcId };
}

/** How many times each operation was called after `mark`. */
function countsSince(account: SimulatedAccount, mark: number, operations: string[]): Record<string, number> {
  const calls = account.calls.slice(mark);
  return Object.fromEntries(operations.map((op) => [op, calls.filter((c) => c.operation === op).length]));
}

function tagEvent(vpcId: VpcId): EventEnvelope {
  return {
    version: '0',
    id: 'evt-reads-once',
    'detail-type': 'Tag Change on Resource',
    source: 'aws.tag',
    account: '123456789012',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:ec2:us-east-1:123456789012:vpc/${vpcId}`],
    detail: {},
  };
}

const INVENTORY = ['DescribeVpcs', 'DescribeSubnets', 'DescribeRouteTables', 'DescribeVpcEndpoints'];
/** The VPC, its subnets, route tables and endpoints, each read once. */
const ONE_READ_EACH = Object.fromEntries(INVENTORY.map((op) => [op, 1]));

describe('one remediation reads the VPC and its inventory once', () => {
  it('reconcileVpc (apply, EnsureEndpoints): one DescribeVpcs decides opt-in and feeds the inventory', async () => {
    // Prepare
    const { account, vpcId } = setUp(OPTED_IN);
    const clients = account.clients({ role: 'WorkflowEnsureEndpoints', maxAttempts: 1 });
    const mark = account.calls.length;

    // Act
    const result = await reconcileVpc(clients.ec2, parseConfig(settings), { vpcId, dryRun: true });

    // Assess
    expect(result.actions.length).toBeGreaterThan(0);
    expect(countsSince(account, mark, INVENTORY)).toEqual(ONE_READ_EACH);
  });

  it('the trigger on an opted-in VPC: the opt-in read is passed on to the reconciler', async () => {
    // Prepare
    const { account, vpcId } = setUp(OPTED_IN);
    const clients = account.clients({ role: 'TriggerVpc', maxAttempts: 1 });
    const mark = account.calls.length;

    // Act
    const outcome = await handleTriggerEvent(
      { event: tagEvent(vpcId), rule: 'vpc-tag-change', intent: { kind: 'vpcs', vpcIds: [vpcId] } },
      { ...clients, config: parseConfig(settings), dryRun: true },
    );

    // Assess
    expect(outcome.vpcs.map((v) => v.decision)).toEqual(['reconciled']);
    expect(countsSince(account, mark, INVENTORY)).toEqual(ONE_READ_EACH);
  });

  it('the trigger on an opted-out VPC: teardown deletes from the endpoints the trigger already read', async () => {
    // Prepare: endpoints of ours from an earlier opt-in, then the tag removed.
    const { account, vpcId } = setUp(OPTED_IN);
    const config = parseConfig(settings);
    const admin = account.clients({ maxAttempts: 1 });
    await reconcileVpc(admin.ec2, config, { vpcId });
    account.state.tagsOf(vpcId).delete('privatelink-ecs');
    const clients = account.clients({ role: 'TriggerVpc', maxAttempts: 1 });
    const mark = account.calls.length;

    // Act
    const outcome = await handleTriggerEvent(
      { event: tagEvent(vpcId), rule: 'vpc-tag-change', intent: { kind: 'vpcs', vpcIds: [vpcId] } },
      { ...clients, config },
      // Our security group is still in use by the deleting endpoints: that deletion fails until a later run.
      { throwOnFailure: false },
    );

    // Assess
    const teardown = outcome.vpcs[0]!.teardown ?? [];
    expect(teardown.filter((r) => r.action.kind === 'delete-endpoint').map((r) => r.status)).toEqual(
      Array(5).fill('ok'),
    );
    expect(
      countsSince(account, mark, ['DescribeVpcs', 'DescribeVpcEndpoints', 'DeleteVpcEndpoints']),
    ).toEqual({
      DescribeVpcs: 1,
      DescribeVpcEndpoints: 1,
      DeleteVpcEndpoints: 5,
    });
  });
});
