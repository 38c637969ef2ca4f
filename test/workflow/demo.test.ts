// `privatelink-ecs demo` (npm start): the whole story against the built-in simulated account, through
// main([...]) with stdout and stderr captured and every SDK command recorded. Needs no emulator and no
// credentials. The state machine is synthesized once per test file (the local runner caches it).
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { main } from '../../bin/cli';
import {
  asLambda,
  DEMO_MAX_INSTANCES,
  fleetPlan,
  parseInstanceCount,
  tagChangeEvent,
} from '../../bin/lib/demo';
import { parseConfig } from '../../shared/config';
import { classifyEvent } from '../../shared/events/schemas';
import { logger } from '../../shared/observability';
import { loadEvent } from '../fixtures/events/load';
import { captureCli as capture } from '../support/cli';

const INTERFACE_CORE = ['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry'];
const SSM_ADDED = ['ec2messages', 'ssm', 'ssmmessages'];

interface DemoJson {
  fleet: {
    instances: number;
    byAz: Record<string, number>;
    notManagedBySsm: string;
    failInstance: string | null;
  };
  trigger: {
    matchedRules: string[];
    handlerEntry: string;
    servedRules: string[];
    result: {
      status: string;
      vpcs: Array<{ decision: string; workflow?: { started: boolean; name: string } }>;
    };
    execution: { name: string; input: { vpcId: string; trigger: { eventId: string; kind: string } } };
    eventId: string;
  };
  workflow: { executionName: string; status: string; transitions: number; transitionCostUsd: number };
  endpoints: Array<{ service: string; type: string; state: string; azs: number }>;
  restarted: Array<{ instanceId: string; reason: string }>;
  skipped: Array<{ instanceId: string; reason: string }>;
  failed: Array<{ instanceId: string; reason: string }>;
  counts: { restarted: number; skipped: number; failed: number };
  cost: { interfaceEndpoints: number; endpointAzs: number; monthlyUsd: number; gatewayMonthlyUsd: number };
  vpc: { publicSubnets: string[]; privateSubnets: string[] };
}

describe('privatelink-ecs demo', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('tells the whole story: event through rule matching, trigger reconciles, workflow restarts, report with cost', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['demo']);

    // Assess: the progress view walks through the six stages
    expect(code).toBe(0);
    const stderr = io.stderr();
    for (let stage = 1; stage <= 6; stage += 1) expect(stderr).toContain(`[${stage}/6] `);
    expect(stderr).toMatch(
      /no public subnets, no internet or NAT gateway; DNS support on, DNS hostnames off/,
    );
    expect(stderr).toMatch(/rule matched: vpc-tag-change .*→ functions\/trigger-vpc\/index\.ts/);
    expect(stderr).toMatch(/running the trigger Lambda's handler code in-process/);
    // The trigger created the interface endpoints pending; the workflow then saw them become available.
    expect(stderr).toMatch(/DNS hostnames turned on in the VPC/);
    for (const service of [...INTERFACE_CORE, ...SSM_ADDED]) {
      expect(stderr).toMatch(
        new RegExp(`\\+ ${service.replace('.', '\\.')} +vpce-[0-9a-f]+ +Interface +pending`),
      );
    }
    expect(stderr).toMatch(/✓ CheckEndpoints +\d\/9 available, next check in/);
    expect(stderr).toMatch(/✓ CheckEndpoints +all 9 endpoints available/);
    expect(stderr).toMatch(/✓ PollBatch +batch \d+ done: 12 restarted, 0 failed so far/);
    // The calls: the operator's CreateTags, then the trigger's endpoint writes and StartExecution, then the
    // workflow's restarts. StartExecution is sent once, by the trigger, after the endpoints were created.
    const start = io.commands.indexOf('StartExecution');
    expect(io.commands.filter((c) => c === 'StartExecution')).toHaveLength(1);
    expect(io.commands.indexOf('CreateTags')).toBeLessThan(io.commands.indexOf('CreateVpcEndpoint'));
    expect(io.commands.lastIndexOf('CreateVpcEndpoint')).toBeLessThan(start);
    expect(io.commands.indexOf('SendCommand')).toBeGreaterThan(start);
    // The report
    const stdout = io.stdout();
    expect(stdout).toMatch(
      /^Trigger: event [0-9a-f-]{36} matched rule vpc-tag-change \(functions\/trigger-vpc\/index\.ts\)\n/,
    );
    expect(stdout).toMatch(/started workflow execution vpc-[0-9a-f]{17}-[0-9a-f]{16}\n/);
    expect(stdout).toMatch(/Remediation of vpc-[0-9a-f]{17}: SUCCEEDED\n/);
    for (const service of [...INTERFACE_CORE, ...SSM_ADDED]) {
      expect(stdout).toMatch(
        new RegExp(
          `\\n  ${service.replace('.', '\\.')} +vpce-[0-9a-f]+ +Interface +available +3 +\\$21\\.90 `,
        ),
      );
    }
    expect(stdout).toMatch(/\n {2}s3 +vpce-[0-9a-f]+ +Gateway +available +- +\$0\.00 /);
    expect(stdout).toMatch(/Restarted \(12\):/);
    expect(stdout).toMatch(/Skipped \(2\):/);
    expect(stdout).toMatch(/i-[0-9a-f]+ +batch-jobs +not managed by SSM/);
    expect(stdout).toMatch(/i-[0-9a-f]+ +legacy +agent too old \(1\.21\.0 < 1\.25\.1\)/);
    expect(stdout).toMatch(/Failed \(0\):/);
    expect(stdout).toContain(
      'Monthly cost of the endpoints: $175.20 = 8 interface endpoints × 3 AZs × $0.01/h (us-east-1, table price) × 730 h',
    );
    expect(stdout).toContain('of which $65.70 for ssm, ssmmessages, ec2messages');
    expect(stdout).toMatch(
      /State transitions: \d+, \$0\.\d{4} at the Standard workflow price of \$0\.025 per 1,000/,
    );
    expect(stdout).toMatch(/ec2:CreateVpcEndpoint +9\n/);
    expect(stdout).toMatch(/sfn:StartExecution +1\n/);
    expect(stdout).toMatch(/ssm:SendCommand +\d+\n/);
    expect(stdout).not.toMatch(/ec2:CreateTags/);
    expect(stdout).not.toMatch(/"_aws"/);
    // The Lambda environment was set for the trigger only.
    expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBe('privatelink-ecs-test');
  }, 120_000);

  it('--instances 30 --json prints one JSON document: 28 restarted, the non-SSM instance skipped with its reason', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['demo', '--instances', '30', '--json']);

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(io.stdout()) as DemoJson;
    expect(report.fleet.instances).toBe(30);
    expect(Object.values(report.fleet.byAz)).toEqual([10, 10, 10]);
    expect(report.vpc.publicSubnets).toEqual([]);
    expect(report.vpc.privateSubnets).toHaveLength(3);
    expect(report.trigger.matchedRules).toEqual(['vpc-tag-change']);
    expect(report.trigger.handlerEntry).toBe('functions/trigger-vpc/index.ts');
    expect(report.trigger.servedRules).toEqual(['vpc-tag-change', 'vpc-api-call']);
    expect(report.trigger.result.status).toBe('processed');
    expect(report.trigger.result.vpcs[0]?.decision).toBe('reconciled');
    expect(report.trigger.result.vpcs[0]?.workflow?.started).toBe(true);
    expect(report.trigger.execution.input.trigger).toEqual({
      eventId: report.trigger.eventId,
      kind: 'vpc-tag-change',
    });
    expect(report.workflow.executionName).toBe(report.trigger.execution.name);
    expect(report.workflow.status).toBe('SUCCEEDED');
    expect(report.counts).toEqual({ restarted: 28, skipped: 2, failed: 0 });
    const nonSsm = report.skipped.find((s) => s.instanceId === report.fleet.notManagedBySsm);
    expect(nonSsm?.reason).toMatch(/^not managed by SSM/);
    expect(report.restarted.map((r) => r.instanceId)).not.toContain(report.fleet.notManagedBySsm);
    expect(report.endpoints.map((e) => e.service).sort()).toEqual(
      [...INTERFACE_CORE, ...SSM_ADDED, 's3'].sort(),
    );
    expect(report.endpoints.filter((e) => e.type === 'Gateway').map((e) => e.service)).toEqual(['s3']);
    expect(report.endpoints.every((e) => e.state === 'available')).toBe(true);
    expect(report.cost).toMatchObject({
      interfaceEndpoints: 8,
      endpointAzs: 24,
      monthlyUsd: 175.2,
      gatewayMonthlyUsd: 0,
    });
    expect(report.workflow.transitionCostUsd).toBeCloseTo(report.workflow.transitions * 0.000025, 10);
    expect(io.commands.filter((c) => c === 'StartExecution')).toHaveLength(1);
  }, 120_000);

  it('--fail-instance shows exactly one failed instance with its reason and still exits 0', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['demo', '--fail-instance']);

    // Assess
    expect(code).toBe(0);
    const stdout = io.stdout();
    const failed = stdout.match(/Failed \((\d+)\):\n((?: {2}.*\n)*)/);
    expect(failed?.[1]).toBe('1');
    const failedLines = failed?.[2]?.trimEnd().split('\n') ?? [];
    expect(failedLines).toHaveLength(1);
    expect(failedLines[0]).toMatch(/^ {2}(i-[0-9a-f]+) +batch-jobs +restart command Failed/);
    const instanceId = failedLines[0]!.trim().split(/\s+/)[0]!;
    expect(io.stderr()).toContain(`--fail-instance: the restart command will fail on ${instanceId}`);
    expect(stdout).toContain(
      `note: ${instanceId} failed on purpose: --fail-instance made its restart command fail`,
    );
    expect(stdout).toContain(
      `note: the restart command on ${instanceId} failed with: Job for ecs.service failed because the control process exited with error code.`,
    );
    expect(stdout).toMatch(/Restarted \(11\):/);
    expect(stdout).toMatch(/Skipped \(2\):/);
  }, 120_000);

  it('a trigger that throws exits 1 and still shows what the Lambda wrote to its log before it threw', async () => {
    // Prepare: StartExecution fails after the endpoints were created; the Lambda's info log ("event
    // accepted", on stdout like its EMF metrics) was written before that.
    const io = capture();
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');
    const send = jest.spyOn(SFNClient.prototype, 'send');
    const through = send.getMockImplementation() as (this: SFNClient, command: unknown) => Promise<unknown>;
    send.mockImplementation(function (this: SFNClient, command: unknown) {
      if (command instanceof StartExecutionCommand) {
        return Promise.reject(
          Object.assign(new Error('state machine is being deleted'), { name: 'StateMachineDeleting' }),
        );
      }
      return through.call(this, command);
    } as never);

    // Act
    let code: number;
    try {
      code = await main(['demo']);
    } finally {
      logger.setLogLevel(level);
    }

    // Assess
    expect(code).toBe(1);
    const stderr = io.stderr();
    expect(stderr).toMatch(/✗ the trigger failed: StateMachineDeleting: /);
    expect(stderr).toMatch(/\n {2}log: \{.*"message":"event accepted"/);
    expect(stderr).not.toMatch(/\[5\/6\]/);
    expect(io.stdout()).toBe('');
  }, 120_000);

  it.each([['0'], ['2001'], ['abc'], ['1.5'], ['-3'], ['']])(
    '--instances %j is refused with exit 2, a clear message and no AWS call',
    async (value) => {
      // Prepare
      const io = capture();

      // Act
      const code = await main(['demo', `--instances=${value}`]);

      // Assess
      expect(code).toBe(2);
      expect(io.stdout()).toBe('');
      expect(io.stderr()).toBe(
        `privatelink-ecs: --instances must be a whole number from 1 to ${DEMO_MAX_INSTANCES}, got ${JSON.stringify(value)}\n`,
      );
      expect(io.commands).toEqual([]);
    },
  );

  it('--fail-instance with a single instance is refused: there is no SSM-managed instance to fail', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['demo', '--instances', '1', '--fail-instance']);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(
      /^privatelink-ecs: --fail-instance needs an SSM-managed instance to fail: use --instances 2 or more/,
    );
    expect(io.commands).toEqual([]);
  });

  it('--help lists the options and examples', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['demo', '--help']);

    // Assess
    expect(code).toBe(0);
    const help = io.stdout();
    expect(help).toMatch(/--instances <n> +container instances in the fleet, 1 to 2000 \(default 14\)/);
    expect(help).toMatch(/--fail-instance/);
    expect(help).toMatch(/--json/);
    expect(help).toMatch(/Examples:\n {2}npm start/);
    expect(help).toMatch(/privatelink-ecs demo --instances 200/);
  });
});

describe('demo fleet', () => {
  it.each([1, 2, 3, 4, 5, 14, 30, 200, 2000])(
    'for %i instances: the right total, exactly one not managed by SSM, an old agent from 3 on, no systemd from 4 on',
    (total) => {
      // Act
      const plan = fleetPlan(total);

      // Assess
      const count = (pred: (g: (typeof plan)[number]) => boolean) =>
        plan.filter(pred).reduce((n, g) => n + g.count, 0);
      expect(count(() => true)).toBe(total);
      expect(count((g) => !g.ssmManaged)).toBe(1);
      expect(count((g) => g.role === 'agent-too-old')).toBe(total >= 3 ? 1 : 0);
      expect(count((g) => !g.usesSystemd)).toBe(total >= 4 ? 1 : 0);
      expect(plan.every((g) => g.count > 0)).toBe(true);
    },
  );

  it('the default 14 instances are 9 payments, 4 batch-jobs and 1 legacy with mixed agent versions', () => {
    // Act
    const plan = fleetPlan(parseInstanceCount(undefined));

    // Assess
    const byCluster = (name: string) =>
      plan.filter((g) => g.cluster === name).reduce((n, g) => n + g.count, 0);
    expect([byCluster('payments'), byCluster('batch-jobs'), byCluster('legacy')]).toEqual([9, 4, 1]);
    expect(new Set(plan.map((g) => g.agentVersion)).size).toBe(6);
  });

  it('parseInstanceCount accepts whole numbers in range, with surrounding spaces', () => {
    // Act
    const counts = [' 200 ', '1', String(DEMO_MAX_INSTANCES)].map(parseInstanceCount);

    // Assess
    expect(counts).toEqual([200, 1, DEMO_MAX_INSTANCES]);
  });
});

describe('demo tag-change event', () => {
  it('has the shape of the real sample and classifies as an opt-in of the VPC', () => {
    // Prepare
    const sample = loadEvent('tag-change-vpc-opt-in');

    // Act
    const event = tagChangeEvent({
      region: 'us-east-1',
      accountId: '123456789012',
      vpcId: 'vpc-0123456789abcdef0',
      time: new Date('2025-01-15T09:00:00.000Z'),
      changedKeys: ['privatelink-ecs'],
      tags: { 'privatelink-ecs': 'enabled' },
    });

    // Assess
    expect(Object.keys(event).sort()).toEqual(Object.keys(sample).sort());
    expect(Object.keys(event.detail as object).sort()).toEqual(Object.keys(sample.detail).sort());
    expect(event.time).toBe('2025-01-15T09:00:00Z');
    const classified = classifyEvent(event, parseConfig({}));
    expect(classified).toMatchObject({
      ok: true,
      rule: 'vpc-tag-change',
      intent: { kind: 'vpcs', vpcIds: ['vpc-0123456789abcdef0'] },
    });
  });
});

describe('demo Lambda environment', () => {
  const saved = process.env.AWS_LAMBDA_FUNCTION_NAME;
  afterEach(() => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = saved;
  });

  it('sets AWS_LAMBDA_FUNCTION_NAME for the work only and removes it after when it was unset, even on error', async () => {
    // Prepare
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    let during: string | undefined;

    // Act
    const outcome = asLambda('demo-fn', async () => {
      during = process.env.AWS_LAMBDA_FUNCTION_NAME;
      throw new Error('boom');
    });

    // Assess
    await expect(outcome).rejects.toThrow('boom');
    expect(during).toBe('demo-fn');
    expect(Object.hasOwn(process.env, 'AWS_LAMBDA_FUNCTION_NAME')).toBe(false);
  });
});
