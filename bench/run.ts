// `npm run bench`: runs every bench/*.bench.ts and prints its figures. Each module exports
// `title` and `run()`, which returns rows to print as a table.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchModule {
  title: string;
  run: () => Promise<Array<Record<string, string | number>>>;
}

function printTable(rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) {
    process.stdout.write('  (no rows)\n');
    return;
  }
  const headers = Object.keys(rows[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`;
  process.stdout.write(line(headers));
  process.stdout.write(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) process.stdout.write(line(headers.map((h) => String(row[h] ?? ''))));
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !only || f.includes(only))
    .sort();
  for (const file of files) {
    const mod = require(join(__dirname, file)) as BenchModule;
    process.stdout.write(`\n${mod.title}\n`);
    printTable(await mod.run());
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
