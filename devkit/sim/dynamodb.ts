// Simulated DynamoDB: tables keyed by a partition key (and optional sort key), item operations with
// condition, update, key-condition and filter expressions. The expression subset is parsed for real;
// anything outside it raises UnsupportedOperation instead of being ignored.

import type {
  BatchGetItemInput,
  BatchGetItemOutput,
  BatchWriteItemInput,
  BatchWriteItemOutput,
  CreateTableInput,
  CreateTableOutput,
  DeleteItemInput,
  DeleteItemOutput,
  DescribeTableInput,
  DescribeTableOutput,
  GetItemInput,
  GetItemOutput,
  PutItemInput,
  PutItemOutput,
  QueryInput,
  QueryOutput,
  TableDescription,
  UpdateItemInput,
  UpdateItemOutput,
} from '@aws-sdk/client-dynamodb';
import * as ddbsdk from '@aws-sdk/client-dynamodb';
import { deepClone, type HandlerMap, op, serviceErrors, UnsupportedOperationError } from './core';
import type { AttributeValue, Item, SimState, SimTable } from './state';

export const { error: dynamodbError, throttle: dynamodbThrottle } = serviceErrors(
  ddbsdk,
  ddbsdk.DynamoDBServiceException,
  {
    serverError: 'InternalServerError',
    throttle: {
      name: 'ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
      status: 400,
    },
  },
);

const validation = (message: string) => dynamodbError('ValidationException', message);

// ------------------------------------------------------------------------------------------ expressions

type Token = { kind: 'name' | 'value' | 'ident' | 'op' | 'punct' | 'kw'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|<>|<=|>=|[=<>(),+-]|[A-Za-z_][A-Za-z0-9_]*|\S)/y;
  re.lastIndex = 0;
  while (text.slice(re.lastIndex).trim() !== '') {
    const m = re.exec(text);
    if (!m) throw new UnsupportedOperationError(`simulated DynamoDB cannot parse expression: ${text}`);
    const t = m[1]!;
    if (t.startsWith('#')) tokens.push({ kind: 'name', text: t });
    else if (t.startsWith(':')) tokens.push({ kind: 'value', text: t });
    else if (['=', '<>', '<', '<=', '>', '>='].includes(t)) tokens.push({ kind: 'op', text: t });
    else if (['(', ')', ',', '+', '-'].includes(t)) tokens.push({ kind: 'punct', text: t });
    else if (/^[A-Za-z_]/.test(t)) {
      const upper = t.toUpperCase();
      const keyword = ['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE'].includes(upper);
      tokens.push(keyword ? { kind: 'kw', text: upper } : { kind: 'ident', text: t });
    } else {
      throw new UnsupportedOperationError(`simulated DynamoDB cannot parse "${t}" in expression: ${text}`);
    }
  }
  return tokens;
}

type Operand = { kind: 'path'; name: string } | { kind: 'value'; value: AttributeValue };
type Cond =
  | { kind: 'and' | 'or'; left: Cond; right: Cond }
  | { kind: 'not'; inner: Cond }
  | { kind: 'cmp'; op: string; left: Operand; right: Operand }
  | { kind: 'between'; subject: Operand; low: Operand; high: Operand }
  | { kind: 'fn'; name: 'attribute_exists' | 'attribute_not_exists' | 'begins_with'; args: Operand[] };

interface ExprContext {
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  source: string;
}

class Parser {
  private pos = 0;
  public constructor(
    private readonly tokens: Token[],
    private readonly ctx: ExprContext,
  ) {}

  public done(): boolean {
    return this.pos >= this.tokens.length;
  }
  public peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  public next(): Token {
    const t = this.tokens[this.pos];
    if (!t) throw validation(`Invalid expression: unexpected end of expression: ${this.ctx.source}`);
    this.pos += 1;
    return t;
  }
  public expect(text: string): void {
    const t = this.next();
    if (t.text !== text)
      throw validation(`Invalid expression: expected "${text}" near "${t.text}": ${this.ctx.source}`);
  }

  public condition(): Cond {
    let left = this.conjunction();
    while (this.peek()?.text === 'OR') {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }
  private conjunction(): Cond {
    let left = this.negation();
    while (this.peek()?.text === 'AND') {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }
  private negation(): Cond {
    if (this.peek()?.text === 'NOT') {
      this.next();
      return { kind: 'not', inner: this.negation() };
    }
    return this.primary();
  }
  private primary(): Cond {
    const t = this.peek();
    if (t?.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    if (t?.kind === 'ident' && this.tokens[this.pos + 1]?.text === '(') {
      const name = this.next().text;
      if (name !== 'attribute_exists' && name !== 'attribute_not_exists' && name !== 'begins_with') {
        throw new UnsupportedOperationError(
          `simulated DynamoDB does not implement function ${name}() in: ${this.ctx.source}`,
        );
      }
      this.expect('(');
      const args = [this.operand()];
      while (this.peek()?.text === ',') {
        this.next();
        args.push(this.operand());
      }
      this.expect(')');
      const arity = name === 'begins_with' ? 2 : 1;
      if (args.length !== arity)
        throw validation(`Invalid ConditionExpression: Incorrect number of operands for ${name}`);
      return { kind: 'fn', name, args };
    }
    const left = this.operand();
    const op = this.next();
    if (op.text === 'BETWEEN') {
      const low = this.operand();
      this.expect('AND');
      return { kind: 'between', subject: left, low, high: this.operand() };
    }
    if (op.text === 'IN')
      throw new UnsupportedOperationError(`simulated DynamoDB does not implement IN in: ${this.ctx.source}`);
    if (op.kind !== 'op')
      throw validation(`Invalid expression: syntax error near "${op.text}": ${this.ctx.source}`);
    return { kind: 'cmp', op: op.text, left, right: this.operand() };
  }

  public operand(): Operand {
    const t = this.next();
    if (t.kind === 'name') {
      const name = this.ctx.names[t.text];
      if (name === undefined) {
        throw validation(
          `Value provided in ExpressionAttributeNames unused in expressions or undefined: ${t.text}`,
        );
      }
      return this.pathTail({ kind: 'path', name });
    }
    if (t.kind === 'value') {
      const value = this.ctx.values[t.text];
      if (value === undefined) {
        throw validation(
          `Invalid expression: An expression attribute value used in expression is not defined; attribute value: ${t.text}`,
        );
      }
      return { kind: 'value', value };
    }
    if (t.kind === 'ident') {
      if (RESERVED.has(t.text.toUpperCase())) {
        throw validation(
          `Invalid expression: Attribute name is a reserved keyword; reserved keyword: ${t.text}`,
        );
      }
      return this.pathTail({ kind: 'path', name: t.text });
    }
    throw validation(`Invalid expression: syntax error near "${t.text}": ${this.ctx.source}`);
  }
  private pathTail(path: Operand): Operand {
    const t = this.peek();
    if (t && (t.text === '.' || t.text === '[')) {
      throw new UnsupportedOperationError(
        `simulated DynamoDB only supports top-level attributes in: ${this.ctx.source}`,
      );
    }
    return path;
  }
}

/** A few of DynamoDB's reserved words that callers are likely to trip over. */
const RESERVED = new Set([
  'STATUS',
  'NAME',
  'DATA',
  'TTL',
  'KEY',
  'VALUE',
  'TIMESTAMP',
  'DATE',
  'COUNT',
  'SIZE',
  'TYPE',
  'USER',
]);

function typeOf(v: AttributeValue): string {
  return Object.keys(v)[0] ?? '';
}

function equal(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  if (typeOf(a) !== typeOf(b)) return false;
  if (typeOf(a) === 'N') return Number(a.N) === Number(b.N);
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (!a || !b || typeOf(a) !== typeOf(b)) return undefined;
  if (typeOf(a) === 'N') return Math.sign(Number(a.N) - Number(b.N));
  if (typeOf(a) === 'S') return a.S === b.S ? 0 : String(a.S) < String(b.S) ? -1 : 1;
  return undefined;
}

function resolve(o: Operand, item: Item): AttributeValue | undefined {
  return o.kind === 'value' ? o.value : item[o.name];
}

function evaluate(c: Cond, item: Item): boolean {
  switch (c.kind) {
    case 'and':
      return evaluate(c.left, item) && evaluate(c.right, item);
    case 'or':
      return evaluate(c.left, item) || evaluate(c.right, item);
    case 'not':
      return !evaluate(c.inner, item);
    case 'between': {
      const v = resolve(c.subject, item);
      const lo = compare(v, resolve(c.low, item));
      const hi = compare(v, resolve(c.high, item));
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case 'fn': {
      const [first, second] = c.args;
      if (c.name === 'attribute_exists') return first!.kind === 'path' && item[first!.name] !== undefined;
      if (c.name === 'attribute_not_exists') return first!.kind === 'path' && item[first!.name] === undefined;
      const v = resolve(first!, item);
      const prefix = resolve(second!, item);
      return (
        !!v &&
        !!prefix &&
        typeOf(v) === 'S' &&
        typeOf(prefix) === 'S' &&
        String(v.S).startsWith(String(prefix.S))
      );
    }
    case 'cmp': {
      const l = resolve(c.left, item);
      const r = resolve(c.right, item);
      if (c.op === '=') return equal(l, r);
      if (c.op === '<>') return !!l && !!r && !equal(l, r);
      const d = compare(l, r);
      if (d === undefined) return false;
      return c.op === '<' ? d < 0 : c.op === '<=' ? d <= 0 : c.op === '>' ? d > 0 : d >= 0;
    }
  }
}

function context(
  input: {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  },
  source: string,
): ExprContext {
  return {
    names: input.ExpressionAttributeNames ?? {},
    values: (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>,
    source,
  };
}

function parseCondition(text: string, ctx: ExprContext): Cond {
  const parser = new Parser(tokenize(text), ctx);
  const cond = parser.condition();
  if (!parser.done())
    throw validation(`Invalid expression: syntax error near "${parser.peek()?.text}": ${text}`);
  return cond;
}

type UpdateAction =
  | {
      kind: 'set';
      target: string;
      value: { op?: '+' | '-'; left: Operand | { ifNotExists: [string, Operand] }; right?: Operand };
    }
  | { kind: 'remove'; target: string };

function parseUpdate(text: string, ctx: ExprContext): UpdateAction[] {
  const parser = new Parser(tokenize(text), ctx);
  const actions: UpdateAction[] = [];
  const pathName = () => {
    const o = parser.operand();
    if (o.kind !== 'path')
      throw validation(`Invalid UpdateExpression: the target must be an attribute: ${text}`);
    return o.name;
  };
  while (!parser.done()) {
    const clause = parser.next();
    if (clause.text === 'SET') {
      do {
        const target = pathName();
        parser.expect('=');
        let left: Operand | { ifNotExists: [string, Operand] };
        const t = parser.peek();
        if (t?.kind === 'ident' && t.text === 'if_not_exists') {
          parser.next();
          parser.expect('(');
          const path = pathName();
          parser.expect(',');
          const fallback = parser.operand();
          parser.expect(')');
          left = { ifNotExists: [path, fallback] };
        } else if (t?.kind === 'ident' && parserIsFunction(t.text)) {
          throw new UnsupportedOperationError(
            `simulated DynamoDB does not implement ${t.text}() in: ${text}`,
          );
        } else {
          left = parser.operand();
        }
        const op = parser.peek();
        if (op?.text === '+' || op?.text === '-') {
          parser.next();
          actions.push({ kind: 'set', target, value: { op: op.text, left, right: parser.operand() } });
        } else {
          actions.push({ kind: 'set', target, value: { left } });
        }
      } while (parser.peek()?.text === ',' && parser.next());
    } else if (clause.text === 'REMOVE') {
      do {
        actions.push({ kind: 'remove', target: pathName() });
      } while (parser.peek()?.text === ',' && parser.next());
    } else if (clause.text === 'ADD' || clause.text === 'DELETE') {
      throw new UnsupportedOperationError(
        `simulated DynamoDB does not implement ${clause.text} in UpdateExpression: ${text}`,
      );
    } else {
      throw validation(`Invalid UpdateExpression: Syntax error; token: "${clause.text}": ${text}`);
    }
  }
  if (actions.length === 0) throw validation('Invalid UpdateExpression: The expression can not be empty');
  return actions;
}

function parserIsFunction(name: string): boolean {
  return ['list_append', 'size', 'contains', 'attribute_type'].includes(name);
}

function applyUpdate(actions: UpdateAction[], item: Item): Item {
  const next: Item = deepClone(item);
  const seen = new Set<string>();
  for (const a of actions) {
    if (seen.has(a.target)) {
      throw validation(
        `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${a.target}]`,
      );
    }
    seen.add(a.target);
    if (a.kind === 'remove') {
      delete next[a.target];
      continue;
    }
    const leftValue =
      'ifNotExists' in a.value.left
        ? (item[a.value.left.ifNotExists[0]] ?? resolve(a.value.left.ifNotExists[1], item))
        : resolve(a.value.left, item);
    if (!leftValue)
      throw validation('The provided expression refers to an attribute that does not exist in the item');
    if (!a.value.op) {
      next[a.target] = deepClone(leftValue);
      continue;
    }
    const rightValue = resolve(a.value.right!, item);
    if (typeOf(leftValue) !== 'N' || !rightValue || typeOf(rightValue) !== 'N') {
      throw validation('An operand in the update expression has an incorrect data type');
    }
    const n = Number(leftValue.N) + (a.value.op === '+' ? 1 : -1) * Number(rightValue.N);
    next[a.target] = { N: String(n) };
  }
  return next;
}

// ------------------------------------------------------------------------------------------ handlers

/** DynamoDB's item size: attribute names plus values, in UTF-8 bytes (numbers approximated by their digits). */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;

export function itemSizeBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'boolean' || typeof value === 'number') return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + itemSizeBytes(v), 0);
  let n = 0;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    // Type tags (S, N, M, L...) are not counted; attribute names are.
    n += /^(S|N|B|BOOL|NULL|M|L|SS|NS|BS)$/.test(k)
      ? itemSizeBytes(v)
      : Buffer.byteLength(k) + itemSizeBytes(v);
  }
  return n;
}

function checkItemSize(item: Item): void {
  if (itemSizeBytes(item) > DYNAMODB_ITEM_LIMIT_BYTES) {
    throw validation('Item size has exceeded the maximum allowed size');
  }
}

export function dynamodbHandlers(state: SimState): HandlerMap {
  function table(name: string | undefined): SimTable {
    const t = name ? state.tables.get(name) : undefined;
    if (!t) throw dynamodbError('ResourceNotFoundException', 'Requested resource not found');
    return t;
  }
  function keyOf(t: SimTable, source: Item | undefined, what: 'key' | 'item'): string {
    if (!source) throw validation('The provided key element does not match the schema');
    const names = [t.partitionKey, ...(t.sortKey ? [t.sortKey] : [])];
    if (what === 'key' && Object.keys(source).length !== names.length) {
      throw validation('The provided key element does not match the schema');
    }
    const parts = names.map((n) => {
      const v = source[n];
      if (!v || typeOf(v) !== t.attributeTypes[n]) {
        throw validation(
          what === 'item'
            ? `One or more parameter values were invalid: Missing the key ${n} in the item`
            : 'The provided key element does not match the schema',
        );
      }
      if (v.S === '') {
        throw validation(
          `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${n}`,
        );
      }
      return v;
    });
    return JSON.stringify(parts);
  }
  function checkCondition(
    input: {
      ConditionExpression?: string;
      Expected?: unknown;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
      ReturnValuesOnConditionCheckFailure?: string;
    },
    existing: Item | undefined,
  ): void {
    if (input.Expected)
      throw new UnsupportedOperationError(
        'simulated DynamoDB does not implement the legacy Expected parameter',
      );
    if (!input.ConditionExpression) return;
    const cond = parseCondition(input.ConditionExpression, context(input, input.ConditionExpression));
    if (!evaluate(cond, existing ?? {})) {
      const members =
        input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing
          ? { Item: deepClone(existing) }
          : {};
      throw dynamodbError('ConditionalCheckFailedException', 'The conditional request failed', members);
    }
  }
  function project(
    item: Item,
    projection: string | undefined,
    names: Record<string, string> | undefined,
  ): Item {
    if (!projection) return deepClone(item);
    const out: Item = {};
    for (const raw of projection.split(',').map((p) => p.trim())) {
      if (/[.[]/.test(raw))
        throw new UnsupportedOperationError(
          `simulated DynamoDB only projects top-level attributes: ${projection}`,
        );
      const name = raw.startsWith('#') ? names?.[raw] : raw;
      if (name === undefined) throw validation(`ExpressionAttributeNames does not define ${raw}`);
      if (item[name] !== undefined) out[name] = deepClone(item[name]!);
    }
    return out;
  }
  function describe(t: SimTable): TableDescription {
    return {
      TableName: t.name,
      TableArn: t.arn,
      TableStatus: 'ACTIVE',
      CreationDateTime: new Date(t.created.getTime()),
      KeySchema: [
        { AttributeName: t.partitionKey, KeyType: 'HASH' },
        ...(t.sortKey ? [{ AttributeName: t.sortKey, KeyType: 'RANGE' as const }] : []),
      ],
      AttributeDefinitions: Object.entries(t.attributeTypes).map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType: AttributeType as 'S' | 'N' | 'B',
      })),
      ItemCount: t.items.size,
      TableSizeBytes: 0,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      TableId: `${t.name}-${t.created.getTime()}`,
    };
  }

  return {
    CreateTable: op<CreateTableInput, CreateTableOutput>((input) => {
      const name = input.TableName ?? '';
      if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name))
        throw validation(`TableName must be 3 to 255 characters of a-z, A-Z, 0-9, _, - and .`);
      if (state.tables.has(name))
        throw dynamodbError('ResourceInUseException', `Table already exists: ${name}`);
      const hash = input.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
      const range = input.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
      if (!hash) throw validation('1 validation error detected: KeySchema must contain a HASH key');
      const types: Record<string, string> = {};
      for (const d of input.AttributeDefinitions ?? []) types[d.AttributeName!] = d.AttributeType!;
      for (const k of [hash, range].filter(Boolean) as string[]) {
        if (!types[k])
          throw validation(
            `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${k}]`,
          );
      }
      if (input.GlobalSecondaryIndexes?.length || input.LocalSecondaryIndexes?.length) {
        throw new UnsupportedOperationError('simulated DynamoDB does not implement secondary indexes');
      }
      const t: SimTable = {
        name,
        arn: `arn:aws:dynamodb:${state.region}:${state.accountId}:table/${name}`,
        partitionKey: hash,
        ...(range ? { sortKey: range } : {}),
        attributeTypes: types,
        items: new Map(),
        created: state.clock.now(),
      };
      state.tables.set(name, t);
      return { TableDescription: describe(t) };
    }),
    DescribeTable: op<DescribeTableInput, DescribeTableOutput>((input) => ({
      Table: describe(table(input.TableName)),
    })),
    GetItem: op<GetItemInput, GetItemOutput>((input) => {
      const t = table(input.TableName);
      const item = t.items.get(keyOf(t, input.Key as unknown as Item, 'key'));
      return item
        ? {
            Item: project(
              item,
              input.ProjectionExpression,
              input.ExpressionAttributeNames,
            ) as unknown as GetItemOutput['Item'],
          }
        : {};
    }),
    PutItem: op<PutItemInput, PutItemOutput>((input) => {
      const t = table(input.TableName);
      const item = input.Item as unknown as Item;
      const key = keyOf(t, item, 'item');
      checkItemSize(item);
      const existing = t.items.get(key);
      checkCondition(input, existing);
      t.items.set(key, deepClone(item));
      return input.ReturnValues === 'ALL_OLD' && existing
        ? { Attributes: existing as unknown as PutItemOutput['Attributes'] }
        : {};
    }),
    DeleteItem: op<DeleteItemInput, DeleteItemOutput>((input) => {
      const t = table(input.TableName);
      const key = keyOf(t, input.Key as unknown as Item, 'key');
      const existing = t.items.get(key);
      checkCondition(input, existing);
      t.items.delete(key);
      return input.ReturnValues === 'ALL_OLD' && existing
        ? { Attributes: existing as unknown as DeleteItemOutput['Attributes'] }
        : {};
    }),
    UpdateItem: op<UpdateItemInput, UpdateItemOutput>((input) => {
      const t = table(input.TableName);
      if (input.AttributeUpdates)
        throw new UnsupportedOperationError('simulated DynamoDB does not implement legacy AttributeUpdates');
      if (!input.UpdateExpression)
        throw new UnsupportedOperationError('simulated DynamoDB needs an UpdateExpression');
      const keyItem = input.Key as unknown as Item;
      const key = keyOf(t, keyItem, 'key');
      const existing = t.items.get(key);
      checkCondition(input, existing);
      const actions = parseUpdate(input.UpdateExpression, context(input, input.UpdateExpression));
      for (const a of actions) {
        if (a.target === t.partitionKey || a.target === t.sortKey) {
          throw validation(
            `One or more parameter values were invalid: Cannot update attribute ${a.target}. This attribute is part of the key`,
          );
        }
      }
      const updated = applyUpdate(actions, existing ?? deepClone(keyItem));
      checkItemSize(updated);
      t.items.set(key, updated);
      const targets = actions.map((a) => a.target);
      const pick = (item: Item | undefined) =>
        Object.fromEntries(
          Object.entries(item ?? {}).filter(([k]) => targets.includes(k)),
        ) as unknown as UpdateItemOutput['Attributes'];
      switch (input.ReturnValues ?? 'NONE') {
        case 'ALL_NEW':
          return { Attributes: updated as unknown as UpdateItemOutput['Attributes'] };
        case 'ALL_OLD':
          return existing ? { Attributes: existing as unknown as UpdateItemOutput['Attributes'] } : {};
        case 'UPDATED_NEW':
          return { Attributes: pick(updated) };
        case 'UPDATED_OLD':
          return existing ? { Attributes: pick(existing) } : {};
        default:
          return {};
      }
    }),
    BatchWriteItem: op<BatchWriteItemInput, BatchWriteItemOutput>((input) => {
      const requests = Object.entries(input.RequestItems ?? {});
      const total = requests.reduce((n, [, r]) => n + r.length, 0);
      if (total === 0 || total > 25) {
        throw validation(
          `1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length between 1 and 25`,
        );
      }
      // Validate the whole batch first: a malformed batch writes nothing.
      const planned: Array<() => void> = [];
      const keys = new Set<string>();
      for (const [name, writes] of requests) {
        const t = table(name);
        for (const w of writes) {
          if (w.PutRequest) {
            const item = w.PutRequest.Item as unknown as Item;
            const key = keyOf(t, item, 'item');
            checkItemSize(item);
            if (keys.has(`${name}/${key}`))
              throw validation('Provided list of item keys contains duplicates');
            keys.add(`${name}/${key}`);
            planned.push(() => t.items.set(key, deepClone(item)));
          } else if (w.DeleteRequest) {
            const key = keyOf(t, w.DeleteRequest.Key as unknown as Item, 'key');
            if (keys.has(`${name}/${key}`))
              throw validation('Provided list of item keys contains duplicates');
            keys.add(`${name}/${key}`);
            planned.push(() => t.items.delete(key));
          } else {
            throw validation(
              'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
            );
          }
        }
      }
      for (const apply of planned) apply();
      return { UnprocessedItems: {} };
    }),
    BatchGetItem: op<BatchGetItemInput, BatchGetItemOutput>((input) => {
      const requests = Object.entries(input.RequestItems ?? {});
      const total = requests.reduce((n, [, r]) => n + (r.Keys?.length ?? 0), 0);
      if (total === 0 || total > 100) throw validation('Too many items requested for the BatchGetItem call');
      const Responses: NonNullable<BatchGetItemOutput['Responses']> = {};
      for (const [name, request] of requests) {
        const t = table(name);
        const seen = new Set<string>();
        const found: Item[] = [];
        for (const k of request.Keys ?? []) {
          const key = keyOf(t, k as unknown as Item, 'key');
          if (seen.has(key)) throw validation('Provided list of item keys contains duplicates');
          seen.add(key);
          const item = t.items.get(key);
          if (item) found.push(project(item, request.ProjectionExpression, request.ExpressionAttributeNames));
        }
        Responses[name] = found as unknown as NonNullable<BatchGetItemOutput['Responses']>[string];
      }
      return { Responses, UnprocessedKeys: {} };
    }),
    Query: op<QueryInput, QueryOutput>((input) => {
      const t = table(input.TableName);
      if (input.IndexName)
        throw new UnsupportedOperationError('simulated DynamoDB does not implement secondary indexes');
      if (input.KeyConditions || input.QueryFilter)
        throw new UnsupportedOperationError('simulated DynamoDB does not implement legacy KeyConditions');
      if (!input.KeyConditionExpression)
        throw validation(
          'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
        );
      const ctx = context(input, input.KeyConditionExpression);
      const keyCond = parseCondition(input.KeyConditionExpression, ctx);
      const conjuncts: Cond[] = [];
      const flatten = (c: Cond): void => {
        if (c.kind === 'and') {
          flatten(c.left);
          flatten(c.right);
        } else conjuncts.push(c);
      };
      flatten(keyCond);
      const onPartition = conjuncts.filter(
        (c) =>
          c.kind === 'cmp' &&
          c.op === '=' &&
          c.left.kind === 'path' &&
          c.left.name === t.partitionKey &&
          c.right.kind === 'value',
      );
      if (onPartition.length !== 1 || conjuncts.length > 2) {
        throw validation(
          'Query condition missed key schema element: the KeyConditionExpression must test the partition key with =',
        );
      }
      for (const c of conjuncts) {
        const operands =
          c.kind === 'cmp'
            ? [c.left, c.right]
            : c.kind === 'fn' || c.kind === 'between'
              ? c.kind === 'fn'
                ? c.args
                : [c.subject, c.low, c.high]
              : [];
        const keyName = operands.find((o) => o.kind === 'path')?.name;
        const empty = operands.some((o) => o.kind === 'value' && o.value.S === '');
        if (keyName && empty) {
          throw validation(
            `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${keyName}`,
          );
        }
      }
      const filter = input.FilterExpression
        ? parseCondition(input.FilterExpression, context(input, input.FilterExpression))
        : undefined;
      let matches = [...t.items.values()].filter((item) => evaluate(keyCond, item));
      if (t.sortKey) {
        const sk = t.sortKey;
        matches.sort((a, b) => compare(a[sk], b[sk]) ?? 0);
      }
      if (input.ScanIndexForward === false) matches = matches.reverse();
      if (input.ExclusiveStartKey) {
        const startKey = keyOf(t, input.ExclusiveStartKey as unknown as Item, 'key');
        const index = matches.findIndex((item) => keyOf(t, item, 'item') === startKey);
        matches = index >= 0 ? matches.slice(index + 1) : [];
      }
      if (input.Limit !== undefined && (!Number.isInteger(input.Limit) || input.Limit < 1)) {
        throw validation(
          "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        );
      }
      const evaluated = input.Limit !== undefined ? matches.slice(0, input.Limit) : matches;
      const more = input.Limit !== undefined && matches.length > input.Limit;
      const items = filter ? evaluated.filter((item) => evaluate(filter, item)) : evaluated;
      const last = evaluated[evaluated.length - 1];
      const lastKey =
        more && last
          ? Object.fromEntries([t.partitionKey, ...(t.sortKey ? [t.sortKey] : [])].map((k) => [k, last[k]]))
          : undefined;
      return {
        ...(input.Select === 'COUNT'
          ? {}
          : {
              Items: items.map((i) =>
                project(i, input.ProjectionExpression, input.ExpressionAttributeNames),
              ) as unknown as QueryOutput['Items'],
            }),
        Count: items.length,
        ScannedCount: evaluated.length,
        ...(lastKey ? { LastEvaluatedKey: lastKey as unknown as QueryOutput['LastEvaluatedKey'] } : {}),
      };
    }),
  };
}
