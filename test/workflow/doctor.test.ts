// `privatelink-ecs doctor` through main([...]) against the simulated account: the stack deployed with a config
// (its roles are the synthesized stack's policies), a VPC with a fleet, and the doctor's clients answered by
// the account, whose SimulatePrincipalPolicy is the same evaluator that enforces every role-bound call.
import { CreateTagsCommand, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import type { ContextEntry } from '@aws-sdk/client-iam';
import { CreateDocumentCommand } from '@aws-sdk/client-ssm';
import { main } from '../../bin/cli';
import { doctorClientHooks } from '../../bin/lib/doctor/clients';
import type { DoctorReport } from '../../bin/lib/doctor/diagnose';
import { type ContainerInstancesAdded, type SimDoctorClients, SimulatedAccount } from '../../devkit/sim';
import { type ClientService, isModelled } from '../../shared/authz/requests';
import { type ConfigInput, parseConfig } from '../../shared/config';
import { RESTART_DOCUMENT } from '../../shared/workflow/document';
import { captureCli } from '../support/cli';

const DOCUMENT = 'PrivateLinkEcs-RestartAgent';
const TABLE = 'PrivateLinkEcs-State';

interface World {
  account: SimulatedAccount;
  vpcId: string;
  fleet: ContainerInstancesAdded;
}

/** A healthy deployment: opted-in VPC without NAT, DNS on, 3 container instances online in SSM, one trail. */
async function world(config: ConfigInput = {}): Promise<World> {
  const account = new SimulatedAccount();
  const { vpcId } = account.addVpc({
    cidr: '10.30.0.0/16',
    layout: 'public-private',
    nat: false,
    tags: { 'privatelink-ecs': 'enabled' },
  });
  account.deployStack({ config: parseConfig(config), documentName: DOCUMENT, tableName: TABLE });
  account.addTable(TABLE, { partitionKey: 'id' });
  const admin = account.clients();
  await admin.ssm.send(
    new CreateDocumentCommand({
      Name: DOCUMENT,
      Content: JSON.stringify(RESTART_DOCUMENT),
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    }),
  );
  const fleet = account.addContainerInstances({ vpcId, clusterName: 'payments', count: 3 });
  return { account, vpcId, fleet };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Calls the account answered during the run. */
  calls: SimulatedAccount['calls'];
}

async function doctor(
  w: World | undefined,
  args: string[],
  adjust: (clients: SimDoctorClients) => void = () => undefined,
): Promise<Run> {
  const before = w?.account.calls.length ?? 0;
  const make = jest.fn(() => {
    if (!w) throw new Error('the doctor made AWS clients');
    const clients = w.account.doctorClients({ maxAttempts: 3 });
    adjust(clients);
    return clients;
  });
  doctorClientHooks.make = make;
  const io = captureCli();
  try {
    const code = await main(['doctor', ...args]);
    return { code, stdout: io.stdout(), stderr: io.stderr(), calls: w?.account.calls.slice(before) ?? [] };
  } finally {
    delete doctorClientHooks.make;
    process.exitCode = undefined;
  }
}

/** The checklist line of one title, with its fix line when there is one. */
function line(stdout: string, title: string): string {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^ {2}(PASS|WARN|FAIL) {2}${title}:`).test(l));
  if (at < 0) throw new Error(`no ${title} line in:\n${stdout}`);
  const rest: string[] = [];
  for (const next of lines.slice(at + 1)) {
    if (!/^ {8}/.test(next)) break;
    rest.push(next);
  }
  return [lines[at], ...rest].join('\n');
}

describe('privatelink-ecs doctor against the simulated account', () => {
  // Each config the stack is deployed with is synthesized once for its roles (then cached on disk): about 5 s
  // on an idle machine, several times that under load.
  jest.setTimeout(90_000);

  it('passes every check of a healthy deployed stack, exits 0 and writes nothing', async () => {
    // Prepare
    const w = await world();

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const title of [
      'Opt-in',
      'IAM',
      'CloudTrail',
      'VPC DNS',
      'Private hosted zones',
      'SSM agents',
      'ECS agents',
    ]) {
      expect(line(run.stdout, title)).toMatch(/^ {2}PASS/);
    }
    expect(run.stdout).toMatch(/IAM: \d+ checks of 12 function roles allowed by iam:SimulatePrincipalPolicy/);
    expect(run.stdout).toContain(`No blocking finding: the stack can serve ${w.vpcId}.`);
    // Read-only: no write reached the account; every call doctor makes is described for IAM.
    expect(run.calls.filter((c) => !/^(Describe|List|Get|Simulate)/.test(c.operation))).toEqual([]);
    const unmodelled = run.calls.filter((c) => !isModelled(c.service as ClientService, c.operation));
    expect(unmodelled.map((c) => `${c.service}:${c.operation}`)).toEqual([]);
    // Each role was asked about the calls of its function, through SimulatePrincipalPolicy.
    const simulated = run.calls.filter((c) => c.operation === 'SimulatePrincipalPolicy');
    const roles = new Set(simulated.map((c) => (c.input as { PolicySourceArn: string }).PolicySourceArn));
    expect(roles.size).toBe(12);
  });

  it.each([
    ['no trail', [], /no trail logs us-east-1/, /aws cloudtrail create-trail/],
    [
      'a stopped trail',
      [{ name: 'org-trail', logging: false }],
      /org-trail is stopped/,
      /aws cloudtrail start-logging --name arn:aws:cloudtrail:us-east-1:123456789012:trail\/org-trail/,
    ],
  ])(
    'warns with its fix when there is %s, and exits 0: the CloudTrail rules never fire, the rest works',
    async (_name, trails, summary, fix) => {
      // Prepare
      const w = await world();
      w.account.setTrails(trails);

      // Act
      const run = await doctor(w, ['--vpc-id', w.vpcId]);

      // Assess
      const cloudtrail = line(run.stdout, 'CloudTrail');
      expect(cloudtrail).toMatch(/^ {2}WARN/);
      expect(cloudtrail).toMatch(summary);
      expect(cloudtrail).toMatch(/"AWS API Call via CloudTrail" rules .* never fire/);
      expect(cloudtrail).toMatch(fix);
      expect(run.code).toBe(0);
    },
  );

  it('warns that DNS hostnames are off and that the first run turns them on, and exits 0', async () => {
    // Prepare
    const w = await world();
    await w.account
      .clients()
      .ec2.send(new ModifyVpcAttributeCommand({ VpcId: w.vpcId, EnableDnsHostnames: { Value: false } }));

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId]);

    // Assess
    const dns = line(run.stdout, 'VPC DNS');
    expect(dns).toMatch(/^ {2}WARN {2}VPC DNS: enableDnsHostnames off: the first run turns it on/);
    expect(dns).toContain(
      `aws ec2 modify-vpc-attribute --vpc-id ${w.vpcId} --enable-dns-hostnames '{"Value":true}'`,
    );
    // The ModifyVpcAttribute that run makes was checked against the roles, and allowed.
    expect(line(run.stdout, 'IAM')).toMatch(/^ {2}PASS/);
    const asked = run.calls.filter((c) =>
      ((c.input as { ActionNames?: string[] }).ActionNames ?? []).includes('ec2:ModifyVpcAttribute'),
    );
    expect(asked.length).toBeGreaterThan(0);
    expect(run.code).toBe(0);
  });

  it('warns that ecr.api is served centrally by a private hosted zone associated with the VPC, checks no endpoint for it, and exits 0', async () => {
    // Prepare: the operator's own zone for ecr.api, and one an AWS service owns (which serves nothing centrally)
    const w = await world();
    const zoneId = w.account.associatePrivateHostedZone(w.vpcId, 'api.ecr.us-east-1.amazonaws.com');
    w.account.associatePrivateHostedZone(w.vpcId, 'ecs.us-east-1.amazonaws.com', {
      owningService: 'vpce.amazonaws.com',
    });

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId]);

    // Assess: the line says so, with how to get an endpoint of our own instead
    const zones = line(run.stdout, 'Private hosted zones');
    expect(zones).toMatch(
      new RegExp(
        `^ {2}WARN {2}Private hosted zones: ecr\\.api is served centrally: api\\.ecr\\.us-east-1\\.amazonaws\\.com \\(${zoneId}, owner 123456789012\\) is associated with ${w.vpcId}, so no endpoint of ours is created for it`,
      ),
    );
    expect(zones).not.toContain('ecs.us-east-1.amazonaws.com');
    expect(zones).toContain(
      `aws route53 disassociate-vpc-from-hosted-zone --hosted-zone-id ${zoneId} --vpc VPCRegion=us-east-1,VPCId=${w.vpcId}`,
    );
    // As the deployed functions plan it: no CreateVpcEndpoint for ecr.api is checked, the other services' are.
    const services = run.calls
      .filter((c) => c.operation === 'SimulatePrincipalPolicy')
      .flatMap((c) => (c.input as { ContextEntries?: ContextEntry[] }).ContextEntries ?? [])
      .filter((e) => e.ContextKeyName === 'ec2:VpceServiceName')
      .flatMap((e) => e.ContextKeyValues ?? []);
    expect(services).not.toContain('com.amazonaws.us-east-1.ecr.api');
    expect(services).toContain('com.amazonaws.us-east-1.ecr.dkr');
    expect(run.code).toBe(0);
  });

  it('fails on a container instance SSM does not manage when no run creates the SSM endpoints, and exits 1', async () => {
    // Prepare: ssmEndpoints "never", so nothing will bring the agent online
    const w = await world({ ssmEndpoints: 'never' });
    const offline = w.fleet.instanceIds[1]!;
    w.account.setSsmManaged(offline, false);

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId]);

    // Assess
    const ssm = line(run.stdout, 'SSM agents');
    expect(ssm).toMatch(
      new RegExp(
        `^ {2}FAIL {2}SSM agents: 1 of 3 not online in SSM: ${offline} \\(not managed by SSM\\); their agents cannot be restarted`,
      ),
    );
    expect(ssm).toMatch(
      /fix: give the instances an instance profile with AmazonSSMManagedInstanceCore .*restart\.fallback to "reboot"/,
    );
    expect(run.code).toBe(1);
  });

  it('only warns about an offline SSM agent when the run creates the SSM endpoints first (no NAT), and exits 0', async () => {
    // Prepare: the default ssmEndpoints "auto" adds ssm, ssmmessages and ec2messages to a VPC without NAT
    const w = await world();
    w.account.setSsmManaged(w.fleet.instanceIds[0]!, false);

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId]);

    // Assess
    expect(line(run.stdout, 'SSM agents')).toMatch(
      /^ {2}WARN {2}SSM agents: 1 of 3 not online in SSM: .*the run creates the SSM endpoints first/,
    );
    expect(run.code).toBe(0);
  });

  it('fails on an agent older than 1.25.1 with restart.agentUpdate off, and exits 1', async () => {
    // Prepare
    const w = await world();
    const old = w.account.addContainerInstances({
      vpcId: w.vpcId,
      clusterName: 'legacy',
      count: 1,
      agentVersion: '1.21.0',
    }).instanceIds[0]!;

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId]);

    // Assess
    const agents = line(run.stdout, 'ECS agents');
    expect(agents).toMatch(
      new RegExp(
        `^ {2}FAIL {2}ECS agents: 1 agent\\(s\\) older than 1\\.25\\.1: ${old} \\(1\\.21\\.0\\); they cannot use the endpoints`,
      ),
    );
    expect(agents).toMatch(/fix: update them .*or set restart\.agentUpdate and redeploy/);
    expect(run.code).toBe(1);
  });

  it('only warns about an old agent with restart.agentUpdate on, after checking the role may update it', async () => {
    // Prepare
    const w = await world({ restart: { agentUpdate: true } });
    w.account.addContainerInstances({
      vpcId: w.vpcId,
      clusterName: 'legacy',
      count: 1,
      agentVersion: '1.21.0',
    });

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId, '--json']);

    // Assess
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(report.items.find((i) => i.id === 'ecs-agents')?.status).toBe('warn');
    expect(report.items.find((i) => i.id === 'iam')?.status).toBe('pass');
    const updater = report.roles.find((r) => r.functionId === 'WorkflowStartAgentUpdates');
    expect(updater).toMatchObject({ denied: 0 });
    expect(updater!.checks).toBeGreaterThan(2);
    expect(run.code).toBe(0);
  });

  it('fails when a deployed role lacks a statement of this version, naming it and saying to redeploy', async () => {
    // Prepare: a stack deployed before EnsureEndpoints could create endpoints
    const w = await world();
    w.account.removeRoleStatement('WorkflowEnsureEndpoints', 'ReconcilerCreateEndpoint');

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId]);

    // Assess
    const iam = line(run.stdout, 'IAM');
    expect(iam).toMatch(
      /^ {2}FAIL {2}IAM: WorkflowEnsureEndpoints would be denied ec2:CreateVpcEndpoint on arn:aws:ec2:us-east-1:123456789012:vpc-endpoint\/\*\n/,
    );
    expect(iam).toMatch(/needed by ec2:CreateVpcEndpoint to create the ecr\.api interface endpoint/);
    expect(iam).toContain(
      'fix: this version grants it (statement ReconcilerCreateEndpoint) but the deployed role lacks it: redeploy the stack (npx cdk deploy)',
    );
    // The triggers keep the statement: only EnsureEndpoints is named.
    expect(iam).not.toMatch(/Trigger|Sweep/);
    expect(run.code).toBe(1);
  });

  it('fails when restart.instanceTag excludes an instance, naming the tag to add to it', async () => {
    // Prepare: SendCommand is allowed only on instances tagged ecs-fleet=prod; two of three carry it
    const w = await world({ restart: { instanceTag: { key: 'ecs-fleet', value: 'prod' } } });
    const [a, b, untagged] = w.fleet.instanceIds as [string, string, string];
    await w.account
      .clients()
      .ec2.send(new CreateTagsCommand({ Resources: [a, b], Tags: [{ Key: 'ecs-fleet', Value: 'prod' }] }));

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId, '--json']);

    // Assess
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(report.iam.denials).toEqual([
      expect.objectContaining({
        functionIds: ['WorkflowPollBatch', 'WorkflowStartBatch'],
        action: 'ssm:SendCommand',
        resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${untagged}`],
        fix: expect.stringMatching(
          new RegExp(
            `^statement WorkflowSendCommandToInstances allows it only when ssm:resourceTag/ecs-fleet = prod \\(here: absent\\): tag ${untagged} ecs-fleet=prod`,
          ),
        ),
      }),
    ]);
    expect(report.blocking).toBe(1);
    expect(run.code).toBe(1);
  });

  it('reports a check whose reads are denied to the operator as not checked (WARN) and runs the others', async () => {
    // Prepare: the operator may not read CloudTrail
    const w = await world();
    const denyCloudTrail = (clients: SimDoctorClients) =>
      clients.cloudtrail.middlewareStack.add(
        () => async () => {
          throw Object.assign(new Error('User is not authorized to perform: cloudtrail:DescribeTrails'), {
            name: 'AccessDeniedException',
          });
        },
        { step: 'initialize', name: 'denyCloudTrail' },
      );

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId], denyCloudTrail);

    // Assess
    expect(line(run.stdout, 'CloudTrail')).toMatch(
      /^ {2}WARN {2}CloudTrail: not checked: AccessDeniedException: User is not authorized to perform: cloudtrail:DescribeTrails\n {8}fix: allow the reads/,
    );
    expect(line(run.stdout, 'Private hosted zones')).toMatch(/^ {2}PASS/);
    expect(run.code).toBe(0);
  });

  it('--json prints one JSON document with every checklist item, and the exit code follows its blocking count', async () => {
    // Prepare: one blocking finding (an old agent) and one warning (no trail)
    const w = await world();
    w.account.addContainerInstances({
      vpcId: w.vpcId,
      clusterName: 'legacy',
      count: 1,
      agentVersion: '1.21.0',
    });
    w.account.setTrails([]);

    // Act
    const run = await doctor(w, ['--vpc-id', w.vpcId, '--json']);

    // Assess
    const report = JSON.parse(run.stdout) as DoctorReport;
    expect(report).toMatchObject({
      stackName: 'PrivateLinkEcs',
      vpcId: w.vpcId,
      region: 'us-east-1',
      blocking: 1,
    });
    expect(report.items.map((i) => [i.id, i.status])).toEqual([
      ['opt-in', 'pass'],
      ['iam', 'pass'],
      ['cloudtrail', 'warn'],
      ['vpc-dns', 'pass'],
      ['private-dns-zones', 'pass'],
      ['ssm-agents', 'pass'],
      ['ecs-agents', 'fail'],
    ]);
    expect(report.items.filter((i) => i.status !== 'pass').every((i) => typeof i.fix === 'string')).toBe(
      true,
    );
    expect(report.roles).toHaveLength(12);
    expect(run.code).toBe(1);
  });

  it.each([
    [
      ['--vpc-id', 'vpc-123'],
      /^privatelink-ecs: --vpc-id must be a VPC ID like vpc-0123456789abcdef0, got "vpc-123"$/,
    ],
    [
      ['--vpc-id', 'vpc-0123456789abcdef0', '--stack-name', 'bad name'],
      /^privatelink-ecs: --stack-name must be a CloudFormation stack name/,
    ],
  ])('rejects %j with one line on stderr, exit 2 and no AWS call', async (args, message) => {
    // Prepare
    const io = captureCli();
    const make = jest.fn(() => {
      throw new Error('the doctor made AWS clients');
    });
    doctorClientHooks.make = make;

    // Act
    const code = await main(['doctor', ...args]).finally(() => {
      delete doctorClientHooks.make;
    });

    // Assess
    expect(make).not.toHaveBeenCalled();
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    const lines = io.stderr().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(io.commands).toEqual([]);
  });

  it.each([
    [
      'a VPC that does not exist',
      ['--vpc-id', 'vpc-0123456789abcdef0'],
      /VPC vpc-0123456789abcdef0 was not found/,
    ],
    [
      'a stack that does not exist',
      ['--stack-name', 'Other'],
      /stack Other was not found in this account and region/,
    ],
  ])('exits 2 with one line for %s', async (_name, args, message) => {
    // Prepare
    const w = await world();
    const vpcArgs = args.includes('--vpc-id') ? [] : ['--vpc-id', w.vpcId];

    // Act
    const run = await doctor(w, [...vpcArgs, ...args]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(message)]);
  });

  it('--help explains the checks, the exit codes and gives examples', async () => {
    // Prepare
    const io = captureCli();

    // Act
    const code = await main(['doctor', '--help']);

    // Assess
    expect(code).toBe(0);
    const help = io.stdout();
    expect(help).toContain('iam:SimulatePrincipalPolicy');
    expect(help).toMatch(
      /Exit code 0 when nothing blocks \(WARN lines allowed\), 1 on a blocking\n\(FAIL\) finding, 2 for bad input/,
    );
    expect(help).toContain('privatelink-ecs doctor --vpc-id vpc-0123456789abcdef0 --json');
    expect(io.commands).toEqual([]);
  });
});
