// CLI behaviour checked through main([...]) with stdout and stderr captured. The demo's tests are in
// demo.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../bin/cli';
import { captureCli as capture } from '../support/cli';

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
