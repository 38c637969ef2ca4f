// Simulated Step Functions: executions are recorded, not run. StartExecution follows the STANDARD workflow
// rules: the same name and input as a RUNNING execution returns it again; any other reuse of a name fails.

import type {
  DescribeExecutionInput,
  DescribeExecutionOutput,
  ListExecutionsInput,
  ListExecutionsOutput,
  StartExecutionInput,
  StartExecutionOutput,
} from '@aws-sdk/client-sfn';
import * as sfnsdk from '@aws-sdk/client-sfn';
import { type HandlerMap, op, paginate, serviceErrors } from './core';
import type { SimExecution, SimState } from './state';

export const { error: sfnError, throttle: sfnThrottle } = serviceErrors(sfnsdk, sfnsdk.SFNServiceException);

const ARN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|execution):[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?$/;
const BAD_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const hasControlCharacter = (name: string) =>
  [...name].some((ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });

/** The fields ListExecutions returns for an execution; DescribeExecution returns them and more. */
function executionSummary(e: SimExecution) {
  return {
    executionArn: e.arn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: new Date(e.startDate.getTime()),
    ...(e.stopDate ? { stopDate: new Date(e.stopDate.getTime()) } : {}),
  };
}

export function sfnHandlers(state: SimState): HandlerMap {
  function machine(arn: string | undefined) {
    if (!arn || !ARN.test(arn) || !arn.includes(':stateMachine:'))
      throw sfnError('InvalidArn', `Invalid Arn: '${arn ?? ''}'`);
    const sm = state.stateMachines.get(arn);
    if (!sm) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return sm;
  }

  return {
    StartExecution: op<StartExecutionInput, StartExecutionOutput>((input) => {
      const sm = machine(input.stateMachineArn);
      const name = input.name ?? state.ids.uuid();
      if (name.length < 1 || name.length > 80 || BAD_NAME.test(name) || hasControlCharacter(name))
        throw sfnError('InvalidName', `Invalid Name: '${name}'`);
      const body = input.input ?? '{}';
      try {
        JSON.parse(body);
      } catch {
        throw sfnError(
          'InvalidExecutionInput',
          `Invalid State Machine Execution Input: '${body.slice(0, 80)}'`,
        );
      }
      if (Buffer.byteLength(body, 'utf8') > 262_144) {
        throw sfnError('InvalidExecutionInput', 'Execution input exceeds the maximum size of 256 KiB.');
      }
      const arn = `arn:aws:states:${state.region}:${state.accountId}:execution:${sm.name}:${name}`;
      const existing = state.executions.get(arn);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === body) {
          return { executionArn: existing.arn, startDate: new Date(existing.startDate.getTime()) };
        }
        throw sfnError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
      const execution: SimExecution = {
        arn,
        stateMachineArn: sm.arn,
        name,
        input: body,
        status: 'RUNNING',
        startDate: state.clock.now(),
      };
      state.executions.set(arn, execution);
      return { executionArn: arn, startDate: new Date(execution.startDate.getTime()) };
    }),
    DescribeExecution: op<DescribeExecutionInput, DescribeExecutionOutput>((input) => {
      const arn = input.executionArn ?? '';
      if (!ARN.test(arn) || !arn.includes(':execution:'))
        throw sfnError('InvalidArn', `Invalid Arn: '${arn}'`);
      const e = state.executions.get(arn);
      if (!e) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
      return {
        ...executionSummary(e),
        input: e.input,
        inputDetails: { included: true },
        ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
        ...(e.cause !== undefined ? { cause: e.cause } : {}),
      };
    }),
    ListExecutions: op<ListExecutionsInput, ListExecutionsOutput>((input) => {
      const sm = machine(input.stateMachineArn);
      const all = [...state.executions.values()]
        .filter((e) => e.stateMachineArn === sm.arn)
        .filter((e) => !input.statusFilter || e.status === input.statusFilter)
        .reverse();
      const maxResults = input.maxResults === 0 ? undefined : input.maxResults;
      const page = paginate(
        all,
        maxResults,
        input.nextToken,
        { min: 1, max: 1000, defaultSize: 100 },
        [sm.arn, input.statusFilter],
        (m) => sfnError(input.nextToken ? 'InvalidToken' : 'ValidationException', m),
      );
      return {
        executions: page.items.map(executionSummary),
        nextToken: page.nextToken,
      };
    }),
  };
}
