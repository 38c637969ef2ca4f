// `privatelink-ecs demo` (what `npm start` runs): a complete remediation against a built-in simulated AWS
// account, no credentials, no emulator. A realistic opted-in VPC (3 AZs, public and private subnets, no NAT), 14
// container instances with mixed agent versions, one without systemd, one not managed by SSM and one with an
// agent too old; the workflow runs locally with live progress, then the summary and the changes it made are printed.
import { CreateDocumentCommand } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import { parseConfig } from '../../shared/config';
import { SimulatedAccount } from '../../shared/sim';
import { RESTART_DOCUMENT } from '../../shared/workflow/document';
import { parseWorkflowInput } from '../../shared/workflow/input';
import { DynamoStateStore } from '../../shared/workflow/store';
import { EXIT_OK, quietCliLogs } from '../lib/common';
import { executeAndReport } from './run';

export const order = 5;

const DOCUMENT_NAME = 'PrivateLinkEcs-RestartAgentDocument-demo';
const STATE_TABLE = 'PrivateLinkEcs-WorkflowState-demo';

interface DemoOptions {
  json?: boolean;
}

type Writer = (line: string) => void;

/** Builds the demo account. */
async function buildDemoAccount(): Promise<{ account: SimulatedAccount; vpcId: string }> {
  const account = new SimulatedAccount({ azs: 3 });
  const { vpcId } = account.addVpc({
    cidr: '10.42.0.0/16',
    layout: 'public-private',
    nat: false,
    dnsHostnames: false,
    tags: { Name: 'payments-prod', 'privatelink-ecs': 'enabled' },
  });
  // Endpoints take a few polls to become available, as real ones take a few minutes.
  for (const service of ['ecr.api', 'ecr.dkr', 'ecs-agent', 'ecs-telemetry', 'ecs']) {
    account.setEndpointBehaviour(service, { pendingPolls: 10 });
  }
  account.addContainerInstances({ vpcId, clusterName: 'payments', count: 6, agentVersion: '1.82.1' });
  account.addContainerInstances({ vpcId, clusterName: 'payments', count: 3, agentVersion: '1.68.2' });
  account.addContainerInstances({ vpcId, clusterName: 'batch-jobs', count: 2, agentVersion: '1.75.0' });
  // An older Amazon Linux without systemd: the restart script's `docker restart ecs-agent` branch.
  account.addContainerInstances({
    vpcId,
    clusterName: 'batch-jobs',
    count: 1,
    agentVersion: '1.51.0',
    usesSystemd: false,
  });
  account.addContainerInstances({
    vpcId,
    clusterName: 'batch-jobs',
    count: 1,
    agentVersion: '1.80.0',
    ssmManaged: false,
  });
  account.addContainerInstances({ vpcId, clusterName: 'legacy', count: 1, agentVersion: '1.21.0' });
  // The workflow keeps batches and progress in DynamoDB, as deployed.
  account.addTable(STATE_TABLE, { partitionKey: 'id' });
  const clients = account.clients();
  await clients.ssm.send(
    new CreateDocumentCommand({
      Name: DOCUMENT_NAME,
      Content: JSON.stringify(RESTART_DOCUMENT),
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    }),
  );
  return { account, vpcId };
}

export async function runDemo(opts: DemoOptions, stdout: Writer, stderr: Writer): Promise<number> {
  quietCliLogs();
  const { account, vpcId } = await buildDemoAccount();
  const setupCalls = account.calls.length;
  stderr('privatelink-ecs demo: a simulated AWS account (no credentials, nothing leaves this process)');
  stderr(`  VPC ${vpcId} "payments-prod", tagged privatelink-ecs=enabled:`);
  stderr('  3 AZs, public and private subnets, no NAT; 14 container instances in 3 clusters with mixed');
  stderr('  agent versions, one without systemd (its agent is restarted as the ecs-agent container), one');
  stderr('  not managed by SSM, one agent older than 1.25.1.');
  stderr('');
  const clients = account.clients();
  const { code, result } = await executeAndReport({
    clients,
    config: parseConfig({}),
    input: parseWorkflowInput({ vpcId }),
    json: Boolean(opts.json),
    store: new DynamoStateStore(clients.dynamodb, STATE_TABLE, () => account.clock.now()),
    documentName: DOCUMENT_NAME,
    fastWaits: true,
    simulatedClock: account.clock,
    stdout,
    stderr,
  });
  if (!opts.json) {
    const allWrites = account.calls
      .slice(setupCalls)
      .filter((c) => !/^(Describe|List|Get|BatchGet|Query|Scan)/.test(c.operation));
    // The workflow's own bookkeeping in its state table is not a change to the account's resources.
    const writes = allWrites.filter((c) => c.service !== 'dynamodb');
    const bookkeeping = allWrites.length - writes.length;
    const counts = new Map<string, number>();
    for (const c of writes)
      counts.set(`${c.service}:${c.operation}`, (counts.get(`${c.service}:${c.operation}`) ?? 0) + 1);
    stdout('');
    stdout(`What changed (${writes.length} write calls):`);
    for (const [op, n] of [...counts.entries()].sort()) stdout(`  ${op.padEnd(40)} ${n}`);
    stdout(`  (plus ${bookkeeping} writes of batch and progress records to the workflow's state table)`);
    stdout('');
    stdout(
      `${result.transitions} state transitions, largest state payload ${result.maxPayloadBytes} bytes. ` +
        'The non-SSM instance and the old agent are reported, not touched: see "Skipped".',
    );
    stdout('Try it on your account: privatelink-ecs run --vpc-id vpc-… --dry-run');
  }
  // The demo shows failures as part of the story but only exits non-zero if the workflow itself broke.
  return result.summary ? EXIT_OK : code;
}

export function register(program: Command): void {
  program
    .command('demo')
    .summary('run a full remediation against a built-in simulated account (what npm start runs)')
    .description(
      'Builds a simulated AWS account with an opted-in VPC and 14 container instances, runs the ' +
        'remediation workflow locally with live progress, and prints the summary and what changed. ' +
        'Needs no AWS credentials, no emulator and no network.',
    )
    .option('--json', 'print the summary as JSON')
    .action(async (opts: DemoOptions) => {
      process.exitCode = await runDemo(
        opts,
        (l) => process.stdout.write(`${l}\n`),
        (l) => process.stderr.write(`${l}\n`),
      );
    });
}
