// What every action of a plan is: a kind, the IAM permissions its run needs (declared next to that code), and
// a run that applies one planned step and says what happened to the resource it acts on. The executor only
// dispatches; the grants of a function are the declarations of the actions it can run (../permissions.ts).
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Config } from '../../config';
import { ConfigError } from '../../errors';
import type { PermissionDeclaration } from '../../permissions';
import { INVENTORY_PERMISSIONS } from '../inventory';
import { MANAGED_TAG_VALUE } from '../naming';
import type { ActionKind, ActionResult, PlannedAction } from '../types';

/** The clients an action calls and what earlier steps of the same run learned. */
export interface ActionContext {
  ec2: EC2Client;
  config: Config;
  /** The endpoint security group, once known (from the plan or created earlier in this run). */
  securityGroupId?: string;
}

/** What happened to the one resource a step acts on: ok, skip with the reason, or error with the reason. */
export type Outcome = Omit<ActionResult, 'action'>;

export interface ReconcilerAction<K extends ActionKind = ActionKind> {
  readonly kind: K;
  /** Every AWS call `run` makes, reads included, as IAM must allow it. */
  readonly permissions: readonly PermissionDeclaration[];
  /**
   * Applies one step. Returns ok, skip or error for the resource it acts on; a thrown error is recorded as an
   * error result by the executor, and the next step still runs.
   */
  run(ctx: ActionContext, step: PlannedAction): Promise<Outcome>;
}

export const ok = (message: string, resourceId?: string): Outcome => ({
  status: 'ok',
  message,
  ...(resourceId ? { resourceId } : {}),
});

export const skip = (message: string, resourceId?: string): Outcome => ({
  status: 'skip',
  message,
  ...(resourceId ? { resourceId } : {}),
});

export const failed = (message: string, errorName: string, resourceId?: string): Outcome => ({
  status: 'error',
  message,
  errorName,
  ...(resourceId ? { resourceId } : {}),
});

// ---- Scoping shared by the declarations of several actions. ----

/** Every resource of an EC2 type in the stack's account and region. */
export const ec2Arn = (type: string): string => `arn:{partition}:ec2:{region}:{account}:${type}/*`;

/** The request carries our managed tag: only for the resource being created (aws:RequestTag is in its context). */
export const REQUEST_TAGGED = { StringEquals: { 'aws:RequestTag/{managedTagKey}': MANAGED_TAG_VALUE } };

/** The existing resource carries our managed tag: we created it. */
export const RESOURCE_TAGGED = { StringEquals: { 'aws:ResourceTag/{managedTagKey}': MANAGED_TAG_VALUE } };

/** Tag-on-create of `resourceType` by `createAction`, with our managed tag only; never tags an existing resource. */
export function tagOnCreate(sid: string, resourceType: string, createAction: string): PermissionDeclaration {
  return {
    sid,
    actions: ['ec2:CreateTags'],
    resources: [ec2Arn(resourceType)],
    conditions: {
      StringEquals: {
        'ec2:CreateAction': createAction,
        'aws:RequestTag/{managedTagKey}': MANAGED_TAG_VALUE,
      },
    },
    reason: `TagSpecifications of ${createAction}, carrying our managed tag; never tags an existing resource`,
  };
}

/** The finders' declarations that grant these read actions: an action that re-reads declares them too. */
export function finderReads(...actions: string[]): PermissionDeclaration[] {
  const found = INVENTORY_PERMISSIONS.filter((d) => d.actions.some((a) => actions.includes(a)));
  const missing = actions.filter((a) => !found.some((d) => d.actions.includes(a)));
  if (missing.length > 0) {
    throw new ConfigError(`no finder declares ${missing.join(', ')}`, { field: 'permissions' });
  }
  return found;
}
