// The remediation workflow: a Standard state machine (JSONPath) whose Task states call one thin Lambda each.
// All step logic lives in shared/workflow; this file only orchestrates: the loops, the waits with backoff,
// Retry with full jitter on transient errors, and a Catch on every Task that leads to the summary.
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  JsonPath,
  type LogOptions,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Config } from '../shared/config';
import { ENV } from '../shared/env';
import { ConfigError } from '../shared/errors';
import type { PermissionDeclaration } from '../shared/permissions';
import { INPUT_REJECTION_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from '../shared/workflow/errors';
import { workflowPermissions } from '../shared/workflow/permissions';
import { STEP_NAMES, type StepName } from '../shared/workflow/steps';

export interface WorkflowFunctionProps {
  entry: string;
  description: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  /** The declarations of every AWS call the step makes; the factory turns them into the role's policy. */
  permissions?: readonly PermissionDeclaration[];
}

export interface RemediationWorkflowProps {
  config: Config;
  /** The house Lambda factory. */
  createFunction: (id: string, props: WorkflowFunctionProps) => IFunction;
  /** Name of the deployed restart command document; passed to the steps as RESTART_DOCUMENT_NAME. */
  restartDocumentName?: string;
  /** Name of the deployed Windows restart document; passed to the steps as RESTART_WINDOWS_DOCUMENT_NAME. */
  windowsRestartDocumentName?: string;
  /** The DynamoDB table (key `id`, TTL `expiration`) for batch records; passed as STATE_TABLE_NAME. */
  stateTableName?: string;
  /** Extra environment for every step function. */
  environment?: Record<string, string>;
  logs?: LogOptions;
  tracingEnabled?: boolean;
  /** Upper bound on one execution (default 24 hours). */
  timeout?: Duration;
}

/** Lambda timeout per step; the Task's TimeoutSeconds follows it. Discovery pages through whole fleets. */
const STEP_TIMEOUT_SECONDS: Record<StepName, number> = {
  ValidateInput: 30,
  EnsureEndpoints: 300,
  CheckEndpoints: 60,
  DiscoverInstances: 900,
  StartAgentUpdates: 300,
  CheckAgentUpdates: 300,
  StartBatch: 300,
  PollBatch: 300,
  Summarize: 300,
};

const STEP_DESCRIPTIONS: Record<StepName, string> = {
  ValidateInput: 'Workflow: validate the input and the VPC opt-in',
  EnsureEndpoints: 'Workflow: reconcile the VPC endpoints (idempotent)',
  CheckEndpoints: 'Workflow: poll the endpoints until available, failed or timed out',
  DiscoverInstances: 'Workflow: find ECS container instances in the VPC and plan restarts',
  StartAgentUpdates: 'Workflow: start UpdateContainerAgent for agents older than 1.25.1',
  CheckAgentUpdates: 'Workflow: follow agent updates to UPDATED or FAILED',
  StartBatch: 'Workflow: send the restart command to one batch (or drain for a reboot)',
  PollBatch: 'Workflow: follow commands, reboots and agent reconnection for one batch',
  Summarize: 'Workflow: summary, completion event and metrics',
};

/** functions/workflow-<kebab-case step name>/index.ts */
export function stepEntry(step: StepName): string {
  const kebab = step.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return `functions/workflow-${kebab}/index.ts`;
}

export class RemediationWorkflow extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly functions: Record<StepName, IFunction>;
  /** Declarations granted to each step's function. */
  public readonly permissions: Record<StepName, PermissionDeclaration[]>;

  public constructor(scope: Construct, id: string, props: RemediationWorkflowProps) {
    super(scope, id);
    if (!props.config)
      throw new ConfigError('RemediationWorkflow needs a validated config', { field: 'config' });
    if (typeof props.createFunction !== 'function') {
      throw new ConfigError('RemediationWorkflow needs createFunction', { field: 'createFunction' });
    }
    this.permissions = workflowPermissions(props.config);
    const environment: Record<string, string> = { ...props.environment };
    if (props.restartDocumentName) environment[ENV.restartDocumentName] = props.restartDocumentName;
    if (props.windowsRestartDocumentName)
      environment[ENV.restartWindowsDocumentName] = props.windowsRestartDocumentName;
    if (props.stateTableName) environment[ENV.stateTable] = props.stateTableName;

    const functions = {} as Record<StepName, IFunction>;
    for (const step of STEP_NAMES) {
      functions[step] = props.createFunction(`Workflow${step}`, {
        entry: stepEntry(step),
        description: STEP_DESCRIPTIONS[step],
        environment,
        timeout: Duration.seconds(STEP_TIMEOUT_SECONDS[step]),
        permissions: this.permissions[step],
      });
    }
    this.functions = functions;

    const task = (step: StepName): LambdaInvoke => {
      const t = new LambdaInvoke(this, step, {
        lambdaFunction: functions[step],
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        taskTimeout: Timeout.duration(Duration.seconds(STEP_TIMEOUT_SECONDS[step] + 10)),
      });
      t.addRetry({
        errors: [...RETRYABLE_ERROR_NAMES],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.seconds(60),
        jitterStrategy: JitterType.FULL,
      });
      return t;
    };

    // Summary and its outcome.
    const summarize = task('Summarize');
    const succeeded = new Succeed(this, 'Remediated', { outputPath: '$.summary' });
    const failed = new Fail(this, 'RemediationFailed', {
      errorPath: '$.outcome.error',
      causePath: '$.outcome.cause',
    });
    summarize.addCatch(
      new Fail(this, 'SummaryFailed', {
        errorPath: '$.summaryError.Error',
        causePath: '$.summaryError.Cause',
      }),
      { resultPath: '$.summaryError' },
    );
    summarize.next(
      new Choice(this, 'Outcome')
        .when(Condition.booleanEquals('$.outcome.failed', true), failed)
        .otherwise(succeeded),
    );
    const toSummary = (t: LambdaInvoke): LambdaInvoke => {
      t.addCatch(summarize, { resultPath: '$.failure' });
      return t;
    };

    // 1. Input. A Pass state wraps whatever the execution received (an object, or not), so the Catch below
    // can always add `failure` to it.
    const receive = new Pass(this, 'ReceiveInput', {
      parameters: {
        input: JsonPath.entirePayload,
        executionName: JsonPath.stringAt('$$.Execution.Name'),
        executionArn: JsonPath.stringAt('$$.Execution.Id'),
        startTime: JsonPath.stringAt('$$.Execution.StartTime'),
      },
    });
    const validate = task('ValidateInput');
    validate.addCatch(
      new Fail(this, 'InputRejected', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' }),
      { errors: [...INPUT_REJECTION_ERROR_NAMES], resultPath: '$.failure' },
    );
    toSummary(validate);
    receive.next(validate);

    // 2-3. Endpoints.
    const ensure = toSummary(task('EnsureEndpoints'));
    const check = toSummary(task('CheckEndpoints'));
    const waitEndpoints = new Wait(this, 'WaitForEndpoints', {
      time: WaitTime.secondsPath('$.endpoints.waitSeconds'),
    });

    // 4-5. Discovery and the agent gate.
    const discover = toSummary(task('DiscoverInstances'));
    const startUpdates = toSummary(task('StartAgentUpdates'));
    const checkUpdates = toSummary(task('CheckAgentUpdates'));
    const waitUpdates = new Wait(this, 'WaitForAgentUpdates', {
      time: WaitTime.secondsPath('$.updates.waitSeconds'),
    });

    // 6. Rolling restart.
    const startBatch = toSummary(task('StartBatch'));
    const pollBatch = toSummary(task('PollBatch'));
    const waitBatch = new Wait(this, 'WaitForBatch', { time: WaitTime.secondsPath('$.rollout.waitSeconds') });
    const moreBatches = new Choice(this, 'MoreBatches')
      .when(Condition.booleanEquals('$.rollout.more', true), startBatch)
      .otherwise(summarize);

    validate.next(ensure);
    ensure.next(
      new Choice(this, 'DryRun')
        .when(Condition.booleanEquals('$.input.dryRun', true), summarize)
        .otherwise(check),
    );
    check.next(
      new Choice(this, 'EndpointsReady')
        .when(Condition.booleanEquals('$.endpoints.ready', true), discover)
        .otherwise(waitEndpoints),
    );
    waitEndpoints.next(check);
    discover.next(
      new Choice(this, 'AgentUpdatesNeeded')
        .when(Condition.booleanEquals('$.updates.done', false), startUpdates)
        .otherwise(moreBatches),
    );
    startUpdates.next(waitUpdates);
    waitUpdates.next(checkUpdates);
    checkUpdates.next(
      new Choice(this, 'AgentUpdatesDone')
        .when(Condition.booleanEquals('$.updates.done', true), moreBatches)
        .otherwise(waitUpdates),
    );
    startBatch.next(waitBatch);
    waitBatch.next(pollBatch);
    pollBatch.next(
      new Choice(this, 'BatchFinished')
        .when(Condition.stringEquals('$.rollout.phase', 'running'), waitBatch)
        .otherwise(moreBatches),
    );

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment:
        'privatelink-ecs: ensure the VPC endpoints, wait until available, restart ecs-agent in rolling batches',
      definitionBody: DefinitionBody.fromChainable(receive),
      timeout: props.timeout ?? Duration.hours(24),
      tracingEnabled: props.tracingEnabled ?? true,
      ...(props.logs ? { logs: props.logs } : {}),
    });
  }
}
