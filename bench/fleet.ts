// The simulated account the workflow benches run on: one opted-in VPC, its container instances in clusters
// of at most 1,000, and the restart command document. Shared by workflow.bench.ts and remediate.bench.ts.
import { SimulatedAccount } from '../devkit/sim';

export const FLEET_DOCUMENT_NAME = 'restart';
const CLUSTER_SIZE = 1000;

export interface FleetAccount {
  account: SimulatedAccount;
  vpcId: string;
  clients: ReturnType<SimulatedAccount['clients']>;
  documentName: string;
}

/** Builds the account; the clients answer in-process, nothing to destroy. */
export async function fleetAccount(instances: number): Promise<FleetAccount> {
  const account = new SimulatedAccount();
  const { vpcId } = account.addVpc({ cidr: '10.0.0.0/16', tags: { 'privatelink-ecs': 'enabled' } });
  const perCluster = Math.min(instances, CLUSTER_SIZE);
  for (let added = 0; added < instances; added += perCluster) {
    account.addContainerInstances({ vpcId, clusterName: `cluster-${added / perCluster}`, count: perCluster });
  }
  await account.addRestartDocument(FLEET_DOCUMENT_NAME);
  const clients = account.clients();
  return { account, vpcId, clients, documentName: FLEET_DOCUMENT_NAME };
}
