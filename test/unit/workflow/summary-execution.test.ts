// The completion event names the execution it summarizes, so the organization roll-up can link to it.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { parseVpcId } from '../../../shared/ids';
import { MemoryStateStore } from '../../../shared/workflow/store';
import { summarize } from '../../../shared/workflow/summary';

const events = mockClient(EventBridgeClient);
afterEach(() => events.reset());

it('puts the execution ARN the workflow received into the summary and the completion event', async () => {
  // Prepare
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  const executionArn = 'arn:aws:states:eu-west-1:111122223333:execution:Workflow:vpc-0123456789abcdef0-1';
  const state = {
    input: {
      vpcId: parseVpcId('vpc-0123456789abcdef0'),
      force: false,
      dryRun: false,
      restart: 'auto' as const,
    },
    runId: 'run#vpc-0123456789abcdef0-1',
    startedAt: '2026-12-06T10:00:00.000Z',
    executionArn,
  };

  // Act
  const out = await summarize(
    {
      events: new EventBridgeClient({}),
      store: new MemoryStateStore(),
      eventBusName: 'default',
      emitMetric: () => undefined,
    },
    state,
  );

  // Assess
  expect(out.summary.executionArn).toBe(executionArn);
  const detail = JSON.parse(events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!);
  expect(detail.executionArn).toBe(executionArn);
});
