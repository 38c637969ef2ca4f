// Time to remediate, simulated: the synthesized workflow runs in-process on the simulated account with its
// Wait states zeroed in real time but charged to the account's clock (advanceClock), so the clock reads what a
// deployed execution would take. Split into the endpoint-ready delay (start until DiscoverInstances) and the
// restart rounds (DiscoverInstances until Summarize), and compared with the floor the configured concurrency
// allows: endpoint-ready delay + ceil(instances / batch size) × the per-batch minimum of the rollout's poll
// schedule (bench/lib.ts batchFloorSeconds, from the workflow's own wait constants).

import { runWorkflowLocally } from '../devkit/workflow/local';
import {
  type Config,
  type ConfigInput,
  configuredInterfaceServices,
  parseConfig,
  SSM_SERVICES,
} from '../shared/config';
import { logger } from '../shared/observability';
import {
  RECONNECT_SETTLE_SECONDS,
  ROLLOUT_POLL_MAX_SECONDS,
  ROLLOUT_POLL_MIN_SECONDS,
} from '../shared/workflow/advance';
import { resolveConcurrency } from '../shared/workflow/plan';
import { MemoryStateStore } from '../shared/workflow/store';
import { fleetAccount } from './fleet';
import {
  type BenchContext,
  batchFloorSeconds,
  type Figure,
  median,
  type RolloutSchedule,
  remediationFloorSeconds,
  repeat,
} from './lib';

export const title =
  'Time to remediate (simulated clock): endpoint-ready delay plus restart rounds, against the floor';

const SECTION = 'Time to remediate';

/** The rollout schedule as shared/workflow/advance.ts sets it. */
export const ROLLOUT_SCHEDULE: RolloutSchedule = {
  pollMinSeconds: ROLLOUT_POLL_MIN_SECONDS,
  pollMaxSeconds: ROLLOUT_POLL_MAX_SECONDS,
  settleSeconds: RECONNECT_SETTLE_SECONDS,
};

/**
 * DescribeVpcEndpoints listings each new interface endpoint stays `pending` (the reconciler's own listings
 * count too). Real endpoints take a few minutes; with the default endpointWait backoff (15, 30, 60, 60 … s)
 * six listings give a delay of that order.
 */
const ENDPOINT_PENDING_POLLS = 6;

interface Case {
  instances: number;
  /** restart.maxConcurrency; undefined = the default config's. */
  maxConcurrency?: number | string;
}

export const CASES: Case[] = [
  { instances: 10 },
  { instances: 100 },
  { instances: 1000 },
  { instances: 1000, maxConcurrency: 250 },
  { instances: 50, maxConcurrency: 1 },
];

interface Sample {
  totalSeconds: number;
  endpointReadySeconds: number;
  restartSeconds: number;
  restarted: number;
}

async function measureOnce(config: Config, instances: number): Promise<Sample> {
  const { account, vpcId, clients, documentName } = await fleetAccount(instances);
  for (const service of [...configuredInterfaceServices(config), ...SSM_SERVICES]) {
    account.setEndpointBehaviour(service, { pendingPolls: ENDPOINT_PENDING_POLLS });
  }
  const clockMs = () => account.clock.now().getTime();
  const started = clockMs();
  let discoveredAt: number | undefined;
  let summarizedAt: number | undefined;
  const result = await runWorkflowLocally(
    { vpcId },
    {
      clients,
      config,
      store: new MemoryStateStore(),
      documentName,
      fastWaits: true,
      now: () => account.clock.now(),
      advanceClock: (seconds) => account.clock.advance(seconds * 1000),
      onEvent: (event) => {
        if (event.type !== 'StateEntered') return;
        if (event.state.name === 'DiscoverInstances') discoveredAt ??= clockMs();
        if (event.state.name === 'Summarize') summarizedAt ??= clockMs();
      },
    },
  );
  const restarted = result.summary?.counts.restarted ?? 0;
  if (result.status !== 'SUCCEEDED' || restarted !== instances || !discoveredAt || !summarizedAt) {
    throw new Error(
      `remediation of ${instances} instances: ${result.status}, ${restarted} restarted (${result.error ?? ''} ${result.cause ?? ''})`,
    );
  }
  return {
    totalSeconds: (clockMs() - started) / 1000,
    endpointReadySeconds: (discoveredAt - started) / 1000,
    restartSeconds: (summarizedAt - discoveredAt) / 1000,
    restarted,
  };
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  logger.setLogLevel('SILENT');
  const perBatch = batchFloorSeconds(ROLLOUT_SCHEDULE);
  const figures: Figure[] = [];
  for (const c of CASES) {
    const input: ConfigInput =
      c.maxConcurrency === undefined ? {} : { restart: { maxConcurrency: c.maxConcurrency } };
    const config = parseConfig(input);
    const concurrency = config.restart.maxConcurrency;
    const batchSize = resolveConcurrency(concurrency, c.instances);
    const batches = Math.ceil(c.instances / batchSize);
    const samples = await repeat(ctx.runs, () => measureOnce(config, c.instances));
    ctx.progress(`time to remediate: ${c.instances} instances at maxConcurrency ${concurrency}`);
    const endpointReady = median(samples.map((s) => s.endpointReadySeconds));
    const floor = remediationFloorSeconds({
      endpointReadySeconds: endpointReady,
      instances: c.instances,
      batchSize,
      perBatchSeconds: perBatch,
    });
    const restartMedian = median(samples.map((s) => s.restartSeconds));
    const label = `${c.instances} instances, maxConcurrency ${concurrency} (${batches} × ${batchSize})`;
    figures.push(
      {
        section: SECTION,
        case: label,
        figure: 'total s (start to summary)',
        samples: samples.map((s) => s.totalSeconds),
        reference: { label: 'floor', value: floor },
        note: `= endpoint-ready + restart rounds (${(c.instances / (samples[0]!.totalSeconds / 60)).toFixed(1)} instances/min)`,
      },
      {
        section: SECTION,
        case: label,
        figure: 'endpoint-ready delay s',
        samples: samples.map((s) => s.endpointReadySeconds),
        note: `endpoints pending for ${ENDPOINT_PENDING_POLLS} listings; same at any concurrency`,
      },
      {
        section: SECTION,
        case: label,
        figure: 'restart rounds s',
        samples: samples.map((s) => s.restartSeconds),
        reference: { label: 'floor', value: batches * perBatch },
        note: `${batches} batches: ${(restartMedian / batches).toFixed(0)} s each vs ${perBatch} s floor`,
      },
    );
  }
  return figures;
}

export function footnotes(): string[] {
  const perBatch = batchFloorSeconds(ROLLOUT_SCHEDULE);
  return [
    'Time to remediate: simulated seconds on the account clock, which every Wait state advances by its duration ' +
      '(the deployed workflow would wait that long). floor = endpoint-ready delay + ceil(instances / batch size) × ' +
      `per-batch minimum; batch size = restart.maxConcurrency resolved on the fleet (percentages round up, 1 to 500); ` +
      `per-batch minimum = ${perBatch} s = the first rollout poll that can accept a reconnect for a command that ` +
      `finishes instantly: polls after ${ROLLOUT_POLL_MIN_SECONDS} s, then backoff ${ROLLOUT_POLL_MIN_SECONDS} × 2^n ` +
      `capped at ${ROLLOUT_POLL_MAX_SECONDS} s, reconnect accepted ${RECONNECT_SETTLE_SECONDS} s (RECONNECT_SETTLE_SECONDS) ` +
      'after the command ended and never on the poll that saw it end. The simulated command stays InProgress for one ' +
      'poll and the agent shows disconnected once, which is why a measured batch takes longer than the floor.',
  ];
}
