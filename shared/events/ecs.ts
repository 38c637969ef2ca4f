// Finders for the ECS side of the triggers: which VPC an instance lives in, whether a cluster carries the
// opt-in tag, and which container instances are still registered in a VPC. Read-only.
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  type ContainerInstance,
  DescribeClustersCommand,
  type ECSClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecs';
import type { Config } from '../config';
import { errorName, ReadFailedError } from '../errors';
import {
  describeContainerInstances,
  listClusterArns,
  listContainerInstances,
} from '../finders/container-instances';
import { isVpcId, type VpcId } from '../ids';
import { RESTARTED_AT_ATTRIBUTE } from '../workflow/plan';

export interface InstancePlacement {
  instanceId: string;
  vpcId?: string;
  /** EC2 state name: pending, running, stopping, stopped, shutting-down, terminated. */
  state?: string;
}

/** VPC and state of each EC2 instance; instances EC2 no longer knows are left out. */
export async function describeInstancePlacements(
  ec2: EC2Client,
  instanceIds: string[],
): Promise<Map<string, InstancePlacement>> {
  const out = new Map<string, InstancePlacement>();
  const unique = [...new Set(instanceIds)];
  for (let i = 0; i < unique.length; i += 100) {
    const batch = unique.slice(i, i + 100);
    let nextToken: string | undefined;
    try {
      do {
        const page = await ec2.send(
          new DescribeInstancesCommand({ InstanceIds: batch, NextToken: nextToken }),
        );
        for (const reservation of page.Reservations ?? []) {
          for (const inst of reservation.Instances ?? []) {
            if (!inst.InstanceId) continue;
            out.set(inst.InstanceId, {
              instanceId: inst.InstanceId,
              vpcId: inst.VpcId,
              state: inst.State?.Name,
            });
          }
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (err) {
      if (errorName(err) !== 'InvalidInstanceID.NotFound') throw err;
      if (batch.length === 1) continue;
      // One unknown ID fails the whole batch: fall back to one call per instance.
      for (const id of batch) {
        const single = await describeInstancePlacements(ec2, [id]);
        for (const [k, v] of single) out.set(k, v);
      }
    }
  }
  return out;
}

export async function clusterCarriesOptInTag(
  ecs: ECSClient,
  config: Config,
  clusterArn: string,
): Promise<boolean> {
  const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: clusterArn }));
  return (tags ?? []).some((t) => t.key === config.optInTag.key && t.value === config.optInTag.value);
}

export interface RegisteredInstance {
  clusterArn: string;
  containerInstanceArn: string;
  ec2InstanceId?: string;
  status?: string;
  registeredAt?: Date;
}

/** Container instances registered in a cluster (ACTIVE and DRAINING); the one finder's rule on failures. */
export async function listClusterInstances(
  ecs: ECSClient,
  clusterArn: string,
): Promise<RegisteredInstance[]> {
  return (await listContainerInstances(ecs, clusterArn)).map((ci) => ({
    clusterArn,
    containerInstanceArn: ci.containerInstanceArn!,
    ec2InstanceId: ci.ec2InstanceId,
    status: ci.status,
    registeredAt: ci.registeredAt,
  }));
}

export interface InstanceRestartRecord {
  /** False when the container instance is gone (deregistered: INACTIVE, or MISSING from the cluster). */
  registered: boolean;
  /** When the workflow last restarted its agent (the privatelink-ecs.restarted-at attribute), if ever. */
  restartedAt?: string;
}

/**
 * The workflow's record of its last agent restart on one container instance (one DescribeContainerInstances).
 * A cluster that no longer exists counts as a deregistered instance; any other error is thrown.
 */
export async function readInstanceRestart(
  ecs: ECSClient,
  clusterArn: string,
  containerInstanceArn: string,
): Promise<InstanceRestartRecord> {
  let found: ContainerInstance[];
  try {
    found = await describeContainerInstances(ecs, clusterArn, [containerInstanceArn]);
  } catch (err) {
    if (errorName(err) === 'ClusterNotFoundException') return { registered: false };
    throw err;
  }
  const ci = found[0];
  if (!ci) return { registered: false };
  const restartedAt = ci.attributes?.find((a) => a.name === RESTARTED_AT_ATTRIBUTE)?.value;
  return restartedAt ? { registered: true, restartedAt } : { registered: true };
}

/**
 * Container instances still registered (in any cluster of this account and region) whose EC2 instance is
 * in the VPC and not terminated. Teardown is refused while this list is not empty.
 */
export async function registeredInstancesInVpc(
  clients: { ec2: EC2Client; ecs: ECSClient },
  vpcId: string,
): Promise<RegisteredInstance[]> {
  const all: RegisteredInstance[] = [];
  for (const clusterArn of await listClusterArns(clients.ecs)) {
    all.push(...(await listClusterInstances(clients.ecs, clusterArn)));
  }
  const withEc2 = all.filter((i) => i.ec2InstanceId);
  const placements = await describeInstancePlacements(
    clients.ec2,
    withEc2.map((i) => i.ec2InstanceId!),
  );
  return withEc2.filter((i) => {
    const p = placements.get(i.ec2InstanceId!);
    return p?.vpcId === vpcId && p.state !== 'terminated';
  });
}

/** ARNs of the clusters carrying the opt-in tag; DescribeClusters with TAGS, 100 clusters per call. */
export async function listOptedInClusterArns(ecs: ECSClient, config: Config): Promise<string[]> {
  const all = await listClusterArns(ecs);
  const out: string[] = [];
  for (let i = 0; i < all.length; i += 100) {
    const { clusters, failures } = await ecs.send(
      new DescribeClustersCommand({ clusters: all.slice(i, i + 100), include: ['TAGS'] }),
    );
    // A cluster deleted between the two calls is reported as MISSING; anything else is a real fault.
    const fault = (failures ?? []).find((f) => f.reason !== 'MISSING');
    if (fault) {
      throw new ReadFailedError(`DescribeClusters could not read ${fault.arn}: ${fault.reason}`, {
        clusterArn: fault.arn,
        reason: fault.reason,
      });
    }
    for (const c of clusters ?? []) {
      if (!c.clusterArn || c.status === 'INACTIVE') continue;
      const tagged = (c.tags ?? []).some(
        (t) => t.key === config.optInTag.key && t.value === config.optInTag.value,
      );
      if (tagged) out.push(c.clusterArn);
    }
  }
  return out;
}

/**
 * VPCs opted in through a tagged cluster (config.clusterTagOptIn): the VPCs of the running EC2 instances
 * behind the container instances of every cluster that carries the opt-in tag. Sorted, each VPC once.
 */
export async function listClusterOptedInVpcIds(
  clients: { ec2: EC2Client; ecs: ECSClient },
  config: Config,
): Promise<VpcId[]> {
  const instanceIds: string[] = [];
  for (const clusterArn of await listOptedInClusterArns(clients.ecs, config)) {
    let instances: RegisteredInstance[];
    try {
      instances = await listClusterInstances(clients.ecs, clusterArn);
    } catch (err) {
      if (errorName(err) === 'ClusterNotFoundException') continue;
      throw err;
    }
    for (const i of instances) if (i.ec2InstanceId) instanceIds.push(i.ec2InstanceId);
  }
  const placements = await describeInstancePlacements(clients.ec2, instanceIds);
  const vpcIds = new Set<VpcId>();
  for (const p of placements.values()) {
    if (isVpcId(p.vpcId) && p.state !== 'terminated') vpcIds.add(p.vpcId);
  }
  return [...vpcIds].sort();
}
