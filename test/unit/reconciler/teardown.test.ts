// Teardown as a plan: pure delete steps for what carries our tag, executed by the same executor, one result per
// resource.
import { DeleteSecurityGroupCommand, DeleteVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../../shared/config';
import { parseVpcId } from '../../../shared/ids';
import { TEARDOWN_ACTIONS } from '../../../shared/reconciler/actions';
import { executePlan } from '../../../shared/reconciler/executor';
import { planTeardown } from '../../../shared/reconciler/teardown';
import type { EndpointSummary } from '../../../shared/reconciler/types';

const VPC = parseVpcId('vpc-00000000000000001');

const endpoint = (id: string, service: string, managed: boolean, state = 'available'): EndpointSummary => ({
  id,
  service,
  type: service === 's3' ? 'Gateway' : 'Interface',
  state,
  managed,
  subnetIds: [],
  routeTableIds: [],
});

describe('planTeardown', () => {
  it('plans a delete for each endpoint of ours not already going, then our security group', () => {
    // Prepare
    const endpoints = [
      endpoint('vpce-api', 'ecr.api', true),
      endpoint('vpce-theirs', 'ecr.dkr', false),
      endpoint('vpce-gone', 'ecs', true, 'deleting'),
      endpoint('vpce-s3', 's3', true, 'failed'),
    ];

    // Act
    const steps = planTeardown(VPC, endpoints, { id: 'sg-ours' });

    // Assess
    expect(steps.map((s) => [s.kind, s.targetId, s.resourceIds])).toEqual([
      ['delete-endpoint', 'vpce-api', ['vpce-api']],
      ['delete-endpoint', 'vpce-s3', ['vpce-s3']],
      ['delete-security-group', 'sg-ours', ['sg-ours']],
    ]);
    expect(steps[0]!.reason).toBe('vpce-api (ecr.api) was created by privatelink-ecs and the VPC opted out');
  });

  it('plans nothing when nothing carries our tag', () => {
    // Act
    const steps = planTeardown(VPC, [endpoint('vpce-theirs', 'ecr.dkr', false)], undefined);

    // Assess
    expect(steps).toEqual([]);
  });
});

describe('teardown execution', () => {
  const ec2Mock = mockClient(EC2Client);
  const config = parseConfig({});

  afterEach(() => ec2Mock.reset());

  it('reports a refused, a failed and a deleted endpoint each on its own, and says to retry the busy group', async () => {
    // Prepare
    const steps = planTeardown(
      VPC,
      [
        endpoint('vpce-1', 'ecr.api', true),
        endpoint('vpce-2', 'ecr.dkr', true),
        endpoint('vpce-3', 'ecs', true),
      ],
      { id: 'sg-ours' },
    );
    ec2Mock.on(DeleteVpcEndpointsCommand, { VpcEndpointIds: ['vpce-1'] }).resolves({
      Unsuccessful: [
        { ResourceId: 'vpce-1', Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: 'gone' } },
      ],
    });
    ec2Mock
      .on(DeleteVpcEndpointsCommand, { VpcEndpointIds: ['vpce-2'] })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded', $metadata: {} }));
    ec2Mock.on(DeleteVpcEndpointsCommand, { VpcEndpointIds: ['vpce-3'] }).resolves({ Unsuccessful: [] });
    ec2Mock
      .on(DeleteSecurityGroupCommand)
      .rejects(
        Object.assign(new Error('has a dependent object'), { name: 'DependencyViolation', $metadata: {} }),
      );

    // Act
    const results = await executePlan({ ec2: new EC2Client({}), config }, steps, TEARDOWN_ACTIONS);

    // Assess
    expect(results.map((r) => [r.action.kind, r.resourceId, r.status, r.errorName ?? null])).toEqual([
      ['delete-endpoint', 'vpce-1', 'error', 'InvalidVpcEndpoint.NotFound'],
      ['delete-endpoint', 'vpce-2', 'error', 'RequestLimitExceeded'],
      ['delete-endpoint', 'vpce-3', 'ok', null],
      ['delete-security-group', 'sg-ours', 'error', 'DependencyViolation'],
    ]);
    expect(results[0]!.message).toBe('gone');
    expect(results[2]!.message).toBe('deleted vpce-3');
    expect(results[3]!.message).toMatch(/\(endpoints still deleting; run again later\)$/);
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)[0]!.args[0].input).toEqual({
      GroupId: 'sg-ours',
    });
  });
});
