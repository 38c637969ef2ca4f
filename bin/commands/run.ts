// `privatelink-ecs run`: runs the remediation workflow in-process (the same synthesized definition the stack
// deploys) against the configured AWS account or emulator, with live progress on stderr and the summary on
// stdout. Exit code 0 when everything succeeded, 1 when anything failed, 2 for bad input.
import type { Command } from 'commander';
import { type EventLog, runWorkflowLocally } from '../../devkit/workflow/local';
import type { AwsClients } from '../../shared/clients';
import type { Config } from '../../shared/config';
import { ENV } from '../../shared/env';
import { InvalidInputError } from '../../shared/errors';
import { INPUT_REJECTION_ERROR_NAMES } from '../../shared/workflow/errors';
import { parseWorkflowInput } from '../../shared/workflow/input';
import { DynamoStateStore, MemoryStateStore, type StateStore } from '../../shared/workflow/store';
import type {
  RemediationSummary,
  SummaryState,
  WorkflowInput,
  WorkflowState,
} from '../../shared/workflow/types';
import {
  type CommonOptions,
  clientsFor,
  cliWording,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  loadConfig,
  withCommonOptions,
} from '../lib/common';
import { cloudFormationClient, DEFAULT_STACK_NAME, stackOutputs } from '../lib/stack';

export const order = 40;

/** The errors ValidateInput fails a run with before anything changed: bad input, exit 2. */
const REJECTIONS: ReadonlySet<string> = new Set(INPUT_REJECTION_ERROR_NAMES);

interface RunOptions extends CommonOptions {
  vpcId: string;
  dryRun?: boolean;
  force?: boolean;
  restart?: string;
  documentName?: string;
  stateTable?: string;
  stackName?: string;
}

/** The stack output that names the deployed restart document (infra/stack.ts). */
export const RESTART_DOCUMENT_OUTPUT = 'RestartDocumentName';

/**
 * The restart document: --document-name, else RESTART_DOCUMENT_NAME, else the deployed stack's
 * RestartDocumentName output. Undefined when no restart can happen (dry run, --restart none).
 */
async function resolveDocumentName(opts: RunOptions, input: WorkflowInput): Promise<string | undefined> {
  const given = opts.documentName ?? process.env[ENV.restartDocumentName];
  if (given || input.dryRun || input.restart === 'none') return given;
  const stackName = opts.stackName ?? DEFAULT_STACK_NAME;
  const hint = `--document-name (or set ${ENV.restartDocumentName}), or use --dry-run or --restart none`;
  const cfn = cloudFormationClient(opts.region);
  try {
    const outputs = await stackOutputs(cfn, stackName, hint);
    const found = outputs.find((o) => o.OutputKey === RESTART_DOCUMENT_OUTPUT)?.OutputValue;
    if (!found) {
      throw new InvalidInputError(
        `stack ${stackName} has no ${RESTART_DOCUMENT_OUTPUT} output; pass ${hint}`,
        {
          field: '--document-name',
        },
      );
    }
    return found;
  } finally {
    cfn.destroy();
  }
}

type Writer = (line: string) => void;

function detail(name: string, output: unknown): string {
  if (!output || typeof output !== 'object') return '';
  const s = output as Partial<WorkflowState> & Partial<SummaryState>;
  switch (name) {
    case 'ValidateInput':
      return `${s.input?.vpcId} accepted (restart ${s.input?.restart}${s.input?.dryRun ? ', dry run' : ''})`;
    case 'EnsureEndpoints':
      return s.endpoints?.changed ? 'endpoints created or changed' : 'endpoints already in place';
    case 'CheckEndpoints': {
      const list = s.endpoints?.list ?? [];
      const ready = list.filter((e) => e.state === 'available').length;
      return s.endpoints?.ready
        ? `all ${list.length} endpoints available`
        : `${ready}/${list.length} available, next check in ${s.endpoints?.waitSeconds} s`;
    }
    case 'DiscoverInstances': {
      const f = s.fleet;
      if (!f) return '';
      return `${f.inVpc} container instance(s) in the VPC: ${f.toRestart} to restart, ${f.toReboot} to reboot, ${f.toUpdate} agent update(s), ${f.skipped} skipped; ${s.rollout?.batchCount} batch(es)`;
    }
    case 'CheckAgentUpdates':
      return s.updates?.done ? 'agent updates finished' : `${s.updates?.pending} agent update(s) in progress`;
    case 'StartBatch':
      return `batch ${(s.rollout?.batchIndex ?? 0) + 1} of ${s.rollout?.batchCount} started`;
    case 'PollBatch':
      if (!s.rollout) return '';
      return s.rollout.phase === 'running'
        ? `batch ${s.rollout.batchIndex + 1} still running`
        : `batch ${s.rollout.batchIndex} done: ${s.rollout.restarted} restarted, ${s.rollout.failed} failed so far`;
    case 'Summarize':
      return `outcome ${s.summary?.outcome}`;
    default:
      return '';
  }
}

/** Live progress: one line per Task state finished, plus retries and caught errors. */
export function progressPrinter(write: Writer): (event: EventLog) => void {
  // A caught failure still ends with StateExited; it was already reported with ✗, so no ✓ follows it.
  let failed: string | undefined;
  return (event) => {
    switch (event.type) {
      case 'StateExited':
        if (event.state.name === failed) {
          failed = undefined;
          break;
        }
        if (event.state.type === 'Task')
          write(`  ✓ ${event.state.name.padEnd(18)} ${detail(event.state.name, event.state.output)}`);
        break;
      case 'StateRetried':
        failed = undefined;
        write(`  ↻ ${event.state.name} retried (attempt ${event.retry.attempt})`);
        break;
      case 'StateFailed':
        failed = event.state.name;
        if (event.state.type === 'Task')
          write(`  ✗ ${event.state.name.padEnd(18)} ${event.Error}: ${String(event.Cause).split('\n')[0]}`);
        break;
      case 'StateEntered':
        failed = undefined;
        if (event.state.type === 'Wait') write(`  … ${event.state.name}`);
        break;
      default:
        break;
    }
  };
}

function shortCluster(arn?: string): string {
  return arn ? (arn.split('/').pop() ?? arn) : '';
}

/** The human-readable summary. */
export function renderSummary(summary: RemediationSummary): string {
  const out: string[] = [];
  out.push(
    `Remediation of ${summary.vpcId}: ${summary.outcome.toUpperCase()}${summary.error ? ` (${summary.error}: ${summary.cause})` : ''}`,
  );
  out.push('');
  if (summary.plan) {
    out.push(summary.plan.length ? 'Plan (dry run):' : 'Plan (dry run): nothing to change');
    for (const p of summary.plan) out.push(`  ${p.kind}${p.service ? ` ${p.service}` : ''}: ${p.reason}`);
    out.push('');
  }
  out.push(`Endpoints (${summary.endpoints.length}):`);
  for (const e of summary.endpoints) out.push(`  ${e.service.padEnd(14)} ${e.id.padEnd(24)} ${e.state}`);
  const section = (title: string, list: RemediationSummary['restarted'], omitted: number, total: number) => {
    out.push('');
    out.push(`${title} (${total}):`);
    for (const r of list)
      out.push(`  ${r.instanceId.padEnd(20)} ${shortCluster(r.cluster).padEnd(12)} ${r.reason}`);
    if (omitted > 0) out.push(`  … and ${omitted} more (full record in the state table)`);
  };
  section('Restarted', summary.restarted, summary.omitted.restarted, summary.counts.restarted);
  section('Skipped', summary.skipped, summary.omitted.skipped, summary.counts.skipped);
  section('Failed', summary.failed, summary.omitted.failed, summary.counts.failed);
  if (summary.notes.length) {
    out.push('');
    for (const n of summary.notes) out.push(`note: ${n}`);
  }
  return `${out.join('\n')}\n`;
}

interface ExecuteOptions {
  clients: AwsClients;
  config: Config;
  input: WorkflowInput;
  json: boolean;
  store: StateStore;
  documentName?: string;
  /** The Windows restart document (RESTART_WINDOWS_DOCUMENT_NAME); without it Windows instances are skipped. */
  windowsDocumentName?: string;
  stdout: Writer;
  stderr: Writer;
}

/** Runs the workflow locally, prints progress and the summary, and returns the exit code. */
async function executeAndReport(opts: ExecuteOptions): Promise<number> {
  // Progress is held back until ValidateInput accepts the input: a rejected VPC gets one line on stderr.
  let held: string[] | undefined = [`Running the remediation workflow for ${opts.input.vpcId} in-process:`];
  let rejectedInput = false;
  const progress = progressPrinter((line) => {
    if (held) held.push(line);
    else opts.stderr(line);
  });
  const result = await runWorkflowLocally(opts.input, {
    clients: opts.clients,
    config: opts.config,
    store: opts.store,
    ...(opts.documentName ? { documentName: opts.documentName } : {}),
    ...(opts.windowsDocumentName ? { windowsDocumentName: opts.windowsDocumentName } : {}),
    onEvent: (event) => {
      progress(event);
      if (event.type === 'StateFailed' && event.state.name === 'ValidateInput') rejectedInput = true;
      if (held && !rejectedInput && event.type === 'StateExited' && event.state.name === 'ValidateInput') {
        for (const line of held) opts.stderr(line);
        held = undefined;
      }
    },
  });
  const rejected = result.status === 'FAILED' && REJECTIONS.has(result.error ?? '') && !result.summary;
  if (held && !rejected) for (const line of held) opts.stderr(line);
  if (rejected) {
    if (opts.json)
      opts.stdout(
        JSON.stringify({ status: result.status, error: result.error, cause: result.cause }, null, 2),
      );
    else opts.stderr(`privatelink-ecs: ${result.error}: ${cliWording(String(result.cause))}`);
    return EXIT_USAGE;
  }
  if (opts.json) {
    opts.stdout(
      JSON.stringify(
        {
          status: result.status,
          error: result.error,
          summary: result.summary ?? null,
          transitions: result.transitions,
        },
        null,
        2,
      ),
    );
  } else if (result.summary) {
    opts.stdout(renderSummary(result.summary).trimEnd());
  } else {
    opts.stdout(`Execution ${result.status}: ${result.error ?? ''} ${result.cause ?? ''}`.trim());
  }
  return result.status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
}

export async function runRun(opts: RunOptions): Promise<number> {
  const raw: Record<string, unknown> = { vpcId: opts.vpcId };
  if (opts.dryRun) raw.dryRun = true;
  if (opts.force) raw.force = true;
  if (opts.restart !== undefined) raw.restart = opts.restart;
  let input: WorkflowInput;
  try {
    input = parseWorkflowInput(raw);
  } catch (err) {
    if (err instanceof InvalidInputError) {
      throw new InvalidInputError(
        err.message.replace('input field vpcId', '--vpc-id').replace('input field restart', '--restart'),
        err.context,
      );
    }
    throw err;
  }
  const config = loadConfig(opts);
  const documentName = await resolveDocumentName(opts, input);
  const windowsDocumentName = process.env[ENV.restartWindowsDocumentName] || undefined;
  const clients = clientsFor(opts);
  const table = opts.stateTable ?? process.env[ENV.stateTable];
  const store = table ? new DynamoStateStore(clients.dynamodb, table) : new MemoryStateStore();
  try {
    const code = await executeAndReport({
      clients,
      config,
      input,
      json: Boolean(opts.json),
      store,
      ...(documentName ? { documentName } : {}),
      ...(windowsDocumentName ? { windowsDocumentName } : {}),
      stdout: (l) => process.stdout.write(`${l}\n`),
      stderr: (l) => process.stderr.write(`${l}\n`),
    });
    process.exitCode = code;
    return code;
  } finally {
    for (const c of Object.values(clients)) c.destroy();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .summary('run the remediation workflow in-process for one VPC, with live progress')
    .description(
      'Runs the same state machine definition the stack deploys, in this process, against the AWS account ' +
        'of the SDK chain (or AWS_ENDPOINT_URL): ensure endpoints, wait until available, discover container ' +
        'instances, restart ecs-agent in rolling batches, verify reconnection, print the summary. ' +
        'Progress goes to stderr, the summary to stdout. Exit code 0 when everything succeeded, 1 when ' +
        'anything failed, 2 for bad input (malformed VPC ID, unknown VPC, not opted in without --force).',
    )
    .requiredOption('--vpc-id <id>', 'the VPC to remediate, e.g. vpc-0123456789abcdef0')
    .option('--dry-run', 'plan the endpoints only: no changes, no restarts')
    .option('--force', 'act on a VPC that lacks the opt-in tag')
    .option('--restart <mode>', 'auto (only agents that need it), all, or none', undefined)
    .option(
      '--document-name <name>',
      `restart command document (default: $${ENV.restartDocumentName}, else the stack's ${RESTART_DOCUMENT_OUTPUT} output)`,
    )
    .option('--stack-name <name>', 'the deployed stack to read the restart document from', DEFAULT_STACK_NAME)
    .option(
      '--state-table <name>',
      `DynamoDB table for batch records (default: $${ENV.stateTable}, else memory)`,
    )
    .option('--json', 'print the summary as JSON');
  withCommonOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs run --vpc-id vpc-0123456789abcdef0 --dry-run\n' +
        '  privatelink-ecs run --vpc-id vpc-0123456789abcdef0                 # document from the PrivateLinkEcs stack\n' +
        '  privatelink-ecs run --vpc-id vpc-0123456789abcdef0 --document-name PrivateLinkEcs-RestartAgentDocument-AbC\n' +
        '  privatelink-ecs run --vpc-id vpc-0123456789abcdef0 --restart none --json\n',
    )
    .action(async (opts: RunOptions) => {
      await runRun(opts);
    });
}
