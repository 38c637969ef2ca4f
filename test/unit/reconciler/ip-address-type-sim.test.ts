// Item 7 of issue 12: dual-stack and IPv6-only subnets. CreateVpcEndpoint gets the IpAddressType the selected
// subnets need (ipv4, dualstack, ipv6) when the service supports it; a service that does not support IPv6 gets
// no endpoint in IPv6-only subnets, with a warning that says so (and is held back when no subnet is left).
import { ModifyVpcEndpointCommand } from '@aws-sdk/client-ec2';
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

/** Describe/List/Get calls read; anything else writes. */
const isWriteCall = (operation: string) => !/^(Describe|List|Get)/.test(operation);

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

  it('an existing endpoint gets no subnet that lacks the addresses its IP type needs, with a warning instead of a failed modify', async () => {
    // Prepare: converged ipv4 endpoints; then one AZ's subnet leaves ecs-agent's endpoint and becomes IPv6-only.
    const { account, layout, ec2 } = setUp();
    await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
    const admin = account.clients();
    const agent = [...account.state.endpoints.values()].find((e) => e.service === 'ecs-agent')!;
    const moved = layout.privateSubnetIds[1]!;
    await admin.ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: agent.id, RemoveSubnetIds: [moved] }));
    account.setSubnetIpv6(moved, { ipv6Only: true });
    const callsBefore = account.calls.length;

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    const modifies = account.calls.slice(callsBefore).filter((c) => c.operation === 'ModifyVpcEndpoint');
    expect(modifies).toEqual([]);
    expect(result.results.filter((r) => r.status === 'error')).toEqual([]);
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        `${agent.id} (ecs-agent) is an ipv4 endpoint: subnet ${moved} lacks the IPv4 addresses it needs, so its AZ gets no ecs-agent endpoint; change its IP address type (ModifyVpcEndpoint IpAddressType) or select other subnets`,
      ]),
    );
    expect(account.state.endpoints.get(agent.id)!.subnetIds).toEqual([layout.privateSubnetIds[0]]);
  });

  it('an existing ipv4 endpoint whose subnets became dual-stack keeps its type, and the plan says it could change', async () => {
    // Prepare
    const { account, layout, ec2 } = setUp();
    await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
    for (const id of layout.privateSubnetIds) account.setSubnetIpv6(id);
    account.setServiceIpv6('ecs-agent', true);
    const agent = [...account.state.endpoints.values()].find((e) => e.service === 'ecs-agent')!;
    const callsBefore = account.calls.length;

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });

    // Assess
    // The group admits the new IPv6 CIDR; no endpoint is created or modified.
    const writes = account.calls.slice(callsBefore).filter((c) => isWriteCall(c.operation));
    expect(writes.map((c) => c.operation)).toEqual(['AuthorizeSecurityGroupIngress']);
    expect(result.converged).toBe(true);
    expect(result.warnings).toEqual([
      `${agent.id} (ecs-agent) is an ipv4 endpoint, and its subnets now allow dualstack; privatelink-ecs keeps an existing endpoint's IP address type: change it with ModifyVpcEndpoint IpAddressType=dualstack if wanted`,
    ]);
  });
});
