// AWS clients are made once, outside handlers, and injected into services. Configuration follows the
// SDK's standard chain: AWS_REGION / profile / credentials, AWS_ENDPOINT_URL(_<SERVICE>) for emulators,
// AWS_MAX_ATTEMPTS and AWS_RETRY_MODE for retries. There is no project-specific endpoint variable.
//
// Each client has its own factory so a Lambda entry imports only the SDK packages it calls: the SDK packages
// are side-effect free, so esbuild drops every client (and its schema module) nothing references.
// `createAwsClients` builds all six, for the CLI, the local workflow runner and tests.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ENV } from './env';

export interface AwsClients {
  ec2: EC2Client;
  ecs: ECSClient;
  ssm: SSMClient;
  sfn: SFNClient;
  events: EventBridgeClient;
  dynamodb: DynamoDBClient;
  /** The reconciler's private hosted zone read (services served centrally); absent skips that check. */
  route53?: Route53Client;
}

export interface ClientOptions {
  /** Overrides the region from the standard chain (CLI --region). */
  region?: string;
  /** Overrides AWS_MAX_ATTEMPTS; the SDK default retry mode backs off with jitter. */
  maxAttempts?: number;
}

/** What every client is constructed with: the region only when overridden, and a resolved maxAttempts. */
export interface CommonClientConfig {
  region?: string;
  maxAttempts: number;
}

const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The configuration shared by every client. maxAttempts comes from the option, else a positive integer in
 * AWS_MAX_ATTEMPTS, else 5; the region is set only when given, so the standard chain decides otherwise.
 */
export function clientConfig(
  options: ClientOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): CommonClientConfig {
  const envAttempts = Number(env[ENV.maxAttempts]);
  const maxAttempts =
    options.maxAttempts ??
    (Number.isInteger(envAttempts) && envAttempts > 0 ? envAttempts : DEFAULT_MAX_ATTEMPTS);
  return options.region ? { region: options.region, maxAttempts } : { maxAttempts };
}

type ClientConstructor<C> = new (config: CommonClientConfig) => C;

function make<C>(Client: ClientConstructor<C>, options: ClientOptions): C {
  return new Client(clientConfig(options));
}

export const createEc2Client = (options: ClientOptions = {}): EC2Client => make(EC2Client, options);
export const createEcsClient = (options: ClientOptions = {}): ECSClient => make(ECSClient, options);
export const createSsmClient = (options: ClientOptions = {}): SSMClient => make(SSMClient, options);
export const createSfnClient = (options: ClientOptions = {}): SFNClient => make(SFNClient, options);
export const createEventBridgeClient = (options: ClientOptions = {}): EventBridgeClient =>
  make(EventBridgeClient, options);
export const createDynamoDbClient = (options: ClientOptions = {}): DynamoDBClient =>
  make(DynamoDBClient, options);

export const createRoute53Client = (options: ClientOptions = {}): Route53Client =>
  make(Route53Client, options);

/** All six clients with the same configuration (CLI, local runner, tests). Lambda entries use the factories. */
export function createAwsClients(options: ClientOptions = {}): AwsClients {
  return {
    ec2: createEc2Client(options),
    ecs: createEcsClient(options),
    ssm: createSsmClient(options),
    sfn: createSfnClient(options),
    events: createEventBridgeClient(options),
    dynamodb: createDynamoDbClient(options),
    route53: createRoute53Client(options),
  };
}
