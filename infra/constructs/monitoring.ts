// Alarms (all notify the topic) and the operations dashboard. The dashboard reads the Powertools EMF metrics
// by the names in shared/observability.ts, so the code that emits them and the graphs cannot drift apart.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ConfigError } from '../../shared/errors';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../../shared/observability';

export interface MonitoredFunction {
  /** Short stable id used in alarm construct ids, e.g. "Sweep". */
  id: string;
  function: IFunction;
}

export interface MonitoredQueue {
  id: string;
  queue: IQueue;
}

export interface MonitoringProps {
  topic: ITopic;
  stateMachine?: IStateMachine;
  functions: MonitoredFunction[];
  deadLetterQueues: MonitoredQueue[];
}

const PERIOD = Duration.minutes(5);

/** A half-width dashboard graph of the given metrics. */
function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, width: 12, left });
}

/** A Powertools EMF metric from our namespace, with the default `service` dimension. */
export function serviceMetric(name: MetricName, label: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic: 'Sum',
    period: PERIOD,
    label,
  });
}

export class Monitoring extends Construct {
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    validate(props);
    const action = new SnsAction(props.topic);
    const alarm = (alarmId: string, metric: IMetric, description: string): Alarm => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    if (props.stateMachine) {
      alarm(
        'WorkflowFailedAlarm',
        props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
        'A privatelink-ecs remediation workflow execution failed; open the execution from the StateMachineArn output',
      );
      alarm(
        'WorkflowTimedOutAlarm',
        props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
        'A privatelink-ecs remediation workflow execution timed out',
      );
    }
    for (const { id: qid, queue } of props.deadLetterQueues) {
      alarm(
        `${qid}NotEmptyAlarm`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        `Dead-letter queue ${qid} holds events privatelink-ecs could not process; inspect and redrive them`,
      );
    }
    for (const { id: fid, function: fn } of props.functions) {
      alarm(
        `${fid}ErrorsAlarm`,
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        `The privatelink-ecs ${fid} function reported errors; see its log group`,
      );
      alarm(
        `${fid}ThrottlesAlarm`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        `The privatelink-ecs ${fid} function was throttled`,
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# privatelink-ecs\nRemediations, endpoints and agent restarts (Powertools metrics, namespace ' +
          `\`${METRICS_NAMESPACE}\`), workflow executions and dead-letter queues.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Remediations', [
        serviceMetric(MetricName.RemediationsStarted, 'started'),
        serviceMetric(MetricName.RemediationsSucceeded, 'succeeded'),
        serviceMetric(MetricName.RemediationsFailed, 'failed'),
      ]),
      graph('Endpoints and agents', [
        serviceMetric(MetricName.EndpointsCreated, 'endpoints created'),
        serviceMetric(MetricName.AgentsRestarted, 'agents restarted'),
        serviceMetric(MetricName.AgentsFailed, 'agents failed'),
      ]),
    );
    const totals = new SingleValueWidget({
      title: 'Totals over the dashboard period',
      width: 24,
      setPeriodToTimeRange: true,
      metrics: [
        serviceMetric(MetricName.RemediationsStarted, 'remediations started'),
        serviceMetric(MetricName.RemediationsSucceeded, 'remediations succeeded'),
        serviceMetric(MetricName.RemediationsFailed, 'remediations failed'),
        serviceMetric(MetricName.EndpointsCreated, 'endpoints created'),
        serviceMetric(MetricName.AgentsRestarted, 'agents restarted'),
        serviceMetric(MetricName.AgentsFailed, 'agents failed'),
      ],
    });
    this.dashboard.addWidgets(totals);
    const operational: GraphWidget[] = [];
    if (props.stateMachine) {
      operational.push(
        graph('Workflow executions', [
          props.stateMachine.metricStarted({ period: PERIOD, label: 'started' }),
          props.stateMachine.metricSucceeded({ period: PERIOD, label: 'succeeded' }),
          props.stateMachine.metricFailed({ period: PERIOD, label: 'failed' }),
          props.stateMachine.metricTimedOut({ period: PERIOD, label: 'timed out' }),
        ]),
      );
    }
    operational.push(
      graph(
        'Dead-letter queues (messages visible)',
        props.deadLetterQueues.map(({ id: qid, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: 'Maximum',
            label: qid,
          }),
        ),
      ),
    );
    this.dashboard.addWidgets(...operational);
    if (props.functions.length > 0) {
      this.dashboard.addWidgets(
        graph(
          'Lambda errors',
          props.functions.map(({ id: fid, function: fn }) =>
            fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: fid }),
          ),
        ),
        graph(
          'Lambda throttles',
          props.functions.map(({ id: fid, function: fn }) =>
            fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: fid }),
          ),
        ),
      );
    }
  }
}

function validate(props: MonitoringProps): void {
  const ids = [...props.functions.map((f) => f.id), ...props.deadLetterQueues.map((q) => q.id)];
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new ConfigError(`monitoring: id ${duplicate} is used twice`, { field: 'id' });
  const bad = ids.find((id) => !/^[A-Za-z][A-Za-z0-9]*$/.test(id));
  if (bad !== undefined) throw new ConfigError(`monitoring: id ${bad} must be alphanumeric`, { field: 'id' });
}
