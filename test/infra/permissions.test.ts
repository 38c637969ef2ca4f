import { buildStatements, validateDeclaration } from '../../infra/permissions';
import { parseConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import type { PermissionDeclaration } from '../../shared/permissions';

const values = {
  partition: 'aws',
  region: 'eu-west-1',
  account: '123456789012',
  managedTagKey: 'privatelink-ecs:managed',
  documentName: 'RestartDoc',
};

const sendCommand: PermissionDeclaration = {
  sid: 'RestartSendCommand',
  actions: ['ssm:SendCommand'],
  resources: [
    'arn:{partition}:ssm:{region}:{account}:document/{documentName}',
    'arn:{partition}:ec2:{region}:{account}:instance/*',
  ],
  reason: 'Runs our restart document on container instances',
};
const agentUpdate: PermissionDeclaration = {
  sid: 'AgentUpdate',
  actions: ['ecs:UpdateContainerAgent'],
  resources: ['arn:{partition}:ecs:{region}:{account}:container-instance/*'],
  reason: 'Updates agents older than 1.25.1',
};
const tagged: PermissionDeclaration = {
  sid: 'ModifyOwnEndpoint',
  actions: ['ec2:ModifyVpcEndpoint'],
  resources: ['arn:{partition}:ec2:{region}:{account}:vpc-endpoint/*'],
  conditions: { StringEquals: { 'aws:ResourceTag/{managedTagKey}': 'privatelink-ecs' } },
  reason: 'Only endpoints we created',
};

const json = (granted: ReturnType<typeof buildStatements>) => granted.map((s) => s.toStatementJson());

describe('permission declarations to IAM statements', () => {
  it('fills placeholders in resources and condition keys', () => {
    // Act
    const [statement] = json(buildStatements([tagged], parseConfig({}), values));

    // Assess
    expect(statement).toEqual({
      Sid: 'ModifyOwnEndpoint',
      Effect: 'Allow',
      Action: 'ec2:ModifyVpcEndpoint',
      Resource: 'arn:aws:ec2:eu-west-1:123456789012:vpc-endpoint/*',
      Condition: { StringEquals: { 'aws:ResourceTag/privatelink-ecs:managed': 'privatelink-ecs' } },
    });
  });

  it('grants ecs:UpdateContainerAgent only when restart.agentUpdate is on', () => {
    // Act
    const off = json(buildStatements([agentUpdate], parseConfig({}), values));
    const on = json(buildStatements([agentUpdate], parseConfig({ restart: { agentUpdate: true } }), values));

    // Assess
    expect(off).toEqual([]);
    expect(on).toEqual([expect.objectContaining({ Action: 'ecs:UpdateContainerAgent' })]);
  });

  it('splits SendCommand into the document grant and an instance grant, scoped by restart.instanceTag', () => {
    // Prepare
    const config = parseConfig({ restart: { instanceTag: { key: 'ecs-fleet', value: 'prod' } } });

    // Act
    const statements = json(buildStatements([sendCommand], config, values));

    // Assess
    expect(statements).toEqual([
      {
        Sid: 'RestartSendCommand',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: 'arn:aws:ssm:eu-west-1:123456789012:document/RestartDoc',
      },
      {
        Sid: 'RestartSendCommandInstances',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: 'arn:aws:ec2:eu-west-1:123456789012:instance/*',
        Condition: { StringEquals: { 'aws:ResourceTag/ecs-fleet': 'prod' } },
      },
    ]);
  });

  it('leaves the instance grant unconditioned when no instance tag is configured', () => {
    // Act
    const statements = json(buildStatements([sendCommand], parseConfig({}), values));

    // Assess
    expect(statements[1]).toEqual({
      Sid: 'RestartSendCommandInstances',
      Effect: 'Allow',
      Action: 'ssm:SendCommand',
      Resource: 'arn:aws:ec2:eu-west-1:123456789012:instance/*',
    });
  });

  it("keeps a SendCommand declaration's own instance condition instead of adding the configured tag", () => {
    // Prepare
    const config = parseConfig({ restart: { instanceTag: { key: 'ecs-fleet', value: 'prod' } } });
    const scoped: PermissionDeclaration = {
      sid: 'SendToTagged',
      actions: ['ssm:SendCommand'],
      resources: ['arn:{partition}:ec2:{region}:{account}:instance/*'],
      conditions: { StringEquals: { 'ssm:resourceTag/ecs-fleet': 'prod' } },
      reason: 'Restart on tagged instances',
    };

    // Act
    const statements = json(buildStatements([scoped], config, values));

    // Assess
    expect(statements).toEqual([
      {
        Sid: 'SendToTagged',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: 'arn:aws:ec2:eu-west-1:123456789012:instance/*',
        Condition: { StringEquals: { 'ssm:resourceTag/ecs-fleet': 'prod' } },
      },
    ]);
  });

  it('grants a declaration reached twice only once, and refuses two different ones with one sid', () => {
    // Act
    const once = buildStatements([tagged, tagged], parseConfig({}), values);
    const clash = () =>
      buildStatements([tagged, { ...tagged, actions: ['ec2:DeleteVpcEndpoints'] }], parseConfig({}), values);

    // Assess
    expect(once).toHaveLength(1);
    expect(clash).toThrow('two different permission declarations share the sid ModifyOwnEndpoint');
  });

  it.each([
    [{ actions: ['ec2:*'] }, 'wildcard action ec2:* is not allowed'],
    [{ actions: ['ec2:Describe*'] }, 'wildcard action ec2:Describe* is not allowed'],
    [
      { actions: ['ec2:CreateVpcEndpoint'], resources: ['*'], conditions: undefined },
      'ec2:CreateVpcEndpoint on resource "*" needs a condition',
    ],
    [{ sid: 'has-dash' }, 'sid must be letters and digits only'],
    [{ reason: ' ' }, 'needs a one-line reason'],
  ])('rejects %j with a ConfigError', (override, message) => {
    // Prepare
    const decl = { ...tagged, ...override } as PermissionDeclaration;

    // Act + Assess
    expect(() => validateDeclaration(decl)).toThrow(ConfigError);
    expect(() => validateDeclaration(decl)).toThrow(message);
  });

  it('accepts read-only actions on "*" without a condition', () => {
    // Prepare
    const describe: PermissionDeclaration = {
      sid: 'Describe',
      actions: ['ec2:DescribeVpcs', 'ecs:ListContainerInstances'],
      resources: ['*'],
      reason: 'EC2 Describe* cannot be scoped',
    };

    // Act
    const statements = json(buildStatements([describe], parseConfig({}), values));

    // Assess
    expect(statements).toEqual([
      expect.objectContaining({ Resource: '*', Action: ['ec2:DescribeVpcs', 'ecs:ListContainerInstances'] }),
    ]);
  });
});
