// Simulated CloudFormation for the stack deployed into the simulated account (SimulatedAccount.deployStack),
// for `privatelink-ecs doctor`: DescribeStacks (id and outputs), ListStackResources (the function roles under
// logical ids such as TriggerVpcRoleC4B6558A, as CDK names them, plus the table, document, state machine and
// other roles of the stack) and GetTemplate (each function carries the config in its environment).
import type {
  DescribeStacksInput,
  DescribeStacksOutput,
  GetTemplateInput,
  GetTemplateOutput,
  ListStackResourcesInput,
  ListStackResourcesOutput,
  StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import * as cfnsdk from '@aws-sdk/client-cloudformation';
import type { Config } from '../../shared/config';
import { ENV } from '../../shared/env';
import { type HandlerMap, hashString, op, paginate, serviceErrors } from './core';
import type { SimState } from './state';

export const { error: cfnError, throttle: cfnThrottle } = serviceErrors(
  cfnsdk,
  cfnsdk.CloudFormationServiceException,
  { throttle: { name: 'Throttling', message: 'Rate exceeded', status: 400 } },
);

/** The stack as deployed into the simulated account. */
export interface SimStack {
  stackName: string;
  config: Config;
  documentName: string;
  windowsDocumentName: string;
  tableName: string;
  stateMachineArn: string;
  /** Function id (TriggerVpc, Workflow<Step>) and the physical name of its role. */
  roles: Array<{ functionId: string; roleName: string }>;
}

const PAGE = { min: 1, max: 100, defaultSize: 100 };

/** CDK's logical id: the construct path plus an 8-hex-digit hash. */
const logicalId = (path: string) => `${path}${hashString(path).toUpperCase()}`;

function resources(stack: SimStack, now: Date): StackResourceSummary[] {
  const row = (LogicalResourceId: string, ResourceType: string, PhysicalResourceId: string) => ({
    LogicalResourceId,
    ResourceType,
    PhysicalResourceId,
    ResourceStatus: 'CREATE_COMPLETE' as const,
    LastUpdatedTimestamp: now,
  });
  return [
    row(logicalId('IdempotencyTable'), 'AWS::DynamoDB::Table', stack.tableName),
    row('RestartAgentDocument', 'AWS::SSM::Document', stack.documentName),
    row('RestartAgentWindowsDocument', 'AWS::SSM::Document', stack.windowsDocumentName),
    row(
      logicalId('WorkflowStateMachineRole'),
      'AWS::IAM::Role',
      `${stack.stackName}-WorkflowStateMachineRole`,
    ),
    row(logicalId('WorkflowStateMachine'), 'AWS::StepFunctions::StateMachine', stack.stateMachineArn),
    ...stack.roles.flatMap((r) => [
      row(logicalId(`${r.functionId}Role`), 'AWS::IAM::Role', r.roleName),
      row(
        logicalId(`${r.functionId}Function`),
        'AWS::Lambda::Function',
        `${stack.stackName}-${r.functionId}`,
      ),
    ]),
  ];
}

export function cloudformationHandlers(state: SimState, deployed: () => SimStack): HandlerMap {
  const stackId = (s: SimStack) =>
    `arn:aws:cloudformation:${state.region}:${state.accountId}:stack/${s.stackName}/${hashString(s.stackName)}-0000-4000-a000-000000000000`;
  function stack(name: string | undefined): SimStack {
    const s = deployed();
    if (name !== s.stackName && name !== stackId(s)) {
      throw cfnError('ValidationError', `Stack with id ${name ?? ''} does not exist`);
    }
    return s;
  }
  return {
    DescribeStacks: op<DescribeStacksInput, DescribeStacksOutput>((input) => {
      const s = stack(input.StackName);
      return {
        Stacks: [
          {
            StackName: s.stackName,
            StackId: stackId(s),
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: state.clock.now(),
            Outputs: [
              { OutputKey: 'StateMachineArn', OutputValue: s.stateMachineArn },
              { OutputKey: 'RestartDocumentName', OutputValue: s.documentName },
              { OutputKey: 'RestartWindowsDocumentName', OutputValue: s.windowsDocumentName },
            ],
          },
        ],
      };
    }),
    ListStackResources: op<ListStackResourcesInput, ListStackResourcesOutput>((input) => {
      const s = stack(input.StackName);
      const page = paginate(
        resources(s, state.clock.now()),
        undefined,
        input.NextToken,
        PAGE,
        s.stackName,
        (m) => cfnError('ValidationError', m),
      );
      return { StackResourceSummaries: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
    }),
    GetTemplate: op<GetTemplateInput, GetTemplateOutput>((input) => {
      const s = stack(input.StackName);
      const template = {
        Resources: Object.fromEntries(
          s.roles.map((r) => [
            logicalId(`${r.functionId}Function`),
            {
              Type: 'AWS::Lambda::Function',
              Properties: {
                Role: { 'Fn::GetAtt': [logicalId(`${r.functionId}Role`), 'Arn'] },
                Environment: { Variables: { [ENV.config]: JSON.stringify(s.config) } },
              },
            },
          ]),
        ),
      };
      return { TemplateBody: JSON.stringify(template), StagesAvailable: ['Original', 'Processed'] };
    }),
  };
}
