// Shared set-up for the workflow tests: a simulated account with an opted-in VPC, the restart document, and a
// runner that executes the synthesized state machine locally against it with zeroed waits.
import { CreateDocumentCommand } from '@aws-sdk/client-ssm';
import { type ConfigInput, parseConfig } from '../../shared/config';
import { SimulatedAccount } from '../../shared/sim';
import { RESTART_DOCUMENT } from '../../shared/workflow/document';
import { type LocalRunResult, runWorkflowLocally } from '../../shared/workflow/local';
import { MemoryStateStore, type StateStore } from '../../shared/workflow/store';

export const DOCUMENT_NAME = 'PrivateLinkEcs-RestartAgent';

export interface SimScenario {
  account: SimulatedAccount;
  vpcId: string;
  clients: ReturnType<SimulatedAccount['clients']>;
}

export async function simScenario(
  options: { optedIn?: boolean; tags?: Record<string, string> } = {},
): Promise<SimScenario> {
  const account = new SimulatedAccount();
  const tags: Record<string, string> = options.optedIn === false ? {} : { 'privatelink-ecs': 'enabled' };
  const { vpcId } = account.addVpc({
    cidr: '10.20.0.0/16',
    layout: 'public-private',
    nat: false,
    dnsHostnames: true,
    tags: { ...tags, ...options.tags },
  });
  const clients = account.clients({ maxAttempts: 3 });
  await clients.ssm.send(
    new CreateDocumentCommand({
      Name: DOCUMENT_NAME,
      Content: JSON.stringify(RESTART_DOCUMENT),
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    }),
  );
  return { account, vpcId, clients };
}

/** Test config: ssm endpoints off (keeps the endpoint list to the ECS/ECR five plus S3), zero-ish defaults. */
export function testConfig(overrides: ConfigInput = {}) {
  return parseConfig({ ssmEndpoints: 'never', ...overrides });
}

export function runOnSim(
  scenario: SimScenario,
  input: unknown,
  options: {
    config?: ReturnType<typeof testConfig>;
    store?: StateStore;
    executionName?: string;
    documentName?: string;
  } = {},
): Promise<LocalRunResult> {
  return runWorkflowLocally(input, {
    clients: scenario.clients,
    config: options.config ?? testConfig(),
    store: options.store ?? new MemoryStateStore(),
    documentName: options.documentName ?? DOCUMENT_NAME,
    fastWaits: true,
    ...(options.executionName ? { executionName: options.executionName } : {}),
  });
}

/** Calls of one operation ("ssm:SendCommand") recorded by the account. */
export function callsOf(account: SimulatedAccount, op: string): unknown[] {
  const [service, operation] = op.split(':');
  return account.calls.filter((c) => c.service === service && c.operation === operation).map((c) => c.input);
}
