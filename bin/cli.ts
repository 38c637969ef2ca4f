// privatelink-ecs CLI. Each file in bin/commands registers one sub-command; this file wires them up and
// turns every error into one clear line on stderr with a non-zero exit code.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { cliErrorMessage, EXIT_FAILED, EXIT_USAGE, quietCliLogs } from './lib/common';

interface CommandModule {
  order?: number;
  register: (program: Command) => void;
}

/**
 * The devDependency a failed `require` could not find, or undefined when the error is anything else. After
 * `npm ci --omit=dev` the commands that need the local kit (demo, run: devkit/ imports aws-local-stepfunctions
 * and the IAM evaluator) cannot load; every other command must, so any other error is a real one.
 */
export function missingDevDependency(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'MODULE_NOT_FOUND' || typeof e.message !== 'string') return undefined;
  const specifier = /Cannot find module '([^']+)'/.exec(e.message)?.[1];
  if (!specifier || specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  const pkg = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  return pkg && Object.hasOwn(manifest.devDependencies ?? {}, pkg) ? pkg : undefined;
}

/** Stands in for a command whose module needs a devDependency that is not installed: says so in one line. */
function unavailableCommand(name: string, pkg: string): CommandModule {
  return {
    order: 100,
    register: (program) => {
      program
        .command(name)
        .description('(unavailable: needs the devDependencies; run `npm ci` without --omit=dev)')
        .helpOption(false)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(() => {
          process.stderr.write(
            `privatelink-ecs: \`${name}\` needs the devDependencies (${pkg} is not installed, as after ` +
              '`npm ci --omit=dev`): run `npm ci` to use it. plan, apply, event, start, doctor and status work ' +
              'without them.\n',
          );
          process.exitCode = EXIT_FAILED;
        });
    },
  };
}

function loadCommand(file: string): CommandModule {
  try {
    return require(file) as CommandModule;
  } catch (err) {
    const pkg = missingDevDependency(err);
    if (!pkg) throw err;
    return unavailableCommand(basename(file, '.ts'), pkg);
  }
}

/**
 * The program with every sub-command, or with only `only` when a file bin/commands/<only>.ts exists: a command
 * then loads its own modules and nothing else, so `privatelink-ecs doctor` (or plan, apply, start) never loads
 * the local kit (devkit/) that the demo and run commands import, nor its devDependencies. Without the
 * devDependencies (`npm ci --omit=dev`), demo and run are listed as unavailable and say why when run.
 */
export function buildProgram(only?: string): Command {
  const program = new Command('privatelink-ecs')
    .description(
      [
        'Converge VPCs tagged privatelink-ecs=enabled on the PrivateLink endpoints',
        'ECS and ECR need, and restart ecs-agent so it moves onto them.',
        '',
        'AWS access follows the SDK chain: --region or AWS_REGION, AWS_PROFILE,',
        'credentials, and AWS_ENDPOINT_URL for emulators such as moto.',
        'Run `privatelink-ecs <command> --help` for details and examples.',
      ].join('\n'),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const dir = join(__dirname, 'commands');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const single = files.find((f) => f === `${only}.ts`);
  const modules = (single ? [single] : files)
    .map((f) => loadCommand(join(dir, f)))
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
  for (const mod of modules) mod.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(argv[0]);
  quietCliLogs();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" in commander's exitOverride mode.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const { message, code } = cliErrorMessage(err);
    process.stderr.write(`privatelink-ecs: ${message}\n`);
    return code;
  }
}
