// Workflow scale: state transitions and the largest state payload per remediation at 10 to 10,000 container
// instances, measured on the simulated account with the synthesized state machine run locally (waits
// zeroed). Transitions are compared with the target of at most 40 + 10 per batch (they should grow with
// batches, not instances), the payload with Step Functions' 256 KiB state limit, and the largest record the
// workflow keeps in its state table with DynamoDB's 400 KB item limit.

import { runWorkflowLocally } from '../devkit/workflow/local';
import { parseConfig } from '../shared/config';
import { logger } from '../shared/observability';
import { resolveConcurrency } from '../shared/workflow/plan';
import { MemoryStateStore } from '../shared/workflow/store';
import { fleetAccount } from './fleet';
import { type BenchContext, type Figure, repeat } from './lib';

export const title = 'Workflow scale: state transitions and largest payload per remediation';

const SECTION = 'Workflow scale';
export const FLEETS = [10, 100, 1000, 10_000];
/** A 10,000-instance run takes about 10 s here; it gets at most this many runs. */
export const LARGE_FLEET = 10_000;
export const LARGE_FLEET_MAX_RUNS = 3;
/** Step Functions' limit on a state's input or output. */
const STATE_PAYLOAD_LIMIT_KIB = 256;
/** DynamoDB's item size limit (400 KB, counted as KiB here to stay on the safe side). */
const ITEM_LIMIT_KIB = 400;

/** The transition target: a fixed part plus a bounded number per batch. */
export const transitionTarget = (batches: number): number => 40 + 10 * batches;

interface Sample {
  transitions: number;
  payloadKiB: number;
  recordKiB: number;
  restarted: number;
}

async function measureOnce(instances: number): Promise<Sample> {
  const { vpcId, clients, documentName } = await fleetAccount(instances);
  const store = new MemoryStateStore();
  const result = await runWorkflowLocally(
    { vpcId },
    { clients, config: parseConfig({}), store, documentName, fastWaits: true },
  );
  const restarted = result.summary?.counts.restarted ?? 0;
  if (result.status !== 'SUCCEEDED' || restarted !== instances) {
    throw new Error(
      `workflow at ${instances} instances: ${result.status}, ${restarted} restarted (${result.error ?? ''} ${result.cause ?? ''})`,
    );
  }
  return {
    transitions: result.transitions,
    payloadKiB: result.maxPayloadBytes / 1024,
    recordKiB: store.largestRecordBytes() / 1024,
    restarted,
  };
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  logger.setLogLevel('SILENT');
  const config = parseConfig({});
  const figures: Figure[] = [];
  for (const instances of FLEETS) {
    const runs = instances >= LARGE_FLEET ? Math.min(ctx.runs, LARGE_FLEET_MAX_RUNS) : ctx.runs;
    const capped = runs < ctx.runs ? { runsNote: `capped at ${LARGE_FLEET_MAX_RUNS}: slow case` } : {};
    const samples = await repeat(runs, () => measureOnce(instances));
    ctx.progress(`workflow scale: ${instances} instances, ${runs} runs`);
    const batches = Math.ceil(instances / resolveConcurrency(config.restart.maxConcurrency, instances));
    const label = `${instances} instances (${batches} batches)`;
    /** A size in KiB (one decimal) against its AWS limit. */
    const sizeFigure = (figure: string, kib: number[], limit: number, note: string): Figure => ({
      section: SECTION,
      case: label,
      figure,
      samples: kib,
      digits: 1,
      reference: { label: 'limit', value: limit, digits: 0 },
      note,
      ...capped,
    });
    figures.push(
      {
        section: SECTION,
        case: label,
        figure: 'state transitions',
        samples: samples.map((s) => s.transitions),
        reference: { label: 'target ≤', value: transitionTarget(batches) },
        note: 'target 40 + 10 per batch',
        ...capped,
      },
      sizeFigure(
        'largest state payload KiB',
        samples.map((s) => s.payloadKiB),
        STATE_PAYLOAD_LIMIT_KIB,
        'Step Functions state limit',
      ),
      sizeFigure(
        'largest state-table record KiB',
        samples.map((s) => s.recordKiB),
        ITEM_LIMIT_KIB,
        'DynamoDB item limit',
      ),
    );
  }
  return figures;
}

export const footnotes = [
  `Workflow scale: default config (batches of ${parseConfig({}).restart.maxConcurrency} of the fleet, at most 500), ` +
    'the synthesized state machine run in-process on the simulated account with waits zeroed; transitions = states entered.',
];
