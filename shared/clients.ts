// AWS clients are made once, outside handlers, and injected into services. Configuration follows the
// SDK's standard chain: AWS_REGION / profile / credentials, AWS_ENDPOINT_URL(_<SERVICE>) for emulators,
// AWS_MAX_ATTEMPTS and AWS_RETRY_MODE for retries. There is no project-specific endpoint variable.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface AwsClients {
  ec2: EC2Client;
  ecs: ECSClient;
  ssm: SSMClient;
  sfn: SFNClient;
  events: EventBridgeClient;
  dynamodb: DynamoDBClient;
}

export interface ClientOptions {
  /** Overrides the region from the standard chain (CLI --region). */
  region?: string;
  /** Overrides AWS_MAX_ATTEMPTS; the SDK default retry mode backs off with jitter. */
  maxAttempts?: number;
}

const DEFAULT_MAX_ATTEMPTS = 5;

function commonConfig(options: ClientOptions): { region?: string; maxAttempts: number } {
  const envAttempts = Number(process.env.AWS_MAX_ATTEMPTS);
  const maxAttempts =
    options.maxAttempts ??
    (Number.isInteger(envAttempts) && envAttempts > 0 ? envAttempts : DEFAULT_MAX_ATTEMPTS);
  return options.region ? { region: options.region, maxAttempts } : { maxAttempts };
}

export function createAwsClients(options: ClientOptions = {}): AwsClients {
  const config = commonConfig(options);
  return {
    ec2: new EC2Client(config),
    ecs: new ECSClient(config),
    ssm: new SSMClient(config),
    sfn: new SFNClient(config),
    events: new EventBridgeClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}
