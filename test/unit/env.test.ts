// One module (shared/env.ts) names every environment variable the Lambdas read: each read of the environment in
// functions/ and shared/ must name a variable listed there, and the stack must set the ones it owns.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ENV, ENV_NAMES, POWERTOOLS_ENV, RUNTIME_ENV, STACK_ENV } from '../../shared/env';

const ROOT = resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every read of `process.env` or of a ProcessEnv parameter named `env` in `text`, as what it names: the
 * variable (`process.env.X`, `env['X']`), `ENV.<key>` resolved to its variable, or the raw expression when it is
 * neither (a computed name or a destructuring, which this rule does not allow).
 */
function environmentReads(text: string): string[] {
  const code = text.replace(/^\s*(\/\/|\*).*$/gm, '');
  const reads: string[] = [];
  for (const m of code.matchAll(/\b(?:process\.)?env\??\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    // `env.config` and the like are fields of the parsed step environment, not variables
    if (/^[A-Z][A-Z0-9_]*$/.test(m[1]!)) reads.push(m[1]!);
  }
  for (const m of code.matchAll(/\b(?:process\.)?env\??\.?\[([^\]]+)\]/g)) {
    const inner = m[1]!.trim();
    const literal = /^['"`]([A-Z0-9_]+)['"`]$/.exec(inner)?.[1];
    const key = /^ENV\.([A-Za-z]+)$/.exec(inner)?.[1];
    reads.push(literal ?? (key && key in ENV ? ENV[key as keyof typeof ENV] : `<computed: ${inner}>`));
  }
  for (const m of code.matchAll(/\{[^}]*\}\s*=\s*(?:process\.)?env\b/g))
    reads.push(`<destructured: ${m[0]}>`);
  return reads;
}

describe('shared/env.ts', () => {
  it('the scanner finds each form of read and keeps what it cannot name', () => {
    // Prepare
    const text = [
      'const a = process.env.STATE_MACHINE_ARN;',
      "const b = env['NOT_LISTED'];",
      'const c = env[ENV.stateTable];',
      'const d = env[name];',
      'const { AWS_REGION } = process.env;',
      'const e = stepEnv.config; // a field, not a variable',
      '// process.env.IN_A_COMMENT',
    ].join('\n');

    // Act
    const reads = environmentReads(text);

    // Assess
    expect(reads).toEqual([
      'STATE_MACHINE_ARN',
      'NOT_LISTED',
      'STATE_TABLE_NAME',
      '<computed: name>',
      '<destructured: { AWS_REGION } = process.env>',
    ]);
  });

  it('names every environment variable functions/ and shared/ read', () => {
    // Prepare
    const files = [...sourceFiles(join(ROOT, 'functions')), ...sourceFiles(join(ROOT, 'shared'))];

    // Act
    const reads = files.flatMap((file) =>
      environmentReads(readFileSync(file, 'utf8')).map((name) => ({ file: relative(ROOT, file), name })),
    );

    // Assess: there are reads, and each names a listed variable
    expect(reads.length).toBeGreaterThanOrEqual(6);
    expect(reads.filter((r) => !ENV_NAMES.has(r.name))).toEqual([]);
  });

  it('lists each variable once, under one key', () => {
    // Prepare
    const groups = [STACK_ENV, POWERTOOLS_ENV, RUNTIME_ENV];

    // Act
    const names = groups.flatMap((group) => Object.values(group) as string[]);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(ENV)).toHaveLength(names.length);
  });

  it('the stack sets its variables by these names (infra/ reads them from shared/env.ts)', () => {
    // Prepare
    const infra = sourceFiles(join(ROOT, 'infra'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');

    // Act
    const literalNames = [...ENV_NAMES].filter(
      (name) => infra.includes(`'${name}'`) || infra.includes(`${name}:`),
    );
    const stackKeysUsed = Object.keys(STACK_ENV).filter((key) => infra.includes(`ENV.${key}`));
    const powertoolsKeysUsed = Object.keys(POWERTOOLS_ENV).filter((key) => infra.includes(`ENV.${key}`));

    // Assess: no name spelled out in infra/; every stack variable but the optional bus is set through ENV
    expect(literalNames).toEqual([]);
    expect(stackKeysUsed.sort()).toEqual(
      Object.keys(STACK_ENV)
        .filter((key) => key !== 'eventBusName')
        .sort(),
    );
    expect(powertoolsKeysUsed.sort()).toEqual(Object.keys(POWERTOOLS_ENV).sort());
  });
});
