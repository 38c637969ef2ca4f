// Bundles: every Lambda in the stack, built exactly as `cdk synth` builds it (house construct, esbuild,
// minified, with source maps; synthesized once), next to its floor: a bare handler that makes the same SDK
// clients and sends one command with each, bundled with the construct's esbuild options through esbuild's JS
// API. For each bundle and floor: size, and cold import time (a fresh `node` per run requires the bundle and
// times the require with process.hrtime; median of the runs, bundles spawned round robin after one discarded
// warm-up each); the ratio column is bundle / floor. It fails when a bundle contains the simulated account
// (devkit/sim) or aws-cdk-lib, which belong to tests, the CLI and synth only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { PrivateLinkEcsStack } from '../infra/stack';
import { parseConfig } from '../shared/config';
import { type BenchContext, type Figure, median, repeat } from './lib';

export const title =
  'Bundles: size and cold import time per Lambda, against a floor bundle of its SDK clients';

const SECTION = 'Bundles';
const REPO_ROOT = resolve(__dirname, '..');

const kib = (bytes: number): number => bytes / 1024;

/** Source paths that must never reach a Lambda bundle. */
const FORBIDDEN_IN_BUNDLES: ReadonlyArray<{ label: string; test: (source: string) => boolean }> = [
  { label: 'devkit/sim', test: (source) => /(^|\/)devkit\/sim\//.test(source) },
  { label: 'aws-cdk-lib', test: (source) => source.includes('node_modules/aws-cdk-lib/') },
];

/** The AWS SDK client packages a bundle's sources come from, e.g. ["dynamodb", "ec2"]. */
export function sdkClientsOf(sources: readonly string[]): string[] {
  const names = new Set<string>();
  for (const source of sources) {
    const match = /node_modules\/@aws-sdk\/client-([a-z0-9-]+)\//.exec(source);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].sort();
}

/** The forbidden inputs among a bundle's sources, as "label: path" lines. */
export function forbiddenSources(sources: readonly string[]): string[] {
  return sources.flatMap((source) =>
    FORBIDDEN_IN_BUNDLES.filter((f) => f.test(source)).map((f) => `${f.label}: ${source}`),
  );
}

/** For each SDK client package a function may carry: its client class and the one command its floor sends. */
export const FLOOR_COMMANDS: Readonly<Record<string, { client: string; command: string }>> = {
  dynamodb: { client: 'DynamoDBClient', command: 'GetItemCommand' },
  ec2: { client: 'EC2Client', command: 'DescribeVpcsCommand' },
  ecs: { client: 'ECSClient', command: 'ListClustersCommand' },
  eventbridge: { client: 'EventBridgeClient', command: 'PutEventsCommand' },
  'route-53': { client: 'Route53Client', command: 'ListHostedZonesByVPCCommand' },
  sfn: { client: 'SFNClient', command: 'StartExecutionCommand' },
  ssm: { client: 'SSMClient', command: 'SendCommandCommand' },
};

/**
 * The floor of a function: a handler that constructs `clients` at module load, as every function does, and
 * sends one command with each. Nothing else: what a bundle carries beyond this is our code and libraries.
 */
export function floorSource(clients: readonly string[]): string {
  const lines: string[] = [];
  const sends: string[] = [];
  clients.forEach((name, i) => {
    const floor = FLOOR_COMMANDS[name];
    if (!floor) throw new Error(`no floor command for the SDK client package client-${name}`);
    lines.push(
      `import { ${floor.client}, ${floor.command} } from '@aws-sdk/client-${name}';`,
      `const client${i} = new ${floor.client}({});`,
    );
    sends.push(`await client${i}.send(new ${floor.command}({} as never));`);
  });
  return [...lines, `export const handler = async () => { ${sends.join(' ')} };`].join('\n');
}

/**
 * Bundles handler source with the options infra/constructs/function.ts gives NodejsFunction (minify, source
 * map without sources content, target node24, platform node, CJS, module-first main fields, the repo's
 * tsconfig, and no externals because bundleAwsSDK is on). Returns the path of index.js.
 */
export async function buildLikeFunction(contents: string, outdir: string): Promise<string> {
  const outfile = join(outdir, 'index.js');
  await build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'floor.ts' },
    absWorkingDir: REPO_ROOT,
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    target: 'node24',
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    external: [],
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
    logLevel: 'error',
    outfile,
  });
  return outfile;
}

/** Child script: require the bundle named in argv[1], print the milliseconds the require took. */
const IMPORT_PROBE = [
  'const file = process.argv[1];',
  'const started = process.hrtime.bigint();',
  'const mod = require(file);',
  'const ns = process.hrtime.bigint() - started;',
  "if (typeof mod.handler !== 'function') { process.stderr.write('no handler export'); process.exit(3); }",
  'process.stdout.write(String(Number(ns) / 1e6));',
].join('\n');

/** Milliseconds a fresh node process takes to require the bundle, with the function's environment. */
function coldImportMs(file: string, env: Record<string, string>): number {
  const child = spawnSync(process.execPath, ['-e', IMPORT_PROBE, file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const ms = Number(child.stdout);
  if (child.status !== 0 || !Number.isFinite(ms) || child.stdout.trim() === '') {
    throw new Error(
      `cold import of ${file} failed (exit ${child.status}${child.signal ? `, ${child.signal}` : ''}): ${child.stderr || child.error?.message || 'no output'}`,
    );
  }
  return ms;
}

/** The environment Lambda gives the function: the template's plain string variables plus the runtime's own. */
function lambdaEnv(variables: Record<string, unknown> | undefined, name: string): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const [key, value] of Object.entries(variables ?? {})) {
    // Values that are CloudFormation intrinsics (table names, ARNs) only exist once deployed.
    env[key] = typeof value === 'string' ? value : `bench-${key.toLowerCase()}`;
  }
  return env;
}

interface Bundle {
  name: string;
  file: string;
  bytes: number;
  env: Record<string, string>;
  clients: string[];
}

type TemplateResources = Record<
  string,
  {
    Type: string;
    Properties: {
      Code?: { S3Key?: string };
      Environment?: { Variables?: Record<string, unknown> };
    };
  }
>;

/** Synthesizes the stack once and returns each function's bundle, checked for forbidden sources. */
function synthBundles(outdir: string, ctx: BenchContext): { bundles: Bundle[]; synthMs: number } {
  const app = new App({ outdir });
  const started = process.hrtime.bigint();
  const stack = new PrivateLinkEcsStack(app, 'PrivateLinkEcsBench', { config: parseConfig({}) });
  const assembly = app.synth();
  const synthMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
  ctx.progress(`bundles: synthesized ${stack.resources.functions.size} functions in ${synthMs} ms`);
  const resources = assembly.getStackByName(stack.stackName).template.Resources as TemplateResources;
  const bundles: Bundle[] = [];
  const violations: string[] = [];
  for (const [id, fn] of stack.resources.functions) {
    const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
    const resource = resources[logicalId];
    const key = resource?.Properties.Code?.S3Key;
    if (!key) throw new Error(`no bundled asset for function ${id}`);
    const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
    const files = readdirSync(dir);
    if (!files.includes('index.js.map')) throw new Error(`function ${id}: bundle has no source map`);
    const { sources } = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8')) as { sources: string[] };
    violations.push(...forbiddenSources(sources).map((v) => `${id} bundles ${v}`));
    bundles.push({
      name: id,
      file: join(dir, 'index.js'),
      bytes: statSync(join(dir, 'index.js')).size,
      env: lambdaEnv(resource.Properties.Environment?.Variables, id),
      clients: sdkClientsOf(sources),
    });
  }
  if (violations.length > 0) {
    throw new Error(`Lambda bundles contain code that must stay out of them:\n  ${violations.join('\n  ')}`);
  }
  return { bundles, synthMs };
}

export async function run(ctx: BenchContext): Promise<Figure[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-bundles-'));
  try {
    const { bundles, synthMs } = synthBundles(join(outdir, 'cdk.out'), ctx);
    // One floor per distinct client set, run with the Lambda environment of the stack's functions
    // (NODE_OPTIONS=--enable-source-maps included, so both sides load their source map).
    const floors = new Map<string, Bundle>();
    for (const bundle of bundles) {
      const key = bundle.clients.join(' ');
      if (floors.has(key)) continue;
      const file = await buildLikeFunction(floorSource(bundle.clients), join(outdir, `floor-${floors.size}`));
      floors.set(key, {
        name: `floor: ${key}`,
        file,
        bytes: statSync(file).size,
        env: lambdaEnv({ NODE_OPTIONS: bundle.env.NODE_OPTIONS ?? '' }, 'floor'),
        clients: bundle.clients,
      });
    }
    ctx.progress(`bundles: built ${floors.size} floor bundles`);
    // Round robin: each run spawns every bundle once, so load on the machine hits all of them alike. One
    // discarded spawn per bundle first warms the file cache.
    const all = [...floors.values(), ...bundles];
    for (const bundle of all) coldImportMs(bundle.file, bundle.env);
    const imports = new Map<string, number[]>(all.map((b) => [b.name, []]));
    await repeat(ctx.runs, async (runIndex) => {
      for (const bundle of all) imports.get(bundle.name)!.push(coldImportMs(bundle.file, bundle.env));
      ctx.progress(`bundles: cold import run ${runIndex + 1} of ${ctx.runs} (${all.length} bundles)`);
    });
    const sizeRuns = 'one synth, deterministic';
    const figures: Figure[] = [];
    for (const floor of floors.values()) {
      figures.push(
        {
          section: SECTION,
          case: floor.name,
          figure: 'size KiB',
          samples: [kib(floor.bytes)],
          digits: 1,
          runsNote: sizeRuns,
          note: 'floor: the SDK clients, one command each',
        },
        {
          section: SECTION,
          case: floor.name,
          figure: 'cold import ms',
          samples: imports.get(floor.name)!,
          digits: 1,
        },
      );
    }
    const bySize = [...bundles].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
    for (const bundle of bySize) {
      const floor = floors.get(bundle.clients.join(' '))!;
      figures.push(
        {
          section: SECTION,
          case: bundle.name,
          figure: 'size KiB',
          samples: [kib(bundle.bytes)],
          digits: 1,
          runsNote: sizeRuns,
          reference: { label: 'floor', value: kib(floor.bytes), digits: 1 },
          note: `SDK clients: ${bundle.clients.join(' ')}`,
        },
        {
          section: SECTION,
          case: bundle.name,
          figure: 'cold import ms',
          samples: imports.get(bundle.name)!,
          digits: 1,
          reference: { label: 'floor', value: median(imports.get(floor.name)!), digits: 1 },
          note: 'target ≤ ×1.30 of the floor',
        },
      );
    }
    figures.push({
      section: SECTION,
      case: `cdk synth with bundling (${bundles.length} functions)`,
      figure: 'wall ms',
      samples: [synthMs],
      runsNote: 'synthesized once',
      note: 'no bundle carries devkit/sim or aws-cdk-lib',
    });
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
