// State transitions per remediation as the fleet grows (target: at most 40 + 10 per batch, growing with
// batches, not instances) and the largest state payload, measured on the simulated account with the
// synthesized state machine run locally.
import { CreateDocumentCommand } from '@aws-sdk/client-ssm';
import { parseConfig } from '../shared/config';
import { logger } from '../shared/observability';
import { SimulatedAccount } from '../shared/sim';
import { RESTART_DOCUMENT } from '../shared/workflow/document';
import { runWorkflowLocally } from '../shared/workflow/local';
import { MemoryStateStore } from '../shared/workflow/store';

export const title = 'Workflow: state transitions and largest payload per remediation (simulated account)';

async function measure(instances: number): Promise<Record<string, string | number>> {
  const account = new SimulatedAccount();
  const { vpcId } = account.addVpc({ cidr: '10.0.0.0/16', tags: { 'privatelink-ecs': 'enabled' } });
  const perCluster = Math.min(instances, 1000);
  for (let added = 0; added < instances; added += perCluster) {
    account.addContainerInstances({ vpcId, clusterName: `cluster-${added / perCluster}`, count: perCluster });
  }
  const clients = account.clients();
  await clients.ssm.send(
    new CreateDocumentCommand({
      Name: 'restart',
      Content: JSON.stringify(RESTART_DOCUMENT),
      DocumentType: 'Command',
    }),
  );
  const store = new MemoryStateStore();
  const started = Date.now();
  const result = await runWorkflowLocally(
    { vpcId },
    { clients, config: parseConfig({}), store, documentName: 'restart', fastWaits: true },
  );
  // Default config: batches of 10% of the fleet (at least 1, at most 500).
  const batchCount = Math.ceil(instances / Math.min(500, Math.max(1, Math.ceil(instances * 0.1))));
  return {
    instances,
    status: result.status,
    restarted: result.summary?.counts.restarted ?? 0,
    batches: batchCount,
    transitions: result.transitions,
    'target (40+10/batch)': 40 + 10 * batchCount,
    'max payload KiB': (result.maxPayloadBytes / 1024).toFixed(1),
    'largest record KiB': (store.largestRecordBytes() / 1024).toFixed(1),
    'wall s': ((Date.now() - started) / 1000).toFixed(1),
  };
}

export async function run(): Promise<Array<Record<string, string | number>>> {
  logger.setLogLevel('SILENT');
  const rows: Array<Record<string, string | number>> = [];
  for (const n of [10, 100, 1000, 10_000]) {
    rows.push(await measure(n));
  }
  return rows;
}
