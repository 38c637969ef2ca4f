// The house Lambda construct. Every function in the stack is built here, so runtime, architecture, bundling,
// tracing, log retention, Powertools settings and the dead-letter queue are decided in one place.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/env';
import { ConfigError } from '../../shared/errors';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability';

/** Newest Node.js LTS runtime aws-cdk-lib 2.276 offers. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;
export const DEFAULT_TIMEOUT = Duration.seconds(60);
export const DEFAULT_MEMORY_MB = 512;

/**
 * How function code is produced. `bundle` runs esbuild on the entry (what `cdk synth` and `cdk deploy` use).
 * `inline` puts a small stand-in handler in the template instead, for infra tests that only assert the
 * template's shape; it never reaches a deployment because the app always bundles.
 */
export type CodeMode = 'bundle' | 'inline';

export interface PrivateLinkEcsFunctionProps {
  /** Handler entry file, relative to the repository root or absolute, e.g. functions/sweep/index.ts. */
  entry: string;
  description: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySizeMb?: number;
  /** CloudWatch Logs retention for the function's log group. */
  logRetentionDays: RetentionDays;
  /** Asynchronously invoked (EventBridge, schedule): gets its own dead-letter queue. */
  async?: boolean;
  /** Powertools log level; INFO unless set. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  codeMode?: CodeMode;
}

const REPO_ROOT = resolve(__dirname, '..', '..');

export class PrivateLinkEcsFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  /** Present for asynchronously invoked functions: on-failure destination for events Lambda could not process. */
  public readonly deadLetterQueue?: Queue;
  /** Entry file, absolute. */
  public readonly entry: string;

  public constructor(scope: Construct, id: string, props: PrivateLinkEcsFunctionProps) {
    super(scope, id);
    this.entry = resolve(REPO_ROOT, props.entry);
    validateProps(id, props, this.entry);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role without the AWSLambdaBasicExecutionRole managed policy: the function may write to
    // its own log group only. Everything else is granted from code-declared permissions by the stack.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the privatelink-ecs ${id} function`,
    });
    this.logGroup.grantWrite(this.role);

    if (props.async) {
      this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    }

    const common = {
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      memorySize: props.memorySizeMb ?? DEFAULT_MEMORY_MB,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        [ENV.serviceName]: SERVICE_NAME,
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.logLevel]: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      // Failed asynchronous invocations (after Lambda's own retries) go to the queue as on-failure destination
      // records, which carry the event, the error and the attempt count.
      ...(this.deadLetterQueue
        ? {
            onFailure: new SqsDestination(this.deadLetterQueue),
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
          }
        : {}),
    };

    this.function =
      props.codeMode === 'inline'
        ? new LambdaFunction(this, 'Function', {
            ...common,
            handler: 'index.handler',
            code: Code.fromInline(
              `exports.handler = async () => { throw new Error('stand-in for ${props.entry}: synthesize with the app to bundle the real handler'); };`,
            ),
          })
        : new NodejsFunction(this, 'Function', {
            ...common,
            entry: this.entry,
            handler: 'handler',
            projectRoot: REPO_ROOT,
            depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
            bundling: {
              minify: true,
              sourceMap: true,
              sourceMapMode: SourceMapMode.DEFAULT,
              sourcesContent: false,
              target: 'node24',
              format: OutputFormat.CJS,
              bundleAwsSDK: true,
              // ESM entry points let esbuild drop the unused parts of the AWS SDK.
              mainFields: ['module', 'main'],
              logLevel: LogLevel.ERROR,
              tsconfig: resolve(REPO_ROOT, 'tsconfig.json'),
            },
          });
  }
}

function validateProps(id: string, props: PrivateLinkEcsFunctionProps, entry: string): void {
  if (!existsSync(entry)) {
    throw new ConfigError(`function ${id}: entry ${props.entry} does not exist`, { field: 'entry' });
  }
  if (!props.description.trim()) {
    throw new ConfigError(`function ${id}: description must not be empty`, { field: 'description' });
  }
  if (props.memorySizeMb !== undefined && (props.memorySizeMb < 128 || props.memorySizeMb > 10_240)) {
    throw new ConfigError(`function ${id}: memorySizeMb must be between 128 and 10240`, {
      field: 'memorySizeMb',
    });
  }
  const timeout = props.timeout?.toSeconds();
  if (timeout !== undefined && (timeout < 1 || timeout > 900)) {
    throw new ConfigError(`function ${id}: timeout must be between 1 and 900 seconds`, { field: 'timeout' });
  }
}
