// Item 7 of issue 12: the per-VPC lease is renewed (heartbeat) while the work runs, so a VPC that takes longer
// than one lease (a sweep over a large VPC) cannot lose it to another worker. Against the simulated account's
// DynamoDB (conditional writes as DynamoDB evaluates them), as the Sweep function's role.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SimulatedAccount } from '../../../devkit/sim';
import { parseConfig } from '../../../shared/config';
import { VpcBusyError } from '../../../shared/errors';
import { DynamoDbVpcLock, lockKey } from '../../../shared/events/lock';

const TABLE = 'PrivateLinkEcs-IdempotencyTable';
const VPC = 'vpc-0a1b2c3d4e5f60718';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sweepAccount() {
  const account = new SimulatedAccount();
  account.addTable(TABLE, { partitionKey: 'id' });
  account.deployStack({ config: parseConfig({}), tableName: TABLE });
  return account;
}

describe('per-VPC lease heartbeat', () => {
  it('work longer than the lease keeps it: another worker gets VpcBusy, and the lease is released after', async () => {
    // Prepare
    const account = sweepAccount();
    const sweep = account.clients({ role: 'Sweep', maxAttempts: 1 });
    const other = account.clients({ role: 'TriggerVpc', maxAttempts: 1 });
    // A 0.3 s lease renewed every 0.1 s; the work takes 0.9 s, three leases.
    const first = new DynamoDbVpcLock(sweep.dynamodb, {
      tableName: TABLE,
      leaseSeconds: 0.3,
      heartbeatMs: 100,
    });
    const second = new DynamoDbVpcLock(other.dynamodb, { tableName: TABLE, leaseSeconds: 0.3, maxWaitMs: 0 });
    let contender: unknown;

    // Act
    const result = await first.withLock(VPC, async () => {
      await pause(600);
      contender = await second.withLock(VPC, async () => 'stolen').catch((err: unknown) => err);
      await pause(300);
      return 'done';
    });

    // Assess
    expect(result).toBe('done');
    expect(contender).toBeInstanceOf(VpcBusyError);
    const renewals = account.calls.filter((c) => c.operation === 'UpdateItem');
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    expect(renewals[0]!.input).toMatchObject({
      TableName: TABLE,
      Key: { id: { S: lockKey(VPC) } },
      ConditionExpression: expect.stringContaining('#owner = :owner'),
    });
    const after = await sweep.dynamodb.send(
      new GetItemCommand({ TableName: TABLE, Key: { id: { S: lockKey(VPC) } } }),
    );
    expect(after.Item).toBeUndefined();
    // The heartbeat stopped with the work: no renewal after the release.
    const count = renewals.length;
    await pause(250);
    expect(account.calls.filter((c) => c.operation === 'UpdateItem')).toHaveLength(count);
  });

  it('a lease lost anyway (renewal refused) is logged and the work still finishes; the new holder keeps it', async () => {
    // Prepare
    const account = sweepAccount();
    const sweep = account.clients({ role: 'Sweep', maxAttempts: 1 });
    const other = account.clients({ role: 'TriggerVpc', maxAttempts: 1 });
    // No heartbeat within the lease (it renews only after 0.5 s): the 0.2 s lease runs out first.
    const slow = new DynamoDbVpcLock(sweep.dynamodb, {
      tableName: TABLE,
      leaseSeconds: 0.2,
      heartbeatMs: 500,
    });
    const thief = new DynamoDbVpcLock(other.dynamodb, { tableName: TABLE, leaseSeconds: 30, maxWaitMs: 0 });
    let stolen: unknown;

    // Act
    const result = await slow.withLock(VPC, async () => {
      await pause(300);
      stolen = await thief.withLock(VPC, async () => {
        await pause(400); // the slow worker's renewal comes while the thief holds it
        return 'stolen';
      });
      return 'done';
    });

    // Assess
    expect(result).toBe('done');
    expect(stolen).toBe('stolen');
    const renewals = account.calls.filter((c) => c.operation === 'UpdateItem');
    expect(renewals.length).toBeGreaterThanOrEqual(1);
  });
});
