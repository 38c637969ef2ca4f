// Runs the workflow in-process: the state machine definition is synthesized from the CDK construct (so the
// exact ASL that deploys is the one that runs), validated with asl-validator, and executed with
// aws-local-stepfunctions, its Task states bound by name to the real step services. Used by the CLI
// (`run`, `demo`), the workflow tests and the bench. Clients are injected: simulated account, moto or AWS.
import '../polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { RemediationWorkflow } from '../../infra/workflow';
import type { AwsClients } from '../../shared/clients';
import type { Config } from '../../shared/config';
import type { MetricName } from '../../shared/observability';
import { reconcileVpc } from '../../shared/reconciler';
import {
  createWorkflowSteps,
  type ReconcileFn,
  STEP_NAMES,
  type StepName,
} from '../../shared/workflow/steps';
import { MemoryStateStore, type StateStore } from '../../shared/workflow/store';
import type { RemediationSummary } from '../../shared/workflow/types';

const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '123456789012';

/** An execution event as aws-local-stepfunctions yields it (its type is not exported). */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function resolveIntrinsics(value: unknown, region: string, account: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, region, account));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = obj[key];
      if (key === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return parts.map((p) => String(resolveIntrinsics(p, region, account))).join(sep);
      }
      if (key === 'Fn::GetAtt') {
        const [logicalId, attr] = arg as [string, string];
        if (attr !== 'Arn') throw new Error(`local runner cannot resolve Fn::GetAtt ${logicalId}.${attr}`);
        return `arn:aws:lambda:${region}:${account}:function:${logicalId}`;
      }
      if (key === 'Ref') {
        const refs: Record<string, string> = {
          'AWS::Partition': 'aws',
          'AWS::Region': region,
          'AWS::AccountId': account,
          'AWS::URLSuffix': 'amazonaws.com',
        };
        const resolved = refs[arg as string];
        if (resolved === undefined) throw new Error(`local runner cannot resolve Ref ${String(arg)}`);
        return resolved;
      }
    }
    return Object.fromEntries(
      Object.entries(obj).map(([k, v]) => [k, resolveIntrinsics(v, region, account)]),
    );
  }
  return value;
}

type AslValidator = (
  definition: unknown,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

/** Validates with asl-validator on a copy (the validator mutates its input); throws with the findings. */
function validateDefinition(definition: StateMachineDefinition): void {
  const validator = require('asl-validator') as AslValidator;
  const { isValid, errorsText } = validator(structuredClone(definition));
  if (!isValid) throw new Error(`the synthesized state machine is not valid ASL: ${errorsText('; ')}`);
}

const definitionCache = new Map<string, StateMachineDefinition>();

/** Synthesizes a throwaway stack holding RemediationWorkflow and returns its resolved ASL definition. */
function synthesizeDefinition(config: Config): StateMachineDefinition {
  const cacheKey = JSON.stringify(config);
  const cached = definitionCache.get(cacheKey);
  if (cached) return structuredClone(cached);
  const outdir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-synth-'));
  try {
    const app = new App({ outdir, analyticsReporting: false });
    const stack = new Stack(app, 'PrivateLinkEcsLocal', {
      env: { region: LOCAL_REGION, account: LOCAL_ACCOUNT },
    });
    new RemediationWorkflow(stack, 'Workflow', {
      config,
      createFunction: (id, props) =>
        new LambdaFunction(stack, id, {
          runtime: Runtime.NODEJS_22_X,
          handler: 'index.handler',
          description: props.description,
          // Never invoked: the local runner binds each Task state to the step service in-process.
          code: Code.fromInline('exports.handler = async () => { throw new Error("local stand-in"); };'),
        }),
      tracingEnabled: false,
    });
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    const sm = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    if (!sm?.Properties?.DefinitionString) throw new Error('no state machine in the synthesized template');
    const text = resolveIntrinsics(sm.Properties.DefinitionString, LOCAL_REGION, LOCAL_ACCOUNT);
    if (typeof text !== 'string') throw new Error('DefinitionString did not resolve to a string');
    const definition = JSON.parse(text) as StateMachineDefinition;
    validateDefinition(definition);
    definitionCache.set(cacheKey, definition);
    return structuredClone(definition);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Names of the Wait states, and of states with a Retry, in a definition. */
function statesOfType(
  definition: StateMachineDefinition,
  predicate: (s: Record<string, unknown>) => boolean,
) {
  return Object.entries(definition.States)
    .filter(([, s]) => predicate(s as unknown as Record<string, unknown>))
    .map(([name]) => name);
}

export interface LocalRunOptions {
  /** The clients every step uses, unless `clientsFor` gives each step its own. */
  clients: AwsClients;
  /**
   * Clients for one step, by the function id the stack deploys it as (Workflow<Step>): on the simulated
   * account, clients bound to that function's role, so each step's calls are authorized as in the deployed
   * stack.
   */
  clientsFor?: (functionId: string) => AwsClients;
  /**
   * Runs each step's code as its deployed function (Workflow<Step>), e.g. devkit/iam's `asRole` for clients that
   * enforce IAM per scope (moto).
   */
  runAs?: <T>(functionId: string, fn: () => Promise<T>) => Promise<T>;
  /** The state store of one step, over that step's DynamoDB client (default: `store` for every step). */
  storeFor?: (clients: AwsClients) => StateStore;
  config: Config;
  store?: StateStore;
  documentName?: string;
  /** The Windows restart document; without it Windows container instances are skipped. */
  windowsDocumentName?: string;
  reconcile?: ReconcileFn;
  /** Zero every Wait and Retry pause (tests, demo, bench). Otherwise the definition's real waits apply. */
  fastWaits?: boolean;
  executionName?: string;
  /** The execution's ARN ($$.Execution.Id), e.g. the one the simulated account's StartExecution gave. */
  executionArn?: string;
  eventBusName?: string;
  emitMetric?: (name: MetricName, value: number) => void;
  /** Called for every execution event (state entered/exited, retried, caught...), e.g. for a progress display. */
  onEvent?: (event: EventLog) => void;
  now?: () => Date;
  /**
   * Called with each Wait state's duration in seconds as it is entered, even when fastWaits zeroes the real
   * pause: lets a simulated account's clock move as the deployed workflow's would.
   */
  advanceClock?: (seconds: number) => void;
}

/** Seconds a Wait state waits for this input: its Seconds, or its SecondsPath ($.a.b) resolved on the input. */
function waitSecondsOf(definition: StateMachineDefinition, name: string, input: unknown): number {
  const state = definition.States[name] as unknown as { Seconds?: number; SecondsPath?: string };
  if (typeof state.Seconds === 'number') return state.Seconds;
  if (!state.SecondsPath?.startsWith('$.')) return 0;
  let value: unknown = input;
  for (const part of state.SecondsPath.slice(2).split('.')) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return typeof value === 'number' ? value : 0;
}

export interface LocalRunResult {
  status: 'SUCCEEDED' | 'FAILED';
  executionName: string;
  /** The execution output (the summary) when it succeeded. */
  output?: Json;
  error?: string;
  cause?: string;
  /** The summary, from the output or from the failure's cause when the workflow reached Summarize. */
  summary?: RemediationSummary;
  /** State entries: what Step Functions bills as state transitions. */
  transitions: number;
  /** The largest state input or output seen, in bytes (UTF-8 JSON). */
  maxPayloadBytes: number;
  statesVisited: string[];
  /** Task attempts repeated by a Retry rule. */
  retries: number;
}

function payloadBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value));
}

function parseSummary(text: string | undefined): RemediationSummary | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as RemediationSummary;
    return parsed && typeof parsed === 'object' && 'counts' in parsed ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one execution of the synthesized workflow in-process. */
export async function runWorkflowLocally(input: unknown, options: LocalRunOptions): Promise<LocalRunResult> {
  const definition = synthesizeDefinition(options.config);
  const sharedStore = options.store ?? new MemoryStateStore();
  const stepFor = (name: StepName) => {
    const clients = options.clientsFor ? options.clientsFor(`Workflow${name}`) : options.clients;
    return createWorkflowSteps({
      clients,
      config: options.config,
      store: options.storeFor ? options.storeFor(clients) : sharedStore,
      reconcile: options.reconcile ?? reconcileVpc,
      ...(options.documentName ? { documentName: options.documentName } : {}),
      ...(options.windowsDocumentName ? { windowsDocumentName: options.windowsDocumentName } : {}),
      ...(options.eventBusName ? { eventBusName: options.eventBusName } : {}),
      ...(options.emitMetric ? { emitMetric: options.emitMetric } : {}),
      ...(options.now ? { now: options.now } : {}),
    })[name] as (i: unknown) => Promise<unknown>;
  };
  const handlers = Object.fromEntries(
    STEP_NAMES.map((name) => {
      const step = stepFor(name);
      const run = options.runAs;
      return [
        name,
        async (stateInput: unknown) =>
          (await (run ? run(`Workflow${name}`, () => step(stateInput)) : step(stateInput))) as Json,
      ];
    }),
  );
  const waits = statesOfType(definition, (s) => s.Type === 'Wait');
  const retrying = statesOfType(definition, (s) => Array.isArray(s.Retry));
  const executionName =
    options.executionName ?? `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  // synthesizeDefinition validated this definition once (checkArn and checkPaths are asl-validator's defaults);
  // validating it again on every run would cost about half a second each time.
  const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
  const execution = machine.run(input as Json, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      ...(options.fastWaits
        ? {
            waitTimeOverrides: Object.fromEntries(waits.map((w) => [w, 0])),
            retryIntervalOverrides: Object.fromEntries(retrying.map((r) => [r, 0])),
          }
        : {}),
    },
    context: {
      Execution: {
        Input: input as Json,
        Name: executionName,
        StartTime: new Date().toISOString(),
        Id:
          options.executionArn ??
          `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:local:${executionName}`,
      },
    },
  });

  let transitions = 0;
  let maxPayloadBytes = 0;
  const statesVisited: string[] = [];
  let retries = 0;
  let failedEvent: { Error: string; Cause: unknown } | undefined;
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') {
      if (event.state.type === 'Wait' && options.advanceClock) {
        options.advanceClock(waitSecondsOf(definition, event.state.name, event.state.input));
      }
      transitions++;
      statesVisited.push(event.state.name);
      maxPayloadBytes = Math.max(maxPayloadBytes, payloadBytes(event.state.input));
    } else if (event.type === 'StateExited') {
      maxPayloadBytes = Math.max(maxPayloadBytes, payloadBytes(event.state.output));
    } else if (event.type === 'StateRetried') {
      retries++;
    } else if (event.type === 'ExecutionFailed') {
      failedEvent = { Error: event.Error, Cause: event.Cause };
    }
    options.onEvent?.(event);
  }
  try {
    const output = (await execution.result) as Json;
    const summary =
      output && typeof output === 'object' && 'counts' in output
        ? (output as unknown as RemediationSummary)
        : undefined;
    return {
      status: 'SUCCEEDED',
      executionName,
      output,
      ...(summary ? { summary } : {}),
      transitions,
      maxPayloadBytes,
      statesVisited,
      retries,
    };
  } catch (err) {
    const inner = (err as { cause?: { name?: string; message?: string } }).cause;
    const error = failedEvent?.Error ?? inner?.name ?? (err as Error).name;
    const cause = String(failedEvent?.Cause ?? inner?.message ?? (err as Error).message);
    const summary = parseSummary(cause);
    return {
      status: 'FAILED',
      executionName,
      error,
      cause,
      ...(summary ? { summary } : {}),
      transitions,
      maxPayloadBytes,
      statesVisited,
      retries,
    };
  }
}
