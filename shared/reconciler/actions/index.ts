// The action registries: which action runs each kind of step. A plan is executed against one registry, and a
// function's IAM grants are the declarations of the registries it runs (../permissions.ts), so a function that
// cannot run an action is not granted its permissions.
import type { ActionKind } from '../types';
import { type ReconcilerAction, skip } from './action';
import {
  addEndpointSubnets,
  addGatewayRouteTables,
  createGatewayEndpoint,
  createInterfaceEndpoint,
} from './endpoints';
import { authorizeSecurityGroupIngress, createSecurityGroup } from './security-group';
import { deleteEndpoint, deleteSecurityGroup } from './teardown';
import { enableDnsHostnames, enableDnsSupport } from './vpc-dns';

export type { ActionContext, Outcome, ReconcilerAction } from './action';

/** Something else already provides it (someone's endpoint, a central hosted zone): recorded, never written. */
export const covered: ReconcilerAction<'covered'> = {
  kind: 'covered',
  permissions: [],
  async run(_ctx, step) {
    return skip(step.reason, step.targetId);
  },
};

export type ActionRegistry = ReadonlyMap<ActionKind, ReconcilerAction>;

const registry = (actions: readonly ReconcilerAction[]): ActionRegistry =>
  new Map(actions.map((a) => [a.kind, a]));

/** Every action a reconcile plan (planner.ts) may hold, in the order their grants are listed. */
export const RECONCILE_ACTIONS: ActionRegistry = registry([
  covered,
  enableDnsSupport,
  enableDnsHostnames,
  createSecurityGroup,
  authorizeSecurityGroupIngress,
  createInterfaceEndpoint,
  addEndpointSubnets,
  createGatewayEndpoint,
  addGatewayRouteTables,
]);

/** Every action a teardown plan (teardown.ts) may hold. */
export const TEARDOWN_ACTIONS: ActionRegistry = registry([deleteEndpoint, deleteSecurityGroup]);
