// 10,000 container instances: the state payload stays far below Step Functions' 256 KiB limit because lists
// live in the state store and states pass counters and batch indexes. The store is the production one,
// DynamoStateStore, on the simulated account's DynamoDB (which enforces the 400 KB item limit).
import { DYNAMODB_ITEM_LIMIT_BYTES } from '../../devkit/sim/dynamodb';
import { addInstances, callsOf, largestStateRecordBytes, runOnSim, simScenario } from './support';

const STEP_FUNCTIONS_PAYLOAD_LIMIT = 256 * 1024;

describe('workflow at fleet scale', () => {
  it('restarts 10,000 instances with the largest state payload under 256 KiB and records under 400 KB', async () => {
    // Prepare
    const s = await simScenario();
    for (let c = 0; c < 10; c++) {
      addInstances(s, { clusterName: `cluster-${c}`, count: 1000 });
    }

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.counts).toEqual({ restarted: 10_000, skipped: 0, failed: 0 });
    expect(result.summary!.restarted.length + result.summary!.omitted.restarted).toBe(10_000);
    expect(result.maxPayloadBytes).toBeLessThan(STEP_FUNCTIONS_PAYLOAD_LIMIT);
    const largestRecord = largestStateRecordBytes(s);
    expect(largestRecord).toBeGreaterThan(0);
    expect(largestRecord).toBeLessThan(DYNAMODB_ITEM_LIMIT_BYTES);
    expect(callsOf(s.account, 'dynamodb:BatchWriteItem').length).toBeGreaterThan(0);
    expect(callsOf(s.account, 'dynamodb:GetItem').length).toBeGreaterThan(0);
    const sends = callsOf(s.account, 'ssm:SendCommand') as Array<{ InstanceIds: string[] }>;
    expect(sends.every((c) => c.InstanceIds.length <= 50)).toBe(true);
    expect(new Set(sends.flatMap((c) => c.InstanceIds)).size).toBe(10_000);
    const describes = callsOf(s.account, 'ecs:DescribeContainerInstances') as Array<{
      containerInstances: string[];
    }>;
    expect(describes.every((c) => c.containerInstances.length <= 100)).toBe(true);
    process.stdout.write(
      `10,000 instances: ${result.transitions} transitions, largest payload ${result.maxPayloadBytes} bytes, largest record ${largestRecord} bytes\n`,
    );
  }, 300_000);
});
