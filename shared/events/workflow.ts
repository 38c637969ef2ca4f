// Starting the remediation workflow from a trigger: deterministic execution names, duplicates are success.
import { createHash } from 'node:crypto';
import {
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describeError, errorName } from '../errors';
import { countMetric, logger, MetricName } from '../observability';

/**
 * `<vpcId>-<first 16 hex of sha256(key)>`: at most 38 characters of [a-z0-9-], inside Step Functions'
 * 80-character name rules. The same (VPC, key) always gives the same name, so a duplicate starts nothing.
 */
export function executionName(vpcId: string, key: string): string {
  return `${vpcId}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export interface WorkflowTrigger {
  eventId: string;
  kind: string;
}

export interface WorkflowStart {
  name: string;
  /** False for a dry run. */
  attempted: boolean;
  /** True when this call started a new execution. */
  started: boolean;
  /** True when an execution with this name already existed (a duplicate or an earlier event did it). */
  duplicate: boolean;
  /** Name of the trigger-started execution already RUNNING for this VPC; nothing new was started. */
  alreadyRunning?: string;
  /** Name of the running execution this one took over from (stopped because the endpoints changed). */
  superseded?: string;
  /** Why stopping the superseded execution failed; it then finishes next to the new one. */
  stopFailed?: string;
  executionArn?: string;
  reasons: string[];
}

export interface RunningExecution {
  name: string;
  executionArn: string;
}

/**
 * The trigger-started execution RUNNING for this VPC, if any: ListExecutions (statusFilter RUNNING, every
 * page) filtered to names starting with `<vpcId>-` (executionName's shape). The hyphen after the ID keeps
 * `vpc-0abc` from matching `vpc-0abcd…`. Executions the CLI starts (`cli-<vpcId>-…`) are not counted.
 */
export async function findRunningExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  vpcId: string,
): Promise<RunningExecution | undefined> {
  const prefix = `${vpcId}-`;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken }),
    );
    const found = (page.executions ?? []).find((e) => e.name?.startsWith(prefix));
    if (found?.name && found.executionArn) return { name: found.name, executionArn: found.executionArn };
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/**
 * Stops the execution `newName` takes over from. A failed stop is logged and reported, not thrown: the new
 * execution already runs, and retrying the event would only find everything converged.
 */
async function supersede(
  sfn: SFNClient,
  vpcId: string,
  running: RunningExecution,
  newName: string,
): Promise<Pick<WorkflowStart, 'superseded' | 'stopFailed'>> {
  try {
    await sfn.send(
      new StopExecutionCommand({
        executionArn: running.executionArn,
        error: 'Superseded',
        cause: `the endpoints changed while it ran; execution ${newName} takes over`,
      }),
    );
    logger.info('superseded remediation workflow stopped', {
      vpcId,
      stoppedExecution: running.name,
      executionName: newName,
    });
    return { superseded: running.name };
  } catch (err) {
    logger.error('could not stop the superseded remediation workflow; both run until it finishes', {
      vpcId,
      runningExecution: running.name,
      executionName: newName,
      error: describeError(err),
    });
    return { superseded: running.name, stopFailed: `${errorName(err)}: ${(err as Error).message}` };
  }
}

/**
 * Starts the workflow for a VPC, unless one is already running for it: at most one trigger-started
 * execution runs per VPC. Call it under the per-VPC lock, so no other trigger can start one between the
 * check and the start. Skipping is safe: the running execution waits for the endpoints to be available and
 * only then discovers the container instances. An instance that registers after that discovery registered
 * after the endpoints were available, so its agent already connects through them and needs no restart; an
 * instance registered before it is found by the running execution.
 *
 * The exception is `endpointsChanged` (this trigger just created or changed endpoints): the running
 * execution may be past its endpoint wait and restarting agents that cannot use the new endpoints yet, and
 * no later event would have a reason to start a run for them. The new execution supersedes it: it is
 * started first, then the running one is stopped (error `Superseded`), so one execution runs per VPC
 * again. Commands the stopped run already sent still finish on their instances; the new run waits for the
 * endpoints and skips every agent recorded as restarted after they became available. If the stop fails,
 * the outcome says so (`stopFailed`) and the old run simply finishes next to the new one.
 *
 * `ExecutionAlreadyExists` means a duplicate event or an earlier trigger already started this name: that
 * is success. Every other error (ListExecutions or StartExecution) is thrown so the platform retries.
 */
export async function startRemediation(
  sfn: SFNClient,
  params: {
    stateMachineArn: string;
    vpcId: string;
    name: string;
    trigger: WorkflowTrigger;
    reasons: string[];
    /** This trigger created or changed endpoints just now: start even if an execution is running. */
    endpointsChanged?: boolean;
  },
): Promise<WorkflowStart> {
  const running = await findRunningExecution(sfn, params.stateMachineArn, params.vpcId);
  if (running && params.endpointsChanged && running.name !== params.name) {
    logger.info(
      'remediation workflow running for this VPC, but the endpoints changed since; superseding it',
      {
        vpcId: params.vpcId,
        executionName: params.name,
        runningExecution: running.name,
        runningExecutionArn: running.executionArn,
        reasons: params.reasons,
      },
    );
  } else if (running) {
    logger.info('remediation workflow already running for this VPC; not starting another', {
      vpcId: params.vpcId,
      executionName: params.name,
      runningExecution: running.name,
      runningExecutionArn: running.executionArn,
      reasons: params.reasons,
    });
    return {
      name: params.name,
      attempted: true,
      started: false,
      duplicate: running.name === params.name,
      alreadyRunning: running.name,
      reasons: params.reasons,
    };
  }
  const input = JSON.stringify({ vpcId: params.vpcId, trigger: params.trigger });
  try {
    const res = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: params.stateMachineArn, name: params.name, input }),
    );
    countMetric(MetricName.RemediationsStarted);
    logger.info('remediation workflow started', {
      vpcId: params.vpcId,
      executionName: params.name,
      executionArn: res.executionArn,
      reasons: params.reasons,
    });
    const started: WorkflowStart = {
      name: params.name,
      attempted: true,
      started: true,
      duplicate: false,
      executionArn: res.executionArn,
      reasons: params.reasons,
    };
    if (running) Object.assign(started, await supersede(sfn, params.vpcId, running, params.name));
    return started;
  } catch (err) {
    if (errorName(err) !== 'ExecutionAlreadyExists') throw err;
    logger.info('remediation workflow already started for this endpoint set; nothing new to start', {
      vpcId: params.vpcId,
      executionName: params.name,
    });
    return { name: params.name, attempted: true, started: false, duplicate: true, reasons: params.reasons };
  }
}
