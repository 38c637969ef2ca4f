// ClientToken reuse on the simulated account, which honours ClientToken as EC2 does (same token and same
// parameters return the first endpoint; same token and other parameters fail with IdempotentParameterMismatch).
import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { SimulatedAccount } from '../../../devkit/sim';
import { reconcileVpc, teardownVpc } from '../../../shared/reconciler';
import { isLiveState } from '../../../shared/reconciler/naming';
import { createVpcLayout } from '../../support/fixtures';
import { TEST_ENDPOINT_SERVICES, testConfig } from '../../workflow/support';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };

async function liveServices(ec2: EC2Client, vpcId: string): Promise<string[]> {
  const res = await ec2.send(
    new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  return (res.VpcEndpoints ?? [])
    .filter((e) => isLiveState(e.State))
    .map((e) => e.ServiceName!.replace('com.amazonaws.us-east-1.', ''))
    .sort();
}

describe('ClientToken reuse on the simulated account', () => {
  let account: SimulatedAccount;
  let ec2: EC2Client;

  beforeEach(() => {
    account = new SimulatedAccount();
    ec2 = account.clients({ maxAttempts: 1 }).ec2;
  });

  afterEach(() => ec2.destroy());

  it('recreates every endpoint after a teardown and a new opt-in, instead of failing on the old tokens', async () => {
    // Prepare
    const config = testConfig();
    const layout = await createVpcLayout(ec2, { azs: 2, tags: OPTED_IN });
    const first = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
    expect(first.converged).toBe(true);
    await teardownVpc(ec2, config, layout.vpcId);
    // The security group can go only once the endpoints' interfaces are gone: a second pass later.
    account.clock.advance(10 * 60_000);
    await liveServices(ec2, layout.vpcId);
    const second = await teardownVpc(ec2, config, layout.vpcId);
    expect(second.map((r) => [r.action.kind, r.status])).toEqual([['delete-security-group', 'ok']]);

    // Act
    const again = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    expect(again.results.filter((r) => r.status === 'error').map((r) => r.message)).toEqual([]);
    expect(again.converged).toBe(true);
    expect(await liveServices(ec2, layout.vpcId)).toEqual(TEST_ENDPOINT_SERVICES);
  });
});
