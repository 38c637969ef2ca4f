// Which AWS calls each deployed function makes for one VPC and its fleet, with real inputs: the reconciler's
// calls as a held-back run of it made them (first-run.ts), the teardown an opt-out would run, the workflow
// steps' calls for the container instances in the VPC (what decideInstance would do to each with restart
// "all"), and the triggers' own calls. doctor expands each into IAM checks (shared/authz/requests.ts).
// test/workflow/doctor-coverage.test.ts keeps this list honest: every operation a function's role makes in a
// simulated run must be here for that function.
import type { ClientService } from '../../../shared/authz/requests';
import type { Config } from '../../../shared/config';
import { sweepDescriptor, TRIGGER_RULES } from '../../../shared/events/patterns';
import { executionName } from '../../../shared/events/workflow';
import { shortServiceName } from '../../../shared/reconciler/naming';
import type { EndpointSummary } from '../../../shared/reconciler/types';
import {
  chunk,
  decideInstance,
  type InstanceFacts,
  RESTARTED_AT_ATTRIBUTE,
  SEND_COMMAND_LIMIT,
} from '../../../shared/workflow/plan';
import { STEP_NAMES, type StepName } from '../../../shared/workflow/steps';
import { COMPLETED_DETAIL_TYPE, EVENT_SOURCE } from '../../../shared/workflow/summary';
import type { RecordedCall } from './first-run';

export interface ModelledCall extends RecordedCall {
  /** What the function does with the call, for the checklist: "create the ecr.api endpoint". */
  why: string;
}

export interface CallWorld {
  config: Config;
  vpcId: string;
  partition: string;
  region: string;
  account: string;
  tableName: string;
  documentName: string;
  stateMachineArn: string;
  /** The reconciler's calls for the VPC (a held-back run). */
  reconciler: RecordedCall[];
  /** Every endpoint of the VPC now, and the ids of the ones a run would create (vpce-planned<N>). */
  endpoints: EndpointSummary[];
  plannedEndpointIds: string[];
  /** Our endpoint security group: the existing one, or sg-planned when the run creates it. */
  securityGroupId?: string;
  /** The container instances in the VPC, with the facts discovery reads. */
  fleet: InstanceFacts[];
}

const call = (service: ClientService, operation: string, input: Record<string, unknown>, why: string) => ({
  service,
  operation,
  input,
  why,
});

/** "trigger-vpc" -> "TriggerVpc", as infra/stack.ts names each trigger function after its entry folder. */
function functionIdOf(entry: string): string {
  const folder = entry.split('/').slice(-2, -1)[0] ?? '';
  return folder
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** The trigger and sweep function ids of the stack for this config. */
export function triggerFunctionIds(config: Config): string[] {
  return [
    ...new Set([...TRIGGER_RULES.map((r) => r.handlerEntry), sweepDescriptor(config).handlerEntry]),
  ].map(functionIdOf);
}

/** What a reconciler call is for, in a few words. */
export function purposeOf(c: RecordedCall): string {
  const i = c.input;
  const service = typeof i.ServiceName === 'string' ? shortServiceName(i.ServiceName) : undefined;
  switch (c.operation) {
    case 'ModifyVpcAttribute':
      return i.EnableDnsHostnames ? 'turn on DNS hostnames' : 'turn on DNS support';
    case 'CreateSecurityGroup':
      return 'create the endpoint security group';
    case 'AuthorizeSecurityGroupIngress':
      return 'admit TCP 443 from the VPC on our security group';
    case 'CreateVpcEndpoint':
      return `create the ${service} ${i.VpcEndpointType === 'Gateway' ? 'gateway' : 'interface'} endpoint`;
    case 'ModifyVpcEndpoint':
      return `add ${i.AddSubnetIds ? 'subnets' : 'route tables'} to ${String(i.VpcEndpointId)}`;
    default:
      return 'read the VPC, its subnets, route tables and endpoints';
  }
}

function reconcilerCalls(w: CallWorld): ModelledCall[] {
  const zones = call(
    'route53',
    'ListHostedZonesByVPC',
    { VPCId: w.vpcId, VPCRegion: w.region },
    'find a private hosted zone that serves a service centrally',
  );
  return [...w.reconciler.map((c) => ({ ...c, why: purposeOf(c) })), zones];
}

/**
 * Opt-out with teardownOnOptOut: delete our endpoints (those there now and those the run creates) and our
 * security group. Without it an opt-out keeps them and deletes nothing.
 */
function teardownCalls(w: CallWorld): ModelledCall[] {
  if (!w.config.teardownOnOptOut) return [];
  const ours = [
    ...w.endpoints.filter((e) => e.managed && !/^delet/i.test(e.state)).map((e) => e.id),
    ...w.plannedEndpointIds,
  ];
  const filters = [{ Name: 'vpc-id', Values: [w.vpcId] }];
  return [
    call('ec2', 'DescribeVpcs', { VpcIds: [w.vpcId] }, 'read the VPC on opt-out'),
    call('ec2', 'DescribeVpcEndpoints', { Filters: filters }, 'find our endpoints on opt-out'),
    call('ec2', 'DescribeSecurityGroups', { Filters: filters }, 'find our security group on opt-out'),
    ...ours.map((id) =>
      call('ec2', 'DeleteVpcEndpoints', { VpcEndpointIds: [id] }, `delete ${id} on opt-out`),
    ),
    ...(w.securityGroupId
      ? [
          call(
            'ec2',
            'DeleteSecurityGroup',
            { GroupId: w.securityGroupId },
            'delete our security group on opt-out',
          ),
        ]
      : []),
  ];
}

function tableCalls(w: CallWorld, operations: string[], why: string): ModelledCall[] {
  return operations.map((op) =>
    op === 'BatchWriteItem' || op === 'BatchGetItem'
      ? call(
          'dynamodb',
          op,
          { RequestItems: { [w.tableName]: op === 'BatchGetItem' ? { Keys: [] } : [] } },
          why,
        )
      : call('dynamodb', op, { TableName: w.tableName }, why),
  );
}

function clustersOf(fleet: readonly InstanceFacts[]): Map<string, InstanceFacts[]> {
  const byCluster = new Map<string, InstanceFacts[]>();
  for (const f of fleet) byCluster.set(f.clusterArn, [...(byCluster.get(f.clusterArn) ?? []), f]);
  return byCluster;
}

function triggerCalls(w: CallWorld): ModelledCall[] {
  const smName = w.stateMachineArn.split(':').pop() ?? '';
  const execution = `arn:${w.partition}:states:${w.region}:${w.account}:execution:${smName}:${executionName(w.vpcId, 'doctor')}`;
  const clusters = [...clustersOf(w.fleet).keys()];
  const instances = w.fleet.map((f) => f.instanceId);
  return [
    ...tableCalls(
      w,
      ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
      'keep the idempotency record and the per-VPC lock',
    ),
    call('sfn', 'ListExecutions', { stateMachineArn: w.stateMachineArn }, 'find a running remediation'),
    call('sfn', 'StartExecution', { stateMachineArn: w.stateMachineArn }, 'start the remediation workflow'),
    call('sfn', 'StopExecution', { executionArn: execution }, 'stop a remediation a newer one supersedes'),
    call(
      'ec2',
      'DescribeVpcs',
      { Filters: [{ Name: `tag:${w.config.optInTag.key}` }] },
      'list the opted-in VPCs (sweep)',
    ),
    call('ec2', 'DescribeInstances', { InstanceIds: instances }, 'place container instances in their VPC'),
    call('ec2', 'DescribeVpcEndpoints', { Filters: [] }, 'read the state and age of our endpoints'),
    call('ecs', 'ListClusters', {}, 'find container instances still in the VPC'),
    ...clusters.flatMap((cluster) => [
      call('ecs', 'ListContainerInstances', { cluster }, 'list a cluster’s container instances'),
      call('ecs', 'DescribeClusters', { clusters: [cluster] }, 'read a cluster’s opt-in tag'),
      call('ecs', 'ListTagsForResource', { resourceArn: cluster }, 'read a cluster’s opt-in tag'),
    ]),
    ...[...clustersOf(w.fleet)].map(([cluster, facts]) =>
      call(
        'ecs',
        'DescribeContainerInstances',
        { cluster, containerInstances: facts.map((f) => f.containerInstanceArn) },
        'read container instances’ EC2 ids',
      ),
    ),
    ...reconcilerCalls(w),
    ...teardownCalls(w),
  ];
}

/** What the rollout would do to each instance in the VPC if an operator re-ran it with restart "all". */
function decisions(w: CallWorld) {
  const ctx = {
    mode: 'all' as const,
    agentUpdate: w.config.restart.agentUpdate,
    fallback: w.config.restart.fallback,
  };
  const of = (kind: string) => w.fleet.filter((f) => decideInstance(f, ctx).kind === kind);
  return { restart: of('restart'), reboot: of('reboot'), update: of('update') };
}

function rolloutCalls(w: CallWorld, step: 'StartBatch' | 'PollBatch'): ModelledCall[] {
  const { restart, reboot } = decisions(w);
  const sends = chunk(restart, SEND_COMMAND_LIMIT).map((part) =>
    call(
      'ssm',
      'SendCommand',
      { DocumentName: w.documentName, InstanceIds: part.map((f) => f.instanceId) },
      'restart ecs-agent (Run Command)',
    ),
  );
  const drains = reboot.map((f) =>
    call(
      'ecs',
      'UpdateContainerInstancesState',
      { cluster: f.clusterArn, containerInstances: [f.containerInstanceArn], status: 'DRAINING' },
      'drain an instance around a fallback reboot',
    ),
  );
  const common = [
    ...sends,
    ...drains,
    call('ssm', 'ListCommandInvocations', {}, 'find the restart command of a retried attempt'),
    ...tableCalls(w, ['GetItem', 'PutItem', 'BatchWriteItem'], 'keep batch and progress records'),
  ];
  if (step === 'StartBatch') return common;
  return [
    ...common,
    call('ssm', 'GetCommandInvocation', {}, 'follow restart invocations'),
    ...[...clustersOf([...restart, ...reboot])].flatMap(([cluster, facts]) => [
      call(
        'ecs',
        'DescribeContainerInstances',
        { cluster, containerInstances: facts.map((f) => f.containerInstanceArn) },
        'check that restarted agents reconnected',
      ),
      call(
        'ecs',
        'PutAttributes',
        {
          cluster,
          attributes: facts.map((f) => ({ name: RESTARTED_AT_ATTRIBUTE, targetId: f.containerInstanceArn })),
        },
        'write the restart hint on the container instance',
      ),
    ]),
    ...(reboot.length
      ? [
          call(
            'ec2',
            'RebootInstances',
            { InstanceIds: reboot.map((f) => f.instanceId) },
            'reboot an instance SSM cannot reach (fallback)',
          ),
        ]
      : []),
  ];
}

function updateCalls(update: readonly InstanceFacts[]): ModelledCall[] {
  return update.map((f) =>
    call(
      'ecs',
      'UpdateContainerAgent',
      { cluster: f.clusterArn, containerInstance: f.containerInstanceArn },
      `update the agent (${f.agentVersion})`,
    ),
  );
}

function stepCalls(w: CallWorld, step: StepName): ModelledCall[] {
  const byCluster = [...clustersOf(w.fleet)];
  const { update } = decisions(w);
  switch (step) {
    case 'ValidateInput':
      return [call('ec2', 'DescribeVpcs', { VpcIds: [w.vpcId] }, 'check the VPC exists and is opted in')];
    case 'EnsureEndpoints':
      return reconcilerCalls(w);
    case 'CheckEndpoints':
      return [
        call(
          'ec2',
          'DescribeVpcEndpoints',
          { Filters: [{ Name: 'vpc-id', Values: [w.vpcId] }] },
          'poll the endpoints’ states',
        ),
      ];
    case 'DiscoverInstances':
      return [
        call('ecs', 'ListClusters', {}, 'find every cluster'),
        ...byCluster.flatMap(([cluster, facts]) => [
          call('ecs', 'ListContainerInstances', { cluster }, 'list container instances'),
          call(
            'ecs',
            'DescribeContainerInstances',
            { cluster, containerInstances: facts.map((f) => f.containerInstanceArn) },
            'read agent versions and connections',
          ),
        ]),
        call('ec2', 'DescribeInstances', {}, 'find the instances in the VPC'),
        call('ssm', 'DescribeInstanceInformation', {}, 'read SSM agent status'),
        ...tableCalls(w, ['BatchGetItem'], 'read the restart records of the container instances'),
        ...tableCalls(w, ['BatchWriteItem'], 'store the batches'),
      ];
    case 'StartAgentUpdates':
      return [
        ...updateCalls(update),
        ...tableCalls(w, ['GetItem', 'PutItem'], 'keep update progress records'),
      ];
    case 'CheckAgentUpdates':
      return [
        // It starts the next batch of agent updates itself.
        ...updateCalls(update),
        ...[...clustersOf(update)].flatMap(([cluster, facts]) => [
          call(
            'ecs',
            'DescribeContainerInstances',
            { cluster, containerInstances: facts.map((f) => f.containerInstanceArn) },
            'follow agent updates',
          ),
          call(
            'ecs',
            'PutAttributes',
            {
              cluster,
              attributes: facts.map((f) => ({
                name: RESTARTED_AT_ATTRIBUTE,
                targetId: f.containerInstanceArn,
              })),
            },
            'write the restart hint on the container instance',
          ),
        ]),
        ...tableCalls(w, ['GetItem', 'PutItem'], 'keep update progress records'),
        ...tableCalls(w, ['BatchWriteItem'], 'record each updated agent in the state table'),
      ];
    case 'StartBatch':
    case 'PollBatch':
      return rolloutCalls(w, step);
    case 'Summarize':
      return [
        call(
          'events',
          'PutEvents',
          { Entries: [{ Source: EVENT_SOURCE, DetailType: COMPLETED_DETAIL_TYPE, EventBusName: 'default' }] },
          'publish the remediation summary',
        ),
        ...tableCalls(w, ['GetItem'], 'read the run’s records'),
      ];
  }
}

/** The calls `functionId` makes for this VPC and fleet, or undefined for a function doctor does not know. */
export function callsOf(functionId: string, w: CallWorld): ModelledCall[] | undefined {
  if (triggerFunctionIds(w.config).includes(functionId)) return triggerCalls(w);
  const step = STEP_NAMES.find((s) => `Workflow${s}` === functionId);
  return step ? stepCalls(w, step) : undefined;
}
