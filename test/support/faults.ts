// One SDK middleware for fault injection and call counting, for the simulated account and for moto alike.
// It sits inside the SDK's retry middleware (before the simulated account's dispatcher when there is one),
// so every injected fault goes through the client's real retry strategy, exactly as a fault from AWS would.
// Faults are drawn from a seeded generator: a failing run can be replayed with the seed it prints.
import { ServiceException } from '@smithy/core/client';
import { isWrite } from '../../devkit/sim/core';
import type { AwsClients } from '../../shared/clients';

export type FaultKind = 'throttle' | 'server' | 'timeout' | 'lostResponse';

export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'server', 'timeout', 'lostResponse'];

export interface FaultPlan {
  /** Seed of the generator that decides which attempts fail. */
  seed: number;
  /** Share of attempts (0 to 1) answered with the service's throttling error. */
  throttle?: number;
  /** Share of attempts answered with an HTTP 5xx error. */
  server?: number;
  /** Share of attempts that time out before the request reaches the service. */
  timeout?: number;
  /**
   * Share of attempts whose request is delivered and applied, after which the client sees a timeout and the
   * SDK retries it: the "lost response". Only meaningful where the backend honours ClientToken (the simulated
   * account does, moto does not), so use it on the simulated account only.
   */
  lostResponse?: number;
  /** Limits faults to some calls, e.g. `(c) => c.service === 'ec2'`. Every call is still counted. */
  only?: (call: FaultCall) => boolean;
}

export interface FaultCall {
  /** The client, lower case: ec2, ecs, ssm, sfn, eventbridge, dynamodb. */
  service: string;
  /** The operation without the Command suffix, e.g. CreateVpcEndpoint. */
  operation: string;
}

export interface FaultStats {
  /** Attempts that reached the middleware, retries included. */
  attempts: number;
  /** Attempts of operations that change something (everything but Describe/List/Get/BatchGet/Query/Scan). */
  writeAttempts: number;
  /** Write attempts that were let through to the service (not failed by an injected fault). */
  writesDelivered: number;
  /** The delivered writes, as "service:Operation", in order. */
  writes: string[];
  /** Faults injected, per kind. */
  injected: Record<FaultKind, number>;
  /** Faults injected, per "service:Operation". */
  injectedByOperation: Record<string, number>;
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The error a service answers with for `kind`, shaped as the SDK shapes a real one (name, fault, status). */
export function faultError(kind: FaultKind, call: FaultCall): Error {
  if (kind === 'timeout' || kind === 'lostResponse') {
    // What the SDK's Node.js HTTP handler throws when a socket or request times out.
    return Object.assign(new Error(`simulated timeout of ${call.service}:${call.operation}`), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    });
  }
  const shape =
    kind === 'throttle'
      ? call.service === 'ec2'
        ? { name: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' }
        : { name: 'ThrottlingException', status: 400, message: 'Rate exceeded' }
      : call.service === 'ec2'
        ? {
            name: 'Unavailable',
            status: 503,
            message: 'The server is overloaded and cannot handle the request.',
          }
        : { name: 'InternalServerError', status: 500, message: 'Internal server error' };
  const error = new ServiceException({
    name: shape.name,
    message: `${shape.message} (injected into ${call.service}:${call.operation})`,
    $fault: kind === 'throttle' ? 'client' : 'server',
    $metadata: { httpStatusCode: shape.status, requestId: 'injected-fault', attempts: 1, totalRetryDelay: 0 },
  });
  // ServiceException's constructor does not take $retryable; the SDK's deserializers set it the same way.
  if (kind === 'throttle') error.$retryable = { throttling: true };
  return error;
}

interface Stackable {
  middlewareStack: {
    addRelativeTo: (mw: unknown, opts: unknown) => void;
    identify: () => string[];
  };
}

const MIDDLEWARE_NAME = 'faultInjectionMiddleware';

/**
 * Adds the fault middleware to every client (all of `AwsClients`, or a list of clients) and returns the
 * live statistics. With no shares set it only counts: `injectFaults(clients, { seed: 0 })`.
 */
export function injectFaults(clients: AwsClients | readonly object[], plan: FaultPlan): FaultStats {
  for (const kind of FAULT_KINDS) {
    const share = plan[kind] ?? 0;
    if (!(share >= 0 && share <= 1))
      throw new RangeError(`fault share ${kind} must be in [0, 1], got ${share}`);
  }
  const random = seededRandom(plan.seed);
  const stats: FaultStats = {
    attempts: 0,
    writeAttempts: 0,
    writesDelivered: 0,
    writes: [],
    injected: { throttle: 0, server: 0, timeout: 0, lostResponse: 0 },
    injectedByOperation: {},
  };
  const list = Array.isArray(clients) ? clients : Object.values(clients as AwsClients);
  for (const client of list as Stackable[]) {
    const stack = client.middlewareStack;
    // The simulated account answers from its own middleware right after the retry middleware; faults go
    // between the two. For a real HTTP client (moto) the fault middleware itself follows the retry one.
    const beforeSim = stack.identify().some((m) => m.startsWith('simulatedAccountMiddleware'));
    stack.addRelativeTo(
      (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
        async (args: unknown) => {
          const call: FaultCall = {
            service: (context.clientName ?? '').replace(/Client$/, '').toLowerCase(),
            operation: (context.commandName ?? '').replace(/Command$/, ''),
          };
          stats.attempts++;
          const write = isWrite(call.operation);
          if (write) stats.writeAttempts++;
          let lost = false;
          if (!plan.only || plan.only(call)) {
            const roll = random();
            let edge = 0;
            for (const kind of FAULT_KINDS) {
              edge += plan[kind] ?? 0;
              if (roll < edge) {
                stats.injected[kind]++;
                const key = `${call.service}:${call.operation}`;
                stats.injectedByOperation[key] = (stats.injectedByOperation[key] ?? 0) + 1;
                if (kind !== 'lostResponse') throw faultError(kind, call);
                lost = true;
                break;
              }
            }
          }
          if (write) {
            stats.writesDelivered++;
            stats.writes.push(`${call.service}:${call.operation}`);
          }
          const output = await next(args);
          // The service applied the request; its answer never reaches the client.
          if (lost) throw faultError('lostResponse', call);
          return output;
        },
      beforeSim
        ? {
            relation: 'before',
            toMiddleware: 'simulatedAccountMiddleware',
            name: MIDDLEWARE_NAME,
            override: true,
          }
        : { relation: 'after', toMiddleware: 'retryMiddleware', name: MIDDLEWARE_NAME, override: true },
    );
  }
  return stats;
}

/** Total faults injected. */
export function totalInjected(stats: FaultStats): number {
  return FAULT_KINDS.reduce((sum, kind) => sum + stats.injected[kind], 0);
}
