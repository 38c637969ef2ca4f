// Simulated DynamoDB, cut to what the product sends: tables keyed by one string partition key; GetItem, PutItem,
// DeleteItem, UpdateItem (SET only), BatchGetItem (keys), BatchWriteItem (puts) and Scan (pages by Limit and
// DynamoDB's 1 MB, resumed with ExclusiveStartKey); condition expressions built from OR, AND, parentheses,
// attribute_exists, attribute_not_exists, = and <. Those are the workflow state store's calls
// (shared/workflow/store.ts), the per-VPC lock's (shared/events/lock.ts), Powertools idempotency's
// (DynamoDBPersistenceLayer) and the organization roll-up's (shared/org/rollup.ts). Any other operation,
// parameter or expression raises UnsupportedOperation instead of being ignored.

import type {
  BatchGetItemInput,
  BatchGetItemOutput,
  BatchWriteItemInput,
  BatchWriteItemOutput,
  CreateTableInput,
  CreateTableOutput,
  DeleteItemInput,
  DeleteItemOutput,
  GetItemInput,
  GetItemOutput,
  PutItemInput,
  PutItemOutput,
  ScanInput,
  ScanOutput,
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
const unsupported = (what: string) =>
  new UnsupportedOperationError(`simulated DynamoDB does not implement ${what}`);

/** Refuses any parameter outside `allowed`, so a caller relying on one this simulator ignores finds out. */
function onlyParameters(operation: string, input: object, allowed: readonly string[]): void {
  const extra = Object.entries(input).find(([name, value]) => value !== undefined && !allowed.includes(name));
  if (extra) throw unsupported(`${extra[0]} on ${operation}`);
}

// ------------------------------------------------------------------------------------------ expressions

type Token = { kind: 'name' | 'value' | 'ident' | 'op' | 'punct' | 'kw'; text: string };

/** Keywords that have a meaning in DynamoDB expressions but not here. */
const UNSUPPORTED_KEYWORDS = ['NOT', 'BETWEEN', 'IN', 'REMOVE', 'ADD', 'DELETE'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|<>|<=|>=|[=<>(),+-]|[A-Za-z_][A-Za-z0-9_]*|\S)/y;
  while (text.slice(re.lastIndex).trim() !== '') {
    const m = re.exec(text);
    if (!m) throw new UnsupportedOperationError(`simulated DynamoDB cannot parse expression: ${text}`);
    const t = m[1]!;
    const upper = t.toUpperCase();
    if (t.startsWith('#')) tokens.push({ kind: 'name', text: t });
    else if (t.startsWith(':')) tokens.push({ kind: 'value', text: t });
    else if (t === '=' || t === '<') tokens.push({ kind: 'op', text: t });
    else if (['(', ')', ','].includes(t)) tokens.push({ kind: 'punct', text: t });
    else if (UNSUPPORTED_KEYWORDS.includes(upper)) throw unsupported(`${upper} in: ${text}`);
    else if (['AND', 'OR', 'SET'].includes(upper)) tokens.push({ kind: 'kw', text: upper });
    else if (/^[A-Za-z_]/.test(t)) tokens.push({ kind: 'ident', text: t });
    else throw unsupported(`"${t}" in: ${text}`);
  }
  return tokens;
}

type Operand = { kind: 'path'; name: string } | { kind: 'value'; value: AttributeValue };
type Cond =
  | { kind: 'and' | 'or'; left: Cond; right: Cond }
  | { kind: 'cmp'; op: '=' | '<'; left: Operand; right: Operand }
  | { kind: 'fn'; name: 'attribute_exists' | 'attribute_not_exists'; path: string };

interface ExprContext {
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  source: string;
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

class Parser {
  private pos = 0;
  public constructor(
    private readonly tokens: Token[],
    private readonly ctx: ExprContext,
  ) {}

  public done(): boolean {
    return this.pos >= this.tokens.length;
  }
  public peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
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
    let left = this.primary();
    while (this.peek()?.text === 'AND') {
      this.next();
      left = { kind: 'and', left, right: this.primary() };
    }
    return left;
  }
  private primary(): Cond {
    if (this.peek()?.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    const fn = this.functionName();
    if (fn) {
      if (fn !== 'attribute_exists' && fn !== 'attribute_not_exists')
        throw unsupported(`${fn}() in: ${this.ctx.source}`);
      this.expect('(');
      const path = this.path();
      if (this.peek()?.text !== ')')
        throw validation(`Invalid ConditionExpression: Incorrect number of operands for ${fn}`);
      this.next();
      return { kind: 'fn', name: fn, path };
    }
    const left = this.operand();
    const op = this.next();
    if (op.kind !== 'op')
      throw validation(`Invalid expression: syntax error near "${op.text}": ${this.ctx.source}`);
    return { kind: 'cmp', op: op.text as '=' | '<', left, right: this.operand() };
  }

  /** The name of the function called at this point, consumed, or undefined when none is. */
  public functionName(): string | undefined {
    if (this.peek()?.kind !== 'ident' || this.peek(1)?.text !== '(') return undefined;
    return this.next().text;
  }

  public path(): string {
    const o = this.operand();
    if (o.kind !== 'path')
      throw validation(`Invalid expression: an attribute is expected: ${this.ctx.source}`);
    return o.name;
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
      return { kind: 'path', name };
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
      return { kind: 'path', name: t.text };
    }
    throw validation(`Invalid expression: syntax error near "${t.text}": ${this.ctx.source}`);
  }
}

function typeOf(v: AttributeValue): string {
  return Object.keys(v)[0] ?? '';
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
    case 'fn':
      return (item[c.path] !== undefined) === (c.name === 'attribute_exists');
    case 'cmp': {
      const l = resolve(c.left, item);
      const r = resolve(c.right, item);
      if (!l || !r || typeOf(l) !== typeOf(r)) return false;
      if (typeOf(l) === 'N') return c.op === '=' ? Number(l.N) === Number(r.N) : Number(l.N) < Number(r.N);
      if (c.op === '=') return JSON.stringify(l) === JSON.stringify(r);
      return typeOf(l) === 'S' && String(l.S) < String(r.S);
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

/** `SET a = :v, #b = :w`: the attributes set and their new values. */
function parseUpdate(text: string, ctx: ExprContext): Array<{ target: string; value: Operand }> {
  const parser = new Parser(tokenize(text), ctx);
  const clause = parser.next();
  if (clause.text !== 'SET')
    throw validation(`Invalid UpdateExpression: Syntax error; token: "${clause.text}": ${text}`);
  const actions: Array<{ target: string; value: Operand }> = [];
  do {
    const target = parser.path();
    parser.expect('=');
    const fn = parser.functionName();
    if (fn) throw unsupported(`${fn}() in UpdateExpression: ${text}`);
    actions.push({ target, value: parser.operand() });
  } while (parser.peek()?.text === ',' && parser.next());
  if (!parser.done()) throw unsupported(`"${parser.peek()?.text}" in UpdateExpression: ${text}`);
  return actions;
}

// ------------------------------------------------------------------------------------------ handlers

/** DynamoDB's item size: attribute names plus values, in UTF-8 bytes (numbers approximated by their digits). */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;
/** A Scan page stops once it has read this much (DynamoDB's 1 MB), or at Limit items. */
export const DYNAMODB_SCAN_PAGE_BYTES = 1024 * 1024;

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

const EXPRESSION_PARAMETERS = [
  'ConditionExpression',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
];

export function dynamodbHandlers(state: SimState): HandlerMap {
  function table(name: string | undefined): SimTable {
    const t = name ? state.tables.get(name) : undefined;
    if (!t) throw dynamodbError('ResourceNotFoundException', 'Requested resource not found');
    return t;
  }
  /** The item's key; `what` says whether `source` is a Key (only the key attribute) or a whole item. */
  function keyOf(t: SimTable, source: Item | undefined, what: 'key' | 'item'): string {
    const v = source?.[t.partitionKey];
    if (!source || !v || typeOf(v) !== 'S' || (what === 'key' && Object.keys(source).length !== 1)) {
      throw validation(
        what === 'item'
          ? `One or more parameter values were invalid: Missing the key ${t.partitionKey} in the item`
          : 'The provided key element does not match the schema',
      );
    }
    if (v.S === '') {
      throw validation(
        `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${t.partitionKey}`,
      );
    }
    return String(v.S);
  }
  function checkCondition(
    input: {
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
      ReturnValuesOnConditionCheckFailure?: string;
    },
    existing: Item | undefined,
  ): void {
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

  return {
    CreateTable: op<CreateTableInput, CreateTableOutput>((input) => {
      onlyParameters('CreateTable', input, ['TableName', 'KeySchema', 'AttributeDefinitions', 'BillingMode']);
      const name = input.TableName ?? '';
      if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name))
        throw validation(`TableName must be 3 to 255 characters of a-z, A-Z, 0-9, _, - and .`);
      if (state.tables.has(name))
        throw dynamodbError('ResourceInUseException', `Table already exists: ${name}`);
      const [hash, ...others] = input.KeySchema ?? [];
      if (hash?.KeyType !== 'HASH' || !hash.AttributeName)
        throw validation('1 validation error detected: KeySchema must contain a HASH key');
      if (others.length > 0) throw unsupported('a sort key (only a partition key)');
      const type = input.AttributeDefinitions?.find(
        (d) => d.AttributeName === hash.AttributeName,
      )?.AttributeType;
      if (!type)
        throw validation(
          `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${hash.AttributeName}]`,
        );
      if (type !== 'S') throw unsupported(`a ${type} partition key (only S)`);
      const t: SimTable = {
        name,
        arn: `arn:aws:dynamodb:${state.region}:${state.accountId}:table/${name}`,
        partitionKey: hash.AttributeName,
        items: new Map(),
        created: state.clock.now(),
      };
      state.tables.set(name, t);
      return {
        TableDescription: {
          TableName: t.name,
          TableArn: t.arn,
          TableStatus: 'ACTIVE',
          CreationDateTime: new Date(t.created.getTime()),
          KeySchema: [{ AttributeName: t.partitionKey, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: t.partitionKey, AttributeType: 'S' }],
        },
      };
    }),
    GetItem: op<GetItemInput, GetItemOutput>((input) => {
      onlyParameters('GetItem', input, ['TableName', 'Key', 'ConsistentRead']);
      const t = table(input.TableName);
      const item = t.items.get(keyOf(t, input.Key as unknown as Item, 'key'));
      return item ? { Item: deepClone(item) as unknown as GetItemOutput['Item'] } : {};
    }),
    PutItem: op<PutItemInput, PutItemOutput>((input) => {
      onlyParameters('PutItem', input, [
        'TableName',
        'Item',
        ...EXPRESSION_PARAMETERS,
        'ReturnValuesOnConditionCheckFailure',
      ]);
      const t = table(input.TableName);
      const item = input.Item as unknown as Item;
      const key = keyOf(t, item, 'item');
      checkItemSize(item);
      checkCondition(input, t.items.get(key));
      t.items.set(key, deepClone(item));
      return {};
    }),
    DeleteItem: op<DeleteItemInput, DeleteItemOutput>((input) => {
      onlyParameters('DeleteItem', input, ['TableName', 'Key', ...EXPRESSION_PARAMETERS]);
      const t = table(input.TableName);
      const key = keyOf(t, input.Key as unknown as Item, 'key');
      checkCondition(input, t.items.get(key));
      t.items.delete(key);
      return {};
    }),
    UpdateItem: op<UpdateItemInput, UpdateItemOutput>((input) => {
      onlyParameters('UpdateItem', input, ['TableName', 'Key', 'UpdateExpression', ...EXPRESSION_PARAMETERS]);
      const t = table(input.TableName);
      if (!input.UpdateExpression) throw unsupported('UpdateItem without an UpdateExpression');
      const keyItem = input.Key as unknown as Item;
      const key = keyOf(t, keyItem, 'key');
      const existing = t.items.get(key);
      checkCondition(input, existing);
      const updated: Item = deepClone(existing ?? keyItem);
      const seen = new Set<string>();
      for (const { target, value } of parseUpdate(
        input.UpdateExpression,
        context(input, input.UpdateExpression),
      )) {
        if (target === t.partitionKey) {
          throw validation(
            `One or more parameter values were invalid: Cannot update attribute ${target}. This attribute is part of the key`,
          );
        }
        if (seen.has(target)) {
          throw validation(
            `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${target}]`,
          );
        }
        seen.add(target);
        const v = resolve(value, existing ?? keyItem);
        if (!v)
          throw validation('The provided expression refers to an attribute that does not exist in the item');
        updated[target] = deepClone(v);
      }
      checkItemSize(updated);
      t.items.set(key, updated);
      return {};
    }),
    // The workflow reads the restart records of a VPC's container instances with it (consistent reads, keys only).
    BatchGetItem: op<BatchGetItemInput, BatchGetItemOutput>((input) => {
      onlyParameters('BatchGetItem', input, ['RequestItems']);
      const requests = Object.entries(input.RequestItems ?? {});
      const total = requests.reduce((n, [, r]) => n + (r.Keys?.length ?? 0), 0);
      if (total === 0 || total > 100) throw validation('Too many items requested for the BatchGetItem call');
      const Responses: NonNullable<BatchGetItemOutput['Responses']> = {};
      for (const [name, request] of requests) {
        onlyParameters('BatchGetItem RequestItems', request, ['Keys', 'ConsistentRead']);
        const t = table(name);
        const found: Item[] = [];
        const keys = new Set<string>();
        for (const k of request.Keys ?? []) {
          const key = keyOf(t, k as unknown as Item, 'key');
          if (keys.has(key)) throw validation('Provided list of item keys contains duplicates');
          keys.add(key);
          const item = t.items.get(key);
          if (item) found.push(deepClone(item));
        }
        Responses[name] = found as unknown as NonNullable<BatchGetItemOutput['Responses']>[string];
      }
      return { Responses, UnprocessedKeys: {} };
    }),
    // The roll-up lists every row with it (shared/org/rollup.ts listRollup). Items come back in the table's
    // order (insertion here, hash order in DynamoDB: a caller must not rely on either).
    Scan: op<ScanInput, ScanOutput>((input) => {
      onlyParameters('Scan', input, ['TableName', 'Limit', 'ExclusiveStartKey', 'ConsistentRead']);
      const t = table(input.TableName);
      if (input.Limit !== undefined && (!Number.isInteger(input.Limit) || input.Limit < 1)) {
        throw validation(
          `1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
        );
      }
      const keys = [...t.items.keys()];
      let start = 0;
      if (input.ExclusiveStartKey) {
        const after = keyOf(t, input.ExclusiveStartKey as unknown as Item, 'key');
        // DynamoDB resumes after the key even when that item has since been deleted; here, after its position.
        const at = keys.indexOf(after);
        if (at < 0) throw unsupported('ExclusiveStartKey naming an item that no longer exists');
        start = at + 1;
      }
      const page: Item[] = [];
      let bytes = 0;
      let next = start;
      while (next < keys.length && page.length < (input.Limit ?? Number.POSITIVE_INFINITY)) {
        if (page.length > 0 && bytes >= DYNAMODB_SCAN_PAGE_BYTES) break;
        const item = t.items.get(keys[next]!)!;
        bytes += itemSizeBytes(item);
        page.push(deepClone(item));
        next += 1;
      }
      const last = page[page.length - 1];
      return {
        Items: page as unknown as NonNullable<ScanOutput['Items']>,
        Count: page.length,
        ScannedCount: page.length,
        ...(next < keys.length && last
          ? {
              LastEvaluatedKey: {
                [t.partitionKey]: deepClone(last[t.partitionKey]!),
              } as unknown as ScanOutput['LastEvaluatedKey'],
            }
          : {}),
      };
    }),
    BatchWriteItem: op<BatchWriteItemInput, BatchWriteItemOutput>((input) => {
      onlyParameters('BatchWriteItem', input, ['RequestItems']);
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
          if (w.DeleteRequest) throw unsupported('DeleteRequest in BatchWriteItem');
          if (!w.PutRequest) throw validation('A write request must contain a PutRequest or a DeleteRequest');
          const item = w.PutRequest.Item as unknown as Item;
          const key = keyOf(t, item, 'item');
          checkItemSize(item);
          if (keys.has(`${name}/${key}`)) throw validation('Provided list of item keys contains duplicates');
          keys.add(`${name}/${key}`);
          planned.push(() => t.items.set(key, deepClone(item)));
        }
      }
      for (const apply of planned) apply();
      return { UnprocessedItems: {} };
    }),
  };
}
