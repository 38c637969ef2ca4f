// The pure pieces of `npm run bench`: run-count options, medians, the one result table and the remediation
// floor. No I/O here, so test/unit/bench.test.ts covers all of it without running a bench.
import { InvalidInputError } from '../shared/errors';
import { backoffSeconds } from '../shared/workflow/plan';

/** Runs per figure unless --runs or BENCH_RUNS says otherwise. */
export const DEFAULT_RUNS = 5;
export const MAX_RUNS = 100;

/** One line of the table: a figure measured once per run, reported as the median of its samples. */
export interface Figure {
  /** Bundles, API calls, Workflow scale, Time to remediate. */
  section: string;
  /** What was measured, e.g. "TriggerVpc" or "sim, 10 subnets / 1 route table". */
  case: string;
  /** The quantity, with its unit, e.g. "cold import ms". */
  figure: string;
  /** One value per run. */
  samples: number[];
  /** Decimal places for the median and spread (default 0). */
  digits?: number;
  /** What the median is compared with: a baseline, a floor or a target. The ratio is median / value. */
  reference?: { label: string; value: number; digits?: number };
  /** Free text after the ratio. */
  note?: string;
  /** Why this figure has fewer runs than asked, e.g. "one synth: esbuild output is deterministic". */
  runsNote?: string;
}

export interface BenchContext {
  /** Runs per figure. */
  runs: number;
  /** Progress line on stderr (the table goes to stdout at the end). */
  progress: (line: string) => void;
}

/** A bench/<name>.bench.ts module. */
export interface BenchModule {
  title: string;
  run: (ctx: BenchContext) => Promise<Figure[]>;
}

/** The median of the samples (mean of the middle two for an even count). Throws on an empty list. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  if (samples.some((s) => !Number.isFinite(s)))
    throw new RangeError(`median of non-finite samples: ${samples}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface BenchOptions {
  runs: number;
  /** Only bench files whose name contains this, e.g. "plan". */
  filter?: string;
}

function parseRunCount(text: string, source: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS) {
    throw new InvalidInputError(`${source} must be a whole number from 1 to ${MAX_RUNS}, got "${text}"`, {
      field: source,
    });
  }
  return n;
}

/**
 * `npm run bench [filter] [--runs N]`; BENCH_RUNS sets the default run count, --runs overrides it.
 * Anything else is a usage error (InvalidInputError naming the argument).
 */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): BenchOptions {
  let runs = env.BENCH_RUNS !== undefined ? parseRunCount(env.BENCH_RUNS, 'BENCH_RUNS') : DEFAULT_RUNS;
  let filter: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runs') {
      const value = argv[++i];
      if (value === undefined) throw new InvalidInputError('--runs needs a value', { field: '--runs' });
      runs = parseRunCount(value, '--runs');
    } else if (arg.startsWith('--runs=')) {
      runs = parseRunCount(arg.slice('--runs='.length), '--runs');
    } else if (arg.startsWith('-')) {
      throw new InvalidInputError(`unknown option ${arg} (usage: npm run bench -- [filter] [--runs N])`, {
        field: arg,
      });
    } else if (filter === undefined) {
      filter = arg;
    } else {
      throw new InvalidInputError(`only one filter is allowed, got "${filter}" and "${arg}"`, { field: arg });
    }
  }
  return { runs, ...(filter !== undefined ? { filter } : {}) };
}

/** Calls `measure` `runs` times, one after the other, and returns the results in order. */
export async function repeat<T>(runs: number, measure: (run: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let run = 0; run < runs; run++) out.push(await measure(run));
  return out;
}

// ------------------------------------------------------------------------------------------ remediation floor

/** The rollout's poll schedule and reconnect rule, as shared/workflow/advance.ts sets them. */
export interface RolloutSchedule {
  /** First Wait after StartBatch, and the backoff's start (ROLLOUT_POLL_MIN_SECONDS). */
  pollMinSeconds: number;
  /** Backoff cap (ROLLOUT_POLL_MAX_SECONDS). */
  pollMaxSeconds: number;
  /** A reconnect counts only this long after the command ended, never on the poll that saw it end. */
  settleSeconds: number;
}

/**
 * Seconds from SendCommand until the workflow can accept the batch as restarted, for a command that runs
 * `commandSeconds` and an agent that reconnects at once. Walks the rollout's schedule: Waits of
 * pollMin, then backoff(attempt) = min(pollMax, pollMin × 2^attempt) for attempt 0, 1, …; the first poll at
 * or after the command's end sees it finish (age = how long ago it ended); a later poll accepts the reconnect
 * once age + seconds waited since that poll ≥ settle.
 */
export function batchFloorSeconds(schedule: RolloutSchedule, commandSeconds = 0): number {
  const { pollMinSeconds, pollMaxSeconds, settleSeconds } = schedule;
  if (pollMinSeconds <= 0 || pollMaxSeconds < pollMinSeconds || settleSeconds < 0 || commandSeconds < 0) {
    throw new RangeError(`invalid rollout schedule ${JSON.stringify({ ...schedule, commandSeconds })}`);
  }
  let clock = pollMinSeconds;
  let waitedTotal = 0;
  let seen: { at: number; age: number } | undefined;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    if (!seen) {
      if (clock >= commandSeconds) seen = { at: waitedTotal, age: clock - commandSeconds };
    } else {
      const waited = waitedTotal - seen.at;
      if (waited > 0 && seen.age + waited >= settleSeconds) return clock;
    }
    const wait = backoffSeconds(attempt, pollMinSeconds, pollMaxSeconds);
    clock += wait;
    waitedTotal += wait;
  }
  throw new RangeError('rollout schedule never settles');
}

export interface FloorInput {
  /** Seconds until every endpoint is available: the same at any concurrency. */
  endpointReadySeconds: number;
  /** Instances to restart. */
  instances: number;
  /** Instances per batch the configured concurrency allows (resolveConcurrency). */
  batchSize: number;
  /** batchFloorSeconds for the schedule. */
  perBatchSeconds: number;
}

/** endpoint-ready + ceil(instances / batchSize) × per-batch minimum. */
export function remediationFloorSeconds(input: FloorInput): number {
  const { endpointReadySeconds, instances, batchSize, perBatchSeconds } = input;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be ≥ 1, got ${batchSize}`);
  if (!Number.isInteger(instances) || instances < 0)
    throw new RangeError(`instances must be ≥ 0, got ${instances}`);
  return endpointReadySeconds + Math.ceil(instances / batchSize) * perBatchSeconds;
}

// ------------------------------------------------------------------------------------------------ event volume

/** `count` per 1,000 of `events` (0 when there were no events). */
export function perThousand(count: number, events: number): number {
  if (!Number.isFinite(count) || count < 0) throw new RangeError(`count must be ≥ 0, got ${count}`);
  if (!Number.isInteger(events) || events < 0) throw new RangeError(`events must be ≥ 0, got ${events}`);
  return events === 0 ? 0 : (count * 1000) / events;
}

const RATE_UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * Seconds between two runs of an EventBridge `rate(value unit)` schedule (units minute, hour, day, singular or
 * plural). Undefined for a `cron()` expression, whose gaps vary, and for anything that is not a schedule.
 */
export function scheduleIntervalSeconds(schedule: string): number | undefined {
  const m = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(schedule.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  return value > 0 ? value * RATE_UNIT_SECONDS[m[2]!]! : undefined;
}

// -------------------------------------------------------------------------------------------------- the table

export const TABLE_HEADERS = [
  'section',
  'case',
  'figure',
  'median',
  'runs',
  'spread (min-max)',
  'baseline / floor / target',
  'ratio / note',
] as const;

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** The table's cells for one figure, in TABLE_HEADERS order. */
export function figureCells(f: Figure): string[] {
  const digits = f.digits ?? 0;
  const mid = median(f.samples);
  const min = Math.min(...f.samples);
  const max = Math.max(...f.samples);
  const spread =
    f.samples.length === 1
      ? '-'
      : min === max
        ? 'same every run'
        : `${fixed(min, digits)}-${fixed(max, digits)}`;
  const ref = f.reference
    ? `${f.reference.label} ${fixed(f.reference.value, f.reference.digits ?? digits)}`
    : '';
  const ratio = f.reference && f.reference.value !== 0 ? `×${(mid / f.reference.value).toFixed(2)}` : '';
  const note = [ratio, f.note].filter(Boolean).join('; ');
  const runs = f.runsNote ? `${f.samples.length} (${f.runsNote})` : String(f.samples.length);
  return [f.section, f.case, f.figure, fixed(mid, digits), runs, spread, ref, note];
}

const FOOTNOTE_WIDTH = 110;

/** Splits text into lines of at most `width` characters at spaces (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  return lines;
}

/**
 * Renders every figure as one plain-text table: padded columns, a rule under the header, the section
 * printed only where it changes, and footnotes below.
 */
export function renderTable(figures: readonly Figure[], footnotes: readonly string[] = []): string {
  const rows = figures.map(figureCells);
  for (let i = rows.length - 1; i > 0; i--) {
    if (rows[i]![0] === rows[i - 1]![0]) rows[i]![0] = '';
  }
  const headers = [...TABLE_HEADERS];
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  // Numbers right-aligned so medians line up on their last digit.
  const numeric = new Set([3]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of rows) out.push(line(row));
  if (footnotes.length) {
    out.push('');
    for (const note of footnotes) out.push(...wrap(note, FOOTNOTE_WIDTH));
  }
  return `${out.join('\n')}\n`;
}
