// Bundle sizes of every Lambda in the stack, built exactly as `cdk synth` builds them (house construct,
// esbuild, minified, with source maps). `npm run bench bundles` prints KiB per function.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { PrivateLinkEcsStack } from '../infra/stack';
import { parseConfig } from '../shared/config';

export const title = 'Lambda bundles (minified esbuild output per function, as deployed)';

const kib = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

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
    for (const [id, fn] of stack.functions) {
      const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
      const key = resources[logicalId]?.Properties.Code?.S3Key;
      if (!key) throw new Error(`no bundled asset for function ${id}`);
      const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
      const files = readdirSync(dir);
      const size = (name: string) => (files.includes(name) ? statSync(join(dir, name)).size : 0);
      rows.push({
        function: id,
        'index.js KiB': kib(size('index.js')),
        'source map KiB': kib(size('index.js.map')),
      });
    }
    rows.sort((a, b) => Number(b['index.js KiB']) - Number(a['index.js KiB']));
    rows.push({
      function: `(synth with bundling: ${synthMs} ms, ${rows.length} functions)`,
      'index.js KiB': '',
      'source map KiB': '',
    });
    return rows;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
