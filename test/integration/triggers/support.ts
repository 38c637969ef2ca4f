// Shared set-up for the trigger integration tests: the idempotency table and a state machine in moto, and
// a trigger handler wired to them exactly as the Lambda entry files wire it.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { CreateStateMachineCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../../bin/lib/demo';
import { enforceRolesOnEndpoint } from '../../../devkit/iam/aws';
import { asRole, type IamCounters } from '../../../devkit/iam/enforce';
import { functionIdForEntry } from '../../../infra/stack';
import { type AwsClients, createAwsClients } from '../../../shared/clients';
import { type Config, type ConfigInput, parseConfig } from '../../../shared/config';
import { createTriggerHandler, type TriggerHandler } from '../../../shared/events/handler';
import { sweepDescriptor, TRIGGER_RULES, type TriggerRuleId } from '../../../shared/events/patterns';

/** The parts of a Lambda context the handler and Powertools read (the demo's context, under a test name). */
export function fakeContext(): Context {
  return lambdaContext('us-east-1', '123456789012', 'privatelink-ecs-trigger-test');
}

export const TABLE_NAME = 'privatelink-ecs-idempotency-test';

export interface TriggerWorld {
  clients: AwsClients;
  /** Calls the handler made as its deployed role: authorized and denied. */
  iam: IamCounters;
  stateMachineArn: string;
  handler: (rules?: ReadonlyArray<TriggerRuleId | 'sweep'>, config?: ConfigInput) => TriggerHandler;
}

const STATE_MACHINE_NAME = 'privatelink-ecs-remediation-test';

/**
 * The idempotency table and a state machine in moto, and a trigger handler wired to them as the Lambda entry files
 * wire it. The handler runs as the deployed trigger function's role: every call it makes through `clients` is
 * authorized against that role's synthesized policies before it reaches moto. The same clients act as the
 * administrator outside the handler (set-up, assertions).
 */
export async function createTriggerWorld(clients: AwsClients = createAwsClients()): Promise<TriggerWorld> {
  const iam: IamCounters = { authorized: 0, denied: 0 };
  enforceRoles(clients, clients, undefined, iam);
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE_NAME,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const sm = await clients.sfn.send(
    new CreateStateMachineCommand({
      name: STATE_MACHINE_NAME,
      roleArn: 'arn:aws:iam::123456789012:role/privatelink-ecs-test',
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
    }),
  );
  const stateMachineArn = sm.stateMachineArn!;
  return {
    clients,
    iam,
    stateMachineArn,
    handler: (
      rules = ['vpc-tag-change', 'vpc-api-call', 'ecs-instance-state', 'ecs-cluster-api-call', 'sweep'],
      config = {},
    ) => {
      const parsed = parseConfig({ ssmEndpoints: 'never', ...config });
      const entry =
        TRIGGER_RULES.find((r) => r.id === rules[0])?.handlerEntry ?? sweepDescriptor(parsed).handlerEntry;
      const functionId = functionIdForEntry(entry);
      const handler = createTriggerHandler(
        {
          ...clients,
          config: parsed,
          stateMachineArn,
          tableName: TABLE_NAME,
          lockOptions: { initialDelayMs: 20, maxDelayMs: 200, maxWaitMs: 30_000 },
        },
        rules,
      );
      return (event, context) => asRole(functionId, () => handler(event, context ?? fakeContext()));
    },
  };
}

/**
 * Makes `clients` enforce IAM inside `asRole(…)` for the stack with this world's table and state machine (the
 * trigger functions' grants do not depend on the config fields tests vary). `admin` reads the tags IAM would see.
 */
export function enforceRoles(
  clients: AwsClients,
  admin: AwsClients,
  config: Config = parseConfig({ ssmEndpoints: 'never' }),
  counters?: IamCounters,
): AwsClients {
  return enforceRolesOnEndpoint(
    clients,
    {
      config,
      region: 'us-east-1',
      account: '123456789012',
      documentName: 'privatelink-ecs-restart-test',
      tableName: TABLE_NAME,
      stateMachineName: STATE_MACHINE_NAME,
    },
    admin,
    counters,
  );
}

export async function listExecutionNames(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
  return (res.executions ?? []).map((e) => e.name!).sort();
}

/** Count of endpoints per short service name in the VPC (every endpoint, whoever made it). */
export async function endpointsPerService(ec2: EC2Client, vpcId: string): Promise<Record<string, number>> {
  const res = await ec2.send(
    new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const counts: Record<string, number> = {};
  for (const ep of res.VpcEndpoints ?? []) {
    if (String(ep.State).toLowerCase() === 'deleted') continue;
    const short = ep.ServiceName!.replace(/^com\.amazonaws\.[a-z0-9-]+\./, '');
    counts[short] = (counts[short] ?? 0) + 1;
  }
  return counts;
}
