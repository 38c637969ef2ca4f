// `privatelink-ecs demo` through main([...]): the whole remediation against the built-in simulated account,
// with stdout and stderr captured. Needs no emulator and no credentials.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../bin/cli';
import { captureCli as capture } from '../support/cli';

describe('privatelink-ecs demo', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('runs the remediation on the simulated account and prints progress, the summary and what changed', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['demo']);

    // Assess
    expect(code).toBe(0);
    const stdout = io.stdout();
    expect(stdout).toMatch(/^Remediation of vpc-[0-9a-f]{17}: SUCCEEDED\n/);
    expect(stdout).toMatch(/Endpoints \(\d+\):/);
    for (const service of ['ecr.api', 'ecr.dkr', 'ecs-agent', 'ecs-telemetry', 'ecs', 's3']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${service.replace('.', '\\.')} +vpce-[0-9a-f]+ +available`));
    }
    // 9 payments + 3 batch-jobs, one of them without systemd (restarted as the ecs-agent container).
    expect(stdout).toMatch(/Restarted \(12\):/);
    expect(stdout.match(/ batch-jobs +restarted through SSM Run Command/g)).toHaveLength(3);
    expect(stdout).toMatch(/Skipped \(2\):/);
    expect(stdout).toMatch(/i-[0-9a-f]+ +batch-jobs +.*not managed by SSM/i);
    expect(stdout).toMatch(/i-[0-9a-f]+ +legacy +agent too old \(1\.21\.0 < 1\.25\.1\)/);
    expect(stdout).toMatch(/Failed \(0\):/);
    expect(stdout).toMatch(/What changed \(\d+ write calls\):/);
    expect(stdout).toMatch(/ec2:CreateVpcEndpoint +\d+/);
    expect(stdout).toMatch(/ssm:SendCommand +\d+/);
    expect(stdout).not.toMatch(/dynamodb:/);
    expect(stdout).toMatch(/plus \d+ writes of batch and progress records to the workflow.s state table/);
    const stderr = io.stderr();
    expect(stderr).toMatch(/^privatelink-ecs demo: a simulated AWS account/);
    expect(stderr).toMatch(/✓ ValidateInput/);
    expect(stderr).toMatch(/✓ PollBatch/);
    expect(stderr).toMatch(/✓ Summarize +outcome succeeded/);
  }, 120_000);

  it('--json prints the execution status and the summary as one JSON document', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['demo', '--json']);

    // Assess
    expect(code).toBe(0);
    const parsed = JSON.parse(io.stdout());
    expect(parsed.status).toBe('SUCCEEDED');
    expect(parsed.summary.outcome).toBe('succeeded');
    expect(parsed.summary.counts.skipped).toBe(2);
    expect(parsed.summary.counts.failed).toBe(0);
    expect(parsed.summary.counts.restarted).toBe(12);
    expect(parsed.summary.endpoints.every((e: { state: string }) => e.state === 'available')).toBe(true);
  }, 120_000);
});

describe('privatelink-ecs event with input that is not JSON', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-cli-'));
  });

  afterEach(() => {
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the whole parse error on one stderr line, exits 2 and calls no AWS API', async () => {
    // Prepare: a multi-line file, so JSON.parse's message quotes text that contains newlines
    const file = join(dir, 'event.json');
    writeFileSync(file, 'not json\nsecond line\n');
    const io = capture();

    // Act
    const code = await main(['event', file]);

    // Assess
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    const lines = io
      .stderr()
      .split('\n')
      .filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^privatelink-ecs: the input is not JSON: Unexpected token .*"not json .*is not valid JSON$/,
    );
    expect(io.commands).toEqual([]);
  });
});
