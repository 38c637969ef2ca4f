// The simulated account's services that `privatelink-ecs doctor` reads: IAM SimulatePrincipalPolicy (through
// the same evaluator that enforces role-bound calls), CloudTrail, Route 53 and CloudFormation.
import { DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { ListHostedZonesByVPCCommand } from '@aws-sdk/client-route-53';
import { type CheckEntry, simulateRole } from '../../../bin/lib/doctor/iam';
import { readDeployedStack } from '../../../bin/lib/doctor/stack';
import { SimulatedAccount } from '../../../devkit/sim';
import { errorOf } from './support';

const ROLE = 'arn:aws:iam::123456789012:role/PrivateLinkEcs-WorkflowStartBatch';

describe('the simulated account answers doctor', () => {
  jest.setTimeout(90_000);

  it('SimulatePrincipalPolicy decides with the deployed role’s policies, as a role-bound call would be decided', async () => {
    // Prepare
    const account = new SimulatedAccount();
    const { iam } = account.doctorClients();
    const instance = 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0';

    // Act
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: ROLE,
        ActionNames: ['ssm:SendCommand', 'ec2:TerminateInstances'],
        ResourceArns: [instance],
      }),
    );

    // Assess
    const role = account.iamAuthorizer().role('WorkflowStartBatch');
    expect(out.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual(
      [
        ['ssm:SendCommand', instance, 'allowed'],
        ['ec2:TerminateInstances', instance, 'implicitDeny'],
      ],
    );
    await expect(account.iamAuthorizer().decide(role, 'ssm:SendCommand', instance, {})).resolves.toBe(
      'Allowed',
    );
    expect(out.IsTruncated).toBe(false);
  });

  it('SimulatePrincipalPolicy refuses a role the stack does not have with NoSuchEntity', async () => {
    // Prepare
    const account = new SimulatedAccount();
    const { iam } = account.doctorClients({ maxAttempts: 1 });

    // Act
    const err = await errorOf(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: 'arn:aws:iam::123456789012:role/Other',
          ActionNames: ['ec2:DescribeVpcs'],
        }),
      ),
    );

    // Assess
    expect(err.name).toBe('NoSuchEntity');
  });

  it('doctor’s simulateRole pages through the results and rides out throttling with the SDK’s retry', async () => {
    // Prepare: 6 actions on 20 instances is 120 results, two pages of 100; the first two requests throttled
    const account = new SimulatedAccount();
    const { iam } = account.doctorClients({ maxAttempts: 3 });
    account.throttle('iam:SimulatePrincipalPolicy', 2);
    const actions = [
      'ssm:SendCommand',
      'ec2:RebootInstances',
      'ec2:StartInstances',
      'ec2:StopInstances',
      'ec2:TerminateInstances',
      'ec2:DescribeInstanceAttribute',
    ];
    const entries: CheckEntry[] = actions.flatMap((action) =>
      Array.from({ length: 20 }, (_, n) => ({
        functionId: 'WorkflowStartBatch',
        operation: 'test',
        why: 'test',
        action,
        kind: 'call' as const,
        resource: `arn:aws:ec2:us-east-1:123456789012:instance/i-${String(n).padStart(17, '0')}`,
        resourceType: 'instance',
        context: {},
      })),
    );

    // Act
    const sim = await simulateRole(iam, ROLE, entries);

    // Assess: one request of two pages, after two throttled attempts; SendCommand allowed, nothing else (the
    // default config has no reboot fallback)
    const sent = account.calls.filter((c) => c.operation === 'SimulatePrincipalPolicy');
    expect(sent).toHaveLength(4);
    expect(sim.requests).toBe(2);
    expect(sim.results).toHaveLength(120);
    const allowed = sim.results.filter((r) => r.decision === 'allowed').map((r) => r.action);
    expect(new Set(allowed)).toEqual(new Set(['ssm:SendCommand']));
    expect(allowed).toHaveLength(20);
  });

  it('CloudTrail has one logging trail by default, none or a stopped one with setTrails', async () => {
    // Prepare
    const account = new SimulatedAccount();
    const { cloudtrail } = account.doctorClients({ maxAttempts: 1 });

    // Act
    const initial = await cloudtrail.send(new DescribeTrailsCommand({}));
    const logging = await cloudtrail.send(new GetTrailStatusCommand({ Name: 'management-events' }));
    account.setTrails([{ name: 'org', logging: false }]);
    const stopped = await cloudtrail.send(new GetTrailStatusCommand({ Name: 'org' }));
    account.setTrails([]);
    const none = await cloudtrail.send(new DescribeTrailsCommand({}));

    // Assess
    expect(initial.trailList?.map((t) => [t.Name, t.IsMultiRegionTrail])).toEqual([
      ['management-events', true],
    ]);
    expect(logging.IsLogging).toBe(true);
    expect(stopped.IsLogging).toBe(false);
    expect(none.trailList).toEqual([]);
  });

  it('ListHostedZonesByVPC lists the private zones associated with that VPC only', async () => {
    // Prepare
    const account = new SimulatedAccount();
    const a = account.addVpc({ cidr: '10.1.0.0/16' }).vpcId;
    const b = account.addVpc({ cidr: '10.2.0.0/16' }).vpcId;
    const zone = account.associatePrivateHostedZone(a, 'api.ecr.us-east-1.amazonaws.com');
    account.associatePrivateHostedZone(b, 'corp.internal');
    const { route53 } = account.doctorClients({ maxAttempts: 1 });

    // Act
    const out = await route53.send(new ListHostedZonesByVPCCommand({ VPCId: a, VPCRegion: 'us-east-1' }));

    // Assess
    expect(out.HostedZoneSummaries).toEqual([
      {
        HostedZoneId: zone,
        Name: 'api.ecr.us-east-1.amazonaws.com.',
        Owner: { OwningAccount: '123456789012' },
      },
    ]);
  });

  it('CloudFormation lists the deployed roles under CDK logical ids that doctor maps back to every function', async () => {
    // Prepare
    const account = new SimulatedAccount();
    account.deployStack({ stackName: 'PrivateLinkEcs-prod' });
    const { cloudformation } = account.doctorClients({ maxAttempts: 1 });

    // Act
    const stack = await readDeployedStack(cloudformation, 'PrivateLinkEcs-prod');

    // Assess
    const deployed = [...account.iamAuthorizer().roles.values()];
    expect(stack.roles.map((r) => [r.functionId, r.roleArn]).sort()).toEqual(
      deployed.map((r) => [r.functionId, r.roleArn]).sort(),
    );
    expect(stack).toMatchObject({
      partition: 'aws',
      region: 'us-east-1',
      account: '123456789012',
      tableName: 'PrivateLinkEcs-State',
      documentName: 'PrivateLinkEcs-RestartAgent',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:PrivateLinkEcs-Remediation',
    });
    expect(stack.config?.optInTag).toEqual({ key: 'privatelink-ecs', value: 'enabled' });
  });
});
