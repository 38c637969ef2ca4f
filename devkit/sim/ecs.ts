// Simulated ECS: clusters and container instances, with agent versions, agent connection (drops on restart,
// comes back after DescribeContainerInstances polls) and the UpdateContainerAgent lifecycle.

import type {
  Attribute,
  Cluster,
  ContainerInstance,
  CreateClusterRequest,
  CreateClusterResponse,
  DeleteAttributesRequest,
  DeleteAttributesResponse,
  DescribeClustersRequest,
  DescribeClustersResponse,
  DescribeContainerInstancesRequest,
  DescribeContainerInstancesResponse,
  ListAttributesRequest,
  ListAttributesResponse,
  ListClustersRequest,
  ListClustersResponse,
  ListContainerInstancesRequest,
  ListContainerInstancesResponse,
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  PutAttributesRequest,
  PutAttributesResponse,
  RegisterContainerInstanceRequest,
  RegisterContainerInstanceResponse,
  UpdateContainerAgentRequest,
  UpdateContainerAgentResponse,
  UpdateContainerInstancesStateRequest,
  UpdateContainerInstancesStateResponse,
} from '@aws-sdk/client-ecs';
import * as ecssdk from '@aws-sdk/client-ecs';
import { type HandlerMap, hashString, op, serviceKit, UnsupportedOperationError } from './core';
import {
  type AgentUpdateStatus,
  LATEST_AGENT_VERSION,
  type SimCluster,
  type SimContainerInstance,
  type SimState,
} from './state';

export const {
  error: ecsError,
  throttle: ecsThrottle,
  invalid,
  page: ecsPage,
} = serviceKit(ecssdk, ecssdk.ECSServiceException, {
  serverError: 'ServerException',
  invalid: 'InvalidParameterException',
  page: { min: 1, max: 100, defaultSize: 100 },
});

/** Custom attributes ECS accepts per container instance; the agent's own (ecs.*) do not count. */
export const CUSTOM_ATTRIBUTE_LIMIT = 10;
const isCustomAttribute = (name: string): boolean =>
  !name.startsWith('ecs.') && !name.startsWith('com.amazonaws.ecs.');
const UPDATE_STAGES: AgentUpdateStatus[] = ['PENDING', 'STAGING', 'STAGED', 'UPDATING'];

/** Compares dotted versions numerically: -1, 0 or 1. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function ecsHandlers(state: SimState): HandlerMap {
  const clusterArn = (name: string) => `arn:aws:ecs:${state.region}:${state.accountId}:cluster/${name}`;

  function findCluster(ref: string | undefined): SimCluster | undefined {
    const key = ref ?? 'default';
    const arn = key.startsWith('arn:') ? key : clusterArn(key);
    const cluster = state.clusters.get(arn);
    return cluster && cluster.status === 'ACTIVE' ? cluster : undefined;
  }
  function getCluster(ref: string | undefined): SimCluster {
    const cluster = findCluster(ref);
    if (!cluster) throw ecsError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }
  function findInstance(cluster: SimCluster, ref: string): SimContainerInstance | undefined {
    const arn = ref.startsWith('arn:')
      ? ref
      : `arn:aws:ecs:${state.region}:${state.accountId}:container-instance/${cluster.name}/${ref}`;
    const ci = state.containerInstances.get(arn);
    return ci && ci.clusterArn === cluster.arn ? ci : undefined;
  }
  function renderCluster(c: SimCluster, includeTags: boolean): Cluster {
    const instances = [...state.containerInstances.values()].filter(
      (ci) => ci.clusterArn === c.arn && ci.status !== 'INACTIVE',
    );
    const tags = state.ecsTags.get(c.arn);
    return {
      clusterArn: c.arn,
      clusterName: c.name,
      status: c.status,
      registeredContainerInstancesCount: instances.length,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      statistics: [],
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
      ...(includeTags
        ? { tags: [...(tags ?? new Map()).entries()].map(([key, value]) => ({ key, value })) }
        : {}),
    };
  }
  function renderInstance(ci: SimContainerInstance, includeTags: boolean): ContainerInstance {
    const tags = state.ecsTags.get(ci.arn);
    return {
      containerInstanceArn: ci.arn,
      ec2InstanceId: ci.ec2InstanceId,
      version: ci.version,
      versionInfo: {
        agentVersion: ci.agentVersion,
        agentHash: ci.agentHash,
        dockerVersion: ci.dockerVersion,
      },
      remainingResources: [],
      registeredResources: [],
      status: ci.status,
      agentConnected: ci.agentConnected,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      ...(ci.agentUpdateStatus ? { agentUpdateStatus: ci.agentUpdateStatus } : {}),
      attributes: [...ci.attributes.entries()].map(([name, a]) => ({
        name,
        ...(a.value !== undefined ? { value: a.value } : {}),
      })),
      registeredAt: new Date(ci.registeredAt.getTime()),
      ...(includeTags
        ? { tags: [...(tags ?? new Map()).entries()].map(([key, value]) => ({ key, value })) }
        : {}),
    };
  }
  /** One DescribeContainerInstances poll: reconnects and agent updates move one step. */
  function beforeRender(ci: SimContainerInstance): void {
    if (ci.staleUntil && state.clock.now().getTime() >= ci.staleUntil.getTime()) state.dropConnection(ci);
    if (ci.reconnectPollsLeft === 0) {
      ci.agentConnected = true;
      ci.reconnectPollsLeft = undefined;
      ci.reconnectedAt = state.clock.now();
      ci.version += 1;
    }
  }
  function afterRender(ci: SimContainerInstance): void {
    if (ci.reconnectPollsLeft !== undefined && ci.reconnectPollsLeft > 0) ci.reconnectPollsLeft -= 1;
    const stage = ci.agentUpdateStatus;
    if (stage && UPDATE_STAGES.includes(stage)) {
      ci.updatePollsLeft -= 1;
      if (ci.updatePollsLeft <= 0) {
        const behaviour = state.behaviourOf(ci.ec2InstanceId);
        const polls = Math.max(1, behaviour.agentUpdatePolls ?? 1);
        const index = UPDATE_STAGES.indexOf(stage);
        if (stage === 'UPDATING') {
          if (behaviour.agentUpdate === 'FAILED') {
            ci.agentUpdateStatus = 'FAILED';
          } else {
            ci.agentUpdateStatus = 'UPDATED';
            ci.agentVersion = LATEST_AGENT_VERSION;
            ci.agentHash = hashString(LATEST_AGENT_VERSION).slice(0, 8);
          }
        } else {
          ci.agentUpdateStatus = UPDATE_STAGES[index + 1]!;
        }
        ci.updatePollsLeft = polls;
        ci.version += 1;
      }
    }
  }
  function attributeTargets(cluster: SimCluster, attributes: Attribute[]): SimContainerInstance[] {
    return attributes.map((a) => {
      if (a.targetType && a.targetType !== 'container-instance')
        throw invalid(`targetType ${a.targetType} is not supported`);
      if (!a.targetId) throw invalid('attributes must name a targetId');
      const ci = findInstance(cluster, a.targetId);
      if (!ci)
        throw ecsError(
          'TargetNotFoundException',
          `Could not find ${a.targetId}. TargetType: container-instance.`,
        );
      if (!a.name || a.name.length > 128) throw invalid('Attribute name must be 1 to 128 characters.');
      return ci;
    });
  }

  return {
    CreateCluster: op<CreateClusterRequest, CreateClusterResponse>((input) => {
      const name = input.clusterName ?? 'default';
      if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
        throw invalid(
          'Cluster name may contain up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
        );
      }
      const arn = clusterArn(name);
      let cluster = state.clusters.get(arn);
      if (cluster?.status !== 'ACTIVE') {
        cluster = { arn, name, status: 'ACTIVE' };
        state.clusters.set(arn, cluster);
      }
      if (input.tags?.length) {
        const tags = state.ecsTags.get(arn) ?? new Map<string, string>();
        for (const t of input.tags) tags.set(t.key ?? '', t.value ?? '');
        state.ecsTags.set(arn, tags);
      }
      return { cluster: renderCluster(cluster, true) };
    }),
    ListClusters: op<ListClustersRequest, ListClustersResponse>((input) => {
      const all = [...state.clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.arn);
      const page = ecsPage(all, input.maxResults, input.nextToken, null);
      return { clusterArns: page.items, nextToken: page.nextToken };
    }),
    DescribeClusters: op<DescribeClustersRequest, DescribeClustersResponse>((input) => {
      const refs = input.clusters?.length ? input.clusters : ['default'];
      if (refs.length > 100) throw invalid('clusters can have at most 100 items.');
      const includeTags = (input.include ?? []).includes('TAGS');
      const clusters: Cluster[] = [];
      const failures: NonNullable<DescribeClustersResponse['failures']> = [];
      for (const ref of refs) {
        const c = findCluster(ref);
        if (c) clusters.push(renderCluster(c, includeTags));
        else failures.push({ arn: ref.startsWith('arn:') ? ref : clusterArn(ref), reason: 'MISSING' });
      }
      return { clusters, failures };
    }),
    RegisterContainerInstance: op<RegisterContainerInstanceRequest, RegisterContainerInstanceResponse>(
      (input) => {
        const cluster = getCluster(input.cluster);
        if (input.containerInstanceArn)
          throw new UnsupportedOperationError('simulated account does not re-register container instances');
        let doc: { instanceId?: string };
        try {
          doc = JSON.parse(input.instanceIdentityDocument ?? '') as { instanceId?: string };
        } catch {
          throw ecsError('ClientException', 'Invalid instance identity document.');
        }
        const instance = doc.instanceId ? state.instances.get(doc.instanceId) : undefined;
        if (!instance)
          throw ecsError(
            'ClientException',
            `Instance identity document names an unknown instance: ${doc.instanceId}`,
          );
        const existing = state.containerInstanceFor(instance.id);
        if (existing) return { containerInstance: renderInstance(existing, false) };
        const id =
          hashString(`${cluster.name}/${instance.id}`) +
          hashString(instance.id) +
          hashString(`${instance.id}/ci`) +
          hashString(`ci/${cluster.arn}`);
        const arn = `arn:aws:ecs:${state.region}:${state.accountId}:container-instance/${cluster.name}/${id}`;
        const attributes = new Map<string, { value?: string }>([
          ['ecs.availability-zone', { value: instance.az }],
          ['ecs.instance-type', { value: instance.instanceType }],
          ['ecs.ami-id', { value: instance.imageId }],
          ['ecs.os-type', { value: instance.platform === 'windows' ? 'windows' : 'linux' }],
          ['ecs.cpu-architecture', { value: 'x86_64' }],
          ['ecs.capability.execution-role-awslogs', {}],
        ]);
        for (const a of input.attributes ?? [])
          if (a.name) attributes.set(a.name, a.value !== undefined ? { value: a.value } : {});
        const ci: SimContainerInstance = {
          arn,
          clusterArn: cluster.arn,
          ec2InstanceId: instance.id,
          status: 'ACTIVE',
          agentVersion: input.versionInfo?.agentVersion ?? LATEST_AGENT_VERSION,
          agentHash: input.versionInfo?.agentHash ?? 'b1a4e3c',
          dockerVersion: input.versionInfo?.dockerVersion ?? 'DockerVersion: 25.0.8',
          agentConnected: true,
          registeredAt: state.clock.now(),
          attributes,
          updatePollsLeft: 0,
          version: 1,
        };
        state.containerInstances.set(arn, ci);
        if (input.tags?.length)
          state.ecsTags.set(arn, new Map(input.tags.map((t) => [t.key ?? '', t.value ?? ''])));
        return { containerInstance: renderInstance(ci, false) };
      },
    ),
    ListContainerInstances: op<ListContainerInstancesRequest, ListContainerInstancesResponse>((input) => {
      const cluster = getCluster(input.cluster);
      if (input.filter)
        throw new UnsupportedOperationError(
          'simulated account does not implement the ECS cluster query language (filter)',
        );
      const statuses = ['ACTIVE', 'DRAINING', 'REGISTERING', 'DEREGISTERING', 'REGISTRATION_FAILED'];
      if (input.status && !statuses.includes(input.status))
        throw invalid(`status must be one of ${statuses.join(', ')}`);
      const all = [...state.containerInstances.values()]
        .filter((ci) => ci.clusterArn === cluster.arn)
        .filter((ci) => (input.status ? ci.status === input.status : ci.status !== 'INACTIVE'))
        .map((ci) => ci.arn);
      const page = ecsPage(all, input.maxResults, input.nextToken, [cluster.arn, input.status]);
      return { containerInstanceArns: page.items, nextToken: page.nextToken };
    }),
    DescribeContainerInstances: op<DescribeContainerInstancesRequest, DescribeContainerInstancesResponse>(
      (input) => {
        const cluster = getCluster(input.cluster);
        const refs = input.containerInstances ?? [];
        if (refs.length === 0) throw invalid('containerInstances can not be empty.');
        if (refs.length > 100) throw invalid('instanceIds can have at most 100 items.');
        const includeTags = (input.include ?? []).includes('TAGS');
        const containerInstances: ContainerInstance[] = [];
        const failures: NonNullable<DescribeContainerInstancesResponse['failures']> = [];
        for (const ref of refs) {
          const ci = findInstance(cluster, ref);
          if (!ci) {
            failures.push({ arn: ref, reason: 'MISSING' });
            continue;
          }
          beforeRender(ci);
          containerInstances.push(renderInstance(ci, includeTags));
          afterRender(ci);
        }
        return { containerInstances, failures };
      },
    ),
    UpdateContainerAgent: op<UpdateContainerAgentRequest, UpdateContainerAgentResponse>((input) => {
      const cluster = getCluster(input.cluster);
      const ci = input.containerInstance ? findInstance(cluster, input.containerInstance) : undefined;
      if (!ci)
        throw invalid(
          `Container instance ${input.containerInstance ?? ''} not found in cluster ${cluster.name}.`,
        );
      const os = ci.attributes.get('ecs.os-family')?.value ?? '';
      if (os.startsWith('WINDOWS') || ci.attributes.get('ecs.os-type')?.value === 'windows') {
        throw invalid('Agent updates are not supported on Windows container instances.');
      }
      if (os === 'BOTTLEROCKET')
        throw invalid('Agent updates are not supported on Bottlerocket container instances.');
      if (ci.agentUpdateStatus && UPDATE_STAGES.includes(ci.agentUpdateStatus)) {
        throw ecsError(
          'UpdateInProgressException',
          'There is already a current Amazon ECS container agent update in progress on the container instance.',
        );
      }
      if (!ci.agentConnected)
        throw invalid('The agent on the container instance is not connected; it cannot be updated.');
      if (compareVersions(ci.agentVersion, LATEST_AGENT_VERSION) >= 0) {
        throw ecsError(
          'NoUpdateAvailableException',
          'There is no update available for your container agent.',
        );
      }
      ci.agentUpdateStatus = 'PENDING';
      ci.updatePollsLeft = Math.max(1, state.behaviourOf(ci.ec2InstanceId).agentUpdatePolls ?? 1);
      ci.version += 1;
      return { containerInstance: renderInstance(ci, false) };
    }),
    UpdateContainerInstancesState: op<
      UpdateContainerInstancesStateRequest,
      UpdateContainerInstancesStateResponse
    >((input) => {
      const cluster = getCluster(input.cluster);
      if (input.status !== 'ACTIVE' && input.status !== 'DRAINING')
        throw invalid('status must be ACTIVE or DRAINING.');
      const refs = input.containerInstances ?? [];
      if (refs.length > 10) throw invalid('containerInstances can have at most 10 items.');
      const containerInstances: ContainerInstance[] = [];
      const failures: NonNullable<UpdateContainerInstancesStateResponse['failures']> = [];
      for (const ref of refs) {
        const ci = findInstance(cluster, ref);
        if (!ci) {
          failures.push({ arn: ref, reason: 'MISSING' });
          continue;
        }
        ci.status = input.status;
        ci.version += 1;
        containerInstances.push(renderInstance(ci, false));
      }
      return { containerInstances, failures };
    }),
    PutAttributes: op<PutAttributesRequest, PutAttributesResponse>((input) => {
      const cluster = getCluster(input.cluster);
      const attributes = input.attributes ?? [];
      if (attributes.length > 10) throw invalid('attributes can have at most 10 items.');
      const targets = attributeTargets(cluster, attributes);
      // ECS allows CUSTOM_ATTRIBUTE_LIMIT custom attributes per resource (the agent's ecs.* ones do not count);
      // a call that would exceed it on any target changes nothing.
      for (const ci of new Set(targets)) {
        const names = new Set([...ci.attributes.keys()].filter(isCustomAttribute));
        attributes.forEach((a, i) => {
          if (targets[i] === ci && isCustomAttribute(a.name!)) names.add(a.name!);
        });
        if (names.size > CUSTOM_ATTRIBUTE_LIMIT) {
          throw ecsError(
            'AttributeLimitExceededException',
            `You can apply up to ${CUSTOM_ATTRIBUTE_LIMIT} custom attributes for each resource.`,
          );
        }
      }
      attributes.forEach((a, i) => {
        targets[i]!.attributes.set(a.name!, a.value !== undefined ? { value: a.value } : {});
      });
      return { attributes };
    }),
    DeleteAttributes: op<DeleteAttributesRequest, DeleteAttributesResponse>((input) => {
      const cluster = getCluster(input.cluster);
      const attributes = input.attributes ?? [];
      const targets = attributeTargets(cluster, attributes);
      attributes.forEach((a, i) => {
        targets[i]!.attributes.delete(a.name!);
      });
      return { attributes };
    }),
    ListAttributes: op<ListAttributesRequest, ListAttributesResponse>((input) => {
      const cluster = getCluster(input.cluster);
      if (input.targetType !== 'container-instance') throw invalid('targetType must be container-instance.');
      if (input.attributeValue !== undefined && !input.attributeName) {
        throw invalid('attributeName must be specified when attributeValue is specified.');
      }
      const rows: Attribute[] = [];
      for (const ci of state.containerInstances.values()) {
        if (ci.clusterArn !== cluster.arn || ci.status === 'INACTIVE') continue;
        for (const [name, a] of ci.attributes) {
          if (input.attributeName && name !== input.attributeName) continue;
          if (input.attributeValue !== undefined && a.value !== input.attributeValue) continue;
          rows.push({
            name,
            ...(a.value !== undefined ? { value: a.value } : {}),
            targetType: 'container-instance',
            targetId: ci.arn,
          });
        }
      }
      const page = ecsPage(rows, input.maxResults, input.nextToken, [
        cluster.arn,
        input.attributeName,
        input.attributeValue,
      ]);
      return { attributes: page.items, nextToken: page.nextToken };
    }),
    ListTagsForResource: op<ListTagsForResourceRequest, ListTagsForResourceResponse>((input) => {
      const arn = input.resourceArn ?? '';
      const known = state.clusters.get(arn)?.status === 'ACTIVE' || state.containerInstances.has(arn);
      if (!known) throw invalid('The specified resource is not valid.');
      const tags = state.ecsTags.get(arn) ?? new Map<string, string>();
      return { tags: [...tags.entries()].map(([key, value]) => ({ key, value })) };
    }),
  };
}
