// One error hierarchy for the whole project. Every error carries a stable `name` (the Step Functions
// workflow maps names to Retry/Catch), forwards `cause`, and carries context such as vpcId or service.
// A name is PascalCase without an `Error` suffix and unique in the hierarchy (test/unit/error-names.test.ts).

export interface ErrorContext {
  vpcId?: string;
  service?: string;
  endpointId?: string;
  instanceId?: string;
  field?: string;
  [key: string]: unknown;
}

export class PrivateLinkEcsError extends Error {
  public readonly context: ErrorContext;

  public constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrivateLinkEcs';
    this.context = context;
  }
}

/** Input (CLI flags, workflow input, an event) is malformed. Nothing was changed. */
export class InvalidInputError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
    this.name = 'InvalidInput';
  }
}

/** The configuration does not follow the schema. The message names the field. */
export class ConfigError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
    this.name = 'InvalidConfig';
  }
}

/** The VPC does not exist (or is not visible with these credentials and region). */
export class VpcNotFoundError extends PrivateLinkEcsError {
  public constructor(vpcId: string, options?: { cause?: unknown }) {
    super(`VPC ${vpcId} was not found in this account and region`, { vpcId }, options);
    this.name = 'VpcNotFound';
  }
}

/** The VPC lacks the opt-in tag and the caller did not force the run. */
export class NotOptedInError extends PrivateLinkEcsError {
  public constructor(vpcId: string, tagKey: string, tagValue: string) {
    super(`VPC ${vpcId} is not opted in: tag it ${tagKey}=${tagValue}, or pass force to act on it anyway`, {
      vpcId,
      tagKey,
      tagValue,
    });
    this.name = 'NotOptedIn';
  }
}

/** An endpoint reached `failed` or `rejected`. */
export class EndpointFailedError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'EndpointFailed';
  }
}

/** Endpoints did not become available within the bounded wait. */
export class EndpointTimeoutError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'EndpointTimeout';
  }
}

/** Another worker holds the per-VPC lock longer than we are willing to wait. Retryable. */
export class VpcBusyError extends PrivateLinkEcsError {
  public constructor(vpcId: string) {
    super(`VPC ${vpcId} is being reconciled by another worker; try again later`, { vpcId });
    this.name = 'VpcBusy';
  }
}

/** A plan step was not attempted because a step it depends on failed (e.g. no security group). */
export class DependencyFailedError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'DependencyFailed';
  }
}

/** A read answered with a failure for one of its items (e.g. DescribeContainerInstances `failures`). */
export class ReadFailedError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'ReadFailed';
  }
}

/** A trigger could not finish the work for one or more VPCs; thrown so the platform retries the event. */
export class TriggerFailedError extends PrivateLinkEcsError {
  public constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
    this.name = 'TriggerFailed';
  }
}

/** Stable one-line rendering for CLIs and Step Functions causes. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

/** The name an AWS SDK or project error reports, for Retry/Catch matching and per-item results. */
export function errorName(err: unknown): string {
  if (err && typeof err === 'object' && 'name' in err && typeof err.name === 'string') return err.name;
  return 'Error';
}
