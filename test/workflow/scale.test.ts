// 10,000 container instances: the state payload stays far below Step Functions' 256 KiB limit because lists
// live in the state store and states pass counters and batch indexes.
import { MemoryStateStore } from '../../shared/workflow/store';
import { callsOf, runOnSim, simScenario, testConfig } from './support';

const STEP_FUNCTIONS_PAYLOAD_LIMIT = 256 * 1024;
const DYNAMODB_ITEM_LIMIT = 400 * 1024;

describe('workflow at fleet scale', () => {
  it('restarts 10,000 instances with the largest state payload under 256 KiB and records under 400 KB', async () => {
    // Prepare
    const s = await simScenario();
    for (let c = 0; c < 10; c++) {
      s.account.addContainerInstances({ vpcId: s.vpcId, clusterName: `cluster-${c}`, count: 1000 });
    }
    const store = new MemoryStateStore();

    // Act
    const result = await runOnSim(s, { vpcId: s.vpcId }, { store, config: testConfig() });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary!.counts).toEqual({ restarted: 10_000, skipped: 0, failed: 0 });
    expect(result.summary!.restarted.length + result.summary!.omitted.restarted).toBe(10_000);
    expect(result.maxPayloadBytes).toBeLessThan(STEP_FUNCTIONS_PAYLOAD_LIMIT);
    expect(store.largestRecordBytes()).toBeLessThan(DYNAMODB_ITEM_LIMIT);
    const sends = callsOf(s.account, 'ssm:SendCommand') as Array<{ InstanceIds: string[] }>;
    expect(sends.every((c) => c.InstanceIds.length <= 50)).toBe(true);
    expect(new Set(sends.flatMap((c) => c.InstanceIds)).size).toBe(10_000);
    const describes = callsOf(s.account, 'ecs:DescribeContainerInstances') as Array<{
      containerInstances: string[];
    }>;
    expect(describes.every((c) => c.containerInstances.length <= 100)).toBe(true);
    process.stdout.write(
      `10,000 instances: ${result.transitions} transitions, largest payload ${result.maxPayloadBytes} bytes, largest record ${store.largestRecordBytes()} bytes\n`,
    );
  }, 300_000);
});
