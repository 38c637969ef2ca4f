// The notification topic: alarms publish to it, the workflow's completion events are forwarded to it, and an
// optional email address from the config is subscribed.
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError } from '../../shared/errors';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../../shared/workflow/summary';
import { RULE_TARGET_MAX_EVENT_AGE, RULE_TARGET_RETRY_ATTEMPTS } from './triggers';

export interface NotificationsProps {
  /** Subscribed to the topic when set (the recipient must confirm the subscription). */
  email?: string;
  /** Where the completion rule's target puts events it could not deliver. */
  targetDeadLetterQueue: Queue;
}

export class Notifications extends Construct {
  public readonly topic: Topic;
  public readonly completionRule: Rule;
  /** Present with an email subscription: notifications SNS could not deliver to it. */
  public readonly subscriptionDeadLetterQueue?: Queue;

  public constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    if (props.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) {
      throw new ConfigError(
        `notificationEmail must be an email address, got ${JSON.stringify(props.email)}`,
        {
          field: 'notificationEmail',
        },
      );
    }

    this.topic = new Topic(this, 'Topic', {
      displayName: 'privatelink-ecs notifications',
      enforceSSL: true,
    });

    if (props.email) {
      this.subscriptionDeadLetterQueue = new Queue(this, 'SubscriptionDeadLetterQueue', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      this.topic.addSubscription(
        new EmailSubscription(props.email, { deadLetterQueue: this.subscriptionDeadLetterQueue }),
      );
    }

    this.completionRule = new Rule(this, 'CompletionRule', {
      description: 'Forwards privatelink-ecs remediation summaries to the notification topic',
      // The event the workflow's summary step puts on the default bus when a remediation ends.
      eventPattern: { source: [EVENT_SOURCE], detailType: [COMPLETED_DETAIL_TYPE] },
    });
    this.completionRule.addTarget(
      new SnsTopic(this.topic, {
        deadLetterQueue: props.targetDeadLetterQueue,
        retryAttempts: RULE_TARGET_RETRY_ATTEMPTS,
        maxEventAge: RULE_TARGET_MAX_EVENT_AGE,
      }),
    );
  }
}
