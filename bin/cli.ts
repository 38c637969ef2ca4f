// privatelink-ecs CLI. Each file in bin/commands registers one sub-command; this file wires them up and
// turns every error into one clear line on stderr with a non-zero exit code.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { cliErrorMessage, EXIT_USAGE, quietCliLogs } from './lib/common';

interface CommandModule {
  order?: number;
  register: (program: Command) => void;
}

/**
 * The program with every sub-command, or with only `only` when a file bin/commands/<only>.ts exists: a command
 * then loads its own modules and nothing else, so `privatelink-ecs doctor` (or plan, apply, start) never loads
 * the local kit (devkit/) that the demo and run commands import, nor its devDependencies.
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
    .map((f) => require(join(dir, f)) as CommandModule)
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
