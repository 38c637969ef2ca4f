// Every environment variable the Lambdas read, by name, in one place. Code in functions/ and shared/ reads the
// environment only as `env[ENV.<key>]` (a test checks that every read names a variable listed here); the stack
// (infra/) sets the variables under the same names.

/** Set by the stack (infra/stack.ts, infra/workflow.ts) and read by our code. */
export const STACK_ENV = {
  /** The validated configuration as JSON (shared/config.ts `configFromEnv`); every function. */
  config: 'PRIVATELINK_ECS_CONFIG',
  /** The remediation state machine the triggers start; trigger functions. */
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** The DynamoDB table of Powertools idempotency records and the per-VPC locks; trigger functions. */
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  /** The DynamoDB table of the workflow's records (shared/workflow/store.ts); workflow steps that keep records. */
  stateTable: 'STATE_TABLE_NAME',
  /** The deployed restart command document (shared/workflow/document.ts), when restarts are enabled. */
  restartDocumentName: 'RESTART_DOCUMENT_NAME',
  /** The Windows restart document (PowerShell); without it, Windows container instances are skipped. */
  restartWindowsDocumentName: 'RESTART_WINDOWS_DOCUMENT_NAME',
  /** The bus of the completion event; `default` when unset (the stack leaves it unset). */
  eventBusName: 'EVENT_BUS_NAME',
  /** The organization roll-up table (shared/org/rollup.ts); the hub's roll-up function. */
  rollupTable: 'ROLLUP_TABLE_NAME',
} as const;

/** Set by the stack (infra/constructs/function.ts) and read by Powertools itself. */
export const POWERTOOLS_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

/** Set by the Lambda runtime or the AWS SDK's standard configuration, never by the stack. */
export const RUNTIME_ENV = {
  /** Powertools idempotency keys its records by function name and refuses to run without it. */
  functionName: 'AWS_LAMBDA_FUNCTION_NAME',
  /** The SDK's retry count; shared/clients.ts reads it to choose its own default. */
  maxAttempts: 'AWS_MAX_ATTEMPTS',
} as const;

/** Every name above, by key. */
export const ENV = { ...STACK_ENV, ...POWERTOOLS_ENV, ...RUNTIME_ENV } as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** The names of every variable the Lambdas read. */
export const ENV_NAMES: ReadonlySet<string> = new Set<string>(Object.values(ENV));
