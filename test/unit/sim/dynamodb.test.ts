// The simulated DynamoDB implements only what the product sends (the state store, the per-VPC lock, Powertools
// idempotency; the contract tests check those calls against moto too). Everything else must be refused with
// UnsupportedOperation rather than answered wrongly or ignored.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
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
});
