// The workflow's Lambda entries: each builds its one step from the environment on first use, with its own
// clients, and per-client factories keep the shared retry configuration.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { clientConfig, createEc2Client, createSsmClient } from '../../../shared/clients';
import { ConfigError } from '../../../shared/errors';
import {
  lambdaStep,
  type StepEnvironment,
  stateStoreFromEnv,
  stepEnvironment,
} from '../../../shared/workflow/lambda';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);

type Handler = (event: unknown) => Promise<unknown>;

/**
 * Loads an entry from the shared module registry, so aws-sdk-client-mock's patched clients apply. Each test
 * loads a different entry: a handler builds its step once, on its first invocation.
 */
function loadEntry(name: string): Handler {
  return (require(`../../../functions/${name}/index.ts`) as { handler: Handler }).handler;
}

describe('workflow Lambda entries', () => {
  const saved = { ...process.env };

  afterEach(() => {
    ec2.reset();
    dynamodb.reset();
    process.env = { ...saved };
  });

  it('ValidateInput runs without a state table and reads the VPC through EC2 only', async () => {
    // Prepare
    delete process.env.STATE_TABLE_NAME;
    delete process.env.PRIVATELINK_ECS_CONFIG;
    ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [{ VpcId: 'vpc-0abc1234', Tags: [{ Key: 'privatelink-ecs', Value: 'enabled' }] }],
    });
    const handler = loadEntry('workflow-validate-input');

    // Act
    const out = await handler({ input: { vpcId: 'vpc-0abc1234' }, executionName: 'exec-1' });

    // Assess
    expect(out).toMatchObject({ runId: 'run#exec-1', input: { vpcId: 'vpc-0abc1234' } });
    expect(ec2.commandCalls(DescribeVpcsCommand)[0]?.args[0].input).toEqual({ VpcIds: ['vpc-0abc1234'] });
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('DiscoverInstances without STATE_TABLE_NAME fails with a ConfigError naming the variable', async () => {
    // Prepare
    delete process.env.STATE_TABLE_NAME;
    const handler = loadEntry('workflow-discover-instances');

    // Act + Assess
    await expect(handler({ input: { vpcId: 'vpc-0abc1234' }, runId: 'run#x' })).rejects.toThrow(
      'STATE_TABLE_NAME is not set',
    );
    expect(ec2.calls()).toHaveLength(0);
  });

  it('an invalid PRIVATELINK_ECS_CONFIG fails the step before any AWS call', async () => {
    // Prepare
    process.env.PRIVATELINK_ECS_CONFIG = '{"restart": {"fallback": "explode"}}';
    const handler = loadEntry('workflow-check-endpoints');

    // Act + Assess
    await expect(handler({ input: { vpcId: 'vpc-0abc1234' } })).rejects.toThrow('restart.fallback');
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('lambdaStep', () => {
  it('builds the step once and hands every event to it', async () => {
    // Prepare
    const step = jest.fn(async (state: { n: number }) => ({ n: state.n + 1 }));
    const build = jest.fn((_env: StepEnvironment) => step);
    const handler = lambdaStep('CheckEndpoints', build, {});

    // Act
    const first = await handler({ n: 1 });
    const second = await handler({ n: 5 });

    // Assess
    expect([first, second]).toEqual([{ n: 2 }, { n: 6 }]);
    expect(build).toHaveBeenCalledTimes(1);
    expect(build.mock.calls[0]?.[0]).toMatchObject({ eventBusName: 'default', documentName: undefined });
  });

  it('rethrows a step error with its name for the state machine Retry/Catch', async () => {
    // Prepare
    const failure = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    const handler = lambdaStep('PollBatch', () => async () => Promise.reject(failure), {});

    // Act + Assess
    await expect(handler({})).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('stateStoreFromEnv and stepEnvironment', () => {
  afterEach(() => {
    dynamodb.reset();
  });

  it('writes to the table named by STATE_TABLE_NAME', async () => {
    // Prepare
    dynamodb.on(PutItemCommand).resolves({});
    const store = stateStoreFromEnv(new DynamoDBClient({}), { STATE_TABLE_NAME: 'state-table' });

    // Act
    await store.put('run#1/batch/0', { refs: [] });

    // Assess
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.TableName).toBe('state-table');
  });

  it('refuses a missing table with a ConfigError on the field', () => {
    // Act + Assess
    expect(() => stateStoreFromEnv(new DynamoDBClient({}), {})).toThrow(ConfigError);
    expect(() => stateStoreFromEnv(new DynamoDBClient({}), {})).toThrow('STATE_TABLE_NAME is not set');
  });

  it('reads the document name and event bus from the environment', () => {
    // Act
    const env = stepEnvironment({ RESTART_DOCUMENT_NAME: 'Restart-Doc', EVENT_BUS_NAME: 'ops' });

    // Assess
    expect(env).toMatchObject({ documentName: 'Restart-Doc', eventBusName: 'ops' });
  });
});

describe('per-client factories', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('share one configuration: region override and AWS_MAX_ATTEMPTS', async () => {
    // Prepare
    process.env.AWS_MAX_ATTEMPTS = '3';

    // Act
    const ec2Client = createEc2Client({ region: 'eu-west-1' });
    const ssmClient = createSsmClient();

    // Assess
    expect(await ec2Client.config.region()).toBe('eu-west-1');
    expect(await ec2Client.config.maxAttempts()).toBe(3);
    expect(await ssmClient.config.maxAttempts()).toBe(3);
    expect(clientConfig({ maxAttempts: 2 }, { AWS_MAX_ATTEMPTS: '7' })).toEqual({ maxAttempts: 2 });
    expect(clientConfig({}, { AWS_MAX_ATTEMPTS: 'lots' })).toEqual({ maxAttempts: 5 });
  });
});
