// Per-VPC serialization: a lease item `lock#<vpcId>` in the idempotency table, taken with a conditional put
// and released with a conditional delete. A worker that cannot take the lease within a bounded time throws
// VpcBusyError, so the platform retries the event later. The lease expires on its own if a worker dies; while
// the work runs, a heartbeat renews it (conditional on still owning it), so long work does not lose it.
import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { errorName, VpcBusyError } from '../errors';
import { logger } from '../observability';

export interface VpcLockOptions {
  tableName: string;
  /** How long a lease lasts; longer than the longest reconcile. Default 300 s. */
  leaseSeconds?: number;
  /** How long to wait for a busy lease before giving up with VpcBusyError. Default 60 s. */
  maxWaitMs?: number;
  /** First back-off delay; doubles up to maxDelayMs, with jitter. Defaults 100 ms and 2 s. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How often the lease is renewed while the work runs. Default a third of the lease. */
  heartbeatMs?: number;
  /** Identifies this worker in the lock item (defaults to a random UUID per lock instance). */
  owner?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface VpcLock {
  withLock<T>(vpcId: string, work: () => Promise<T>): Promise<T>;
}

export const lockKey = (vpcId: string): string => `lock#${vpcId}`;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoDbVpcLock implements VpcLock {
  private readonly options: Required<Omit<VpcLockOptions, 'owner' | 'heartbeatMs'>> & {
    owner: string;
    heartbeatMs: number;
  };

  public constructor(
    private readonly dynamodb: DynamoDBClient,
    options: VpcLockOptions,
  ) {
    this.options = {
      leaseSeconds: 300,
      maxWaitMs: 60_000,
      initialDelayMs: 100,
      maxDelayMs: 2_000,
      now: Date.now,
      sleep: defaultSleep,
      ...options,
      owner: options.owner ?? randomUUID(),
      heartbeatMs: options.heartbeatMs ?? Math.max(1, ((options.leaseSeconds ?? 300) * 1000) / 3),
    };
  }

  public async withLock<T>(vpcId: string, work: () => Promise<T>): Promise<T> {
    const token = `${this.options.owner}:${randomUUID()}`;
    await this.acquire(vpcId, token);
    const heartbeat = this.startHeartbeat(vpcId, token);
    try {
      return await work();
    } finally {
      await heartbeat.stop();
      await this.release(vpcId, token);
    }
  }

  /**
   * Renews the lease every heartbeatMs while the work runs (a timer, so it also runs while the work awaits
   * AWS calls). A renewal that finds the lease gone (expired and taken by another worker) stops the heartbeat
   * and logs an error: the work still finishes, and the reconciler re-reads the state, so the overlap cannot
   * create duplicates, but it is no longer serialized. A renewal that fails otherwise is retried on the next beat.
   */
  private startHeartbeat(vpcId: string, token: string): { stop: () => Promise<void> } {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    const beat = async (): Promise<void> => {
      const now = this.options.now();
      const leaseUntil = now + this.options.leaseSeconds * 1000;
      try {
        await this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: { id: { S: lockKey(vpcId) } },
            UpdateExpression: 'SET leaseUntilMs = :until, expiration = :expiration',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: {
              ':owner': { S: token },
              ':until': { N: String(leaseUntil) },
              ':expiration': { N: String(Math.ceil(leaseUntil / 1000)) },
            },
          }),
        );
      } catch (err) {
        if (errorName(err) === 'ConditionalCheckFailedException') {
          logger.error('VPC lock lost while working: its lease expired and another worker took it', {
            vpcId,
            leaseSeconds: this.options.leaseSeconds,
          });
          stopped = true;
          return;
        }
        logger.warn('could not renew the VPC lock; retrying on the next heartbeat', {
          vpcId,
          error: err as Error,
        });
      }
    };
    const schedule = (): void => {
      if (stopped) return;
      timer = setTimeout(() => {
        inFlight = beat().finally(schedule);
      }, this.options.heartbeatMs);
      // A pending heartbeat must not keep a Lambda or the CLI alive.
      (timer as { unref?: () => void }).unref?.();
    };
    schedule();
    return {
      stop: async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await inFlight.catch(() => undefined);
      },
    };
  }

  private async tryAcquire(vpcId: string, token: string): Promise<boolean> {
    const now = this.options.now();
    const leaseUntil = now + this.options.leaseSeconds * 1000;
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            id: { S: lockKey(vpcId) },
            owner: { S: token },
            leaseUntilMs: { N: String(leaseUntil) },
            // The table's TTL attribute (epoch seconds): DynamoDB removes stale leases eventually.
            expiration: { N: String(Math.ceil(leaseUntil / 1000)) },
          },
          ConditionExpression: 'attribute_not_exists(id) OR leaseUntilMs < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
      return true;
    } catch (err) {
      if (errorName(err) === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  private async acquire(vpcId: string, token: string): Promise<void> {
    const { maxWaitMs, initialDelayMs, maxDelayMs, now, sleep } = this.options;
    const deadline = now() + maxWaitMs;
    let delay = initialDelayMs;
    let attempts = 0;
    for (;;) {
      attempts++;
      if (await this.tryAcquire(vpcId, token)) {
        if (attempts > 1) logger.info('VPC lock acquired after waiting', { vpcId, attempts });
        return;
      }
      const remaining = deadline - now();
      if (remaining <= 0) {
        logger.warn('VPC lock still held by another worker; giving up', { vpcId, attempts, maxWaitMs });
        throw new VpcBusyError(vpcId);
      }
      const jittered = Math.round(delay / 2 + Math.random() * (delay / 2));
      await sleep(Math.min(jittered, remaining));
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }

  private async release(vpcId: string, token: string): Promise<void> {
    try {
      await this.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { id: { S: lockKey(vpcId) } },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: token } },
        }),
      );
    } catch (err) {
      if (errorName(err) === 'ConditionalCheckFailedException') {
        // Our lease expired and another worker took it: it is theirs now; leave it alone.
        logger.warn('VPC lock lease expired before release', { vpcId });
        return;
      }
      // The work is done; failing it now would only redo it. The lease expires by itself after
      // leaseSeconds, until then other events for this VPC wait or are retried by the platform.
      logger.error('could not release the VPC lock; it expires with its lease', {
        vpcId,
        leaseSeconds: this.options.leaseSeconds,
        error: err as Error,
      });
    }
  }
}
