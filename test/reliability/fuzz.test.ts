// Bad-input fuzzing: generated malformed inputs to the workflow (run locally on the simulated account), to
// the CLI (in-process, against moto) and to the trigger handlers (simulated account). Every one must get a
// clear, one-line error (or, for an event, be dropped with a logged reason) and make zero write calls, as
// counted by the one SDK middleware (test/support/faults.ts, counting only).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { main } from '../../bin/cli';
import { cliClientHooks } from '../../bin/lib/common';
import { SimulatedAccount } from '../../devkit/sim';
import { createEc2Client } from '../../shared/clients';
import { parseConfig } from '../../shared/config';
import { createTriggerHandler } from '../../shared/events/handler';
import { VPC_ID_PATTERN } from '../../shared/ids';
import { logger } from '../../shared/observability';
import { type EventFixture, loadEvent } from '../fixtures/events/load';
import { captureCli } from '../support/cli';
import { type FaultStats, injectFaults } from '../support/faults';
import { createVpcLayout } from '../support/fixtures';
import { resetMoto } from '../support/moto';
import { runOnSim, simScenario, stepClients } from '../workflow/support';
import { recordProperty } from './support/report';

const SUITE = 'fuzzing';
const VALID_VPC = 'vpc-0123456789abcdef0';
/** A bad value is quoted back at most this long, so a huge input still gives a readable one-line error. */
const MAX_ERROR_LINE = 400;

jest.setTimeout(120_000);

const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });

/** Strings that are not VPC IDs: near misses (wrong length, case, prefix), junk, huge strings. */
const badVpcId = fc
  .oneof(
    hex(0, 30).map((h) => `vpc-${h}`),
    hex(8, 17).map((h) => `VPC-${h}`),
    hex(8, 17).map((h) => `subnet-${h}`),
    hex(17, 17).map((h) => ` vpc-${h}`),
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 2_000, maxLength: 20_000 }),
  )
  .filter((s) => !VPC_ID_PATTERN.test(s));

/** `vpc-` and hex digits of a length no VPC ID has: what a sloppy pattern (`vpc-[0-9a-f]+`) lets through. */
const nearMissVpcId = hex(0, 30)
  .filter((h) => h.length !== 8 && h.length !== 17)
  .map((h) => `vpc-${h}`);

/** A well-formed VPC ID that no account in these tests holds. */
const unknownVpcId = hex(17, 17).map((h) => `vpc-${h}`);

/** Any JSON-ish value that is not of the given type. */
const notBoolean = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.boolean(), { minLength: 1 }),
);
const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string(), fc.integer()),
);

const ALLOWED_INPUT_FIELDS = ['vpcId', 'force', 'dryRun', 'restart', 'trigger'];

/** A malformed workflow input and the field its error must name. */
const badWorkflowInput: fc.Arbitrary<{ input: unknown; field: string }> = fc.oneof(
  fc
    .oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.string(), fc.array(fc.anything()))
    .map((input) => ({ input, field: '(root)' })),
  badVpcId.map((vpcId) => ({ input: { vpcId }, field: 'vpcId' })),
  notString.map((vpcId) => ({ input: { vpcId }, field: 'vpcId' })),
  fc.constant({ input: { dryRun: true }, field: 'vpcId' }),
  notBoolean.map((force) => ({ input: { vpcId: VALID_VPC, force }, field: 'force' })),
  notBoolean.map((dryRun) => ({ input: { vpcId: VALID_VPC, dryRun }, field: 'dryRun' })),
  fc
    .oneof(
      fc.string().filter((s) => !['auto', 'all', 'none'].includes(s)),
      fc.constantFrom('AUTO', 'All', ' none', 'auto '),
      notString,
    )
    .map((restart) => ({ input: { vpcId: VALID_VPC, restart }, field: 'restart' })),
  fc
    .string({ minLength: 1, maxLength: 30 })
    .filter((k) => !ALLOWED_INPUT_FIELDS.includes(k) && k !== '__proto__')
    .map((key) => ({ input: { vpcId: VALID_VPC, [key]: true }, field: key })),
);

describe('fuzzing the workflow input (synthesized state machine, simulated account)', () => {
  it('rejects every malformed input in ValidateInput with an error naming the field, and writes nothing', async () => {
    // Prepare
    const s = await simScenario();
    const stats = injectFaults(stepClients(s), { seed: 0 });
    const writesBefore = s.account.writeCalls().length;
    const runs = 40;
    const seed = 7101;

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(badWorkflowInput, async ({ input, field }) => {
        const result = await runOnSim(s, input);
        expect(result.status).toBe('FAILED');
        expect(result.error).toBe('InvalidInput');
        expect(result.statesVisited).toEqual(['ReceiveInput', 'ValidateInput', 'InputRejected']);
        expect(result.cause).toContain(field);
        expect(result.cause!.length).toBeLessThan(MAX_ERROR_LINE);
        expect(stats.attempts).toBe(0);
      }),
      { numRuns: runs, seed },
    );
    expect(stats.writeAttempts).toBe(0);
    expect(s.account.writeCalls()).toHaveLength(writesBefore);
    recordProperty({
      suite: SUITE,
      property: 'workflow: malformed input → InvalidInput naming the field, 0 writes',
      runs,
      seed,
    });
  });

  it('rejects an unknown VPC and a VPC that is not opted in, after one read and with no write', async () => {
    // Prepare
    const s = await simScenario({ optedIn: false });
    const stats = injectFaults(stepClients(s), { seed: 0 });
    const runs = 15;
    const seed = 7102;
    const options = fc.record(
      { dryRun: fc.boolean(), restart: fc.constantFrom('auto', 'all', 'none') },
      { requiredKeys: [] },
    );

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.oneof(unknownVpcId, fc.constant(s.vpcId)), options, async (vpcId, extra) => {
        const result = await runOnSim(s, { vpcId, ...extra });
        expect(result.status).toBe('FAILED');
        if (vpcId === s.vpcId) {
          expect(result.error).toBe('NotOptedIn');
          expect(result.cause).toMatch(/privatelink-ecs=enabled/);
        } else {
          expect(result.error).toBe('VpcNotFound');
        }
        expect(result.cause).toContain(vpcId);
        expect(result.statesVisited).toEqual(['ReceiveInput', 'ValidateInput', 'InputRejected']);
      }),
      { numRuns: runs, seed },
    );
    expect(stats.writeAttempts).toBe(0);
    expect(stats.attempts).toBeGreaterThan(0);
    recordProperty({
      suite: SUITE,
      property: 'workflow: unknown or not-opted-in VPC → VpcNotFound/NotOptedIn, 0 writes',
      runs,
      seed,
    });
  });
});

const KNOWN_FLAGS = new Set([
  'org',
  'concurrency',
  'vpc-id',
  'force',
  'json',
  'region',
  'config',
  'dry-run',
  'restart',
  'document-name',
  'stack-name',
  'state-table',
  'file',
  'apply',
  'state-machine-arn',
  'help',
  'version',
]);

/** Arguments the CLI must reject with exit 2, and what the first stderr line must say. */
function badCliArguments(dir: string): fc.Arbitrary<{ argv: string[]; first: RegExp }> {
  const command = fc.constantFrom('plan', 'apply', 'run');
  let files = 0;
  const file = (content: string) => {
    const path = join(dir, `config-${files++}.json`);
    writeFileSync(path, content);
    return path;
  };
  const badNumber = fc.oneof(
    fc.integer({ max: 29 }),
    fc.integer({ min: 3601 }),
    fc.double({ min: 30.01, max: 3599.99, noNaN: true }).filter((n) => !Number.isInteger(n)),
    fc.constantFrom('300', '1e3', null, true),
  );
  // A run with a valid VPC never needs the restart document: --dry-run stops before any restart.
  const tail = (cmd: string) => (cmd === 'run' ? ['--dry-run'] : []);
  return fc.oneof(
    fc.tuple(command, badVpcId).map(([cmd, id]) => ({
      argv: [cmd, `--vpc-id=${id}`, ...tail(cmd)],
      first: /^privatelink-ecs: --vpc-id:? must be a VPC ID like vpc-0123456789abcdef0/,
    })),
    command.map((cmd) => ({ argv: [cmd], first: /^error: required option '--vpc-id <id>' not specified/ })),
    fc
      .tuple(
        command,
        fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((f) => !KNOWN_FLAGS.has(f)),
      )
      .map(([cmd, flag]) => ({
        argv: [cmd, '--vpc-id', VALID_VPC, `--${flag}`],
        first: /^error: unknown option '--/,
      })),
    fc
      .oneof(
        fc.string({ maxLength: 20 }).filter((m) => !['auto', 'all', 'none'].includes(m)),
        fc.constantFrom('AUTO', 'al', 'restart'),
      )
      .map((mode) => ({
        argv: ['run', '--vpc-id', VALID_VPC, `--restart=${mode}`, '--dry-run'],
        first: /^privatelink-ecs: --restart: /,
      })),
    fc.tuple(command, badNumber).map(([cmd, n]) => ({
      argv: [
        cmd,
        '--vpc-id',
        VALID_VPC,
        '--config',
        file(JSON.stringify({ restart: { commandTimeoutSeconds: n } })),
        ...tail(cmd),
      ],
      first: /^privatelink-ecs: invalid config file .*restart\.commandTimeoutSeconds: /,
    })),
    fc.tuple(command, fc.string({ minLength: 1, maxLength: 60 })).map(([cmd, text]) => {
      let isJson = true;
      try {
        JSON.parse(text);
      } catch {
        isJson = false;
      }
      // JSON that parses but is not an object fails the schema at (root) instead.
      return {
        argv: [cmd, '--vpc-id', VALID_VPC, '--config', file(text), ...tail(cmd)],
        first: isJson
          ? /^privatelink-ecs: invalid config file /
          : /^privatelink-ecs: config file .* is not valid JSON: /,
      };
    }),
    fc.tuple(command, fc.stringMatching(/^[a-z]{1,12}$/)).map(([cmd, name]) => ({
      argv: [cmd, '--vpc-id', VALID_VPC, '--config', join(dir, 'missing', `${name}.json`), ...tail(cmd)],
      first: /^privatelink-ecs: cannot read config file /,
    })),
    fc.tuple(command, unknownVpcId).map(([cmd, id]) => ({
      argv: [cmd, '--vpc-id', id, ...tail(cmd)],
      // run names the workflow's error (VpcNotFound) before the message; plan and apply print the message.
      first: new RegExp(
        `^privatelink-ecs: (VpcNotFound: )?VPC ${id} was not found in this account and region$`,
      ),
    })),
    fc
      .oneof(
        fc.string({ maxLength: 40 }).filter((t) => {
          try {
            JSON.parse(t);
            return false;
          } catch {
            return true;
          }
        }),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      )
      .filter((t) => t.trim() !== '')
      .map((text) => {
        const path = join(dir, `event-${files++}.json`);
        writeFileSync(path, text);
        return {
          argv: ['event', path, '--apply'],
          first: /^privatelink-ecs: (the input is not JSON: |not an EventBridge event: )/,
        };
      }),
  );
}

describe('fuzzing the CLI arguments (in-process, against moto)', () => {
  let dir: string;
  let made: FaultStats[];

  beforeEach(async () => {
    await resetMoto();
    dir = mkdtempSync(join(tmpdir(), 'privatelink-ecs-fuzz-'));
    made = [];
    cliClientHooks.onClients = (clients) => {
      made.push(injectFaults(clients, { seed: 0 }));
    };
  });

  afterEach(() => {
    cliClientHooks.onClients = undefined;
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with a clear first line on stderr for every bad argument, and makes no write call', async () => {
    // Prepare: an untagged VPC exists, so the account is not empty.
    const ec2 = createEc2Client();
    await createVpcLayout(ec2, { azs: 1 });
    ec2.destroy();
    const runs = 60;
    const seed = 7201;
    let reachedAws = 0;

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(badCliArguments(dir), async ({ argv, first }) => {
        const io = captureCli();
        try {
          const before = made.length;
          const code = await main(argv);
          const lines = io
            .stderr()
            .split('\n')
            .filter((l) => l !== '');
          expect({ argv, code, stderr: lines[0] }).toEqual({ argv, code: 2, stderr: lines[0] });
          expect(io.stdout()).toBe('');
          expect(lines[0]).toMatch(first);
          expect(lines[0]!.length).toBeLessThan(MAX_ERROR_LINE);
          // commander adds its usage hint on a second line; our own errors are one line.
          expect(lines.slice(1)).toEqual(
            lines[0]!.startsWith('error:') ? ['(run with --help for usage)'] : [],
          );
          expect(io.writes()).toEqual([]);
          const counted = made.slice(before);
          if (counted.some((s) => s.attempts > 0)) reachedAws++;
          for (const s of counted) expect(s.writeAttempts).toBe(0);
        } finally {
          jest.restoreAllMocks();
          process.exitCode = undefined;
        }
      }),
      { numRuns: runs, seed },
    );
    // Some cases (unknown VPC) are only refused after a read; the middleware counted those reads.
    expect(reachedAws).toBeGreaterThan(0);
    recordProperty({
      suite: SUITE,
      property: `CLI plan/apply/run/event: bad argument → exit 2, clear stderr line, 0 writes (${reachedAws} reached AWS)`,
      runs,
      seed,
    });
  });
});

const TABLE = 'privatelink-ecs-idempotency-fuzz';
const RULES = [
  'vpc-tag-change',
  'vpc-api-call',
  'ecs-instance-state',
  'ecs-cluster-api-call',
  'sweep',
] as const;
const FIXTURES: EventFixture[] = [
  'tag-change-vpc-opt-in',
  'cloudtrail-create-vpc-tagged',
  'cloudtrail-create-tags-mixed',
  'ecs-container-instance-registered',
  'cloudtrail-ecs-create-cluster',
];
const ENVELOPE_FIELDS = [
  'version',
  'id',
  'detail-type',
  'source',
  'account',
  'time',
  'region',
  'resources',
  'detail',
];
const KNOWN_SOURCES = ['aws.tag', 'aws.ec2', 'aws.ecs', 'aws.events'];

/** Picks, per envelope field, a value of a type that field cannot have. */
const wrongTypeSeed = fc.nat(3);
function wrongTypeFor(field: string, pick: number): unknown {
  if (field === 'resources')
    return [1, 'arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b2c3d4e5f60718', { a: 1 }, null][pick];
  if (field === 'detail') return ['detail', 1, [1, 2], null][pick];
  return [1, true, null, ['x']][pick];
}

const junk = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

/** Events the trigger handlers must drop: each arbitrary breaks a real fixture in one way. */
const badEvent: fc.Arbitrary<{ label: string; event: unknown }> = fc.oneof(
  fc
    .oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer(),
      fc.string(),
      fc.array(fc.anything(), { maxLength: 4 }),
    )
    .map((event) => ({ label: 'not an object', event })),
  fc
    .tuple(
      fc.constantFrom(...FIXTURES),
      fc.constantFrom(...ENVELOPE_FIELDS),
      fc.option(wrongTypeSeed, { nil: undefined }),
    )
    .map(([name, field, wrong]) => {
      const event = loadEvent(name);
      if (wrong === undefined) delete event[field];
      else event[field] = wrongTypeFor(field, wrong);
      return {
        label: `${name}: envelope field ${field} ${wrong === undefined ? 'missing' : 'of the wrong type'}`,
        event,
      };
    }),
  fc
    .tuple(
      fc.constantFrom(...FIXTURES),
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.string({ minLength: 1, maxLength: 30 }),
    )
    .filter(([, source]) => !KNOWN_SOURCES.includes(source))
    .map(([name, source, detailType]) => {
      const event = loadEvent(name);
      event.source = source;
      event['detail-type'] = detailType;
      return { label: `${name}: unknown source ${JSON.stringify(source)}`, event };
    }),
  fc
    .array(
      badVpcId.filter((s) => s.length < 100),
      { minLength: 1, maxLength: 3000 },
    )
    .map((ids) => {
      const event = loadEvent('cloudtrail-create-tags-mixed');
      event.detail.requestParameters.resourcesSet.items = ids.map((resourceId) => ({ resourceId }));
      return { label: `CreateTags naming ${ids.length} resource(s), none a valid VPC ID`, event };
    }),
  badVpcId.map((id) => {
    const event = loadEvent('cloudtrail-create-vpc-tagged');
    event.detail.responseElements.vpc.vpcId = id;
    return { label: 'CreateVpc with a bad VPC ID', event };
  }),
  fc
    .oneof(
      nearMissVpcId,
      badVpcId.filter((id) => !/[/:]/.test(id) && id.length < 100),
    )
    .map((id) => {
      const event = loadEvent('tag-change-vpc-opt-in');
      event.resources = [`arn:aws:ec2:us-east-1:123456789012:vpc/${id}`];
      return { label: 'tag change on an ARN with a bad VPC ID', event };
    }),
  fc.integer({ min: 2, max: 5000 }).map((n) => {
    const event = loadEvent('tag-change-vpc-opt-in');
    event.resources = Array.from({ length: n }, () => event.resources[0]);
    return { label: `tag change naming ${n} resources`, event };
  }),
  fc
    .tuple(
      fc.constantFrom(
        'ec2InstanceId',
        'clusterArn',
        'containerInstanceArn',
        'agentConnected',
        'registeredAt',
      ),
      fc.oneof(junk, fc.string({ maxLength: 30 })),
    )
    .filter(([field, value]) => !(field === 'agentConnected' && typeof value === 'boolean'))
    .filter(
      ([field, value]) =>
        !(field === 'registeredAt' && typeof value === 'string' && !Number.isNaN(Date.parse(value))),
    )
    .filter(
      ([field, value]) =>
        !(
          field === 'ec2InstanceId' &&
          typeof value === 'string' &&
          /^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(value)
        ),
    )
    .filter(
      ([field, value]) =>
        !(field.endsWith('Arn') && typeof value === 'string' && /^arn:[^:]+:ecs:/.test(value)),
    )
    .map(([field, value]) => {
      const event = loadEvent('ecs-container-instance-registered');
      event.detail[field] = value;
      return { label: `container instance event with a bad ${field}`, event };
    }),
);

describe('fuzzing the trigger handlers (simulated account)', () => {
  it('drops every malformed event with a logged reason, makes no AWS call, and writes no idempotency record', async () => {
    // Prepare
    const account = new SimulatedAccount({ azs: 2 });
    account.addVpc({
      cidr: '10.1.0.0/16',
      layout: 'private-only',
      nat: false,
      tags: { 'privatelink-ecs': 'enabled' },
    });
    account.addTable(TABLE, { partitionKey: 'id' });
    const stateMachineArn = account.addStateMachine('privatelink-ecs-remediation');
    account.deployStack({ tableName: TABLE, stateMachineName: 'privatelink-ecs-remediation' });
    // The handler calls AWS as the deployed TriggerVpc function's role.
    const clients = account.clients({ role: 'TriggerVpc', maxAttempts: 1, retryDelayMs: 0 });
    const stats = injectFaults(clients, { seed: 0 });
    const handler = createTriggerHandler(
      { ...clients, config: parseConfig({ ssmEndpoints: 'never' }), stateMachineArn, tableName: TABLE },
      RULES,
    );
    const warn = jest.spyOn(logger, 'warn');
    const runs = 80;
    const seed = 7301;
    const seen = new Set<string>();

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(badEvent, async ({ label, event }) => {
        warn.mockClear();
        const attemptsBefore = stats.attempts;
        const result = await handler(event);
        expect({ label, status: result.status }).toEqual({ label, status: 'dropped' });
        expect(result.reason).toEqual(expect.any(String));
        expect(result.reason!).not.toContain('\n');
        expect(result.reason!.length).toBeLessThan(MAX_ERROR_LINE);
        expect(warn).toHaveBeenCalledWith(
          'event dropped',
          expect.objectContaining({ reason: result.reason }),
        );
        expect(stats.attempts - attemptsBefore).toBe(0);
        seen.add(label.replace(/\d+/g, 'N').split(':')[0]!);
      }),
      { numRuns: runs, seed },
    );
    expect(stats.writeAttempts).toBe(0);
    expect(account.state.tables.get(TABLE)!.items.size).toBe(0);
    expect(account.state.executions.size).toBe(0);
    recordProperty({
      suite: SUITE,
      property: `trigger handlers: malformed event → dropped with a logged reason, 0 calls, 0 writes (${seen.size} shapes)`,
      runs,
      seed,
    });
  });
});
