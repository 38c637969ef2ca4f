// Starting the remediation workflow from a trigger: deterministic execution names, duplicates are success.
import { createHash } from 'node:crypto';
import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Config } from '../config';
import { errorName } from '../errors';
import { countMetric, logger, MetricName } from '../observability';
import { MANAGED_TAG_VALUE } from '../reconciler/naming';

/**
 * `<vpcId>-<first 16 hex of sha256(key)>`: at most 38 characters of [a-z0-9-], inside Step Functions'
 * 80-character name rules. The same (VPC, key) always gives the same name, so a duplicate starts nothing.
 */
export function executionName(vpcId: string, key: string): string {
  return `${vpcId}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export interface EndpointGeneration {
  /** Creation time of the newest endpoint we manage in the VPC; undefined when we manage none. */
  newestCreatedAt?: Date;
  /** True when every endpoint we manage is `available`. */
  allAvailable: boolean;
  managedCount: number;
}

/** Creation times and states of the endpoints we manage in a VPC (read-only, paginated). */
export async function readEndpointGeneration(
  ec2: EC2Client,
  config: Config,
  vpcId: string,
): Promise<EndpointGeneration> {
  let newest: Date | undefined;
  let allAvailable = true;
  let managedCount = 0;
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeVpcEndpointsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: `tag:${config.managedTagKey}`, Values: [MANAGED_TAG_VALUE] },
        ],
        NextToken: nextToken,
      }),
    );
    for (const ep of page.VpcEndpoints ?? []) {
      const state = (ep.State ?? '').toLowerCase();
      if (state === 'deleted' || state === 'deleting') continue;
      managedCount++;
      if (state !== 'available') allAvailable = false;
      if (ep.CreationTimestamp && (!newest || ep.CreationTimestamp > newest)) newest = ep.CreationTimestamp;
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return { newestCreatedAt: newest, allAvailable, managedCount };
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
  executionArn?: string;
  reasons: string[];
}

/**
 * Starts the workflow for a VPC. `ExecutionAlreadyExists` means a duplicate event or an earlier trigger
 * already started it: that is success. Every other error is thrown so the platform retries the event.
 */
export async function startRemediation(
  sfn: SFNClient,
  params: {
    stateMachineArn: string;
    vpcId: string;
    name: string;
    trigger: WorkflowTrigger;
    reasons: string[];
  },
): Promise<WorkflowStart> {
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
    return {
      name: params.name,
      attempted: true,
      started: true,
      duplicate: false,
      executionArn: res.executionArn,
      reasons: params.reasons,
    };
  } catch (err) {
    if (errorName(err) !== 'ExecutionAlreadyExists') throw err;
    logger.info('remediation workflow already started for this endpoint set; nothing new to start', {
      vpcId: params.vpcId,
      executionName: params.name,
    });
    return { name: params.name, attempted: true, started: false, duplicate: true, reasons: params.reasons };
  }
}
