// Shared CLI plumbing: global options, config loading, client creation and error mapping.
import type { Command } from 'commander';
import { type AwsClients, createAwsClients } from '../../shared/clients';
import { type Config, configFromFile, parseConfig } from '../../shared/config';
import { ENV } from '../../shared/env';
import { describeError, errorName, PrivateLinkEcsError } from '../../shared/errors';
import { logger } from '../../shared/observability';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CommonOptions {
  region?: string;
  config?: string;
  json?: boolean;
}

/** Adds --region and --config to a sub-command. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'AWS region (default: the SDK chain, e.g. AWS_REGION or the profile)')
    .option(
      '--config <file>',
      'JSON configuration file (same schema as the CDK app); defaults apply without it',
    );
}

export function loadConfig(opts: CommonOptions): Config {
  return opts.config ? configFromFile(opts.config) : parseConfig({});
}

/**
 * Test seam: when set, receives every client set the CLI makes, before its first call (the reliability
 * fuzz tests add the call-counting middleware this way). Unset in normal use; nothing else reads it.
 */
export const cliClientHooks: { onClients?: (clients: AwsClients) => void } = {};

export function clientsFor(opts: CommonOptions): AwsClients {
  const clients = createAwsClients(opts.region ? { region: opts.region } : {});
  cliClientHooks.onClients?.(clients);
  return clients;
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredTokenException',
  'UnrecognizedClientException',
]);

/**
 * Shared errors speak to every caller ("pass force" is the workflow input's field); on the command line the
 * switch is --force.
 */
export function cliWording(text: string): string {
  return text.replace(/\bpass force\b/g, 'pass --force');
}

/** One line and an exit code for any error that reaches the top of the CLI. */
export function cliErrorMessage(err: unknown): { message: string; code: number } {
  const name = errorName(err);
  const text = describeError(err);
  if (err instanceof PrivateLinkEcsError) {
    const usage = ['InvalidInput', 'InvalidConfig', 'NotOptedIn', 'VpcNotFound'].includes(name);
    return { message: cliWording(text), code: usage ? EXIT_USAGE : EXIT_FAILED };
  }
  if (/region is missing|region="" is not a valid/i.test(text)) {
    return { message: 'no AWS region configured: pass --region or set AWS_REGION', code: EXIT_USAGE };
  }
  if (CREDENTIAL_ERRORS.has(name) || /could not load credentials/i.test(text)) {
    return {
      message: `no usable AWS credentials (${text}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
      code: EXIT_USAGE,
    };
  }
  return { message: `${name}: ${text}`, code: EXIT_FAILED };
}

/**
 * The CLI prints its own output; Powertools' JSON log lines would garble it (and --json). Unless the user
 * set POWERTOOLS_LOG_LEVEL, only errors are logged.
 */
export function quietCliLogs(): void {
  if (!process.env[ENV.logLevel]) logger.setLogLevel('ERROR');
}
