// `npm ci --omit=dev` keeps the AWS commands working: the repo's manifest, lockfile and shipped sources are
// copied to a temp dir, installed without devDependencies (from the npm cache when it has them, as after the
// `npm ci` that CI runs first), and the CLI runs there through bin/privatelink-ecs.js as a user would: every
// AWS command answers --help, plan reads a VPC in moto, and demo and run (which need the local kit) say in
// one line that they need the devDependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { applyRollupEvent } from '../../shared/org/rollup';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../../shared/workflow/summary';
import { createVpcLayout } from '../support/fixtures';
import { motoUrl, resetMoto } from '../support/moto';

const DEV_DEPENDENCIES = Object.keys(
  (
    JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      devDependencies: object;
    }
  ).devDependencies,
);

const ROOT = resolve(__dirname, '..', '..');
const SHIPPED = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'bin',
  'shared',
  'functions',
  'infra',
  'devkit',
];
const AWS_COMMANDS = ['plan', 'apply', 'event', 'start', 'doctor', 'status'];

// Each case starts a fresh Node process with tsx: a few seconds on a busy machine.
jest.setTimeout(60_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the CLI after npm ci --omit=dev', () => {
  const ec2 = new EC2Client({ maxAttempts: 1 });
  let dir: string;

  function cli(args: string[], env: NodeJS.ProcessEnv = {}): Run {
    const result = spawnSync(process.execPath, [join(dir, 'bin', 'privatelink-ecs.js'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plecs-omit-dev-'));
    for (const entry of SHIPPED) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    execFileSync(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      {
        cwd: dir,
        stdio: 'pipe',
        timeout: 170_000,
      },
    );
  }, 180_000);

  afterAll(() => {
    ec2.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the dependencies and none of the packages only the devDependencies need', () => {
    // Prepare: the lockfile marks what only devDependencies pull in with dev: true
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
      .map(([path]) => path.slice('node_modules/'.length));

    // Act
    const present = (pkg: string) => existsSync(join(dir, 'node_modules', pkg, 'package.json'));

    // Assess: the premise of every other case here
    expect(devOnly).toEqual(
      expect.arrayContaining(['aws-local-stepfunctions', '@cloud-copilot/iam-simulate', 'jest']),
    );
    expect(Object.keys(manifest.dependencies).filter((pkg) => !present(pkg))).toEqual([]);
    expect(devOnly.filter(present)).toEqual([]);
  });

  it.each(AWS_COMMANDS)('%s --help prints its usage and exits 0', (command) => {
    // Act
    const run = cli([command, '--help']);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`Usage: privatelink-ecs ${command} [options]`);
    expect(run.code).toBe(0);
  });

  it('--help lists every command and marks demo and run unavailable', () => {
    // Act
    const run = cli(['--help']);

    // Assess
    expect(run.code).toBe(0);
    for (const command of AWS_COMMANDS)
      expect(run.stdout).toMatch(new RegExp(`\\n  ${command} \\[options\\]`));
    expect(run.stdout).toMatch(/\n {2}demo +\(unavailable: needs the devDependencies/);
    expect(run.stdout).toMatch(/\n {2}run +\(unavailable: needs the devDependencies/);
  });

  it.each([
    ['demo', []],
    ['run', ['--vpc-id', 'vpc-0123456789abcdef0']],
    ['demo', ['--help']],
  ])('%s %j fails with one line that says to install the devDependencies', (command, args) => {
    // Act
    const run = cli([command, ...args]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // The first devDependency the command's modules load is the one named (which one depends on import order).
    const missing = /needs the devDependencies \((\S+) is not installed, as after/.exec(run.stderr)?.[1];
    expect(DEV_DEPENDENCIES).toContain(missing);
    expect(run.stderr).toBe(
      `privatelink-ecs: \`${command}\` needs the devDependencies (${missing} is not installed, as ` +
        'after `npm ci --omit=dev`): run `npm ci` to use it. plan, apply, event, start, doctor and status work ' +
        'without them.\n',
    );
  });

  it('plan reads a tagged VPC in moto and lists the endpoints apply would create', async () => {
    // Prepare
    await resetMoto();
    const layout = await createVpcLayout(ec2, { azs: 2, tags: { 'privatelink-ecs': 'enabled' } });

    // Act
    const run = cli(['plan', '--vpc-id', layout.vpcId, '--json'], { AWS_ENDPOINT_URL: motoUrl() });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { vpcId: string; actions: { kind: string; service: string }[] };
    expect(plan.vpcId).toBe(layout.vpcId);
    expect(plan.actions.filter((a) => a.kind === 'create-interface-endpoint').map((a) => a.service)).toEqual(
      expect.arrayContaining(['ecr.api', 'ecr.dkr', 'ecs-agent', 'ecs-telemetry', 'ecs']),
    );
  });

  it("status reads the hub's roll-up table in moto and prints its rows as JSON", async () => {
    // Prepare: a roll-up table as the hub stack makes it, with one member's run applied by the roll-up code
    await resetMoto();
    const ddb = new DynamoDBClient({ maxAttempts: 1, endpoint: motoUrl() });
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Rollup',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await applyRollupEvent(ddb, 'Rollup', {
      version: '0',
      id: 'e1',
      source: EVENT_SOURCE,
      'detail-type': COMPLETED_DETAIL_TYPE,
      account: '222222222222',
      region: 'eu-west-1',
      time: '2026-01-01T00:00:00Z',
      resources: [],
      detail: {
        vpcId: 'vpc-0123456789abcdef0',
        runId: 'r1',
        dryRun: false,
        outcome: 'succeeded',
        endpoints: [{ id: 'vpce-1', service: 'ecs', state: 'available' }],
        counts: { restarted: 3, skipped: 0, failed: 0 },
      },
    });
    ddb.destroy();

    // Act
    const run = cli(['status', '--table-name', 'Rollup', '--json'], { AWS_ENDPOINT_URL: motoUrl() });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { rows: Array<Record<string, unknown>> };
    expect(out.rows).toEqual([
      expect.objectContaining({
        accountId: '222222222222',
        region: 'eu-west-1',
        vpcId: 'vpc-0123456789abcdef0',
        state: 'converged',
        agents: { restarted: 3, failed: 0, skipped: 0 },
      }),
    ]);
  });

  it('event reports that an event matches no trigger rule, without AWS access', () => {
    // Prepare
    const file = join(ROOT, 'test', 'fixtures', 'events', 'tag-change-vpc-other-key.json');

    // Act
    const run = cli(['event', file]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^No trigger rule matches this event/);
  });
});
