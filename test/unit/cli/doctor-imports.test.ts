// `privatelink-ecs doctor` runs in the operator's account with the operator's credentials: neither its module
// graph nor the CLI path that runs it may load the local kit (devkit/) or the AGPL policy evaluator
// (@cloud-copilot/*), which are devDependencies. Each case runs in a fresh Node process and lists what
// require.cache holds afterwards.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const LOCAL_ONLY = /\/devkit\/|\/node_modules\/@cloud-copilot\/|\/node_modules\/aws-local-stepfunctions\//;

/** Runs `body` in a child Node process with tsx; returns the modules it loaded. */
function loadedModules(body: string): string[] {
  const script = `
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    require('tsx/cjs');
    (async () => {
      ${body}
      process.stdout.write(JSON.stringify(Object.keys(require.cache)));
    })();`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  return JSON.parse(out) as string[];
}

describe('the doctor module graph', () => {
  it('bin/commands/doctor.ts and everything it imports load neither devkit/ nor @cloud-copilot', () => {
    // Prepare + Act
    const loaded = loadedModules(`require('./bin/commands/doctor.ts');`);

    // Assess: the doctor's own modules are there, nothing local-only is
    expect(loaded.some((m) => m.endsWith('bin/lib/doctor/diagnose.ts'))).toBe(true);
    expect(loaded.some((m) => m.endsWith('shared/authz/facts.ts'))).toBe(true);
    expect(loaded.filter((m) => LOCAL_ONLY.test(m))).toEqual([]);
  });

  it('`privatelink-ecs doctor` through the CLI entry loads only the doctor command', () => {
    // Prepare + Act: main() as bin/privatelink-ecs.js calls it (a bad VPC id, so no AWS call is made)
    const loaded = loadedModules(`
      process.stderr.write = () => true;
      const code = await require('./bin/cli.ts').main(['doctor', '--vpc-id', 'vpc-123']);
      if (code !== 2) throw new Error('expected exit code 2, got ' + code);`);

    // Assess
    expect(loaded.some((m) => m.endsWith('bin/commands/doctor.ts'))).toBe(true);
    expect(loaded.filter((m) => /bin\/commands\/(demo|run)\.ts$/.test(m))).toEqual([]);
    expect(loaded.filter((m) => LOCAL_ONLY.test(m))).toEqual([]);
  });
});
