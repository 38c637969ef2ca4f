// The import rules in .dependency-cruiser.cjs (run by `npm run lint`) catch what they are meant to catch: a
// small project in a temp dir, laid out like this one, breaks each rule once and keeps the allowed imports;
// depcruise runs on it with the repo's own config and must name exactly the broken rules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function writeProject(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

function cruise(dir: string): Violation[] {
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      [
        DEPCRUISE,
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
        'bin',
        'shared',
        'functions',
      ],
      { cwd: dir, encoding: 'utf8', stdio: 'pipe' },
    );
  } catch (err) {
    // depcruise exits non-zero when it finds errors; the JSON is on stdout all the same.
    out = (err as { stdout: string }).stdout;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the import rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'import-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('name every forbidden import and cycle, and allow what is allowed', () => {
    // Prepare
    writeProject(dir, {
      'package.json': JSON.stringify({
        name: 'fixture',
        dependencies: { 'shipped-dep': '1.0.0' },
        devDependencies: { 'dev-dep': '1.0.0' },
      }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
      }),
      'node_modules/shipped-dep/package.json': JSON.stringify({ name: 'shipped-dep', main: 'index.js' }),
      'node_modules/shipped-dep/index.js': 'module.exports = {};\n',
      'node_modules/dev-dep/package.json': JSON.stringify({
        name: 'dev-dep',
        main: 'index.js',
        types: 'index.d.ts',
      }),
      'node_modules/dev-dep/index.js': 'module.exports = {};\n',
      'node_modules/dev-dep/index.d.ts': 'export type T = number;\n',
      'devkit/sim.ts': 'export const sim = 1;\n',
      'infra/stack.ts': 'export const stack = 1;\n',
      'test/helper.ts': 'export const helper = 1;\n',
      // shipped code: one import from devkit/, one from test/, a runtime devDependency, a cycle; allowed: a
      // dependency and a type-only devDependency
      'shared/a.ts': "import { sim } from '../devkit/sim';\nexport const a = sim;\n",
      'shared/b.ts': "import { helper } from '../test/helper';\nexport const b = helper;\n",
      'shared/c.ts':
        "import 'dev-dep';\nimport 'shipped-dep';\nimport type { T } from 'dev-dep';\nexport type C = T;\n",
      'shared/cycle-1.ts': "import { two } from './cycle-2';\nexport const one = () => two;\n",
      'shared/cycle-2.ts': "import { one } from './cycle-1';\nexport const two = () => one;\n",
      'shared/clean.ts': 'export const clean = 1;\n',
      'functions/f/index.ts': "import { stack } from '../../infra/stack';\nexport const f = stack;\n",
      // the CLI: plan reaches devkit/ through a helper; demo imports it directly (allowed)
      'bin/lib/helper.ts': "import { sim } from '../../devkit/sim';\nexport const h = sim;\n",
      'bin/commands/plan.ts':
        "import { h } from '../lib/helper';\nimport { clean } from '../../shared/clean';\nexport const p = [h, clean];\n",
      'bin/commands/demo.ts':
        "import { sim } from '../../devkit/sim';\nimport 'dev-dep';\nexport const d = sim;\n",
      'bin/commands/start.ts': "import { clean } from '../../shared/clean';\nexport const s = clean;\n",
    });

    // Act
    const found = cruise(dir)
      .map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)
      .sort();

    // Assess
    expect(found).toEqual(
      [
        'aws-commands-never-reach-devkit: bin/commands/plan.ts -> devkit/sim.ts',
        'no-circular: shared/cycle-1.ts -> shared/cycle-2.ts',
        'shipped-code-imports-only-shipped-code: functions/f/index.ts -> infra/stack.ts',
        'shipped-code-imports-only-shipped-code: shared/a.ts -> devkit/sim.ts',
        'shipped-code-imports-only-shipped-code: shared/b.ts -> test/helper.ts',
        'shipped-code-no-dev-dependencies: shared/c.ts -> node_modules/dev-dep/index.js',
      ].sort(),
    );
  });
});
