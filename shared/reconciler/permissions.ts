// IAM permissions of the reconciler, derived from the code that makes the calls: the finders' reads
// (inventory.ts) plus the declarations of the actions in the registry a function runs (actions/). Writes are
// scoped to resources carrying our managed tag, or to requests that carry it; Describe* calls use "*" because
// EC2 cannot scope them to a resource. test/infra/authorization.test.ts proves the synthesized roles with a real
// policy evaluator, resource by resource, as AWS authorizes.
import { ConfigError } from '../errors';
import type { PermissionDeclaration } from '../permissions';
import { type ActionRegistry, RECONCILE_ACTIONS, TEARDOWN_ACTIONS } from './actions';
import { INVENTORY_PERMISSIONS } from './inventory';

/**
 * The finders' reads and every declaration of `registries`' actions, each once (actions that share a
 * declaration, such as the two DNS actions, list the same one), in registry order.
 */
export function permissionsFor(...registries: ActionRegistry[]): PermissionDeclaration[] {
  const bySid = new Map<string, PermissionDeclaration>();
  for (const decl of INVENTORY_PERMISSIONS) bySid.set(decl.sid, decl);
  for (const registry of registries) {
    for (const action of registry.values()) {
      for (const decl of action.permissions) {
        const seen = bySid.get(decl.sid);
        if (seen && JSON.stringify(seen) !== JSON.stringify(decl)) {
          throw new ConfigError(
            `the ${action.kind} action declares another statement under the sid ${decl.sid}`,
            {
              field: 'permissions',
            },
          );
        }
        bySid.set(decl.sid, decl);
      }
    }
  }
  return [...bySid.values()];
}

/** Everything reconcileVpc, planVpc, listEndpoints, readVpcOptIn and listOptedInVpcIds call. */
export const RECONCILER_PERMISSIONS: PermissionDeclaration[] = permissionsFor(RECONCILE_ACTIONS);

/** RECONCILER_PERMISSIONS and what teardownVpc calls: for the functions that also tear down on opt-out. */
export const RECONCILER_AND_TEARDOWN_PERMISSIONS: PermissionDeclaration[] = permissionsFor(
  RECONCILE_ACTIONS,
  TEARDOWN_ACTIONS,
);
