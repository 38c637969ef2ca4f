import { Match, type Template } from 'aws-cdk-lib/assertions';
import { UNSCOPABLE_ACTIONS } from '../../infra/nag';
import { isReadOnlyAction } from '../../infra/permissions';
import { parseConfig } from '../../shared/config';
import { TRIGGER_RULES } from '../../shared/events/patterns';
import { METRICS_NAMESPACE, MetricName } from '../../shared/observability';
import { RESTART_DOCUMENT, WINDOWS_RESTART_DOCUMENT } from '../../shared/workflow/document';
import { STEP_NAMES } from '../../shared/workflow/steps';
import {
  allStatements,
  asArray,
  NAG_PACKS,
  nagReport,
  policyOf,
  type Synthesized,
  statementsAllowing,
  synthStack,
} from './support';

describe('PrivateLinkEcsStack (default configuration plus an email address)', () => {
  let synth: Synthesized;
  let template: Template;

  beforeAll(() => {
    synth = synthStack({ notificationEmail: 'platform@example.com', logRetentionDays: 90 });
    template = synth.template;
  });

  describe('cdk-nag', () => {
    it.each(NAG_PACKS)('%s checks report zero unacknowledged findings', (_name, pack) => {
      // Act
      const { report, findings } = nagReport(pack, synth.stack);

      // Assess
      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
    });
  });

  describe('IAM', () => {
    it('allows no wildcard action in any statement', () => {
      // Act
      const wildcards = allStatements(template).filter((s) =>
        asArray(s.statement.Action).some((a) => a.includes('*')),
      );

      // Assess
      expect(allStatements(template).length).toBeGreaterThan(20);
      expect(wildcards).toEqual([]);
    });

    it('allows a mutating action on resource "*" only with a condition or for the unscopable X-Ray/log-delivery calls', () => {
      // Act
      const offending = allStatements(template).filter(({ statement }) => {
        if (statement.Effect !== 'Allow' || statement.Condition) return false;
        if (!asArray(statement.Resource).includes('*')) return false;
        return asArray(statement.Action).some((a) => !isReadOnlyAction(a) && !(a in UNSCOPABLE_ACTIONS));
      });

      // Assess
      expect(offending).toEqual([]);
    });

    // What each role may and may not do is proven with a real policy evaluator, resource by resource, in
    // test/infra/authorization.test.ts, not by reading statements here.

    it('does not grant ecs:UpdateContainerAgent while restart.agentUpdate is off', () => {
      // Assess
      expect(statementsAllowing(template, 'ecs:UpdateContainerAgent')).toEqual([]);
    });

    it('grants each workflow step only its own declared actions (Summarize may only put events on the default bus)', () => {
      // Act
      const summarize = allStatements(template).filter(
        (s) => s.policy === policyOf(template, 'WorkflowSummarize'),
      );
      const actions = summarize.flatMap((s) => asArray(s.statement.Action)).sort();

      // Assess
      expect(actions).toEqual([
        'dynamodb:GetItem',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
      const putEvents = summarize.find((s) => asArray(s.statement.Action).includes('events:PutEvents'));
      expect(JSON.stringify(putEvents?.statement.Resource)).toContain(':event-bus/default');
    });
  });

  describe('workflow', () => {
    it('logs ALL events with execution data to a retained log group and traces with X-Ray', () => {
      // Assess
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [
            {
              CloudWatchLogsLogGroup: {
                LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowLogGroup'), 'Arn'] },
              },
            },
          ],
        },
        TracingConfiguration: { Enabled: true },
        StateMachineName: Match.absent(),
      });
    });

    it('deploys a function per step with the document name and state table in its environment', () => {
      // Prepare
      const functions = Object.entries(template.findResources('AWS::Lambda::Function'));

      // Assess: each step's own function (the same check repeated against any function could not fail per step)
      for (const step of STEP_NAMES) {
        const own = functions.filter(([id]) => id.startsWith(`Workflow${step}Function`));
        expect(own).toHaveLength(1);
        expect(own[0]![1].Properties).toEqual(
          expect.objectContaining({
            Environment: {
              Variables: expect.objectContaining({
                RESTART_DOCUMENT_NAME: { Ref: expect.stringMatching(/^RestartAgentDocument/) },
                RESTART_WINDOWS_DOCUMENT_NAME: { Ref: expect.stringMatching(/^RestartAgentWindowsDocument/) },
                STATE_TABLE_NAME: { Ref: expect.stringMatching(/^IdempotencyTable/) },
                PRIVATELINK_ECS_CONFIG: expect.stringMatching(/"logRetentionDays":90/),
              }),
            },
            Description: expect.stringMatching(/^Workflow: /),
          }),
        );
        expect(policyOf(template, `Workflow${step}`)).toMatch(/^Workflow/);
      }
    });

    it('deploys the restart command document from shared/workflow/document.ts without a fixed name', () => {
      // Assess
      template.hasResourceProperties('AWS::SSM::Document', {
        DocumentType: 'Command',
        Content: JSON.parse(JSON.stringify(RESTART_DOCUMENT)),
        Name: Match.absent(),
      });
    });

    it('deploys the Windows restart document (PowerShell, AmazonECS service) beside it, and no other document', () => {
      // Assess
      template.resourceCountIs('AWS::SSM::Document', 2);
      template.hasResourceProperties('AWS::SSM::Document', {
        DocumentType: 'Command',
        Content: JSON.parse(JSON.stringify(WINDOWS_RESTART_DOCUMENT)),
        Name: Match.absent(),
      });
      expect(JSON.stringify(WINDOWS_RESTART_DOCUMENT)).toMatch(/Restart-Service -Name AmazonECS/);
    });
  });

  describe('triggers', () => {
    it.each(TRIGGER_RULES.map((r) => [r.id, r]))(
      'deploys rule %s with the pattern from shared/events/patterns.ts, targeting its handler with retries and a DLQ',
      (_id, rule) => {
        // Prepare
        const functionPrefix = rule.handlerEntry.includes('trigger-vpc')
          ? '^TriggerVpcFunction'
          : '^TriggerEcsFunction';

        // Assess
        template.hasResourceProperties('AWS::Events::Rule', {
          EventPattern: rule.pattern(parseConfig({})),
          Targets: [
            {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp(functionPrefix), 'Arn'] },
              Id: Match.anyValue(),
              DeadLetterConfig: {
                Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventTargetDeadLetterQueue'), 'Arn'] },
              },
              RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
            },
          ],
        });
      },
    );

    it('runs the sweep on the configured schedule', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(6 hours)',
        Targets: [
          Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SweepFunction'), 'Arn'] } }),
        ],
      });
    });

    it('gives trigger functions the state machine ARN and table, and lets them start only that state machine', () => {
      // Prepare
      const start = statementsAllowing(template, 'states:StartExecution');

      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('^WorkflowStateMachine') },
            IDEMPOTENCY_TABLE_NAME: { Ref: Match.stringLikeRegexp('^IdempotencyTable') },
          }),
        },
      });
      expect(start.map((s) => s.policy).sort()).toEqual(
        [
          policyOf(template, 'Sweep'),
          policyOf(template, 'TriggerEcs'),
          policyOf(template, 'TriggerVpc'),
        ].sort(),
      );
      for (const { statement } of start) {
        expect(statement.Resource).toEqual({ Ref: expect.stringMatching(/^WorkflowStateMachine/) });
      }
    });

    it('lets the trigger functions stop only executions of that state machine (a superseded run)', () => {
      // Prepare
      const stop = statementsAllowing(template, 'states:StopExecution');

      // Assess
      expect(stop.map((s) => s.policy).sort()).toEqual(
        [
          policyOf(template, 'Sweep'),
          policyOf(template, 'TriggerEcs'),
          policyOf(template, 'TriggerVpc'),
        ].sort(),
      );
      for (const { statement } of stop) {
        const resource = JSON.stringify(statement.Resource);
        expect(resource).toContain(':execution:');
        expect(resource).toMatch(/"Fn::GetAtt":\["WorkflowStateMachine[^"]*","Name"\]/);
        expect(resource).toContain(':*');
        expect(resource).not.toBe('"*"');
      }
    });
  });

  describe('notifications', () => {
    it('subscribes the configured email with a dead-letter queue and enforces TLS on the topic', () => {
      // Assess
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'platform@example.com',
        RedrivePolicy: {
          deadLetterTargetArn: {
            'Fn::GetAtt': [Match.stringLikeRegexp('SubscriptionDeadLetterQueue'), 'Arn'],
          },
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('forwards the workflow completion event to the topic with a retry policy and a dead-letter queue', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['privatelink-ecs'],
          'detail-type': ['PrivateLink ECS Remediation Completed'],
        },
        Targets: [
          {
            Arn: { Ref: Match.stringLikeRegexp('^NotificationsTopic') },
            Id: Match.anyValue(),
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventTargetDeadLetterQueue'), 'Arn'] },
            },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
          },
        ],
      });
    });

    it('gives every EventBridge target a dead-letter queue and a retry policy', () => {
      // Act
      const targets = Object.values(template.findResources('AWS::Events::Rule')).flatMap(
        (r) => r.Properties.Targets as Array<Record<string, unknown>>,
      );

      // Assess
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) {
        expect(target.DeadLetterConfig).toEqual({ Arn: expect.anything() });
        expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
      }
    });
  });

  describe('operations', () => {
    it('alarms on failed and timed-out workflow executions, every DLQ, and Lambda errors and throttles, all to the topic', () => {
      // Prepare
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
      const byMetric = (ns: string, name: string) =>
        alarms.filter((a) => a.Namespace === ns && a.MetricName === name);
      const functionCount = template.findResources('AWS::Lambda::Function');
      const queueCount = Object.keys(template.findResources('AWS::SQS::Queue')).length;

      // Assess
      expect(byMetric('AWS/States', 'ExecutionsFailed')).toHaveLength(1);
      expect(byMetric('AWS/States', 'ExecutionsTimedOut')).toHaveLength(1);
      expect(byMetric('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toHaveLength(queueCount);
      expect(byMetric('AWS/Lambda', 'Errors')).toHaveLength(Object.keys(functionCount).length);
      expect(byMetric('AWS/Lambda', 'Throttles')).toHaveLength(Object.keys(functionCount).length);
      for (const alarm of alarms) {
        expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^NotificationsTopic/) }]);
        expect(alarm.Threshold).toBe(1);
        expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      }
    });

    it('graphs the remediation, endpoint and agent metrics from the Powertools namespace on the dashboard', () => {
      // Prepare
      const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);

      // Assess
      for (const name of [
        MetricName.RemediationsStarted,
        MetricName.RemediationsSucceeded,
        MetricName.RemediationsFailed,
        MetricName.EndpointsCreated,
        MetricName.AgentsRestarted,
        MetricName.AgentsFailed,
      ]) {
        expect(body).toContain(
          `[\\"${METRICS_NAMESPACE}\\",\\"${name}\\",\\"service\\",\\"privatelink-ecs\\"`,
        );
      }
    });

    it('outputs the state machine ARN, a console URL for re-runs, the topic ARN and the restart document', () => {
      // Assess
      template.hasOutput('RestartDocumentName', {
        Value: { Ref: Match.stringLikeRegexp('^RestartAgentDocument') },
      });
      template.hasOutput('StateMachineArn', {
        Value: { Ref: Match.stringLikeRegexp('^WorkflowStateMachine') },
      });
      template.hasOutput('NotificationTopicArn', {
        Value: { Ref: Match.stringLikeRegexp('^NotificationsTopic') },
      });
      const url = JSON.stringify(template.findOutputs('ReRunConsoleUrl'));
      expect(url).toContain('/states/home?region=');
      expect(url).toContain('#/statemachines/view/');
    });

    it('sets the configured retention on every log group and keeps them on stack deletion', () => {
      // Act
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));

      // Assess
      expect(groups.length).toBe(Object.keys(template.findResources('AWS::Lambda::Function')).length + 1);
      for (const group of groups) {
        expect(group.Properties.RetentionInDays).toBe(90);
        expect(group.DeletionPolicy).toBe('Retain');
      }
    });

    it('keeps the idempotency table with TTL and point-in-time recovery', () => {
      // Assess
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      });
    });

    it('hard-codes no physical names', () => {
      // Act
      const named = Object.entries(
        template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>,
      )
        .filter(([, r]) =>
          [
            'FunctionName',
            'RoleName',
            'TopicName',
            'QueueName',
            'StateMachineName',
            'LogGroupName',
            'TableName',
            'Name',
            'DashboardName',
          ].some((k) => typeof r.Properties?.[k] === 'string'),
        )
        .map(([id]) => id);

      // Assess
      expect(named).toEqual([]);
    });
  });
});
