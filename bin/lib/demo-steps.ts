// The two steps of the demo's story that the single-account and the organization demos share: the operator
// adds the opt-in tag and the trigger Lambda's code handles the event (as the deployed trigger role), then the
// synthesized state machine runs the execution the trigger started (each step as its own role).
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import type { SimExecution } from '../../devkit/sim';
import { type LocalRunOptions, type LocalRunResult, runWorkflowLocally } from '../../devkit/workflow/local';
import { functionIdForEntry } from '../../infra/stack';
import type { Config } from '../../shared/config';
import { publishDecisions } from '../../shared/events/decisions';
import { createTriggerHandler, type TriggerSummary } from '../../shared/events/handler';
import { TRIGGER_RULES, type TriggerRule, type TriggerRuleId } from '../../shared/events/patterns';
import { matchingRules } from '../../shared/events/schemas';
import { parseWorkflowInput } from '../../shared/workflow/input';
import { DynamoStateStore } from '../../shared/workflow/store';
import {
  asLambda,
  collectStdout,
  DEMO_TRIGGER_FUNCTION,
  DEMO_VPC_NAME,
  type DemoWorld,
  lambdaContext,
  tagChangeEvent,
} from './demo';

/** What the trigger made of the opt-in tag: no rule matched, its handler threw, or its summary. */
export type Triggered =
  | ({ kind: 'no-rule' } & TagEvent)
  | ({ kind: 'failed'; error: unknown } & RuleServed)
  | ({
      kind: 'ran';
      trigger: TriggerSummary;
      vpc: TriggerSummary['vpcs'][number] | undefined;
      /** The execution the trigger started, if it started one. */
      execution: SimExecution | undefined;
    } & RuleServed);

/** The tag event and the deployed rules it matched. */
interface TagEvent {
  event: Record<string, unknown>;
  /** The account's call count right after the operator's CreateTags: what follows is the product's. */
  tagCalls: number;
  matched: TriggerRuleId[];
}

/** A matched rule whose target, the trigger handler, was invoked. */
interface RuleServed extends TagEvent {
  rule: TriggerRule;
  served: TriggerRuleId[];
  invoked: { lines: string[] };
}

/**
 * The operator adds the opt-in tag to the world's VPC; the "Tag Change on Resource" event goes through the
 * deployed rules' matching into the trigger Lambda's handler code, which calls AWS as the deployed trigger
 * function's role.
 */
export async function tagAndTrigger(world: DemoWorld, config: Config): Promise<Triggered> {
  const { account, layout } = world;
  const { vpcId } = layout;
  const clients = account.clients();
  await clients.ec2.send(
    new CreateTagsCommand({
      Resources: [vpcId],
      Tags: [{ Key: config.optInTag.key, Value: config.optInTag.value }],
    }),
  );
  const tagCalls = account.calls.length;
  const event = tagChangeEvent({
    region: account.region,
    accountId: account.accountId,
    vpcId,
    time: account.clock.now(),
    changedKeys: [config.optInTag.key],
    tags: { Name: DEMO_VPC_NAME, team: 'payments', [config.optInTag.key]: config.optInTag.value },
  });
  const matched = matchingRules(config, event);
  const rule = TRIGGER_RULES.find((r) => r.id === matched[0]);
  if (!rule) return { kind: 'no-rule', event, matched, tagCalls };
  // The Lambda behind the rule serves every rule with the same entry file (functions/trigger-vpc/index.ts
  // passes exactly these to triggerLambda).
  const served: TriggerRuleId[] = TRIGGER_RULES.filter((r) => r.handlerEntry === rule.handlerEntry).map(
    (r) => r.id,
  );
  const triggerClients = account.clients({ role: functionIdForEntry(rule.handlerEntry) });
  const handler = createTriggerHandler(
    {
      ec2: triggerClients.ec2,
      ecs: triggerClients.ecs,
      sfn: triggerClients.sfn,
      dynamodb: triggerClients.dynamodb,
      config,
      stateMachineArn: world.stateMachineArn,
      tableName: world.table,
      // An organization member tells the hub what it decided, as functions/trigger-*/ do (events/lambda.ts).
      ...(config.organization
        ? {
            publishDecisions: (outcome) =>
              publishDecisions(triggerClients.events, 'default', outcome, () => account.clock.now()),
          }
        : {}),
    },
    served,
  );
  const invoked = await collectStdout(() =>
    asLambda(DEMO_TRIGGER_FUNCTION, () => handler(event, lambdaContext(account.region, account.accountId))),
  );
  if (!invoked.ok) {
    return { kind: 'failed', event, matched, tagCalls, rule, served, invoked, error: invoked.error };
  }
  const trigger: TriggerSummary = invoked.value;
  const vpc = trigger.vpcs.find((v) => v.vpcId === vpcId);
  const execution = vpc?.workflow?.started
    ? account.executions.find((x) => x.name === vpc.workflow?.name)
    : undefined;
  return { kind: 'ran', event, matched, tagCalls, rule, served, invoked, trigger, vpc, execution };
}

/** Runs the synthesized state machine in-process on `execution`, each step as its own role, and records the end. */
export async function runExecution(
  world: DemoWorld,
  config: Config,
  execution: SimExecution,
  onEvent?: LocalRunOptions['onEvent'],
): Promise<LocalRunResult> {
  const { account } = world;
  const input = parseWorkflowInput(JSON.parse(execution.input));
  const result = await runWorkflowLocally(input, {
    clients: account.clients(),
    // Each step calls AWS as its own function's role, as deployed.
    clientsFor: (functionId) => account.clients({ role: functionId }),
    storeFor: (stepClients) =>
      new DynamoStateStore(stepClients.dynamodb, world.table, () => account.clock.now()),
    config,
    documentName: world.documentName,
    executionName: execution.name,
    executionArn: execution.arn,
    fastWaits: true,
    now: () => account.clock.now(),
    advanceClock: (seconds) => account.clock.advance(seconds * 1000),
    ...(onEvent ? { onEvent } : {}),
  });
  account.completeExecution(execution.arn, {
    status: result.status,
    ...(result.output !== undefined ? { output: result.output } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.cause !== undefined ? { cause: result.cause } : {}),
  });
  return result;
}
