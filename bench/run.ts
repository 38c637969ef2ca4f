// `npm run bench [-- [filter] [--runs N]]`: runs every bench/*.bench.ts (or those whose file name contains
// the filter) and prints ONE table at the end, each figure the median of several runs (default 5; --runs N or
// BENCH_RUNS). Progress goes to stderr while it runs; the table and its footnotes go to stdout.
// Each module exports `title`, `run(ctx)` returning Figures (bench/lib.ts) and optionally `footnotes`.
import './env';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorName } from '../shared/errors';
import { type BenchModule, type Figure, parseBenchArgs, renderTable } from './lib';

type LoadedModule = BenchModule & { footnotes?: readonly string[] | (() => readonly string[]) };

async function main(): Promise<void> {
  const { runs, filter } = parseBenchArgs(process.argv.slice(2), process.env);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !filter || f.includes(filter))
    .sort(byOrder);
  if (files.length === 0) {
    process.stderr.write(`bench: no bench/*.bench.ts file matches "${filter}"\n`);
    process.exitCode = 2;
    return;
  }
  const progress = (line: string) => process.stderr.write(`  … ${line}\n`);
  const figures: Figure[] = [];
  const footnotes: string[] = [];
  const started = process.hrtime.bigint();
  for (const file of files) {
    const mod = require(join(__dirname, file)) as LoadedModule;
    process.stderr.write(`${mod.title}\n`);
    figures.push(...(await mod.run({ runs, progress })));
    const notes = typeof mod.footnotes === 'function' ? mod.footnotes() : (mod.footnotes ?? []);
    footnotes.push(...notes);
  }
  const seconds = Number((process.hrtime.bigint() - started) / 1_000_000n) / 1000;
  process.stdout.write(
    `\nprivatelink-ecs bench: ${figures.length} figures, ${runs} run${runs === 1 ? '' : 's'} each unless the runs column says otherwise ` +
      `(${files.join(', ')}; ${seconds.toFixed(0)} s)\n\n`,
  );
  process.stdout.write(renderTable(figures, footnotes));
}

/**
 * The table follows the issues' order: bundles, API calls, workflow scale, time to remediate, authorization,
 * event volume, organization scale.
 */
const ORDER = ['bundles', 'plan', 'workflow', 'remediate', 'iam', 'events', 'org'];
function byOrder(a: string, b: string): number {
  const rank = (f: string) => {
    const i = ORDER.findIndex((name) => f.startsWith(`${name}.`));
    return i < 0 ? ORDER.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

main().catch((err: unknown) => {
  const usage = errorName(err) === 'InvalidInput';
  process.stderr.write(
    usage
      ? `bench: ${(err as Error).message}\n`
      : `bench failed: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exitCode = usage ? 2 : 1;
});
