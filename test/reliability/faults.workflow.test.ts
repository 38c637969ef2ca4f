// The full remediation workflow under injected faults: the synthesized state machine runs locally
// (aws-local-stepfunctions) against the simulated account, with throttling, 5xx errors and timeouts injected
// into the EC2, ECS, SSM and DynamoDB calls of its Lambda steps. The SDK's retries and the Task Retry rules
// of the ASL both apply. The summary must tell the truth: endpoints available, each instance restarted exactly
// once (one delivered SendCommand) or listed as failed or skipped with a reason, counts matching the lists.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { LocalRunResult } from '../../devkit/workflow/local';
import { runWorkflowLocally } from '../../devkit/workflow/local';
import type { AwsClients } from '../../shared/clients';
import { parseConfig } from '../../shared/config';
import { decideInstance } from '../../shared/workflow/plan';
import { DynamoStateStore } from '../../shared/workflow/store';
import type { RemediationSummary } from '../../shared/workflow/types';
import { optedInVpcWithInstances } from '../integration/workflow/support';
import { type FaultPlan, injectFaults, totalInjected } from '../support/faults';
import { resetMoto } from '../support/moto';
import {
  DOCUMENT_NAME,
  runOnSim,
  type SimScenario,
  STATE_TABLE,
  sentTo,
  simScenario,
  stepClients,
} from '../workflow/support';
import { censusOf, describeInjected, observeOutcomes } from './support/fault-scenarios';
import { faultCounts, recordScenario } from './support/report';

const LAMBDA_STEP_SERVICES = new Set(['ec2', 'ecs', 'ssm', 'dynamodb']);
const ENDPOINT_SERVICES = ['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 's3'].sort();

interface WorkflowScenario {
  name: string;
  seed: number;
  faults: Omit<FaultPlan, 'seed' | 'only'>;
  fleet: number;
  /** SDK attempts per call of the steps' clients. */
  maxAttempts: number;
  /** Services whose calls get faults (default: every service the Lambda steps call). */
  services?: string[];
}

const SCENARIOS: WorkflowScenario[] = [
  { name: 'throttling on 10% of calls', seed: 501, faults: { throttle: 0.1 }, fleet: 12, maxAttempts: 3 },
  {
    name: 'throttling, 5xx and timeouts on 30% of calls',
    seed: 602,
    faults: { throttle: 0.1, server: 0.1, timeout: 0.1 },
    fleet: 16,
    maxAttempts: 3,
  },
  {
    name: 'SSM and DynamoDB: 40% of calls, two attempts',
    seed: 703,
    faults: { throttle: 0.2, server: 0.1, timeout: 0.1 },
    fleet: 16,
    maxAttempts: 2,
    services: ['ssm', 'dynamodb'],
  },
  {
    name: 'storm: 60% of calls, two attempts',
    seed: 804,
    faults: { throttle: 0.3, server: 0.2, timeout: 0.1 },
    fleet: 12,
    maxAttempts: 2,
  },
];

function config() {
  return parseConfig({
    ssmEndpoints: 'never',
    restart: { maxConcurrency: '25%', maxErrors: '50%' },
  });
}

function listed(summary: RemediationSummary): string[] {
  return [...summary.restarted, ...summary.skipped, ...summary.failed].map((r) => r.instanceId);
}

function countBy(ids: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Instances of the scenario that were sent more than one restart command. */
function sendsPerInstanceOverOne(s: SimScenario): number {
  return [...countBy(sentTo(s)).values()].filter((n) => n > 1).length;
}

/**
 * What every summary must satisfy, whatever the faults did: its outcome matches the run's status, its counts
 * match its lists, each instance is listed at most once and with a reason, an instance reported restarted got
 * exactly one restart command, and an instance that got a command is never reported as "not attempted".
 */
function expectTruthfulSummary(
  result: LocalRunResult,
  sendsThisRun: string[],
  fleet: string[],
): RemediationSummary {
  expect(result.summary).toBeDefined();
  const summary = result.summary!;
  expect(summary.outcome).toBe(result.status === 'SUCCEEDED' ? 'succeeded' : 'failed');
  if (result.status === 'FAILED') {
    expect(summary.error).toBe(result.error);
    expect(summary.cause).toEqual(expect.any(String));
    expect(summary.cause!.length).toBeGreaterThan(0);
  }
  expect(summary.omitted).toEqual({ restarted: 0, skipped: 0, failed: 0 });
  expect(summary.counts).toEqual({
    restarted: summary.restarted.length,
    skipped: summary.skipped.length,
    failed: summary.failed.length,
  });
  const ids = listed(summary);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.every((id) => fleet.includes(id))).toBe(true);
  for (const item of [...summary.skipped, ...summary.failed]) expect(item.reason).toMatch(/\w/);
  const sends = countBy(sendsThisRun);
  expect(summary.restarted.map((r) => sends.get(r.instanceId) ?? 0)).toEqual(summary.restarted.map(() => 1));
  const sentButNotRestarted = [...sends.keys()].filter(
    (id) => !summary.restarted.some((r) => r.instanceId === id),
  );
  for (const id of sentButNotRestarted) {
    const item = summary.failed.find((r) => r.instanceId === id);
    expect({ id, reported: item?.reason ?? 'not listed as failed' }).toEqual({
      id,
      reported: expect.not.stringMatching(/not attempted|not listed/),
    });
  }
  if (result.status === 'SUCCEEDED') {
    expect(summary.endpoints.map((e) => e.service).sort()).toEqual(ENDPOINT_SERVICES);
    expect(summary.endpoints.every((e) => e.state === 'available')).toBe(true);
    expect([...ids].sort()).toEqual([...fleet].sort());
  }
  if (ids.length === 0) expect(sendsThisRun).toEqual([]);
  return summary;
}

/**
 * A simulated scenario with `count` instances in cluster "prod", and a second set of clients over the same
 * account with `sdkAttempts` attempts per call and no retry delay, for the faults to go through.
 */
async function prodFleet(count: number, sdkAttempts: number) {
  const s = await simScenario({ sdk: { maxAttempts: sdkAttempts, retryDelayMs: 0 } });
  const fleet = s.account.addContainerInstances({ vpcId: s.vpcId, clusterName: 'prod', count }).instanceIds;
  return { s, fleet, faulty: s, stepClients: stepClients(s) };
}

describe('remediation workflow under injected faults on the simulated account', () => {
  it.each(SCENARIOS)(
    'tells the truth about every instance and restarts none twice: $name (seed $seed)',
    async (scenario) => {
      // Prepare
      const {
        s,
        fleet,
        faulty,
        stepClients: faultyClients,
      } = await prodFleet(scenario.fleet, scenario.maxAttempts);
      const services = new Set(scenario.services ?? LAMBDA_STEP_SERVICES);
      let faultsOn = true;
      const stats = injectFaults(faultyClients, {
        seed: scenario.seed,
        ...scenario.faults,
        only: (c) => faultsOn && services.has(c.service),
      });

      // Act: a run under faults, then (the faults gone) the operator's re-run of the same VPC.
      const first = await runOnSim(faulty, { vpcId: s.vpcId }, { config: config() });
      const sendsFirst = sentTo(s);
      faultsOn = false;
      const rerun = await runOnSim(faulty, { vpcId: s.vpcId }, { config: config() });
      const sendsRerun = sentTo(s).slice(sendsFirst.length);

      // Assess: both summaries are truthful; the re-run converges.
      const context = `seed ${scenario.seed}; injected: ${describeInjected(stats.injectedByOperation)}`;
      expect({ context, injected: totalInjected(stats) > 0 }).toEqual({ context, injected: true });
      const summary = expectTruthfulSummary(first, sendsFirst, fleet);
      const again = expectTruthfulSummary(rerun, sendsRerun, fleet);
      expect(rerun.status).toBe('SUCCEEDED');
      // Assess: nobody restarted by the first run gets a second restart command from the re-run.
      const restartedFirst = summary.restarted.map((r) => r.instanceId);
      expect(sendsRerun.filter((id) => restartedFirst.includes(id))).toEqual([]);
      expect(
        again.skipped
          .filter((r) => restartedFirst.includes(r.instanceId))
          .map((r) => r.instanceId)
          .sort(),
      ).toEqual([...restartedFirst].sort());
      // Assess: one endpoint per service, one S3 gateway per route table, one security group.
      const census = await censusOf(s.account.clients({ maxAttempts: 1 }).ec2, s.vpcId);
      expect(census.duplicates).toBe(0);
      const duplicateSends = [...countBy(sendsFirst).values()].filter((n) => n > 1).length;
      expect(duplicateSends).toBe(0);

      recordScenario({
        suite: 'faults',
        scenario: `workflow: ${scenario.name}, ${scenario.fleet} instances, then a re-run (seed ${scenario.seed})`,
        backend: 'sim',
        faults: faultCounts(stats),
        writes: stats.writesDelivered,
        duplicates: census.duplicates + duplicateSends,
        reportedFailures: summary.counts.failed,
        note: `seed ${scenario.seed}; first run ${first.status}${first.error ? ` (${first.error})` : ''}, ${first.retries} Task retries, ${summary.counts.restarted} restarted; re-run ${again.counts.restarted} restarted`,
      });
    },
    60_000,
  );

  it('reports instances whose restart command may have been sent before the workflow stopped as unfinished, not as not attempted (regression)', async () => {
    // Prepare: once the first restart command is delivered, every state-table call times out until the Task
    // retries are spent and the workflow stops; the summary's own reads then go through.
    const { s, fleet, faulty, stepClients: faultyClients } = await prodFleet(8, 2);
    let summarizing = false;
    const stats = injectFaults(faultyClients, {
      seed: 9,
      timeout: 1,
      only: (c) => c.service === 'dynamodb' && stats.writes.includes('ssm:SendCommand') && !summarizing,
    });

    // Act
    const result = await runOnSim(
      faulty,
      { vpcId: s.vpcId },
      {
        config: config(),
        onEvent: (event) => {
          if (event.type === 'StateEntered' && event.state.name === 'Summarize') summarizing = true;
        },
      },
    );

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TimeoutError');
    const sent = sentTo(s);
    expect(sent.length).toBeGreaterThan(0);
    const summary = expectTruthfulSummary(result, sent, fleet);
    expect(summary.failed.filter((r) => sent.includes(r.instanceId)).map((r) => r.reason)).toEqual(
      sent.map(() =>
        expect.stringMatching(
          /^restart unfinished: the command may have been sent \(its answer was not recorded\), then the workflow stopped \(TimeoutError\) before its result was known$/,
        ),
      ),
    );
    expect(summary.skipped.map((r) => r.reason)).toEqual(
      summary.skipped.map(() => 'not attempted: the workflow stopped (TimeoutError)'),
    );
    recordScenario({
      suite: 'faults',
      scenario: 'workflow: state table times out for good after a SendCommand, run stops mid-batch (seed 9)',
      backend: 'sim',
      faults: faultCounts(stats),
      writes: stats.writesDelivered,
      duplicates: sendsPerInstanceOverOne(s),
      reportedFailures: summary.counts.failed,
    });
  });
});

describe('restart command whose answer could not be recorded', () => {
  it('is found again by the retried Task instead of being sent a second time (regression)', async () => {
    // Prepare: once the restart command is delivered, the state table throttles every save of its answer
    // until the SDK and the Task's own error handling give up; the ASL Retry then runs StartBatch again.
    const { s, fleet, faulty, stepClients: faultyClients } = await prodFleet(4, 2);
    let budget = 4;
    const stats = injectFaults(faultyClients, {
      seed: 3,
      throttle: 1,
      only: (c) => c.operation === 'PutItem' && stats.writes.includes('ssm:SendCommand') && budget-- > 0,
    });
    const restartAll = parseConfig({ ssmEndpoints: 'never', restart: { maxConcurrency: '100%' } });

    // Act
    const result = await runOnSim(faulty, { vpcId: s.vpcId }, { config: restartAll });

    // Assess
    expect(stats.injected.throttle).toBe(4);
    expect(result.retries).toBeGreaterThan(0);
    expect(result.status).toBe('SUCCEEDED');
    expect([...sentTo(s)].sort()).toEqual([...fleet].sort());
    const summary = expectTruthfulSummary(result, sentTo(s), fleet);
    expect(summary.counts).toEqual({ restarted: 4, skipped: 0, failed: 0 });
    recordScenario({
      suite: 'faults',
      scenario: 'workflow: every save of a SendCommand answer throttled, Task retried (seed 3)',
      backend: 'sim',
      faults: faultCounts(stats),
      writes: stats.writesDelivered,
      duplicates: sendsPerInstanceOverOne(s),
      reportedFailures: summary.counts.failed,
    });
  });
});

describe('restart command whose answer was lost after it was delivered', () => {
  // The first SendCommand is applied, then its answer is lost (a timeout). With maxAttempts 1 the SDK cannot
  // retry; with 3 (production uses 5) it must not re-send blindly either, since the command may have arrived.
  // Either way StartBatch fails with TimeoutError and the state machine's Retry finds the command by its marker.
  it.each([
    { sdkAttempts: 1, seed: 5 },
    { sdkAttempts: 3, seed: 6 },
  ])(
    'is sent once and every agent restarts once, with $sdkAttempts SDK attempt(s) per call (regression)',
    async ({ sdkAttempts, seed }) => {
      // Prepare
      const { s, fleet, faulty, stepClients: faultyClients } = await prodFleet(4, sdkAttempts);
      let budget = 1;
      const stats = injectFaults(faultyClients, {
        seed,
        lostResponse: 1,
        only: (c) => c.operation === 'SendCommand' && budget-- > 0,
      });
      const restartAll = parseConfig({ ssmEndpoints: 'never', restart: { maxConcurrency: '100%' } });

      // Act
      const result = await runOnSim(faulty, { vpcId: s.vpcId }, { config: restartAll });

      // Assess
      expect(stats.injected.lostResponse).toBe(1);
      expect(result.retries).toBeGreaterThan(0);
      expect(result.status).toBe('SUCCEEDED');
      const sends = s.account.calls.filter((c) => c.operation === 'SendCommand');
      expect(sends).toHaveLength(1);
      expect([...sentTo(s)].sort()).toEqual([...fleet].sort());
      const summary = expectTruthfulSummary(result, sentTo(s), fleet);
      expect(summary.counts).toEqual({ restarted: 4, skipped: 0, failed: 0 });
      recordScenario({
        suite: 'faults',
        scenario: `workflow: SendCommand answer lost (timeout), ${sdkAttempts} SDK attempt(s), Task retried (seed ${seed})`,
        backend: 'sim',
        faults: faultCounts(stats),
        writes: stats.writesDelivered,
        duplicates: sends.length - 1,
        reportedFailures: summary.counts.failed,
      });
    },
    60_000,
  );
});

describe('remediation workflow under injected faults against moto', () => {
  // moto reports every agent as 1.0.0 (too old for the endpoints) and answers DescribeInstanceInformation
  // with HTTP 500, so no restart can happen there: the scenario covers what moto can run (endpoints,
  // discovery through ECS and EC2, the DynamoDB state table, the summary). Restarts under faults are covered
  // on the simulated account above.
  let clients: AwsClients;

  afterEach(() => {
    for (const c of Object.values(clients)) c.destroy();
  });

  it('converges the endpoints, skips every too-old agent with its reason and sends no command (seed 907)', async () => {
    // Prepare
    await resetMoto();
    const clean = { ec2: new EC2Client({ maxAttempts: 1 }), ecs: new ECSClient({ maxAttempts: 1 }) };
    const { layout, fleet } = await optedInVpcWithInstances(clean, { azs: 2, count: 6 });
    clients = motoClients(4);
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: STATE_TABLE,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const outcomes = observeOutcomes([clients.ssm]);
    const stats = injectFaults(clients, {
      seed: 907,
      throttle: 0.1,
      server: 0.05,
      timeout: 0.05,
      only: (c) => LAMBDA_STEP_SERVICES.has(c.service),
    });

    // Act
    const result = await runWorkflowLocally(
      { vpcId: layout.vpcId },
      {
        clients,
        config: config(),
        store: new DynamoStateStore(clients.dynamodb, STATE_TABLE),
        documentName: DOCUMENT_NAME,
        fastWaits: true,
      },
    );

    // Assess
    const context = `seed 907; injected: ${describeInjected(stats.injectedByOperation)}`;
    expect({ context, status: result.status }).toEqual({ context, status: 'SUCCEEDED' });
    expect(totalInjected(stats)).toBeGreaterThan(0);
    const summary = expectTruthfulSummary(result, [], fleet.instanceIds);
    expect(summary.skipped.map((r) => r.reason)).toEqual(
      fleet.instanceIds.map(() => expect.stringMatching(/agent too old \(1\.0\.0 < 1\.25\.1\)/)),
    );
    expect(outcomes.filter((o) => o.operation === 'SendCommand')).toEqual([]);
    const census = await censusOf(clean.ec2, layout.vpcId);
    expect(census.duplicates).toBe(0);
    clean.ec2.destroy();
    clean.ecs.destroy();

    recordScenario({
      suite: 'faults',
      scenario:
        'workflow: throttling, 5xx and timeouts on 20% of calls, 6 instances (no restart on moto, seed 907)',
      backend: 'moto',
      faults: faultCounts(stats),
      writes: stats.writesDelivered,
      duplicates: census.duplicates,
      reportedFailures: summary.counts.failed,
      note: `seed 907, ${result.retries} Task retries; moto's agents are 1.0.0, so every instance is skipped`,
    });
  }, 60_000);
});

describe('instance decision at the endpoints creation second', () => {
  // Found by the moto scenario above: moto reports the endpoints' CreationTimestamp truncated to the second,
  // and instances registered a few milliseconds before the endpoints were skipped as "registered after".
  const facts = {
    instanceId: 'i-0123456789abcdef0',
    containerInstanceArn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/prod/1',
    clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
    status: 'ACTIVE',
    agentVersion: '1.89.0',
    agentConnected: true,
    osFamily: 'LINUX',
    ssmPing: 'Online',
  };
  const ctx = {
    mode: 'auto' as const,
    endpointsSince: '2025-01-15T09:00:00.000Z',
    agentUpdate: false,
    fallback: 'report' as const,
  };

  it('restarts an instance registered within the second of a whole-second creation time (regression)', () => {
    // Act
    const action = decideInstance({ ...facts, registeredAt: '2025-01-15T09:00:00.051Z' }, ctx);

    // Assess
    expect(action).toEqual({ kind: 'restart', os: 'linux' });
  });

  it('still skips an instance registered a full second or more after the endpoints', () => {
    // Act
    const action = decideInstance({ ...facts, registeredAt: '2025-01-15T09:00:01.000Z' }, ctx);

    // Assess
    expect(action).toEqual({ kind: 'skip', reason: 'registered after the endpoints became available' });
  });
});

/** The six clients against moto (AWS_ENDPOINT_URL), with the SDK's standard retries and small fixed delays. */
function motoClients(maxAttempts: number): AwsClients {
  const config = { maxAttempts, retryStrategy: new ConfiguredRetryStrategy(maxAttempts, 2) };
  return {
    ec2: new EC2Client(config),
    ecs: new ECSClient(config),
    ssm: new SSMClient(config),
    sfn: new SFNClient(config),
    events: new EventBridgeClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}
