// One rule per fact, where two callers used to differ: which endpoint states are gone, which endpoints are ours,
// and what a container-instance read does with a failure. Each test would fail under the rejected rule.
import {
  DeleteVpcEndpointsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  ECSClient,
  ListClustersCommand,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../../shared/config';
import { registeredInstancesInVpc } from '../../../shared/events/ecs';
import { parseVpcId } from '../../../shared/ids';
import { isFailedState, isGoneState, isLiveState } from '../../../shared/reconciler/naming';
import { teardownVpc } from '../../../shared/reconciler/teardown';
import { discoverInstances } from '../../../shared/workflow/discovery';
import { pollEndpoints } from '../../../shared/workflow/endpoints';
import type { EndpointPhase } from '../../../shared/workflow/types';

const VPC = parseVpcId('vpc-0123456789abcdef0');
const CLUSTER = 'arn:aws:ecs:us-east-1:111122223333:cluster/prod';
const config = parseConfig({});
const OURS = { Key: config.managedTagKey, Value: 'privatelink-ecs' };
const ec2Mock = mockClient(EC2Client);
const ecsMock = mockClient(ECSClient);
const ssmMock = mockClient(SSMClient);
const clients = {
  ec2: new EC2Client({ region: 'us-east-1' }),
  ecs: new ECSClient({ region: 'us-east-1' }),
  ssm: new SSMClient({ region: 'us-east-1' }),
};
const firstPoll: EndpointPhase = {
  changed: false,
  attempts: 0,
  elapsedSeconds: 0,
  waitSeconds: 0,
  ready: false,
  list: [],
};

function endpoint(id: string, service: string, state: string, tags = [OURS]): VpcEndpoint {
  return {
    VpcEndpointId: id,
    VpcId: VPC,
    ServiceName: `com.amazonaws.us-east-1.${service}`,
    VpcEndpointType: service === 's3' ? 'Gateway' : 'Interface',
    State: state as VpcEndpoint['State'],
    Tags: tags,
    CreationTimestamp: new Date('2026-01-01T00:00:00Z'),
  };
}

afterEach(() => {
  ec2Mock.reset();
  ecsMock.reset();
  ssmMock.reset();
});

describe('endpoint states: one rule (gone = deleting or deleted; expired is a failure, not gone)', () => {
  it('classifies each EC2 endpoint state once, whatever its case', () => {
    // Prepare
    const states = [
      'PendingAcceptance',
      'Pending',
      'Available',
      'Deleting',
      'Deleted',
      'Rejected',
      'Failed',
      'Expired',
      'Partial',
    ];

    // Act
    const classes = states.map((s) =>
      isLiveState(s) ? 'live' : isGoneState(s) ? 'gone' : isFailedState(s) ? 'failed' : 'other',
    );

    // Assess
    expect(Object.fromEntries(states.map((s, i) => [s, classes[i]]))).toEqual({
      PendingAcceptance: 'live',
      Pending: 'live',
      Available: 'live',
      Deleting: 'gone',
      Deleted: 'gone',
      Rejected: 'failed',
      Failed: 'failed',
      Expired: 'failed',
      Partial: 'other',
    });
  });

  it('the workflow fails with EndpointFailed on an expired endpoint instead of ignoring it', async () => {
    // Prepare
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        endpoint('vpce-0000000000000000a', 'ecr.api', 'available'),
        endpoint('vpce-0000000000000000b', 'ecs-agent', 'expired'),
        endpoint('vpce-0000000000000000c', 'ecs', 'deleted'),
      ],
    });

    // Act
    const poll = pollEndpoints(clients.ec2, config, VPC, firstPoll);

    // Assess
    await expect(poll).rejects.toMatchObject({
      name: 'EndpointFailed',
      message: 'endpoint vpce-0000000000000000b (ecs-agent) is expired',
      context: { vpcId: VPC, endpointId: 'vpce-0000000000000000b', service: 'ecs-agent' },
    });
  });

  it('the workflow ignores deleting and deleted endpoints, ours included', async () => {
    // Prepare
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        endpoint('vpce-0000000000000000a', 'ecr.api', 'available'),
        endpoint('vpce-0000000000000000b', 'ecr.api', 'deleting'),
        endpoint('vpce-0000000000000000c', 'ecs', 'deleted'),
      ],
    });

    // Act
    const phase = await pollEndpoints(clients.ec2, config, VPC, firstPoll);

    // Assess
    expect(phase.ready).toBe(true);
    expect(phase.list.map((e) => e.id)).toEqual(['vpce-0000000000000000a']);
  });

  it('teardown deletes an expired endpoint of ours and leaves a deleting one alone', async () => {
    // Prepare
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC }] });
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        endpoint('vpce-0000000000000000a', 'ecr.api', 'expired'),
        endpoint('vpce-0000000000000000b', 'ecs', 'deleting'),
      ],
    });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(DeleteVpcEndpointsCommand).resolves({ Unsuccessful: [] });

    // Act
    const results = await teardownVpc(clients.ec2, config, VPC);

    // Assess
    expect(results.map((r) => [r.resourceId, r.status])).toEqual([['vpce-0000000000000000a', 'ok']]);
    expect(ec2Mock.commandCalls(DeleteVpcEndpointsCommand).map((c) => c.args[0].input)).toEqual([
      { VpcEndpointIds: ['vpce-0000000000000000a'] },
    ]);
  });
});

describe('an endpoint is ours only with our managed tag key AND value (as the IAM conditions require)', () => {
  it('the workflow does not wait for an endpoint that carries our tag key with another value', async () => {
    // Prepare: a pending endpoint of someone else's, for a service privatelink-ecs does not configure.
    const lookalike = { Key: config.managedTagKey, Value: 'team-payments' };
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        endpoint('vpce-0000000000000000a', 'ecr.api', 'available'),
        endpoint('vpce-0000000000000000b', 'sqs', 'pending', [lookalike]),
        endpoint('vpce-0000000000000000c', 'ecr.dkr', 'available', [lookalike]),
      ],
    });

    // Act
    const phase = await pollEndpoints(clients.ec2, config, VPC, firstPoll);

    // Assess
    expect(phase.ready).toBe(true);
    expect(phase.list).toEqual([
      { id: 'vpce-0000000000000000a', service: 'ecr.api', state: 'available', managed: true },
      { id: 'vpce-0000000000000000c', service: 'ecr.dkr', state: 'available', managed: false },
    ]);
  });
});

describe('container instances: one finder, one rule (MISSING is left out, any other failure throws)', () => {
  const arn = (n: number) => `arn:aws:ecs:us-east-1:111122223333:container-instance/prod/${n}`;

  beforeEach(() => {
    ecsMock.on(ListClustersCommand).resolves({ clusterArns: [CLUSTER] });
    ecsMock.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: [arn(1), arn(2)] });
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-0000000000000000a', VpcId: VPC, State: { Name: 'running' } }] },
      ],
    });
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
  });

  it('a container instance reported MISSING (deregistered meanwhile) is left out; the others are found', async () => {
    // Prepare
    ecsMock.on(DescribeContainerInstancesCommand).resolves({
      containerInstances: [
        { containerInstanceArn: arn(1), ec2InstanceId: 'i-0000000000000000a', status: 'ACTIVE' },
      ],
      failures: [{ arn: arn(2), reason: 'MISSING' }],
    });

    // Act
    const found = await discoverInstances(clients, VPC);

    // Assess
    expect(found.facts.map((f) => f.containerInstanceArn)).toEqual([arn(1)]);
    expect(ecsMock.commandCalls(DescribeContainerInstancesCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      containerInstances: [arn(1), arn(2)],
    });
  });

  it('discovery throws ReadFailed naming the instance it could not read instead of going on without it', async () => {
    // Prepare
    ecsMock.on(DescribeContainerInstancesCommand).resolves({
      containerInstances: [
        { containerInstanceArn: arn(1), ec2InstanceId: 'i-0000000000000000a', status: 'ACTIVE' },
      ],
      failures: [{ arn: arn(2), reason: 'AccessDenied', detail: 'not authorized' }],
    });

    // Act
    const discovery = discoverInstances(clients, VPC);

    // Assess
    await expect(discovery).rejects.toMatchObject({
      name: 'ReadFailed',
      message: expect.stringContaining(
        `could not read ${arn(2)} in ${CLUSTER}: AccessDenied (not authorized)`,
      ),
    });
    expect(ssmMock.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(0);
  });

  it('the teardown guard applies the same rule: an unreadable instance is never taken for an absent one', async () => {
    // Prepare
    ecsMock.on(DescribeContainerInstancesCommand).resolves({
      containerInstances: [],
      failures: [{ arn: arn(2), reason: 'AccessDenied' }],
    });

    // Act
    const guard = registeredInstancesInVpc(clients, VPC);

    // Assess
    await expect(guard).rejects.toMatchObject({
      name: 'ReadFailed',
      context: { containerInstanceArn: arn(2) },
    });
  });
});
