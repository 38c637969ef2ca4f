// DiscoverInstances: every ECS container instance, in any cluster, whose EC2 instance lies in the VPC, with
// the facts the restart decision needs. Lists go to the state store in batches; the payload gets counters.
import { type EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { ContainerInstance, ECSClient } from '@aws-sdk/client-ecs';
import { paginateDescribeInstanceInformation, type SSMClient } from '@aws-sdk/client-ssm';
import { describeError, errorName } from '../errors';
import { listClusterArns, listContainerInstances } from '../finders/container-instances';
import { logger } from '../observability';
import { isTransient } from './errors';
import { chunk, type InstanceFacts, RESTARTED_AT_ATTRIBUTE } from './plan';

const DESCRIBE_INSTANCES_CHUNK = 100;
const SSM_FILTER_LIMIT = 50;

export interface Discovery {
  facts: InstanceFacts[];
  scanned: number;
  ssmStatus: string;
}

function attribute(ci: ContainerInstance, name: string): string | undefined {
  return ci.attributes?.find((a) => a.name === name)?.value ?? undefined;
}

function toFacts(ci: ContainerInstance, clusterArn: string): InstanceFacts | undefined {
  if (!ci.ec2InstanceId || !ci.containerInstanceArn) return undefined;
  const facts: InstanceFacts = {
    instanceId: ci.ec2InstanceId,
    containerInstanceArn: ci.containerInstanceArn,
    clusterArn,
    status: ci.status ?? 'UNKNOWN',
    agentConnected: ci.agentConnected === true,
  };
  const version = ci.versionInfo?.agentVersion;
  if (version) facts.agentVersion = version;
  // Agents report ecs.os-family; older ones only ecs.os-type (linux | windows).
  const osType = attribute(ci, 'ecs.os-type');
  const os =
    attribute(ci, 'ecs.os-family') ??
    (attribute(ci, 'bottlerocket.variant') ? 'BOTTLEROCKET' : undefined) ??
    (osType ? (osType.toLowerCase() === 'linux' ? 'LINUX' : osType.toUpperCase()) : undefined);
  if (os) facts.osFamily = os;
  if (ci.registeredAt) facts.registeredAt = new Date(ci.registeredAt).toISOString();
  const restartedAt = attribute(ci, RESTARTED_AT_ATTRIBUTE);
  if (restartedAt) facts.restartedAt = restartedAt;
  return facts;
}

/** Every container instance in every cluster (the finder's rule: a describe failure other than MISSING throws). */
async function listAllContainerInstances(ecs: ECSClient): Promise<InstanceFacts[]> {
  const all: InstanceFacts[] = [];
  for (const clusterArn of await listClusterArns(ecs)) {
    for (const ci of await listContainerInstances(ecs, clusterArn)) {
      const facts = toFacts(ci, clusterArn);
      if (facts) all.push(facts);
    }
  }
  return all;
}

async function instancesInVpc(ec2: EC2Client, vpcId: string, instanceIds: string[]): Promise<Set<string>> {
  const inVpc = new Set<string>();
  for (const part of chunk([...new Set(instanceIds)], DESCRIBE_INSTANCES_CHUNK)) {
    for await (const page of paginateDescribeInstances(
      { client: ec2 },
      {
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'instance-id', Values: part },
        ],
      },
    )) {
      for (const r of page.Reservations ?? []) {
        for (const i of r.Instances ?? []) {
          if (i.InstanceId && i.VpcId === vpcId) inVpc.add(i.InstanceId);
        }
      }
    }
  }
  return inVpc;
}

type Platform = Pick<InstanceFacts, 'platformType' | 'platformName'>;

/**
 * SSM PingStatus and platform per instance; instances SSM does not know are absent. When the API is not available at all
 * (some emulators answer 500) the status becomes 'unknown' and the command result decides later.
 */
async function ssmPingStatus(
  ssm: SSMClient,
  instanceIds: string[],
): Promise<{ ping: Map<string, string>; platform: Map<string, Platform>; status: string }> {
  const ping = new Map<string, string>();
  const platform = new Map<string, Platform>();
  try {
    for (const part of chunk(instanceIds, SSM_FILTER_LIMIT)) {
      for await (const page of paginateDescribeInstanceInformation(
        { client: ssm },
        { Filters: [{ Key: 'InstanceIds', Values: part }] },
      )) {
        for (const info of page.InstanceInformationList ?? []) {
          if (!info.InstanceId) continue;
          ping.set(info.InstanceId, info.PingStatus ?? 'Unknown');
          platform.set(info.InstanceId, {
            ...(info.PlatformType ? { platformType: info.PlatformType } : {}),
            ...(info.PlatformName ? { platformName: info.PlatformName } : {}),
          });
        }
      }
    }
    return { ping, platform, status: 'ok' };
  } catch (err) {
    if (isTransient(err)) throw err;
    const status = `unavailable (${errorName(err)}: ${describeError(err)})`;
    logger.warn('SSM DescribeInstanceInformation failed; relying on command results', {
      error: errorName(err),
      message: describeError(err),
    });
    for (const id of instanceIds) ping.set(id, 'unknown');
    return { ping, platform, status };
  }
}

export async function discoverInstances(
  clients: { ec2: EC2Client; ecs: ECSClient; ssm: SSMClient },
  vpcId: string,
): Promise<Discovery> {
  const all = await listAllContainerInstances(clients.ecs);
  const inVpc = await instancesInVpc(
    clients.ec2,
    vpcId,
    all.map((f) => f.instanceId),
  );
  const facts = all.filter((f) => inVpc.has(f.instanceId));
  const { ping, platform, status } = await ssmPingStatus(
    clients.ssm,
    facts.map((f) => f.instanceId),
  );
  for (const f of facts) {
    const p = ping.get(f.instanceId);
    if (p !== undefined) f.ssmPing = p;
    // SSM's platform tells Bottlerocket apart from other Linux hosts (ECS reports LINUX for both).
    Object.assign(f, platform.get(f.instanceId));
  }
  return { facts, scanned: all.length, ssmStatus: status };
}
