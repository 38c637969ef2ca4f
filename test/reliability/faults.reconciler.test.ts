// The endpoint reconciler under injected faults (throttling, 5xx, timeouts), on the simulated account and on
// moto. Each scenario reconciles a fresh opted-in VPC through a faulty EC2 client, re-running reconcile with
// the faults still on (as the trigger's retry would) until a run converges, and then checks with a clean
// client: the end state is right, nothing is duplicated, and every failure that outlived the SDK's retries
// was reported, per item, or thrown as a clear error before any write.
import { EC2Client } from '@aws-sdk/client-ec2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { SimulatedAccount } from '../../devkit/sim';
import { isWrite } from '../../devkit/sim/core';
import { parseConfig } from '../../shared/config';
import { planVpc, type ReconcileResult, reconcileVpc } from '../../shared/reconciler';
import { type FaultPlan, injectFaults, totalInjected } from '../support/faults';
import { createVpcLayout } from '../support/fixtures';
import { resetMoto } from '../support/moto';
import {
  type CallOutcome,
  censusOf,
  describeInjected,
  failedWrites,
  INJECTED_ERROR_NAMES,
  observeOutcomes,
  unreportedWriteFailures,
} from './support/fault-scenarios';
import { faultCounts, recordScenario } from './support/report';

/** The reconciler runs as the workflow's EnsureEndpoints role on the simulated account (the triggers' roles hold the same grants). */
const RECONCILER_ROLE = 'WorkflowEnsureEndpoints';

const OPTED_IN = { 'privatelink-ecs': 'enabled' };
const ECS_ECR = ['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry'];
/** Answers to a retried write whose first attempt was applied, which the executor resolves itself. */
const RESOLVED_BY_EXECUTOR = new Set(['InvalidGroup.Duplicate', 'InvalidPermission.Duplicate']);
/** Re-runs allowed before a scenario counts as not converging (the trigger's retries, generously). */
const MAX_RUNS = 40;

type BackendName = 'sim' | 'moto';

interface Backend {
  /** The client the reconciler uses: faults are injected into it. */
  faulty: EC2Client;
  /** A client without faults, for building the VPC and checking the result. */
  clean: EC2Client;
  destroy(): void;
}

async function openBackend(name: BackendName, maxAttempts: number): Promise<Backend> {
  if (name === 'sim') {
    const account = new SimulatedAccount({ azs: 3 });
    return {
      faulty: account.clients({ role: RECONCILER_ROLE, maxAttempts, retryDelayMs: 0 }).ec2,
      clean: account.clients({ maxAttempts: 1 }).ec2,
      destroy: () => undefined,
    };
  }
  await resetMoto();
  // Endpoint and region come from the environment (AWS_ENDPOINT_URL is moto). Small fixed retry delays keep
  // the run short; the retry decision stays the SDK's standard one.
  const faulty = new EC2Client({ maxAttempts, retryStrategy: new ConfiguredRetryStrategy(maxAttempts, 2) });
  const clean = new EC2Client({ maxAttempts: 1 });
  return {
    faulty,
    clean,
    destroy: () => {
      faulty.destroy();
      clean.destroy();
    },
  };
}

interface Scenario {
  name: string;
  seed: number;
  faults: Omit<FaultPlan, 'seed' | 'only'>;
  /** SDK attempts per call (1 + retries). */
  maxAttempts: number;
  azs: number;
  /**
   * A storm: the retry budget runs out. Faults stay on for this many runs (none may converge), then the storm
   * passes and the runs that follow (the trigger's later retries) must converge.
   */
  stormRuns?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'throttling on 10% of calls', seed: 1101, faults: { throttle: 0.1 }, maxAttempts: 5, azs: 2 },
  {
    name: 'throttling, 5xx and timeouts on 30% of calls',
    seed: 2203,
    faults: { throttle: 0.1, server: 0.1, timeout: 0.1 },
    maxAttempts: 5,
    azs: 3,
  },
  {
    name: '5xx and timeouts on 30% of calls, two attempts per call',
    seed: 3307,
    faults: { server: 0.15, timeout: 0.15 },
    maxAttempts: 2,
    azs: 3,
  },
  {
    name: 'storm: 60% of calls fail, three attempts per call',
    seed: 4409,
    faults: { throttle: 0.3, server: 0.2, timeout: 0.1 },
    maxAttempts: 3,
    azs: 3,
    stormRuns: 4,
  },
];

type Run = { outcomes: CallOutcome[] } & ({ result: ReconcileResult } | { error: Error });

describe.each<BackendName>(['sim', 'moto'])('reconciler under injected faults on %s', (backendName) => {
  let backend: Backend;

  afterEach(() => backend.destroy());

  // Each mix runs with three seeds: its own and the next two.
  it.each(SCENARIOS.flatMap((sc) => [0, 1, 2].map((n) => ({ ...sc, seed: sc.seed + n }))))(
    'converges with no duplicate and every surviving failure reported: $name (seed $seed)',
    async (scenario) => {
      // Prepare
      backend = await openBackend(backendName, scenario.maxAttempts);
      const config = parseConfig({ ssmEndpoints: 'never' });
      const layout = await createVpcLayout(backend.clean, {
        azs: scenario.azs,
        publicAndPrivate: true,
        privateSubnetsPerAz: 2,
        privateRouteTables: 'per-subnet',
        dnsHostnames: false,
        tags: OPTED_IN,
      });
      const outcomes = observeOutcomes([backend.faulty]);
      let stormOver = false;
      const stats = injectFaults([backend.faulty], {
        seed: scenario.seed,
        ...scenario.faults,
        only: () => !stormOver,
      });

      // Act: reconcile, and re-run it with the faults still on until a run converges.
      const runs: Run[] = [];
      const duplicatesDuringStorm: number[] = [];
      for (let n = 0; n < MAX_RUNS; n++) {
        if (scenario.stormRuns !== undefined && n === scenario.stormRuns) stormOver = true;
        const from = outcomes.length;
        try {
          // Small pages: more calls, so faults also land in the middle of paginated reads.
          const result = await reconcileVpc(backend.faulty, config, { vpcId: layout.vpcId }, { pageSize: 5 });
          runs.push({ result, outcomes: outcomes.slice(from) });
          if (result.converged) break;
        } catch (err) {
          runs.push({ error: err as Error, outcomes: outcomes.slice(from) });
        }
        if (!stormOver && scenario.stormRuns !== undefined) {
          duplicatesDuringStorm.push((await censusOf(backend.clean, layout.vpcId)).duplicates);
        }
      }

      // Assess: the last run converged (the seed and the injected faults say what to replay).
      const context = `seed ${scenario.seed}; injected: ${describeInjected(stats.injectedByOperation)}`;
      const last = runs[runs.length - 1]!;
      expect({ context, converged: 'result' in last && last.result.converged }).toEqual({
        context,
        converged: true,
      });
      expect(totalInjected(stats)).toBeGreaterThan(0);
      if (scenario.stormRuns !== undefined) {
        // Nothing converged while the storm lasted, and nothing was duplicated at any point of it.
        expect(runs.slice(0, scenario.stormRuns).some((r) => 'result' in r && r.result.converged)).toBe(
          false,
        );
        expect(duplicatesDuringStorm).toEqual(Array(scenario.stormRuns).fill(0));
      }

      // Assess: the end state, read without faults.
      const census = await censusOf(backend.clean, layout.vpcId);
      expect(census.interfaceEndpoints).toEqual(Object.fromEntries(ECS_ECR.map((s) => [s, 1])));
      expect(census.s3Gateways).toBe(1);
      expect(census.s3GatewaysPerRouteTable).toEqual(
        Object.fromEntries(layout.privateRouteTableIds.map((rt) => [rt, 1])),
      );
      expect(census.securityGroups).toBe(1);
      expect(census.groups[0]!.https).toContain(layout.cidrs[0]);
      expect(census.duplicates).toBe(0);
      const again = await planVpc(backend.clean, config, layout.vpcId);
      expect(again.plan.actions.filter((a) => a.kind !== 'covered')).toEqual([]);

      // Assess: every failure that outlived the retries was reported per item, naming the action and error.
      let reportedFailures = 0;
      for (const run of runs) {
        if ('error' in run) {
          // reconcileVpc throws only from the reads before its first write: the error names the AWS error and
          // the call, and the run sent no write whose per-item report the throw could have lost.
          expect(INJECTED_ERROR_NAMES).toContain(run.error.name);
          expect(run.error.message).toMatch(/(injected into|simulated timeout of) ec2:(Describe|Get)\w+/);
          expect(run.outcomes.filter((o) => o.write)).toEqual([]);
          continue;
        }
        const errors = run.result.results.filter((r) => r.status === 'error');
        reportedFailures += errors.length;
        expect(unreportedWriteFailures(failedWrites(run.outcomes), run.result.results)).toEqual([]);
        expect(run.result.converged).toBe(errors.length === 0);
        for (const error of errors) {
          if (error.errorName === 'DependencyFailed') {
            // An endpoint not attempted because its security group could not be made in this run.
            expect(error.action.kind).toBe('create-interface-endpoint');
            expect(error.message).toMatch(/not attempted: the endpoint security group/);
          } else {
            expect(INJECTED_ERROR_NAMES).toContain(error.errorName);
            expect(error.message).toMatch(/(injected into|simulated timeout of) ec2:\w+/);
          }
        }
      }
      if (scenario.stormRuns !== undefined)
        expect(reportedFailures + runs.filter((r) => 'error' in r).length).toBeGreaterThan(0);

      recordScenario({
        suite: 'faults',
        scenario: `reconciler: ${scenario.name} (seed ${scenario.seed})`,
        backend: backendName,
        faults: faultCounts(stats),
        writes: stats.writesDelivered,
        duplicates: census.duplicates,
        reportedFailures,
        note: `seed ${scenario.seed}, ${runs.length} run(s), ${runs.filter((r) => 'error' in r).length} thrown`,
      });
    },
    60_000,
  );
});

describe('reconciler: lost responses on the simulated account', () => {
  // A lost response: the write is applied, then the client times out and the SDK sends it again. Only the
  // simulated account honours ClientToken as EC2 does (moto ignores it, DESIGN.md), so this runs on the sim.
  it.each([
    { seed: 6101, share: 0.4 },
    { seed: 6202, share: 0.6 },
  ])(
    'converges with no duplicate endpoint when $share of the writes lose their answer (seed $seed)',
    async ({ seed, share }) => {
      // Prepare
      const account = new SimulatedAccount({ azs: 3 });
      const config = parseConfig({ ssmEndpoints: 'never' });
      const clean = account.clients({ maxAttempts: 1 }).ec2;
      const layout = await createVpcLayout(clean, { azs: 3, dnsHostnames: false, tags: OPTED_IN });
      const ec2 = account.clients({ role: RECONCILER_ROLE, maxAttempts: 5, retryDelayMs: 0 }).ec2;
      const outcomes = observeOutcomes([ec2]);
      const stats = injectFaults([ec2], { seed, lostResponse: share, only: (c) => isWrite(c.operation) });

      // Act: reconcile; re-run while a run reports failures (each lost answer is retried by the SDK).
      const runs: Array<{ result: ReconcileResult; outcomes: CallOutcome[] }> = [];
      for (let n = 0; n < 5; n++) {
        const from = outcomes.length;
        const result = await reconcileVpc(ec2, config, { vpcId: layout.vpcId });
        runs.push({ result, outcomes: outcomes.slice(from) });
        if (result.converged) break;
      }

      // Assess: converged; every write that failed for good was reported per item, except the "already exists"
      // answers to a retried CreateSecurityGroup or AuthorizeSecurityGroupIngress, which the executor resolves.
      const context = `seed ${seed}; lost: ${describeInjected(stats.injectedByOperation)}`;
      const last = runs[runs.length - 1]!.result;
      expect({ context, converged: last.converged }).toEqual({ context, converged: true });
      expect(stats.injectedByOperation['ec2:CreateVpcEndpoint']).toBeGreaterThan(0);
      let reportedFailures = 0;
      for (const run of runs) {
        const failed = failedWrites(run.outcomes).filter((o) => !RESOLVED_BY_EXECUTOR.has(o.error!.name));
        expect(unreportedWriteFailures(failed, run.result.results)).toEqual([]);
        reportedFailures += run.result.results.filter((r) => r.status === 'error').length;
      }
      const census = await censusOf(clean, layout.vpcId);
      expect(census.interfaceEndpoints).toEqual(Object.fromEntries(ECS_ECR.map((s) => [s, 1])));
      expect(census.s3GatewaysPerRouteTable).toEqual(
        Object.fromEntries(layout.privateRouteTableIds.map((rt) => [rt, 1])),
      );
      expect(census.securityGroups).toBe(1);
      expect(census.groups[0]!.https).toContain(layout.cidrs[0]);
      expect(census.duplicates).toBe(0);
      // The retried creates carried the same ClientToken as the lost one.
      const creates = account.calls.filter((c) => c.operation === 'CreateVpcEndpoint');
      const tokens = creates.map((c) => (c.input as { ClientToken: string }).ClientToken);
      expect(creates.length).toBeGreaterThan(new Set(tokens).size);
      expect(new Set(tokens).size).toBe(ECS_ECR.length + 1);

      recordScenario({
        suite: 'faults',
        scenario: `reconciler: lost responses on ${share * 100}% of writes (ClientToken, seed ${seed})`,
        backend: 'sim',
        faults: faultCounts(stats),
        writes: stats.writesDelivered,
        duplicates: census.duplicates,
        reportedFailures,
        note: `seed ${seed}; ${runs.length} run(s); ${creates.length} CreateVpcEndpoint deliveries for ${new Set(tokens).size} tokens`,
      });
    },
  );

  it('converges onto the security group a lost CreateSecurityGroup answer already made (regression)', async () => {
    // Prepare: the first CreateSecurityGroup is applied and its answer lost; the SDK's retry then meets
    // InvalidGroup.Duplicate.
    const account = new SimulatedAccount({ azs: 2 });
    const config = parseConfig({ ssmEndpoints: 'never' });
    const { vpcId } = account.addVpc({ cidr: '10.9.0.0/16', layout: 'private-only', tags: OPTED_IN });
    const ec2 = account.clients({ role: RECONCILER_ROLE, maxAttempts: 3, retryDelayMs: 0 }).ec2;
    let lost = 0;
    const stats = injectFaults([ec2], {
      seed: 1,
      lostResponse: 1,
      only: (c) => c.operation === 'CreateSecurityGroup' && lost++ === 0,
    });

    // Act
    const result = await reconcileVpc(ec2, config, { vpcId });

    // Assess
    expect(result.results.filter((r) => r.status === 'error')).toEqual([]);
    expect(result.converged).toBe(true);
    const sends = account.calls.filter((c) => c.operation === 'CreateSecurityGroup');
    expect(sends).toHaveLength(2);
    const census = await censusOf(account.clients({ maxAttempts: 1 }).ec2, vpcId);
    expect(census.securityGroups).toBe(1);
    expect(census.groups[0]!.https).toEqual(['10.9.0.0/16']);
    expect(Object.values(census.interfaceEndpoints)).toEqual([1, 1, 1, 1, 1]);
    recordScenario({
      suite: 'faults',
      scenario:
        'reconciler: lost CreateSecurityGroup answer, SDK retry meets InvalidGroup.Duplicate (seed 1)',
      backend: 'sim',
      faults: faultCounts(stats),
      writes: stats.writesDelivered,
      duplicates: census.duplicates,
      reportedFailures: result.results.filter((r) => r.status === 'error').length,
    });
  });
});

describe('reconciler: a failed re-read after the writes', () => {
  it('returns the per-item errors with a warning instead of throwing them away (regression)', async () => {
    // Prepare: the security group cannot be created, and the endpoint re-read fails once writes were made.
    const account = new SimulatedAccount({ azs: 2 });
    const config = parseConfig({ ssmEndpoints: 'never' });
    const { vpcId } = account.addVpc({
      cidr: '10.7.0.0/16',
      layout: 'private-only',
      dnsHostnames: false,
      tags: OPTED_IN,
    });
    const clients = account.clients({ role: RECONCILER_ROLE, maxAttempts: 2, retryDelayMs: 0 });
    const outcomes = observeOutcomes([clients.ec2]);
    const stats = injectFaults([clients.ec2], {
      seed: 5,
      throttle: 1,
      only: (c) =>
        c.operation === 'CreateSecurityGroup' ||
        (c.operation === 'DescribeVpcEndpoints' && stats.writesDelivered > 0),
    });

    // Act
    const result = await reconcileVpc(clients.ec2, config, { vpcId });

    // Assess: the DNS write went through; the group's failure and what it blocked are reported per item.
    expect(result.changed).toBe(true);
    expect(result.converged).toBe(false);
    const byKind = (kind: string) => result.results.filter((r) => r.action.kind === kind);
    expect(byKind('enable-dns-hostnames').map((r) => r.status)).toEqual(['ok']);
    expect(byKind('create-security-group')).toEqual([
      expect.objectContaining({ status: 'error', errorName: 'RequestLimitExceeded' }),
    ]);
    expect(byKind('create-interface-endpoint').map((r) => r.errorName)).toEqual(
      Array(5).fill('DependencyFailed'),
    );
    expect(unreportedWriteFailures(failedWrites(outcomes), result.results)).toEqual([]);
    expect(result.warnings).toContainEqual(
      expect.stringMatching(
        /^could not re-read the endpoints after applying the plan \(RequestLimitExceeded: /,
      ),
    );
    expect(account.writeCalls().map((c) => c.operation)).toEqual(['ModifyVpcAttribute']);
    recordScenario({
      suite: 'faults',
      scenario:
        'reconciler: security group create and the re-read after the writes throttled for good (seed 5)',
      backend: 'sim',
      faults: faultCounts(stats),
      writes: stats.writesDelivered,
      duplicates: 0,
      reportedFailures: result.results.filter((r) => r.status === 'error').length,
      note: 'no endpoint was created, so none can be duplicated',
    });
  });
});
