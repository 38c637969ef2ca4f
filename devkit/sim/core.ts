// Building blocks every simulated service shares: errors shaped like the SDK's service exceptions, honest
// NextToken/MaxResults paging, EC2-style filters, tags, deterministic IDs, a manual clock and IPv4 math.

import { CLIENT_SERVICE, type ClientService } from '../../shared/authz/requests';

/** A simulated operation: takes the command input as the SDK passes it, returns the output without $metadata. */
export type Handler = (input: unknown) => unknown;
export type HandlerMap = Record<string, Handler>;

/** Declares a handler with the SDK's own input and output types, so shapes cannot drift from the real API. */
export function op<I, O>(fn: (input: I) => O): Handler {
  return (input: unknown) => fn((input ?? {}) as I);
}

/** Exception classes a client module exports, looked up by error name. */
export type ExceptionModule = Record<string, unknown>;

export interface ErrorOptions {
  fault?: 'client' | 'server';
  status?: number;
  throttling?: boolean;
  /** Extra members, e.g. Item for DynamoDB's ConditionalCheckFailedException. */
  members?: Record<string, unknown>;
}

/** A service's exception class (base or modeled), as the client module exports it. */
export type ExceptionCtor = new (opts: Record<string, unknown>) => Error;

/**
 * Builds an error the way the SDK's deserializer would: the modeled exception class when the client exports
 * one with that name (so `instanceof ConditionalCheckFailedException` works), else the service's base
 * exception with the AWS error code as its name.
 */
export function awsError(
  module: ExceptionModule,
  base: ExceptionCtor,
  name: string,
  message: string,
  options: ErrorOptions = {},
): Error {
  const fault =
    options.fault ?? (options.status !== undefined && options.status >= 500 ? 'server' : 'client');
  const status = options.status ?? (fault === 'server' ? 500 : 400);
  const $metadata = { httpStatusCode: status, requestId: simRequestId(), attempts: 1, totalRetryDelay: 0 };
  const candidate = module[name];
  let err: Error;
  if (typeof candidate === 'function' && candidate.prototype instanceof base) {
    err = new (candidate as ExceptionCtor)({ message, $metadata, ...options.members });
  } else {
    err = new base({ name, $fault: fault, message, $metadata });
    Object.assign(err, options.members ?? {});
  }
  // Modeled classes fix $fault; keep it, but make sure the message and code are what AWS would send.
  (err as { Code?: string }).Code = name;
  if (options.throttling) (err as { $retryable?: { throttling: boolean } }).$retryable = { throttling: true };
  return err;
}

export interface ServiceErrors {
  /** An error by AWS code: HTTP 500 for the service's server-fault code, 400 for the rest. */
  error(name: string, message: string, members?: Record<string, unknown>): Error;
  /** The error the service throttles with; the operation is not part of it. */
  throttle(_operation?: string): Error;
}

export interface ServiceErrorOptions {
  /** The code the service answers a server fault with (HTTP 500). */
  serverError?: string;
  throttle?: { name: string; message: string } & Pick<ErrorOptions, 'status' | 'fault'>;
}

/** One service's error factories over awsError; the throttling error defaults to ThrottlingException/400. */
export function serviceErrors(
  module: ExceptionModule,
  base: unknown,
  options: ServiceErrorOptions = {},
): ServiceErrors {
  const ctor = base as ExceptionCtor;
  const {
    name: throttleName,
    message: throttleMessage,
    ...throttleOptions
  } = options.throttle ?? {
    name: 'ThrottlingException',
    message: 'Rate exceeded',
    status: 400,
  };
  return {
    error: (name, message, members) =>
      awsError(module, ctor, name, message, { status: name === options.serverError ? 500 : 400, members }),
    throttle: () =>
      awsError(module, ctor, throttleName, throttleMessage, { ...throttleOptions, throttling: true }),
  };
}

/** A service's error factories plus its invalid-parameter error and its paging limits. */
export interface ServiceKit extends ServiceErrors {
  /** The service's invalid-parameter error (the code AWS answers a bad parameter with). */
  invalid(message: string): Error;
  /** Pages a list with the service's limits; a bad size or token is rejected with `invalid`. */
  page<T>(all: T[], maxResults: number | undefined, nextToken: string | undefined, query: unknown): Page<T>;
}

/** One service's set-up: its errors, the code of its invalid-parameter error, and its page limits. */
export function serviceKit(
  module: ExceptionModule,
  base: unknown,
  options: ServiceErrorOptions & { invalid: string; page: PageLimits },
): ServiceKit {
  const errors = serviceErrors(module, base, options);
  const invalid = (message: string) => errors.error(options.invalid, message);
  return {
    ...errors,
    invalid,
    page: (all, maxResults, nextToken, query) =>
      paginate(all, maxResults, nextToken, options.page, query, invalid),
  };
}

/** Thrown for any operation, parameter or expression the simulated account does not model. */
export class UnsupportedOperationError extends Error {
  public readonly $fault = 'client';
  public readonly $metadata = { httpStatusCode: 400 };
  public constructor(message: string) {
    super(message);
    this.name = 'UnsupportedOperation';
  }
}

let requestCounter = 0;
function simRequestId(): string {
  requestCounter += 1;
  return `sim-${requestCounter.toString(16).padStart(12, '0')}`;
}

// ---------------------------------------------------------------------------------------------- paging

export interface PageLimits {
  /** Smallest MaxResults AWS accepts (EC2 uses 5). */
  min: number;
  max: number;
  /** Page size when MaxResults is absent; Infinity returns everything in one page. */
  defaultSize: number;
  /** Values above max are served as max instead of rejected (DescribeVpcEndpoints does this). */
  clamp?: boolean;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * Pages a stable list. The token encodes the offset and a fingerprint of the query, so a token reused with
 * another query is rejected like AWS does, rather than silently returning the wrong page.
 */
export function paginate<T>(
  all: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  limits: PageLimits,
  query: unknown,
  invalid: (message: string) => Error,
): Page<T> {
  if (maxResults !== undefined) {
    if (limits.clamp && Number.isInteger(maxResults) && maxResults > limits.max) maxResults = limits.max;
    if (!Number.isInteger(maxResults) || maxResults < limits.min || maxResults > limits.max) {
      throw invalid(
        `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`,
      );
    }
  }
  const fingerprint = hashString(JSON.stringify(query ?? null));
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = decodeToken(nextToken);
    if (!decoded || decoded.fingerprint !== fingerprint || decoded.offset > all.length) {
      throw invalid(`The token '${nextToken}' is invalid or does not belong to this request.`);
    }
    offset = decoded.offset;
  }
  const size = maxResults ?? limits.defaultSize;
  const end = Math.min(all.length, offset + size);
  const items = all.slice(offset, end);
  return end < all.length ? { items, nextToken: encodeToken(end, fingerprint) } : { items };
}

function encodeToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint }), 'utf8').toString('base64');
}

function decodeToken(token: string): { offset: number; fingerprint: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; f?: unknown };
    if (typeof parsed.o === 'number' && typeof parsed.f === 'string') {
      return { offset: parsed.o, fingerprint: parsed.f };
    }
  } catch {
    // fall through: an undecodable token is invalid
  }
  return undefined;
}

export function hashString(text: string): string {
  // FNV-1a, 32 bit: stable, fast, good enough to tell queries apart.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------- filters

export interface Filter {
  Name?: string;
  Values?: string[];
}

/** Tags as AWS returns them. */
export interface TagPair {
  Key: string;
  Value: string;
}

export type TagMap = Map<string, string>;

export function tagList(tags: TagMap): TagPair[] {
  return [...tags.entries()].map(([Key, Value]) => ({ Key, Value }));
}

/** EC2 filter values accept `*` and `?` wildcards. */
function wildcardMatch(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

/**
 * Applies EC2 filters: values within one filter are ORed, filters are ANDed. `fields` maps a filter name to the
 * resource's values for it; tag:<key> and tag-key are handled here. An unknown filter name is an error, not a
 * silent match.
 */
export function matchesFilters(
  filters: Filter[] | undefined,
  fields: Record<string, string | string[] | undefined>,
  tags: TagMap,
  operation: string,
): boolean {
  for (const filter of filters ?? []) {
    const name = filter.Name ?? '';
    const wanted = filter.Values ?? [];
    let actual: string[];
    if (name.startsWith('tag:')) {
      const value = tags.get(name.slice(4));
      actual = value === undefined ? [] : [value];
    } else if (name === 'tag-key') {
      actual = [...tags.keys()];
    } else if (name === 'tag-value') {
      actual = [...tags.values()];
    } else if (name in fields) {
      const v = fields[name];
      actual = v === undefined ? [] : Array.isArray(v) ? v : [v];
    } else {
      throw new UnsupportedOperationError(
        `simulated account does not implement filter ${JSON.stringify(name)} on ec2:${operation}`,
      );
    }
    if (!wanted.some((w) => actual.some((a) => wildcardMatch(w, a)))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------- ids and clock

/** Deterministic IDs that look like AWS's (17 hex digits), unique per account. */
export class IdFactory {
  private counter = 0;
  public constructor(private readonly seed: string) {}

  public next(prefix: string, hexDigits = 17): string {
    this.counter += 1;
    const tail = this.counter.toString(16).padStart(6, '0');
    const head =
      hashString(`${this.seed}/${prefix}/${this.counter}`) + hashString(`${this.counter}/${this.seed}`);
    return `${prefix}-${(head + tail).slice(-hexDigits).padStart(hexDigits, '0')}`;
  }

  public uuid(): string {
    this.counter += 1;
    const h = (s: string) => hashString(`${this.seed}/${s}/${this.counter}`);
    const hex = `${h('a')}${h('b')}${h('c')}${h('d')}`;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** The account's notion of now. It only moves when a test calls advance(); nothing uses timers. */
export class ManualClock {
  private current: number;
  public constructor(start: Date = new Date('2025-01-15T09:00:00.000Z')) {
    this.current = start.getTime();
  }
  public now(): Date {
    return new Date(this.current);
  }
  public advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock can only move forward, got ${ms} ms`);
    this.current += ms;
    return this.now();
  }
}

// ---------------------------------------------------------------------------------------------- IPv4

export interface Cidr {
  base: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((ip & mask) >>> 0 !== ip) return undefined;
  return { base: ip, prefix };
}

export function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.base >= outer.base &&
    inner.base + cidrSize(inner) <= outer.base + cidrSize(outer)
  );
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

export function isWrite(operation: string): boolean {
  return !/^(Describe|List|Get|BatchGet|Query|Scan)/.test(operation);
}

/**
 * Deep copy of plain data (objects, arrays, Dates, byte arrays). Unlike structuredClone it builds Dates in the
 * caller's realm, so `instanceof Date` holds inside jest's sandbox too.
 */
export function deepClone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || Object.prototype.toString.call(value) === '[object Date]') {
    return new Date((value as unknown as Date).getTime()) as T;
  }
  if (ArrayBuffer.isView(value)) return Uint8Array.from(value as unknown as Uint8Array) as T;
  if (Array.isArray(value)) return value.map((v) => deepClone(v)) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, deepClone(v)])) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) out[k] = deepClone(v);
  }
  return out as T;
}

/** The simulated services are the product's SDK clients; their one table is in shared/authz. */
export type SimService = ClientService;
export { CLIENT_SERVICE };
