// Shared set-up for the workflow tests: a simulated account with an opted-in VPC, the restart document, and a
// runner that executes the synthesized state machine locally against it with zeroed waits.
import { CreateDocumentCommand } from '@aws-sdk/client-ssm';
import {
  type AddContainerInstancesOptions,
  type ContainerInstancesAdded,
  SimulatedAccount,
  type SimulatedAccountOptions,
} from '../../devkit/sim';
import { itemSizeBytes } from '../../devkit/sim/dynamodb';
import { type EventLog, type LocalRunResult, runWorkflowLocally } from '../../devkit/workflow/local';
import type { AwsClients } from '../../shared/clients';
import { type Config, type ConfigInput, parseConfig } from '../../shared/config';
import { createTriggerHandler, type TriggerHandler } from '../../shared/events/handler';
import type { TriggerRuleId } from '../../shared/events/patterns';
import type { VpcId } from '../../shared/ids';
import { RESTART_DOCUMENT, WINDOWS_RESTART_DOCUMENT } from '../../shared/workflow/document';
import { STEP_NAMES } from '../../shared/workflow/steps';
import { DynamoStateStore, type StateStore } from '../../shared/workflow/store';

export const DOCUMENT_NAME = 'PrivateLinkEcs-RestartAgent';
export const WINDOWS_DOCUMENT_NAME = 'PrivateLinkEcs-RestartAgentWindows';
/** The state table, as the stack creates it (partition key `id`), in the simulated account's DynamoDB. */
export const STATE_TABLE = 'PrivateLinkEcs-WorkflowState';

export interface SimScenario {
  account: SimulatedAccount;
  vpcId: VpcId;
  /** The account's administrator: for building the scenario and for assertions, never for the product. */
  clients: AwsClients;
  /** The clients a deployed function's role calls with (made once per function id, then reused). */
  roleClients: (functionId: string) => AwsClients;
}

/** The function ids of the workflow's step Lambdas in the stack: Workflow<Step>. */
export const WORKFLOW_FUNCTIONS = STEP_NAMES.map((step) => `Workflow${step}`);

/** Every SDK client the workflow's steps call with, e.g. to inject faults into all of them or to count calls. */
export function stepClients(scenario: SimScenario): object[] {
  return WORKFLOW_FUNCTIONS.flatMap((id) => Object.values(scenario.roleClients(id)));
}

export async function simScenario(
  options: {
    optedIn?: boolean;
    tags?: Record<string, string>;
    account?: SimulatedAccountOptions;
    /** SDK options of the role clients (default 3 attempts). */
    sdk?: { maxAttempts?: number; retryDelayMs?: number };
  } = {},
): Promise<SimScenario> {
  const account = new SimulatedAccount(options.account);
  const tags: Record<string, string> = options.optedIn === false ? {} : { 'privatelink-ecs': 'enabled' };
  const { vpcId } = account.addVpc({
    cidr: '10.20.0.0/16',
    layout: 'public-private',
    nat: false,
    dnsHostnames: true,
    tags: { ...tags, ...options.tags },
  });
  account.addTable(STATE_TABLE, { partitionKey: 'id' });
  const clients = account.clients({ maxAttempts: 3 });
  await clients.ssm.send(
    new CreateDocumentCommand({
      Name: DOCUMENT_NAME,
      Content: JSON.stringify(RESTART_DOCUMENT),
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    }),
  );
  await clients.ssm.send(
    new CreateDocumentCommand({
      Name: WINDOWS_DOCUMENT_NAME,
      Content: JSON.stringify(WINDOWS_RESTART_DOCUMENT),
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    }),
  );
  const byRole = new Map<string, AwsClients>();
  const roleClients = (functionId: string): AwsClients => {
    let made = byRole.get(functionId);
    if (!made) {
      made = account.clients({ role: functionId, maxAttempts: 3, ...options.sdk });
      byRole.set(functionId, made);
    }
    return made;
  };
  return { account, vpcId, clients, roleClients };
}

/** Registers container instances in the scenario's VPC. */
export function addInstances(
  scenario: SimScenario,
  options: Omit<AddContainerInstancesOptions, 'vpcId'>,
): ContainerInstancesAdded {
  return scenario.account.addContainerInstances({ vpcId: scenario.vpcId, ...options });
}

/** Size of the largest record in the state table, in DynamoDB's item-size bytes. */
export function largestStateRecordBytes(scenario: SimScenario): number {
  const table = scenario.account.state.tables.get(STATE_TABLE);
  if (!table) throw new Error(`no table ${STATE_TABLE} in the simulated account`);
  let max = 0;
  for (const item of table.items.values()) max = Math.max(max, itemSizeBytes(item));
  return max;
}

/** Test config: ssm endpoints off (keeps the endpoint list to the ECS/ECR five plus S3), zero-ish defaults. */
export function testConfig(overrides: ConfigInput = {}) {
  return parseConfig({ ssmEndpoints: 'never', ...overrides });
}

/** The endpoint services a VPC converges to under testConfig(), sorted: the ECS/ECR five plus the S3 gateway. */
export const TEST_ENDPOINT_SERVICES = ['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 's3'];

export function runOnSim(
  scenario: SimScenario,
  input: unknown,
  options: {
    config?: ReturnType<typeof testConfig>;
    store?: StateStore;
    executionName?: string;
    documentName?: string;
    /** The Windows restart document (default WINDOWS_DOCUMENT_NAME); null runs without one. */
    windowsDocumentName?: string | null;
    onEvent?: (event: EventLog) => void;
  } = {},
): Promise<LocalRunResult> {
  const config = options.config ?? testConfig();
  const documentName = options.documentName ?? DOCUMENT_NAME;
  const windowsDocumentName =
    options.windowsDocumentName === null ? undefined : (options.windowsDocumentName ?? WINDOWS_DOCUMENT_NAME);
  // Each step calls AWS as its own function's role in the stack synthesized with this config.
  scenario.account.deployStack({
    config,
    documentName,
    ...(windowsDocumentName ? { windowsDocumentName } : {}),
    tableName: STATE_TABLE,
  });
  return runWorkflowLocally(input, {
    clients: scenario.clients,
    clientsFor: scenario.roleClients,
    config,
    ...(options.store
      ? { store: options.store }
      : {
          storeFor: (clients) =>
            new DynamoStateStore(clients.dynamodb, STATE_TABLE, () => scenario.account.clock.now()),
        }),
    documentName,
    ...(windowsDocumentName ? { windowsDocumentName } : {}),
    fastWaits: true,
    // Waits take no real time but move the account's clock, so time-based behaviour stays consistent.
    now: () => scenario.account.clock.now(),
    advanceClock: (seconds) => scenario.account.clock.advance(seconds * 1000),
    ...(options.executionName ? { executionName: options.executionName } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/** Calls of one operation ("ssm:SendCommand") recorded by the account. */
export function callsOf(account: SimulatedAccount, op: string): unknown[] {
  const [service, operation] = op.split(':');
  return account.calls.filter((c) => c.service === service && c.operation === operation).map((c) => c.input);
}

/** Instance IDs of every SendCommand call the account recorded, accepted or not, in call order. */
export function sentTo(scenario: SimScenario): string[] {
  return (callsOf(scenario.account, 'ssm:SendCommand') as Array<{ InstanceIds: string[] }>).flatMap(
    (c) => c.InstanceIds,
  );
}

export const STATE_MACHINE_NAME = 'PrivateLinkEcs-Remediation';

/**
 * A trigger Lambda's handler on the scenario, as its deployed role (TriggerVpc for the VPC rules, TriggerEcs
 * for the ECS ones), over the one stack table the workflow keeps its records in.
 */
export function simTrigger(
  scenario: SimScenario,
  rules: TriggerRuleId[],
  config: Config = testConfig(),
): TriggerHandler {
  const stateMachineArn = scenario.account.addStateMachine(STATE_MACHINE_NAME);
  scenario.account.deployStack({
    config,
    documentName: DOCUMENT_NAME,
    windowsDocumentName: WINDOWS_DOCUMENT_NAME,
    tableName: STATE_TABLE,
    stateMachineName: STATE_MACHINE_NAME,
  });
  const role = rules.some((r) => r.startsWith('ecs-')) ? 'TriggerEcs' : 'TriggerVpc';
  return createTriggerHandler(
    {
      ...scenario.roleClients(role),
      config,
      stateMachineArn,
      tableName: STATE_TABLE,
      lockOptions: { initialDelayMs: 5, maxDelayMs: 50, maxWaitMs: 10_000 },
    },
    rules,
  );
}
