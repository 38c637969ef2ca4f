import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_MEANINGS, configTable, schemaLeafPaths } from '../../infra/config-docs';

const ROOT = resolve(__dirname, '..', '..');

/** Runs the CDK app the way `cdk synth` does (context in CDK_CONTEXT_JSON), without bundling anything. */
function runApp(context: Record<string, unknown>): { status: number | null; stderr: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-app-'));
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/app.ts')], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stderr: result.stderr };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('configuration at synth', () => {
  it.each([
    [{ ssmEndpoints: 'sometimes' }, 'ssmEndpoints', '"auto"|"always"|"never"'],
    [{ restart: { fallback: 'explode' } }, 'restart.fallback', '"report"|"reboot"'],
    [{ logRetentionDays: 2 }, 'logRetentionDays', '365'],
    [
      { organization: { id: 'o-a1b2c3d4e5', targets: ['ou-ab12-cd34ef56'], regions: ['Europe'] } },
      'organization.regions.0',
      'must be a region name such as "eu-west-1"',
    ],
  ])(
    'fails synth for cdk.json context %j with a message naming %s and the allowed values',
    (bad, field, allowed) => {
      // Act
      const { status, stderr } = runApp({ 'privatelink-ecs': bad });

      // Assess
      expect(status).toBe(1);
      expect(stderr).toContain(`invalid context "privatelink-ecs": ${field}:`);
      expect(stderr).toContain(allowed);
    },
  );

  it('fails synth for a bad config file named by -c configFile, naming the file and the field', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ sweep: { schedule: 'every day' } }));

    // Act
    const { status, stderr } = runApp({ configFile: file });
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(status).toBe(1);
    expect(stderr).toContain(`invalid config file ${file}: sweep.schedule: must be an EventBridge schedule`);
  });
});

describe('README configuration table', () => {
  it('documents the meaning of every schema setting and nothing else', () => {
    // Act
    const paths = schemaLeafPaths();

    // Assess
    expect(paths).toContain('restart.instanceTag');
    expect(paths).toContain('sweep.schedule');
    expect(Object.keys(CONFIG_MEANINGS).sort()).toEqual([...paths].sort());
  });

  it('matches the table generated from the schema (regenerate with npx tsx infra/config-docs.ts)', () => {
    // Prepare
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

    // Act
    const table = configTable();

    // Assess
    expect(readme).toContain(table);
    for (const path of schemaLeafPaths()) expect(table).toContain(`| \`${path}\` |`);
  });
});
