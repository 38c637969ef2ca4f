// The fault middleware itself: faults go through the client's retry strategy, on the simulated account and
// on moto alike, and the counts it keeps are exact.
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { SimulatedAccount } from '../../devkit/sim';
import { faultError, injectFaults, seededRandom, totalInjected } from '../support/faults';
import { resetMoto } from '../support/moto';

describe('fault middleware', () => {
  it('fails every attempt on the simulated account when the share is 1, after the retry strategy gave up', async () => {
    // Prepare
    const account = new SimulatedAccount({ azs: 1 });
    const clients = account.clients({ maxAttempts: 3 });
    const stats = injectFaults(clients, { seed: 1, throttle: 1 });

    // Act
    const outcome = clients.ec2.send(new DescribeVpcsCommand({}));

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { attempts: 3 } });
    expect(stats.injected.throttle).toBe(3);
    expect(account.calls).toHaveLength(0);
  });

  it('lets the retry strategy recover from faults on some attempts, and counts only delivered writes', async () => {
    // Prepare
    const account = new SimulatedAccount({ azs: 2 });
    const { vpcId } = account.addVpc({ cidr: '10.1.0.0/16', layout: 'private-only', nat: false });
    const clients = account.clients({ maxAttempts: 10 });
    const stats = injectFaults(clients, { seed: 7, server: 0.3, timeout: 0.2 });

    // Act
    for (let i = 0; i < 20; i++) await clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    await clients.ecs.send(new ListClustersCommand({}));

    // Assess
    expect(totalInjected(stats)).toBeGreaterThan(0);
    expect(stats.injected.throttle).toBe(0);
    expect(stats.attempts).toBe(21 + totalInjected(stats));
    expect(account.calls).toHaveLength(21);
    expect(stats.writeAttempts).toBe(0);
    expect(stats.writes).toEqual([]);
  });

  it('sits inside the retry middleware of a real HTTP client too (moto)', async () => {
    // Prepare
    await resetMoto();
    // The endpoint (moto) and region come from the environment, as for every client the project makes.
    const client = new EC2Client({ retryStrategy: new ConfiguredRetryStrategy(4, 0) });
    const stats = injectFaults([client], {
      seed: 3,
      timeout: 1,
      only: (c) => c.operation === 'DescribeVpcs',
    });

    // Act
    const outcome = client.send(new DescribeVpcsCommand({}));

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(stats.injected.timeout).toBe(4);
    client.destroy();
  });

  it('shapes injected errors as the SDK classifies them: throttling, server, transient', () => {
    // Act
    const throttle = faultError('throttle', { service: 'ecs', operation: 'ListClusters' });
    const server = faultError('server', { service: 'ec2', operation: 'DescribeVpcs' });

    // Assess
    expect(throttle).toMatchObject({
      name: 'ThrottlingException',
      $fault: 'client',
      $retryable: { throttling: true },
    });
    expect(server).toMatchObject({
      name: 'Unavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
  });

  it('draws the same faults from the same seed', () => {
    // Act
    const a = seededRandom(42);
    const b = seededRandom(42);

    // Assess
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });
});
