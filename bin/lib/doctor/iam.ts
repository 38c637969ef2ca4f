// Asks AWS's own policy evaluator, iam:SimulatePrincipalPolicy, whether a deployed function role may make the
// calls its function makes. Each call is first expanded into the checks IAM makes (shared/authz/requests.ts):
// one per resource, each with its own request context. Resources that need the same actions under the same
// context go into one simulation (ResourceArns); resources whose context differs never share one, since
// ContextEntries apply to every resource of a request. Results are paged (Marker), and throttling is retried by
// the SDK's retry strategy.
import {
  type ContextEntry,
  type EvaluationResult,
  type IAMClient,
  paginateSimulatePrincipalPolicy,
} from '@aws-sdk/client-iam';
import {
  type AuthzCheck,
  authzChecks,
  type RequestContext,
  type ResourceFacts,
} from '../../../shared/authz/requests';
import type { ModelledCall } from './calls';

export type Decision = 'allowed' | 'implicitDeny' | 'explicitDeny';

/** One action on one resource, as one function needs it for one call. */
export interface CheckEntry {
  functionId: string;
  /** "ec2:CreateVpcEndpoint": the SDK call the check comes from. */
  operation: string;
  why: string;
  action: string;
  kind: AuthzCheck['kind'];
  resource: string;
  resourceType: string | undefined;
  context: RequestContext;
}

export interface CheckResult extends CheckEntry {
  decision: Decision;
  /** Condition keys a matching statement uses that the request did not carry, as AWS reports them. */
  missingContext: string[];
}

export interface RoleSimulation {
  results: CheckResult[];
  /** SimulatePrincipalPolicy requests sent (pages included). */
  requests: number;
}

/** Resources per simulation request: contexts match, so one request covers them all. */
const RESOURCES_PER_REQUEST = 20;
/** Requests in flight at once: IAM's API is rate-limited per account. */
const CONCURRENCY = 4;

/** Every IAM check of every call of one function. */
export async function expandCalls(
  functionId: string,
  calls: readonly ModelledCall[],
  facts: ResourceFacts,
): Promise<CheckEntry[]> {
  const entries: CheckEntry[] = [];
  for (const c of calls) {
    for (const check of await authzChecks(c.service, c.operation, c.input, facts)) {
      for (const r of check.resources) {
        entries.push({
          functionId,
          operation: `${c.service}:${c.operation}`,
          why: c.why,
          action: check.action,
          kind: check.kind,
          resource: r.arn,
          resourceType: r.resourceType,
          context: r.context,
        });
      }
    }
  }
  return entries;
}

export function contextEntries(context: RequestContext): ContextEntry[] {
  return Object.entries(context)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({
      ContextKeyName: key,
      ContextKeyValues: Array.isArray(value) ? [...value] : [value],
      ContextKeyType: Array.isArray(value) ? 'stringList' : 'string',
    }));
}

interface SimulationRequest {
  actions: string[];
  resources: string[];
  context: RequestContext;
}

/** Groups checks into requests: per resource its actions, then resources with equal actions and context. */
export function simulationRequests(entries: readonly CheckEntry[]): SimulationRequest[] {
  const perResource = new Map<string, { resource: string; context: RequestContext; actions: Set<string> }>();
  for (const e of entries) {
    const key = JSON.stringify([e.resource, contextEntries(e.context)]);
    const slot = perResource.get(key) ?? { resource: e.resource, context: e.context, actions: new Set() };
    slot.actions.add(e.action);
    perResource.set(key, slot);
  }
  const merged = new Map<string, SimulationRequest>();
  for (const slot of perResource.values()) {
    const actions = [...slot.actions].sort();
    const key = JSON.stringify([actions, contextEntries(slot.context)]);
    const request = merged.get(key) ?? { actions, resources: [], context: slot.context };
    if (!request.resources.includes(slot.resource)) request.resources.push(slot.resource);
    merged.set(key, request);
  }
  return [...merged.values()].flatMap((r) => {
    const parts: SimulationRequest[] = [];
    for (let i = 0; i < r.resources.length; i += RESOURCES_PER_REQUEST) {
      parts.push({ ...r, resources: r.resources.slice(i, i + RESOURCES_PER_REQUEST) });
    }
    return parts;
  });
}

const decisionKey = (action: string, resource: string) => `${action}\u0000${resource}`;

/** Per action and resource: AWS reports one result per pair, or per action with per-resource details. */
function record(
  result: EvaluationResult,
  into: Map<string, { decision: Decision; missing: string[] }>,
): void {
  const action = result.EvalActionName ?? '';
  const specific = result.ResourceSpecificResults ?? [];
  if (specific.length > 0) {
    for (const r of specific) {
      into.set(decisionKey(action, r.EvalResourceName ?? '*'), {
        decision: (r.EvalResourceDecision ?? 'implicitDeny') as Decision,
        missing: r.MissingContextValues ?? [],
      });
    }
    return;
  }
  into.set(decisionKey(action, result.EvalResourceName ?? '*'), {
    decision: (result.EvalDecision ?? 'implicitDeny') as Decision,
    missing: result.MissingContextValues ?? [],
  });
}

async function inPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Simulates every check of one role with iam:SimulatePrincipalPolicy. */
export async function simulateRole(
  iam: IAMClient,
  roleArn: string,
  entries: readonly CheckEntry[],
): Promise<RoleSimulation> {
  const decisions = new Map<string, { decision: Decision; missing: string[] }>();
  let requests = 0;
  await inPool(simulationRequests(entries), CONCURRENCY, async (request) => {
    const input = {
      PolicySourceArn: roleArn,
      ActionNames: request.actions,
      ...(request.resources.length === 1 && request.resources[0] === '*'
        ? {}
        : { ResourceArns: request.resources }),
      ...(Object.keys(request.context).length ? { ContextEntries: contextEntries(request.context) } : {}),
    };
    for await (const page of paginateSimulatePrincipalPolicy({ client: iam }, input)) {
      requests += 1;
      for (const result of page.EvaluationResults ?? []) record(result, decisions);
    }
  });
  const results = entries.map((e) => {
    const found = decisions.get(decisionKey(e.action, e.resource));
    return {
      ...e,
      decision: found?.decision ?? 'implicitDeny',
      missingContext: found ? found.missing : ['(no result from SimulatePrincipalPolicy)'],
    };
  });
  return { results, requests };
}
