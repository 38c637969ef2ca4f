// Where the workflow keeps lists that must stay out of the Step Functions payload (256 KiB): instance batches,
// per-instance progress and results. In Lambda this is the stack's DynamoDB table (env STATE_TABLE_NAME,
// partition key `id`, TTL attribute `expiration`); the local runner may use the in-memory store instead.
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { WorkflowStateError } from './errors';

/** Records outlive the longest execution comfortably, then DynamoDB's TTL removes them. */
export const STATE_TTL_SECONDS = 14 * 24 * 3600;
const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 8;

export interface PutOptions {
  /** How long the record lives before DynamoDB's TTL removes it (default STATE_TTL_SECONDS). */
  ttlSeconds?: number;
}

export interface StateStore {
  readonly kind: 'dynamodb' | 'memory';
  put(key: string, value: unknown, options?: PutOptions): Promise<void>;
  putMany(entries: Array<[string, unknown]>, options?: PutOptions): Promise<void>;
  get<T>(key: string): Promise<T | undefined>;
  /** The records that exist among `keys` (absent keys are left out). */
  getMany<T>(keys: readonly string[]): Promise<Map<string, T>>;
}

/** Reads a record that an earlier state wrote; its absence means the bookkeeping is broken. */
export async function mustGet<T>(store: StateStore, key: string): Promise<T> {
  const value = await store.get<T>(key);
  if (value === undefined) throw new WorkflowStateError(`workflow record ${key} is missing`, { key });
  return value;
}

export class MemoryStateStore implements StateStore {
  public readonly kind = 'memory' as const;
  private readonly items = new Map<string, string>();

  public async put(key: string, value: unknown, _options?: PutOptions): Promise<void> {
    this.items.set(key, JSON.stringify(value));
  }

  public async putMany(entries: Array<[string, unknown]>, options?: PutOptions): Promise<void> {
    for (const [key, value] of entries) await this.put(key, value, options);
  }

  public async get<T>(key: string): Promise<T | undefined> {
    const raw = this.items.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  public async getMany<T>(keys: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (const key of keys) {
      const value = await this.get<T>(key);
      if (value !== undefined) out.set(key, value);
    }
    return out;
  }

  /** Largest stored record in bytes (for the payload bench). */
  public largestRecordBytes(): number {
    let max = 0;
    for (const raw of this.items.values()) max = Math.max(max, Buffer.byteLength(raw));
    return max;
  }
}

export class DynamoStateStore implements StateStore {
  public readonly kind = 'dynamodb' as const;

  public constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private item(key: string, value: unknown, options?: PutOptions) {
    const expiration = Math.floor(this.now().getTime() / 1000) + (options?.ttlSeconds ?? STATE_TTL_SECONDS);
    return {
      id: { S: key },
      data: { S: JSON.stringify(value) },
      expiration: { N: String(expiration) },
    };
  }

  public async put(key: string, value: unknown, options?: PutOptions): Promise<void> {
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: this.item(key, value, options) }),
    );
  }

  public async putMany(entries: Array<[string, unknown]>, options?: PutOptions): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH_WRITE_LIMIT) {
      let requests: WriteRequest[] = entries
        .slice(i, i + BATCH_WRITE_LIMIT)
        .map(([key, value]) => ({ PutRequest: { Item: this.item(key, value, options) } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) {
          throw new WorkflowStateError(`state table kept ${requests.length} writes unprocessed`, {
            table: this.tableName,
          });
        }
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
        const out = await this.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  public async get<T>(key: string): Promise<T | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { id: { S: key } }, ConsistentRead: true }),
    );
    const raw = out.Item?.data?.S;
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  public async getMany<T>(keys: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let wanted: Array<Record<string, AttributeValue>> = unique
        .slice(i, i + BATCH_GET_LIMIT)
        .map((key) => ({ id: { S: key } }));
      for (let attempt = 0; wanted.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) {
          throw new WorkflowStateError(`state table kept ${wanted.length} reads unprocessed`, {
            table: this.tableName,
          });
        }
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
        const res = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } },
          }),
        );
        for (const item of res.Responses?.[this.tableName] ?? []) {
          const key = item.id?.S;
          const raw = item.data?.S;
          if (key !== undefined && raw !== undefined) out.set(key, JSON.parse(raw) as T);
        }
        wanted = res.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return out;
  }
}
