// The simulated DynamoDB implements only what the product sends (the state store, the per-VPC lock, Powertools
// idempotency; the contract tests check those calls against moto too). Everything else must be refused with
// UnsupportedOperation rather than answered wrongly or ignored.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SimulatedAccount } from '../../../devkit/sim';
import { errorOf } from './support';

describe('simulated DynamoDB', () => {
  const TableName = 'state';
  const Key = { id: { S: 'k' } };
  let dynamodb: ReturnType<SimulatedAccount['clients']>['dynamodb'];

  beforeEach(async () => {
    const account = new SimulatedAccount();
    account.addTable(TableName, { partitionKey: 'id' });
    dynamodb = account.clients({ maxAttempts: 1 }).dynamodb;
    await dynamodb.send(new PutItemCommand({ TableName, Item: { ...Key, n: { N: '1' } } }));
  });

  it('refuses operations, parameters and expressions the product does not use', async () => {
    // Act
    const refused = await Promise.all([
      errorOf(
        dynamodb.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'id = :k',
            ExpressionAttributeValues: { ':k': { S: 'k' } },
          }),
        ),
      ),
      errorOf(dynamodb.send(new GetItemCommand({ TableName, Key, ProjectionExpression: 'n' }))),
      errorOf(dynamodb.send(new PutItemCommand({ TableName, Item: Key, ReturnValues: 'ALL_OLD' }))),
      errorOf(dynamodb.send(new UpdateItemCommand({ TableName, Key, UpdateExpression: 'REMOVE n' }))),
      errorOf(
        dynamodb.send(
          new UpdateItemCommand({
            TableName,
            Key,
            UpdateExpression: 'SET n = n + :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          }),
        ),
      ),
      errorOf(
        dynamodb.send(
          new PutItemCommand({
            TableName,
            Item: Key,
            ConditionExpression: 'NOT attribute_exists(id)',
          }),
        ),
      ),
      errorOf(
        dynamodb.send(
          new PutItemCommand({
            TableName,
            Item: Key,
            ConditionExpression: 'n <> :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          }),
        ),
      ),
      errorOf(
        dynamodb.send(
          new BatchWriteItemCommand({ RequestItems: { [TableName]: [{ DeleteRequest: { Key } }] } }),
        ),
      ),
      errorOf(
        dynamodb.send(
          new CreateTableCommand({
            TableName: 'sorted',
            KeySchema: [
              { AttributeName: 'id', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            AttributeDefinitions: [
              { AttributeName: 'id', AttributeType: 'S' },
              { AttributeName: 'sk', AttributeType: 'S' },
            ],
          }),
        ),
      ),
    ]);
    const after = await dynamodb.send(new GetItemCommand({ TableName, Key }));

    // Assess: each refused as unsupported, and nothing changed
    expect(refused.map((e) => e.name)).toEqual(Array(9).fill('UnsupportedOperation'));
    expect(after.Item).toEqual({ ...Key, n: { N: '1' } });
  });

  it('keeps DynamoDB validation for what it implements', async () => {
    // Act
    const reserved = await errorOf(
      dynamodb.send(
        new PutItemCommand({
          TableName,
          Item: Key,
          ConditionExpression: 'status = :s',
          ExpressionAttributeValues: { ':s': { S: 'x' } },
        }),
      ),
    );
    const keyUpdate = await errorOf(
      dynamodb.send(
        new UpdateItemCommand({
          TableName,
          Key,
          UpdateExpression: 'SET #id = :v',
          ExpressionAttributeNames: { '#id': 'id' },
          ExpressionAttributeValues: { ':v': { S: 'other' } },
        }),
      ),
    );
    const wrongKey = await errorOf(
      dynamodb.send(new GetItemCommand({ TableName, Key: { other: { S: 'k' } } })),
    );

    // Assess
    expect([reserved.name, keyUpdate.name, wrongKey.name]).toEqual([
      'ValidationException',
      'ValidationException',
      'ValidationException',
    ]);
  });

  it('scans every item in pages of Limit, resumed after LastEvaluatedKey', async () => {
    // Prepare: k plus five more items
    for (const n of [2, 3, 4, 5, 6]) {
      await dynamodb.send(new PutItemCommand({ TableName, Item: { id: { S: `k${n}` }, n: { N: `${n}` } } }));
    }

    // Act
    const pages: Array<{ ids: string[]; last?: string }> = [];
    let ExclusiveStartKey: Record<string, { S: string }> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName, Limit: 4, ExclusiveStartKey }));
      pages.push({ ids: (page.Items ?? []).map((i) => i.id!.S!), last: page.LastEvaluatedKey?.id?.S });
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
    const refused = await errorOf(dynamodb.send(new ScanCommand({ TableName, FilterExpression: 'n = :n' })));

    // Assess
    expect(pages).toEqual([
      { ids: ['k', 'k2', 'k3', 'k4'], last: 'k4' },
      { ids: ['k5', 'k6'], last: undefined },
    ]);
    expect(refused.name).toBe('UnsupportedOperation');
  });

  it('ends a Scan page at 1 MB of items, as DynamoDB does', async () => {
    // Prepare: four items of 390 KiB
    const big = 'x'.repeat(390 * 1024);
    for (const id of ['a', 'b', 'c', 'd']) {
      await dynamodb.send(new PutItemCommand({ TableName, Item: { id: { S: id }, blob: { S: big } } }));
    }

    // Act
    const first = await dynamodb.send(new ScanCommand({ TableName }));
    const second = await dynamodb.send(
      new ScanCommand({ TableName, ExclusiveStartKey: first.LastEvaluatedKey }),
    );

    // Assess: k and three big items pass 1 MB; the fourth comes on the next page
    expect(first.Items?.map((i) => i.id?.S)).toEqual(['k', 'a', 'b', 'c']);
    expect(first.LastEvaluatedKey).toEqual({ id: { S: 'c' } });
    expect(second.Items?.map((i) => i.id?.S)).toEqual(['d']);
    expect(second.LastEvaluatedKey).toBeUndefined();
  });

  it('puts conditionally on a numeric attribute read before (optimistic concurrency)', async () => {
    // Prepare
    const put = (rev: string) =>
      dynamodb.send(
        new PutItemCommand({
          TableName,
          Item: { ...Key, n: { N: String(Number(rev) + 1) } },
          ConditionExpression: 'n = :read',
          ExpressionAttributeValues: { ':read': { N: rev } },
        }),
      );

    // Act
    await put('1');
    const stale = await errorOf(put('1'));
    const after = await dynamodb.send(new GetItemCommand({ TableName, Key }));

    // Assess
    expect(stale.name).toBe('ConditionalCheckFailedException');
    expect(after.Item?.n).toEqual({ N: '2' });
  });
});
