// `privatelink-ecs event`: read an EventBridge event and say which trigger rule matches it and what the
// trigger would do. A dry run by default (read-only AWS calls); --apply runs the same service code as the
// trigger Lambdas. With IDEMPOTENCY_TABLE_NAME set, --apply also takes the per-VPC lock the Lambdas use.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidInputError } from '../../shared/errors';
import { DynamoDbVpcLock } from '../../shared/events/lock';
import { TRIGGER_RULES } from '../../shared/events/patterns';
import { classifyEvent, matchingRules } from '../../shared/events/schemas';
import { handleTriggerEvent, type TriggerOutcome, type VpcOutcome } from '../../shared/events/trigger';
import {
  type CommonOptions,
  clientsFor,
  EXIT_FAILED,
  EXIT_OK,
  loadConfig,
  withCommonOptions,
} from '../lib/common';

export const order = 40;

interface EventOptions extends CommonOptions {
  file?: string;
  apply?: boolean;
  stateMachineArn?: string;
}

function readInput(source: string | undefined): string {
  if (!source) {
    if (process.stdin.isTTY) {
      throw new InvalidInputError('no event given: pass --file FILE, or - to read the event from stdin');
    }
    source = '-';
  }
  try {
    return readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `cannot read ${source === '-' ? 'stdin' : source}: ${(err as Error).message}`,
      {},
      {
        cause: err,
      },
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the offending text, newlines included; keep the error on one line.
    const reason = (err as Error).message.replace(/\s+/g, ' ').trim();
    throw new InvalidInputError(`the input is not JSON: ${reason}`, {}, { cause: err });
  }
}

function describeVpc(v: VpcOutcome, dryRun: boolean): string[] {
  const lines = [`  ${v.vpcId}: ${v.decision} - ${v.message}`];
  const planned = [
    ...(v.reconcile?.actions.filter((a) => a.kind !== 'covered') ?? []),
    ...(v.teardownPlan ?? []),
  ];
  if (dryRun)
    for (const a of planned)
      lines.push(`    would ${a.kind}${a.service ? ` ${a.service}` : ''}: ${a.reason}`);
  for (const r of v.reconcile?.results ?? []) {
    lines.push(
      `    ${r.status} ${r.action.kind}${r.action.service ? ` ${r.action.service}` : ''}: ${r.message}`,
    );
  }
  for (const r of v.teardown ?? []) lines.push(`    ${r.status} ${r.action.kind}: ${r.message}`);
  const wf = v.workflow;
  if (wf) {
    const why = wf.reasons.join('; ');
    if (!wf.attempted) lines.push(`    would start workflow execution ${wf.name} (${why})`);
    else if (wf.alreadyRunning)
      lines.push(
        `    workflow execution ${wf.alreadyRunning} is already running for this VPC; nothing new started`,
      );
    else if (wf.duplicate)
      lines.push(`    workflow execution ${wf.name} already exists; nothing new started`);
    else {
      lines.push(`    started workflow execution ${wf.name} (${why})`);
      if (wf.superseded)
        lines.push(
          wf.stopFailed
            ? `    could not stop execution ${wf.superseded}, which it supersedes (${wf.stopFailed}); it finishes on its own`
            : `    stopped execution ${wf.superseded}: the endpoints changed while it ran, the new execution takes over`,
        );
    }
  } else if (v.decision === 'reconciled') {
    lines.push('    no workflow needed: nothing for it to do');
  }
  return lines;
}

export async function runEvent(source: string | undefined, opts: EventOptions): Promise<number> {
  const config = loadConfig(opts);
  const raw = parseJson(readInput(source ?? opts.file));
  const classified = classifyEvent(raw, config);
  if (!classified.ok && classified.invalidEnvelope) throw new InvalidInputError(classified.reason);

  const out: string[] = [];
  const json: Record<string, unknown> = {};
  if (!classified.ok) {
    const matched = matchingRules(config, raw);
    json.matched = matched;
    json.action = 'drop';
    json.reason = classified.reason;
    out.push(
      matched.length
        ? `Rule ${matched[0]} matches, but the trigger would drop the event: ${classified.reason}`
        : `No trigger rule matches this event (${classified.reason.replace(/^no trigger rule matches /, '')}); nothing would happen.`,
    );
    emit(opts, out, json);
    return EXIT_OK;
  }

  const { event, rule } = classified;
  const descriptor = TRIGGER_RULES.find((r) => r.id === rule);
  const stateMachineArn = opts.stateMachineArn ?? process.env.STATE_MACHINE_ARN;
  const clients = clientsFor(opts);
  const tableName = process.env.IDEMPOTENCY_TABLE_NAME;
  const dryRun = !opts.apply;
  const lock = !dryRun && tableName ? new DynamoDbVpcLock(clients.dynamodb, { tableName }) : undefined;
  const outcome: TriggerOutcome = await handleTriggerEvent(
    classified,
    {
      ...clients,
      config,
      dryRun,
      ...(stateMachineArn ? { stateMachineArn } : {}),
      ...(lock ? { lock } : {}),
    },
    { throwOnFailure: false },
  );

  out.push(`Event ${event.id} (${event.source} / ${event['detail-type']})`);
  out.push(
    rule === 'sweep'
      ? 'Matches: the periodic sweep (scheduled event) - functions/sweep/index.ts'
      : `Matches rule ${rule}: ${descriptor?.description} - ${descriptor?.handlerEntry}`,
  );
  out.push(dryRun ? 'Dry run: read-only calls only; pass --apply to act.' : 'Applied.');
  if (!dryRun && !stateMachineArn) {
    out.push(
      'No state machine given (--state-machine-arn or STATE_MACHINE_ARN): the workflow is not started.',
    );
  }
  for (const note of outcome.notes) out.push(`Note: ${note}`);
  if (outcome.vpcs.length === 0 && outcome.notes.length === 0) out.push('No VPC to act on.');
  for (const v of outcome.vpcs) out.push(...describeVpc(v, dryRun));
  Object.assign(json, {
    eventId: event.id,
    matched: [rule],
    dryRun,
    notes: outcome.notes,
    vpcs: outcome.vpcs.map((v) => ({
      vpcId: v.vpcId,
      decision: v.decision,
      message: v.message,
      plannedActions: (v.reconcile?.actions ?? [])
        .filter((a) => a.kind !== 'covered')
        .map((a) => ({ kind: a.kind, service: a.service ?? null, reason: a.reason })),
      results: (v.reconcile?.results ?? []).map((r) => ({
        kind: r.action.kind,
        status: r.status,
        message: r.message,
      })),
      workflow: v.workflow ?? null,
      error: v.error ?? null,
    })),
  });
  emit(opts, out, json);
  return outcome.vpcs.some((v) => v.decision === 'failed') ? EXIT_FAILED : EXIT_OK;
}

function emit(opts: EventOptions, lines: string[], json: Record<string, unknown>): void {
  process.stdout.write(opts.json ? `${JSON.stringify(json, null, 2)}\n` : `${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  const cmd = program
    .command('event')
    .summary('say which trigger rule an EventBridge event matches and what the trigger would do')
    .description(
      'Read an EventBridge event (a file, or - for stdin) and report which trigger rule matches it and what ' +
        'the trigger would do: re-read the VPC tags, plan the endpoints, decide whether to start the workflow. ' +
        'By default this is a dry run that makes read-only AWS calls. --apply runs the same service code as the ' +
        'trigger Lambdas, without their idempotency record; with IDEMPOTENCY_TABLE_NAME set it also takes the ' +
        'per-VPC lock, so it cannot race the deployed triggers.\n\n' +
        'Exit codes: 0 when the event was handled (also when no rule matches, or the VPC or instance no longer ' +
        'exists), 1 when an action failed with --apply, 2 for input that is not an EventBridge event.',
    )
    .argument('[source]', 'event JSON file, or - for stdin (same as --file)')
    .option('--file <file>', 'event JSON file, or - for stdin')
    .option('--apply', 'act: reconcile, tear down on opt-out if configured, start the workflow')
    .option('--state-machine-arn <arn>', 'workflow to start with --apply (default: $STATE_MACHINE_ARN)')
    .option('--json', 'print JSON: matched rule, decision per VPC, planned actions, workflow');
  withCommonOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs event --file test/fixtures/events/tag-change-vpc-opt-in.json\n' +
        '  cat event.json | privatelink-ecs event - --json\n' +
        '  privatelink-ecs event event.json --apply --state-machine-arn arn:aws:states:us-east-1:123456789012:stateMachine:Remediation\n',
    )
    .action(async (source: string | undefined, opts: EventOptions) => {
      const code = await runEvent(source, opts);
      if (code !== EXIT_OK) process.exitCode = code;
    });
}
