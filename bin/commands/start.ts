// `privatelink-ecs start`: starts an execution of the deployed state machine for one VPC and prints its
// console link. The state machine is found through the stack's outputs, or given with --state-machine-arn.

import { createHash } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { InvalidInputError } from '../../shared/errors';
import { parseWorkflowInput } from '../../shared/workflow/input';
import type { WorkflowInput } from '../../shared/workflow/types';
import { type CommonOptions, clientsFor, EXIT_OK, withCommonOptions } from '../lib/common';
import { cloudFormationClient, DEFAULT_STACK_NAME, stackOutputs } from '../lib/stack';

export const order = 41;

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

interface StartOptions extends CommonOptions {
  vpcId: string;
  stateMachineArn?: string;
  stackName: string;
  dryRun?: boolean;
  force?: boolean;
  restart?: string;
}

/** The state machine ARN among a stack's outputs: the output whose value is a state machine ARN. */
export async function stateMachineFromStack(cfn: CloudFormationClient, stackName: string): Promise<string> {
  const outputs = await stackOutputs(cfn, stackName, '--state-machine-arn');
  const found = outputs.find((o) => o.OutputValue && STATE_MACHINE_ARN.test(o.OutputValue));
  if (!found?.OutputValue) {
    throw new InvalidInputError(
      `stack ${stackName} has no state machine ARN output; pass --state-machine-arn`,
      {
        field: '--stack-name',
      },
    );
  }
  return found.OutputValue;
}

/** A name that says where the execution came from and stays within Step Functions' 80 characters. */
export function cliExecutionName(input: WorkflowInput, at: Date): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(input))
    .update(at.toISOString())
    .digest('hex')
    .slice(0, 8);
  return `cli-${input.vpcId}-${at.getTime()}-${digest}`.slice(0, 80);
}

export function consoleLink(executionArn: string): string {
  const region = executionArn.split(':')[3] ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}

export async function runStart(opts: StartOptions): Promise<number> {
  const raw: Record<string, unknown> = { vpcId: opts.vpcId };
  if (opts.dryRun) raw.dryRun = true;
  if (opts.force) raw.force = true;
  if (opts.restart !== undefined) raw.restart = opts.restart;
  const input = parseWorkflowInput(raw);
  if (opts.stateMachineArn && !STATE_MACHINE_ARN.test(opts.stateMachineArn)) {
    throw new InvalidInputError(
      `--state-machine-arn must be a state machine ARN like arn:aws:states:us-east-1:123456789012:stateMachine:Name, got ${JSON.stringify(opts.stateMachineArn)}`,
      { field: '--state-machine-arn' },
    );
  }
  const clients = clientsFor(opts);
  const cfn = cloudFormationClient(opts.region);
  try {
    const stateMachineArn = opts.stateMachineArn ?? (await stateMachineFromStack(cfn, opts.stackName));
    const out = await clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: cliExecutionName(input, new Date()),
        input: JSON.stringify(input),
      }),
    );
    const executionArn = out.executionArn ?? '';
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ stateMachineArn, executionArn, input, console: consoleLink(executionArn) }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `Started ${executionArn}\n  input   ${JSON.stringify(input)}\n  console ${consoleLink(executionArn)}\n`,
      );
    }
    return EXIT_OK;
  } finally {
    cfn.destroy();
    for (const c of Object.values(clients)) c.destroy();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('start')
    .summary('start the deployed remediation workflow for one VPC and print the console link')
    .description(
      'Starts an execution of the deployed state machine. Its ARN comes from the stack outputs ' +
        '(CloudFormation DescribeStacks on --stack-name) unless --state-machine-arn is given.',
    )
    .requiredOption('--vpc-id <id>', 'the VPC to remediate, e.g. vpc-0123456789abcdef0')
    .option('--state-machine-arn <arn>', 'the state machine to start (skips the stack lookup)')
    .option('--stack-name <name>', 'the deployed stack', DEFAULT_STACK_NAME)
    .option('--dry-run', 'plan the endpoints only')
    .option('--force', 'act on a VPC that lacks the opt-in tag')
    .option('--restart <mode>', 'auto, all or none')
    .option('--json', 'print JSON');
  withCommonOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  privatelink-ecs start --vpc-id vpc-0123456789abcdef0\n' +
        '  privatelink-ecs start --vpc-id vpc-0123456789abcdef0 --restart all --stack-name PrivateLinkEcs-prod\n',
    )
    .action(async (opts: StartOptions) => {
      process.exitCode = await runStart(opts);
    });
}
