// Jest reporter for `npm run test:reliability`: gives the tests a JSON-lines file to record scenarios and
// properties in (see report.ts), and prints them as one report when the run completes.
const { mkdtempSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ENV = 'RELIABILITY_REPORT_FILE';

function table(rows) {
  if (rows.length === 0) return ['  (none)'];
  const headers = Object.keys(rows[0]);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  const line = (cells) => `  ${cells.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`.trimEnd();
  return [
    line(headers),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(headers.map((h) => r[h]))),
  ];
}

class ReliabilityReporter {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-reliability-'));
    this.file = join(this.dir, 'records.jsonl');
    // Tests run in band (moto is shared), so they see this variable.
    process.env[ENV] = this.file;
  }

  onRunComplete() {
    const records = existsSync(this.file)
      ? readFileSync(this.file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
    rmSync(this.dir, { recursive: true, force: true });
    const scenarios = records.filter((r) => r.kind === 'scenario');
    const properties = records.filter((r) => r.kind === 'property');
    const faultText = (f) =>
      Object.entries(f)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || '-';
    const totals = { faults: 0, writes: 0, duplicates: 0 };
    for (const s of scenarios) {
      totals.faults += Object.values(s.faults).reduce((a, b) => a + b, 0);
      totals.writes += s.writes;
      totals.duplicates += s.duplicates;
    }
    const out = [
      '',
      'Reliability report',
      '',
      `Scenarios run: ${scenarios.length}`,
      ...table(
        scenarios.map((s) => ({
          suite: s.suite,
          scenario: s.scenario,
          backend: s.backend,
          'faults injected': faultText(s.faults),
          writes: s.writes,
          'reported failures': s.reportedFailures ?? 0,
          duplicates: s.duplicates,
        })),
      ),
      '',
      `Properties checked: ${properties.length}`,
      ...table(
        properties.map((p) => ({ suite: p.suite, property: p.property, runs: p.runs, seed: p.seed ?? '-' })),
      ),
      '',
      `Totals: ${scenarios.length} scenarios, ${totals.faults} faults injected, ${totals.writes} writes counted, ` +
        `${totals.duplicates} duplicates found (must be 0), ${properties.length} properties ` +
        `(${properties.reduce((a, p) => a + p.runs, 0)} runs).`,
      '',
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

module.exports = ReliabilityReporter;
