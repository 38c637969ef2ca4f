// The CloudFormation client the CLI reads stack outputs with follows the project's retry budget.
import { cloudFormationClient } from '../../../bin/lib/stack';

describe('cloudFormationClient', () => {
  const saved = process.env.AWS_MAX_ATTEMPTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_MAX_ATTEMPTS;
    else process.env.AWS_MAX_ATTEMPTS = saved;
  });

  it('retries up to five attempts by default, as every other client the CLI makes', async () => {
    // Prepare
    delete process.env.AWS_MAX_ATTEMPTS;

    // Act
    const client = cloudFormationClient('eu-west-1');

    // Assess
    expect(await client.config.maxAttempts()).toBe(5);
    expect(await client.config.region()).toBe('eu-west-1');
    client.destroy();
  });

  it('takes AWS_MAX_ATTEMPTS when it is set', async () => {
    // Prepare
    process.env.AWS_MAX_ATTEMPTS = '2';

    // Act
    const client = cloudFormationClient();

    // Assess
    expect(await client.config.maxAttempts()).toBe(2);
    client.destroy();
  });
});
