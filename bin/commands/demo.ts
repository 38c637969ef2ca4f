// `privatelink-ecs demo` (what `npm start` runs): the whole story against a built-in simulated AWS account, no
// credentials, no emulator, no network. 1) a VPC: 3 AZs, private subnets only, no NAT, DNS hostnames off;
// 2) an ECS fleet of N container instances with mixed agent versions, one not managed by SSM; 3) the opt-in tag
// is added and the "Tag Change on Resource" event goes through the deployed rules' matching into the trigger
// Lambda's handler code; 4) the trigger reconciles the endpoints and starts the workflow; 5) the synthesized
// state machine runs in-process on that execution's input; 6) the report. Progress on stderr, report on stdout.
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import type { Command } from 'commander';
import { type LocalRunResult, runWorkflowLocally } from '../../devkit/workflow/local';
import { functionIdForEntry } from '../../infra/stack';
import { type Config, parseConfig, SSM_SERVICES } from '../../shared/config';
import { describeError, errorName } from '../../shared/errors';
import { createTriggerHandler, type TriggerSummary } from '../../shared/events/handler';
import { TRIGGER_RULES, type TriggerRuleId } from '../../shared/events/patterns';
import { matchingRules } from '../../shared/events/schemas';
import {
  endpointHourlyPrice,
  HOURS_PER_MONTH,
  monthlyEndpointCost,
  STATE_TRANSITION_PRICE_USD,
} from '../../shared/pricing';
import { parseWorkflowInput } from '../../shared/workflow/input';
import { DynamoStateStore } from '../../shared/workflow/store';
import type { RemediationSummary } from '../../shared/workflow/types';
import { EXIT_FAILED, EXIT_OK } from '../lib/common';
import {
  asLambda,
  buildDemoWorld,
  collectStdout,
  DEMO_DEFAULT_INSTANCES,
  DEMO_MAX_INSTANCES,
  DEMO_TRIGGER_FUNCTION,
  DEMO_VPC_CIDR,
  DEMO_VPC_NAME,
  type DemoWorld,
  lambdaContext,
  parseInstanceCount,
  tagChangeEvent,
} from '../lib/demo';
import { formatUsd, renderTable } from '../lib/render';
import { progressPrinter, renderSummary } from './run';

export const order = 5;

interface DemoOptions {
  json?: boolean;
  instances?: string;
  failInstance?: boolean;
}

type Writer = (line: string) => void;

const READ_ONLY = /^(Describe|List|Get|BatchGet|Query|Scan)/;
const SSM_ENDPOINT_SERVICES = new Set<string>(SSM_SERVICES);

interface EndpointRow {
  service: string;
  id: string;
  type: 'Interface' | 'Gateway';
  state: string;
  /** AZs the endpoint has a network interface in (0 for a gateway endpoint). */
  azs: number;
  /** Why the endpoint is there. */
  why: string;
}

/** The VPC's endpoints, read from the simulated account's state (no API call, so no poll is consumed). */
function endpointRows(world: DemoWorld, config: Config): EndpointRow[] {
  const { state } = world.account;
  const core = new Set(config.interfaceServices);
  const why = (e: { type: string; service: string }) =>
    e.type === 'Gateway'
      ? 'S3 gateway: image layers from ECR (free)'
      : core.has(e.service)
        ? 'ECS/ECR interface endpoint'
        : SSM_ENDPOINT_SERVICES.has(e.service)
          ? 'SSM: no NAT, so Run Command needs it'
          : 'extra interface endpoint';
  return [...state.endpoints.values()]
    .filter((e) => e.vpcId === world.layout.vpcId && e.state !== 'deleted')
    .map((e) => ({
      service: e.service,
      id: e.id,
      type: e.type,
      state: e.state,
      azs: new Set(e.subnetIds.map((s) => state.subnets.get(s)?.az)).size,
      why: why(e),
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
}

interface CostReport {
  region: string;
  hourlyUsdPerEndpointAz: number;
  priceSource: string;
  interfaceEndpoints: number;
  endpointAzs: number;
  monthlyUsd: number;
  /** The part of monthlyUsd for the SSM endpoints ssmEndpoints=auto added. */
  ssmMonthlyUsd: number;
  gatewayEndpoints: number;
  gatewayMonthlyUsd: number;
  hoursPerMonth: number;
  dataProcessing: string;
}

function costOf(rows: EndpointRow[], region: string, config: Config): CostReport {
  const price = endpointHourlyPrice(region, config);
  const interfaces = rows.filter((r) => r.type === 'Interface');
  const azs = (list: EndpointRow[]) => list.reduce((sum, r) => sum + r.azs, 0);
  return {
    region,
    hourlyUsdPerEndpointAz: price.usd,
    priceSource: price.source,
    interfaceEndpoints: interfaces.length,
    endpointAzs: azs(interfaces),
    monthlyUsd: monthlyEndpointCost(azs(interfaces), price.usd),
    ssmMonthlyUsd: monthlyEndpointCost(
      azs(interfaces.filter((r) => SSM_ENDPOINT_SERVICES.has(r.service))),
      price.usd,
    ),
    gatewayEndpoints: rows.length - interfaces.length,
    gatewayMonthlyUsd: 0,
    hoursPerMonth: HOURS_PER_MONTH,
    dataProcessing: 'plus data processed through the interface endpoints, billed per GB (not estimated)',
  };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** An EMF line as "metrics (EMF): Name value, ..."; any other log line as it is. */
function describeLogLine(line: string): string {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown> & {
      _aws?: { CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name: string }> }> };
    };
    const names = parsed._aws?.CloudWatchMetrics?.flatMap((m) => m.Metrics ?? []).map((m) => m.Name);
    if (names?.length) return `metrics (EMF): ${names.map((n) => `${n} ${String(parsed[n])}`).join(', ')}`;
  } catch {
    // not JSON: shown as it is
  }
  return line;
}

/**
 * What the failed restart commands wrote to stderr, per instance, from the simulated account's Run Command
 * records (read directly, so no API call is added to the story): the reason behind "restart command Failed".
 */
function commandErrors(world: DemoWorld, instanceIds: string[]): Record<string, string> {
  const wanted = new Set(instanceIds);
  const out: Record<string, string> = {};
  for (const inv of world.account.state.invocations.values()) {
    if (!wanted.has(inv.instanceId) || inv.status === 'Success' || !inv.stderr) continue;
    out[inv.instanceId] = inv.stderr.trim().split('\n').join(' / ');
  }
  return out;
}

function stage(stderr: Writer, n: number, title: string): void {
  stderr('');
  stderr(`[${n}/6] ${title}`);
}

function formatMinutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export async function runDemo(opts: DemoOptions, stdout: Writer, stderr: Writer): Promise<number> {
  // Bad options fail before anything is built or run (InvalidInput: exit 2).
  const instances = parseInstanceCount(opts.instances);
  const config = parseConfig({});
  const world = await buildDemoWorld(config, { instances, failInstance: Boolean(opts.failInstance) });
  const { account, layout } = world;
  const { vpcId } = layout;
  const clients = account.clients();
  const startedAt = account.clock.now();
  const azs = account.availabilityZones;

  stderr('privatelink-ecs demo: a simulated AWS account (no credentials; nothing leaves this process)');

  // 1. The VPC.
  stage(stderr, 1, `A VPC: ${vpcId} "${DEMO_VPC_NAME}" ${DEMO_VPC_CIDR} in ${account.region}`);
  layout.privateSubnetIds.forEach((id, i) => {
    const subnet = account.state.subnets.get(id)!;
    stderr(
      `  private subnet ${id} ${subnet.cidr.padEnd(15)} ${subnet.az}  route table ${layout.privateRouteTableIds[i]}`,
    );
  });
  stderr('  no public subnets, no internet or NAT gateway; DNS support on, DNS hostnames off');

  // 2. The fleet.
  stage(stderr, 2, `An ECS fleet: ${instances} container instance(s) in ${azs.length} AZs`);
  const clusters = countBy(world.fleet, (i) => i.cluster);
  for (const [cluster, n] of Object.entries(clusters)) {
    const versions = countBy(
      world.fleet.filter((i) => i.cluster === cluster),
      (i) => i.agentVersion,
    );
    const list = Object.entries(versions)
      .map(([v, c]) => `${c}× ${v}`)
      .join(', ');
    stderr(`  cluster ${cluster.padEnd(11)} ${String(n).padStart(4)} instance(s), agent ${list}`);
  }
  const byAz = countBy(world.fleet, (i) => i.az);
  stderr(`  spread: ${azs.map((az) => `${az} ${byAz[az] ?? 0}`).join(', ')}`);
  const special = (role: string) => world.fleet.find((i) => i.role === role)?.instanceId;
  stderr(`  ${special('not-ssm-managed')} is not managed by SSM (the workflow cannot restart its agent)`);
  if (special('agent-too-old'))
    stderr(`  ${special('agent-too-old')} runs agent 1.21.0, older than the 1.25.1 PrivateLink needs`);
  if (special('no-systemd'))
    stderr(`  ${special('no-systemd')} has no systemd: its agent restarts as the ecs-agent Docker container`);
  if (world.failInstanceId)
    stderr(`  --fail-instance: the restart command will fail on ${world.failInstanceId}`);

  // 3. The operator adds the opt-in tag; EventBridge delivers the tag change to the rules.
  const tagKey = config.optInTag.key;
  stage(
    stderr,
    3,
    `The opt-in tag ${tagKey}=${config.optInTag.value} is added; EventBridge delivers the event`,
  );
  await clients.ec2.send(
    new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: tagKey, Value: config.optInTag.value }] }),
  );
  const tagCalls = account.calls.length;
  const event = tagChangeEvent({
    region: account.region,
    accountId: account.accountId,
    vpcId,
    time: account.clock.now(),
    changedKeys: [tagKey],
    tags: { Name: DEMO_VPC_NAME, team: 'payments', [tagKey]: config.optInTag.value },
  });
  const matched = matchingRules(config, event);
  const rule = TRIGGER_RULES.find((r) => r.id === matched[0]);
  stderr(`  event ${String(event.id)}: ${String(event.source)} / ${String(event['detail-type'])}`);
  if (!rule) {
    stderr('  ✗ no trigger rule matches the event: the demo cannot go on');
    return EXIT_FAILED;
  }
  // The Lambda behind the rule serves every rule with the same entry file (functions/trigger-vpc/index.ts
  // passes exactly these to triggerLambda).
  const served: TriggerRuleId[] = TRIGGER_RULES.filter((r) => r.handlerEntry === rule.handlerEntry).map(
    (r) => r.id,
  );
  stderr(`  rule matched: ${matched.join(', ')} (the pattern the stack deploys) → ${rule.handlerEntry}`);
  stderr(
    `  running the trigger Lambda's handler code in-process (createTriggerHandler for ${served.join(', ')}),`,
  );
  stderr(`  as ${DEMO_TRIGGER_FUNCTION}, with Powertools idempotency and the per-VPC lock in DynamoDB`);
  // The handler calls AWS as the deployed trigger function's role: every call is authorized against it.
  const triggerClients = account.clients({ role: functionIdForEntry(rule.handlerEntry) });
  const handler = createTriggerHandler(
    {
      ec2: triggerClients.ec2,
      ecs: triggerClients.ecs,
      sfn: triggerClients.sfn,
      dynamodb: triggerClients.dynamodb,
      config,
      stateMachineArn: world.stateMachineArn,
      tableName: world.table,
    },
    served,
  );
  const invoked = await collectStdout(() =>
    asLambda(DEMO_TRIGGER_FUNCTION, () => handler(event, lambdaContext(account.region, account.accountId))),
  );
  // What the Lambda wrote to its log: EMF metric lines (and error logs, if any), also when it threw.
  for (const line of invoked.lines) stderr(`  log: ${describeLogLine(line)}`);
  if (!invoked.ok) {
    stderr(`  ✗ the trigger failed: ${errorName(invoked.error)}: ${describeError(invoked.error)}`);
    return EXIT_FAILED;
  }
  const trigger: TriggerSummary = invoked.value;
  const vpc = trigger.vpcs.find((v) => v.vpcId === vpcId);

  // 4. What the trigger did.
  stage(stderr, 4, 'The trigger reconciled the endpoints and started the workflow');
  stderr(`  trigger: ${trigger.status}${vpc ? `; ${vpc.decision}: ${vpc.message}` : ''}`);
  for (const e of endpointRows(world, config))
    stderr(
      `  + ${e.service.padEnd(14)} ${e.id.padEnd(23)} ${e.type.padEnd(9)} ${e.state.padEnd(9)} ${e.why}`,
    );
  if (account.state.vpcs.get(vpcId)?.dnsHostnames)
    stderr('  DNS hostnames turned on in the VPC (private DNS names of interface endpoints need them)');
  const execution = vpc?.workflow?.started
    ? account.executions.find((x) => x.name === vpc.workflow?.name)
    : undefined;
  if (!vpc || !execution) {
    stderr(
      `  ✗ the trigger started no workflow execution: ${vpc?.message ?? trigger.reason ?? 'no outcome'}`,
    );
    return EXIT_FAILED;
  }
  stderr(`  StartExecution ${execution.name}`);
  stderr(`    input ${execution.input}`);
  stderr(`    because ${vpc.workflow?.reasons.join('; ')}`);
  const triggerCalls = account.calls.length;

  // 5. The state machine, on the execution the trigger started.
  stage(stderr, 5, `The synthesized state machine runs execution ${execution.name} in-process`);
  stderr('  (waits are skipped in real time; the account clock moves by each Wait, as deployed)');
  const input = parseWorkflowInput(JSON.parse(execution.input));
  const result: LocalRunResult = await runWorkflowLocally(input, {
    clients,
    // Each step calls AWS as its own function's role, as deployed.
    clientsFor: (functionId) => account.clients({ role: functionId }),
    storeFor: (stepClients) =>
      new DynamoStateStore(stepClients.dynamodb, world.table, () => account.clock.now()),
    config,
    documentName: world.documentName,
    executionName: execution.name,
    fastWaits: true,
    now: () => account.clock.now(),
    advanceClock: (seconds) => account.clock.advance(seconds * 1000),
    onEvent: progressPrinter(stderr),
  });
  account.completeExecution(execution.arn, {
    status: result.status,
    ...(result.output !== undefined ? { output: result.output } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.cause !== undefined ? { cause: result.cause } : {}),
  });
  const simulatedMs = account.clock.now().getTime() - startedAt.getTime();
  stderr('');
  stderr(`[6/6] Report (stdout). Simulated time on the account clock: ${formatMinutes(simulatedMs)}`);

  // What privatelink-ecs changed: every write after the operator's CreateTags; the triggers' and the
  // workflow's DynamoDB bookkeeping counted apart.
  const writes = account.calls.slice(tagCalls).filter((c) => !READ_ONLY.test(c.operation));
  const resourceWrites = writes.filter((c) => c.service !== 'dynamodb');
  const bookkeeping = writes.length - resourceWrites.length;
  const writeCounts = countBy(resourceWrites, (c) => `${c.service}:${c.operation}`);
  const endpoints = endpointRows(world, config);
  const cost = costOf(endpoints, account.region, config);
  const transitionsByState = countBy(result.statesVisited, (s) => s);
  const transitionCostUsd = result.transitions * STATE_TRANSITION_PRICE_USD;
  const summary = result.summary;
  const failedOutput = commandErrors(
    world,
    (summary?.failed ?? []).map((f) => f.instanceId),
  );

  if (opts.json) {
    stdout(
      JSON.stringify(
        {
          vpc: {
            vpcId,
            cidr: DEMO_VPC_CIDR,
            region: account.region,
            availabilityZones: azs,
            privateSubnets: layout.privateSubnetIds,
            publicSubnets: layout.publicSubnetIds,
            nat: false,
          },
          fleet: {
            instances,
            clusters,
            agentVersions: countBy(world.fleet, (i) => i.agentVersion),
            byAz,
            notManagedBySsm: special('not-ssm-managed') ?? null,
            agentTooOld: special('agent-too-old') ?? null,
            withoutSystemd: special('no-systemd') ?? null,
            failInstance: world.failInstanceId ?? null,
          },
          trigger: {
            eventId: event.id,
            detailType: event['detail-type'],
            matchedRules: matched,
            handlerEntry: rule.handlerEntry,
            servedRules: served,
            functionName: DEMO_TRIGGER_FUNCTION,
            result: trigger,
            execution: {
              name: execution.name,
              arn: execution.arn,
              input: JSON.parse(execution.input),
              started: true,
            },
            calls: triggerCalls - tagCalls,
          },
          workflow: {
            executionName: result.executionName,
            status: result.status,
            error: result.error ?? null,
            cause: result.cause ?? null,
            transitions: result.transitions,
            transitionsByState,
            transitionCostUsd,
            maxPayloadBytes: result.maxPayloadBytes,
            retries: result.retries,
            simulatedSeconds: Math.round(simulatedMs / 1000),
          },
          endpoints,
          restarted: summary?.restarted ?? [],
          skipped: summary?.skipped ?? [],
          failed: (summary?.failed ?? []).map((f) => ({
            ...f,
            ...(failedOutput[f.instanceId] ? { commandStderr: failedOutput[f.instanceId] } : {}),
          })),
          counts: summary?.counts ?? null,
          cost,
          writes: { ...writeCounts, dynamodbBookkeeping: bookkeeping },
          iam: { ...account.iam },
          summary: summary ?? null,
        },
        null,
        2,
      ),
    );
  } else {
    renderReport(stdout, {
      summary,
      result,
      endpoints,
      cost,
      transitionsByState,
      transitionCostUsd,
      writeCounts,
      bookkeeping,
      iam: account.iam,
      trigger: {
        eventId: String(event.id),
        rule: rule.id,
        entry: rule.handlerEntry,
        execution: execution.name,
      },
      ...(world.failInstanceId ? { failInstanceId: world.failInstanceId } : {}),
      failedOutput,
    });
  }
  // The demo shows failed instances as part of the story (--fail-instance); it exits non-zero only when the
  // workflow itself broke and produced no summary.
  return summary ? EXIT_OK : EXIT_FAILED;
}

function renderReport(
  stdout: Writer,
  r: {
    summary: RemediationSummary | undefined;
    result: LocalRunResult;
    endpoints: EndpointRow[];
    cost: CostReport;
    transitionsByState: Record<string, number>;
    transitionCostUsd: number;
    writeCounts: Record<string, number>;
    bookkeeping: number;
    iam: { authorized: number; denied: number };
    trigger: { eventId: string; rule: string; entry: string; execution: string };
    failInstanceId?: string;
    failedOutput: Record<string, string>;
  },
): void {
  stdout(`Trigger: event ${r.trigger.eventId} matched rule ${r.trigger.rule} (${r.trigger.entry})`);
  stdout(`  and started workflow execution ${r.trigger.execution}`);
  stdout('');
  if (r.summary) stdout(renderSummary(r.summary).trimEnd());
  else stdout(`Execution ${r.result.status}: ${r.result.error ?? ''} ${r.result.cause ?? ''}`.trim());
  for (const [instanceId, text] of Object.entries(r.failedOutput))
    stdout(`note: the restart command on ${instanceId} failed with: ${text}`);
  if (r.failInstanceId) {
    stdout(
      `note: ${r.failInstanceId} failed on purpose: --fail-instance made its restart command fail. The demo ` +
        'still exits 0; a real run would exit 1 and the error budget (restart.maxErrors) decides whether the ' +
        'rollout goes on.',
    );
  }
  stdout('');
  stdout(`Endpoints in the VPC (${r.endpoints.length}):`);
  stdout(
    renderTable(
      r.endpoints.map((e) => ({
        SERVICE: e.service,
        ID: e.id,
        TYPE: e.type,
        STATE: e.state,
        AZS: e.type === 'Interface' ? e.azs : '-',
        'COST/MONTH': formatUsd(
          e.type === 'Interface' ? monthlyEndpointCost(e.azs, r.cost.hourlyUsdPerEndpointAz) : 0,
        ),
        WHY: e.why,
      })),
    ).trimEnd(),
  );
  stdout('');
  const c = r.cost;
  const azsEach = c.interfaceEndpoints ? c.endpointAzs / c.interfaceEndpoints : 0;
  stdout(
    `Monthly cost of the endpoints: ${formatUsd(c.monthlyUsd)} = ${c.interfaceEndpoints} interface endpoints × ` +
      `${Number.isInteger(azsEach) ? azsEach : azsEach.toFixed(1)} AZs × $${c.hourlyUsdPerEndpointAz}/h ` +
      `(${c.region}, ${c.priceSource} price) × ${c.hoursPerMonth} h`,
  );
  stdout(
    `  of which ${formatUsd(c.ssmMonthlyUsd)} for ssm, ssmmessages, ec2messages (ssmEndpoints auto: no NAT)`,
  );
  stdout(`  the S3 gateway endpoint is free; ${c.dataProcessing}`);
  stdout('');
  const states = Object.entries(r.transitionsByState)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  stdout(
    `State transitions: ${r.result.transitions}, $${r.transitionCostUsd.toFixed(4)} at the Standard workflow ` +
      `price of $${(STATE_TRANSITION_PRICE_USD * 1000).toFixed(3)} per 1,000`,
  );
  stdout(`  ${states}`);
  stdout(`  largest state payload ${r.result.maxPayloadBytes} bytes`);
  stdout('');
  const total = Object.values(r.writeCounts).reduce((a, b) => a + b, 0);
  stdout(`What privatelink-ecs changed (${total} write calls after the tag was added):`);
  for (const [op, n] of Object.entries(r.writeCounts).sort()) stdout(`  ${op.padEnd(40)} ${n}`);
  stdout(`  (plus ${r.bookkeeping} writes of idempotency, lock, batch and progress records to DynamoDB)`);
  stdout('');
  stdout(
    `IAM: ${r.iam.authorized} calls authorized against the deployed roles, ${r.iam.denied} denied ` +
      '(each call evaluated, resource by resource, against the policies of the synthesized stack)',
  );
  stdout('');
  stdout('Try it on your account: privatelink-ecs plan --vpc-id vpc-…, then run --vpc-id vpc-… --dry-run');
}

export function register(program: Command): void {
  program
    .command('demo')
    .summary('the whole story against a built-in simulated account (what npm start runs)')
    .description(
      'Builds a simulated AWS account: a VPC with private subnets in 3 AZs, no NAT and DNS hostnames off, and ' +
        'an ECS fleet with mixed agent versions and one instance not managed by SSM. Adds the opt-in tag, ' +
        "matches the tag-change event against the deployed rules, runs the trigger Lambda's code in-process " +
        '(it reconciles the endpoints and starts the workflow), then runs the synthesized state machine ' +
        'in-process on that execution: endpoints go from pending to available, agent restarts roll in batches. ' +
        'Progress goes to stderr; the report (endpoints, instances restarted/skipped/failed with reasons, ' +
        'monthly endpoint cost, state transitions, what changed) to stdout. Needs no AWS credentials, no ' +
        'emulator and no network.\n\n' +
        'Exit codes: 0 when the story ran to its summary, also when an instance failed (--fail-instance shows ' +
        'that on purpose, under "Failed"); 1 when the trigger or the workflow itself broke; 2 for bad options.',
    )
    .option(
      '--instances <n>',
      `container instances in the fleet, 1 to ${DEMO_MAX_INSTANCES} (default ${DEMO_DEFAULT_INSTANCES})`,
    )
    .option('--fail-instance', "make one SSM-managed instance's restart command fail")
    .option('--json', 'print the report as one JSON document on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  npm start                                  # same as: privatelink-ecs demo\n' +
        '  privatelink-ecs demo --instances 200\n' +
        '  privatelink-ecs demo --fail-instance\n' +
        '  privatelink-ecs demo --json 2>/dev/null | jq .cost\n',
    )
    .action(async (opts: DemoOptions) => {
      process.exitCode = await runDemo(
        opts,
        (l) => process.stdout.write(`${l}\n`),
        (l) => process.stderr.write(`${l}\n`),
      );
    });
}
