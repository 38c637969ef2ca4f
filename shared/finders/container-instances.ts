// Finders for ECS container instances: one rule for every caller (the workflow's discovery, the triggers, the
// teardown guard, doctor). Read-only.
import {
  type ContainerInstance,
  DescribeContainerInstancesCommand,
  type ECSClient,
  paginateListClusters,
  paginateListContainerInstances,
} from '@aws-sdk/client-ecs';
import { ReadFailedError } from '../errors';

/** ListContainerInstances and DescribeContainerInstances both take at most 100 per call. */
export const CONTAINER_INSTANCES_PER_CALL = 100;

/** Every cluster ARN in the account and region. */
export async function listClusterArns(ecs: ECSClient): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListClusters({ client: ecs }, {})) arns.push(...(page.clusterArns ?? []));
  return arns;
}

/**
 * The container instances registered in one cluster (ACTIVE and DRAINING), described in batches of 100.
 *
 * One rule for a describe failure: an instance reported MISSING was deregistered between the list and the
 * describe, and is left out like an INACTIVE one. Any other failure throws ReadFailedError naming the instance
 * and the reason: an instance that could not be read is never taken for an absent one (the teardown guard would
 * delete endpoints it still uses, and the workflow would neither restart nor report it).
 * A cluster that does not exist throws the SDK's ClusterNotFoundException.
 */
export async function listContainerInstances(
  ecs: ECSClient,
  clusterArn: string,
): Promise<ContainerInstance[]> {
  const arns: string[] = [];
  for await (const page of paginateListContainerInstances(
    { client: ecs, pageSize: CONTAINER_INSTANCES_PER_CALL },
    { cluster: clusterArn },
  )) {
    arns.push(...(page.containerInstanceArns ?? []));
  }
  return describeContainerInstances(ecs, clusterArn, arns);
}

/**
 * The container instances `arns` of one cluster, 100 per DescribeContainerInstances. An instance ECS reports
 * MISSING (deregistered meanwhile) or INACTIVE is left out; any other failure throws ReadFailed.
 */
export async function describeContainerInstances(
  ecs: ECSClient,
  clusterArn: string,
  arns: readonly string[],
): Promise<ContainerInstance[]> {
  const out: ContainerInstance[] = [];
  for (let i = 0; i < arns.length; i += CONTAINER_INSTANCES_PER_CALL) {
    const { containerInstances, failures } = await ecs.send(
      new DescribeContainerInstancesCommand({
        cluster: clusterArn,
        containerInstances: arns.slice(i, i + CONTAINER_INSTANCES_PER_CALL),
      }),
    );
    const fault = (failures ?? []).find((f) => f.reason !== 'MISSING');
    if (fault) {
      throw new ReadFailedError(
        `DescribeContainerInstances could not read ${fault.arn ?? 'a container instance'} in ${clusterArn}: ${fault.reason ?? 'no reason given'}${fault.detail ? ` (${fault.detail})` : ''}`,
        { clusterArn, containerInstanceArn: fault.arn, reason: fault.reason },
      );
    }
    for (const ci of containerInstances ?? []) {
      if (ci.containerInstanceArn && ci.status !== 'INACTIVE') out.push(ci);
    }
  }
  return out;
}
