// A throttled AWS call is retried by the SDK's retry strategy (backoff with jitter); when it keeps failing,
// the trigger throws, so the platform retries the event, and Powertools forgets the in-flight record so
// the retried delivery does the work.
import { Readable } from 'node:stream';
import { EC2Client } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createAwsClients } from '../../../shared/clients';
import { eventForVpc } from '../../fixtures/events/load';
import { createVpcLayout } from '../../support/fixtures';
import { resetMoto } from '../../support/moto';
import { createTriggerWorld, endpointsPerService } from './support';

type Handle = NodeHttpHandler['handle'];

/** Sends requests to moto, except that it answers `action` with EC2's throttling error while `throttled()`. */
class ThrottlingHandler extends NodeHttpHandler {
  public attempts = 0;

  public constructor(
    private readonly action: string,
    private readonly throttled: () => boolean,
  ) {
    super();
  }

  public override async handle(...args: Parameters<Handle>): ReturnType<Handle> {
    const [request] = args;
    if (String(request.body ?? '').includes(`Action=${this.action}&`)) {
      this.attempts++;
      if (this.throttled()) {
        const xml =
          '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code>' +
          '<Message>Request limit exceeded.</Message></Error></Errors><RequestID>throttled</RequestID></Response>';
        return {
          response: {
            statusCode: 503,
            reason: 'Service Unavailable',
            headers: { 'content-type': 'text/xml;charset=UTF-8' },
            body: Readable.from([Buffer.from(xml)]),
          },
        } as Awaited<ReturnType<Handle>>;
      }
    }
    return super.handle(...args);
  }
}

jest.setTimeout(30_000);

describe('trigger under throttling (moto behind a throttling transport)', () => {
  beforeEach(resetMoto);

  it('retries a throttled DescribeVpcs with the SDK retry strategy and then succeeds', async () => {
    // Prepare
    let remaining = 2;
    const transport = new ThrottlingHandler('DescribeVpcs', () => remaining-- > 0);
    const ec2 = new EC2Client({ maxAttempts: 3, requestHandler: transport });
    const world = await createTriggerWorld({ ...createAwsClients(), ec2 });
    const { vpcId } = await createVpcLayout(createAwsClients().ec2, {
      azs: 1,
      tags: { 'privatelink-ecs': 'enabled' },
    });

    // Act
    const result = await world.handler()(eventForVpc('tag-change-vpc-opt-in', vpcId));

    // Assess
    expect(result.vpcs).toEqual([expect.objectContaining({ vpcId, decision: 'reconciled' })]);
    expect(transport.attempts).toBeGreaterThanOrEqual(3);
    expect(await endpointsPerService(createAwsClients().ec2, vpcId)).toMatchObject({ 'ecr.api': 1 });
  });

  it('throws once the retries are used up, and a later redelivery does the work', async () => {
    // Prepare
    let throttling = true;
    const transport = new ThrottlingHandler('DescribeVpcs', () => throttling);
    const ec2 = new EC2Client({ maxAttempts: 3, requestHandler: transport });
    const world = await createTriggerWorld({ ...createAwsClients(), ec2 });
    const { vpcId } = await createVpcLayout(createAwsClients().ec2, {
      azs: 1,
      tags: { 'privatelink-ecs': 'enabled' },
    });
    const handler = world.handler();
    const event = eventForVpc('tag-change-vpc-opt-in', vpcId);

    // Act
    const first = handler(event);
    await expect(first).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    const attemptsWhileThrottled = transport.attempts;
    throttling = false;
    const retried = await handler(event);

    // Assess
    expect(attemptsWhileThrottled).toBe(3);
    expect(retried.vpcs).toEqual([expect.objectContaining({ vpcId, decision: 'reconciled' })]);
    expect(await endpointsPerService(createAwsClients().ec2, vpcId)).toMatchObject({ 'ecr.api': 1 });
  });
});
