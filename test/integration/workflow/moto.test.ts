// The same synthesized workflow against moto, where moto can answer: endpoints (always available there),
// discovery through ECS and EC2, the DynamoDB state table. moto's gaps (agentVersion always 1.0.0,
// DescribeInstanceInformation and UpdateContainerAgent answering HTTP 500) must be reported, not crash.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { enforceRolesOnEndpoint } from '../../../devkit/iam/aws';
import { asRole } from '../../../devkit/iam/enforce';
import { runWorkflowLocally } from '../../../devkit/workflow/local';
import { type AwsClients, createAwsClients } from '../../../shared/clients';
import type { Config } from '../../../shared/config';
import { DynamoStateStore } from '../../../shared/workflow/store';
import { resetMoto } from '../../support/moto';
import { DOCUMENT_NAME, TEST_ENDPOINT_SERVICES, testConfig } from '../../workflow/support';
import { optedInVpcWithInstances } from './support';

const TABLE = 'privatelink-ecs-state';

jest.setTimeout(60_000);

describe('remediation workflow against moto', () => {
  let clients: AwsClients;

  // moto comes from the integration suite's global setup (MOTO_URL, AWS_ENDPOINT_URL set by moto-env.ts).
  beforeAll(() => {
    clients = createAwsClients({ maxAttempts: 1 });
  });

  afterAll(() => {
    for (const c of Object.values(clients)) c.destroy();
  });

  beforeEach(async () => {
    await resetMoto();
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  const scenario = () => optedInVpcWithInstances(clients, { azs: 3, count: 3 });

  /** Each step calls moto as its deployed function's role, in the stack synthesized with this config. */
  function asDeployed(config: Config) {
    enforceRolesOnEndpoint(
      clients,
      {
        config,
        region: 'us-east-1',
        account: '123456789012',
        documentName: DOCUMENT_NAME,
        tableName: TABLE,
        stateMachineName: 'privatelink-ecs-remediation',
      },
      clients,
    );
    return { runAs: asRole };
  }

  it('happy path: ensures and waits for the endpoints, discovers the instances, reports the agents moto calls 1.0.0', async () => {
    // Prepare
    const { layout, fleet } = await scenario();

    // Act
    const config = testConfig();
    const result = await runWorkflowLocally(
      { vpcId: layout.vpcId },
      {
        clients,
        ...asDeployed(config),
        config,
        store: new DynamoStateStore(clients.dynamodb, TABLE),
        documentName: DOCUMENT_NAME,
        fastWaits: true,
      },
    );

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const summary = result.summary!;
    expect(summary.endpoints.map((e) => e.service).sort()).toEqual(TEST_ENDPOINT_SERVICES);
    expect(summary.endpoints.every((e) => e.state === 'available')).toBe(true);
    expect(summary.skipped.map((r) => r.instanceId).sort()).toEqual([...fleet.instanceIds].sort());
    expect(summary.skipped.every((r) => /agent too old \(1\.0\.0 < 1\.25\.1\)/.test(r.reason))).toBe(true);
    expect(summary.notes.some((n) => /SSM instance status unavailable/.test(n))).toBe(true);
    expect(result.statesVisited).toEqual(
      expect.arrayContaining(['EnsureEndpoints', 'CheckEndpoints', 'DiscoverInstances']),
    );
  });

  it("moto's UpdateContainerAgent 500 is reported per instance, not a crash", async () => {
    // Prepare
    const { layout, fleet } = await scenario();

    // Act
    const config = testConfig({ restart: { agentUpdate: true, maxErrors: 5 } });
    const result = await runWorkflowLocally(
      { vpcId: layout.vpcId },
      {
        clients,
        ...asDeployed(config),
        config,
        store: new DynamoStateStore(clients.dynamodb, TABLE),
        documentName: DOCUMENT_NAME,
        fastWaits: true,
      },
    );

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RestartsFailed');
    const summary = result.summary!;
    expect(summary.failed.map((r) => r.instanceId).sort()).toEqual([...fleet.instanceIds].sort());
    expect(summary.failed.every((r) => /agent update could not start/.test(r.reason))).toBe(true);
  });
});
