// The DynamoDB table both stacks keep their records in: a string `id` key, on-demand, point-in-time recovery,
// AWS managed encryption, retained when the stack is deleted, and items expiring by a TTL attribute.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export function recordTable(scope: Construct, id: string, timeToLiveAttribute: string): Table {
  return new Table(scope, id, {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
