// Runs the CLI in-process (main([...]) from bin/cli.ts) with stdout and stderr captured, and records the name
// of every command any AWS SDK client sends, so "makes no writes" is checked rather than assumed.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';

const READ_ONLY = /^(Describe|List|Get|BatchGet|Query|Scan)/;
const CLIENTS = [
  EC2Client,
  ECSClient,
  SSMClient,
  SFNClient,
  EventBridgeClient,
  DynamoDBClient,
  CloudFormationClient,
];

export interface CliCapture {
  stdout: () => string;
  stderr: () => string;
  /** Command names without the `Command` suffix, e.g. `CreateVpcEndpoint`, in the order sent. */
  commands: string[];
  /** The commands that are not reads. */
  writes: () => string[];
}

/** Call inside a test; jest's restoreMocks undoes the spies after it. */
export function captureCli(): CliCapture {
  const out: string[] = [];
  const err: string[] = [];
  const commands: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  for (const Client of CLIENTS) {
    const send = Client.prototype.send;
    jest.spyOn(Client.prototype, 'send').mockImplementation(function (this: unknown, command: unknown) {
      commands.push((command as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
      return (send as (c: unknown) => Promise<unknown>).call(this, command);
    } as never);
  }
  return {
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    commands,
    writes: () => commands.filter((c) => !READ_ONLY.test(c)),
  };
}
