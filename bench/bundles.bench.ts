// Bundle sizes of every Lambda in the stack, built exactly as `cdk synth` builds them (house construct,
// esbuild, minified, with source maps). `npm run bench bundles` prints KiB per function and the AWS SDK
// clients each bundle carries (read from the source map's `sources`). It fails when a bundle contains the
// simulated account (shared/sim) or aws-cdk-lib, which belong to tests, the CLI and synth only.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { PrivateLinkEcsStack } from '../infra/stack';
import { parseConfig } from '../shared/config';

export const title = 'Lambda bundles (minified esbuild output per function, as deployed)';

const kib = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

/** Source paths that must never reach a Lambda bundle. */
const FORBIDDEN_IN_BUNDLES: ReadonlyArray<{ label: string; test: (source: string) => boolean }> = [
  { label: 'shared/sim', test: (source) => /(^|\/)shared\/sim\//.test(source) },
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

export async function run(): Promise<Array<Record<string, string | number>>> {
  const outdir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-bundles-'));
  try {
    const app = new App({ outdir });
    const started = process.hrtime.bigint();
    const stack = new PrivateLinkEcsStack(app, 'PrivateLinkEcsBench', { config: parseConfig({}) });
    const assembly = app.synth();
    const synthMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
    const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<
      string,
      { Type: string; Properties: { Code?: { S3Key?: string }; Description?: string } }
    >;
    const rows: Array<Record<string, string | number>> = [];
    const violations: string[] = [];
    for (const [id, fn] of stack.functions) {
      const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
      const key = resources[logicalId]?.Properties.Code?.S3Key;
      if (!key) throw new Error(`no bundled asset for function ${id}`);
      const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
      const files = readdirSync(dir);
      const size = (name: string) => (files.includes(name) ? statSync(join(dir, name)).size : 0);
      if (!files.includes('index.js.map')) throw new Error(`function ${id}: bundle has no source map`);
      const { sources } = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8')) as {
        sources: string[];
      };
      violations.push(...forbiddenSources(sources).map((v) => `${id} bundles ${v}`));
      rows.push({
        function: id,
        'index.js KiB': kib(size('index.js')),
        'source map KiB': kib(size('index.js.map')),
        'SDK clients': sdkClientsOf(sources).join(' '),
      });
    }
    if (violations.length > 0) {
      throw new Error(
        `Lambda bundles contain code that must stay out of them:\n  ${violations.join('\n  ')}`,
      );
    }
    rows.sort((a, b) => Number(b['index.js KiB']) - Number(a['index.js KiB']));
    rows.push({
      function: `(synth with bundling: ${synthMs} ms, ${rows.length} functions)`,
      'index.js KiB': '',
      'source map KiB': '',
      'SDK clients': 'no shared/sim, no aws-cdk-lib',
    });
    return rows;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
