// The workflow CLI commands against moto (AWS_ENDPOINT_URL from the harness): `run` executes the synthesized
// state machine in-process, `start` starts an execution of a deployed state machine. Output is captured from
// main([...]); every command any SDK client sends is recorded, so "changes nothing" is checked, not assumed.
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { main } from '../../bin/cli';
import { cliExecutionName } from '../../bin/commands/start';
import { parseWorkflowInput } from '../../shared/workflow/input';
import { captureCli as capture } from '../support/cli';
import { createVpcLayout } from '../support/fixtures';
import { resetMoto } from '../support/moto';
import { optedInVpcWithInstances } from './workflow/support';

jest.setTimeout(60_000);

const SERVICES = [
  'ecr.api',
  'ecr.dkr',
  'ecs-agent',
  'ecs-telemetry',
  'ecs',
  's3',
  'ssm',
  'ssmmessages',
  'ec2messages',
];
describe('privatelink-ecs run and start (CLI against moto)', () => {
  const ec2 = new EC2Client({ maxAttempts: 1 });
  const ecs = new ECSClient({ maxAttempts: 1 });
  const sfn = new SFNClient({ maxAttempts: 1 });
  const cfn = new CloudFormationClient({ maxAttempts: 1 });

  beforeEach(resetMoto);

  afterEach(() => {
    process.exitCode = undefined;
  });

  afterAll(() => {
    ec2.destroy();
    ecs.destroy();
    sfn.destroy();
    cfn.destroy();
  });

  const taggedVpcWithInstances = () => optedInVpcWithInstances({ ec2, ecs }, { azs: 2, count: 2 });

  it('run on a tagged VPC creates the endpoints, prints progress on stderr and the summary on stdout, exit 0', async () => {
    // Prepare
    const { layout, fleet } = await taggedVpcWithInstances();
    const io = capture();

    // Act
    const code = await main(['run', '--vpc-id', layout.vpcId, '--document-name', 'PrivateLinkEcs-Restart']);

    // Assess
    expect(code).toBe(0);
    const stdout = io.stdout();
    expect(stdout).toMatch(new RegExp(`^Remediation of ${layout.vpcId}: SUCCEEDED`));
    // No NAT in these private subnets, so the default ssmEndpoints "auto" adds ssm, ssmmessages, ec2messages.
    expect(stdout).toMatch(/Endpoints \(9\):/);
    for (const service of SERVICES) {
      expect(stdout).toMatch(new RegExp(`\\n  ${service.replace('.', '\\.')} +vpce-[0-9a-f]+ +available`));
    }
    // moto reports every agent as 1.0.0, older than 1.25.1: both are skipped with that reason.
    expect(stdout).toMatch(/Skipped \(2\):/);
    for (const id of fleet.instanceIds) expect(stdout).toMatch(new RegExp(`${id} .*agent too old`));
    expect(io.stderr()).toMatch(new RegExp(`Running the remediation workflow for ${layout.vpcId}`));
    expect(io.stderr()).toMatch(/✓ EnsureEndpoints/);
    expect(io.writes()).toEqual(expect.arrayContaining(['CreateVpcEndpoint']));
    expect(io.writes()).not.toContain('SendCommand');
  });

  it('run --json prints the summary as JSON with the execution status', async () => {
    // Prepare
    const { layout } = await taggedVpcWithInstances();
    const io = capture();

    // Act
    const code = await main(['run', '--vpc-id', layout.vpcId, '--restart', 'none', '--json']);

    // Assess
    expect(code).toBe(0);
    const parsed = JSON.parse(io.stdout());
    expect(parsed.status).toBe('SUCCEEDED');
    expect(parsed.summary.vpcId).toBe(layout.vpcId);
    expect(parsed.summary.endpoints.map((e: { service: string }) => e.service).sort()).toEqual(
      [...SERVICES].sort(),
    );
    expect(parsed.summary.counts).toEqual({ restarted: 0, skipped: 2, failed: 0 });
    expect(parsed.transitions).toBeGreaterThan(0);
  });

  it('run --dry-run plans the endpoints, prints the plan and makes no write call, not even PutEvents', async () => {
    // Prepare
    const { layout } = await taggedVpcWithInstances();
    const io = capture();

    // Act
    const code = await main(['run', '--vpc-id', layout.vpcId, '--dry-run', '--json']);

    // Assess
    expect(code).toBe(0);
    const parsed = JSON.parse(io.stdout());
    expect(parsed.status).toBe('SUCCEEDED');
    expect(parsed.summary.dryRun).toBe(true);
    expect(parsed.summary.plan.length).toBeGreaterThan(0);
    expect(io.commands.length).toBeGreaterThan(0);
    expect(io.writes()).toEqual([]);
  });

  it.each([
    ['a malformed VPC ID', () => 'vpc-nothex!', /--vpc-id: must be a VPC ID/],
    ['an unknown VPC', () => 'vpc-0123456789abcdef0', /VpcNotFound: .*vpc-0123456789abcdef0/],
  ])('run with %s: one line on stderr, exit 2, zero AWS write calls', async (_label, vpcId, message) => {
    // Prepare
    await createVpcLayout(ec2, { azs: 1, tags: { 'privatelink-ecs': 'enabled' } });
    const io = capture();

    // Act
    const code = await main(['run', '--vpc-id', vpcId(), '--restart', 'none']);

    // Assess
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    const lines = io.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^privatelink-ecs: /);
    expect(lines[0]).toMatch(message);
    expect(io.writes()).toEqual([]);
  });

  it('run without --document-name reads the restart document from the deployed stack output', async () => {
    // Prepare
    const { layout } = await taggedVpcWithInstances();
    await cfn.send(
      new CreateStackCommand({
        StackName: 'PrivateLinkEcs',
        TemplateBody: JSON.stringify({
          Resources: { Placeholder: { Type: 'AWS::SQS::Queue' } },
          Outputs: { RestartDocumentName: { Value: 'PrivateLinkEcs-RestartAgentDocument-Test' } },
        }),
      }),
    );
    const io = capture();

    // Act
    const code = await main(['run', '--vpc-id', layout.vpcId]);

    // Assess
    expect(code).toBe(0);
    expect(io.commands).toContain('DescribeStacks');
    expect(io.stdout()).toMatch(new RegExp(`^Remediation of ${layout.vpcId}: SUCCEEDED`));
  });

  it('run without --document-name and no deployed stack: one line naming the options, exit 2, zero writes', async () => {
    // Prepare
    const { layout } = await taggedVpcWithInstances();
    const io = capture();

    // Act
    const code = await main(['run', '--vpc-id', layout.vpcId, '--stack-name', 'NoSuchStack']);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr().trimEnd().split('\n')).toEqual([
      'privatelink-ecs: stack NoSuchStack was not found in this account and region: deploy it (npx cdk deploy) or ' +
        'pass --stack-name / --document-name (or set RESTART_DOCUMENT_NAME), or use --dry-run or --restart none',
    ]);
    expect(io.commands).toEqual(['DescribeStacks']);
  });

  it('run on an untagged VPC without --force: one line naming the opt-in tag, exit 2, zero writes', async () => {
    // Prepare
    const layout = await createVpcLayout(ec2, { azs: 1 });
    const io = capture();

    // Act
    const code = await main(['run', '--vpc-id', layout.vpcId, '--restart', 'none']);

    // Assess
    expect(code).toBe(2);
    const lines = io.stderr().trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^privatelink-ecs: NotOptedIn: .*privatelink-ecs=enabled, or pass --force to act on it anyway$/,
      ),
    ]);
    expect(io.writes()).toEqual([]);
  });

  it('start --state-machine-arn starts an execution with the CLI name for this input and prints the console link', async () => {
    // Prepare
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'PrivateLinkEcsRemediation',
        roleArn: 'arn:aws:iam::123456789012:role/privatelink-ecs-workflow',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    );
    const stateMachineArn = created.stateMachineArn!;
    const vpcId = 'vpc-0a1b2c3d4e5f60718';
    // Freeze Date only (not timers): the execution name is derived from the input and the start time.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    jest.useFakeTimers({
      now: at,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    const io = capture();

    // Act
    let code: number;
    try {
      code = await main([
        'start',
        '--vpc-id',
        vpcId,
        '--restart',
        'all',
        '--state-machine-arn',
        stateMachineArn,
      ]);
    } finally {
      jest.useRealTimers();
    }

    // Assess
    expect(code).toBe(0);
    const expectedName = cliExecutionName(parseWorkflowInput({ vpcId, restart: 'all' }), at);
    expect(expectedName).toMatch(new RegExp(`^cli-${vpcId}-${at.getTime()}-[0-9a-f]{8}$`));
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.map((e) => e.name)).toEqual([expectedName]);
    const executionArn = listed.executions![0]!.executionArn!;
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(described.input!)).toMatchObject({ vpcId, restart: 'all' });
    expect(io.stdout()).toContain(`Started ${executionArn}\n`);
    expect(io.stdout()).toContain(
      `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${encodeURIComponent(executionArn)}`,
    );
    expect(io.writes()).toEqual(['StartExecution']);
    expect(io.commands).not.toContain('DescribeStacks');
  });

  it('start without --state-machine-arn and no deployed stack: one clear line, exit 2, nothing started', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['start', '--vpc-id', 'vpc-0a1b2c3d4e5f60718', '--stack-name', 'NoSuchStack']);

    // Assess
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toBe(
      'privatelink-ecs: stack NoSuchStack was not found in this account and region: deploy it (npx cdk deploy) or pass --stack-name / --state-machine-arn\n',
    );
    expect(io.commands).toEqual(['DescribeStacks']);
  });

  it('start with a malformed --state-machine-arn: one line, exit 2, no AWS call', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main([
      'start',
      '--vpc-id',
      'vpc-0a1b2c3d4e5f60718',
      '--state-machine-arn',
      'arn:aws:lambda:us-east-1:123456789012:function:x',
    ]);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr().trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^privatelink-ecs: --state-machine-arn must be a state machine ARN/),
    ]);
    expect(io.commands).toEqual([]);
  });
});
