// Shared set-up for the trigger integration tests: the idempotency table and a state machine in moto, and
// a trigger handler wired to them exactly as the Lambda entry files wire it.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { CreateStateMachineCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../../bin/lib/demo';
import { type AwsClients, createAwsClients } from '../../../shared/clients';
import { type ConfigInput, parseConfig } from '../../../shared/config';
import { createTriggerHandler, type TriggerHandler } from '../../../shared/events/handler';
import type { TriggerRuleId } from '../../../shared/events/patterns';

/** The parts of a Lambda context the handler and Powertools read (the demo's context, under a test name). */
export function fakeContext(): Context {
  return lambdaContext('us-east-1', '123456789012', 'privatelink-ecs-trigger-test');
}

export const TABLE_NAME = 'privatelink-ecs-idempotency-test';

export interface TriggerWorld {
  clients: AwsClients;
  stateMachineArn: string;
  handler: (rules?: ReadonlyArray<TriggerRuleId | 'sweep'>, config?: ConfigInput) => TriggerHandler;
}

export async function createTriggerWorld(clients: AwsClients = createAwsClients()): Promise<TriggerWorld> {
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
      name: 'privatelink-ecs-remediation-test',
      roleArn: 'arn:aws:iam::123456789012:role/privatelink-ecs-test',
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
    }),
  );
  const stateMachineArn = sm.stateMachineArn!;
  return {
    clients,
    stateMachineArn,
    handler: (
      rules = ['vpc-tag-change', 'vpc-api-call', 'ecs-instance-state', 'ecs-cluster-api-call', 'sweep'],
      config = {},
    ) => {
      const handler = createTriggerHandler(
        {
          ...clients,
          config: parseConfig({ ssmEndpoints: 'never', ...config }),
          stateMachineArn,
          tableName: TABLE_NAME,
          lockOptions: { initialDelayMs: 20, maxDelayMs: 200, maxWaitMs: 30_000 },
        },
        rules,
      );
      return (event, context) => handler(event, context ?? fakeContext());
    },
  };
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
