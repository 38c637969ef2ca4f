// What only the simulated account models on the EC2 side: endpoint lifecycles, throttling retried by the real
// SDK retry strategy, ClientToken idempotency, honest paging, AZ coverage and unsupported operations.
import {
  CreateVpcEndpointCommand,
  DeleteVpcCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  paginateDescribeVpcEndpoints,
  RebootInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { SimulatedAccount, type VpcLayout } from '../../../devkit/sim';
import { errorOf } from './support';

const svc = (name: string) => `com.amazonaws.us-east-1.${name}`;

describe('simulated EC2', () => {
  let account: SimulatedAccount;
  let layout: VpcLayout;

  beforeEach(() => {
    account = new SimulatedAccount();
    layout = account.addVpc({
      cidr: '10.0.0.0/16',
      layout: 'private-only',
      tags: { 'privatelink-ecs': 'enabled' },
    });
  });

  const createInterface = (service: string, extra: Record<string, unknown> = {}) =>
    account.clients().ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: layout.vpcId,
        ServiceName: svc(service),
        VpcEndpointType: 'Interface',
        SubnetIds: layout.privateSubnetIds,
        ...extra,
      }),
    );

  const states = async (id: string, polls: number) => {
    const { ec2 } = account.clients();
    const seen: string[] = [];
    for (let i = 0; i < polls; i++) {
      const { VpcEndpoints } = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
      seen.push(VpcEndpoints![0]!.State!);
    }
    return seen;
  };

  it('keeps an interface endpoint pending for the configured number of polls, then makes it available', async () => {
    // Prepare
    account.setEndpointBehaviour('ecr.api', { pendingPolls: 2 });

    // Act
    const created = await createInterface('ecr.api');
    const seen = await states(created.VpcEndpoint!.VpcEndpointId!, 4);

    // Assess
    expect(created.VpcEndpoint!.State).toBe('pending');
    expect(seen).toEqual(['pending', 'pending', 'available', 'available']);
  });

  it('fails an endpoint with LastError when the service is set to fail', async () => {
    // Prepare
    account.setEndpointBehaviour('ecs-agent', {
      pendingPolls: 0,
      outcome: 'failed',
      lastError: 'insufficient IPs',
    });

    // Act
    const created = await createInterface('ecs-agent');
    const { VpcEndpoints } = await account
      .clients()
      .ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [created.VpcEndpoint!.VpcEndpointId!] }));

    // Assess
    expect(VpcEndpoints![0]).toMatchObject({ State: 'failed', LastError: { Message: 'insufficient IPs' } });
  });

  it('leaves a stuck endpoint pending forever', async () => {
    // Prepare
    account.setEndpointBehaviour('ecs', { outcome: 'stuck' });

    // Act
    const created = await createInterface('ecs');
    const seen = await states(created.VpcEndpoint!.VpcEndpointId!, 5);

    // Assess
    expect(new Set(seen)).toEqual(new Set(['pending']));
  });

  it('returns the same endpoint for a repeated ClientToken and rejects the token with other parameters', async () => {
    // Act
    const first = await createInterface('ecr.dkr', { ClientToken: 'vpc-1/ecr.dkr' });
    const again = await createInterface('ecr.dkr', { ClientToken: 'vpc-1/ecr.dkr' });
    const mismatch = await errorOf(
      createInterface('ecr.dkr', { ClientToken: 'vpc-1/ecr.dkr', PrivateDnsEnabled: false }),
    );
    const all = await account.clients().ec2.send(new DescribeVpcEndpointsCommand({}));

    // Assess
    expect(again.VpcEndpoint!.VpcEndpointId).toBe(first.VpcEndpoint!.VpcEndpointId);
    expect(again.ClientToken).toBe('vpc-1/ecr.dkr');
    expect(mismatch.name).toBe('IdempotentParameterMismatch');
    expect(all.VpcEndpoints).toHaveLength(1);
  });

  it('rejects a second private-DNS endpoint for the same service, and private DNS without DNS hostnames', async () => {
    // Prepare
    await createInterface('ecs');
    const noDns = account.addVpc({ cidr: '10.9.0.0/16', layout: 'private-only', dnsHostnames: false });

    // Act
    const conflict = await errorOf(createInterface('ecs'));
    const hostnames = await errorOf(
      account.clients().ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: noDns.vpcId,
          ServiceName: svc('ecs'),
          VpcEndpointType: 'Interface',
          SubnetIds: noDns.privateSubnetIds,
        }),
      ),
    );

    // Assess
    expect(conflict.name).toBe('InvalidParameter');
    expect(conflict.message).toMatch(/conflicting DNS domain for ecs\.us-east-1\.amazonaws\.com/);
    expect(hostnames.message).toMatch(/enableDnsSupport and enableDnsHostnames/);
  });

  it('offers a service only in the AZs set with setServiceAzs and refuses subnets elsewhere', async () => {
    // Prepare
    account.setServiceAzs('ecs-telemetry', ['us-east-1a', 'us-east-1b']);

    // Act
    const services = await account
      .clients()
      .ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [svc('ecs-telemetry')] }));
    const err = await errorOf(createInterface('ecs-telemetry'));

    // Assess
    expect(services.ServiceDetails?.[0]?.AvailabilityZones).toEqual(['us-east-1a', 'us-east-1b']);
    expect(err.message).toMatch(/does not support the availability zone/);
    expect(account.writeCalls().map((c) => c.operation)).toEqual(['CreateVpcEndpoint']);
  });

  it('retries a throttled call through the SDK retry strategy and succeeds', async () => {
    // Prepare
    account.throttle('ec2:DescribeVpcs', 2);
    const { ec2 } = account.clients({ maxAttempts: 3 });

    // Act
    const out = await ec2.send(new DescribeVpcsCommand({}));

    // Assess
    expect(out.Vpcs?.map((v) => v.VpcId)).toEqual([layout.vpcId]);
    expect(out.$metadata.attempts).toBe(3);
    expect(account.calls.filter((c) => c.operation === 'DescribeVpcs')).toHaveLength(3);
  });

  it('throws the throttling error once maxAttempts is exhausted', async () => {
    // Prepare
    account.throttle('ec2:DescribeVpcs', 5);
    const { ec2 } = account.clients({ maxAttempts: 2 });

    // Act
    const err = await errorOf(ec2.send(new DescribeVpcsCommand({})));

    // Assess
    expect(err.name).toBe('RequestLimitExceeded');
    expect(err.$metadata?.attempts).toBe(2);
    expect(account.calls).toHaveLength(2);
  });

  it('pages DescribeVpcEndpoints so the SDK paginator sees every endpoint exactly once', async () => {
    // Prepare
    const services = [
      'ecr.api',
      'ecr.dkr',
      'ecs',
      'ecs-agent',
      'ecs-telemetry',
      'ssm',
      'ssmmessages',
      'logs',
    ];
    for (const s of services) await createInterface(s);
    const { ec2 } = account.clients();

    // Act
    const pages: string[][] = [];
    for await (const page of paginateDescribeVpcEndpoints({ client: ec2, pageSize: 3 }, {})) {
      pages.push((page.VpcEndpoints ?? []).map((e) => e.ServiceName!));
    }
    const badToken = await errorOf(
      ec2.send(new DescribeVpcEndpointsCommand({ NextToken: 'bogus', MaxResults: 3 })),
    );

    // Assess
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat().sort()).toEqual(services.map(svc).sort());
    expect(badToken.name).toBe('InvalidParameterValue');
  });

  it('names an unimplemented operation instead of answering it silently', async () => {
    // Act
    const err = await errorOf(account.clients().ec2.send(new DeleteVpcCommand({ VpcId: layout.vpcId })));

    // Assess
    expect(err.name).toBe('UnsupportedOperation');
    expect(err.message).toBe('simulated account does not implement ec2:DeleteVpc');
  });

  it('records builder calls nowhere and client calls in order', async () => {
    // Act
    await account.clients().ec2.send(new DescribeVpcsCommand({ VpcIds: [layout.vpcId] }));
    await createInterface('ecs');

    // Assess
    expect(account.calls).toEqual([
      { service: 'ec2', operation: 'DescribeVpcs', input: { VpcIds: [layout.vpcId] } },
      expect.objectContaining({ service: 'ec2', operation: 'CreateVpcEndpoint' }),
    ]);
    expect(account.writeCalls().map((c) => c.operation)).toEqual(['CreateVpcEndpoint']);
  });

  it('disconnects the ECS agent on reboot until it reconnects', async () => {
    // Prepare
    const { instanceIds, containerInstanceArns } = account.addContainerInstances({
      vpcId: layout.vpcId,
      clusterName: 'prod',
      count: 1,
    });
    account.setInstanceBehaviour(instanceIds[0]!, { reconnectPolls: 2 });
    const { ec2, ecs } = account.clients();

    // Act
    await ec2.send(new RebootInstancesCommand({ InstanceIds: instanceIds }));
    const seen: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const out = await ecs.send(
        new DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: containerInstanceArns }),
      );
      seen.push(out.containerInstances![0]!.agentConnected!);
    }

    // Assess
    expect(seen).toEqual([false, false, true, true]);
  });
});
