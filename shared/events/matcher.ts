// An EventBridge event-pattern matcher that follows the user guide's content-filtering rules. moto's
// TestEventPattern is a stub and its rules cannot match through arrays of objects, so the tests and the
// CLI's `event` command use this to decide which of our rules an event matches.
//
// Semantics implemented (EventBridge user guide, "Event patterns" and "Content filtering"):
// - A pattern is an object; every key must match (AND). A leaf is an array of values; any may match (OR).
// - Exact values compare JSON scalars: strings case-sensitively, numbers numerically, booleans, null.
// - When the event value is an array, the leaf matches if any element matches. Arrays of objects are
//   flattened: a nested pattern key is evaluated against that key in every element of the array.
// - `exists: true` needs at least one leaf (scalar) value at the path; `exists: false` needs none. Objects
//   are not leaves, as in EventBridge.
// - `prefix`/`suffix` (string or {equals-ignore-case}), `equals-ignore-case`, `wildcard` (`*`, with `\*`
//   and `\\` escapes), `numeric` (one or two comparisons), `cidr` (IPv4), `anything-but` (scalar, list,
//   {prefix}, {suffix}, {equals-ignore-case}, {wildcard}). anything-but needs the field to be present and,
//   on an array, matches only when no element is excluded.
// - `$or` takes a list of sub-patterns; the object matches if any of them does (ANDed with sibling keys).
import { InvalidInputError } from '../errors';

export type EventPattern = { [key: string]: unknown };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Scalar = null | boolean | number | string;

/** One compiled leaf test against a single scalar value, or a presence test on the whole leaf set. */
type Test =
  | { kind: 'exact'; value: Scalar }
  | { kind: 'exists'; exists: boolean }
  | { kind: 'scalar'; test: (v: Scalar) => boolean }
  | { kind: 'anything-but'; excluded: (v: Scalar) => boolean };

interface CompiledObject {
  fields: Array<{ path: string[]; tests: Test[] }>;
  nested: Array<{ key: string; pattern: CompiledObject }>;
  or: CompiledObject[][];
}

export class InvalidPatternError extends InvalidInputError {
  public constructor(message: string, path: string[]) {
    super(`invalid event pattern at ${path.length ? path.join('.') : '(root)'}: ${message}`, {
      field: path.join('.'),
    });
    this.name = 'InvalidPattern';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function compileWildcard(pattern: string, path: string[]): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\')
        throw new InvalidPatternError('wildcard: "\\" must escape * or \\', path);
      source += next === '*' ? '\\*' : '\\\\';
      i++;
    } else if (ch === '*') {
      if (pattern[i + 1] === '*')
        throw new InvalidPatternError('wildcard: consecutive * are not allowed', path);
      source += '[\\s\\S]*';
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

function stringTest(operand: unknown, op: 'prefix' | 'suffix', path: string[]): (v: Scalar) => boolean {
  if (typeof operand === 'string') {
    return (v) => typeof v === 'string' && (op === 'prefix' ? v.startsWith(operand) : v.endsWith(operand));
  }
  if (
    isObject(operand) &&
    Object.keys(operand).length === 1 &&
    typeof operand['equals-ignore-case'] === 'string'
  ) {
    const want = (operand['equals-ignore-case'] as string).toLowerCase();
    return (v) =>
      typeof v === 'string' &&
      (op === 'prefix' ? v.toLowerCase().startsWith(want) : v.toLowerCase().endsWith(want));
  }
  throw new InvalidPatternError(`${op} takes a string or {"equals-ignore-case": string}`, path);
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericTest(operand: unknown, path: string[]): (v: Scalar) => boolean {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new InvalidPatternError('numeric takes one or two [operator, number] pairs', path);
  }
  const checks: Array<(v: number) => boolean> = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    const cmp = typeof op === 'string' ? NUMERIC_OPS[op] : undefined;
    if (!cmp || typeof bound !== 'number') {
      throw new InvalidPatternError(
        `numeric: ${JSON.stringify(op)} ${JSON.stringify(bound)} is not a comparison`,
        path,
      );
    }
    checks.push((v) => cmp(v, bound));
  }
  return (v) => typeof v === 'number' && checks.every((c) => c(v));
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function cidrTest(operand: unknown, path: string[]): (v: Scalar) => boolean {
  const m = typeof operand === 'string' ? /^([\d.]+)\/(\d{1,2})$/.exec(operand) : null;
  const base = m ? ipv4ToInt(m[1]!) : undefined;
  const bits = m ? Number(m[2]) : Number.NaN;
  if (base === undefined || !(bits >= 0 && bits <= 32)) {
    throw new InvalidPatternError('cidr takes an IPv4 CIDR such as "10.0.0.0/24"', path);
  }
  const size = 2 ** (32 - bits);
  const start = Math.floor(base / size) * size;
  return (v) => {
    const ip = typeof v === 'string' ? ipv4ToInt(v) : undefined;
    return ip !== undefined && ip >= start && ip < start + size;
  };
}

function sameScalar(a: Scalar, b: Scalar): boolean {
  return a === b;
}

function anythingButTest(operand: unknown, path: string[]): (v: Scalar) => boolean {
  if (isScalar(operand) && operand !== null && typeof operand !== 'boolean') {
    return (v) => sameScalar(v, operand);
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0 || !operand.every((x) => typeof x === 'string' || typeof x === 'number')) {
      throw new InvalidPatternError('anything-but list must hold strings or numbers', path);
    }
    return (v) => operand.some((x) => sameScalar(v, x as Scalar));
  }
  if (isObject(operand) && Object.keys(operand).length === 1) {
    const [key, inner] = Object.entries(operand)[0]!;
    switch (key) {
      case 'prefix':
      case 'suffix':
        if (typeof inner !== 'string')
          throw new InvalidPatternError(`anything-but ${key} takes a string`, path);
        return stringTest(inner, key, path);
      case 'equals-ignore-case': {
        const list = typeof inner === 'string' ? [inner] : inner;
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
          throw new InvalidPatternError(
            'anything-but equals-ignore-case takes a string or a list of strings',
            path,
          );
        }
        const lowered = new Set(list.map((x) => (x as string).toLowerCase()));
        return (v) => typeof v === 'string' && lowered.has(v.toLowerCase());
      }
      case 'wildcard': {
        if (typeof inner !== 'string')
          throw new InvalidPatternError('anything-but wildcard takes a string', path);
        const re = compileWildcard(inner, path);
        return (v) => typeof v === 'string' && re.test(v);
      }
      default:
        break;
    }
  }
  throw new InvalidPatternError(`unsupported anything-but operand ${JSON.stringify(operand)}`, path);
}

function compileTest(item: unknown, path: string[]): Test {
  if (isScalar(item)) return { kind: 'exact', value: item };
  if (!isObject(item) || Object.keys(item).length !== 1) {
    throw new InvalidPatternError(
      `match value ${JSON.stringify(item)} must be a scalar or one operator`,
      path,
    );
  }
  const [op, operand] = Object.entries(item)[0]!;
  switch (op) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidPatternError('exists takes true or false', path);
      return { kind: 'exists', exists: operand };
    case 'prefix':
    case 'suffix':
      return { kind: 'scalar', test: stringTest(operand, op, path) };
    case 'equals-ignore-case': {
      if (typeof operand !== 'string')
        throw new InvalidPatternError('equals-ignore-case takes a string', path);
      const want = operand.toLowerCase();
      return { kind: 'scalar', test: (v) => typeof v === 'string' && v.toLowerCase() === want };
    }
    case 'wildcard': {
      if (typeof operand !== 'string') throw new InvalidPatternError('wildcard takes a string', path);
      const re = compileWildcard(operand, path);
      return { kind: 'scalar', test: (v) => typeof v === 'string' && re.test(v) };
    }
    case 'numeric':
      return { kind: 'scalar', test: numericTest(operand, path) };
    case 'cidr':
      return { kind: 'scalar', test: cidrTest(operand, path) };
    case 'anything-but':
      return { kind: 'anything-but', excluded: anythingButTest(operand, path) };
    default:
      throw new InvalidPatternError(`unknown operator "${op}"`, path);
  }
}

function compileObject(pattern: Record<string, unknown>, path: string[]): CompiledObject {
  const compiled: CompiledObject = { fields: [], nested: [], or: [] };
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw new InvalidPatternError('a pattern object must not be empty', path);
  for (const key of keys) {
    const value = pattern[key];
    const here = [...path, key];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw new InvalidPatternError('$or takes a list of at least two pattern objects', here);
      }
      compiled.or.push(value.map((sub, i) => compileObject(sub, [...here, String(i)])));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new InvalidPatternError('a match list must not be empty', here);
      compiled.fields.push({ path: [key], tests: value.map((item) => compileTest(item, here)) });
    } else if (isObject(value)) {
      compiled.nested.push({ key, pattern: compileObject(value, here) });
    } else {
      throw new InvalidPatternError('each value must be a list of match values or a nested object', here);
    }
  }
  return compiled;
}

/** The scalar values at `key` of every object in `nodes`, descending into arrays (flattening). */
function childNodes(nodes: Json[], key: string): Json[] {
  const out: Json[] = [];
  const visit = (node: Json): void => {
    if (Array.isArray(node)) for (const el of node) visit(el);
    else if (isObject(node) && Object.hasOwn(node, key)) out.push(node[key] as Json);
  };
  for (const n of nodes) visit(n);
  return out;
}

function leaves(nodes: Json[]): Scalar[] {
  const out: Scalar[] = [];
  const visit = (node: Json): void => {
    if (Array.isArray(node)) for (const el of node) visit(el);
    else if (isScalar(node)) out.push(node);
  };
  for (const n of nodes) visit(n);
  return out;
}

function fieldMatches(tests: Test[], values: Scalar[]): boolean {
  return tests.some((t) => {
    switch (t.kind) {
      case 'exists':
        return t.exists ? values.length > 0 : values.length === 0;
      case 'exact':
        return values.some((v) => sameScalar(v, t.value));
      case 'scalar':
        return values.some((v) => t.test(v));
      case 'anything-but':
        return values.length > 0 && values.every((v) => !t.excluded(v));
    }
    return false;
  });
}

function objectMatches(pattern: CompiledObject, nodes: Json[]): boolean {
  for (const field of pattern.fields) {
    if (!fieldMatches(field.tests, leaves(childNodes(nodes, field.path[0]!)))) return false;
  }
  for (const nested of pattern.nested) {
    const children = childNodes(nodes, nested.key);
    if (!objectMatches(nested.pattern, children)) return false;
  }
  for (const alternatives of pattern.or) {
    if (!alternatives.some((alt) => objectMatches(alt, nodes))) return false;
  }
  return true;
}

/** A validated, reusable pattern. Throws InvalidPatternError naming the path of the first problem. */
export function compilePattern(pattern: unknown): (event: unknown) => boolean {
  if (!isObject(pattern)) throw new InvalidPatternError('a pattern must be a JSON object', []);
  const compiled = compileObject(pattern, []);
  return (event) => objectMatches(compiled, [event as Json]);
}

/** True when `event` matches the EventBridge `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return compilePattern(pattern)(event);
}
