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

export function buildProgram(): Command {
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
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => require(join(dir, f)) as CommandModule)
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
  for (const mod of modules) mod.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
