// Simulated IAM SimulatePrincipalPolicy, for `privatelink-ecs doctor`: the deployed role named by
// PolicySourceArn is evaluated by the SAME evaluator that enforces every role-bound call of the simulated
// account (IamAuthorizer.decide over the synthesized stack's policies), action by action and resource by
// resource, with the request context built from ContextEntries. Results are paged with MaxItems/Marker.
import type {
  ContextEntry,
  EvaluationResult,
  SimulatePolicyResponse,
  SimulatePrincipalPolicyRequest,
} from '@aws-sdk/client-iam';
import * as iamsdk from '@aws-sdk/client-iam';
import type { RequestContext } from '../../shared/authz/requests';
import type { IamAuthorizer, Verdict } from '../iam/authorizer';
import { type Handler, type HandlerMap, paginate, serviceErrors } from './core';

export const { error: iamError, throttle: iamThrottle } = serviceErrors(iamsdk, iamsdk.IAMServiceException, {
  throttle: { name: 'Throttling', message: 'Rate exceeded', status: 400 },
});

const PAGE = { min: 1, max: 1000, defaultSize: 100 };

const DECISION: Record<Verdict, 'allowed' | 'implicitDeny' | 'explicitDeny'> = {
  Allowed: 'allowed',
  ImplicitlyDenied: 'implicitDeny',
  ExplicitlyDenied: 'explicitDeny',
};

/** ContextEntries as IAM reads them: a list type keeps every value, a scalar type the first. */
export function contextOf(entries: readonly ContextEntry[] = []): RequestContext {
  const context: RequestContext = {};
  for (const entry of entries) {
    if (!entry.ContextKeyName) continue;
    const values = entry.ContextKeyValues ?? [];
    context[entry.ContextKeyName] = entry.ContextKeyType?.endsWith('List') ? [...values] : (values[0] ?? '');
  }
  return context;
}

export function iamHandlers(authorizer: () => IamAuthorizer): HandlerMap {
  const simulatePrincipalPolicy: Handler = async (raw) => {
    const input = (raw ?? {}) as SimulatePrincipalPolicyRequest;
    const sourceArn = input.PolicySourceArn ?? '';
    const role = authorizer().roleByArn(sourceArn);
    if (!role) {
      throw iamError('NoSuchEntity', `The role with name ${sourceArn.split('/').pop()} cannot be found.`);
    }
    const actions = input.ActionNames ?? [];
    if (actions.length === 0) throw iamError('InvalidInput', 'ActionNames must contain at least one action.');
    const resources = input.ResourceArns?.length ? input.ResourceArns : ['*'];
    const context = contextOf(input.ContextEntries);
    const results: EvaluationResult[] = [];
    for (const action of actions) {
      for (const resource of resources) {
        const verdict = await authorizer().decide(role, action, resource, context);
        results.push({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: DECISION[verdict],
          MatchedStatements: [],
          MissingContextValues: [],
        });
      }
    }
    const page = paginate(
      results,
      input.MaxItems,
      input.Marker,
      PAGE,
      [sourceArn, actions, resources, input.ContextEntries],
      (message) => iamError('InvalidInput', message),
    );
    const out: SimulatePolicyResponse = {
      EvaluationResults: page.items,
      IsTruncated: page.nextToken !== undefined,
      ...(page.nextToken ? { Marker: page.nextToken } : {}),
    };
    return out;
  };
  return { SimulatePrincipalPolicy: simulatePrincipalPolicy };
}
