// The organization roll-up: one row per (account, region, VPC), built in the hub from the events members
// forward to the hub bus (a run's "Remediation Completed", a trigger's "Trigger Decision"). Used by the hub's
// roll-up Lambda (applyRollupEvent) and by the CLI's `status` (listRollup).
//
// Convergence under duplicate and out-of-order delivery: a row keeps, per source, the newest event it has
// seen (ordered by event time, ties broken by event id), and the visible row is a pure function of those two
// records. Applying an event is therefore commutative and idempotent; the write is a conditional put on the
// revision read (optimistic concurrency), retried on conflict, so two concurrent writers cannot lose an event.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { type Config, REGION_NAME_PATTERN } from '../config';
import { InvalidInputError, RollupConflictError } from '../errors';
import { VPC_ID_PATTERN } from '../ids';
import { COMPLETED_DETAIL_TYPE } from '../workflow/summary';
import * as z from '../zod';
import {
  DECISION_DETAIL_TYPE,
  DECISION_NAMES,
  type DecisionName,
  type EndpointCounts,
  endpointCounts,
  ORG_EVENT_SOURCE,
} from './events';
import { ROLLUP_STATES, type RollupFilter, type RollupRow, type RollupState } from './names';

/** A row nobody has reported on for this long expires (DynamoDB TTL on `expiresAt`), unless the sweep says. */
export const DEFAULT_STALE_AFTER_SECONDS = 7 * 24 * 3600;
/** With a rate() sweep, each sweep reports every opted-in VPC: a row is stale after this many missed sweeps. */
export const MISSED_SWEEPS_BEFORE_STALE = 3;
/** Conflicting concurrent writes to one row are retried this many times before giving up. */
const WRITE_ATTEMPTS = 8;

/** The run errors that mean "endpoints in place, some agents failed" (shared/workflow/summary.ts). */
const DEGRADED_ERRORS = new Set(['RestartsFailed', 'ErrorBudgetExceeded']);
/** Decisions after which the VPC is no longer opted in (or no longer exists). */
const LEFT_DECISIONS = new Set<DecisionName>([
  'not-opted-in',
  'opted-out-kept',
  'torn-down',
  'teardown-refused',
  'vpc-not-found',
]);

// ------------------------------------------------------------------------------------------ parsing

const ACCOUNT_ID = /^[0-9]{12}$/;

const isoTime = z
  .string()
  .check(z.refine((s: string) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'));
const count = z.number().check(z.int(), z.gte(0));
const nonEmpty = (message?: string) => z.string().check(z.minLength(1, message));

const envelopeSchema = z.looseObject({
  id: nonEmpty('must be the event id'),
  source: z.literal(ORG_EVENT_SOURCE, { error: `must be "${ORG_EVENT_SOURCE}"` }),
  'detail-type': z.enum([COMPLETED_DETAIL_TYPE, DECISION_DETAIL_TYPE], {
    error: `must be "${COMPLETED_DETAIL_TYPE}" or "${DECISION_DETAIL_TYPE}"`,
  }),
  account: z.string().check(z.regex(ACCOUNT_ID, 'must be a 12-digit account id')),
  region: z.string().check(z.regex(REGION_NAME_PATTERN, 'must be a region name such as eu-west-1')),
  time: isoTime,
  resources: z._default(z.array(z.string()), []),
  detail: z.record(z.string(), z.unknown()),
});

const vpcId = z.string().check(z.regex(VPC_ID_PATTERN, 'must be a VPC ID like vpc-0123456789abcdef0'));
const EXECUTION_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):[0-9]{12}:execution:[^:]+:[^:]+$/;

const completedDetail = z.looseObject({
  vpcId,
  runId: nonEmpty(),
  dryRun: z.literal(false, { error: 'must be false (a dry run publishes no completion event)' }),
  outcome: z.enum(['succeeded', 'failed']),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
  endpoints: z.array(z.looseObject({ id: z.string(), service: z.string(), state: z.string() })),
  counts: z.looseObject({ restarted: count, skipped: count, failed: count }),
  executionArn: z.optional(
    z.string().check(z.regex(EXECUTION_ARN, 'must be a Step Functions execution ARN')),
  ),
});

const endpointCountsSchema = z.looseObject({ total: count, available: count, pending: count, failed: count });

const decisionDetail = z.looseObject({
  vpcId,
  decision: z.enum(DECISION_NAMES),
  message: z.string(),
  rule: nonEmpty(),
  triggerEventId: nonEmpty(),
  at: isoTime,
  workflow: z.optional(z.looseObject({ name: nonEmpty() })),
  endpoints: z.optional(endpointCountsSchema),
  error: z.optional(z.looseObject({ name: z.string(), message: z.string() })),
});

interface EventKey {
  eventId: string;
  accountId: string;
  region: string;
  vpcId: string;
  /** Event time, normalized to ISO 8601 with milliseconds. */
  at: string;
}

/** What the roll-up keeps from a run's completion event. */
export interface RunRecord extends EventKey {
  runId: string;
  outcome: 'succeeded' | 'failed';
  error?: string;
  cause?: string;
  consoleUrl?: string;
  endpoints: EndpointCounts;
  agents: RollupRow['agents'];
}

/** What the roll-up keeps from a trigger decision. */
export interface DecisionRecord extends EventKey {
  decision: DecisionName;
  message: string;
  rule: string;
  /** The workflow running for the VPC after this decision. */
  workflow?: string;
  endpoints?: EndpointCounts;
}

export type RollupEvent = { kind: 'run'; record: RunRecord } | { kind: 'decision'; record: DecisionRecord };

function issueText(error: z.core.$ZodError, prefix: string): { field: string; text: string } {
  const first = error.issues[0];
  const field = [prefix, ...(first?.path ?? []).map(String)].filter(Boolean).join('.') || '(root)';
  const text = error.issues
    .slice(0, 3)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { field, text };
}

function parsed<T>(schema: z.ZodMiniType<T>, raw: unknown, prefix: string, eventId?: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const { field, text } = issueText(result.error, prefix);
  throw new InvalidInputError(`not a roll-up event: ${text}`, { field, ...(eventId ? { eventId } : {}) });
}

/** The console page of a Step Functions execution, in the partition's console. */
export function executionConsoleUrl(executionArn: string): string | undefined {
  const m = EXECUTION_ARN.exec(executionArn);
  if (!m) return undefined;
  const [, partition, region] = m;
  const host =
    partition === 'aws-cn'
      ? `${region}.console.amazonaws.cn`
      : partition === 'aws-us-gov'
        ? `${region}.console.amazonaws-us-gov.com`
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * Parses a hub-bus event: the member's account and region come from the envelope (EventBridge sets them to
 * the account and region the event was first put in, and keeps them when a rule forwards it). Throws
 * InvalidInputError naming the field for anything else.
 */
export function rollupEventFromBus(raw: unknown): RollupEvent {
  const envelope = parsed(envelopeSchema, raw, '');
  const key = {
    eventId: envelope.id,
    accountId: envelope.account,
    region: envelope.region,
    at: new Date(envelope.time).toISOString(),
  };
  if (envelope['detail-type'] === COMPLETED_DETAIL_TYPE) {
    const d = parsed(completedDetail, envelope.detail, 'detail', envelope.id);
    const executionArn = d.executionArn ?? envelope.resources.find((r) => EXECUTION_ARN.test(r));
    const consoleUrl = executionArn ? executionConsoleUrl(executionArn) : undefined;
    return {
      kind: 'run',
      record: {
        ...key,
        vpcId: d.vpcId,
        runId: d.runId,
        outcome: d.outcome,
        ...(d.error ? { error: d.error } : {}),
        ...(d.cause ? { cause: d.cause.slice(0, 500) } : {}),
        ...(consoleUrl ? { consoleUrl } : {}),
        endpoints: endpointCounts(d.endpoints.map((e) => e.state)),
        agents: { restarted: d.counts.restarted, failed: d.counts.failed, skipped: d.counts.skipped },
      },
    };
  }
  const d = parsed(decisionDetail, envelope.detail, 'detail', envelope.id);
  return {
    kind: 'decision',
    record: {
      ...key,
      // The decision's own time has milliseconds; the envelope's is whole seconds.
      at: new Date(d.at).toISOString(),
      vpcId: d.vpcId,
      decision: d.decision,
      message: d.message.slice(0, 500),
      rule: d.rule,
      ...(d.workflow ? { workflow: d.workflow.name } : {}),
      ...(d.endpoints
        ? {
            endpoints: {
              total: d.endpoints.total,
              available: d.endpoints.available,
              pending: d.endpoints.pending,
              failed: d.endpoints.failed,
            },
          }
        : {}),
    },
  };
}

// ------------------------------------------------------------------------------------------ pure decisions

/** Positive when `a` is newer than `b`: later time, or the same time and the greater event id. */
export function compareEvents(
  a: Pick<EventKey, 'at' | 'eventId'>,
  b: Pick<EventKey, 'at' | 'eventId'>,
): number {
  const byTime = Date.parse(a.at) - Date.parse(b.at);
  if (byTime !== 0) return byTime;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function runState(run: RunRecord): RollupState {
  if (run.outcome === 'succeeded') return 'converged';
  return run.error && DEGRADED_ERRORS.has(run.error) ? 'degraded' : 'failed';
}

/**
 * The state of a VPC from its newest run and newest decision:
 * - the newer of the two speaks; a decision that started (or found) a workflow makes it `pending`;
 * - a decision that the VPC left the opted-in set (or no longer exists) makes it `removed`;
 * - a routine decision (reconciled, no workflow) leaves the run's verdict standing; with no run on record,
 *   the endpoints decide (all available: `converged`; otherwise `pending`);
 * - a failed decision makes it `failed`.
 */
export function deriveState(run: RunRecord | undefined, decision: DecisionRecord | undefined): RollupState {
  if (!decision || (run && compareEvents(run, decision) > 0)) return run ? runState(run) : 'pending';
  if (decision.decision === 'failed') return 'failed';
  if (LEFT_DECISIONS.has(decision.decision)) return 'removed';
  if (decision.workflow) return 'pending';
  if (run) return runState(run);
  const e = decision.endpoints;
  return e && e.total > 0 && e.available === e.total ? 'converged' : 'pending';
}

/** What a row stores: the visible row and the newest record of each source. */
export interface StoredRollup {
  row: RollupRow;
  run?: RunRecord;
  decision?: DecisionRecord;
}

const NO_ENDPOINTS: EndpointCounts = { total: 0, available: 0, pending: 0, failed: 0 };
const NO_AGENTS: RollupRow['agents'] = { restarted: 0, failed: 0, skipped: 0 };

/** The visible row as a pure function of the two records (at least one is present). */
export function deriveRow(
  run: RunRecord | undefined,
  decision: DecisionRecord | undefined,
  expiresAt: number,
): RollupRow {
  const newest = !decision || (run && compareEvents(run, decision) > 0) ? run : decision;
  if (!newest) throw new InvalidInputError('a roll-up row needs a run or a decision', { field: 'event' });
  const decisionGone =
    decision && decision === newest && ['torn-down', 'vpc-not-found'].includes(decision.decision);
  const endpoints = decisionGone
    ? NO_ENDPOINTS
    : ((newest === decision ? decision?.endpoints : undefined) ?? run?.endpoints ?? decision?.endpoints);
  const row: RollupRow = {
    accountId: newest.accountId,
    region: newest.region,
    vpcId: newest.vpcId,
    state: deriveState(run, decision),
    endpoints: { ...(endpoints ?? NO_ENDPOINTS) },
    agents: { ...(run?.agents ?? NO_AGENTS) },
    updatedAt: newest.at,
    expiresAt,
  };
  if (run) {
    row.lastRun = {
      runId: run.runId,
      outcome: run.outcome,
      at: run.at,
      ...(run.consoleUrl ? { consoleUrl: run.consoleUrl } : {}),
      ...(run.error ? { error: run.cause ? `${run.error}: ${run.cause}` : run.error } : {}),
    };
  }
  if (decision) {
    row.lastDecision = { decision: decision.decision, at: decision.at, message: decision.message };
  }
  return row;
}

export type ApplyOutcome = 'applied' | 'stale' | 'duplicate';

/**
 * Merges an event into what a row holds: `duplicate` when the record of its kind is this very event,
 * `stale` when that record is newer, otherwise the new stored row (expiring `staleAfterSeconds` after `now`).
 */
export function mergeRollup(
  existing: StoredRollup | undefined,
  event: RollupEvent,
  now: Date,
  staleAfterSeconds: number,
): { outcome: 'duplicate' | 'stale' } | { outcome: 'applied'; stored: StoredRollup } {
  const current = event.kind === 'run' ? existing?.run : existing?.decision;
  if (current) {
    if (current.eventId === event.record.eventId) return { outcome: 'duplicate' };
    if (compareEvents(current, event.record) > 0) return { outcome: 'stale' };
  }
  const run = event.kind === 'run' ? event.record : existing?.run;
  const decision = event.kind === 'decision' ? event.record : existing?.decision;
  const expiresAt = Math.floor(now.getTime() / 1000) + staleAfterSeconds;
  return {
    outcome: 'applied',
    stored: {
      row: deriveRow(run, decision, expiresAt),
      ...(run ? { run } : {}),
      ...(decision ? { decision } : {}),
    },
  };
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * How long a row lives without news: MISSED_SWEEPS_BEFORE_STALE sweep intervals when the sweep runs on a
 * rate() (every sweep reports each opted-in VPC, so a live VPC is never quiet longer than one interval), but
 * never less than a day; DEFAULT_STALE_AFTER_SECONDS (7 days) with a cron() sweep or no sweep.
 */
export function staleAfterSeconds(config: Pick<Config, 'sweep'>): number {
  const m = config.sweep.enabled ? RATE.exec(config.sweep.schedule) : null;
  if (!m) return DEFAULT_STALE_AFTER_SECONDS;
  const unit = UNIT_SECONDS[m[2]!.replace(/s$/, '')]!;
  return Math.max(86_400, MISSED_SWEEPS_BEFORE_STALE * Number(m[1]) * unit);
}

// ------------------------------------------------------------------------------------------ the table

/** The table's one key: `<account>#<region>#<vpcId>`. */
export function rollupKey(row: Pick<RollupRow, 'accountId' | 'region' | 'vpcId'>): string {
  return `${row.accountId}#${row.region}#${row.vpcId}`;
}

interface StoredItem {
  stored: StoredRollup;
  revision: number;
}

function readItem(item: Record<string, AttributeValue> | undefined): StoredItem | undefined {
  const data = item?.data?.S;
  if (!item || data === undefined) return undefined;
  return { stored: JSON.parse(data) as StoredRollup, revision: Number(item.revision?.N ?? '0') };
}

export interface ApplyOptions {
  /** Default DEFAULT_STALE_AFTER_SECONDS; the hub Lambda passes staleAfterSeconds(config). */
  staleAfterSeconds?: number;
}

/** A parsed event (rollupEventFromBus's result) rather than a raw hub-bus event. */
export function isRollupEvent(value: unknown): value is RollupEvent {
  if (!value || typeof value !== 'object') return false;
  const v = value as { kind?: unknown; record?: unknown };
  return (v.kind === 'run' || v.kind === 'decision') && typeof v.record === 'object' && v.record !== null;
}

/**
 * Writes the event (a raw hub-bus event, or one rollupEventFromBus parsed) into its row so the table converges whatever the delivery order: an older event never
 * overwrites a newer one and a duplicate is a no-op. Every applied event refreshes `expiresAt`.
 */
export async function applyRollupEvent(
  ddb: DynamoDBClient,
  tableName: string,
  input: RollupEvent | unknown,
  now: Date = new Date(),
  options: ApplyOptions = {},
): Promise<ApplyOutcome> {
  const event = isRollupEvent(input) ? input : rollupEventFromBus(input);
  const id = rollupKey(event.record);
  const ttl = options.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS;
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    const read = await ddb.send(
      new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }),
    );
    const current = readItem(read.Item);
    const merged = mergeRollup(current?.stored, event, now, ttl);
    if (merged.outcome !== 'applied') return merged.outcome;
    const revision = (current?.revision ?? 0) + 1;
    try {
      await ddb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            id: { S: id },
            data: { S: JSON.stringify(merged.stored) },
            revision: { N: String(revision) },
            expiresAt: { N: String(merged.stored.row.expiresAt) },
          },
          ...(current
            ? {
                ConditionExpression: 'revision = :read',
                ExpressionAttributeValues: { ':read': { N: String(current.revision) } },
              }
            : { ConditionExpression: 'attribute_not_exists(id)' }),
        }),
      );
      return 'applied';
    } catch (err) {
      // Another writer changed the row since we read it: read it again and merge onto what it wrote.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
  throw new RollupConflictError(`roll-up row ${id} kept changing under ${WRITE_ATTEMPTS} attempts`, {
    vpcId: event.record.vpcId,
    accountId: event.record.accountId,
    region: event.record.region,
    eventId: event.record.eventId,
  });
}

export interface ListOptions {
  /** Items per Scan page (DynamoDB's own limit is 1 MB a page); for tests and the bench. */
  pageSize?: number;
}

function matches(row: RollupRow, filter: RollupFilter): boolean {
  return (
    (filter.accountId === undefined || row.accountId === filter.accountId) &&
    (filter.region === undefined || row.region === filter.region) &&
    (filter.state === undefined || row.state === filter.state)
  );
}

/** Validates a filter (from CLI flags): a wrong value names the field. */
export function parseRollupFilter(raw: {
  accountId?: unknown;
  region?: unknown;
  state?: unknown;
}): RollupFilter {
  const filter: RollupFilter = {};
  if (raw.accountId !== undefined) {
    if (typeof raw.accountId !== 'string' || !ACCOUNT_ID.test(raw.accountId))
      throw new InvalidInputError('account must be a 12-digit account id', { field: 'accountId' });
    filter.accountId = raw.accountId;
  }
  if (raw.region !== undefined) {
    if (typeof raw.region !== 'string' || !REGION_NAME_PATTERN.test(raw.region))
      throw new InvalidInputError('region must be a region name such as eu-west-1', { field: 'region' });
    filter.region = raw.region;
  }
  if (raw.state !== undefined) {
    if (!ROLLUP_STATES.includes(raw.state as RollupState))
      throw new InvalidInputError(`state must be one of ${ROLLUP_STATES.join(', ')}`, { field: 'state' });
    filter.state = raw.state as RollupState;
  }
  return filter;
}

/** Every row (every Scan page), filtered, sorted by account, region and VPC. */
export async function listRollup(
  ddb: DynamoDBClient,
  tableName: string,
  filter: RollupFilter = {},
  options: ListOptions = {},
): Promise<RollupRow[]> {
  const rows: RollupRow[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(options.pageSize ? { Limit: options.pageSize } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const read = readItem(item);
      if (read && matches(read.stored.row, filter)) rows.push(read.stored.row);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows.sort(
    (a, b) =>
      a.accountId.localeCompare(b.accountId) ||
      a.region.localeCompare(b.region) ||
      a.vpcId.localeCompare(b.vpcId),
  );
}
