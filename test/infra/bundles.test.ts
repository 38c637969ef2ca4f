// What each Lambda bundle carries: esbuild is run on every functions/*/index.ts with the resolution settings
// of the house construct (infra/constructs/function.ts: CJS for Node 24, ESM entry points first), and the
// metafile's inputs are checked. The simulated account and aws-cdk-lib must never be bundled, each function
// must carry only the SDK clients its step or trigger calls, and its minified bundle must stay within
// BYTES_BUDGET of its floor: a bare handler of the same clients sending one command each (the bench times both).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { floorSource, forbiddenSources, sdkClientsOf } from '../../bench/bundles.bench';

const ROOT = resolve(__dirname, '..', '..');

/** The SDK clients each entry may carry (sorted), from the calls its service makes. */
const EXPECTED_CLIENTS: Record<string, string[]> = {
  // route-53: the reconciler's ListHostedZonesByVPC (a service served centrally by a private hosted zone);
  // eventbridge: an organization member's trigger decisions (made only with config.organization).
  sweep: ['dynamodb', 'ec2', 'ecs', 'eventbridge', 'route-53', 'sfn'],
  'trigger-ecs': ['dynamodb', 'ec2', 'ecs', 'eventbridge', 'route-53', 'sfn'],
  'trigger-vpc': ['dynamodb', 'ec2', 'ecs', 'eventbridge', 'route-53', 'sfn'],
  // The organization hub's roll-up: GetItem and PutItem on the roll-up table.
  'org-rollup': ['dynamodb'],
  'workflow-validate-input': ['ec2'],
  'workflow-ensure-endpoints': ['ec2', 'route-53'],
  'workflow-check-endpoints': ['ec2'],
  'workflow-discover-instances': ['dynamodb', 'ec2', 'ecs', 'ssm'],
  'workflow-start-agent-updates': ['dynamodb', 'ecs'],
  'workflow-check-agent-updates': ['dynamodb', 'ecs'],
  'workflow-start-batch': ['dynamodb', 'ecs', 'ssm'],
  'workflow-poll-batch': ['dynamodb', 'ec2', 'ecs', 'ssm'],
  'workflow-summarize': ['dynamodb', 'eventbridge'],
};

/** A bundle's minified size may be at most this multiple of its floor's (the bench's cold-import target). */
const BYTES_BUDGET = 1.3;

const ENTRIES = readdirSync(join(ROOT, 'functions')).sort();

interface Bundled {
  /** Source paths that reach the output. */
  inputs: string[];
  /** Minified size of the output in bytes. */
  bytes: number;
}

async function bundle(entry: { path: string } | { contents: string }, minify = true): Promise<Bundled> {
  const result = await build({
    ...('path' in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents, resolveDir: join(ROOT, 'functions'), loader: 'ts' as const } }),
    absWorkingDir: ROOT,
    bundle: true,
    minify,
    write: false,
    metafile: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    mainFields: ['module', 'main'],
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'silent',
    outfile: join(ROOT, 'cdk.out', 'bundles-test', 'index.js'),
  });
  const output = Object.values((result.metafile as Metafile).outputs)[0];
  // Inputs esbuild tree-shook to nothing are listed with 0 bytes; only what reaches the output counts.
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return { inputs, bytes: output?.bytes ?? 0 };
}

/** The inputs only (unminified: faster, and the inputs are the same). */
const bundledInputs = async (entry: { path: string } | { contents: string }): Promise<string[]> =>
  (await bundle(entry, false)).inputs;

describe('Lambda bundles', () => {
  const inputs = new Map<string, string[]>();
  const bytes = new Map<string, { bundle: number; floor: number }>();

  beforeAll(async () => {
    const floors = new Map<string, number>();
    for (const name of ENTRIES) {
      const built = await bundle({ path: join(ROOT, 'functions', name, 'index.ts') });
      inputs.set(name, built.inputs);
      const clients = sdkClientsOf(built.inputs);
      const key = clients.join(' ');
      if (!floors.has(key)) floors.set(key, (await bundle({ contents: floorSource(clients) })).bytes);
      bytes.set(name, { bundle: built.bytes, floor: floors.get(key)! });
    }
  }, 240_000);

  it('has an expected client set for every function entry', () => {
    // Assess
    expect(ENTRIES).toEqual(Object.keys(EXPECTED_CLIENTS).sort());
  });

  it.each(ENTRIES)('%s bundles neither the simulated account nor aws-cdk-lib', (name) => {
    // Prepare
    const sources = inputs.get(name)!;

    // Act
    const forbidden = forbiddenSources(sources);

    // Assess
    expect(sources.length).toBeGreaterThan(0);
    expect(forbidden).toEqual([]);
  });

  it.each(ENTRIES)('%s bundles only the SDK clients it calls', (name) => {
    // Act
    const clients = sdkClientsOf(inputs.get(name)!);

    // Assess
    expect(clients).toEqual(EXPECTED_CLIENTS[name]);
  });

  it.each(ENTRIES)(`%s stays within ×${BYTES_BUDGET} of its floor's minified size`, (name) => {
    // Prepare
    const { bundle: size, floor } = bytes.get(name)!;

    // Act
    const ratio = size / floor;

    // Assess
    expect(floor).toBeGreaterThan(100_000);
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual(BYTES_BUDGET);
  });

  it('measures a floor that grows with each SDK client it carries', async () => {
    // Act
    const ecs = await bundle({ contents: floorSource(['ecs']) });
    const ecsAndSsm = await bundle({ contents: floorSource(['ecs', 'ssm']) });

    // Assess
    expect(sdkClientsOf(ecsAndSsm.inputs)).toEqual(['ecs', 'ssm']);
    expect(ecsAndSsm.bytes).toBeGreaterThan(ecs.bytes);
  }, 60_000);

  it('reports a bundle that imports the simulated account and aws-cdk-lib', async () => {
    // Prepare
    const contents = [
      "import { SimulatedAccount } from '../devkit/sim';",
      "import { Duration } from 'aws-cdk-lib';",
      'export const handler = () => [SimulatedAccount, Duration.seconds(1)];',
    ].join('\n');

    // Act
    const forbidden = forbiddenSources(await bundledInputs({ contents }));

    // Assess
    expect(forbidden).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devkit\/sim: devkit\/sim\//),
        expect.stringMatching(/^aws-cdk-lib: node_modules\/aws-cdk-lib\//),
      ]),
    );
  }, 60_000);
});
