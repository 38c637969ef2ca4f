// Workflow-specific members of the project's error hierarchy (shared/errors.ts). Each has a stable `name`
// that the state machine's Retry/Catch and the summary use.
import { type ErrorContext, PrivateLinkEcsError } from '../errors';

/** The reconciler could not apply part of the endpoint plan; restarting agents now would strand them. */
export class EndpointsNotConvergedError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'EndpointsNotConverged';
  }
}

/** Restarts are needed but no SSM command document was configured (env RESTART_DOCUMENT_NAME). */
export class RestartDocumentMissingError extends PrivateLinkEcsError {
  public constructor(variable = 'RESTART_DOCUMENT_NAME') {
    super(`no restart command document is configured: set ${variable} (the stack does this)`, {
      field: variable,
    });
    this.name = 'RestartDocumentMissing';
  }
}

/** The workflow's own bookkeeping (batch records in the state table) is missing or corrupt. */
export class WorkflowStateError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'WorkflowState';
  }
}

/**
 * The SDK's retry of a SendCommand was refused: an earlier attempt of the same call may have been delivered.
 * Retryable: the Task's Retry runs StartBatch again, which looks the command up by its marker.
 */
export class CommandMayHaveBeenSentError extends PrivateLinkEcsError {
  public constructor(previous: string) {
    super(`SendCommand not sent again: an earlier attempt may have been delivered (${previous})`, {
      operation: 'SendCommand',
    });
    this.name = 'CommandMayHaveBeenSent';
  }
}

/** A SendCommand failed without the SDK naming an error; the instances of that call are reported failed. */
export class SendCommandFailedError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}) {
    super(message, { operation: 'SendCommand', ...context });
    this.name = 'SendCommandFailed';
  }
}

/**
 * Transient error names of Lambda and the AWS SDK: Lambda's own, plus the throttling, service-unavailable and
 * timeout names the SDK raises once its own retries are exhausted.
 */
export const AWS_TRANSIENT_ERROR_NAMES = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalFailure',
  'ServerException',
  // EC2's own names for its 5xx answers.
  'Unavailable',
  'InternalError',
  // A request that timed out. A SendCommand that may have been delivered stays pending in the batch's progress
  // and is looked up by its marker on the retry (command-protocol.ts), so retrying never restarts an agent twice.
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
] as const;

/**
 * The hierarchy's errors a retry may cure: another worker holds the VPC's lock (VpcBusy); the SDK refused to
 * send a SendCommand again (CommandMayHaveBeenSent), which the retried StartBatch looks up by its marker.
 */
export const RETRYABLE_PROJECT_ERROR_NAMES = ['VpcBusy', 'CommandMayHaveBeenSent'] as const;

/** Error names a Task retries with backoff and full jitter. */
export const RETRYABLE_ERROR_NAMES = [
  ...AWS_TRANSIENT_ERROR_NAMES,
  ...RETRYABLE_PROJECT_ERROR_NAMES,
] as const;

/** Errors that end the run before anything changed: the first state turns them into a Fail directly. */
export const INPUT_REJECTION_ERROR_NAMES = ['InvalidInput', 'NotOptedIn', 'VpcNotFound'] as const;

/** True for errors that a retry may cure (throttling, 5xx): those are rethrown, never recorded per item. */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.name === 'string' && (RETRYABLE_ERROR_NAMES as readonly string[]).includes(e.name))
    return true;
  return Boolean(e.$retryable);
}
