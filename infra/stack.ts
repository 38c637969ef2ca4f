import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { Config } from '../shared/config';

export interface PrivateLinkEcsStackProps extends StackProps {
  config: Config;
}

export class PrivateLinkEcsStack extends Stack {
  /** Powertools idempotency records and per-VPC locks. */
  public readonly idempotencyTable: Table;

  public constructor(scope: Construct, id: string, props: PrivateLinkEcsStackProps) {
    super(scope, id, props);
    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
