// Item 7 of issue 12: a private hosted zone for a service's private DNS name already associated with the VPC
// (central shared endpoints in a hub VPC, resolved through that zone) means the service is served centrally:
// the plan reports it and creates nothing for it, instead of a CreateVpcEndpoint that fails on every event.
import { SimulatedAccount } from '../../../devkit/sim';
import { parseConfig } from '../../../shared/config';
import { reconcileVpc } from '../../../shared/reconciler';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };
const config = parseConfig({ ssmEndpoints: 'never', s3Gateway: 'never' });

function setUp() {
  const account = new SimulatedAccount({ azs: 2 });
  const layout = account.addVpc({ cidr: '10.0.0.0/16', tags: OPTED_IN, azs: 2, layout: 'private-only' });
  // As the EnsureEndpoints role of the synthesized stack: the Route 53 read must be granted too.
  const clients = account.clients({ role: 'WorkflowEnsureEndpoints', maxAttempts: 1 });
  return { account, layout, clients };
}

const createdServices = (account: SimulatedAccount): string[] =>
  account.calls
    .filter((c) => c.operation === 'CreateVpcEndpoint')
    .map((c) => (c.input as { ServiceName: string }).ServiceName.replace('com.amazonaws.us-east-1.', ''))
    .sort();

describe('services served centrally through a private hosted zone', () => {
  it('a zone for ecr.api associated with the VPC: ecr.api is reported as served centrally, the rest is created', async () => {
    // Prepare
    const { account, layout, clients } = setUp();
    const zoneId = account.associatePrivateHostedZone(layout.vpcId, 'api.ecr.us-east-1.amazonaws.com');

    // Act
    const result = await reconcileVpc(
      clients.ec2,
      config,
      { vpcId: layout.vpcId },
      { route53: clients.route53! },
    );

    // Assess
    expect(result.results.filter((r) => r.status === 'error')).toEqual([]);
    expect(result.converged).toBe(true);
    expect(createdServices(account)).toEqual(['ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry']);
    expect(result.actions.find((a) => a.service === 'ecr.api')).toMatchObject({
      kind: 'covered',
      resourceIds: [zoneId],
      reason: expect.stringMatching(
        /^ecr\.api is served centrally: the private hosted zone api\.ecr\.us-east-1\.amazonaws\.com \(Z\w+\) is associated with vpc-/,
      ),
    });
    expect(account.calls.some((c) => c.operation === 'ListHostedZonesByVPC')).toBe(true);

    // A second run (every later event) plans nothing new for it either.
    const mark = account.calls.length;
    const again = await reconcileVpc(
      clients.ec2,
      config,
      { vpcId: layout.vpcId },
      { route53: clients.route53! },
    );
    expect(again.converged).toBe(true);
    expect(account.calls.slice(mark).filter((c) => c.operation === 'CreateVpcEndpoint')).toEqual([]);
  });

  it('a zone an AWS service owns (an endpoint’s own private DNS) is not a central one', async () => {
    // Prepare
    const { account, layout, clients } = setUp();
    account.associatePrivateHostedZone(layout.vpcId, 'ecs.us-east-1.amazonaws.com', {
      owningService: 'vpce.amazonaws.com',
    });

    // Act
    const result = await reconcileVpc(
      clients.ec2,
      config,
      { vpcId: layout.vpcId },
      { route53: clients.route53! },
    );

    // Assess
    expect(result.actions.find((a) => a.service === 'ecs')?.kind).toBe('create-interface-endpoint');
  });
});
