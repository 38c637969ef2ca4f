// What each deployed role may and may not do, proven by a real policy evaluator (@cloud-copilot/iam-simulate)
// on the policies of the synthesized stack. Each request is expanded as AWS authorizes it (shared/authz):
// every resource on its own, with only the context keys the Service Authorization Reference lists for it.
import { IamAuthorizer } from '../../devkit/iam/authorizer';
import { deployedRoles, type PhysicalResources } from '../../devkit/iam/roles';
import {
  type AuthzCheck,
  authzChecks,
  type ClientService,
  type ResourceFacts,
} from '../../shared/authz/requests';
import { type ConfigInput, parseConfig } from '../../shared/config';

const PHYSICAL: PhysicalResources = {
  partition: 'aws',
  region: 'us-east-1',
  account: '123456789012',
  documentName: 'PrivateLinkEcs-RestartAgentDocument-AbC123',
  windowsDocumentName: 'PrivateLinkEcs-RestartAgentWindowsDocument-DeF456',
  tableName: 'PrivateLinkEcs-IdempotencyTable-XyZ',
  stateMachineName: 'RemediationStateMachine-Q1w2E3',
};
const MANAGED = { 'privatelink-ecs:managed': 'privatelink-ecs', Name: 'privatelink-ecs-ecr.api' };
const FOREIGN = { Name: 'shared-services', team: 'network' };

/** Tags of the resources the requests below name: ours carry the managed tag, the rest do not. */
const TAGS: Record<string, Record<string, string>> = {
  'vpc-0a1b2c3d4e5f60718': { Name: 'payments-prod', 'privatelink-ecs': 'enabled' },
  'subnet-0aaa1111bbb22223': { Name: 'private-1' },
  'subnet-0aaa1111bbb22224': { Name: 'private-2' },
  'rtb-0ccc3333ddd44445': { Name: 'private-1' },
  'sg-0eee5555fff66667': MANAGED,
  'sg-0999888877776666': FOREIGN,
  'vpce-0123456789abcdef0': MANAGED,
  'vpce-0fedcba987654321f': FOREIGN,
  'i-0abcdef1234567890': { 'ecs-cluster': 'payments' },
};

const FACTS: ResourceFacts = {
  partition: PHYSICAL.partition,
  region: PHYSICAL.region,
  account: PHYSICAL.account,
  ec2Tags: async (ids) => new Map(ids.filter((id) => TAGS[id]).map((id) => [id, TAGS[id]!])),
  ecsTags: async (arns) => new Map(arns.map((arn) => [arn, {}])),
  documentTags: async () => ({}),
};

const VPC = 'vpc-0a1b2c3d4e5f60718';
const SUBNETS = ['subnet-0aaa1111bbb22223', 'subnet-0aaa1111bbb22224'];
const ROUTE_TABLE = 'rtb-0ccc3333ddd44445';
const OUR_SG = 'sg-0eee5555fff66667';
const FOREIGN_SG = 'sg-0999888877776666';
const OUR_ENDPOINT = 'vpce-0123456789abcdef0';
const FOREIGN_ENDPOINT = 'vpce-0fedcba987654321f';
const INSTANCE = 'i-0abcdef1234567890';
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/payments';
const CONTAINER_INSTANCE = 'arn:aws:ecs:us-east-1:123456789012:container-instance/payments/0f1e2d3c4b5a69788';
const managedTags = [
  {
    ResourceType: 'vpc-endpoint',
    Tags: [
      { Key: 'Name', Value: 'privatelink-ecs-ecr.api' },
      { Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' },
    ],
  },
];

const RECONCILING = ['TriggerVpc', 'TriggerEcs', 'Sweep', 'WorkflowEnsureEndpoints'];
/** The functions that tear a VPC down on opt-out (the trigger service); the workflow never does. */
const TEARING_DOWN = ['TriggerVpc', 'TriggerEcs', 'Sweep'];

function authorizerFor(config: ConfigInput = {}): IamAuthorizer {
  return new IamAuthorizer(deployedRoles(parseConfig(config), PHYSICAL));
}

/** The denial of one call for one role, or undefined when every check on every resource is allowed. */
async function decide(
  authorizer: IamAuthorizer,
  functionId: string,
  service: ClientService,
  operation: string,
  input: unknown,
) {
  const checks: AuthzCheck[] = await authzChecks(service, operation, input, FACTS);
  return authorizer.authorize(functionId, checks);
}

describe('deployed roles, evaluated by a real IAM policy evaluator', () => {
  const authorizer = authorizerFor();
  const everyRole = [...authorizer.roles.keys()];

  describe('the calls the reconciler makes are allowed (regressions of the four defects)', () => {
    it.each(RECONCILING)(
      '%s creates an interface endpoint with private DNS behind our group',
      async (role) => {
        // Act
        const denial = await decide(authorizer, role, 'ec2', 'CreateVpcEndpoint', {
          VpcId: VPC,
          ServiceName: 'com.amazonaws.us-east-1.ecr.api',
          VpcEndpointType: 'Interface',
          SubnetIds: SUBNETS,
          SecurityGroupIds: [OUR_SG],
          PrivateDnsEnabled: true,
          TagSpecifications: managedTags,
        });

        // Assess: the VPC, both subnets, the group, the new endpoint, tag-on-create and the private DNS zone.
        expect(denial).toBeUndefined();
      },
    );

    it.each(RECONCILING)('%s creates an S3 gateway endpoint on a route table', async (role) => {
      // Act
      const denial = await decide(authorizer, role, 'ec2', 'CreateVpcEndpoint', {
        VpcId: VPC,
        ServiceName: 'com.amazonaws.us-east-1.s3',
        VpcEndpointType: 'Gateway',
        RouteTableIds: [ROUTE_TABLE],
        TagSpecifications: managedTags,
      });

      // Assess
      expect(denial).toBeUndefined();
    });

    it.each(RECONCILING)('%s creates the endpoint security group with our tag', async (role) => {
      // Act
      const denial = await decide(authorizer, role, 'ec2', 'CreateSecurityGroup', {
        VpcId: VPC,
        GroupName: 'privatelink-ecs-endpoints',
        Description: 'privatelink-ecs',
        TagSpecifications: [
          {
            ResourceType: 'security-group',
            Tags: [{ Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' }],
          },
        ],
      });

      // Assess
      expect(denial).toBeUndefined();
    });

    it.each(RECONCILING)('%s adds a route table to an endpoint of its own', async (role) => {
      // Act
      const modify = await decide(authorizer, role, 'ec2', 'ModifyVpcEndpoint', {
        VpcEndpointId: OUR_ENDPOINT,
        AddRouteTableIds: [ROUTE_TABLE],
      });

      // Assess
      expect(modify).toBeUndefined();
    });

    it.each(TEARING_DOWN)(
      '%s deletes an endpoint and the security group of its own (teardown)',
      async (role) => {
        // Act
        const endpoint = await decide(authorizer, role, 'ec2', 'DeleteVpcEndpoints', {
          VpcEndpointIds: [OUR_ENDPOINT],
        });
        const group = await decide(authorizer, role, 'ec2', 'DeleteSecurityGroup', { GroupId: OUR_SG });

        // Assess
        expect(endpoint).toBeUndefined();
        expect(group).toBeUndefined();
      },
    );

    it('WorkflowEnsureEndpoints, which runs no teardown action, may not delete even its own endpoint or group', async () => {
      // Act
      const endpoint = await decide(authorizer, 'WorkflowEnsureEndpoints', 'ec2', 'DeleteVpcEndpoints', {
        VpcEndpointIds: [OUR_ENDPOINT],
      });
      const group = await decide(authorizer, 'WorkflowEnsureEndpoints', 'ec2', 'DeleteSecurityGroup', {
        GroupId: OUR_SG,
      });

      // Assess
      expect(endpoint).toMatchObject({ action: 'ec2:DeleteVpcEndpoints', verdict: 'ImplicitlyDenied' });
      expect(group).toMatchObject({ action: 'ec2:DeleteSecurityGroup', verdict: 'ImplicitlyDenied' });
    });

    it.each(['WorkflowStartBatch', 'WorkflowPollBatch'])(
      '%s (PollBatch starts every batch after the first) may send both our restart documents, Linux and Windows',
      async (role) => {
        // Act
        const linux = await decide(authorizer, role, 'ssm', 'SendCommand', {
          DocumentName: PHYSICAL.documentName,
          InstanceIds: [INSTANCE],
        });
        const windows = await decide(authorizer, role, 'ssm', 'SendCommand', {
          DocumentName: PHYSICAL.windowsDocumentName,
          InstanceIds: [INSTANCE],
        });

        // Assess
        expect(linux).toBeUndefined();
        expect(windows).toBeUndefined();
      },
    );

    it.each(['AWS-RunPowerShellScript', 'PrivateLinkEcs-SomeOtherDocument'])(
      'StartBatch may send no other document than our two: %s is denied',
      async (document) => {
        // Act
        const denial = await decide(authorizer, 'WorkflowStartBatch', 'ssm', 'SendCommand', {
          DocumentName: document,
          InstanceIds: [INSTANCE],
        });

        // Assess
        expect(denial).toMatchObject({
          action: 'ssm:SendCommand',
          resource: `arn:aws:ssm:us-east-1:123456789012:document/${document}`,
        });
      },
    );

    it('PollBatch may drain a container instance for a reboot batch when the fallback is reboot', async () => {
      // Prepare
      const reboot = authorizerFor({ restart: { fallback: 'reboot' } });

      // Act
      const denial = await decide(reboot, 'WorkflowPollBatch', 'ecs', 'UpdateContainerInstancesState', {
        cluster: CLUSTER,
        containerInstances: [CONTAINER_INSTANCE],
        status: 'DRAINING',
      });

      // Assess
      expect(denial).toBeUndefined();
    });

    it('CheckAgentUpdates, which starts every batch of agent updates after the first, may update an agent only with agentUpdate', async () => {
      // Prepare
      const updating = authorizerFor({ restart: { agentUpdate: true } });
      const input = { cluster: CLUSTER, containerInstance: CONTAINER_INSTANCE };

      // Act
      const allowed = await decide(
        updating,
        'WorkflowCheckAgentUpdates',
        'ecs',
        'UpdateContainerAgent',
        input,
      );
      const denied = await decide(
        authorizer,
        'WorkflowCheckAgentUpdates',
        'ecs',
        'UpdateContainerAgent',
        input,
      );

      // Assess
      expect(allowed).toBeUndefined();
      expect(denied).toBeDefined();
    });

    it('the workflow steps that record restarts may write the restart record, and discovery may read it', async () => {
      // Act
      const writes = await Promise.all(
        ['WorkflowPollBatch', 'WorkflowCheckAgentUpdates'].map((role) =>
          decide(authorizer, role, 'dynamodb', 'BatchWriteItem', {
            RequestItems: { [PHYSICAL.tableName]: [] },
          }),
        ),
      );
      const read = await decide(authorizer, 'WorkflowDiscoverInstances', 'dynamodb', 'BatchGetItem', {
        RequestItems: { [PHYSICAL.tableName]: { Keys: [] } },
      });

      // Assess
      expect(writes).toEqual([undefined, undefined]);
      expect(read).toBeUndefined();
    });

    it('a tag condition on the VPC of a create can never match: the request tag is only in the new resource’s context', async () => {
      // Prepare: the statement shape the roles had before, one Allow for every resource under the request tag.
      const before = new IamAuthorizer(
        new Map([
          [
            'Before',
            {
              functionId: 'Before',
              roleName: 'Before',
              roleArn: 'arn:aws:iam::123456789012:role/Before',
              policies: [
                {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: 'ec2:CreateVpcEndpoint',
                      Resource: ['vpc-endpoint', 'vpc', 'subnet', 'security-group', 'route-table'].map(
                        (t) => `arn:aws:ec2:us-east-1:123456789012:${t}/*`,
                      ),
                      Condition: {
                        StringEquals: { 'aws:RequestTag/privatelink-ecs:managed': 'privatelink-ecs' },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        ]),
      );

      // Act
      const denial = await decide(before, 'Before', 'ec2', 'CreateVpcEndpoint', {
        VpcId: VPC,
        ServiceName: 'com.amazonaws.us-east-1.s3',
        VpcEndpointType: 'Gateway',
        RouteTableIds: [ROUTE_TABLE],
        TagSpecifications: managedTags,
      });

      // Assess
      expect(denial).toMatchObject({
        action: 'ec2:CreateVpcEndpoint',
        resource: `arn:aws:ec2:us-east-1:123456789012:vpc/${VPC}`,
        verdict: 'ImplicitlyDenied',
      });
    });
  });

  describe('no role may', () => {
    it.each(everyRole)('%s: modify or delete an endpoint it did not create', async (role) => {
      // Act
      const modify = await decide(authorizer, role, 'ec2', 'ModifyVpcEndpoint', {
        VpcEndpointId: FOREIGN_ENDPOINT,
        AddRouteTableIds: [ROUTE_TABLE],
      });
      const remove = await decide(authorizer, role, 'ec2', 'DeleteVpcEndpoints', {
        VpcEndpointIds: [FOREIGN_ENDPOINT],
      });

      // Assess
      expect(modify).toMatchObject({
        action: 'ec2:ModifyVpcEndpoint',
        resource: expect.stringContaining(FOREIGN_ENDPOINT),
      });
      expect(remove).toMatchObject({
        action: 'ec2:DeleteVpcEndpoints',
        resource: expect.stringContaining(FOREIGN_ENDPOINT),
      });
    });

    it.each(everyRole)('%s: open a security group it did not create', async (role) => {
      // Act
      const open = await decide(authorizer, role, 'ec2', 'AuthorizeSecurityGroupIngress', {
        GroupId: FOREIGN_SG,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      });
      const remove = await decide(authorizer, role, 'ec2', 'DeleteSecurityGroup', { GroupId: FOREIGN_SG });
      const behind = await decide(authorizer, role, 'ec2', 'CreateVpcEndpoint', {
        VpcId: VPC,
        ServiceName: 'com.amazonaws.us-east-1.ecr.api',
        VpcEndpointType: 'Interface',
        SubnetIds: SUBNETS,
        SecurityGroupIds: [FOREIGN_SG],
        TagSpecifications: managedTags,
      });

      // Assess: a role that may create endpoints at all is stopped at the foreign group itself.
      expect(open).toMatchObject({ resource: expect.stringContaining(FOREIGN_SG) });
      expect(remove).toMatchObject({ resource: expect.stringContaining(FOREIGN_SG) });
      expect(behind).toMatchObject({ action: 'ec2:CreateVpcEndpoint' });
      if (RECONCILING.includes(role)) expect(behind!.resource).toContain(FOREIGN_SG);
    });

    it.each(everyRole)('%s: send any SSM document but the stack’s own', async (role) => {
      // Act
      const denial = await decide(authorizer, role, 'ssm', 'SendCommand', {
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [INSTANCE],
      });

      // Assess
      expect(denial).toMatchObject({
        action: 'ssm:SendCommand',
        resource: 'arn:aws:ssm:us-east-1:123456789012:document/AWS-RunShellScript',
      });
    });

    it.each(everyRole)(
      '%s: create an endpoint without our managed tag, or tag an existing resource',
      async (role) => {
        // Act
        const untagged = await decide(authorizer, role, 'ec2', 'CreateVpcEndpoint', {
          VpcId: VPC,
          ServiceName: 'com.amazonaws.us-east-1.s3',
          VpcEndpointType: 'Gateway',
          RouteTableIds: [ROUTE_TABLE],
        });
        const retag = await decide(authorizer, role, 'ec2', 'CreateTags', {
          Resources: [FOREIGN_ENDPOINT],
          Tags: [{ Key: 'privatelink-ecs:managed', Value: 'privatelink-ecs' }],
        });

        // Assess
        expect(untagged).toMatchObject({
          action: 'ec2:CreateVpcEndpoint',
          resource: expect.stringContaining('vpc-endpoint/*'),
        });
        expect(retag).toMatchObject({ action: 'ec2:CreateTags' });
      },
    );

    it('add route tables to someone else’s S3 gateway: ec2:VpceServiceName is not a key of ModifyVpcEndpoint', async () => {
      // Act
      const denial = await decide(authorizer, 'TriggerVpc', 'ec2', 'ModifyVpcEndpoint', {
        VpcEndpointId: FOREIGN_ENDPOINT,
        AddRouteTableIds: [ROUTE_TABLE],
      });
      const withKey = authorizer.authorize('TriggerVpc', [
        {
          action: 'ec2:ModifyVpcEndpoint',
          kind: 'call',
          resources: [
            {
              arn: `arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/${FOREIGN_ENDPOINT}`,
              resourceType: 'vpc-endpoint',
              context: { 'ec2:VpceServiceName': 'com.amazonaws.us-east-1.s3' },
            },
          ],
        },
      ]);

      // Assess: denied, and a context carrying the key is refused as one AWS never builds.
      expect(denial).toMatchObject({ verdict: 'ImplicitlyDenied' });
      await expect(withKey).rejects.toThrow(/does not list/);
    });
  });
});
