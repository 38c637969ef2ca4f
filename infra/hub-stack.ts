// The organization hub (infra/app.ts deploys it when the config has an `organization` section), in the
// management account or a delegated administrator for StackSets:
// - a StackSet (service-managed, automatic deployment) that deploys the member stack (the service itself, plus
//   forwarding to the hub and the read-only planning role) to every account of the target OUs in every region;
// - the central event bus, which admits PutEvents only from principals of the organization;
// - the roll-up table and the function that keeps it, the member-failure alarm, one SNS topic and a dashboard.
// The member's Lambda code reaches each region through per-region buckets `<prefix>-<region>` (see
// AssetBucketStack); their contents are copied by cdk-stacksets at deploy time.
import {
  Aws,
  CfnOutput,
  CfnParameter,
  CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import { ComparisonOperator, GraphWidget, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  Capability,
  DeploymentType,
  RegionConcurrencyType,
  StackSet,
  StackSetStack,
  StackSetTarget,
  StackSetTemplate,
} from 'cdk-stacksets';
import type { Construct, IConstruct } from 'constructs';
import type { Config, OrganizationConfig } from '../shared/config';
import { ENV } from '../shared/env';
import { ConfigError } from '../shared/errors';
import { MetricName } from '../shared/observability';
import { DECISION_DETAIL_TYPE, ORG_EVENT_SOURCE } from '../shared/org/events';
import { HUB_BUS_NAME, HUB_OUTPUTS } from '../shared/org/names';
import { ROLLUP_PERMISSIONS } from '../shared/org/permissions';
import { COMPLETED_DETAIL_TYPE } from '../shared/workflow/summary';
import { type CodeMode, PrivateLinkEcsFunction } from './constructs/function';
import { Monitoring, serviceMetric } from './constructs/monitoring';
import { Notifications } from './constructs/notifications';
import { recordTable } from './constructs/table';
import { RULE_TARGET_MAX_EVENT_AGE, RULE_TARGET_RETRY_ATTEMPTS } from './constructs/triggers';
import { acknowledge, acknowledgeWildcardResources, cfnOf } from './nag';
import { buildStatements } from './permissions';
import { PrivateLinkEcsResources } from './stack';

export const ROLLUP_ENTRY = 'functions/org-rollup/index.ts';

const BUCKET_DEPLOYMENT_REASON =
  'CDK BucketDeployment (cdk-stacksets) copies the member functions’ code from the CDK asset bucket into the per-region asset buckets; it reads and writes objects of exactly those buckets';
/** The findings on CDK's BucketDeployment handler role and policy, each with why it stands. */
const BUCKET_DEPLOYMENT_FINDINGS: Readonly<Record<string, string>> = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': `${BUCKET_DEPLOYMENT_REASON}; CDK gives its handler this managed policy for its logs`,
  'AwsSolutions-L1': `${BUCKET_DEPLOYMENT_REASON}; CDK pins the handler runtime it ships and tests`,
  'Serverless-LambdaLatestVersion': `${BUCKET_DEPLOYMENT_REASON}; CDK pins the handler runtime it ships and tests`,
  'Serverless-LambdaDLQ': `${BUCKET_DEPLOYMENT_REASON}; CloudFormation invokes it and reports its failure in the deployment`,
  'Serverless-LambdaTracing': `${BUCKET_DEPLOYMENT_REASON}; it runs only while CloudFormation deploys the hub`,
  ...Object.fromEntries(
    ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => [
      `AwsSolutions-IAM5[Action::${action}]`,
      `${BUCKET_DEPLOYMENT_REASON}; CDK grants the copy these S3 action groups on those buckets`,
    ]),
  ),
};

function isBucketDeployment(node: IConstruct): boolean {
  return /Custom::CDKBucketDeployment|AssetBucketDeployment/.test(node.node.path);
}

/** The organization section, or a ConfigError: the hub exists only for an organization. */
export function organizationOf(config: Config): OrganizationConfig {
  if (!config.organization)
    throw new ConfigError('the hub stack needs the organization section', { field: 'organization' });
  return config.organization;
}

/** `<prefix>-<region>`: the bucket the member stacks of `region` read their Lambda code from. */
export function assetBucketName(prefix: string, region: string): string {
  return `${prefix}-${region}`;
}

/**
 * The member stack: the service's resources, deployed by the hub's StackSet. The hub's account and region are
 * StackSet parameters (the hub fills them from its own pseudo parameters), so nothing in it is a token the
 * member cannot resolve.
 */
export class PrivateLinkEcsMemberStack extends StackSetStack {
  public readonly resources: PrivateLinkEcsResources;
  public readonly hubAccountId: CfnParameter;
  public readonly hubRegion: CfnParameter;

  public constructor(
    scope: Stack,
    id: string,
    props: { config: Config; codeMode?: CodeMode; assetBuckets?: IBucket[]; assetBucketPrefix?: string },
  ) {
    super(scope, id, {
      ...(props.assetBuckets ? { assetBuckets: props.assetBuckets } : {}),
      ...(props.assetBucketPrefix ? { assetBucketPrefix: props.assetBucketPrefix } : {}),
    });
    this.hubAccountId = new CfnParameter(this, 'HubAccountId', {
      type: 'String',
      allowedPattern: '^[0-9]{12}$',
      description: 'The organization hub account (trusted by the planning role, owner of the hub bus)',
    });
    this.hubRegion = new CfnParameter(this, 'HubRegion', {
      type: 'String',
      allowedPattern: '^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$',
      description: 'The region of the organization hub bus',
    });
    this.resources = new PrivateLinkEcsResources(this, {
      config: props.config,
      ...(props.codeMode ? { codeMode: props.codeMode } : {}),
      member: { hubAccountId: this.hubAccountId.valueAsString, hubRegion: this.hubRegion.valueAsString },
    });
  }
}

export interface HubStackProps extends StackProps {
  config: Config;
  codeMode?: CodeMode;
  /** Prefix of the per-region asset buckets (AssetBucketStack); required to bundle the member's functions. */
  assetBucketPrefix?: string;
}

export class PrivateLinkEcsHubStack extends Stack {
  public readonly member: PrivateLinkEcsMemberStack;
  public readonly stackSet: StackSet;
  public readonly bus: EventBus;
  public readonly rollupTable: Table;
  public readonly rollupFunction: PrivateLinkEcsFunction;
  public readonly rollupRule: Rule;
  public readonly notifications: Notifications;
  public readonly monitoring: Monitoring;

  public constructor(scope: Construct, id: string, props: HubStackProps) {
    super(scope, id, props);
    const config = props.config;
    const org = organizationOf(config);
    const codeMode = props.codeMode ?? 'bundle';

    // 1. The member stack and the StackSet that deploys it.
    let assetBuckets: IBucket[] | undefined;
    if (codeMode === 'bundle') {
      if (!props.assetBucketPrefix) {
        throw new ConfigError(
          'organization.assetBucketPrefix is needed to carry the member functions to every region (or a hub account id at synth)',
          { field: 'organization.assetBucketPrefix' },
        );
      }
      const prefix = props.assetBucketPrefix;
      assetBuckets = org.regions.map((region) =>
        Bucket.fromBucketName(this, `AssetBucket-${region}`, assetBucketName(prefix, region)),
      );
    }
    this.member = new PrivateLinkEcsMemberStack(this, 'Member', {
      config,
      codeMode,
      ...(assetBuckets && props.assetBucketPrefix
        ? { assetBuckets, assetBucketPrefix: props.assetBucketPrefix }
        : {}),
    });
    this.stackSet = new StackSet(this, 'MemberStackSet', {
      description: 'privatelink-ecs member stack: PrivateLink endpoints for ECS/ECR, forwarding to the hub',
      target: StackSetTarget.fromOrganizationalUnits({
        regions: org.regions,
        organizationalUnits: org.targets,
        ...(org.excludeAccounts.length ? { excludeAccounts: org.excludeAccounts } : {}),
      }),
      template: StackSetTemplate.fromStackSetStack(this.member),
      deploymentType: DeploymentType.serviceManaged({
        delegatedAdmin: org.delegatedAdmin,
        autoDeployEnabled: true,
        // A member account leaving the target OUs keeps its endpoints: removing them could cut clusters off.
        autoDeployRetainStacks: true,
      }),
      capabilities: [Capability.NAMED_IAM],
      parameters: { HubAccountId: Aws.ACCOUNT_ID, HubRegion: Aws.REGION },
      managedExecution: true,
      operationPreferences: {
        regionConcurrencyType: RegionConcurrencyType.PARALLEL,
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
      },
    });

    // 2. The central bus: PutEvents only from principals of the organization.
    this.bus = new EventBus(this, 'Bus', { eventBusName: HUB_BUS_NAME });
    this.bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OrganizationMembersPutEvents',
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': org.id } },
      }),
    );

    // 3. The roll-up: table, function, rule.
    this.rollupTable = recordTable(this, 'RollupTable', 'expiresAt');
    this.rollupFunction = new PrivateLinkEcsFunction(this, 'OrgRollup', {
      entry: ROLLUP_ENTRY,
      description: 'privatelink-ecs hub: applies member events to the organization roll-up',
      environment: { [ENV.config]: JSON.stringify(config), [ENV.rollupTable]: this.rollupTable.tableName },
      timeout: Duration.seconds(30),
      logRetentionDays: config.logRetentionDays as RetentionDays,
      async: true,
      codeMode,
    });
    for (const statement of buildStatements(ROLLUP_PERMISSIONS, config, {
      partition: Aws.PARTITION,
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
      tableArn: this.rollupTable.tableArn,
    })) {
      this.rollupFunction.role.addToPrincipalPolicy(statement);
    }
    const targetDlq = new Queue(this, 'RollupTargetDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rollupRule = new Rule(this, 'RollupRule', {
      eventBus: this.bus,
      description: 'privatelink-ecs hub: member remediation results and trigger decisions to the roll-up',
      eventPattern: { source: [ORG_EVENT_SOURCE], detailType: [COMPLETED_DETAIL_TYPE, DECISION_DETAIL_TYPE] },
      targets: [
        new LambdaFunction(this.rollupFunction.function, {
          deadLetterQueue: targetDlq,
          retryAttempts: RULE_TARGET_RETRY_ATTEMPTS,
          maxEventAge: RULE_TARGET_MAX_EVENT_AGE,
        }),
      ],
    });

    // 4. One topic, the member-failure alarm, the function and queue alarms, and the dashboard.
    this.notifications = new Notifications(this, 'Notifications', {
      ...(config.notificationEmail ? { email: config.notificationEmail } : {}),
      targetDeadLetterQueue: targetDlq,
    });
    const queues = [{ id: 'RollupTargetDlq', queue: targetDlq }];
    if (this.rollupFunction.deadLetterQueue)
      queues.push({ id: 'OrgRollupDlq', queue: this.rollupFunction.deadLetterQueue });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      topic: this.notifications.topic,
      functions: [{ id: 'OrgRollup', function: this.rollupFunction.function }],
      deadLetterQueues: queues,
    });
    const memberFailures = serviceMetric(MetricName.MemberFailures, 'member failures');
    const alarm = memberFailures.createAlarm(this, 'MemberFailureAlarm', {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'A member account reported a failed remediation or trigger decision; run privatelink-ecs status --state failed',
    });
    alarm.addAlarmAction(new SnsAction(this.notifications.topic));
    this.monitoring.dashboard.addWidgets(
      new GraphWidget({
        title: 'Organization: member reports',
        width: 24,
        left: [
          memberFailures,
          serviceMetric(MetricName.RollupEventsApplied, 'applied to the roll-up'),
          serviceMetric(MetricName.RollupEventsIgnored, 'stale or duplicate'),
          serviceMetric(MetricName.EventsDropped, 'malformed, dropped'),
        ],
      }),
    );

    new CfnOutput(this, HUB_OUTPUTS.rollupTableName, {
      description: 'Roll-up of every opted-in VPC of the organization; privatelink-ecs status reads it',
      value: this.rollupTable.tableName,
    });
    new CfnOutput(this, HUB_OUTPUTS.busArn, {
      description: 'Central event bus the members forward to',
      value: this.bus.eventBusArn,
    });
    new CfnOutput(this, HUB_OUTPUTS.topicArn, {
      description: 'SNS topic of the member-failure alarm',
      value: this.notifications.topic.topicArn,
    });
    new CfnOutput(this, HUB_OUTPUTS.dashboardName, {
      description: 'CloudWatch dashboard across the organization',
      value: this.monitoring.dashboard.dashboardName,
    });

    this.acknowledgeFindings(queues.map((q) => q.queue));
  }

  private acknowledgeFindings(queues: Queue[]): void {
    const dlqReason =
      'This queue is itself a dead-letter queue; a dead-letter queue for it would add nothing';
    for (const queue of queues) {
      acknowledge(cfnOf(queue), 'AwsSolutions-SQS3', dlqReason);
      acknowledge(cfnOf(queue), 'Serverless-SQSRedrivePolicy', dlqReason);
    }
    acknowledge(
      cfnOf(this.notifications.topic),
      'AwsSolutions-SNS2',
      'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key; messages carry only ids and counts, and the topic enforces TLS',
    );
    acknowledge(
      cfnOf(this.rollupFunction.function),
      'Serverless-LambdaDLQ',
      'Failed asynchronous invocations go to an SQS on-failure destination, not a DLQ',
    );
    acknowledgeWildcardResources(this, ROLLUP_PERMISSIONS, (policy) =>
      isBucketDeployment(policy) ? BUCKET_DEPLOYMENT_REASON : undefined,
    );
    this.acknowledgeBucketDeployment();
  }

  /**
   * cdk-stacksets copies the member functions' code into the per-region buckets with CDK's BucketDeployment
   * (a custom resource whose handler, role and runtime CDK chooses). Its findings are CDK's, acknowledged here.
   */
  private acknowledgeBucketDeployment(): void {
    for (const node of this.node.findAll()) {
      if (!isBucketDeployment(node) || !CfnResource.isCfnResource(node)) continue;
      for (const [rule, reason] of Object.entries(BUCKET_DEPLOYMENT_FINDINGS)) {
        acknowledge(node, rule, reason);
      }
    }
  }
}

/**
 * One bucket per member region, in the hub account, holding the member stack's Lambda code. Readable by the
 * organization only (StackSet execution roles in member accounts fetch the code), TLS only, never public.
 */
export class AssetBucketStack extends Stack {
  public readonly bucket: Bucket;

  public constructor(
    scope: Construct,
    id: string,
    props: StackProps & { prefix: string; organizationId: string },
  ) {
    super(scope, id, props);
    this.bucket = new Bucket(this, 'Assets', {
      bucketName: assetBucketName(props.prefix, this.region),
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OrganizationReadsMemberCode',
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    acknowledge(
      cfnOf(this.bucket),
      'AwsSolutions-S1',
      'Holds only the member stack’s Lambda code, written by the hub deployment; CloudTrail records its reads',
    );
  }
}
