// The Lambda entry files: built once per container from the environment, failing the cold start loudly when
// a variable is missing, and dropping (not throwing) a malformed event.
import type { TriggerHandler } from '../../../shared/events/handler';

const ENTRIES = ['trigger-vpc', 'trigger-ecs', 'sweep'] as const;

function loadEntry(name: (typeof ENTRIES)[number]): { handler: TriggerHandler } {
  let mod: { handler: TriggerHandler } | undefined;
  jest.isolateModules(() => {
    mod = require(`../../../functions/${name}/index.ts`) as { handler: TriggerHandler };
  });
  return mod!;
}

describe('trigger Lambda entries', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it.each(ENTRIES)('%s refuses to start without STATE_MACHINE_ARN', (name) => {
    // Prepare
    delete process.env.STATE_MACHINE_ARN;
    process.env.IDEMPOTENCY_TABLE_NAME = 'table';

    // Act + Assess
    expect(() => loadEntry(name)).toThrow('STATE_MACHINE_ARN is not set');
  });

  it.each(ENTRIES)('%s refuses to start with an invalid PRIVATELINK_ECS_CONFIG', (name) => {
    // Prepare
    process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:sm';
    process.env.IDEMPOTENCY_TABLE_NAME = 'table';
    process.env.PRIVATELINK_ECS_CONFIG = '{"sweep": {"schedule": "often"}}';

    // Act + Assess
    expect(() => loadEntry(name)).toThrow('sweep.schedule');
  });

  it.each(ENTRIES)('%s drops a malformed event and returns normally', async (name) => {
    // Prepare
    process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:sm';
    process.env.IDEMPOTENCY_TABLE_NAME = 'table';
    delete process.env.PRIVATELINK_ECS_CONFIG;
    const { handler } = loadEntry(name);

    // Act
    const result = await handler({ 'detail-type': 'Tag Change on Resource' });

    // Assess
    expect(result).toMatchObject({
      status: 'dropped',
      reason: expect.stringContaining('not an EventBridge event'),
    });
  });
});
