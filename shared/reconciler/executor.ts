// The executor: applies a plan's steps in order, each by the action its kind names in the registry the plan is
// run against, and records ok, skip or error for every step. One failure does not stop the rest. The actions
// (./actions) hold the calls, the re-reads that keep creates idempotent, and their IAM permissions. Retries
// with backoff come from the SDK client (shared/clients.ts).
import { describeError, errorName, InvalidInputError } from '../errors';
import { logger } from '../observability';
import { type ActionContext, type ActionRegistry, type Outcome, RECONCILE_ACTIONS } from './actions';
import type { ActionResult, PlannedAction } from './types';

export type ExecutionContext = ActionContext;

async function runStep(
  ctx: ExecutionContext,
  step: PlannedAction,
  actions: ActionRegistry,
): Promise<Outcome> {
  const action = actions.get(step.kind);
  if (!action) {
    throw new InvalidInputError(
      `${step.kind} is not an action of this plan (${[...actions.keys()].join(', ')})`,
      {
        vpcId: step.vpcId,
      },
    );
  }
  return action.run(ctx, step);
}

/**
 * Applies the steps in order with `actions` (the reconcile actions unless told otherwise); returns one result
 * per step. Never throws for a failed step: a thrown error becomes that step's error result.
 */
export async function executePlan(
  ctx: ExecutionContext,
  steps: PlannedAction[],
  actions: ActionRegistry = RECONCILE_ACTIONS,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const step of steps) {
    let outcome: Outcome;
    let thrown: unknown;
    try {
      outcome = await runStep(ctx, step, actions);
    } catch (err) {
      thrown = err;
      outcome = { status: 'error', message: describeError(err), errorName: errorName(err) };
    }
    const fields = { vpcId: step.vpcId, kind: step.kind, endpointService: step.service };
    if (outcome.status === 'error') {
      logger.error('reconcile action failed', {
        ...fields,
        resourceId: outcome.resourceId,
        errorName: outcome.errorName,
        ...(thrown ? { error: thrown as Error } : { reason: outcome.message }),
      });
    } else {
      logger.info('reconcile action', { ...fields, status: outcome.status, resourceId: outcome.resourceId });
    }
    results.push({ action: step, ...outcome });
  }
  return results;
}
