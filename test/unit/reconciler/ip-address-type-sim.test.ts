// Item 7 of issue 12: dual-stack and IPv6-only subnets. CreateVpcEndpoint gets the IpAddressType the selected
// subnets need (ipv4, dualstack, ipv6) when the service supports it; a service that does not support IPv6 gets
// no endpoint in IPv6-only subnets, with a warning that says so (and is held back when no subnet is left).
import { type RecordedCall, SimulatedAccount } from '../../../devkit/sim';
import { parseConfig } from '../../../shared/config';
import { reconcileVpc } from '../../../shared/reconciler';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };

interface CreateInput {
  ServiceName?: string;
  VpcEndpointType?: string;
  SubnetIds?: string[];
  IpAddressType?: string;
  DnsOptions?: { DnsRecordIpType?: string };
}

function setUp() {
  const account = new SimulatedAccount({ azs: 2 });
  const layout = account.addVpc({ cidr: '10.0.0.0/16', tags: OPTED_IN, azs: 2, layout: 'private-only' });
  const { ec2 } = account.clients({ role: 'WorkflowEnsureEndpoints', maxAttempts: 1 });
  return { account, layout, ec2 };
}

/** The interface endpoint creates the account recorded, by short service name. */
function creates(calls: RecordedCall[]): Map<string, CreateInput> {
  const out = new Map<string, CreateInput>();
  for (const c of calls) {
    const input = c.input as CreateInput;
    if (c.operation !== 'CreateVpcEndpoint' || input.VpcEndpointType !== 'Interface') continue;
    out.set(input.ServiceName!.replace('com.amazonaws.us-east-1.', ''), input);
  }
  return out;
}

const config = parseConfig({ ssmEndpoints: 'never', s3Gateway: 'never' });

describe('endpoint IP address type on the simulated account', () => {
  it('dual-stack subnets: IPv6-capable services get dualstack, the others ipv4; all converge', async () => {
    // Prepare
    const { account, layout, ec2 } = setUp();
    for (const id of layout.privateSubnetIds) account.setSubnetIpv6(id);
    for (const service of ['ecs', 'ecs-agent', 'ecs-telemetry']) account.setServiceIpv6(service, true);

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    expect(result.converged).toBe(true);
    const sent = creates(account.calls);
    expect([...sent.keys()].sort()).toEqual(['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry']);
    for (const service of ['ecs', 'ecs-agent', 'ecs-telemetry']) {
      expect(sent.get(service)).toMatchObject({
        IpAddressType: 'dualstack',
        DnsOptions: { DnsRecordIpType: 'dualstack' },
      });
    }
    for (const service of ['ecr.api', 'ecr.dkr']) {
      expect(sent.get(service)!.IpAddressType ?? 'ipv4').toBe('ipv4');
    }
  });

  it('IPv6-only subnets: IPv6-capable services get ipv6; a service without IPv6 is skipped with a warning and held back', async () => {
    // Prepare
    const { account, layout, ec2 } = setUp();
    for (const id of layout.privateSubnetIds) account.setSubnetIpv6(id, { ipv6Only: true });
    for (const service of ['ecs', 'ecs-agent', 'ecs-telemetry', 'ecr.api'])
      account.setServiceIpv6(service, true);

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    const sent = creates(account.calls);
    expect([...sent.keys()].sort()).toEqual(['ecr.api', 'ecs', 'ecs-agent', 'ecs-telemetry']);
    for (const input of sent.values()) {
      expect(input).toMatchObject({ IpAddressType: 'ipv6', DnsOptions: { DnsRecordIpType: 'ipv6' } });
      expect(input.SubnetIds!.sort()).toEqual([...layout.privateSubnetIds].sort());
    }
    expect(result.results.filter((r) => r.status === 'error')).toEqual([]);
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /ecr\.dkr does not support IPv6.*are IPv6-only, so no ecr\.dkr endpoint is created/,
        ),
      ]),
    );
    expect(result.heldBack).toEqual(['ecr.dkr']);
  });

  it('IPv4 subnets: no IpAddressType is sent (the create is what it always was)', async () => {
    // Prepare
    const { account, layout, ec2 } = setUp();
    account.setServiceIpv6('ecs-agent', true);

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    expect(result.converged).toBe(true);
    for (const input of creates(account.calls).values()) {
      expect(input.IpAddressType).toBeUndefined();
      expect(input.DnsOptions).toBeUndefined();
    }
  });
});
